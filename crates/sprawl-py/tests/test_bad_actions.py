"""Bad actions from Python are a ValueError and never reach the physics."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL, same

import sprawl
from sprawl.envs import SprawlEnv
from sprawl.vector import SprawlVectorEnv

BAD = {
    "nan": [np.nan, 0.0, 0.0],
    "inf": [0.0, np.inf, 0.0],
    "-inf": [0.0, 0.0, -np.inf],
    "too big for float32": np.array([1e39, 0.0, 0.0], np.float64),
    "short": [0.0, 0.0],
    "long": [0.0, 0.0, 0.0, 0.0],
    "2-d": [[0.0, 0.0, 0.0]],
    "scalar": 0.5,
    "strings": ["a", "b", "c"],
    "complex": np.array([1j, 0, 0]),
    "object": [None, 0.0, 0.0],
    "ragged": [[0.0], [0.0, 1.0], 0.0],
    "dict": {"throttle": 1.0},
    "bool": np.array([True, False, True]),
}


@pytest.mark.parametrize("name", list(BAD))
def test_single_env_refuses_bad_action_without_moving(name):
    env = SprawlEnv(**SMALL)
    clean = SprawlEnv(**SMALL)
    assert env.action_space.shape == (3,), "the table is written for the car's 3 actions"
    obs0, _ = env.reset(seed=5)
    clean.reset(seed=5)
    good = np.array([0.6, 0.0, 0.1], np.float32)
    for _ in range(3):
        env.step(good)
        clean.step(good)
    with pytest.raises(ValueError):
        env.step(BAD[name])
    # the refused action changed nothing: both worlds go on identically
    for _ in range(5):
        a = env.step(good)
        b = clean.step(good)
        assert same(a[:4], b[:4])


def test_bad_action_message_is_clear():
    env = SprawlEnv(**SMALL)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="finite"):
        env.step(np.array([np.nan, 0, 0], np.float32))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        env.step(np.zeros(5, np.float32))
    with pytest.raises(ValueError, match="dtype"):
        env.step(np.array(["x", "y", "z"]))


def test_vector_env_refuses_a_bad_row_without_moving_any_world():
    env = SprawlVectorEnv(4, **SMALL)
    clean = SprawlVectorEnv(4, **SMALL)
    env.reset(seed=1)
    clean.reset(seed=1)
    good = np.tile(np.array([0.5, 0.0, 0.0], np.float32), (4, 1))
    env.step(good)
    clean.step(good)
    for bad in (
        np.where(np.arange(12).reshape(4, 3) == 7, np.nan, good),
        np.where(np.arange(12).reshape(4, 3) == 0, np.inf, good),
        good[:3],
        good[:, :2],
        good.astype(np.complex64),
        np.full((4, 3), None),
    ):
        with pytest.raises(ValueError):
            env.step(bad)
    for _ in range(4):
        assert same(env.step(good)[:4], clean.step(good)[:4])


def test_parallel_env_refuses_bad_actions():
    pytest.importorskip("pettingzoo")
    env = sprawl.parallel_env(agents=["car", "pedestrian"], **SMALL)
    env.reset(seed=3)
    ok = {a: np.zeros(env.action_space(a).shape, np.float32) for a in env.agents}
    with pytest.raises(ValueError, match="pedestrian_0"):
        env.step({**ok, "pedestrian_0": np.full(env.action_space("pedestrian_0").shape, np.nan)})
    with pytest.raises(ValueError, match="no action"):
        env.step({"car_0": ok["car_0"]})
    with pytest.raises(ValueError, match="unknown"):
        env.step({**ok, "tram_0": ok["car_0"]})
    env.step(ok)


def test_core_checks_actions_itself():
    """Even past the Python wrappers, the extension refuses non-finite or misshapen actions."""
    world = sprawl.World(sprawl.Config(**SMALL))
    world.reset(0)
    with pytest.raises(ValueError):
        world.step_single(np.array([np.nan, 0, 0], np.float32))
    with pytest.raises(ValueError):
        world.step([np.zeros(2, np.float32)])
    with pytest.raises(ValueError):
        world.step([np.zeros(3, np.float32), np.zeros(3, np.float32)])
    with pytest.raises(TypeError):
        world.step_single(np.zeros(3, np.float64))
