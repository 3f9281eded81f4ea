"""Binning that replaces BVH walks on the CPU: screen tiles for camera rays, a light-space grid for shadow rays.

Camera rays: per frame and per small square tile, the primitives whose projected box touches the tile,
sorted by their distance from the camera. A camera ray tests its tile's primitives nearest-first and stops
as soon as the next one starts beyond its closest hit; on this CPU that is several times cheaper than walking
a BVH from the root for every pixel.

Shadow rays: every shadow ray of a clip runs along the same light direction, so seen from the light it is a
single point. The shadow casters' boxes (swept over the clip) are projected onto the plane facing the light
and binned into a grid; a shadow ray looks up its one cell and tests the casters there, sunward-most first,
stopping at the first caster that lies wholly behind its start.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from worldmill.scenes.camera import CameraPath

MIN_TILE = 8  # pixels; wider frames use width / 32
NEAR = 0.05
_CORNERS = np.array([[sx, sy, sz] for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)], dtype=np.float64)


def tile_size(width: int) -> int:
    return max(MIN_TILE, width // 32)


@dataclasses.dataclass(frozen=True)
class TileLists:
    size: int  # tile edge in pixels
    tiles_x: int
    tiles_y: int
    offsets: np.ndarray  # int32 [T * tiles_y * tiles_x + 1], CSR row starts; rows ordered (frame, tile_y, tile_x)
    prims: np.ndarray  # int32 [E], primitive index of each entry
    near: np.ndarray  # float32 [E], distance from the camera to the primitive's box (a lower bound on any hit)
    origins: np.ndarray  # float32 [E, 3], the camera in the primitive's unit-shape frame at the entry's frame


def _frame_entries(
    centers: np.ndarray,
    extents: np.ndarray,
    eye: np.ndarray,
    rot: np.ndarray,
    path: CameraPath,
    size: int,
    tx_n: int,
    ty_n: int,
):
    """(tile, primitive, near) entries of one frame, sorted by tile and, within a tile, by near distance."""
    H, W = path.height, path.width
    lo, hi = centers - extents, centers + extents
    near = np.linalg.norm(np.maximum(np.maximum(lo - eye, eye - hi), 0.0), axis=1)
    by_near = np.argsort(near, kind="stable")
    centers, extents, near = centers[by_near], extents[by_near], near[by_near]
    cam = ((centers[:, None, :] + extents[:, None, :] * _CORNERS[None]) - eye) @ rot  # [N, 8, 3] camera coordinates
    z = cam[..., 2]
    in_front = z > NEAR
    zs = np.where(in_front, z, 1.0)
    u = path.fx * cam[..., 0] / zs + path.cx
    v = path.fy * cam[..., 1] / zs + path.cy
    any_front, all_front = in_front.any(axis=1), in_front.all(axis=1)
    straddles = any_front & ~all_front  # crosses the near plane: may cover any pixel
    u_min = np.where(straddles, -1.0, np.where(in_front, u, np.inf).min(axis=1))
    u_max = np.where(straddles, W + 1.0, np.where(in_front, u, -np.inf).max(axis=1))
    v_min = np.where(straddles, -1.0, np.where(in_front, v, np.inf).min(axis=1))
    v_max = np.where(straddles, H + 1.0, np.where(in_front, v, -np.inf).max(axis=1))
    keep = np.flatnonzero(any_front & (u_max >= 0) & (u_min < W) & (v_max >= 0) & (v_min < H))
    x0 = np.clip(u_min[keep] // size, 0, tx_n - 1).astype(np.int64)
    x1 = np.clip(u_max[keep] // size, 0, tx_n - 1).astype(np.int64)
    y0 = np.clip(v_min[keep] // size, 0, ty_n - 1).astype(np.int64)
    y1 = np.clip(v_max[keep] // size, 0, ty_n - 1).astype(np.int64)
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    counts = nx * ny
    owner = np.repeat(np.arange(len(keep)), counts)  # entries in near order
    k = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    tile = (y0[owner] + k // nx[owner]) * tx_n + x0[owner] + k % nx[owner]
    order = np.argsort(
        tile.astype(np.uint16 if tx_n * ty_n <= 65535 else np.int64), kind="stable"
    )  # keeps near order within a tile
    entries = keep[owner[order]]
    return tile[order], by_near[entries], near[entries]


def bin_primitives(
    centers: np.ndarray,
    velocities: np.ndarray,
    extents: np.ndarray,
    mats: np.ndarray,
    path: CameraPath,
    times: np.ndarray,
) -> TileLists:
    """Tile lists for every frame; ``extents`` are the half sizes of the primitives' world boxes and ``mats``
    their world-to-unit-shape matrices. Each entry carries the camera's position in its primitive's unit
    frame, which every ray of the tile shares, so a camera ray only transforms its direction."""
    T, H, W = len(times), path.height, path.width
    size = tile_size(W)
    tx_n, ty_n = -(-W // size), -(-H // size)
    rows = tx_n * ty_n
    offsets = np.zeros(T * rows + 1, dtype=np.int64)
    prims, nears, origins = [], [], []
    mats = np.asarray(mats, dtype=np.float64)
    for f, t in enumerate(times):
        c2w = path.camera_to_world[f]
        now = centers + velocities * t
        tile, prim, near = _frame_entries(now, extents, c2w[:3, 3], c2w[:3, :3], path, size, tx_n, ty_n)
        offsets[1 + f * rows : 1 + (f + 1) * rows] = np.bincount(tile, minlength=rows)
        local = np.einsum("nij,nj->ni", mats, c2w[:3, 3] - now)  # per primitive, then gathered per entry
        prims.append(prim)
        nears.append(near)
        origins.append(local[prim])
    np.cumsum(offsets, out=offsets)
    prim_all = np.concatenate(prims) if prims else np.zeros(0, np.int64)
    near_all = np.concatenate(nears) if nears else np.zeros(0)
    origin_all = np.concatenate(origins) if origins else np.zeros((0, 3))
    if len(prim_all) == 0:  # nothing in view: keep the arrays non-empty for the kernel
        prim_all, near_all, origin_all = np.zeros(1, np.int64), np.full(1, np.inf), np.zeros((1, 3))
    return TileLists(
        size,
        tx_n,
        ty_n,
        offsets.astype(np.int32),
        prim_all.astype(np.int32),
        near_all.astype(np.float32),
        origin_all.astype(np.float32),
    )


SHADOW_GRID_CELLS = 256  # cells along the longer side of the casters' footprint, seen from the light
SHADOW_WIDE_SHARE = 1 / 16  # casters covering more of the grid than this go in one list every shadow ray tests


@dataclasses.dataclass(frozen=True)
class ShadowGrid:
    """Shadow casters binned in light space. Row ``cells_x * cells_y`` (the last) holds the wide casters."""

    axis_u: np.ndarray  # float64 [3], unit vectors spanning the plane facing the light
    axis_v: np.ndarray
    origin_u: float  # light-space coordinates of the grid's corner
    origin_v: float
    cell: float  # cell edge, metres
    cells_x: int
    cells_y: int
    offsets: np.ndarray  # int32 [cells_x * cells_y + 2], CSR row starts
    prims: np.ndarray  # int32 [E]
    s_max: np.ndarray  # float32 [E], farthest extent towards the light (descending within a row)
    s_min: np.ndarray  # float32 [E], nearest extent towards the light
    z_max: np.ndarray  # float32 [E], top of the caster's box


def light_axes(light_dir: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(u, v, l): an orthonormal frame whose l is the unit light direction."""
    ell = np.asarray(light_dir, dtype=np.float64)
    ell = ell / np.linalg.norm(ell)
    helper = np.array([1.0, 0.0, 0.0]) if abs(ell[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = np.cross(ell, helper)
    u /= np.linalg.norm(u)
    return u, np.cross(ell, u), ell


def bin_shadow_casters(
    lowers: np.ndarray, uppers: np.ndarray, casts_shadow: np.ndarray, light_dir: np.ndarray
) -> ShadowGrid:
    """Light-space grid of the casters' world boxes (``lowers``/``uppers``, already swept over the clip)."""
    u_axis, v_axis, ell = light_axes(light_dir)
    idx = np.flatnonzero(np.asarray(casts_shadow) != 0)
    centre = (np.asarray(lowers, np.float64)[idx] + np.asarray(uppers, np.float64)[idx]) / 2.0
    half = (np.asarray(uppers, np.float64)[idx] - np.asarray(lowers, np.float64)[idx]) / 2.0
    cu, ru = centre @ u_axis, half @ np.abs(u_axis)
    cv, rv = centre @ v_axis, half @ np.abs(v_axis)
    cs, rs = centre @ ell, half @ np.abs(ell)
    if len(idx):
        u0, u1 = float((cu - ru).min()), float((cu + ru).max())
        v0, v1 = float((cv - rv).min()), float((cv + rv).max())
    else:
        u0 = u1 = v0 = v1 = 0.0
    cell = max(u1 - u0, v1 - v0, 1e-3) / SHADOW_GRID_CELLS
    nx = max(1, min(SHADOW_GRID_CELLS, int(np.ceil((u1 - u0) / cell))))
    ny = max(1, min(SHADOW_GRID_CELLS, int(np.ceil((v1 - v0) / cell))))
    x0 = np.clip(((cu - ru - u0) // cell).astype(np.int64), 0, nx - 1)
    x1 = np.clip(((cu + ru - u0) // cell).astype(np.int64), 0, nx - 1)
    y0 = np.clip(((cv - rv - v0) // cell).astype(np.int64), 0, ny - 1)
    y1 = np.clip(((cv + rv - v0) // cell).astype(np.int64), 0, ny - 1)
    w, h = x1 - x0 + 1, y1 - y0 + 1
    wide = w * h > SHADOW_WIDE_SHARE * nx * ny  # ground slabs, floors, long walls: bounds the entries
    counts = np.where(wide, 1, w * h)
    wide_row = nx * ny
    owner = np.repeat(np.arange(len(idx)), counts)
    k = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
    row = np.where(
        wide[owner], wide_row, (y0[owner] + k // w[owner]) * nx + x0[owner] + k % w[owner]
    )
    s_max, s_min = (cs + rs)[owner], (cs - rs)[owner]
    order = np.lexsort((-s_max, row))  # by row, then sunward-most first
    offsets = np.zeros(wide_row + 2, dtype=np.int64)
    offsets[1:] = np.cumsum(np.bincount(row, minlength=wide_row + 1))
    prims, s_max, s_min = idx[owner[order]], s_max[order], s_min[order]
    z_max = np.asarray(uppers, np.float64)[prims, 2] if len(prims) else np.zeros(0)
    if len(prims) == 0:  # keep the arrays non-empty for the kernel
        prims, s_max, s_min, z_max = np.zeros(1, np.int64), np.full(1, -np.inf), np.full(1, -np.inf), np.zeros(1)
    return ShadowGrid(
        u_axis,
        v_axis,
        u0,
        v0,
        cell,
        nx,
        ny,
        offsets.astype(np.int32),
        prims.astype(np.int32),
        s_max.astype(np.float32),
        s_min.astype(np.float32),
        z_max.astype(np.float32),
    )
