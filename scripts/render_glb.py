#!/usr/bin/env python3
"""Render a GLB (binary glTF 2.0) file to a PNG on the CPU.

A small standalone tool to look at exported Sprawl cities without a GPU or a
display. It needs only numpy and Pillow (scripts/requirements-render.txt).

    python scripts/render_glb.py city.glb -o city.png
    python scripts/render_glb.py city.glb -o street.png \
        --camera 10,1.7,40,0,-2 --fov 70 --size 1920x1080

What it draws: every triangle primitive of the default scene (node hierarchy
with TRS or `matrix` transforms), coloured by the material's
pbrMetallicRoughness.baseColorFactor (linear, written out as sRGB) times
ambient + a diffuse sun from a fixed direction, with a little sky reflection
on metallic/smooth surfaces, distance fog toward the horizon colour and a
sky-gradient background and an endless ground plane at the scene's lowest
point (--no-ground to leave it out); 2x2 supersampling by default (--ssaa).
Textures, skins, morph targets and animations are ignored (a skinned mesh is
drawn in its bind pose); EXT_mesh_gpu_instancing is expanded. A GLB that
requires an extension changing how geometry is stored (Draco, meshopt) is
refused with a message.

Back faces are culled unless the material is doubleSided (--no-cull draws
them). `--debug check` paints triangles whose vertex normals oppose their
winding red and visible back faces magenta; `--debug normals` shows world
normals as colours. Exactly coplanar surfaces are resolved by file order
(the earlier triangle wins), so z-fighting shows as one surface hiding
another rather than as flicker.

Coordinates follow glTF: Y is up; Sprawl uses metres with north = -Z and
east = +X. `--camera X,Y,Z,YAW,PITCH`: YAW 0 looks north (-Z), positive YAW
turns toward east (+X); PITCH < 0 looks down. `--fov` is the vertical field
of view. Without `--camera` the scene is framed from the south-east, looking
down at about 35 degrees.

The rasteriser is a numpy z-buffer: triangles are grouped by the size of
their screen bounding box and rasterised in vectorised batches; a fragment's
depth and triangle id are packed into one 64-bit key and resolved with
np.minimum.at. Shading is deferred: per pixel, the winning triangle's
perspective-correct barycentrics interpolate its normals.
"""

from __future__ import annotations

import argparse
import base64
import json
import math
import os
import struct
import sys
import time

try:
    import numpy as np
    from PIL import Image
except ImportError as e:  # pragma: no cover - depends on the environment
    sys.exit(
        f"render_glb: {e}. Install the dependencies: "
        "pip install -r scripts/requirements-render.txt"
    )

GLB_MAGIC = 0x46546C67  # "glTF"
CHUNK_JSON = 0x4E4F534A
CHUNK_BIN = 0x004E4942

# Required extensions we can honour. Geometry: quantised attributes are read
# like any accessor, GPU instancing is expanded. Material and texture
# extensions only change shading details that this renderer ignores or
# approximates anyway (KHR_materials_unlit is honoured). Anything else
# (Draco, meshopt, ...) changes how geometry is stored: refused.
SUPPORTED_REQUIRED = {
    "KHR_mesh_quantization",
    "EXT_mesh_gpu_instancing",
    "KHR_texture_transform",
    "KHR_texture_basisu",
    "EXT_texture_webp",
    "EXT_texture_avif",
}


def supported_required(name: str) -> bool:
    return name in SUPPORTED_REQUIRED or name.startswith("KHR_materials_")

COMPONENT = {
    5120: (np.int8, 127.0),
    5121: (np.uint8, 255.0),
    5122: (np.int16, 32767.0),
    5123: (np.uint16, 65535.0),
    5125: (np.uint32, None),
    5126: (np.float32, None),
}
NCOMP = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}

# Lighting (linear RGB). The sun shines from the south-west, 40 degrees up.
_SUN_AZ = math.radians(225.0)  # compass bearing toward the sun (0 = north)
_SUN_EL = math.radians(40.0)
SUN_DIR = np.array(
    [
        math.sin(_SUN_AZ) * math.cos(_SUN_EL),
        math.sin(_SUN_EL),
        -math.cos(_SUN_AZ) * math.cos(_SUN_EL),
    ]
)
SUN_COLOUR = np.array([1.0, 0.95, 0.86]) * 0.85
SKY_AMBIENT = np.array([0.42, 0.47, 0.55]) * 0.55  # from above
GROUND_AMBIENT = np.array([0.30, 0.28, 0.25]) * 0.35  # bounced, from below
SKY_ZENITH = np.array([0.16, 0.32, 0.62])
SKY_HORIZON = np.array([0.62, 0.72, 0.84])
GROUND_BELOW = np.array([0.30, 0.31, 0.33])  # background below the horizon
GROUND_PLANE = np.array([0.20, 0.20, 0.18])  # endless ground around the scene


class GlbError(Exception):
    """A file that cannot be read as a GLB we understand."""


# --------------------------------------------------------------------------
# GLB parsing
# --------------------------------------------------------------------------


def read_glb(path: str) -> tuple[dict, bytes | None]:
    """Returns (json document, BIN chunk or None)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 12:
        raise GlbError("too short to be a GLB file (no 12-byte header)")
    magic, version, length = struct.unpack_from("<III", data, 0)
    if magic != GLB_MAGIC:
        raise GlbError("not a GLB file (the first four bytes are not 'glTF')")
    if version != 2:
        raise GlbError(f"GLB container version {version}; only version 2 is supported")
    if length > len(data):
        raise GlbError(f"truncated: header says {length} bytes, file has {len(data)}")
    doc = None
    bin_chunk = None
    off = 12
    while off + 8 <= length:
        clen, ctype = struct.unpack_from("<II", data, off)
        off += 8
        if off + clen > length:
            raise GlbError("truncated chunk")
        body = data[off : off + clen]
        off += clen
        if ctype == CHUNK_JSON and doc is None:
            try:
                doc = json.loads(body.decode("utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise GlbError(f"JSON chunk is not valid JSON: {e}") from None
        elif ctype == CHUNK_BIN and bin_chunk is None:
            bin_chunk = body
    if not isinstance(doc, dict):
        raise GlbError("no JSON chunk")
    asset_version = str(doc.get("asset", {}).get("version", ""))
    if not asset_version.startswith("2."):
        raise GlbError(f"glTF asset version {asset_version!r}; only 2.x is supported")
    unsupported = sorted(e for e in set(doc.get("extensionsRequired", [])) if not supported_required(e))
    if unsupported:
        raise GlbError(
            "the file requires extension(s) this renderer does not support: "
            + ", ".join(unsupported)
            + "; convert it to plain glTF first (e.g. with gltf-transform)"
        )
    return doc, bin_chunk


class Accessors:
    def __init__(self, doc: dict, bin_chunk: bytes | None, base_dir: str):
        self.doc = doc
        self.buffers = []
        for i, b in enumerate(doc.get("buffers", [])):
            uri = b.get("uri")
            if uri is None:
                if i != 0 or bin_chunk is None:
                    raise GlbError(f"buffer {i} has no uri and there is no BIN chunk")
                self.buffers.append(bin_chunk)
            elif uri.startswith("data:"):
                self.buffers.append(base64.b64decode(uri.split(",", 1)[1]))
            else:
                p = os.path.join(base_dir, uri)
                try:
                    with open(p, "rb") as f:
                        self.buffers.append(f.read())
                except OSError as e:
                    raise GlbError(f"buffer {i}: cannot read {p}: {e.strerror}") from None
        self.cache: dict[int, np.ndarray] = {}

    def get(self, index: int) -> np.ndarray:
        """The accessor as an (count, ncomp) array (float32 for normalized ints)."""
        if index in self.cache:
            return self.cache[index]
        try:
            acc = self.doc["accessors"][index]
        except (KeyError, IndexError):
            raise GlbError(f"accessor {index} does not exist") from None
        ctype = acc["componentType"]
        if ctype not in COMPONENT:
            raise GlbError(f"accessor {index}: unknown componentType {ctype}")
        dtype, norm = COMPONENT[ctype]
        dtype = np.dtype(dtype).newbyteorder("<")
        n = NCOMP[acc["type"]]
        count = acc["count"]
        if "bufferView" in acc:
            view = self.doc["bufferViews"][acc["bufferView"]]
            buf = self.buffers[view["buffer"]]
            start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
            elem = dtype.itemsize * n
            stride = view.get("byteStride") or elem
            end = start + stride * (count - 1) + elem if count else start
            if end > view.get("byteOffset", 0) + view["byteLength"] or end > len(buf):
                raise GlbError(f"accessor {index} runs past its bufferView/buffer")
            if stride == elem:
                arr = np.frombuffer(buf, dtype=dtype, count=count * n, offset=start)
                arr = arr.reshape(count, n)
            else:
                raw = np.frombuffer(buf, dtype=np.uint8, count=end - start, offset=start)
                rows = np.lib.stride_tricks.as_strided(
                    raw, shape=(count, elem), strides=(stride, 1)
                )
                arr = np.ascontiguousarray(rows).view(dtype).reshape(count, n)
        else:
            arr = np.zeros((count, n), dtype=dtype)
        if "sparse" in acc:
            sp = acc["sparse"]
            arr = arr.copy()
            idx = self._raw(sp["indices"], sp["count"], 1).ravel().astype(np.int64)
            vals = self._raw(sp["values"], sp["count"], n, ctype)
            arr[idx] = vals
        if acc.get("normalized") and norm is not None:
            arr = np.maximum(arr.astype(np.float32) / norm, -1.0)
        self.cache[index] = arr
        return arr

    def _raw(self, part: dict, count: int, n: int, ctype: int | None = None) -> np.ndarray:
        ctype = part.get("componentType", ctype)
        dtype = np.dtype(COMPONENT[ctype][0]).newbyteorder("<")
        view = self.doc["bufferViews"][part["bufferView"]]
        buf = self.buffers[view["buffer"]]
        start = view.get("byteOffset", 0) + part.get("byteOffset", 0)
        return np.frombuffer(buf, dtype=dtype, count=count * n, offset=start).reshape(count, n)


def node_matrix(node: dict) -> np.ndarray:
    if "matrix" in node:
        return np.array(node["matrix"], dtype=np.float64).reshape(4, 4).T  # column-major
    m = np.eye(4)
    x, y, z, w = node.get("rotation", [0.0, 0.0, 0.0, 1.0])
    qn = math.sqrt(x * x + y * y + z * z + w * w) or 1.0
    x, y, z, w = x / qn, y / qn, z / qn, w / qn
    r = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    s = np.array(node.get("scale", [1.0, 1.0, 1.0]), dtype=np.float64)
    m[:3, :3] = r * s[None, :]
    m[:3, 3] = node.get("translation", [0.0, 0.0, 0.0])
    return m


class Scene:
    """World-space triangle soup: positions, normals, triangles, material data."""

    def __init__(self):
        self.pos: np.ndarray = np.zeros((0, 3))  # (V, 3) float64
        self.nrm: np.ndarray = np.zeros((0, 3), np.float32)  # (V, 3)
        self.tri: np.ndarray = np.zeros((0, 3), np.int64)  # (T, 3)
        self.colour: np.ndarray = np.zeros((0, 3), np.float32)  # (T, 3) linear
        self.flags: np.ndarray = np.zeros(0, np.uint8)  # (T,) bit0 double-sided, bit1 unlit
        self.shine: np.ndarray = np.zeros(0, np.float32)  # (T,) reflectivity 0..1
        self.nodes: list[tuple[str, np.ndarray]] = []  # (name, world matrix) of named nodes
        self._face_n: np.ndarray | None = None

    def face_normals(self) -> np.ndarray:
        """Unit geometric normals (T, 3) float32 from the CCW winding."""
        if self._face_n is None:
            p = self.pos[self.tri]
            fn = np.cross(p[:, 1] - p[:, 0], p[:, 2] - p[:, 0])
            fn /= np.maximum(np.linalg.norm(fn, axis=1, keepdims=True), 1e-30)
            self._face_n = fn.astype(np.float32)
        return self._face_n


def load_scene(path: str) -> Scene:
    doc, bin_chunk = read_glb(path)
    acc = Accessors(doc, bin_chunk, os.path.dirname(os.path.abspath(path)))
    materials = doc.get("materials", [])
    meshes = doc.get("meshes", [])
    nodes = doc.get("nodes", [])

    def material_data(mi):
        if mi is None:
            return np.ones(3), 0, 0.0
        m = materials[mi]
        pbr = m.get("pbrMetallicRoughness", {})
        base = np.array(pbr.get("baseColorFactor", [1, 1, 1, 1])[:3], dtype=np.float64)
        metal = float(pbr.get("metallicFactor", 1.0))
        rough = float(pbr.get("roughnessFactor", 1.0))
        flags = (1 if m.get("doubleSided") else 0) | (
            2 if "KHR_materials_unlit" in m.get("extensions", {}) else 0
        )
        shine = max(0.0, 1.0 - rough) * (0.35 + 0.65 * metal)
        return base, flags, shine

    pos_parts, nrm_parts, tri_parts = [], [], []
    col_parts, flag_parts, shine_parts = [], [], []
    nverts = 0
    scene = Scene()

    def add_mesh(mesh_index: int, world: np.ndarray):
        nonlocal nverts
        lin = world[:3, :3]
        flip = np.linalg.det(lin) < 0
        try:
            nmat = np.linalg.inv(lin).T
        except np.linalg.LinAlgError:
            return  # degenerate (zero scale): nothing to draw
        for prim in meshes[mesh_index].get("primitives", []):
            mode = prim.get("mode", 4)
            if mode not in (4, 5, 6):
                continue  # points and lines are not drawn
            attrs = prim.get("attributes", {})
            if "POSITION" not in attrs:
                continue
            p = acc.get(attrs["POSITION"]).astype(np.float64)[:, :3]
            if len(p) == 0:
                continue
            if "indices" in prim:
                idx = acc.get(prim["indices"]).ravel().astype(np.int64)
            else:
                idx = np.arange(len(p), dtype=np.int64)
            if mode == 4:
                t = idx[: len(idx) // 3 * 3].reshape(-1, 3)
            elif mode == 5:  # strip
                k = np.arange(max(len(idx) - 2, 0))
                even = (k % 2) == 0
                t = np.stack(
                    [idx[k], np.where(even, idx[k + 1], idx[k + 2]), np.where(even, idx[k + 2], idx[k + 1])],
                    axis=1,
                )
            else:  # fan
                k = np.arange(1, max(len(idx) - 1, 1))
                t = np.stack([np.full(len(k), idx[0]), idx[k], idx[k + 1]], axis=1)
            if len(t) == 0:
                continue
            if t.max() >= len(p) or t.min() < 0:
                raise GlbError(f"mesh {mesh_index}: an index is out of range")
            wp = p @ lin.T + world[:3, 3]
            if "NORMAL" in attrs:
                n = acc.get(attrs["NORMAL"]).astype(np.float64)[:, :3] @ nmat.T
                ln = np.linalg.norm(n, axis=1, keepdims=True)
                n = n / np.where(ln > 1e-12, ln, 1.0)
            else:
                n = np.full_like(wp, np.nan)  # flat-shaded later
            if flip:
                t = t[:, [0, 2, 1]]
            base, flags, shine = material_data(prim.get("material"))
            pos_parts.append(wp)
            nrm_parts.append(n.astype(np.float32))
            tri_parts.append(t + nverts)
            col_parts.append(np.broadcast_to(base.astype(np.float32), (len(t), 3)))
            flag_parts.append(np.full(len(t), flags, np.uint8))
            shine_parts.append(np.full(len(t), shine, np.float32))
            nverts += len(wp)

    def instance_matrices(attrs: dict) -> list[np.ndarray]:
        """Local matrices of EXT_mesh_gpu_instancing instances."""
        cols = {k: acc.get(v).astype(np.float64) for k, v in attrs.items()
                if k in ("TRANSLATION", "ROTATION", "SCALE")}
        if not cols:
            return [np.eye(4)]
        count = min(len(c) for c in cols.values())
        out = []
        for i in range(count):
            trs = {}
            if "TRANSLATION" in cols:
                trs["translation"] = cols["TRANSLATION"][i, :3].tolist()
            if "ROTATION" in cols:
                trs["rotation"] = cols["ROTATION"][i, :4].tolist()
            if "SCALE" in cols:
                trs["scale"] = cols["SCALE"][i, :3].tolist()
            out.append(node_matrix(trs))
        return out

    scenes = doc.get("scenes", [])
    if scenes:
        roots = scenes[doc.get("scene", 0)].get("nodes", [])
    else:  # no scene: draw every node that is nobody's child
        children = {c for n in nodes for c in n.get("children", [])}
        roots = [i for i in range(len(nodes)) if i not in children]

    stack = [(r, np.eye(4), 0) for r in reversed(roots)]
    while stack:
        ni, parent, depth = stack.pop()
        if depth > 256:
            raise GlbError("node hierarchy too deep (a cycle?)")
        node = nodes[ni]
        world = parent @ node_matrix(node)
        if "name" in node:
            scene.nodes.append((node["name"], world))
        if "mesh" in node:
            inst = node.get("extensions", {}).get("EXT_mesh_gpu_instancing")
            if inst:
                for m in instance_matrices(inst.get("attributes", {})):
                    add_mesh(node["mesh"], world @ m)
            else:
                add_mesh(node["mesh"], world)
        for c in reversed(node.get("children", [])):
            stack.append((c, world, depth + 1))

    if pos_parts:
        scene.pos = np.concatenate(pos_parts)
        scene.nrm = np.concatenate(nrm_parts)
        scene.tri = np.concatenate(tri_parts)
        scene.colour = np.concatenate(col_parts)
        scene.flags = np.concatenate(flag_parts)
        scene.shine = np.concatenate(shine_parts)
    return scene


# --------------------------------------------------------------------------
# Camera
# --------------------------------------------------------------------------


class Camera:
    def __init__(self, eye, yaw_deg, pitch_deg, fov_deg, width, height):
        self.eye = np.asarray(eye, dtype=np.float64)
        yaw, pitch = math.radians(yaw_deg), math.radians(pitch_deg)
        self.fwd = np.array(
            [math.sin(yaw) * math.cos(pitch), math.sin(pitch), -math.cos(yaw) * math.cos(pitch)]
        )
        self.right = np.array([math.cos(yaw), 0.0, math.sin(yaw)])
        self.up = np.cross(self.right, self.fwd)
        self.w, self.h = width, height
        self.focal = (height / 2) / math.tan(math.radians(fov_deg) / 2)
        self.yaw, self.pitch, self.fov = yaw_deg, pitch_deg, fov_deg

    def to_view(self, p: np.ndarray) -> np.ndarray:
        d = p - self.eye
        return np.stack([d @ self.right, d @ self.up, d @ self.fwd], axis=-1)

    def describe(self) -> str:
        x, y, z = self.eye
        return f"{x:.6g},{y:.6g},{z:.6g},{self.yaw:.6g},{self.pitch:.6g}"


def auto_camera(scene: Scene, fov: float, w: int, h: int) -> Camera:
    """Oblique view from the south-east, 35 degrees down, fitting the bounding box."""
    yaw, pitch = -45.0, -35.0
    if len(scene.tri):
        used = scene.pos[np.unique(scene.tri)]
        lo, hi = used.min(axis=0), used.max(axis=0)
    else:
        lo, hi = -np.ones(3), np.ones(3)
    corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
    centre = (lo + hi) / 2
    cam = Camera(centre, yaw, pitch, fov, w, h)
    tan_v = (h / 2) / cam.focal * 0.94
    tan_h = (w / 2) / cam.focal * 0.94
    # Distance along -fwd so every corner is inside the margins; then recentre
    # the camera sideways on the projected extents and refit (converges fast).
    target = centre.copy()
    for _ in range(6):
        v = Camera(target, yaw, pitch, fov, w, h).to_view(corners)
        d = max(np.max(np.abs(v[:, 0]) / tan_h - v[:, 2]), np.max(np.abs(v[:, 1]) / tan_v - v[:, 2]))
        z = v[:, 2] + d
        sx, sy = v[:, 0] / z, v[:, 1] / z
        shift_x = (sx.max() + sx.min()) / 2 * (d + np.median(v[:, 2]))
        shift_y = (sy.max() + sy.min()) / 2 * (d + np.median(v[:, 2]))
        target = target + cam.right * shift_x + cam.up * shift_y
    v = Camera(target, yaw, pitch, fov, w, h).to_view(corners)
    d = max(np.max(np.abs(v[:, 0]) / tan_h - v[:, 2]), np.max(np.abs(v[:, 1]) / tan_v - v[:, 2]))
    return Camera(target - cam.fwd * d, yaw, pitch, fov, w, h)


# --------------------------------------------------------------------------
# Rasterisation
# --------------------------------------------------------------------------


def clip_near(v: np.ndarray, near: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clips view-space triangles (T,3,3) against z = near.

    Returns (triangles (T',3,3), source triangle index (T',), barycentric
    weights of each new vertex w.r.t. its source triangle (T',3,3)), so that
    attributes can be interpolated from the original vertices."""
    z = v[:, :, 2]
    inside = z >= near
    cnt = inside.sum(axis=1)
    T = len(v)
    eye3 = np.broadcast_to(np.eye(3), (T, 3, 3))
    keep = cnt == 3
    out_v = [v[keep]]
    out_src = [np.nonzero(keep)[0]]
    out_b = [eye3[keep]]

    def lerp(i_idx, a, b):
        # point on edge a->b at z = near (a inside, b outside or vice versa)
        za = z[i_idx, a]
        zb = z[i_idx, b]
        t = (near - za) / (zb - za)
        p = v[i_idx, a] + (v[i_idx, b] - v[i_idx, a]) * t[:, None]
        bw = np.zeros((len(i_idx), 3))
        bw[np.arange(len(i_idx)), a] = 1 - t
        bw[np.arange(len(i_idx)), b] += t
        return p, bw

    # Rotate each partial triangle so that its lone vertex is at position 0
    # (keeping the winding); for cnt == 1 the lone vertex is inside, for 2 outside.
    for want in (1, 2):
        sel = np.nonzero(cnt == want)[0]
        if len(sel) == 0:
            continue
        lone_mask = inside[sel] if want == 1 else ~inside[sel]
        lone = np.argmax(lone_mask, axis=1)
        a = lone
        b = (lone + 1) % 3
        c = (lone + 2) % 3
        r = np.arange(len(sel))
        pa, pb, pc = v[sel, a], v[sel, b], v[sel, c]
        ba = np.zeros((len(sel), 3))
        ba[r, a] = 1
        bb = np.zeros((len(sel), 3))
        bb[r, b] = 1
        bc = np.zeros((len(sel), 3))
        bc[r, c] = 1
        pab, bab = lerp(sel, a, b)
        pac, bac = lerp(sel, a, c)
        if want == 1:  # a inside: triangle a, ab, ac
            out_v.append(np.stack([pa, pab, pac], axis=1))
            out_b.append(np.stack([ba, bab, bac], axis=1))
            out_src.append(sel)
        else:  # a outside: quad ab, b, c, ac -> two triangles
            out_v.append(np.stack([pab, pb, pc], axis=1))
            out_b.append(np.stack([bab, bb, bc], axis=1))
            out_src.append(sel)
            out_v.append(np.stack([pab, pc, pac], axis=1))
            out_b.append(np.stack([bab, bc, bac], axis=1))
            out_src.append(sel)
    return np.concatenate(out_v), np.concatenate(out_src), np.concatenate(out_b)


MAX_FRAGMENTS = 1 << 21  # candidate pixels per vectorised batch
SHADE_CHUNK = 1 << 20  # pixels shaded at a time
TILE = 1024  # largest bounding-box side rasterised in one piece (TILE^2 <= MAX_FRAGMENTS)


def rasterise(sx, sy, iw, w, h):
    """Z-buffer rasterisation of screen-space triangles.

    sx, sy: (T,3) pixel coordinates; iw: (T,3) 1/depth. Returns a (h*w,)
    uint64 buffer of (depth bits << 32 | triangle index), all ones where empty."""
    T = len(sx)
    keybuf = np.full(h * w, np.iinfo(np.uint64).max, dtype=np.uint64)
    if T == 0:
        return keybuf
    x0 = np.clip(np.floor(sx.min(axis=1) - 0.5).astype(np.int64) + 1, 0, w)
    x1 = np.clip(np.floor(sx.max(axis=1) - 0.5).astype(np.int64) + 1, 0, w)  # exclusive
    y0 = np.clip(np.floor(sy.min(axis=1) - 0.5).astype(np.int64) + 1, 0, h)
    y1 = np.clip(np.floor(sy.max(axis=1) - 0.5).astype(np.int64) + 1, 0, h)
    live = (x1 > x0) & (y1 > y0)
    tri = np.nonzero(live)[0]
    x0, x1, y0, y1 = x0[tri], x1[tri], y0[tri], y1[tri]
    # Cut the bounding boxes of big triangles into tiles of at most TILE
    # pixels a side, so that no batch needs more than TILE^2 fragments.
    big = np.nonzero((x1 - x0 > TILE) | (y1 - y0 > TILE))[0]
    if len(big):
        extra = []
        for i in big:
            for ty in range(int(y0[i]), int(y1[i]), TILE):
                for tx in range(int(x0[i]), int(x1[i]), TILE):
                    extra.append((tri[i], tx, ty, min(tx + TILE, x1[i]), min(ty + TILE, y1[i])))
        small = np.ones(len(tri), bool)
        small[big] = False
        e = np.array(extra, dtype=np.int64)
        tri = np.r_[tri[small], e[:, 0]]
        x0, y0 = np.r_[x0[small], e[:, 1]], np.r_[y0[small], e[:, 2]]
        x1, y1 = np.r_[x1[small], e[:, 3]], np.r_[y1[small], e[:, 4]]
    if len(tri) == 0:
        return keybuf
    # Bucket by the next power of two of each bounding-box side.
    pw = np.ceil(np.log2(x1 - x0)).astype(np.int64)
    ph = np.ceil(np.log2(y1 - y0)).astype(np.int64)
    bucket = pw * 64 + ph
    order = np.argsort(bucket, kind="stable")
    bsorted = bucket[order]
    starts = np.r_[0, np.nonzero(np.diff(bsorted))[0] + 1, len(order)]

    # Edge-function coefficients: E_i(x, y) = A_i x + B_i y + C_i for the edge
    # opposite vertex i; signed area normalises to barycentrics.
    X0, X1, X2 = sx[:, 0], sx[:, 1], sx[:, 2]
    Y0, Y1, Y2 = sy[:, 0], sy[:, 1], sy[:, 2]
    area = (X1 - X0) * (Y2 - Y0) - (X2 - X0) * (Y1 - Y0)
    for s, e in zip(starts[:-1], starts[1:]):
        rec_all = order[s:e]  # records (triangle or tile of one) in this bucket
        gw = 1 << int(pw[rec_all[0]])
        gh = 1 << int(ph[rec_all[0]])
        batch = max(1, MAX_FRAGMENTS // (gw * gh))
        ox = np.tile(np.arange(gw), gh)
        oy = np.repeat(np.arange(gh), gw)
        for b0 in range(0, len(rec_all), batch):
            rec = rec_all[b0 : b0 + batch]
            ids = tri[rec]
            px = x0[rec][:, None] + ox[None, :]
            py = y0[rec][:, None] + oy[None, :]
            ok = (px < x1[rec][:, None]) & (py < y1[rec][:, None])
            cx = px + 0.5
            cy = py + 0.5
            a = area[ids][:, None]
            x0_, x1_, x2_ = X0[ids][:, None], X1[ids][:, None], X2[ids][:, None]
            y0_, y1_, y2_ = Y0[ids][:, None], Y1[ids][:, None], Y2[ids][:, None]
            l0 = ((x1_ - cx) * (y2_ - cy) - (x2_ - cx) * (y1_ - cy)) / a
            l1 = ((x2_ - cx) * (y0_ - cy) - (x0_ - cx) * (y2_ - cy)) / a
            l2 = 1.0 - l0 - l1
            eps = -1e-7
            ok &= (l0 >= eps) & (l1 >= eps) & (l2 >= eps)
            if not ok.any():
                continue
            inv = l0 * iw[ids, 0][:, None] + l1 * iw[ids, 1][:, None] + l2 * iw[ids, 2][:, None]
            ok &= inv > 0
            depth = (1.0 / np.where(ok, inv, 1.0)).astype(np.float32)
            r, c = np.nonzero(ok)
            key = (depth[r, c].view(np.uint32).astype(np.uint64) << np.uint64(32)) | ids[r].astype(
                np.uint64
            )
            np.minimum.at(keybuf, py[r, c] * w + px[r, c], key)
    return keybuf


# --------------------------------------------------------------------------
# Shading
# --------------------------------------------------------------------------


def srgb(linear: np.ndarray) -> np.ndarray:
    c = np.clip(linear, 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * np.power(c, 1 / 2.4) - 0.055)


def sky(dirs: np.ndarray) -> np.ndarray:
    """Background colour (linear, float32) for unit view directions (N, 3)."""
    dirs = dirs.astype(np.float32, copy=False)
    up = dirs[:, 1:2]
    t = np.clip(up, 0.0, 1.0) ** np.float32(0.6)
    above = SKY_HORIZON.astype(np.float32) * (1 - t) + SKY_ZENITH.astype(np.float32) * t
    below_t = np.clip(-up * 4.0, 0.0, 1.0)
    below = SKY_HORIZON.astype(np.float32) * (1 - below_t) + GROUND_BELOW.astype(np.float32) * below_t
    col = np.where(up >= 0, above, below)
    # A soft glow around the sun: cos^64 by repeated squaring.
    g = np.clip(dirs @ SUN_DIR.astype(np.float32), 0.0, 1.0)
    for _ in range(6):
        g = g * g
    return col + g[:, None] * np.array([0.35, 0.3, 0.2], np.float32)


def pixel_rays(cam: Camera, pix: np.ndarray) -> np.ndarray:
    """Unit view directions (float32) through the centres of flat pixel indices."""
    px = ((pix % cam.w) + 0.5 - cam.w / 2) / cam.focal
    py = (cam.h / 2 - ((pix // cam.w) + 0.5)) / cam.focal
    f, r, u = (v.astype(np.float32) for v in (cam.fwd, cam.right, cam.up))
    d = f[None, :] + px[:, None].astype(np.float32) * r[None, :] + py[:, None].astype(np.float32) * u[None, :]
    d /= np.sqrt((d * d).sum(axis=1, keepdims=True))
    return d


def _shade(scene, cam, pix, k, sx, sy, iw, src, cbary, debug, fog):
    """Colours (linear float32) of the hit pixels `pix` whose z-buffer keys are `k`."""
    w = cam.w
    f32 = np.float32
    ci = (k & np.uint64(0xFFFFFFFF)).astype(np.int64)  # clipped-triangle index
    depth = (k >> np.uint64(32)).astype(np.uint32).view(np.float32)
    ti = src[ci]  # source triangle
    # Perspective-correct barycentrics of the pixel centre in the clipped
    # triangle, mapped to the source triangle's vertices.
    cx = (pix % w) + 0.5
    cy = (pix // w) + 0.5
    X, Y, IW = sx[ci], sy[ci], iw[ci]
    a = (X[:, 1] - X[:, 0]) * (Y[:, 2] - Y[:, 0]) - (X[:, 2] - X[:, 0]) * (Y[:, 1] - Y[:, 0])
    l0 = ((X[:, 1] - cx) * (Y[:, 2] - cy) - (X[:, 2] - cx) * (Y[:, 1] - cy)) / a
    l1 = ((X[:, 2] - cx) * (Y[:, 0] - cy) - (X[:, 0] - cx) * (Y[:, 2] - cy)) / a
    l2 = 1.0 - l0 - l1
    del X, Y, cx, cy
    lam = (np.stack([l0, l1, l2], axis=1) * IW).astype(np.float32)
    lam /= lam.sum(axis=1, keepdims=True)
    cb = cbary[ci].astype(np.float32)  # (P,3,3): clipped vertex -> source weights
    bary = lam[:, 0:1] * cb[:, 0] + lam[:, 1:2] * cb[:, 1] + lam[:, 2:3] * cb[:, 2]
    del lam, cb, l0, l1, l2, IW

    face_n = scene.face_normals()[ti]
    verts = scene.tri[ti]  # (P,3)
    nv = scene.nrm
    n = (
        bary[:, 0:1] * nv[verts[:, 0]]
        + bary[:, 1:2] * nv[verts[:, 1]]
        + bary[:, 2:3] * nv[verts[:, 2]]
    )
    ln = np.sqrt((n * n).sum(axis=1, keepdims=True))
    bad = ~np.isfinite(ln[:, 0]) | (ln[:, 0] < 1e-6)
    n = np.where(bad[:, None], face_n, n / np.where(ln > 1e-6, ln, 1.0))
    n_vertex = n
    view_dir = pixel_rays(cam, pix)  # from eye toward the surface
    # Seen from behind (double-sided or culling off): light the side we see.
    back = (face_n * view_dir).sum(axis=1) > 0
    n = np.where(back[:, None], -n, n)

    base = scene.colour[ti]
    sun = SUN_DIR.astype(f32)
    ndl = np.clip(n @ sun, 0.0, 1.0)[:, None]
    hemi = (n[:, 1:2] + 1) / 2
    col = base * (
        SKY_AMBIENT.astype(f32) * hemi
        + GROUND_AMBIENT.astype(f32) * (1 - hemi)
        + SUN_COLOUR.astype(f32) * ndl
    )
    # Reflections on smooth/metallic surfaces (glass towers): the sky in the
    # mirror direction, Schlick-Fresnel weighted, plus a sun highlight.
    shine_t = scene.shine[ti]
    rs = np.nonzero(shine_t > 0)[0]
    if len(rs):
        nr, vr = n[rs], view_dir[rs]
        sh = shine_t[rs][:, None]
        cosv = np.clip(-(nr * vr).sum(axis=1, keepdims=True), 0.0, 1.0)
        refl = vr + 2 * cosv * nr
        m = 1 - cosv
        fres = 0.04 + 0.96 * (m * m) * (m * m) * m
        rd = np.clip(refl @ sun, 0.0, 1.0)
        spec = np.zeros_like(rd)
        hot = rd > 0.99  # 0.99^1000 is nothing
        spec[hot] = rd[hot] ** 1000  # a small sun disc in mirror-like glass
        spec = spec[:, None] * (SUN_COLOUR.astype(f32) * 2)
        col[rs] = col[rs] * (1 - sh * fres) + sh * (fres * sky(refl) * 0.9 + spec)
    unlit = (scene.flags[ti] & 2) != 0
    if unlit.any():
        col[unlit] = base[unlit]
    if debug == "normals":  # world normal as colour (+X red, +Y green, +Z blue)
        col = ((n + 1) / 2) ** 2.2
    elif debug == "check":
        # Grey: fine. Red: the vertex normal points against the face's own
        # (CCW) normal (wrong normal or winding). Magenta: a back face is seen
        # (only with --no-cull; holes when culling is on).
        agree = (n_vertex * face_n).sum(axis=1)
        g = (0.15 + 0.6 * np.clip(n @ sun, 0, 1) + 0.25 * hemi[:, 0])[:, None]
        col = np.where((agree < 0)[:, None], np.array([0.9, 0.05, 0.02], f32), np.array([0.5, 0.5, 0.5], f32) * g)
        col = np.where(back[:, None], np.array([0.9, 0.05, 0.9], f32), col)

    dist = depth / np.maximum(view_dir @ cam.fwd.astype(f32), 1e-6)
    if debug is None:
        col = fog(col, dist)
    return col


def render(scene: Scene, cam: Camera, cull: bool = True, fog_scale: float | None = None,
           stats: dict | None = None, debug: str | None = None, ground: bool = True) -> np.ndarray:
    """Renders `scene`; returns a (h, w, 3) float32 linear-RGB image."""
    w, h = cam.w, cam.h
    t0 = time.perf_counter()
    flat = np.empty((h * w, 3), np.float32)
    T = len(scene.tri)
    if T == 0:
        flat[:] = sky(pixel_rays(cam, np.arange(h * w)))
        return flat.reshape(h, w, 3)
    ext = scene.pos.max(axis=0) - scene.pos.min(axis=0)
    diag = float(np.linalg.norm(ext)) or 1.0
    near = min(0.05, max(diag * 1e-5, 1e-6))

    vpos = cam.to_view(scene.pos)  # (V,3)
    tv = vpos[scene.tri]  # (T,3,3)
    # Frustum rejection of triangles entirely behind or outside a side plane.
    tanx = (w / 2) / cam.focal
    tany = (h / 2) / cam.focal
    z = tv[:, :, 2]
    vis = ~(z < near).all(axis=1)
    vis &= ~(tv[:, :, 0] > z * tanx + 1e-9).all(axis=1)
    vis &= ~(tv[:, :, 0] < -z * tanx - 1e-9).all(axis=1)
    vis &= ~(tv[:, :, 1] > z * tany + 1e-9).all(axis=1)
    vis &= ~(tv[:, :, 1] < -z * tany - 1e-9).all(axis=1)
    src0 = np.nonzero(vis)[0]
    ctv, csrc, cbary = clip_near(tv[src0], near)
    src = src0[csrc]
    cz = ctv[:, :, 2]
    sx = w / 2 + ctv[:, :, 0] / cz * cam.focal
    sy = h / 2 - ctv[:, :, 1] / cz * cam.focal
    iw = 1.0 / cz
    # Screen-space winding: CCW in world (outward) is clockwise on screen
    # because screen y points down, so a front face has negative area here.
    area = (sx[:, 1] - sx[:, 0]) * (sy[:, 2] - sy[:, 0]) - (sx[:, 2] - sx[:, 0]) * (sy[:, 1] - sy[:, 0])
    keep = np.abs(area) > 1e-12
    if cull:
        keep &= (area < 0) | ((scene.flags[src] & 1) != 0)
    sx, sy, iw, src, cbary = sx[keep], sy[keep], iw[keep], src[keep], cbary[keep]
    t1 = time.perf_counter()
    keybuf = rasterise(sx, sy, iw, w, h)
    t2 = time.perf_counter()

    hit = keybuf != np.iinfo(np.uint64).max
    hit_pix = np.nonzero(hit)[0]
    f32 = np.float32
    # Distance fog toward the horizon colour. It starts at the nearest visible
    # surface, so that an aerial view is not washed out as a whole; the far
    # side of the scene gets a little haze.
    fog_len = fog_scale if fog_scale is not None else diag * 1.5
    start = 0.0
    if fog_scale is None and len(hit_pix):
        sample = hit_pix[:: max(1, len(hit_pix) // 200_000)]
        d = (keybuf[sample] >> np.uint64(32)).astype(np.uint32).view(np.float32)
        px_ = ((sample % w) + 0.5 - w / 2) / cam.focal
        py_ = (h / 2 - ((sample // w) + 0.5)) / cam.focal
        start = float(np.percentile(d * np.sqrt(1 + px_ * px_ + py_ * py_), 1))
    horizon = SKY_HORIZON.astype(f32)

    def fog(c, d):
        fa = (1 - np.exp(-np.maximum(d - start, 0.0) / fog_len)).astype(f32)[:, None]
        return c * (1 - fa) + horizon * fa

    for c0 in range(0, len(hit_pix), SHADE_CHUNK):
        pix = hit_pix[c0 : c0 + SHADE_CHUNK]
        flat[pix] = _shade(scene, cam, pix, keybuf[pix], sx, sy, iw, src, cbary, debug, fog)

    miss_pix = np.nonzero(~hit)[0]
    ground_y = float(scene.pos[:, 1].min())
    gcol = (GROUND_PLANE * (SKY_AMBIENT + SUN_COLOUR * max(SUN_DIR[1], 0.0))).astype(f32)
    for c0 in range(0, len(miss_pix), SHADE_CHUNK):
        miss = miss_pix[c0 : c0 + SHADE_CHUNK]
        mray = pixel_rays(cam, miss)
        bg = sky(mray)
        if ground:
            # An endless ground plane at the scene's lowest point, fading into
            # the horizon, so that the scene does not float in a void.
            ry = mray[:, 1]
            t = (ground_y - cam.eye[1]) / np.where(ry < -1e-9, ry, -1e-9)
            below = (ry < -1e-9) & (t > 0)
            bg[below] = fog(np.broadcast_to(gcol, (int(below.sum()), 3)), t[below])
        flat[miss] = bg
    t3 = time.perf_counter()
    if stats is not None:
        stats.update(
            triangles=T,
            drawn=int(len(sx)),
            pixels=int(len(hit_pix)),
            setup_s=t1 - t0,
            raster_s=t2 - t1,
            shade_s=t3 - t2,
        )
    return flat.reshape(h, w, 3)


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def parse_camera(s: str) -> tuple[list[float], float, float]:
    parts = s.split(",")
    if len(parts) != 5:
        raise argparse.ArgumentTypeError(
            f"--camera wants X,Y,Z,YAW_DEG,PITCH_DEG (5 numbers), got {len(parts)} value(s): {s!r}"
        )
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--camera: not numbers: {s!r}") from None
    if not all(math.isfinite(v) for v in vals):
        raise argparse.ArgumentTypeError(f"--camera: values must be finite: {s!r}")
    if abs(vals[4]) >= 90:
        raise argparse.ArgumentTypeError("--camera: pitch must be strictly between -90 and 90")
    return vals[:3], vals[3], vals[4]


def parse_size(s: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in s.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--size wants WxH, e.g. 1280x720; got {s!r}") from None
    if not (1 <= w <= 16384 and 1 <= h <= 16384):
        raise argparse.ArgumentTypeError(f"--size: {w}x{h} out of range (1..16384)")
    return w, h


def parse_fov(s: str) -> float:
    try:
        v = float(s)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--fov wants degrees, got {s!r}") from None
    if not 1.0 <= v <= 170.0:
        raise argparse.ArgumentTypeError(f"--fov must be between 1 and 170 degrees, got {v}")
    return v


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="render_glb.py",
        description="Render a GLB (binary glTF 2.0) file to a PNG on the CPU (numpy z-buffer).",
        epilog="Y is up; yaw 0 looks north (-Z), positive yaw turns east (+X); "
        "negative pitch looks down. Without --camera: an aerial view from the "
        "south-east, 35 degrees down, fitting the whole scene.",
    )
    ap.add_argument("input", help="the .glb file")
    ap.add_argument("-o", "--output", required=True, help="the .png to write")
    ap.add_argument("--camera", type=parse_camera, metavar="X,Y,Z,YAW,PITCH",
                    help="eye position (metres) and view direction (degrees)")
    ap.add_argument("--fov", type=parse_fov, default=60.0, help="vertical field of view, degrees (60)")
    ap.add_argument("--size", type=parse_size, default=(1280, 720), metavar="WxH",
                    help="image size in pixels (1280x720)")
    ap.add_argument("--ssaa", type=int, default=2, choices=[1, 2, 3, 4],
                    help="supersampling factor per axis, for anti-aliasing (2)")
    ap.add_argument("--fog", type=float, default=None, metavar="METRES",
                    help="fog distance scale, from the eye (default: 1.5 x scene diagonal, from the nearest surface)")
    ap.add_argument("--no-cull", action="store_true",
                    help="draw back faces too (to look for wrongly wound triangles)")
    ap.add_argument("--no-ground", action="store_true",
                    help="no endless ground plane at the scene's lowest point")
    ap.add_argument("--debug", choices=["normals", "check"],
                    help="diagnostic colouring: 'normals' shows world normals as RGB; 'check' "
                    "paints red where a vertex normal points against its triangle's winding "
                    "and magenta where a back face is visible (use with --no-cull)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    # Let `--camera -34,6,150,0,4` work: argparse would take a value starting
    # with '-' for an option, so glue it onto its flag.
    argv = list(sys.argv[1:] if argv is None else argv)
    for i in range(len(argv) - 1):
        if argv[i] in ("--camera", "--size", "--fov", "--fog") and argv[i + 1].startswith("-"):
            argv[i : i + 2] = [argv[i] + "=" + argv[i + 1], ""]
    args = ap.parse_args([a for a in argv if a != ""])

    if not os.path.isfile(args.input):
        print(f"render_glb: {args.input}: no such file", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    try:
        scene = load_scene(args.input)
    except GlbError as e:
        print(f"render_glb: {args.input}: {e}", file=sys.stderr)
        return 1
    except (KeyError, IndexError, TypeError, ValueError) as e:
        print(f"render_glb: {args.input}: malformed glTF ({type(e).__name__}: {e})", file=sys.stderr)
        return 1
    t1 = time.perf_counter()
    if len(scene.tri) == 0:
        print(f"render_glb: warning: {args.input} has no triangles to draw", file=sys.stderr)
    w, h = args.size
    ss = args.ssaa
    if args.camera:
        eye, yaw, pitch = args.camera
        cam = Camera(eye, yaw, pitch, args.fov, w * ss, h * ss)
    else:
        cam = auto_camera(scene, args.fov, w * ss, h * ss)
    stats: dict = {}
    img = render(scene, cam, cull=not args.no_cull, fog_scale=args.fog, stats=stats,
                 debug=args.debug, ground=not args.no_ground)
    if ss > 1:  # box-filter the supersamples (in linear light)
        img = img.reshape(h, ss, w, ss, 3).mean(axis=(1, 3))
    out = (srgb(img) * 255 + 0.5).astype(np.uint8)
    try:
        Image.fromarray(out).save(args.output)
    except (OSError, ValueError) as e:
        print(f"render_glb: cannot write {args.output}: {e}", file=sys.stderr)
        return 1
    t2 = time.perf_counter()
    if not args.quiet:
        print(
            f"{args.output}: {w}x{h} (x{ss} supersampled), {stats.get('triangles', 0)} triangles "
            f"({stats.get('drawn', 0)} drawn after clipping/culling), camera {cam.describe()} "
            f"fov {cam.fov:g}; load {t1 - t0:.2f}s, setup {stats.get('setup_s', 0):.2f}s, "
            f"raster {stats.get('raster_s', 0):.2f}s, shade {stats.get('shade_s', 0):.2f}s, "
            f"total {t2 - t0:.2f}s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
