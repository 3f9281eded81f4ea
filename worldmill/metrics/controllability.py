"""Controllability metrics as Cosmos-Transfer1 defines them: how closely footage follows its controls.

- Blur SSIM: the same Gaussian blur on the input render and the footage, SSIM of the luma, mean over frames.
- Edge F1: the same Canny on both, F1 of the edge pixels (exact pixel match: "very strict").
- Depth si-RMSE: scale-invariant RMSE (Eigen et al. 2014) of log depth, footage depth vs the rendered depth.
- Seg mIoU: per-class IoU of class-id maps, mean over the classes present in either map.

Footage depth and segmentation need an estimator; for the procedural backend the footage *is* the render,
so its rendered passes are exact and the metrics must come out perfect (si-RMSE 0, mIoU 1).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import cv2
import numpy as np

from worldmill.errors import VideoError

BLUR_SIGMA = 2.0
CANNY_LOW, CANNY_HIGH = 100, 200
_MAX_FRAMES = 16

DepthEstimator = Callable[[np.ndarray], np.ndarray]  # uint8 [T,H,W,3] -> float32 [T,H,W] (any scale)
SegEstimator = Callable[[np.ndarray], np.ndarray]  # uint8 [T,H,W,3] -> uint8 class ids [T,H,W]


@dataclasses.dataclass(frozen=True)
class ControlEstimators:
    """Models that estimate depth / segmentation of footage without ground truth (loaded from local paths
    only; None leaves the metric null with a reason)."""

    depth: DepthEstimator | None = None
    seg: SegEstimator | None = None


@dataclasses.dataclass(frozen=True)
class ControlScores:
    blur_ssim: float | None
    edge_f1: float | None
    depth_si_rmse: float | None
    seg_miou: float | None
    reason: str | None  # why any of the above is None


def _gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) if frame.ndim == 3 else frame


def align_clips(reference: np.ndarray, output: np.ndarray, budget: int = _MAX_FRAMES) -> tuple[np.ndarray, np.ndarray]:
    """Up to ``budget`` frame pairs at the same relative positions, the output resized to the reference's
    size (generators may change length or resolution)."""
    if len(reference) == 0 or len(output) == 0:
        raise VideoError(
            f"Cannot compare clips of {len(reference)} and {len(output)} frames.", fix="regenerate the empty clip"
        )
    n = min(budget, len(reference), len(output))
    ref = reference[np.linspace(0, len(reference) - 1, n).round().astype(int)]
    out = output[np.linspace(0, len(output) - 1, n).round().astype(int)]
    h, w = ref.shape[1:3]
    if out.shape[1:3] != (h, w):
        interp = cv2.INTER_AREA if out.ndim == 4 else cv2.INTER_NEAREST  # RGB: average; depth/ids: never blend
        out = np.stack([cv2.resize(f, (w, h), interpolation=interp) for f in out])
    return ref, out


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM (Wang et al. 2004: 11×11 Gaussian window, σ 1.5) of two uint8 grey images."""
    x, y = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2

    def blur(img: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(img, (11, 11), 1.5)

    mx, my = blur(x), blur(y)
    vx, vy, cxy = blur(x * x) - mx * mx, blur(y * y) - my * my, blur(x * y) - mx * my
    m = ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2))
    return float(m.mean())


def blur_ssim(reference: np.ndarray, output: np.ndarray) -> float:
    """Mean SSIM over aligned frames after the same Gaussian blur (σ 2) on both clips."""
    ref, out = align_clips(reference, output)
    scores = [
        ssim(cv2.GaussianBlur(_gray(r), (0, 0), BLUR_SIGMA), cv2.GaussianBlur(_gray(o), (0, 0), BLUR_SIGMA))
        for r, o in zip(ref, out, strict=True)
    ]
    return float(np.mean(scores))


def edge_f1(reference: np.ndarray, output: np.ndarray) -> float:
    """Mean over aligned frames of the F1 of Canny edge pixels (same thresholds on both; exact pixels).
    A frame where neither clip has edges scores 1."""
    ref, out = align_clips(reference, output)
    scores = []
    for r, o in zip(ref, out, strict=True):
        er = cv2.Canny(_gray(r), CANNY_LOW, CANNY_HIGH) > 0
        eo = cv2.Canny(_gray(o), CANNY_LOW, CANNY_HIGH) > 0
        hits, n_ref, n_out = int((er & eo).sum()), int(er.sum()), int(eo.sum())
        scores.append(1.0 if n_ref + n_out == 0 else 2.0 * hits / (n_ref + n_out))
    return float(np.mean(scores))


def depth_si_rmse(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Scale-invariant RMSE of log depth over pixels valid (finite, > 0) in both, mean over aligned frames.
    Invariant to a global scale of ``estimate`` (monocular depth has none)."""
    ref, est = align_clips(reference, estimate)
    scores = []
    for r, e in zip(ref.astype(np.float64), est.astype(np.float64), strict=True):
        valid = np.isfinite(r) & np.isfinite(e) & (r > 0) & (e > 0)
        if not valid.any():
            continue
        d = np.log(e[valid]) - np.log(r[valid])
        scores.append(float(np.sqrt(max(np.mean(d * d) - np.mean(d) ** 2, 0.0))))
    if not scores:
        raise VideoError("No pixel has a valid depth in both the reference and the estimate.", fix="check depth.mkv")
    return float(np.mean(scores))


def seg_miou(reference: np.ndarray, estimate: np.ndarray) -> float:
    """Mean IoU over the classes present in either class-id clip (aligned frames pooled)."""
    ref, est = align_clips(reference, estimate)
    classes, codes = np.unique(np.concatenate([ref.ravel(), est.ravel()]), return_inverse=True)
    codes = codes.reshape(-1)
    n = len(classes)
    # one joint histogram instead of two masks per class: same counts, one pass
    joint = np.bincount(codes[: ref.size] * n + codes[ref.size :], minlength=n * n).reshape(n, n)
    intersection = np.diag(joint)
    union = joint.sum(axis=1) + joint.sum(axis=0) - intersection
    return float(np.mean(intersection / union))
