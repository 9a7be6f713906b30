"""The native vector env against Gymnasium's expectations and its SyncVectorEnv."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest
from conftest import SMALL, same
from gymnasium.utils.env_checker import data_equivalence
from gymnasium.vector import AutoresetMode, SyncVectorEnv, VectorEnv

from sprawl.envs import SprawlEnv
from sprawl.vector import SprawlVectorEnv

SHORT = {**SMALL, "episode_steps": 7}  # forces autoresets within a short test


def test_make_vec_gives_the_native_vector_env():
    env = gym.make_vec("Sprawl/CarNav-v0", num_envs=3, **SMALL)
    assert isinstance(env, SprawlVectorEnv) and isinstance(env, VectorEnv)
    assert env.num_envs == 3
    assert env.metadata["autoreset_mode"] is AutoresetMode.NEXT_STEP
    for env_id in ("Sprawl/PedestrianNav-v0", "Sprawl/DroneNav-v0"):
        assert isinstance(gym.make_vec(env_id, num_envs=2, **SMALL), SprawlVectorEnv)


@pytest.mark.parametrize("cameras", [False, True], ids=["vector", "dict"])
def test_spaces_and_returns_follow_gymnasium(cameras):
    kwargs = {**SHORT, **({"depth": (6, 8), "semantic": (6, 8)} if cameras else {})}
    env = SprawlVectorEnv(4, **kwargs)
    single = SprawlEnv(**kwargs)
    assert env.single_observation_space == single.observation_space
    assert env.single_action_space == single.action_space
    assert env.observation_space == gym.vector.utils.batch_space(single.observation_space, 4)
    assert env.action_space == gym.vector.utils.batch_space(single.action_space, 4)
    obs, info = env.reset(seed=0)
    assert env.observation_space.contains(obs) and isinstance(info, dict)
    env.action_space.seed(0)
    for _ in range(20):
        obs, rew, term, trunc, info = env.step(env.action_space.sample())
        assert env.observation_space.contains(obs)
        assert rew.shape == (4,) and rew.dtype == np.float64
        assert term.shape == trunc.shape == (4,) and term.dtype == trunc.dtype == np.bool_
        for key in [k for k in info if not k.startswith("_")]:
            assert info[f"_{key}"].shape == (4,)
    env.close()


@pytest.mark.parametrize("cameras", [False, True], ids=["vector", "dict"])
def test_matches_sync_vector_env_step_for_step(cameras):
    """Same seeds and actions: the native env equals Gymnasium's SyncVectorEnv over
    the single env, autoresets included (NEXT_STEP mode in both)."""
    kwargs = {**SHORT, **({"depth": (6, 8)} if cameras else {})}
    n = 3
    native = SprawlVectorEnv(n, **kwargs)
    sync = SyncVectorEnv([lambda: SprawlEnv(**kwargs) for _ in range(n)])
    assert sync.metadata["autoreset_mode"] == native.metadata["autoreset_mode"]
    assert data_equivalence(native.reset(seed=9)[0], sync.reset(seed=9)[0], exact=True)
    rng = np.random.default_rng(0)
    low, high = native.action_space.low, native.action_space.high
    ends = 0
    for t in range(30):
        a = rng.uniform(low, high).astype(np.float32)
        got = native.step(a)
        want = sync.step(a)
        for k in range(4):
            assert data_equivalence(got[k], want[k], exact=True), (t, k)
        ends += int((got[2] | got[3]).sum())
    assert ends >= n, "the test should have crossed some autoresets"
    # reset without a seed continues each world's generator in both
    assert data_equivalence(native.reset()[0], sync.reset()[0], exact=True)


def test_threads_do_not_change_results():
    a = SprawlVectorEnv(5, num_threads=1, **SHORT)
    b = SprawlVectorEnv(5, num_threads=2, **SHORT)
    assert a.num_threads == 1 and b.num_threads == 2
    assert same(a.reset(seed=3)[0], b.reset(seed=3)[0])
    rng = np.random.default_rng(1)
    for _ in range(25):
        act = rng.uniform(a.action_space.low, a.action_space.high).astype(np.float32)
        assert same(a.step(act)[:4], b.step(act)[:4])


def test_reset_mask_resets_only_those_worlds():
    env = SprawlVectorEnv(3, **SMALL)
    first, _ = env.reset(seed=[10, 11, 12])
    for _ in range(5):
        moved, *_ = env.step(np.tile(np.array([1.0, 0.0, 0.0], np.float32), (3, 1)))
    obs, _ = env.reset(seed=[10, None, None], options={"reset_mask": np.array([True, False, False])})
    assert same(obs[0], first[0])
    assert same(obs[1:], moved[1:])
    with pytest.raises(ValueError):
        SprawlVectorEnv(2, **SMALL).reset(options={"reset_mask": np.array([True, False])})


def test_copy_false_returns_the_buffer_itself():
    env = SprawlVectorEnv(2, copy=False, **SMALL)
    obs0, _ = env.reset(seed=0)
    obs1, *_ = env.step(np.zeros((2, 3), np.float32))
    assert obs0 is obs1
    env = SprawlVectorEnv(2, **SMALL)
    obs0, _ = env.reset(seed=0)
    obs1, *_ = env.step(np.zeros((2, 3), np.float32))
    assert obs0 is not obs1


def test_render_gives_one_picture_per_world():
    env = SprawlVectorEnv(2, render_mode="rgb_array", render_size=64, **SMALL)
    env.reset(seed=0)
    pictures = env.render()
    assert len(pictures) == 2 and all(p.shape == (64, 64, 3) and p.dtype == np.uint8 for p in pictures)


def test_step_before_reset_is_an_error():
    with pytest.raises(RuntimeError):
        SprawlVectorEnv(2, **SMALL).step(np.zeros((2, 3), np.float32))
