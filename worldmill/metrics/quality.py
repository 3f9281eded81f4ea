"""Quality metrics without learned weights, on decoded clips (uint8 [T, H, W, 3] RGB).

Each metric is a plain function so tests can check it on synthetic clips with known answers; ``measure_quality``
runs them all and ``judge_quality`` turns the measurements into pass/fail with one reason per failed threshold.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable

import cv2
import numpy as np

from worldmill.errors import ConfigError, VideoError
from worldmill.metrics.controllability import CANNY_HIGH, CANNY_LOW

# Frame budgets: metrics look at evenly spaced frames so a long clip costs about as much as a short one.
_MAX_ANALYSIS_SIDE = 256  # flow and text detection run at this longest side
# Flow on 8 evenly spaced frame pairs: on 32 real 256² × 48-frame renders it is as close to the flow of every
# pair (mean within 9 %, peak within 33 %: a pose change spikes single pairs) as 16 pairs are (9 %, 32 %), at half
# the cost; flow at a lower resolution is not (it overstates motion by up to 40 %). tests/test_cheap_scores.py.
_MAX_FLOW_PAIRS = 8
_MAX_SAMPLED_FRAMES = 16
# A text-like box whose edges the scene's own edge control draws (this share of them, within a pixel) is part
# of the scene (a railing, a fence, tiled stone seen from afar), not text laid over the footage.
EXPLAINED_EDGE_SHARE = 0.6
_CHUNK_PIXELS = 1 << 18  # pixels per chunk of the per-pixel float work (a few MB of temporaries)


@dataclasses.dataclass(frozen=True)
class QualityThresholds:
    """Pass/fail thresholds for ``judge_quality`` (configurable per run; defaults suit 256²–720p renders).

    Motion is the mean optical-flow magnitude in pixels per frame at the clip's own resolution.
    """

    min_frames: int = 8
    min_duration_s: float = 0.3
    min_sharpness: float = 20.0  # Laplacian variance of the luma
    min_exposure: float = 0.08  # mean luma, 0..1
    max_exposure: float = 0.92
    min_contrast: float = 0.04  # luma standard deviation, 0..1
    min_colourfulness: float = 0.0  # Hasler-Süsstrunk M (0 = grey); 0 disables
    min_motion: float = 0.05  # below: a static clip
    max_motion: float = 40.0  # above: too fast / shaky
    max_flicker: float = 6.0  # mean |2nd difference| of per-frame mean luma, in 8-bit levels
    max_black_ratio: float = 0.2
    max_frozen_ratio: float = 0.5
    max_overlay_text: float = 0.02  # fraction of the frame covered by static text-like regions
    min_quality_score: float = 0.0  # composite 0..1; 0 disables

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value) or value < 0:
                raise ConfigError(
                    f"Quality threshold {f.name}={value!r} is not a finite non-negative number.",
                    fix=f"set {f.name} to a number >= 0",
                )
        for low, high in (("min_exposure", "max_exposure"), ("min_motion", "max_motion")):
            if getattr(self, low) > getattr(self, high):
                raise ConfigError(
                    f"Quality thresholds {low}={getattr(self, low)} > {high}={getattr(self, high)}.",
                    fix=f"make {low} <= {high}",
                )


@dataclasses.dataclass(frozen=True)
class QualityMeasures:
    """What ``measure_quality`` found; all values are finite."""

    frames: int
    fps: float
    width: int
    height: int
    duration_s: float
    sharpness: float
    exposure_mean: float
    contrast: float
    colourfulness: float
    motion_mean: float
    motion_max: float
    flicker: float
    black_ratio: float
    frozen_ratio: float
    overlay_text: float
    quality_score: float


def luma(frames: np.ndarray) -> np.ndarray:
    """uint8 [T, H, W] luma (BT.601) of uint8 [T, H, W, 3] RGB."""
    # float32 per channel, in place: the same operations in the same order as 0.299 r + 0.587 g + 0.114 b, on a
    # chunk of pixels at a time so that the temporaries stay in cache (the same values in a third of the time)
    pixels = frames.reshape(-1, 3)
    out = np.empty(len(pixels), dtype=np.uint8)
    for start in range(0, len(pixels), _CHUNK_PIXELS):
        rgb = pixels[start : start + _CHUNK_PIXELS]
        y = rgb[:, 0].astype(np.float32)
        y *= 0.299
        y += 0.587 * rgb[:, 1].astype(np.float32)
        y += 0.114 * rgb[:, 2].astype(np.float32)
        out[start : start + len(y)] = np.clip(np.rint(y, out=y), 0, 255, out=y)
    return out.reshape(frames.shape[:-1])


def sample_indices(count: int, budget: int) -> np.ndarray:
    """At most ``budget`` evenly spaced indices in [0, count)."""
    if count <= budget:
        return np.arange(count)
    return np.unique(np.linspace(0, count - 1, budget).round().astype(int))


def _resize_longest(gray: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    h, w = gray.shape[:2]
    scale = min(1.0, side / max(h, w))
    if scale == 1.0:
        return gray, 1.0
    return cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA), scale


def sharpness(gray: np.ndarray) -> float:
    """Mean over frames of the variance of the Laplacian of the luma (higher = sharper)."""
    return float(np.mean([cv2.Laplacian(g, cv2.CV_64F).var() for g in gray]))


def exposure_and_contrast(gray: np.ndarray) -> tuple[float, float]:
    """Mean luma and mean per-frame luma standard deviation, both 0..1."""
    g = gray.astype(np.float32) / 255.0
    return float(g.mean()), float(g.reshape(len(g), -1).std(axis=1).mean())


def colourfulness(frames: np.ndarray) -> float:
    """Hasler & Süsstrunk (2003) colourfulness M, mean over frames (0 for grey, ~100+ very colourful)."""
    step = max(1, _CHUNK_PIXELS // max(1, frames[0].size // 3))  # frames at a time: the temporaries stay in cache
    return float(np.concatenate([_colourfulness(frames[t : t + step]) for t in range(0, len(frames), step)]).mean())


def _colourfulness(frames: np.ndarray) -> np.ndarray:
    rgb = frames.astype(np.float32)
    rg = rgb[..., 0] - rgb[..., 1]
    yb = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    axes = tuple(range(1, rg.ndim))
    std = np.sqrt(rg.std(axis=axes) ** 2 + yb.std(axis=axes) ** 2)
    mean = np.sqrt(rg.mean(axis=axes) ** 2 + yb.mean(axis=axes) ** 2)
    return std + 0.3 * mean


def motion(gray: np.ndarray, pairs: int = _MAX_FLOW_PAIRS) -> tuple[float, float]:
    """Farneback dense-flow magnitude between consecutive frames: (mean, max over up to ``pairs`` evenly
    spaced pairs), in px/frame.

    Flow runs on frames downscaled to a longest side of 256 and is scaled back to the clip's resolution.
    """
    if len(gray) < 2:
        return 0.0, 0.0
    starts = sample_indices(len(gray) - 1, pairs)
    per_pair = []
    for t in starts:
        a, scale = _resize_longest(gray[t], _MAX_ANALYSIS_SIDE)
        b, _ = _resize_longest(gray[t + 1], _MAX_ANALYSIS_SIDE)
        flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)
        per_pair.append(float(cv2.magnitude(flow[..., 0], flow[..., 1]).mean()) / scale)
    return float(np.mean(per_pair)), float(np.max(per_pair))


def flicker(gray: np.ndarray) -> float:
    """Mean |second difference| of per-frame mean luma in 8-bit levels: high for brightness that jumps back
    and forth, near zero for steady light and for smooth fades."""
    if len(gray) < 3:
        return 0.0
    means = gray.reshape(len(gray), -1).mean(axis=1)
    return float(np.abs(np.diff(means, n=2)).mean())


def black_ratio(gray: np.ndarray, *, max_mean: float = 16.0, max_std: float = 6.0) -> float:
    """Fraction of frames that are (near) uniformly black."""
    flat = gray.reshape(len(gray), -1).astype(np.float32)
    return float(((flat.mean(axis=1) < max_mean) & (flat.std(axis=1) < max_std)).mean())


def frozen_ratio(gray: np.ndarray, *, min_step: int = 8, max_changed: float = 0.001) -> float:
    """Fraction of frame transitions where the picture does not change: under ``max_changed`` of its pixels
    move by more than ``min_step`` levels (codec noise moves a level or two). Counted by pixels, not by the mean
    change, so that a locked-off shot with people walking across it is not frozen while a repeated frame is."""
    if len(gray) < 2:
        return 0.0
    flat = gray.reshape(len(gray), -1)
    changed = np.array([np.count_nonzero(cv2.absdiff(a, b) > min_step) for a, b in itertools.pairwise(flat)])
    return float((changed < max_changed * flat.shape[1]).mean())


def _strokes(box: np.ndarray) -> float:
    """Median number of ink strokes crossed by the rows of the box's middle third (Otsu ink/background split):
    a line of text crosses many glyph strokes, an edge or a bar one or two."""
    _, ink = cv2.threshold(box, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    h = box.shape[0]
    rows = ink[h // 3 : max(h // 3 + 1, 2 * h // 3)].astype(np.int8)
    return float(np.median((np.diff(rows, axis=1) == 1).sum(axis=1)))


def text_mask(gray: np.ndarray) -> np.ndarray:
    """bool [H, W]: boxes that look like lines of text (a classical detector: morphological gradient, Otsu,
    horizontal closing, then contours with a text line's aspect ratio, height, fill and number of glyphs)."""
    h, w = gray.shape
    grad = cv2.morphologyEx(gray, cv2.MORPH_GRADIENT, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3)))
    _, binary = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    if binary.mean() > 0.5 * 255:  # Otsu on a flat gradient image marks noise everywhere
        return np.zeros((h, w), dtype=bool)
    closed = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, w // 32), 1)))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    mask = np.zeros((h, w), dtype=np.uint8)
    for contour in contours:
        x, y, bw, bh = cv2.boundingRect(contour)
        if bh < 6 or bh > 0.2 * h or bw < 2.0 * bh:
            continue
        fill = cv2.countNonZero(binary[y : y + bh, x : x + bw]) / float(bw * bh)
        if 0.2 <= fill <= 0.9 and _strokes(gray[y : y + bh, x : x + bw]) >= max(3.0, 0.5 * bw / bh):
            mask[y : y + bh, x : x + bw] = 1
    return mask.astype(bool)


def overlay_text(
    gray: np.ndarray,
    *,
    persistence: float = 0.75,
    max_std: float = 6.0,
    scene_text: np.ndarray | None = None,
    scene_edges: Callable[[], np.ndarray | None] | None = None,
) -> float:
    """Likelihood of overlaid text: the fraction of the frame covered by text-like regions that stay at the
    same screen position in at least ``persistence`` of the sampled frames with pixels that do not change
    (captions and logos are fixed on screen while the scene moves; signage in the scene moves with it).

    ``scene_text`` (bool [T, H, W], e.g. the sign and screen classes of the segmentation) marks text that
    belongs to the scene: it is left out, so a static shot of a departures board is not an overlay.
    ``scene_edges`` gives the scene's own edges ([T, H, W], non-zero on an edge: the sample's edge control),
    asked for only when something looks overlaid: a box whose edges the scene draws is left out
    (``EXPLAINED_EDGE_SHARE``), so a far railing that barely moves in a slow shot is not an overlay either,
    while a caption a generator adds is drawn by no control."""
    idx = sample_indices(len(gray), _MAX_SAMPLED_FRAMES)
    small = np.stack([_resize_longest(gray[t], _MAX_ANALYSIS_SIDE)[0] for t in idx])
    found = np.stack([text_mask(g) for g in small])
    if scene_text is not None:
        for k, t in enumerate(idx):
            sign = _frame_mask(scene_text, t, small.shape[1:])
            _, boxes = cv2.connectedComponents(found[k].astype(np.uint8))
            on_signs = np.unique(boxes[(sign > 0) & found[k]])  # a text box on a sign goes whole (it may overhang)
            found[k] &= ~np.isin(boxes, on_signs)
    still = small.astype(np.float32).std(axis=0) < max_std
    overlaid = (found.mean(axis=0) >= persistence) & still
    edges = scene_edges() if scene_edges is not None and overlaid.any() else None
    if edges is not None:
        for k, t in enumerate(idx):
            found[k] &= ~_drawn_by_scene(found[k], small[k], _frame_mask(edges, t, small.shape[1:]))
        overlaid = (found.mean(axis=0) >= persistence) & still
    return float(overlaid.mean())


def _frame_mask(masks: np.ndarray, t: int, shape: tuple[int, int]) -> np.ndarray:
    """Frame ``t`` of ``masks`` (the last one past its end) at the analysis size: a pixel is set where any
    pixel it covers is (area resampling), so thin edges survive a smaller size."""
    frame = (masks[min(t, len(masks) - 1)] > 0).astype(np.uint8) * 255
    return cv2.resize(frame, (shape[1], shape[0]), interpolation=cv2.INTER_AREA) > 0


def _drawn_by_scene(found: np.ndarray, gray: np.ndarray, scene_edges: np.ndarray) -> np.ndarray:
    """The text boxes of ``found`` whose Canny edges lie, ``EXPLAINED_EDGE_SHARE`` of them, within a pixel of
    an edge of the scene."""
    count, boxes = cv2.connectedComponents(found.astype(np.uint8))
    if count < 2:
        return np.zeros_like(found)
    own = (cv2.Canny(gray, CANNY_LOW, CANNY_HIGH) > 0) & found
    near = cv2.dilate(scene_edges.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    total = np.bincount(boxes[own], minlength=count)
    explained = np.bincount(boxes[own & near], minlength=count)
    drawn = (total > 0) & (explained >= EXPLAINED_EDGE_SHARE * total)
    drawn[0] = False
    return drawn[boxes]


def composite_score(m: dict[str, float], t: QualityThresholds) -> float:
    """A 0..1 summary used to rank duplicates and clips: the mean of per-aspect scores, each 1 when the aspect
    is comfortably good and falling towards 0 as it approaches or crosses its threshold."""

    def ramp(value: float, bad: float, good: float) -> float:
        if good == bad:
            return 1.0
        return float(np.clip((value - bad) / (good - bad), 0.0, 1.0))

    parts = [
        ramp(math.log1p(m["sharpness"]), math.log1p(t.min_sharpness) - 1.0, math.log1p(t.min_sharpness) + 2.0),
        min(ramp(m["exposure_mean"], t.min_exposure, 0.35), ramp(m["exposure_mean"], t.max_exposure, 0.65)),
        ramp(m["contrast"], t.min_contrast, 4 * t.min_contrast),
        ramp(m["motion_mean"], t.min_motion, 4 * t.min_motion) * ramp(m["motion_max"], t.max_motion, 0.5 * t.max_motion),
        1.0 - m["black_ratio"],
        1.0 - m["frozen_ratio"],
        ramp(m["flicker"], t.max_flicker, 0.25 * t.max_flicker),
        ramp(m["overlay_text"], max(t.max_overlay_text, 1e-6), 0.0),
    ]
    return float(np.mean(parts))


def measure_quality(
    frames: np.ndarray,
    fps: float,
    thresholds: QualityThresholds = QualityThresholds(),
    *,
    scene_text: np.ndarray | None = None,
    scene_edges: Callable[[], np.ndarray | None] | None = None,
) -> QualityMeasures:
    """All quality metrics of one decoded clip (``scene_text``, ``scene_edges``: see ``overlay_text``). Raises
    ``VideoError`` for an empty or malformed array."""
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise VideoError(
            f"Clip frames have shape {frames.shape} and dtype {frames.dtype}, not uint8 [T, H, W, 3].",
            fix="decode the clip with worldmill.video.read_frames",
        )
    if len(frames) == 0:
        raise VideoError("Clip has zero frames.", fix="regenerate the clip; an empty video cannot be scored")
    gray = luma(frames)
    sampled = sample_indices(len(frames), _MAX_SAMPLED_FRAMES)
    exposure, contrast = exposure_and_contrast(gray[sampled])
    motion_mean, motion_max = motion(gray)
    values = {
        "sharpness": sharpness(gray[sampled]),
        "exposure_mean": exposure,
        "contrast": contrast,
        "colourfulness": colourfulness(frames[sampled]),
        "motion_mean": motion_mean,
        "motion_max": motion_max,
        "flicker": flicker(gray),
        "black_ratio": black_ratio(gray),
        "frozen_ratio": frozen_ratio(gray),
        "overlay_text": overlay_text(gray, scene_text=scene_text, scene_edges=scene_edges),
    }
    t, h, w = gray.shape
    return QualityMeasures(
        frames=int(t),
        fps=float(fps),
        width=int(w),
        height=int(h),
        duration_s=float(t / fps) if fps > 0 else 0.0,
        quality_score=composite_score(values, thresholds),
        **values,
    )


def judge_quality(m: QualityMeasures, t: QualityThresholds) -> list[str]:
    """The reasons the clip fails, one per threshold crossed; empty when it passes."""
    checks = [
        (m.frames < t.min_frames, f"frames {m.frames} < min_frames {t.min_frames}"),
        (m.duration_s < t.min_duration_s, f"duration {m.duration_s:.2f}s < min_duration_s {t.min_duration_s}"),
        (m.sharpness < t.min_sharpness, f"sharpness {m.sharpness:.1f} < min_sharpness {t.min_sharpness} (blurry)"),
        (m.exposure_mean < t.min_exposure, f"exposure {m.exposure_mean:.3f} < min_exposure {t.min_exposure} (too dark)"),
        (m.exposure_mean > t.max_exposure, f"exposure {m.exposure_mean:.3f} > max_exposure {t.max_exposure} (too bright)"),
        (m.contrast < t.min_contrast, f"contrast {m.contrast:.3f} < min_contrast {t.min_contrast} (flat)"),
        (m.colourfulness < t.min_colourfulness, f"colourfulness {m.colourfulness:.1f} < min_colourfulness {t.min_colourfulness}"),
        (m.motion_mean < t.min_motion, f"motion {m.motion_mean:.3f} px/frame < min_motion {t.min_motion} (static)"),
        (m.motion_max > t.max_motion, f"motion peak {m.motion_max:.1f} px/frame > max_motion {t.max_motion} (too fast or shaky)"),
        (m.flicker > t.max_flicker, f"flicker {m.flicker:.2f} > max_flicker {t.max_flicker}"),
        (m.black_ratio > t.max_black_ratio, f"black frames {m.black_ratio:.0%} > max_black_ratio {t.max_black_ratio:.0%}"),
        (m.frozen_ratio > t.max_frozen_ratio, f"frozen frames {m.frozen_ratio:.0%} > max_frozen_ratio {t.max_frozen_ratio:.0%}"),
        (m.overlay_text > t.max_overlay_text, f"overlaid text covers {m.overlay_text:.1%} > max_overlay_text {t.max_overlay_text:.1%}"),
        (m.quality_score < t.min_quality_score, f"quality score {m.quality_score:.2f} < min_quality_score {t.min_quality_score}"),
    ]
    return [reason for failed, reason in checks if failed]
