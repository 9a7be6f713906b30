"""A Stable-Baselines3 ``VecEnv`` over the native vector env.

SB3 has its own vector API: it resets a world in the same step that ends its
episode and hands the final observation over in
``infos[i]["terminal_observation"]``. :class:`SprawlSB3VecEnv` gives it that
on top of :class:`~sprawl.vector.SprawlVectorEnv`, so SB3 steps all worlds in
one call into Rust instead of looping over Python envs (``DummyVecEnv``).

>>> from stable_baselines3 import PPO
>>> from sprawl.sb3 import SprawlSB3VecEnv
>>> env = SprawlSB3VecEnv(8, "car", traffic_density=0.1)
>>> model = PPO("MlpPolicy", env).learn(10_000)

Wrap it in ``stable_baselines3.common.vec_env.VecMonitor`` (with
``info_keywords=("is_success",)``) for episode statistics.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from stable_baselines3.common.vec_env.base_vec_env import VecEnv, VecEnvIndices

from sprawl.vector import SprawlVectorEnv


class SprawlSB3VecEnv(VecEnv):
    """``num_envs`` worlds of kind ``agent``; keyword arguments as for
    :class:`~sprawl.vector.SprawlVectorEnv`."""

    def __init__(self, num_envs: int = 8, agent: str = "car", **kwargs: Any) -> None:
        kwargs.pop("copy", None)
        self.venv = SprawlVectorEnv(num_envs, agent, copy=False, **kwargs)
        super().__init__(
            num_envs,
            self.venv.single_observation_space,
            self.venv.single_action_space,
        )
        self.render_mode = self.venv.render_mode
        self._actions: np.ndarray | None = None

    def _copy(self, obs: Any) -> Any:
        if isinstance(obs, dict):
            return {k: a.copy() for k, a in obs.items()}
        return obs.copy()

    def reset(self) -> Any:
        """Resets every world with the seeds from ``seed()``, if any (used once)."""
        seeds = self._seeds
        seed = None if all(s is None for s in seeds) else list(seeds)
        options = self._options[0] if self._options and self._options[0] else None
        obs, _ = self.venv.reset(seed=seed, options=options)
        self._reset_seeds()
        self._reset_options()
        return self._copy(obs)

    def step_async(self, actions: np.ndarray) -> None:
        """Stores the actions for :meth:`step_wait`."""
        self._actions = actions

    def step_wait(self) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        """Steps every world; ended worlds reset at once (SB3's convention)."""
        obs, rewards, terminated, truncated, info = self.venv.step(self._actions)
        dones = terminated | truncated
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if dones.any():
            outcome = info["outcome"]
            for i in np.flatnonzero(dones):
                final = (
                    {k: a[i].copy() for k, a in obs.items()} if isinstance(obs, dict) else obs[i].copy()
                )
                infos[i] = {
                    "terminal_observation": final,
                    "TimeLimit.truncated": bool(truncated[i] and not terminated[i]),
                    "is_success": outcome[i] == "success",
                    "outcome": outcome[i],
                }
            obs, _ = self.venv.reset(options={"reset_mask": dones})
        return self._copy(obs), rewards.astype(np.float32), dones, infos

    def close(self) -> None:
        """Releases the worlds."""
        self.venv.close()

    def render(self, mode: str | None = None) -> np.ndarray | None:
        """The first world's top-down picture (``render_mode="rgb_array"``)."""
        pictures = self.venv.render()
        return None if pictures is None else pictures[0]

    def get_images(self) -> Sequence[np.ndarray | None]:
        """Every world's top-down picture."""
        pictures = self.venv.render()
        return list(pictures) if pictures is not None else [None] * self.num_envs

    def _indices(self, indices: VecEnvIndices) -> list[int]:
        if indices is None:
            return list(range(self.num_envs))
        if isinstance(indices, int):
            return [indices]
        return list(indices)

    def get_attr(self, attr_name: str, indices: VecEnvIndices = None) -> list[Any]:
        """An attribute of the vector env, once per index (the worlds share one)."""
        return [getattr(self.venv, attr_name) for _ in self._indices(indices)]

    def set_attr(self, attr_name: str, value: Any, indices: VecEnvIndices = None) -> None:
        """Sets an attribute of the vector env (shared by every world)."""
        setattr(self.venv, attr_name, value)

    def env_method(self, method_name: str, *args: Any, indices: VecEnvIndices = None, **kwargs: Any) -> list[Any]:
        """Calls a method of the vector env once per index."""
        return [getattr(self.venv, method_name)(*args, **kwargs) for _ in self._indices(indices)]

    def env_is_wrapped(self, wrapper_class: type, indices: VecEnvIndices = None) -> list[bool]:
        """The worlds are not Gymnasium envs, so never wrapped."""
        return [False for _ in self._indices(indices)]
