"""The examples run as they are (with tiny budgets here)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest
from conftest import REPO

EXAMPLES = REPO / "examples"


def test_train_ppo_runs():
    pytest.importorskip("stable_baselines3")
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "train_ppo.py"), "--minutes", "0.05", "--eval-episodes", "2", "--n-envs", "4"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "success rate" in out.stdout and "PPO" in out.stdout


@pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray[rllib] is not installed here")
def test_rllib_ppo_runs():
    out = subprocess.run(
        [sys.executable, str(EXAMPLES / "rllib_ppo.py"), "--iterations", "1", "--batch", "400"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "iteration 1" in out.stdout


def test_bench_runs_and_prints_every_figure():
    """`python -m sprawl.bench` (tiny budgets: the figures themselves are not checked)."""
    import json

    out = subprocess.run(
        [sys.executable, "-m", "sprawl.bench", "--json", "--seconds", "0.2", "--num-envs", "2"]
        + ["--mem-envs", "2", "--resets", "3", "--lidar-rays", "16"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    fig = json.loads(out.stdout.strip().splitlines()[-1])
    for key in ("steps_per_s", "agent_steps_per_s", "reset_ms"):
        assert fig[key] > 0, key
    assert isinstance(fig["mb_per_env"], float)  # RSS growth over 2 envs can round to nothing
