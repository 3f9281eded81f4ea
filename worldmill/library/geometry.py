"""Closed triangle meshes from a few parametric solids, with per-vertex colours baked in.

Every solid is closed on its own (a lathe with poles or flat caps, a box), so a model that is a union of
overlapping solids ray casts without holes. Local frame of every model: x across, y forward, z up, the
base at z = 0; metres.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import numpy as np

ColourFn = Callable[[np.ndarray], np.ndarray]  # points [N, 3] -> linear albedo [N, 3]


@dataclasses.dataclass(frozen=True)
class MeshData:
    """One posed model: vertices (m), triangles, per-vertex albedo and unit normals."""

    vertices: np.ndarray  # float32 [V, 3]
    faces: np.ndarray  # int32 [F, 3], counter-clockwise seen from outside
    colors: np.ndarray  # float32 [V, 3]
    normals: np.ndarray  # float32 [V, 3]

    @property
    def triangles(self) -> int:
        return len(self.faces)


def _solid(color: ColourFn | tuple[float, float, float]) -> ColourFn:
    if callable(color):
        return color
    rgb = np.asarray(color, dtype=np.float64)
    return lambda pts: np.broadcast_to(rgb, pts.shape).copy()


def _span(a, b) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """(a, b, |b - a|, unit direction from a to b) as float64 (a zero direction when a and b coincide)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    length = float(np.linalg.norm(b - a))
    return a, b, length, (b - a) / max(length, 1e-12)


def _frame(w: np.ndarray, up: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors perpendicular to unit ``w`` (the first as close to ``up`` as it can be)."""
    ref = np.array([0.0, 0.0, 1.0]) if up is None else np.asarray(up, dtype=np.float64)
    if abs(float(ref @ w)) > 0.95:
        ref = np.array([1.0, 0.0, 0.0]) if abs(w[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = ref - w * float(ref @ w)
    u /= np.linalg.norm(u)
    return u, np.cross(w, u)


class MeshBuilder:
    """Accumulates closed solids into one mesh; each solid's colour is a function of its vertices."""

    def __init__(self, detail: float = 1.0):
        self.detail = detail
        self._verts: list[np.ndarray] = []
        self._faces: list[np.ndarray] = []
        self._colors: list[np.ndarray] = []
        self._count = 0

    def segments(self, n: int) -> int:
        return max(4, round(n * self.detail))

    def add(self, verts: np.ndarray, faces: np.ndarray, color) -> None:
        self._verts.append(verts)
        self._faces.append(faces + self._count)
        self._colors.append(np.clip(_solid(color)(verts), 0.0, 1.0))
        self._count += len(verts)

    def lathe(
        self,
        a,
        b,
        radii,
        color,
        *,
        seg: int = 12,
        squash: tuple[float, float] = (1.0, 1.0),
        up=None,
        stations=None,
    ) -> None:
        """A solid of revolution from ``a`` to ``b``: ``radii`` at evenly spaced (or given) stations along the
        axis; a zero radius at an end closes it in a pole, a non-zero one in a flat cap. ``squash`` scales the
        cross-section along (towards ``up``, sideways)."""
        a, b, length, w = _span(a, b)
        if length < 1e-6:
            return
        axis = b - a
        u, v = _frame(w, up)
        radii = np.asarray(radii, dtype=np.float64)
        s = np.linspace(0.0, 1.0, len(radii)) if stations is None else np.asarray(stations, dtype=np.float64)
        n = self.segments(seg)
        ang = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
        ring = np.outer(np.cos(ang), u * squash[0]) + np.outer(np.sin(ang), v * squash[1])  # [n, 3]
        verts, rows = [], []
        for si, ri in zip(s, radii, strict=True):
            centre = a + axis * si
            if ri <= 1e-9:
                rows.append([len(verts)])
                verts.append(centre)
            else:
                rows.append(list(range(len(verts), len(verts) + n)))
                verts.extend(centre + ring * ri)
        # flat caps where an end ring is open
        if len(rows[0]) > 1:
            rows.insert(0, [len(verts)])
            verts.append(a)
        if len(rows[-1]) > 1:
            rows.append([len(verts)])
            verts.append(b)
        faces = []
        for r0, r1 in itertools.pairwise(rows):
            if len(r0) == 1 and len(r1) == 1:
                continue
            if len(r0) == 1:
                faces.extend([r0[0], r1[(k + 1) % n], r1[k]] for k in range(n))
            elif len(r1) == 1:
                faces.extend([r0[k], r0[(k + 1) % n], r1[0]] for k in range(n))
            else:
                for k in range(n):
                    k1 = (k + 1) % n
                    faces.append([r0[k], r0[k1], r1[k1]])
                    faces.append([r0[k], r1[k1], r1[k]])
        f = np.asarray(faces, dtype=np.int64)
        self.add(np.asarray(verts), f, color)

    def ellipsoid(self, centre, radii, color, *, seg: int = 16, axis=(0.0, 1.0, 0.0), up=None, rings: int = 0) -> None:
        """An ellipsoid with semi-axes (along ``axis``, towards ``up``, sideways); ``rings`` along the axis
        (default: half the segments) — raise it where markings run across the axis (stripes)."""
        centre = np.asarray(centre, dtype=np.float64)
        w = np.asarray(axis, dtype=np.float64)
        w = w / np.linalg.norm(w)
        rings = max(5, (self.segments(rings) if rings else self.segments(seg) // 2) + 1)
        t = np.linspace(0.0, np.pi, rings)
        profile = np.sin(t)
        profile[0] = profile[-1] = 0.0
        stations = (1.0 - np.cos(t)) / 2.0
        a = centre - w * radii[0]
        b = centre + w * radii[0]
        self.lathe(
            a,
            b,
            profile,
            color,
            seg=seg,
            squash=(radii[1], radii[2]),
            up=up,
            stations=stations,
        )

    def capsule(self, a, b, r0, r1, color, *, seg: int = 10, up=None, rings: int = 0) -> None:
        """A tapered limb from ``a`` (radius r0) to ``b`` (r1) with rounded ends (``rings`` more along it)."""
        a, b, length, w = _span(a, b)
        if length < 1e-6:
            return
        ext_a, ext_b = a - w * r0, b + w * r1
        total = length + r0 + r1
        k = 3
        cap0 = [r0 * np.sin(np.pi / 2 * i / k) for i in range(k + 1)]
        st0 = [(r0 - r0 * np.cos(np.pi / 2 * i / k)) / total for i in range(k + 1)]
        cap1 = [r1 * np.cos(np.pi / 2 * i / k) for i in range(k + 1)]
        st1 = [(r0 + length + r1 * np.sin(np.pi / 2 * i / k)) / total for i in range(k + 1)]
        m = self.segments(rings) if rings else 0
        mid_r = [r0 + (r1 - r0) * (j + 1) / (m + 1) for j in range(m)]
        mid_s = [(r0 + length * (j + 1) / (m + 1)) / total for j in range(m)]
        self.lathe(ext_a, ext_b, cap0 + mid_r + cap1, color, seg=seg, up=up, stations=st0 + mid_s + st1)

    def box(self, centre, size, color, *, yaw_deg: float = 0.0, pitch_deg: float = 0.0) -> None:
        """An axis-aligned box (turned by yaw about z, then pitched about x)."""
        c = np.asarray(centre, dtype=np.float64)
        h = np.asarray(size, dtype=np.float64) / 2.0
        corners = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float64) * h
        cy, sy = np.cos(np.radians(yaw_deg)), np.sin(np.radians(yaw_deg))
        cp, sp = np.cos(np.radians(pitch_deg)), np.sin(np.radians(pitch_deg))
        rot = np.array([[cy, -sy, 0], [sy, cy, 0], [0, 0, 1]]) @ np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
        verts = corners @ rot.T + c
        # corner index = 4 * ix + 2 * iy + iz; each face gets its own four vertices (flat normals, sharp edges)
        quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
        face_verts = np.concatenate([verts[list(q)] for q in quads])
        faces = []
        for k in range(6):
            faces.append([4 * k, 4 * k + 1, 4 * k + 2])
            faces.append([4 * k, 4 * k + 2, 4 * k + 3])
        self.add(face_verts, np.asarray(faces, dtype=np.int64), color)

    def panel(self, centre, size, color, *, nx: int, nz: int) -> None:
        """An axis-aligned box whose faces are grids of ``nx`` cells across (x) and ``nz`` up (z): per-vertex
        colour detail (a picture on its +y face) on a closed solid, the grids meeting edge to edge."""
        c = np.asarray(centre, dtype=np.float64)
        h = np.asarray(size, dtype=np.float64) / 2.0
        nx, nz = max(1, self.segments(nx)), max(1, self.segments(nz))
        # (origin corner, u axis, v axis, u cells, v cells) per face
        ex, ey, ez = np.diag(2 * h)
        lo = c - h
        faces_spec = (
            (lo + ey, ex, ez, nx, nz),  # front (+y)
            (lo + ex, -ex, ez, nx, nz),  # back (-y)
            (lo, ey, ez, 1, nz),  # left (-x)
            (lo + ex + ey, -ey, ez, 1, nz),  # right (+x)
            (lo + ez, ex, ey, nx, 1),  # top (+z)
            (lo + ey, ex, -ey, nx, 1),  # bottom (-z)
        )
        for origin, u, v, nu, nv in faces_spec:
            su, sv = np.meshgrid(np.linspace(0, 1, nu + 1), np.linspace(0, 1, nv + 1), indexing="ij")
            verts = origin + su.reshape(-1, 1) * u + sv.reshape(-1, 1) * v
            idx = np.arange((nu + 1) * (nv + 1)).reshape(nu + 1, nv + 1)
            a, b, cc, d = idx[:-1, :-1], idx[1:, :-1], idx[1:, 1:], idx[:-1, 1:]
            tris = np.concatenate([np.stack([a, b, cc], -1).reshape(-1, 3), np.stack([a, cc, d], -1).reshape(-1, 3)])
            if np.cross(u, v) @ (origin + (u + v) / 2 - c) < 0:  # wind counter-clockwise seen from outside
                tris = tris[:, ::-1]
            self.add(verts, tris, color)

    def lumpy(self, centre, radii, color, *, amount: float = 0.25, seed: int = 0, seg: int = 14) -> None:
        """A crown or bush: an ellipsoid whose surface is pushed in and out by smooth noise."""
        self.ellipsoid(centre, radii, color, seg=seg, axis=(0.0, 0.0, 1.0))
        v = self._verts[-1]
        c = np.asarray(centre, dtype=np.float64)
        k = 1.0 + amount * (_hash_noise(v, 2.2 / max(min(radii), 0.1), seed) - 0.5) * 2.0
        self._verts[-1] = c + (v - c) * k[:, None]

    def posed(self, other: MeshBuilder, pivot_rest, rot: np.ndarray, pivot_posed) -> None:
        """Merge ``other`` (built, and coloured, in its rest pose) turned by ``rot`` about ``pivot_rest``
        and moved so that the pivot lands on ``pivot_posed``: markings stay on the skin as limbs swing."""
        rot = np.asarray(rot, dtype=np.float64)
        self.merge(
            other, rot, np.asarray(pivot_posed, dtype=np.float64) - rot @ np.asarray(pivot_rest, dtype=np.float64)
        )

    def merge(self, other: MeshBuilder, rot: np.ndarray | None = None, offset=(0.0, 0.0, 0.0)) -> None:
        rot = np.eye(3) if rot is None else np.asarray(rot)
        off = np.asarray(offset, dtype=np.float64)
        starts = np.cumsum([0] + [len(v) for v in other._verts])
        for v, f, c, start in zip(other._verts, other._faces, other._colors, starts, strict=False):
            self._verts.append(v @ rot.T + off)
            self._faces.append(f - start + self._count)
            self._colors.append(c)
            self._count += len(v)

    def build(self, ground: bool = False) -> MeshData:
        """The mesh; ``ground=True`` moves it so that its lowest point stands on z = 0."""
        verts = np.concatenate(self._verts)
        if ground:
            verts = verts - np.array([0.0, 0.0, verts[:, 2].min()])
        faces = np.concatenate(self._faces)
        colors = np.concatenate(self._colors)
        return MeshData(
            verts.astype(np.float32),
            faces.astype(np.int32),
            colors.astype(np.float32),
            vertex_normals(verts, faces).astype(np.float32),
        )


def vertex_normals(verts: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted vertex normals (each solid is its own vertex set, so creases between solids stay sharp)."""
    tri = verts[faces]
    fn = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    vn = np.zeros_like(verts)
    for k in range(3):
        np.add.at(vn, faces[:, k], fn)
    norm = np.linalg.norm(vn, axis=1, keepdims=True)
    return vn / np.maximum(norm, 1e-12)


def rot_x(deg: float) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def model_rng(kind: str, variant: int) -> np.random.Generator:
    """A model's own random stream: its kind and variant alone decide its shape and colours."""
    return np.random.default_rng([variant, sum(map(ord, kind))])


def pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


# -- baked materials: functions of position, evaluated once per vertex ------------------------------------


def _hash_noise(pts: np.ndarray, scale: float, seed: int) -> np.ndarray:
    """Smooth-ish value noise in [0, 1) from a sum of seeded sines (cheap, deterministic, no lattice)."""
    rng = np.random.default_rng(seed)
    dirs = rng.normal(size=(6, 3))
    phase = rng.uniform(0, 2 * np.pi, 6)
    p = pts * scale
    val = sum(np.sin(p @ dirs[i] * (1.0 + 0.6 * i) + phase[i]) / (1.0 + 0.6 * i) for i in range(6))
    return 0.5 + 0.5 * np.tanh(val)


def mottled(rgb, amount: float = 0.15, scale: float = 4.0, seed: int = 0) -> ColourFn:
    """Fabric, bark, foliage, hide: the base colour varied by smooth noise."""
    base = np.asarray(rgb, dtype=np.float64)
    return lambda pts: base * (1.0 - amount + 2.0 * amount * _hash_noise(pts, scale, seed))[:, None]


def stripes(light, dark, period: float, axis=(0.0, 1.0, 0.3), warp: float = 0.15, seed: int = 0) -> ColourFn:
    """Bands across ``axis`` (zebra, tiger), wavy by noise."""
    lt, dk = np.asarray(light, dtype=np.float64), np.asarray(dark, dtype=np.float64)
    ax = np.asarray(axis, dtype=np.float64)

    def fn(pts: np.ndarray) -> np.ndarray:
        phase = (pts @ ax) / period + warp * 4.0 * (_hash_noise(pts, 3.0, seed) - 0.5)
        band = np.clip((np.sin(2 * np.pi * phase) + 0.1) * 3.0, 0.0, 1.0)[:, None]
        return lt * (1 - band) + dk * band

    return fn


def patches(base, lines, cell: float, seed: int = 0, line_width: float = 0.18) -> ColourFn:
    """Polygonal patches separated by pale lines (giraffe), from the nearest two of a seeded point set."""
    bs, ln = np.asarray(base, dtype=np.float64), np.asarray(lines, dtype=np.float64)

    def fn(pts: np.ndarray) -> np.ndarray:
        rng = np.random.default_rng(seed)
        lo, hi = pts.min(axis=0) - cell, pts.max(axis=0) + cell
        count = int(min(400, max(8, np.prod((hi - lo) / cell))))
        seeds = rng.uniform(lo, hi, size=(count, 3))
        d = np.linalg.norm(pts[:, None, :] - seeds[None, :, :], axis=2)
        two = np.partition(d, 1, axis=1)[:, :2]
        edge = (two[:, 1] - two[:, 0]) < line_width * cell
        shade = 0.85 + 0.3 * _hash_noise(pts, 1.0 / cell, seed + 1)[:, None]
        return np.where(edge[:, None], ln, bs * shade)

    return fn


def gradient_z(bottom, top, z0: float, z1: float) -> ColourFn:
    """Bottom colour below z0 blending to top colour above z1 (bellies, counter-shading)."""
    b, t = np.asarray(bottom, dtype=np.float64), np.asarray(top, dtype=np.float64)

    def fn(pts: np.ndarray) -> np.ndarray:
        k = np.clip((pts[:, 2] - z0) / max(z1 - z0, 1e-6), 0.0, 1.0)[:, None]
        return b * (1 - k) + t * k

    return fn
