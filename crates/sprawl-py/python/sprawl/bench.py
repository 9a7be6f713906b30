"""Speed and memory figures of the Sprawl environments, measured from Python.

``python -m sprawl.bench`` prints:

* one env (a car with a 240-ray lidar, traffic and pedestrians at 0.3): steps/s,
  through the raw :class:`~sprawl.envs.SprawlEnv` and through ``gymnasium.make``
  (which adds Gymnasium's checker and order-enforcing wrappers);
* the native vector env on every core: agent-steps/s;
* ``reset(seed=new)`` to the end of the first step: median milliseconds;
* memory per env: growth of the process's resident set over N live envs, ÷ N.

The agent drives with the Rust bench's route follower (steer at the route
point 10 m ahead, hold about 8 m/s, brake for what the lidar sees ahead) so
that episodes are long, as in training; random actions crash within seconds
and would time resets rather than steps. The follower's own cost (a few float
operations per step) is included.

``--metadrive`` runs the same measurements on MetaDrive (physics only, no
rendering, a lidar of as many rays, its IDM expert driving) instead. MetaDrive
brings Panda3D and more, and its assets are stubbed inside its own package
(see :func:`stub_metadrive_assets`), so keep it in a venv of its own
(``pip install metadrive-simulator``) and run this file there as a script,
which needs no ``sprawl``:
``METADRIVE_VENV/bin/python crates/sprawl-py/python/sprawl/bench.py --metadrive``;
or give ``--metadrive-python METADRIVE_VENV/bin/python`` to the Sprawl run and
both are measured in one run, printed one after the other.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import time
from typing import Any

TARGETS = {
    "steps_per_s": 8250.0,
    "agent_steps_per_s": 50000.0,
    "reset_ms": 10.0,
    "mb_per_env": 50.0,
}


def rss_mb() -> float:
    """Resident set size of this process (MB)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS in /proc/self/status")


#: Where the lidar starts in the vector observation (ego and route values first).
LIDAR_AT = 23
#: Lidar range of the benchmark configuration (metres).
LIDAR_RANGE = 50.0


def follow(obs: Any) -> list[float]:
    """Route follower for one car, as the Rust bench drives: obs[0] is forward
    speed / 20, obs[10:12] the route point 10 m ahead (forward, left) / 50, in
    the car's frame; it holds about 8 m/s and brakes for anything its lidar sees
    within 6 m plus a metre per m/s of speed in a cone of ±15° ahead."""
    speed = float(obs[0]) * 20.0
    steer = max(-1.0, min(1.0, 1.5 * math.atan2(float(obs[11]), max(float(obs[10]), 1e-3))))
    lidar = obs[LIDAR_AT:]
    n = len(lidar)
    cone = max(n // 24, 1)
    ahead = min(min(lidar[: cone + 1]), min(lidar[n - cone :])) * LIDAR_RANGE if n else math.inf
    blocked = ahead < 6.0 + speed
    throttle = 0.6 if speed < 8.0 and not blocked else 0.0
    brake = 1.0 if blocked else (0.3 if speed > 10.0 else 0.0)
    return [throttle, brake, steer]


def follow_batch(obs: Any) -> Any:
    """:func:`follow` for a batch of cars (rows of ``obs``)."""
    import numpy as np

    speed = obs[:, 0] * 20.0
    steer = np.clip(1.5 * np.arctan2(obs[:, 11], np.maximum(obs[:, 10], 1e-3)), -1.0, 1.0)
    lidar = obs[:, LIDAR_AT:]
    n = lidar.shape[1]
    if n:
        cone = max(n // 24, 1)
        ahead = np.minimum(lidar[:, : cone + 1].min(axis=1), lidar[:, n - cone :].min(axis=1))
        blocked = ahead * LIDAR_RANGE < 6.0 + speed
    else:
        blocked = np.zeros(obs.shape[0], bool)
    act = np.empty((obs.shape[0], 3), np.float32)
    act[:, 0] = np.where((speed < 8.0) & ~blocked, 0.6, 0.0)
    act[:, 1] = np.where(blocked, 1.0, np.where(speed > 10.0, 0.3, 0.0))
    act[:, 2] = steer
    return act


def bench_single(env: Any, seconds: float, seed: int) -> tuple[float, int, float]:
    """Steps ``env`` with the follower for about ``seconds``; (steps/s, resets,
    steps per CPU-second of the whole process)."""
    import numpy as np

    obs, _ = env.reset(seed=seed)
    steps = resets = 0
    act = np.zeros(3, np.float32)
    c0 = time.process_time()
    t0 = time.perf_counter()
    deadline = t0 + seconds
    while True:
        for _ in range(200):
            act[:] = follow(obs)
            obs, _, term, trunc, _ = env.step(act)
            steps += 1
            if term or trunc:
                resets += 1
                seed += 1
                obs, _ = env.reset(seed=seed)
        if time.perf_counter() > deadline:
            break
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return steps / wall, resets, steps / cpu


def sprawl_figures(args: argparse.Namespace) -> dict[str, Any]:
    """Every Sprawl figure; see the module documentation."""
    import gymnasium as gym
    import numpy as np

    import sprawl
    from sprawl.envs import SprawlEnv
    from sprawl.vector import SprawlVectorEnv

    kw = {
        "lidar_rays": args.lidar_rays,
        "traffic_density": args.traffic,
        "pedestrian_density": args.traffic,
    }
    out: dict[str, Any] = {"config": {**kw, "agent": "car", "dt": 0.1}}
    cores = os.cpu_count() or 1
    out["cores"] = cores

    # memory first, on a fresh process heap: N live envs, each reset and stepped
    base = SprawlEnv(**kw)
    bench_single(base, 0.5, seed=1)  # pages in the code and the allocator's first arenas
    before = rss_mb()
    envs = []
    for i in range(args.mem_envs):
        e = SprawlEnv(**kw)
        obs, _ = e.reset(seed=100 + i)
        for _ in range(100):
            obs, _, term, trunc, _ = e.step(np.asarray(follow(obs), np.float32))
            if term or trunc:
                obs, _ = e.reset(seed=1000 + i)
        envs.append(e)
    out["mb_per_env"] = (rss_mb() - before) / args.mem_envs
    out["mem_envs"] = args.mem_envs
    del envs

    env = SprawlEnv(**kw)
    bench_single(env, 1.0, seed=7)  # warm-up
    out["steps_per_s"], out["single_resets"], out["steps_per_cpu_s"] = bench_single(
        env, args.seconds, seed=7
    )
    made = gym.make("Sprawl/CarNav-v0", **kw)
    out["steps_per_s_gym_make"], _, out["steps_per_cpu_s_gym_make"] = bench_single(
        made, args.seconds, seed=7
    )
    lean = SprawlEnv(**{**kw, "traffic_density": 0.0, "pedestrian_density": 0.0})
    out["steps_per_s_no_traffic"], _, _ = bench_single(lean, args.seconds / 2, seed=7)

    times = []
    for seed in range(5000, 5000 + args.resets):
        t0 = time.perf_counter()
        obs, _ = env.reset(seed=seed)
        env.step(np.asarray(follow(obs), np.float32))
        times.append((time.perf_counter() - t0) * 1000.0)
    out["reset_ms"] = statistics.median(times)
    out["reset_ms_p90"] = sorted(times)[int(0.9 * (len(times) - 1))]

    vec = SprawlVectorEnv(args.num_envs, copy=False, **kw)
    obs, _ = vec.reset(seed=11)
    for _ in range(20):
        obs, *_ = vec.step(follow_batch(obs))
    steps = 0
    c0 = time.process_time()
    t0 = time.perf_counter()
    deadline = t0 + args.seconds
    while time.perf_counter() < deadline:
        for _ in range(20):
            obs, *_ = vec.step(follow_batch(obs))
        steps += 20
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out["agent_steps_per_s"] = steps * args.num_envs / wall
    out["agent_steps_per_cpu_s"] = steps * args.num_envs / cpu
    out["load_avg"] = os.getloadavg()[0]
    out["num_envs"] = args.num_envs
    out["threads"] = vec.num_threads
    out["version"] = sprawl.__version__
    return out


def stub_metadrive_assets() -> None:
    """MetaDrive downloads its assets (textures, models) on first use; with no
    network, and for physics-only runs that draw nothing, a version file and
    the one texture its up-to-date check looks for are enough."""
    import metadrive
    from metadrive.constants import VERSION

    assets = os.path.join(os.path.dirname(metadrive.__file__), "assets")
    grass = os.path.join(assets, "textures", "grass1", "GroundGrassGreen002_COL_1K.jpg")
    if not os.path.exists(os.path.join(assets, "version.txt")):
        os.makedirs(os.path.dirname(grass), exist_ok=True)
        with open(os.path.join(assets, "version.txt"), "w") as f:
            f.write(VERSION)
    if not os.path.exists(grass):
        os.makedirs(os.path.dirname(grass), exist_ok=True)
        open(grass, "wb").close()


def metadrive_figures(args: argparse.Namespace) -> dict[str, Any]:
    """MetaDrive, physics only (no rendering), ``--lidar-rays`` lidar, driven by
    its own IDM expert: steps/s, ``reset(seed=new)`` + first step, RSS growth."""
    import numpy as np

    stub_metadrive_assets()
    from metadrive.envs.metadrive_env import MetaDriveEnv
    from metadrive.policy.idm_policy import IDMPolicy

    before = rss_mb()
    env = MetaDriveEnv(
        {
            "use_render": False,
            "image_observation": False,
            "num_scenarios": 1000,
            "start_seed": 0,
            "map": 7,
            "traffic_density": args.traffic,
            "agent_policy": IDMPolicy,
            "vehicle_config": {"lidar": {"num_lasers": args.lidar_rays, "distance": 50}},
            "log_level": 50,
        }
    )
    from importlib.metadata import version

    out: dict[str, Any] = {"version": version("metadrive-simulator")}
    obs, _ = env.reset(seed=0)
    out["obs_dim"] = int(np.prod(obs.shape))
    act = np.zeros(2, np.float32)  # ignored: the IDM policy drives
    steps = resets = 0
    seed = 0
    t0 = time.perf_counter()
    deadline = t0 + args.seconds
    while time.perf_counter() < deadline:
        _, _, term, trunc, _ = env.step(act)
        steps += 1
        if term or trunc:
            resets += 1
            seed = (seed + 1) % 1000
            env.reset(seed=seed)
    out["steps_per_s"] = steps / (time.perf_counter() - t0)
    out["single_resets"] = resets
    times = []
    for seed in range(100, 100 + min(args.resets, 30)):
        t0 = time.perf_counter()
        env.reset(seed=seed)
        env.step(act)
        times.append((time.perf_counter() - t0) * 1000.0)
    out["reset_ms"] = statistics.median(times)
    out["process_mb"] = rss_mb() - before
    env.close()
    return out


def show(
    name: str, fig: dict[str, Any], key: str, unit: str, fmt: str = "{:,.0f}", target: bool = True
) -> str:
    """One line of figures, with the target and whether it is met."""
    if key not in fig:
        return f"{name:<52} n/a"
    goal = TARGETS.get(key) if target else None
    mark = ""
    if goal is not None:
        low = key in ("reset_ms", "mb_per_env")
        ok = fig[key] <= goal if low else fig[key] >= goal
        mark = f"   (target {'≤' if low else '≥'} {goal:,.0f}: {'met' if ok else 'NOT met'})"
    return f"{name:<52} {fmt.format(fig[key])} {unit}{mark}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m sprawl.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=5.0, help="time per throughput figure")
    p.add_argument("--num-envs", type=int, default=32, help="worlds in the vector env")
    p.add_argument("--mem-envs", type=int, default=16, help="live envs for the memory figure")
    p.add_argument("--resets", type=int, default=60, help="resets for the median")
    p.add_argument("--traffic", type=float, default=0.3, help="traffic and pedestrian density")
    p.add_argument("--lidar-rays", type=int, default=240, help="lidar rays (one channel)")
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.add_argument("--metadrive", action="store_true", help="measure MetaDrive instead (run in its venv)")
    p.add_argument("--metadrive-python", help="also measure MetaDrive with this interpreter")
    args = p.parse_args(argv)

    if args.metadrive:
        fig = metadrive_figures(args)
        if args.json:
            print(json.dumps(fig))
        else:
            print(
                f"MetaDrive {fig['version']}, physics only, {args.lidar_rays}-ray lidar "
                f"({fig['obs_dim']}-d observation)"
            )
            print(show("one env: steps/s", fig, "steps_per_s", "steps/s", target=False))
            print(show("reset(seed=new) + first step: median", fig, "reset_ms", "ms", "{:.1f}", False))
            print(show("memory of its one env (RSS growth)", fig, "process_mb", "MB", "{:.0f}"))
        return 0

    fig = sprawl_figures(args)
    if args.json:
        print(json.dumps(fig))
    else:
        c = fig["config"]
        print(
            f"Sprawl {fig['version']}: car, {c['lidar_rays']}-ray lidar, traffic and pedestrians "
            f"{c['traffic_density']}, dt {c['dt']} s, {fig['cores']} cores"
        )
        print(show("one env (SprawlEnv): steps/s", fig, "steps_per_s", "steps/s"))
        print(show("  … per CPU-second of the process", fig, "steps_per_cpu_s", "steps"))
        print(show("one env via gymnasium.make (checker wrappers)", fig, "steps_per_s_gym_make", "steps/s"))
        print(show("  … per CPU-second of the process", fig, "steps_per_cpu_s_gym_make", "steps"))
        print(show("one env, traffic off", fig, "steps_per_s_no_traffic", "steps/s"))
        print(
            show(
                f"vector env, {fig['num_envs']} worlds on {fig['threads']} threads",
                fig,
                "agent_steps_per_s",
                "agent-steps/s",
            )
        )
        print(show("  … per CPU-second of the process", fig, "agent_steps_per_cpu_s", "agent-steps"))
        print(show("reset(seed=new) + first step: median", fig, "reset_ms", "ms", "{:.2f}"))
        print(show("  … 90th percentile", fig, "reset_ms_p90", "ms", "{:.2f}"))
        print(show(f"memory per env (RSS growth over {fig['mem_envs']} envs)", fig, "mb_per_env", "MB", "{:.1f}"))
        print(
            f"(load average {fig['load_avg']:.1f} on {fig['cores']} cores while measuring; "
            "per CPU-second figures show what free cores would give)"
        )
    if args.metadrive_python:
        here = os.path.abspath(__file__)
        cmd = [args.metadrive_python, here, "--metadrive", "--json", "--seconds", str(args.seconds)]
        cmd += ["--traffic", str(args.traffic), "--resets", str(args.resets)]
        cmd += ["--lidar-rays", str(args.lidar_rays)]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            print(f"MetaDrive run failed:\n{res.stderr[-2000:]}", file=sys.stderr)
            return 1
        md = json.loads(res.stdout.strip().splitlines()[-1])
        print(
            f"MetaDrive {md['version']} in the same run: physics only, {args.lidar_rays}-ray lidar "
            f"({md['obs_dim']}-d observation), IDM expert driving"
        )
        print(show("  one env: steps/s", md, "steps_per_s", "steps/s", target=False))
        print(show("  reset(seed=new) + first step: median", md, "reset_ms", "ms", "{:.1f}", False))
        print(show("  memory of its one env (RSS growth)", md, "process_mb", "MB", "{:.0f}"))
        print(f"  Sprawl ÷ MetaDrive, one env: {fig['steps_per_s'] / md['steps_per_s']:.0f}× steps/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
