"""Screen-tile binning for camera rays: per frame and per small square tile, the primitives whose projected
box touches the tile, sorted by their distance from the camera.

A camera ray then tests its tile's primitives nearest-first and stops as soon as the next one starts
beyond its closest hit; on this CPU that is several times cheaper than walking a BVH from the root for
every pixel (shadow rays, which start anywhere, still use a BVH).
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
    centers: np.ndarray, velocities: np.ndarray, extents: np.ndarray, path: CameraPath, times: np.ndarray
) -> TileLists:
    """Tile lists for every frame; ``extents`` are the half sizes of the primitives' world boxes."""
    T, H, W = len(times), path.height, path.width
    size = tile_size(W)
    tx_n, ty_n = -(-W // size), -(-H // size)
    rows = tx_n * ty_n
    offsets = np.zeros(T * rows + 1, dtype=np.int64)
    prims, nears = [], []
    for f, t in enumerate(times):
        c2w = path.camera_to_world[f]
        tile, prim, near = _frame_entries(
            centers + velocities * t, extents, c2w[:3, 3], c2w[:3, :3], path, size, tx_n, ty_n
        )
        offsets[1 + f * rows : 1 + (f + 1) * rows] = np.bincount(tile, minlength=rows)
        prims.append(prim)
        nears.append(near)
    np.cumsum(offsets, out=offsets)
    prim_all = np.concatenate(prims) if prims else np.zeros(0, np.int64)
    near_all = np.concatenate(nears) if nears else np.zeros(0)
    if len(prim_all) == 0:  # nothing in view: keep the arrays non-empty for the kernel
        prim_all, near_all = np.zeros(1, np.int64), np.full(1, np.inf)
    return TileLists(size, tx_n, ty_n, offsets.astype(np.int32), prim_all.astype(np.int32), near_all.astype(np.float32))
