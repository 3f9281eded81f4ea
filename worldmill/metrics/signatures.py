"""Per-clip dedup signatures computed at scoring time: per-frame perceptual hashes over aligned frames and a
visual embedding that needs no learned weights.

Frames are aligned by relative position (the same fractions of each clip's length), so two clips of different
lengths that show the same footage compare frame for frame.
"""

from __future__ import annotations

import cv2
import numpy as np

PHASH_FRAMES = 8
EMBEDDING_FRAMES = 4
EMBEDDING_GRID = 4
EMBEDDING_DIM = EMBEDDING_FRAMES * EMBEDDING_GRID * EMBEDDING_GRID * 3


def aligned_indices(count: int, n: int) -> np.ndarray:
    """``n`` frame indices at evenly spaced relative positions (repeats when the clip is shorter than ``n``)."""
    return np.linspace(0, count - 1, n).round().astype(int)


def phash_frame(gray: np.ndarray) -> np.uint64:
    """64-bit DCT perceptual hash of one grey frame: bits of the 8×8 low-frequency block above its median."""
    small = cv2.resize(gray, (32, 32), interpolation=cv2.INTER_AREA).astype(np.float32)
    block = cv2.dct(small)[:8, :8].flatten()
    bits = block > np.median(block[1:])
    return np.uint64(int("".join("1" if b else "0" for b in bits), 2))


def phash_clip(gray: np.ndarray, n: int = PHASH_FRAMES) -> np.ndarray:
    """uint64 [n] pHashes of ``n`` aligned frames of a uint8 [T, H, W] clip."""
    return np.array([phash_frame(gray[t]) for t in aligned_indices(len(gray), n)], dtype=np.uint64)


def hashes_to_int64(hashes: np.ndarray) -> list[int]:
    """uint64 hashes as signed int64 values (Arrow/Delta have no unsigned 64-bit column); bits are unchanged."""
    return [int(v) for v in np.asarray(hashes, dtype=np.uint64).view(np.int64)]


def hashes_from_int64(values: list[int] | np.ndarray) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).view(np.uint64)


def visual_embedding(frames: np.ndarray) -> np.ndarray:
    """float32 [192] L2-normalised colour layout: a 4×4 CIELAB grid of 4 aligned frames, centred so that
    cosine similarity separates different scenes (uncentred colour features are all nearly parallel)."""
    parts = []
    for t in aligned_indices(len(frames), EMBEDDING_FRAMES):
        small = cv2.resize(frames[t], (EMBEDDING_GRID, EMBEDDING_GRID), interpolation=cv2.INTER_AREA)
        lab = cv2.cvtColor(small.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB)
        parts.append(np.stack([(lab[..., 0] - 50.0) / 50.0, lab[..., 1] / 64.0, lab[..., 2] / 64.0], axis=-1).ravel())
    vector = np.concatenate(parts).astype(np.float32)
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector
