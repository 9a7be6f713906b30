"""Shared fixtures for the Python tests of the `sprawl` package.

The tests run against the installed wheel (scripts/test.sh builds it with
maturin into a venv outside the clone). Worlds are kept small so the suite is
quick: few lidar rays, light traffic, short episodes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[3]

#: Keyword arguments for small, quick worlds.
SMALL = {
    "lidar_rays": 32,
    "traffic_density": 0.1,
    "pedestrian_density": 0.1,
    "episode_steps": 200,
}

ENV_IDS = ["Sprawl/CarNav-v0", "Sprawl/PedestrianNav-v0", "Sprawl/DroneNav-v0"]


def rollout(env, seed, steps, action_seed=0):
    """Resets with ``seed`` and steps with seeded random actions; returns the
    observations, rewards and flags (resetting without a seed when an episode ends)."""
    rng = np.random.default_rng(action_seed)
    space = env.action_space
    obs, _ = env.reset(seed=seed)
    out = [("reset", obs)]
    for _ in range(steps):
        a = rng.uniform(space.low, space.high).astype(np.float32)
        obs, r, term, trunc, _ = env.step(a)
        out.append((obs, r, term, trunc))
        if term or trunc:
            obs, _ = env.reset()
            out.append(("reset", obs))
    return out


def same(a, b):
    """Exact equality of nested observations/rollouts (arrays compared bitwise)."""
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return a == b


@pytest.fixture(scope="session")
def sprawl_cli():
    """The `sprawl` binary, if it was built (scripts/test.sh builds it); else skip."""
    candidates = []
    if os.environ.get("SPRAWL_CLI"):
        candidates.append(Path(os.environ["SPRAWL_CLI"]))
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    candidates += [target / "debug" / "sprawl", target / "release" / "sprawl"]
    found = shutil.which("sprawl")
    if found:
        candidates.append(Path(found))
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return c
    pytest.skip("the sprawl CLI is not built (cargo build -p sprawl-cli)")


@pytest.fixture
def world_file(tmp_path, sprawl_cli):
    """A small world file made by the CLI, with one edit journalled."""
    path = tmp_path / "test.sprawl"
    subprocess.run(
        [str(sprawl_cli), "new", str(path), "--prompt", "quiet grid suburb", "--seed", "5"],
        check=True,
        capture_output=True,
    )
    return path
