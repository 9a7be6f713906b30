"""A native vectorised environment: N worlds stepped in Rust across threads.

:class:`SprawlVectorEnv` is a ``gymnasium.vector.VectorEnv``. Each step hands
the batch of actions and preallocated NumPy buffers to Rust, which steps every
world on a thread pool with the GIL released and writes observations, rewards
and flags straight into those buffers.

Autoreset is Gymnasium's ``NEXT_STEP`` mode (``metadata["autoreset_mode"]``):
the step that ends an episode returns its final observation with
``terminated``/``truncated`` set; the next step resets that world (its action is
ignored) and returns the new episode's first observation with reward 0. Seeds
follow ``SyncVectorEnv``'s rules, so ``SprawlVectorEnv(n, **kw)`` reproduces
``SyncVectorEnv([lambda: SprawlEnv(**kw)] * n)`` step for step.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from gymnasium.utils import seeding
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from sprawl import _core
from sprawl._config import agent_spaces, as_action, make_config, next_world_seed


class SprawlVectorEnv(VectorEnv):
    """``num_envs`` single-agent worlds of kind ``agent`` on ``num_threads`` threads.

    Takes the same keyword arguments as :class:`sprawl.envs.SprawlEnv`, plus
    ``num_threads`` (default: all cores) and ``copy`` (default ``True``: return
    a copy of the observation buffers; ``False`` returns the buffers themselves,
    which the next ``step`` overwrites). Rewards and flags are always fresh
    arrays. ``info`` carries ``"outcome"`` (names) and ``"is_success"`` for the
    worlds whose episode ended on this step, with Gymnasium's ``"_outcome"`` /
    ``"_is_success"`` masks.
    """

    metadata = {
        "render_modes": ["rgb_array"],
        "render_fps": 10,
        "autoreset_mode": AutoresetMode.NEXT_STEP,
    }

    def __init__(
        self,
        num_envs: int = 8,
        agent: str = "car",
        *,
        num_threads: int | None = None,
        copy: bool = True,
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
        self.copy = copy
        self.config = make_config([agent], kwargs)
        self._vec = _core.VecWorld(self.config, int(num_envs), num_threads)
        self.num_envs = self._vec.num_envs
        self.metadata = {**self.metadata, "render_fps": round(1.0 / self.config.dt)}
        self.single_observation_space, self.single_action_space = agent_spaces(
            self.config.vector_obs_bounds(),
            self._vec.camera_shape(),
            self.config.depth_range,
            self._vec.action_bounds(),
        )
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self._action_shape = self.action_space.shape

        n = self.num_envs
        self._obs = np.zeros((n, self._vec.obs_len), np.float32)
        depth, semantic = self._vec.camera_shape()
        self._depth = np.zeros((n, *depth), np.float32) if depth else None
        self._semantic = np.zeros((n, *semantic), np.uint8) if semantic else None
        self._rewards = np.zeros(n, np.float64)
        self._terminated = np.zeros(n, np.bool_)
        self._truncated = np.zeros(n, np.bool_)
        self._outcomes = np.zeros(n, np.uint8)
        self._seeds = np.zeros(n, np.uint64)
        self._rngs: list[np.random.Generator | None] = [None] * n
        self._autoreset = np.zeros(n, np.bool_)
        self._outcome_names = np.array(_core.OUTCOME_NAMES, dtype=object)
        self._was_reset = False

    @property
    def num_threads(self) -> int:
        """Threads stepping the worlds."""
        return self._vec.num_threads

    def _observation(self) -> Any:
        if self._depth is None and self._semantic is None:
            return self._obs.copy() if self.copy else self._obs
        obs = {"vector": self._obs}
        if self._depth is not None:
            obs["depth"] = self._depth
        if self._semantic is not None:
            obs["semantic"] = self._semantic
        if self.copy:
            obs = {k: v.copy() for k, v in obs.items()}
        return obs

    def reset(
        self,
        *,
        seed: int | Sequence[int | None] | None = None,
        options: dict[str, Any] | None = None,
    ) -> tuple[Any, dict[str, Any]]:
        """Resets every world (or those in ``options["reset_mask"]``).

        ``seed`` may be an int (world ``i`` gets ``seed + i``), a list of
        per-world seeds (``None`` entries draw from that world's generator) or
        ``None``.
        """
        n = self.num_envs
        if seed is None:
            seeds: list[int | None] = [None] * n
        elif isinstance(seed, (int, np.integer)):
            seeds = [int(seed) + i for i in range(n)]
        else:
            seeds = list(seed)
            if len(seeds) != n:
                raise ValueError(f"expected {n} seeds, got {len(seeds)}")
        if seed is not None:
            self._np_random, self._np_random_seed = seeding.np_random(seeds[0])
        mask = None
        if options is not None and "reset_mask" in options:
            mask = np.asarray(options["reset_mask"])
            if mask.dtype != np.bool_ or mask.shape != (n,):
                raise ValueError(f"reset_mask must be a bool array of shape ({n},)")
            mask = np.ascontiguousarray(mask)
            if not self._was_reset and not mask.all():
                raise ValueError("the first reset must reset every world")
        for i in range(n) if mask is None else np.flatnonzero(mask):
            s = seeds[i]
            if s is not None:
                self._rngs[i] = seeding.np_random(int(s))[0]
                self._seeds[i] = int(s)
            else:
                rng = self._rngs[i]
                if rng is None:
                    rng = self._rngs[i] = seeding.np_random()[0]
                self._seeds[i] = next_world_seed(rng)
        self._vec.reset(self._seeds, self._obs, self._depth, self._semantic, mask)
        if mask is None:
            self._autoreset[:] = False
        else:
            self._autoreset[mask] = False
        self._was_reset = True
        return self._observation(), {}

    def step(self, actions: Any) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray, dict[str, Any]]:
        """Steps every world; worlds whose episode ended last step reset instead."""
        if not self._was_reset:
            raise RuntimeError("call reset() before step()")
        a = as_action(actions, self._action_shape, "actions")
        ending = self._autoreset
        if ending.any():
            for i in np.flatnonzero(ending):
                self._seeds[i] = next_world_seed(self._rngs[i])
        self._vec.step(
            a,
            self._seeds,
            self._obs,
            self._rewards,
            self._terminated,
            self._truncated,
            self._outcomes,
            self._depth,
            self._semantic,
        )
        terminated = self._terminated.copy()
        truncated = self._truncated.copy()
        done = terminated | truncated
        self._autoreset = done
        info: dict[str, Any] = {}
        if done.any():
            info["outcome"] = np.where(done, self._outcome_names[self._outcomes], None)
            info["_outcome"] = done
            info["is_success"] = (self._outcomes == 1) & done
            info["_is_success"] = done
        return self._observation(), self._rewards.copy(), terminated, truncated, info

    def render(self) -> tuple[np.ndarray, ...] | None:
        """One top-down picture per world when ``render_mode="rgb_array"``."""
        if self.render_mode is None:
            return None
        return tuple(
            self._vec.render(i, self.render_size, self.render_metres) for i in range(self.num_envs)
        )

    def loaded_chunks(self) -> list[int]:
        """Chunks loaded in each world now."""
        return self._vec.loaded_chunks()

    def close_extras(self, **kwargs: Any) -> None:
        """Releases the worlds and their threads."""
        self._vec = None  # type: ignore[assignment]
