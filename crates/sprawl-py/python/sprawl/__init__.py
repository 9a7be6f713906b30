"""Sprawl: Gymnasium, vector and PettingZoo environments in generated cities.

Importing the package registers three Gymnasium environments:

==========================  ============
id                          agent
==========================  ============
``Sprawl/CarNav-v0``        car
``Sprawl/PedestrianNav-v0`` pedestrian
``Sprawl/DroneNav-v0``      drone
==========================  ============

>>> import gymnasium as gym, sprawl
>>> env = gym.make("Sprawl/CarNav-v0", prompt="quiet suburb", traffic_density=0.1)
>>> obs, info = env.reset(seed=1)

``gym.make_vec(id, num_envs=N)`` gives the native :class:`SprawlVectorEnv`
(N worlds stepped in Rust across threads); ``sprawl.parallel_env(agents=[...])``
a PettingZoo ``ParallelEnv`` with several agents in one world.
"""

from __future__ import annotations

from typing import Any, Sequence

import gymnasium

from sprawl import _core
from sprawl._core import OUTCOME_NAMES, Config, VecWorld, World
from sprawl.envs import SprawlEnv
from sprawl.vector import SprawlVectorEnv

__version__ = _core.__version__

#: Registered environment ids and their agent kinds.
ENV_IDS = {
    "Sprawl/CarNav-v0": "car",
    "Sprawl/PedestrianNav-v0": "pedestrian",
    "Sprawl/DroneNav-v0": "drone",
}

for _id, _kind in ENV_IDS.items():
    if _id not in gymnasium.registry:
        gymnasium.register(
            id=_id,
            entry_point="sprawl.envs:SprawlEnv",
            vector_entry_point="sprawl.vector:SprawlVectorEnv",
            kwargs={"agent": _kind},
        )


def parallel_env(agents: Sequence[str] = ("car",), **kwargs: Any) -> Any:
    """A PettingZoo ``ParallelEnv`` with ``agents`` (kind names, mixed allowed) in one world.

    Needs ``pettingzoo``; keyword arguments as for the Gymnasium environments.
    """
    from sprawl.parallel import SprawlParallelEnv

    return SprawlParallelEnv(agents, **kwargs)


def aec_env(agents: Sequence[str] = ("car",), **kwargs: Any) -> Any:
    """The same as :func:`parallel_env`, turned into a PettingZoo AEC environment."""
    from pettingzoo.utils.conversions import parallel_to_aec

    return parallel_to_aec(parallel_env(agents, **kwargs))


__all__ = [
    "ENV_IDS",
    "OUTCOME_NAMES",
    "Config",
    "SprawlEnv",
    "SprawlVectorEnv",
    "VecWorld",
    "World",
    "aec_env",
    "parallel_env",
]
