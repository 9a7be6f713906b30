"""A PettingZoo ``ParallelEnv``: several agents, of mixed kinds, in one shared world.

``sprawl.parallel_env(agents=["car", "car", "pedestrian", "drone"], ...)``
makes one simulated city holding all of them. Agents are named by kind and
number (``"car_0"``, ``"car_1"``, ``"pedestrian_0"``, ``"drone_0"``). Each has its
own route, goal, reward and ending; an agent whose episode ended leaves
``env.agents`` (its body stays where it stopped) while the others go on.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium.utils import seeding
from pettingzoo import ParallelEnv

from sprawl import _core
from sprawl._config import agent_spaces, as_action, make_config, next_world_seed, pack_obs


class SprawlParallelEnv(ParallelEnv):
    """Several agents in one world; keyword arguments as :class:`sprawl.envs.SprawlEnv`."""

    metadata = {
        "render_modes": ["rgb_array"],
        "name": "sprawl_v0",
        "render_fps": 10,
        "is_parallelizable": True,
    }

    def __init__(
        self,
        agents: Sequence[str] = ("car",),
        *,
        render_mode: str | None = None,
        render_size: int = 256,
        render_metres: float = 120.0,
        **kwargs: Any,
    ) -> None:
        if isinstance(agents, str):
            agents = [agents]
        kinds = list(agents)
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(
                f"render_mode {render_mode!r} is not supported; use one of {self.metadata['render_modes']}"
            )
        self.render_mode = render_mode
        self.render_size = int(render_size)
        self.render_metres = float(render_metres)
        self.config = make_config(kinds, kwargs)
        self._world = _core.World(self.config)
        self.metadata = {**self.metadata, "render_fps": round(1.0 / self.config.dt)}
        counts: dict[str, int] = {}
        names = []
        for kind in kinds:
            names.append(f"{kind}_{counts.get(kind, 0)}")
            counts[kind] = counts.get(kind, 0) + 1
        self.possible_agents = names
        self._index = {name: i for i, name in enumerate(names)}
        self._obs_spaces = {}
        self._act_spaces = {}
        self._idle = []
        for i, name in enumerate(names):
            obs_space, act_space = agent_spaces(
                self.config.vector_obs_bounds(),
                self._world.camera_shape(),
                self.config.depth_range,
                self._world.action_bounds(i),
            )
            self._obs_spaces[name] = obs_space
            self._act_spaces[name] = act_space
            self._idle.append(np.clip(np.zeros_like(act_space.low), act_space.low, act_space.high))
        self.agents: list[str] = []
        self._rng: np.random.Generator | None = None
        self.world_seed: int | None = None

    def observation_space(self, agent: str) -> Any:
        """The observation space of ``agent`` (the same object every call)."""
        return self._obs_spaces[agent]

    def action_space(self, agent: str) -> Any:
        """The action space of ``agent`` (the same object every call)."""
        return self._act_spaces[agent]

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """Starts an episode for every agent; with ``seed`` the world is built from it."""
        if seed is not None:
            self._rng = seeding.np_random(seed)[0]
            world_seed = int(seed)
        else:
            if self._rng is None:
                self._rng = seeding.np_random()[0]
            world_seed = next_world_seed(self._rng)
        self._world.reset(world_seed)
        self.world_seed = world_seed
        self.agents = list(self.possible_agents)
        obs = {a: pack_obs(*self._world.observe(self._index[a])) for a in self.agents}
        infos = {a: {"outcome": "running", "world_seed": world_seed} for a in self.agents}
        return obs, infos

    def step(self, actions: dict[str, Any]) -> tuple[
        dict[str, Any],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        """Steps the world with one action per live agent (finished agents idle)."""
        if not self.agents:
            raise RuntimeError("every agent's episode has ended; call reset()")
        missing = [a for a in self.agents if a not in actions]
        if missing:
            raise ValueError(f"no action for live agent(s) {missing}")
        unknown = [a for a in actions if a not in self._index]
        if unknown:
            raise ValueError(f"actions for unknown agent(s) {unknown}")
        live = set(self.agents)
        batch = []
        for name in self.possible_agents:
            i = self._index[name]
            if name in live:
                batch.append(
                    as_action(
                        actions[name],
                        self._act_spaces[name].shape,
                        f"action for {name}",
                        check_finite=True,
                    )
                )
            else:
                batch.append(self._idle[i])
        self._world.step(batch)
        obs, rewards, terms, truncs, infos = {}, {}, {}, {}, {}
        for name in self.agents:
            i = self._index[name]
            obs[name] = pack_obs(*self._world.observe(i))
            rewards[name] = float(self._world.reward(i))
            terms[name] = bool(self._world.terminated(i))
            truncs[name] = bool(self._world.truncated(i))
            outcome = self._world.outcome(i)
            info: dict[str, Any] = {"outcome": outcome}
            if terms[name] or truncs[name]:
                info["is_success"] = outcome == "success"
            infos[name] = info
        self.agents = [a for a in self.agents if not (terms[a] or truncs[a])]
        return obs, rewards, terms, truncs, infos

    def render(self) -> np.ndarray | None:
        """A top-down picture around the first live agent (``rgb_array`` mode)."""
        if self.render_mode is None:
            return None
        name = self.agents[0] if self.agents else self.possible_agents[0]
        return self._world.render(self._index[name], self.render_size, self.render_metres)

    def agent_state(self, agent: str) -> dict[str, Any]:
        """An agent's state: position, heading, speed, goal, distances, outcome."""
        return self._world.state(self._index[agent])

    def state(self) -> np.ndarray:
        """Every agent's vector observation, concatenated (PettingZoo's global state)."""
        return np.concatenate([self._world.observe(i)[0] for i in range(len(self.possible_agents))])

    def close(self) -> None:
        """Releases the world."""
        self._world = None  # type: ignore[assignment]


def parallel_env(agents: Sequence[str] = ("car",), **kwargs: Any) -> SprawlParallelEnv:
    """A :class:`SprawlParallelEnv` with ``agents`` (kind names) in one world."""
    return SprawlParallelEnv(agents, **kwargs)
