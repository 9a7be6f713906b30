"""Single-agent Gymnasium environments: ``Sprawl/CarNav-v0``, ``Sprawl/PedestrianNav-v0``,
``Sprawl/DroneNav-v0``.

Each is :class:`SprawlEnv` with another agent kind. The task is goal navigation
along the road graph: the simulator rewards progress towards the goal and
penalises collisions, leaving the road and driving the wrong way; an episode
ends in success, a crash (or off road / wrong way for cars), or a time-out
(truncation after ``episode_steps``).
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from sprawl import _core
from sprawl._config import agent_spaces, as_action, make_config, next_world_seed, pack_obs


class SprawlEnv(gym.Env):
    """One agent of kind ``agent`` (``"car"``, ``"pedestrian"``, ``"drone"``) in a generated city.

    Keyword arguments (all optional; see ``sprawl._config.WORLD_DEFAULTS``):

    * world: ``prompt`` (English), ``sketch`` (image path) or ``world_file``
      (``.sprawl`` path); none of them gives the default city. ``reset(seed=…)``
      builds a new city for a new seed (in a world file: new spawns, goals and
      traffic).
    * traffic: ``traffic_density``, ``pedestrian_density`` (0..1).
    * sensors: ``lidar_rays`` (0 = off), ``lidar_channels``, ``lidar_range``,
      ``lidar_vertical_fov``, ``depth=(h, w)``, ``semantic=(h, w)``,
      ``camera_fov``, ``camera_range``, or the same keys in ``sensors={...}``.
    * episode: ``episode_steps`` (or ``max_episode_steps`` when constructed
      directly; through ``gymnasium.make`` that name is Gymnasium's own
      ``TimeLimit``), ``dt``, ``route_length`` (metres to the goal along the
      route, 20..5000; default car 300, pedestrian 150, drone 250).
    * props: ``dynamic_props`` (default ``True``: agents push benches and
      props out of their way; ``False`` keeps them fixed, like buildings).
    * rendering: ``render_mode="rgb_array"`` gives a top-down ``(render_size,
      render_size, 3)`` uint8 picture covering ``render_metres`` around the agent.

    Observation: a float32 ``Box`` (ego state, route features, lidar; finite
    bounds that every value respects: ego within [-10, 10], route within
    [-4, 10], lidar within [0, 1]), or a
    ``Dict`` with ``"vector"``, ``"depth"`` and/or ``"semantic"`` when cameras are
    on. Action: a float32 ``Box`` with the simulator's bounds for the kind. A
    NaN, infinite, wrongly shaped or non-numeric action raises ``ValueError``
    and leaves the world untouched. ``info["outcome"]`` says how the episode
    stands; the last step of an episode also has ``info["is_success"]``.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 10}

    def __init__(
        self,
        agent: str = "car",
        *,
        render_mode: str | None = None,
        render_size: int = 256,
        render_metres: float = 120.0,
        **kwargs: Any,
    ) -> None:
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode {render_mode!r} is not supported; use one of {self.metadata['render_modes']}"
            )
        self.agent = agent
        self.render_mode = render_mode
        self.render_size = int(render_size)
        self.render_metres = float(render_metres)
        self.config = make_config([agent], kwargs)
        self._world = _core.World(self.config)
        self.metadata = {**self.metadata, "render_fps": round(1.0 / self.config.dt)}
        self.observation_space, self.action_space = agent_spaces(
            self.config.vector_obs_bounds(),
            self._world.camera_shape(),
            self.config.depth_range,
            self._world.action_bounds(0),
        )
        self._shape = self.action_space.shape
        self.world_seed: int | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        """Starts an episode; with ``seed`` the world is built from that seed."""
        super().reset(seed=seed)
        world_seed = seed if seed is not None else next_world_seed(self.np_random)
        self._world.reset(world_seed)
        self.world_seed = world_seed
        obs = pack_obs(*self._world.observe(0))
        return obs, {"outcome": "running", "world_seed": world_seed}

    def step(self, action: Any) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        """Advances one step of ``dt`` seconds."""
        a = as_action(action, self._shape)
        vector, depth, semantic, reward, terminated, truncated, outcome = self._world.step_single(a)
        info: dict[str, Any] = {"outcome": outcome}
        if terminated or truncated:
            info["is_success"] = outcome == "success"
        return pack_obs(vector, depth, semantic), float(reward), terminated, truncated, info

    def render(self) -> np.ndarray | None:
        """The top-down picture when ``render_mode="rgb_array"``, else ``None``."""
        if self.render_mode is None:
            gym.logger.warn(
                "render() called without a render_mode; make the env with render_mode='rgb_array'"
            )
            return None
        return self._world.render(0, self.render_size, self.render_metres)

    def agent_state(self) -> dict[str, Any]:
        """The agent's state: position, heading, speed, goal, distances, outcome."""
        return self._world.state(0)

    @property
    def loaded_chunks(self) -> int:
        """Chunks loaded around the agent now."""
        return self._world.loaded_chunks()

    def close(self) -> None:
        """Releases the world."""
        self._world = None  # type: ignore[assignment]

