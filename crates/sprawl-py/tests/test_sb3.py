"""sprawl.sb3.SprawlSB3VecEnv against SB3's own DummyVecEnv, and in PPO."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL, same

pytest.importorskip("stable_baselines3")
from stable_baselines3 import PPO  # noqa: E402
from stable_baselines3.common.vec_env import DummyVecEnv, VecMonitor  # noqa: E402

from sprawl.envs import SprawlEnv  # noqa: E402
from sprawl.sb3 import SprawlSB3VecEnv  # noqa: E402

SHORT = {**SMALL, "episode_steps": 6}


@pytest.mark.parametrize("cameras", [False, True], ids=["vector", "dict"])
def test_matches_dummy_vec_env_across_episode_ends(cameras):
    kwargs = {**SHORT, **({"depth": (4, 6)} if cameras else {})}
    native = SprawlSB3VecEnv(3, **kwargs)
    dummy = DummyVecEnv([lambda: SprawlEnv(**kwargs) for _ in range(3)])
    native.seed(5)
    dummy.seed(5)
    assert same(native.reset(), dummy.reset())
    rng = np.random.default_rng(0)
    space = native.action_space
    ends = 0
    for _ in range(20):
        a = rng.uniform(space.low, space.high, (3, *space.shape)).astype(np.float32)
        native.step_async(a)
        dummy.step_async(a)
        o1, r1, d1, i1 = native.step_wait()
        o2, r2, d2, i2 = dummy.step_wait()
        assert same(o1, o2)
        np.testing.assert_array_equal(r1, r2.astype(np.float32))
        np.testing.assert_array_equal(d1, d2)
        for a_info, b_info in zip(i1, i2):
            if "terminal_observation" in b_info:
                ends += 1
                assert same(a_info["terminal_observation"], b_info["terminal_observation"])
                assert a_info["TimeLimit.truncated"] == b_info["TimeLimit.truncated"]
                assert a_info["is_success"] == b_info["is_success"]
    assert ends >= 3


def test_ppo_learns_a_few_steps_on_it():
    env = VecMonitor(SprawlSB3VecEnv(4, **SHORT), info_keywords=("is_success",))
    model = PPO("MlpPolicy", env, n_steps=32, batch_size=64, n_epochs=1, device="cpu", seed=0)
    model.learn(256)
    assert model.num_timesteps >= 256
    assert len(model.ep_info_buffer) > 0
