#!/usr/bin/env python3
"""Ray RLlib PPO on Sprawl/CarNav-v0 with two env runners, for a few iterations.

    pip install "ray[rllib]" torch     # RLlib pins its own Gymnasium: use a venv of its own
    pip install sprawl-*.whl           # the wheel scripts/test.sh builds (maturin build)
    python examples/rllib_ppo.py --iterations 5

Each env runner is a separate process that imports `sprawl` and makes its
own environment through the creator registered below; the learner runs in
this process. Prints each iteration's mean episode return and length, the
environment steps sampled and the time taken. The settings (light traffic,
a 0.2 s step, pedals-and-wheel controls) are those of examples/train_ppo.py,
which explains them.
"""

from __future__ import annotations

import argparse
import time

ENV_KWARGS = {
    "lidar_rays": 16,
    "lidar_range": 40.0,
    "traffic_density": 0.05,
    "pedestrian_density": 0.0,
    "dt": 0.2,
    "episode_steps": 300,
}


def make_env(config):
    """Env creator for RLlib: runs inside each env runner process."""
    import gymnasium as gym
    import numpy as np

    import sprawl  # noqa: F401  (registers the Sprawl environments)

    class Pedals(gym.ActionWrapper):
        """[accelerate (+) or brake (−), steer] in [−1, 1]² → [throttle, brake, steering]."""

        def __init__(self, env):
            super().__init__(env)
            self.action_space = gym.spaces.Box(-1.0, 1.0, (2,), np.float32)

        def action(self, action):
            a = np.clip(np.asarray(action, np.float32), -1.0, 1.0)
            return np.array([max(a[0], 0.0), max(-a[0], 0.0), a[1]], np.float32)

    return Pedals(gym.make("Sprawl/CarNav-v0", **{**ENV_KWARGS, **dict(config)}))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--env-runners", type=int, default=2)
    p.add_argument("--batch", type=int, default=4000, help="environment steps per iteration")
    args = p.parse_args()

    import ray
    from ray.rllib.algorithms.ppo import PPOConfig
    from ray.tune.registry import register_env

    ray.init(num_cpus=max(2, args.env_runners), include_dashboard=False, log_to_driver=False)
    register_env("sprawl-carnav", make_env)
    config = (
        PPOConfig()
        .environment("sprawl-carnav", env_config={})
        .env_runners(num_env_runners=args.env_runners, num_envs_per_env_runner=1)
        .training(
            train_batch_size_per_learner=args.batch,
            minibatch_size=500,
            num_epochs=5,
            lr=3e-4,
            gamma=0.99,
        )
        .framework("torch")
    )
    algo = config.build_algo()
    t0 = time.monotonic()
    for i in range(1, args.iterations + 1):
        result = algo.train()
        runners = result.get("env_runners", {})
        print(
            f"iteration {i}: episode return {runners.get('episode_return_mean', float('nan')):.2f}, "
            f"length {runners.get('episode_len_mean', float('nan')):.0f}, "
            f"env steps {int(runners.get('num_env_steps_sampled_lifetime', 0)):,}, "
            f"{time.monotonic() - t0:.0f} s",
            flush=True,
        )
    algo.stop()
    ray.shutdown()


if __name__ == "__main__":
    main()
