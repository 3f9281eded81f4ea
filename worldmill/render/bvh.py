"""A bounding volume hierarchy built in NumPy for the render kernel's own ordered traversal.

Warp's built-in ``bvh_query_ray`` visits nodes in a fixed order and reports every overlapping box; for the
closest hit of a camera ray an ordered, pruned traversal over a surface-area-heuristic tree visits far fewer
nodes. Primitives whose boxes are large compared with the scene (floors, walls, roads, the ground slab)
are kept out of the tree and tested first by every ray: they bound the search early and would otherwise
inflate every node above them.
"""

from __future__ import annotations

import dataclasses

import numpy as np

BINS = 12
LEAF_SIZE = 3
MAX_DEPTH = 30  # the kernel's traversal stack holds 32 entries


@dataclasses.dataclass(frozen=True)
class FlatBvh:
    node_lo: np.ndarray  # float32 [M, 3]
    node_hi: np.ndarray  # float32 [M, 3]
    node_first: np.ndarray  # int32 [M]: leaf → first slot in ``items``; inner → index of the left child (right = left + 1)
    node_count: np.ndarray  # int32 [M]: leaf → number of items (> 0); inner → 0
    items: np.ndarray  # int32 [K], primitive indices in leaf order
    large: np.ndarray  # int32 [L], primitives outside the tree, tested by every ray


def _area(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    d = np.maximum(hi - lo, 0.0)
    return d[..., 0] * d[..., 1] + d[..., 1] * d[..., 2] + d[..., 2] * d[..., 0]


def _sah_split(lo: np.ndarray, hi: np.ndarray, centroids: np.ndarray) -> tuple[int, float] | None:
    """(axis, centroid threshold) of the cheapest binned split, or None when centroids coincide."""
    cmin, cmax = centroids.min(axis=0), centroids.max(axis=0)
    extent = cmax - cmin
    best: tuple[float, int, float] | None = None
    for axis in np.argsort(-extent)[:2]:
        if extent[axis] <= 1e-6:
            continue
        bins = np.minimum(((centroids[:, axis] - cmin[axis]) / extent[axis] * BINS).astype(np.int64), BINS - 1)
        counts = np.bincount(bins, minlength=BINS)
        blo = np.full((BINS, 3), np.inf)
        bhi = np.full((BINS, 3), -np.inf)
        np.minimum.at(blo, bins, lo)
        np.maximum.at(bhi, bins, hi)
        left_lo = np.minimum.accumulate(blo, axis=0)[:-1]
        left_hi = np.maximum.accumulate(bhi, axis=0)[:-1]
        right_lo = np.minimum.accumulate(blo[::-1], axis=0)[::-1][1:]
        right_hi = np.maximum.accumulate(bhi[::-1], axis=0)[::-1][1:]
        left_n = np.cumsum(counts)[:-1]
        right_n = len(centroids) - left_n
        with np.errstate(invalid="ignore"):
            cost = np.where((left_n > 0) & (right_n > 0), _area(left_lo, left_hi) * left_n + _area(right_lo, right_hi) * right_n, np.inf)
        k = int(np.argmin(cost))
        if np.isfinite(cost[k]) and (best is None or cost[k] < best[0]):
            best = (float(cost[k]), int(axis), float(cmin[axis] + extent[axis] * (k + 1) / BINS))
    return None if best is None else (best[1], best[2])


def build_bvh(lowers: np.ndarray, uppers: np.ndarray, *, large_fraction: float = 0.45, max_large: int = 8) -> FlatBvh:
    """Tree over the primitives' boxes; the largest boxes (diagonal over ``large_fraction`` of the scene's) go to ``large``."""
    n = len(lowers)
    if n == 0:
        raise ValueError("build_bvh needs at least one primitive")
    lowers = np.asarray(lowers, dtype=np.float64)
    uppers = np.asarray(uppers, dtype=np.float64)
    diag = np.linalg.norm(uppers - lowers, axis=1)
    scene_diag = float(np.linalg.norm(uppers.max(axis=0) - lowers.min(axis=0))) if n else 0.0
    large = np.flatnonzero(diag > large_fraction * scene_diag)
    if len(large) > max_large:
        large = np.sort(np.argsort(-diag)[:max_large])
    if len(large) == n and n:  # keep at least one primitive in the tree
        large = large[:-1]
    rest = np.setdiff1d(np.arange(n), large)
    centroids = (lowers + uppers) / 2
    order = rest.astype(np.int32)
    node_lo, node_hi, first, count = [], [], [], []

    def new_node() -> int:
        node_lo.append(None)
        node_hi.append(None)
        first.append(0)
        count.append(0)
        return len(first) - 1

    root = new_node()
    stack = [(root, 0, len(order), 0)]
    while stack:
        node, s, e, depth = stack.pop()
        idx = order[s:e]
        lo, hi = lowers[idx], uppers[idx]
        node_lo[node], node_hi[node] = lo.min(axis=0), hi.max(axis=0)
        split = None if (e - s <= LEAF_SIZE or depth >= MAX_DEPTH) else _sah_split(lo, hi, centroids[idx])
        mid = s
        if split is not None:
            axis, threshold = split
            left_mask = centroids[idx, axis] < threshold
            mid = s + int(left_mask.sum())
            order[s:e] = np.concatenate([idx[left_mask], idx[~left_mask]])
        elif e - s > LEAF_SIZE and depth < MAX_DEPTH:  # coincident centroids: split the list in half
            mid = s + (e - s) // 2
        if mid in (s, e):
            first[node], count[node] = s, e - s
            continue
        left = new_node()
        new_node()
        first[node], count[node] = left, 0
        stack.append((left + 1, mid, e, depth + 1))
        stack.append((left, s, mid, depth + 1))
    return FlatBvh(
        node_lo=np.asarray(node_lo, dtype=np.float32).reshape(-1, 3),
        node_hi=np.asarray(node_hi, dtype=np.float32).reshape(-1, 3),
        node_first=np.asarray(first, dtype=np.int32),
        node_count=np.asarray(count, dtype=np.int32),
        items=order.astype(np.int32),
        large=large.astype(np.int32) if len(large) else np.zeros(0, dtype=np.int32),
    )
