"""Diversity of several clips generated from the same conditions (different prompts or seeds).

Cosmos-Transfer1 reports the mean pairwise LPIPS over K outputs; LPIPS needs learned network weights we do not
ship, so this is a weight-free proxy with the same shape (0 = identical, larger = more different):

    distance(a, b) = mean over aligned frames of  ½·DSSIM_ms(luma) + ½·min(1, ΔE76(Lab 16×16 thumbnails) / 50)

- DSSIM_ms = (1 − SSIM) / 2 averaged over three scales (full, ½, ¼): structure and texture differences, which
  LPIPS weights most;
- the colour term is the mean CIE76 distance of 16×16 CIELAB thumbnails, saturating at ΔE 50: palette and
  lighting changes, which SSIM on luma misses.

Both terms lie in [0, 1]; diversity is the mean distance over all pairs.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import cv2
import numpy as np

from worldmill.errors import VideoError
from worldmill.metrics.controllability import align_clips, ssim

SCALES = 3
COLOUR_SATURATION_DE = 50.0


def _dssim_ms(a: np.ndarray, b: np.ndarray) -> float:
    parts = []
    for _ in range(SCALES):
        parts.append((1.0 - ssim(a, b)) / 2.0)
        if min(a.shape) < 22:  # the 11×11 window needs room
            break
        a, b = cv2.pyrDown(a), cv2.pyrDown(b)
    return float(np.mean(parts))


def _lab_thumbnail(frame: np.ndarray) -> np.ndarray:
    small = cv2.resize(frame, (16, 16), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    return cv2.cvtColor(small, cv2.COLOR_RGB2LAB)


def perceptual_distance(a: np.ndarray, b: np.ndarray) -> float:
    """Weight-free LPIPS proxy between two uint8 [T, H, W, 3] clips (frames aligned by relative position)."""
    ref, out = align_clips(a, b)
    scores = []
    for x, y in zip(ref, out, strict=True):
        structure = _dssim_ms(cv2.cvtColor(x, cv2.COLOR_RGB2GRAY), cv2.cvtColor(y, cv2.COLOR_RGB2GRAY))
        colour = float(np.linalg.norm(_lab_thumbnail(x) - _lab_thumbnail(y), axis=-1).mean())
        scores.append(0.5 * structure + 0.5 * min(1.0, colour / COLOUR_SATURATION_DE))
    return float(np.mean(scores))


def diversity(clips: Sequence[np.ndarray]) -> float:
    """Mean pairwise ``perceptual_distance`` over K >= 2 clips made from the same conditions."""
    if len(clips) < 2:
        raise VideoError(f"Diversity needs at least two clips of the same conditions, got {len(clips)}.",
                         fix="generate several prompts or seeds over one condition set")
    return float(np.mean([perceptual_distance(a, b) for a, b in itertools.combinations(clips, 2)]))
