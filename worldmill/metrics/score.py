"""Score one clip: quality, controllability against its sample's conditions, dedup signatures.

A clip that cannot be read (missing, corrupt, truncated, zero frames) or whose conditions are missing gets a
``status="error"`` row naming the problem; it never raises, so the rest of a batch is scored.
"""

from __future__ import annotations

import logging
from pathlib import Path

import cv2
import numpy as np

from worldmill.errors import VideoError, WorldmillError
from worldmill.metrics import controllability as ctl
from worldmill.metrics.quality import QualityMeasures, QualityThresholds, judge_quality, luma, measure_quality
from worldmill.metrics.signatures import PHASH_FRAMES, aligned_indices, hashes_to_int64, phash_clip, visual_embedding
from worldmill.schemas.records import ScoreRow, utcnow
from worldmill.taxonomy.classes import default_classes
from worldmill.video import probe, read_frames

log = logging.getLogger(__name__)

INPUT_VIDEO = "input.mp4"
SEG_VIDEO = "seg.mp4"
EDGE_VIDEO = "edge.mp4"  # the edge control, white edges on black


def _condition(conditions_dir: Path, name: str) -> Path:
    path = conditions_dir / name
    if not path.is_file():
        raise VideoError(
            f"Condition file {path} is missing.",
            fix="re-materialize the sample's conditions (the conditions asset writes every file listed in docs/architecture.md)",
        )
    return path


def _reference_frames(conditions_dir: Path, frames: np.ndarray, footage_path: Path | None) -> np.ndarray:
    """The decoded render (``input.mp4``); the footage's own frames when its file has the same bytes (the
    procedural backend publishes the render unchanged), so the same video is not decoded twice."""
    render = _condition(conditions_dir, INPUT_VIDEO)
    if footage_path is not None and _same_bytes(render, Path(footage_path)):
        return frames
    return read_frames(render)


def _same_bytes(a: Path, b: Path) -> bool:
    return b.is_file() and a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()


# What the metrics give for footage compared with itself (exactly: SSIM's and F1's ratios have equal terms,
# every class's intersection is its union); ``tests/test_cheap_scores.py`` checks them on real renders.
IDENTICAL = ctl.ControlScores(blur_ssim=1.0, edge_f1=1.0, depth_si_rmse=0.0, seg_miou=1.0, reason=None)


def score_controllability(
    frames: np.ndarray,
    conditions_dir: Path | None,
    *,
    footage_is_render: bool = False,
    estimators: ctl.ControlEstimators = ctl.ControlEstimators(),
    footage_path: Path | None = None,
    seg_rgb: np.ndarray | None = None,
) -> ctl.ControlScores:
    """Controllability of ``frames`` (decoded from ``footage_path`` when given) against the sample's condition
    files (``seg_rgb``: ``seg.mp4`` already decoded). Raises ``VideoError`` when a needed condition file is
    missing or unreadable."""
    from worldmill.render.conditions import read_depth_m

    if conditions_dir is None:
        return ctl.ControlScores(None, None, None, None, reason="no conditions directory given")
    reference = _reference_frames(conditions_dir, frames, footage_path)
    if reference is frames:  # the footage is the render, bit for bit: SSIM and edge F1 of a clip with itself
        scores = {"blur_ssim": IDENTICAL.blur_ssim, "edge_f1": IDENTICAL.edge_f1}
    else:
        scores = {"blur_ssim": ctl.blur_ssim(reference, frames), "edge_f1": ctl.edge_f1(reference, frames)}
    reasons = []
    if footage_is_render and np.isfinite(read_depth_m(conditions_dir, first=1)).any():
        # The render's depth pass is the footage's own: si-RMSE of a map with itself is 0 once one compared frame
        # has a hit, and frame 0 is always compared, so the other frames are not decoded (tests/test_cheap_scores.py)
        scores["depth_si_rmse"] = IDENTICAL.depth_si_rmse
    else:
        depth_ref = read_depth_m(conditions_dir)
        if not np.isfinite(depth_ref).any():
            depth_est = None
            reasons.append("depth: every pixel is sky or beyond the range of depth.mkv's unit")
        elif footage_is_render:
            depth_est = depth_ref  # the footage is the render: its depth pass is exact
        elif estimators.depth is not None:
            depth_est = estimators.depth(frames)
        else:
            depth_est = None
            reasons.append("depth: footage has no ground truth and no local depth model is configured")
        scores["depth_si_rmse"] = None if depth_est is None else ctl.depth_si_rmse(depth_ref, depth_est)

    if footage_is_render or estimators.seg is not None:
        if seg_rgb is None:
            seg_rgb = read_frames(_condition(conditions_dir, SEG_VIDEO))
        if footage_is_render:  # the rendered segmentation is the footage's own: mIoU of a map with itself
            scores["seg_miou"] = IDENTICAL.seg_miou
        else:
            seg_rgb = seg_rgb[np.linspace(0, len(seg_rgb) - 1, min(len(seg_rgb), 16)).round().astype(int)]
            scores["seg_miou"] = ctl.seg_miou(default_classes().decode(seg_rgb), estimators.seg(frames))  # type: ignore[misc]
    else:
        scores["seg_miou"] = None
        reasons.append("seg: footage has no ground truth and no local segmentation model is configured")
    return ctl.ControlScores(**scores, reason="; ".join(reasons) or None)


SCENE_TEXT_CLASSES = ("signage", "screen")  # signs and boards carry text that belongs to the scene


def scene_text_mask(conditions_dir: Path, seg_rgb: np.ndarray | None = None) -> np.ndarray | None:
    """bool [T, H, W]: where the sample's segmentation shows signs or screens (None without ``seg.mp4``);
    ``seg_rgb``: that video already decoded."""
    if seg_rgb is None:
        path = conditions_dir / SEG_VIDEO
        if not path.is_file():
            return None
        seg_rgb = read_frames(path)
    return default_classes().near(seg_rgb, SCENE_TEXT_CLASSES)  # the colours within 12 (the video shifts them)


def error_row(clip_id: str, cell_key: str, reason: str, measures: QualityMeasures | None = None) -> ScoreRow:
    """A "error" row: the clip could not be scored for ``reason``; quality values kept when measured."""
    values = {} if measures is None else _quality_columns(measures)
    return ScoreRow(
        clip_id=clip_id,
        cell_key=cell_key,
        status="error",
        reason=reason,
        **{name: values.get(name) for name in _QUALITY_COLUMNS},
        blur_ssim=None,
        edge_f1=None,
        depth_si_rmse=None,
        seg_miou=None,
        control_reason=f"not computed: {reason}",
        phash=None,
        visual_embedding=None,
        scored_at=utcnow(),
    )


_QUALITY_COLUMNS = (
    "frames", "fps", "width", "height", "duration_s", "sharpness", "exposure_mean", "contrast", "colourfulness",
    "motion_mean", "motion_max", "flicker", "black_ratio", "frozen_ratio", "overlay_text", "quality_score",
)


def _quality_columns(m: QualityMeasures) -> dict[str, float | int]:
    return {name: getattr(m, name) for name in _QUALITY_COLUMNS}


def score_clip(
    rgb_path: Path,
    conditions_dir: Path | None,
    *,
    clip_id: str,
    cell_key: str,
    thresholds: QualityThresholds = QualityThresholds(),
    footage_is_render: bool = False,
    estimators: ctl.ControlEstimators = ctl.ControlEstimators(),
    frames: np.ndarray | None = None,
) -> ScoreRow:
    """One ``ScoreRow`` for the clip at ``rgb_path``: "pass", "fail" (reasons listed) or "error" (unreadable
    clip or conditions). ``footage_is_render`` marks procedural footage, whose rendered depth and segmentation
    are its ground truth; other footage needs ``estimators`` or leaves depth/seg null with a reason.
    ``frames``: the clip already decoded (its file is then not read again)."""
    rgb_path = Path(rgb_path)
    try:
        if not rgb_path.is_file():
            raise VideoError(f"Clip video {rgb_path} does not exist.", fix="re-materialize the clips asset for this cell")
        frames = read_frames(rgb_path) if frames is None else frames
        seg_path = Path(conditions_dir) / SEG_VIDEO if conditions_dir is not None else None
        seg_rgb = read_frames(seg_path) if seg_path is not None and seg_path.is_file() else None
        signs = scene_text_mask(Path(conditions_dir), seg_rgb) if seg_rgb is not None else None
        edges = Path(conditions_dir) / EDGE_VIDEO if conditions_dir is not None else None
        measures = measure_quality(
            frames, probe(rgb_path).fps, thresholds, scene_text=signs,
            scene_edges=(lambda: read_frames(edges)[..., 0]) if edges is not None and edges.is_file() else None,
        )
    except (WorldmillError, cv2.error, ValueError, OSError) as exc:
        log.warning("clip %s: cannot score: %s", clip_id, exc)
        return error_row(clip_id, cell_key, f"{type(exc).__name__}: {exc}")
    try:
        control = score_controllability(
            frames, Path(conditions_dir) if conditions_dir is not None else None,
            footage_is_render=footage_is_render, estimators=estimators, footage_path=rgb_path, seg_rgb=seg_rgb,
        )
    except (WorldmillError, cv2.error, ValueError, OSError) as exc:
        log.warning("clip %s: cannot score controllability: %s", clip_id, exc)
        return error_row(clip_id, cell_key, f"conditions: {type(exc).__name__}: {exc}", measures)
    failures = judge_quality(measures, thresholds)
    return ScoreRow(
        clip_id=clip_id,
        cell_key=cell_key,
        status="fail" if failures else "pass",
        reason="; ".join(failures) or None,
        **_quality_columns(measures),
        blur_ssim=control.blur_ssim,
        edge_f1=control.edge_f1,
        depth_si_rmse=control.depth_si_rmse,
        seg_miou=control.seg_miou,
        control_reason=control.reason,
        phash=hashes_to_int64(phash_clip(luma(frames[aligned_indices(len(frames), PHASH_FRAMES)]))),  # hashed frames only
        visual_embedding=[float(v) for v in visual_embedding(frames)],
        scored_at=utcnow(),
    )
