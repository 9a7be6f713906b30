"""The single-agent Gymnasium environments, through the ecosystem's own checkers."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from conftest import ENV_IDS, REPO, SMALL, rollout, same
from gymnasium.utils.env_checker import check_env as gym_check_env

import sprawl
from sprawl.envs import SprawlEnv

CAMERAS = {"depth": (12, 16), "semantic": (12, 16)}


def test_import_registers_the_three_envs():
    for env_id, kind in sprawl.ENV_IDS.items():
        assert env_id in gym.registry
        assert gym.spec(env_id).kwargs["agent"] == kind
    assert set(sprawl.ENV_IDS) == set(ENV_IDS)


#: Checker warnings that are by design: actions keep the simulator's own
#: bounds (a car's throttle and brake are 0..1), which SB3 would rather see as [-1, 1]; wrap
#: with gymnasium.wrappers.RescaleAction for that (examples/train_ppo.py does).
#: Camera images are (height, width) arrays, float32 metres for depth, which
#: SB3 calls unconventional (it wants uint8 (H, W, C) images or 1-D vectors).
EXPECTED_WARNINGS = (
    "symmetric and normalized Box action space",
    "has an unconventional shape",
)


def quiet(fn, *args, **kwargs):
    """Runs a checker and fails on any warning but the expected ones."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fn(*args, **kwargs)
    bad = [str(w.message) for w in caught if not any(e in str(w.message) for e in EXPECTED_WARNINGS)]
    assert not bad, bad


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("cameras", [False, True], ids=["vector", "dict"])
def test_gymnasium_check_env(env_id, cameras):
    kwargs = {**SMALL, **(CAMERAS if cameras else {})}
    env = gym.make(env_id, render_mode="rgb_array", **kwargs)
    quiet(gym_check_env, env.unwrapped, skip_render_check=False)
    if cameras:
        assert isinstance(env.observation_space, gym.spaces.Dict)
        obs, _ = env.reset(seed=0)
        assert obs["depth"].shape == (12, 16) and obs["depth"].dtype == np.float32
        assert obs["semantic"].shape == (12, 16) and obs["semantic"].dtype == np.uint8
    else:
        assert isinstance(env.observation_space, gym.spaces.Box)
    env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("cameras", [False, True], ids=["vector", "dict"])
def test_stable_baselines3_check_env(env_id, cameras):
    sb3_checker = pytest.importorskip("stable_baselines3.common.env_checker")
    env = gym.make(env_id, **SMALL, **(CAMERAS if cameras else {}))
    quiet(sb3_checker.check_env, env, warn=True)


def test_action_space_has_the_simulators_bounds():
    for env_id in ENV_IDS:
        env = gym.make(env_id, **SMALL)
        world = env.unwrapped._world
        lo, hi = world.action_bounds(0)
        assert env.action_space.dtype == np.float32
        np.testing.assert_array_equal(env.action_space.low, lo)
        np.testing.assert_array_equal(env.action_space.high, hi)


def test_lidar_rays_set_the_observation_length():
    short = SprawlEnv(lidar_rays=16, traffic_density=0.0)
    long = SprawlEnv(lidar_rays=240, traffic_density=0.0)
    assert long.observation_space.shape[0] - short.observation_space.shape[0] == 240 - 16
    nolidar = SprawlEnv(lidar_rays=0)
    assert nolidar.observation_space.shape[0] < short.observation_space.shape[0]
    # the same keys inside sensors={...}
    nested = SprawlEnv(sensors={"lidar_rays": 16, "depth": (4, 6)})
    assert nested.observation_space["vector"].shape == short.observation_space.shape
    assert nested.observation_space["depth"].shape == (4, 6)


def test_render_rgb_array_is_a_top_down_picture():
    env = gym.make("Sprawl/CarNav-v0", render_mode="rgb_array", render_size=96, **SMALL)
    env.reset(seed=3)
    img = env.render()
    assert isinstance(img, np.ndarray)
    assert img.shape == (96, 96, 3) and img.dtype == np.uint8
    assert img.std() > 0, "the picture is blank"
    assert gym.make("Sprawl/CarNav-v0", **SMALL).unwrapped.render_mode is None


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_same_seed_and_actions_same_observations(env_id):
    a = rollout(gym.make(env_id, **SMALL), seed=11, steps=120)
    b = rollout(gym.make(env_id, **SMALL), seed=11, steps=120)
    assert same(a, b)


def test_same_seed_same_observations_with_cameras():
    a = rollout(SprawlEnv(**SMALL, **CAMERAS), seed=4, steps=40)
    b = rollout(SprawlEnv(**SMALL, **CAMERAS), seed=4, steps=40)
    assert same(a, b)


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_different_seeds_different_worlds(env_id):
    env = gym.make(env_id, render_mode="rgb_array", **SMALL)
    pictures, states = [], []
    for seed in (1, 2, 3):
        env.reset(seed=seed)
        pictures.append(env.render())
        states.append(env.unwrapped.agent_state())
    for i in range(3):
        for j in range(i + 1, 3):
            assert not same(pictures[i], pictures[j]), f"seeds {i + 1} and {j + 1} look the same"
            assert states[i]["position"] != states[j]["position"] or states[i]["goal"] != states[j]["goal"]


def test_reset_with_a_seed_rebuilds_that_world():
    env = SprawlEnv(render_mode="rgb_array", **SMALL)
    first, _ = env.reset(seed=21)
    picture = env.render()
    for _ in range(10):
        env.step(env.action_space.sample())
    env.reset(seed=22)
    again, info = env.reset(seed=21)
    assert info["world_seed"] == 21
    assert same(first, again)
    assert same(picture, env.render())


def test_episode_truncates_after_episode_steps():
    env = SprawlEnv(**{**SMALL, "episode_steps": 5})
    env.reset(seed=0)
    for t in range(1, 6):
        _, _, term, trunc, info = env.step(np.zeros(env.action_space.shape, np.float32))
        if term:
            assert "is_success" in info
            return
        assert trunc == (t == 5)
    assert info["outcome"] == "timeout" and info["is_success"] is False


def test_gymnasium_time_limit_applies_through_make():
    env = gym.make("Sprawl/CarNav-v0", max_episode_steps=3, **SMALL)
    env.reset(seed=0)
    flags = [env.step(np.zeros(env.action_space.shape, np.float32))[2:4] for _ in range(3)]
    assert any(flags[-1])


def test_prompt_and_sketch_worlds():
    sketch = REPO / "assets" / "sketches"
    sketches = sorted(p for p in sketch.glob("*.png"))
    assert sketches, "no sample sketch in assets/sketches"
    for kwargs in ({"prompt": "sleepy seaside village with red roofs"}, {"sketch": sketches[0]}):
        env = SprawlEnv(**SMALL, **kwargs)
        obs, _ = env.reset(seed=1)
        assert env.observation_space.contains(obs)
        env.step(env.action_space.sample())


def test_world_file(world_file):
    env = SprawlEnv(world_file=world_file, **SMALL)
    obs, _ = env.reset(seed=2)
    assert env.observation_space.contains(obs)
    for _ in range(5):
        env.step(env.action_space.sample())
    before = world_file.read_bytes()
    env.close()
    assert world_file.read_bytes() == before, "the simulator must not write to a world file"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"prompt": "a town", "sketch": "x.png"},
        {"traffic_density": 2.0},
        {"dt": 0.0},
        {"depth": (0, 10)},
        {"lidar_range": float("nan")},
    ],
)
def test_bad_configuration_is_a_value_error(kwargs):
    with pytest.raises(ValueError):
        SprawlEnv(**kwargs)


def test_unknown_agent_kind_and_argument():
    with pytest.raises(ValueError, match="boat"):
        SprawlEnv(agent="boat")
    with pytest.raises(TypeError, match="trafic_density"):
        SprawlEnv(trafic_density=0.1)


def test_missing_files_are_clear_errors(tmp_path):
    for kwargs in ({"world_file": tmp_path / "nope.sprawl"}, {"sketch": tmp_path / "nope.png"}):
        with pytest.raises(ValueError, match="nope"):
            env = SprawlEnv(**kwargs)
            env.reset(seed=0)


@pytest.mark.parametrize("kind", ["car", "pedestrian", "drone"])
def test_route_length_sets_the_goal_distance(kind):
    env = SprawlEnv(kind, route_length=80.0, **SMALL)
    _, info = env.reset(seed=3)
    assert env.config.route_length == 80.0
    assert abs(env._world.state(0)["route_length"] - 80.0) < 0.5


@pytest.mark.parametrize("bad", [0.0, 19.0, 6000.0, float("nan"), float("inf"), -1.0])
def test_route_length_out_of_range_is_refused(bad):
    with pytest.raises(ValueError, match="route_length"):
        SprawlEnv(route_length=bad, **SMALL)


def test_route_length_must_be_a_number():
    with pytest.raises(TypeError):
        SprawlEnv(route_length="far", **SMALL)


@pytest.mark.parametrize("kind", ["car", "pedestrian", "drone"])
def test_vector_observation_bounds_are_finite_and_respected(kind):
    env = SprawlEnv(kind, **{**SMALL, "episode_steps": 120})
    box = env.observation_space
    assert np.isfinite(box.low).all() and np.isfinite(box.high).all()
    assert (box.low < box.high).all()
    rng = np.random.default_rng(1)
    obs, _ = env.reset(seed=5)
    for _ in range(400):
        assert box.contains(obs), obs[(obs < box.low) | (obs > box.high)]
        a = rng.uniform(env.action_space.low, env.action_space.high).astype(np.float32)
        obs, _, term, trunc, _ = env.step(a)
        if term or trunc:
            obs, _ = env.reset()
