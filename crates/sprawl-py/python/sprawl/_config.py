"""Keyword arguments shared by every Sprawl environment, turned into a ``_core.Config``."""

from __future__ import annotations

import os
from typing import Any, Sequence

import numpy as np
from gymnasium import spaces

from sprawl import _core

#: Keyword arguments that configure the world and the sensors, with their defaults.
WORLD_DEFAULTS: dict[str, Any] = {
    "prompt": None,  # free English, e.g. "dense downtown by a river"
    "sketch": None,  # path to a drawn PNG/JPEG map
    "world_file": None,  # path to a .sprawl world file (with its edits)
    "traffic_density": 0.3,  # background cars, 0..1
    "pedestrian_density": 0.3,  # background pedestrians, 0..1
    "lidar_rays": 240,  # beams per channel over 360 degrees; 0 = no lidar
    "lidar_channels": 1,
    "lidar_range": 50.0,  # metres
    "lidar_vertical_fov": 0.0,  # degrees
    "depth": None,  # (height, width) of a forward depth camera
    "semantic": None,  # (height, width) of a forward semantic camera
    "camera_fov": 90.0,  # degrees, horizontal
    "camera_range": 80.0,  # metres
    "episode_steps": 1000,  # the simulator's own step limit (truncation)
    "dt": 0.1,  # seconds per step
    "stream_radius": None,  # metres; default: max(80, sensor ranges)
    "route_length": None,  # metres to the goal, 20..5000; default: car 300, pedestrian 150, drone 250
    "dynamic_props": True,  # agents push benches and props; False keeps them fixed
}


def make_config(agents: Sequence[str], kwargs: dict[str, Any]) -> _core.Config:
    """Builds a ``_core.Config`` for ``agents`` from environment keyword arguments.

    ``sensors={...}`` may carry any of the sensor keys (``lidar_rays``, ``depth``,
    ``semantic``, …); ``max_episode_steps`` is accepted as a synonym of
    ``episode_steps``. Unknown keys are a ``TypeError``, like any bad keyword.
    """
    kw = dict(kwargs)
    sensors = kw.pop("sensors", None) or {}
    if not isinstance(sensors, dict):
        raise TypeError(f"sensors must be a dict, got {type(sensors).__name__}")
    kw.update(sensors)
    if "max_episode_steps" in kw:
        steps = kw.pop("max_episode_steps")
        if steps is not None:
            kw["episode_steps"] = steps
    unknown = sorted(set(kw) - set(WORLD_DEFAULTS))
    if unknown:
        raise TypeError(
            f"unknown Sprawl environment argument(s) {unknown}; known: {sorted(WORLD_DEFAULTS)}"
        )
    args = {**WORLD_DEFAULTS, **kw}
    for key in ("sketch", "world_file"):
        if args[key] is not None:
            args[key] = os.fspath(args[key])
    for key in ("depth", "semantic"):
        if args[key] is not None:
            shape = tuple(int(x) for x in args[key])
            if len(shape) != 2:
                raise ValueError(f"{key} must be (height, width), got {args[key]!r}")
            args[key] = shape
    return _core.Config(agents=list(agents), **args)


def agent_spaces(
    obs_bounds: tuple[np.ndarray, np.ndarray],
    camera_shape: tuple[tuple[int, int] | None, tuple[int, int] | None],
    depth_range: float | None,
    bounds: tuple[np.ndarray, np.ndarray],
) -> tuple[spaces.Space, spaces.Box]:
    """Observation and action spaces of one agent.

    The observation is a ``Box`` vector (ego state, route features, lidar), or a
    ``Dict`` with ``"vector"`` plus ``"depth"`` (float32 metres, ``(h, w)``) and
    ``"semantic"`` (uint8 class ids, ``(h, w)``) when cameras are configured.
    The vector's bounds (``obs_bounds``, from ``Config.vector_obs_bounds``) are
    the simulator's own: ego values within [-10, 10], route values within
    [-4, 10], lidar within [0, 1].
    """
    low, high = obs_bounds
    vector = spaces.Box(np.asarray(low, np.float32), np.asarray(high, np.float32), dtype=np.float32)
    depth, semantic = camera_shape
    obs_space: spaces.Space
    if depth is None and semantic is None:
        obs_space = vector
    else:
        parts: dict[str, spaces.Space] = {"vector": vector}
        if depth is not None:
            parts["depth"] = spaces.Box(0.0, float(depth_range or 0.0), depth, np.float32)
        if semantic is not None:
            parts["semantic"] = spaces.Box(0, 255, semantic, np.uint8)
        obs_space = spaces.Dict(parts)
    lo, hi = bounds
    action_space = spaces.Box(np.asarray(lo, np.float32), np.asarray(hi, np.float32), dtype=np.float32)
    return obs_space, action_space


def pack_obs(vector: np.ndarray, depth: np.ndarray | None, semantic: np.ndarray | None) -> Any:
    """The observation in the layout of :func:`agent_spaces`."""
    if depth is None and semantic is None:
        return vector
    obs = {"vector": vector}
    if depth is not None:
        obs["depth"] = depth
    if semantic is not None:
        obs["semantic"] = semantic
    return obs


def as_action(
    action: Any, shape: tuple[int, ...], what: str = "action", check_finite: bool = False
) -> np.ndarray:
    """Checks and converts one action (or a batch) to a C-contiguous float32 array.

    Anything that is not a real-valued array of exactly ``shape`` is a
    ``ValueError``. Finiteness is checked in Rust after the float32 cast (so a
    float64 too large for float32 is refused as infinite); ``check_finite``
    also checks it here, for a message that names ``what``.
    """
    arr = _as_float32(action, shape, what)
    if check_finite and not np.isfinite(arr).all():
        raise ValueError(f"{what}: {arr.tolist()} is not finite; actions must be finite")
    return arr


def _as_float32(action: Any, shape: tuple[int, ...], what: str) -> np.ndarray:
    if (
        type(action) is np.ndarray
        and action.dtype == np.float32
        and action.shape == shape
        and action.flags.c_contiguous
    ):
        return action
    try:
        arr = np.asarray(action)
    except Exception as e:  # ragged lists, objects that refuse conversion, ...
        raise ValueError(f"{what}: cannot read {type(action).__name__} as a float array ({e})") from e
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{what}: expected real numbers, got an array of dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(f"{what}: expected shape {shape}, got {arr.shape}")
    with np.errstate(over="ignore", invalid="ignore"):
        return np.ascontiguousarray(arr, dtype=np.float32)


def next_world_seed(rng: np.random.Generator) -> int:
    """The world seed for a reset without an explicit seed."""
    return int(rng.integers(0, 2**63))
