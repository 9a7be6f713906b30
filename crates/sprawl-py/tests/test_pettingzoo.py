"""The PettingZoo ParallelEnv: several agents of mixed kinds in one world."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL, same

pettingzoo = pytest.importorskip("pettingzoo")
from pettingzoo.test import parallel_api_test, parallel_seed_test  # noqa: E402

import sprawl  # noqa: E402

MIXED = ["car", "car", "pedestrian", "drone"]


def test_parallel_api_test_mixed_kinds():
    env = sprawl.parallel_env(agents=MIXED, **SMALL)
    assert env.possible_agents == ["car_0", "car_1", "pedestrian_0", "drone_0"]
    parallel_api_test(env, num_cycles=300)


def test_parallel_api_test_with_cameras():
    env = sprawl.parallel_env(agents=["car", "drone"], depth=(6, 8), semantic=(6, 8), **SMALL)
    parallel_api_test(env, num_cycles=50)


def test_parallel_seed_test():
    parallel_seed_test(lambda: sprawl.parallel_env(agents=MIXED, **SMALL), num_cycles=50)


def test_spaces_follow_each_kind():
    env = sprawl.parallel_env(agents=MIXED, **SMALL)
    single = {k: sprawl.SprawlEnv(agent=k, **SMALL) for k in set(MIXED)}
    for name in env.possible_agents:
        kind = name.rsplit("_", 1)[0]
        assert env.action_space(name) == single[kind].action_space
        assert env.observation_space(name) == single[kind].observation_space


def test_agents_share_one_world():
    env = sprawl.parallel_env(agents=["car", "car"], render_mode="rgb_array", **SMALL)
    env.reset(seed=4)
    a, b = env.agent_state("car_0"), env.agent_state("car_1")
    assert a["position"] != b["position"], "two agents spawned on the same spot"
    # one world, one clock: every step advances both agents
    for _ in range(3):
        env.step({n: np.zeros(3, np.float32) for n in env.agents})
    assert env.agent_state("car_0")["steps"] == env.agent_state("car_1")["steps"] == 3
    assert env.render().shape == (256, 256, 3)


def test_finished_agents_leave_and_the_rest_go_on():
    env = sprawl.parallel_env(agents=MIXED, **{**SMALL, "episode_steps": 4})
    env.reset(seed=0)
    steps = 0
    while env.agents:
        acts = {n: env.action_space(n).sample() for n in env.agents}
        _, _, term, trunc, infos = env.step(acts)
        steps += 1
        for n in acts:
            if term[n] or trunc[n]:
                assert "is_success" in infos[n]
    assert steps <= 4
    with pytest.raises(RuntimeError):
        env.step({})


def test_same_seed_same_observations():
    def run():
        env = sprawl.parallel_env(agents=MIXED, **SMALL)
        rng = np.random.default_rng(0)
        out = [env.reset(seed=8)[0]]
        for _ in range(30):
            if not env.agents:
                break
            acts = {
                n: rng.uniform(env.action_space(n).low, env.action_space(n).high).astype(np.float32)
                for n in env.agents
            }
            out.append(env.step(acts)[:4])
        return out

    assert same(run(), run())


def test_aec_env():
    from pettingzoo.test import api_test

    api_test(sprawl.aec_env(agents=["car", "pedestrian"], **SMALL), num_cycles=30)
