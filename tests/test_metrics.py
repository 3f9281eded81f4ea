"""Quality and controllability metrics on synthetic clips with known answers, and score_clip on bad input."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from worldmill.errors import ConfigError
from worldmill.metrics import QualityThresholds, measure_quality, score_clip
from worldmill.metrics import controllability as ctl
from worldmill.metrics import quality as q
from worldmill.render.conditions import depth_camera_fields
from worldmill.video import write_gray16, write_rgb

SIZE = 128


def textured(seed: int = 0, size: tuple[int, int] = (SIZE + 64, SIZE + 96)) -> np.ndarray:
    """A smooth random colour texture (survives H.264, has edges and detail)."""
    rng = np.random.default_rng(seed)
    small = (rng.random((size[0] // 8, size[1] // 8, 3)) * 255).astype(np.uint8)
    return cv2.resize(small, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)


def panning_clip(seed: int = 0, frames: int = 24, step: int = 2) -> np.ndarray:
    base = textured(seed)
    return np.stack([base[16 : 16 + SIZE, step * t : step * t + SIZE] for t in range(frames)])


@pytest.fixture
def good_clip(tmp_path):
    return write_rgb(tmp_path / "good.mp4", panning_clip(), fps=24)


def test_a_panning_textured_clip_passes_with_its_measured_motion(good_clip):
    row = score_clip(good_clip, None, clip_id="c1", cell_key="x__zoo")
    assert row.status == "pass", row.reason
    assert row.reason is None
    assert row.frames == 24 and row.fps == 24.0 and row.duration_s == pytest.approx(1.0)
    assert row.motion_mean == pytest.approx(2.0, abs=0.3)  # the pan moves 2 px per frame
    assert row.frozen_ratio == 0.0 and row.black_ratio == 0.0
    assert 0.5 < row.quality_score <= 1.0
    assert row.control_reason == "no conditions directory given" and row.blur_ssim is None
    assert len(row.phash) == 8 and len(row.visual_embedding) == 192


def test_static_clip_fails_as_static_and_frozen():
    frames = np.repeat(textured()[None, :SIZE, :SIZE], 16, axis=0)
    m = measure_quality(frames, 24)
    reasons = " ".join(q.judge_quality(m, QualityThresholds()))
    assert m.motion_mean < 0.01 and m.frozen_ratio == 1.0
    assert "static" in reasons and "frozen" in reasons


def test_a_locked_off_shot_with_a_walker_crossing_it_is_not_frozen():
    """A still background with a small figure walking across it changes every frame (by a few hundred pixels,
    a tiny mean change); the same shot without the walker, or with codec-like noise only, is frozen."""
    still = np.repeat(textured()[None, :SIZE, :SIZE], 16, axis=0)
    walked = still.copy()
    for t, frame in enumerate(walked):
        frame[60:84, 10 + 3 * t : 18 + 3 * t] = (200, 60, 40)  # 8 x 24 px, 3 px a frame
    noisy = np.clip(still.astype(np.int16) + np.random.default_rng(0).integers(-2, 3, still.shape), 0, 255)
    assert np.abs(np.diff(q.luma(walked).astype(np.int16), axis=0)).mean() < 0.5  # the mean hardly moves
    assert q.frozen_ratio(q.luma(walked)) == 0.0
    assert q.frozen_ratio(q.luma(still)) == 1.0 and q.frozen_ratio(q.luma(noisy.astype(np.uint8))) == 1.0


def test_black_frames_and_darkness_are_flagged():
    frames = panning_clip()
    frames[:12] = 0
    m = measure_quality(frames, 24)
    assert m.black_ratio == pytest.approx(0.5)
    assert any("black frames" in r for r in q.judge_quality(m, QualityThresholds()))


def test_blur_lowers_sharpness_below_threshold():
    sharp = panning_clip()
    blurred = np.stack([cv2.GaussianBlur(f, (0, 0), 6) for f in sharp])
    assert q.sharpness(q.luma(blurred)) < q.sharpness(q.luma(sharp)) / 5
    reasons = q.judge_quality(measure_quality(blurred, 24), QualityThresholds(min_sharpness=q.sharpness(q.luma(sharp)) / 2))
    assert any("blurry" in r for r in reasons)


def test_alternating_brightness_is_flicker_but_a_smooth_fade_is_not():
    base = panning_clip().astype(np.int16)
    flicker = np.clip(base + np.array([40 if t % 2 else -40 for t in range(len(base))])[:, None, None, None], 0, 255)
    fade = np.clip(base + np.linspace(-60, 60, len(base))[:, None, None, None], 0, 255)
    assert q.flicker(q.luma(flicker.astype(np.uint8))) > 30
    assert q.flicker(q.luma(fade.astype(np.uint8))) < 1


def test_overlaid_caption_is_detected_but_clean_footage_is_not():
    clean = panning_clip()
    captioned = clean.copy()
    for frame in captioned:
        cv2.rectangle(frame, (4, 96), (124, 122), (0, 0, 0), -1)
        cv2.putText(frame, "BREAKING NEWS", (8, 114), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
    barred = clean.copy()
    barred[:, 100:108, 4:124] = 255  # a static bar (a letterbox edge, a railing): one stroke, not text
    assert q.overlay_text(q.luma(clean)) == 0.0
    assert q.overlay_text(q.luma(barred)) == 0.0
    assert q.overlay_text(q.luma(captioned)) > QualityThresholds().max_overlay_text


def test_text_the_scenes_own_edges_draw_is_scene_not_overlay():
    """A still, text-like thing that the scene's edge control draws (a far railing in a slow shot, a board) is
    part of the scene; the same caption missing from the control (a generator added it) stays an overlay."""
    clean = panning_clip()
    captioned = clean.copy()
    for frame in captioned:
        cv2.rectangle(frame, (4, 96), (124, 122), (0, 0, 0), -1)
        cv2.putText(frame, "BREAKING NEWS", (8, 114), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1)
    gray, limit = q.luma(captioned), QualityThresholds().max_overlay_text
    asked = []

    def edges_of(frames):
        return lambda: asked.append(1) or np.stack([cv2.Canny(f, 100, 200) for f in q.luma(frames)])

    assert q.overlay_text(gray, scene_edges=edges_of(clean)) > limit  # the control draws no caption
    assert q.overlay_text(gray, scene_edges=edges_of(captioned)) == 0.0  # the caption is in the scene
    assert q.overlay_text(q.luma(clean), scene_edges=edges_of(clean)) == 0.0 and len(asked) == 2  # asked only when needed


def test_colourfulness_is_zero_for_grey_and_high_for_saturated():
    grey = np.full((4, 32, 32, 3), 128, np.uint8)
    stripes = np.zeros((4, 32, 32, 3), np.uint8)
    stripes[:, :, :16, 0] = 255
    stripes[:, :, 16:, 2] = 255
    assert q.colourfulness(grey) == 0.0
    assert q.colourfulness(stripes) > 100


def test_thresholds_reject_negative_and_inverted_values():
    with pytest.raises(ConfigError, match="min_sharpness"):
        QualityThresholds(min_sharpness=-1)
    with pytest.raises(ConfigError, match="min_motion"):
        QualityThresholds(min_motion=5, max_motion=1)


# -- controllability -------------------------------------------------------------------------------------


def test_identical_clips_have_blur_ssim_and_edge_f1_of_one():
    clip = panning_clip()
    assert ctl.blur_ssim(clip, clip) == pytest.approx(1.0)
    assert ctl.edge_f1(clip, clip) == pytest.approx(1.0)


def test_shifted_edges_lower_edge_f1_and_ssim():
    clip = panning_clip()
    shifted = np.roll(clip, 3, axis=2)
    assert ctl.edge_f1(clip, shifted) < 0.5
    assert ctl.blur_ssim(clip, shifted) < 0.95


def test_edge_f1_of_two_blank_clips_is_one_and_of_blank_vs_edges_is_zero():
    blank = np.zeros((4, 32, 32, 3), np.uint8)
    assert ctl.edge_f1(blank, blank) == 1.0
    assert ctl.edge_f1(panning_clip()[:4], blank) == 0.0


def test_depth_si_rmse_ignores_global_scale_and_sky_but_not_shape():
    rng = np.random.default_rng(1)
    depth = rng.uniform(1, 50, (4, 32, 32)).astype(np.float32)
    depth[:, :4] = np.inf  # sky
    assert ctl.depth_si_rmse(depth, depth * 3.7) == pytest.approx(0.0, abs=1e-6)
    assert ctl.depth_si_rmse(depth, depth[:, ::-1]) > 0.3


def test_seg_miou_is_one_for_identical_maps_and_drops_with_mislabelled_pixels():
    seg = np.zeros((2, 32, 32), np.uint8)
    seg[:, :, 16:] = 4
    wrong = seg.copy()
    wrong[:, :16, 16:] = 0  # half of class 4 labelled as class 0
    assert ctl.seg_miou(seg, seg) == 1.0
    assert ctl.seg_miou(seg, wrong) == pytest.approx((512 / 768 + 256 / 512) / 2)


def test_controllability_against_the_rendered_conditions_is_perfect(tmp_path, good_clip):
    from worldmill.taxonomy.classes import SemanticClasses

    frames = panning_clip()
    cond = tmp_path / "sample"
    write_rgb(cond / "input.mp4", frames, fps=24)
    depth_mm = np.tile(np.linspace(1000, 40000, SIZE, dtype=np.uint16)[None, :, None], (len(frames), 1, SIZE))
    write_gray16(cond / "depth.mkv", depth_mm)
    (cond / "camera.json").write_text(json.dumps(depth_camera_fields(0.001)))
    seg = np.zeros((len(frames), SIZE, SIZE), np.uint8)
    seg[:, SIZE // 2 :] = SemanticClasses.load().id("building")
    write_rgb(cond / "seg.mp4", SemanticClasses.load().colorize(seg), fps=24)

    row = score_clip(good_clip, cond, clip_id="c", cell_key="x__zoo", footage_is_render=True)
    assert row.status == "pass", row.reason
    assert row.blur_ssim > 0.99 and row.edge_f1 > 0.9
    assert row.depth_si_rmse == pytest.approx(0.0, abs=1e-9) and row.seg_miou == 1.0
    assert row.control_reason is None

    generated = score_clip(good_clip, cond, clip_id="c", cell_key="x__zoo")
    assert generated.depth_si_rmse is None and generated.seg_miou is None
    assert "no local depth model" in generated.control_reason and "segmentation" in generated.control_reason
    assert generated.blur_ssim == pytest.approx(row.blur_ssim)


# -- bad input --------------------------------------------------------------------------------------------


def test_missing_corrupt_and_truncated_clips_are_error_rows(tmp_path, good_clip):
    corrupt = tmp_path / "corrupt.mp4"
    corrupt.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 8)
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(good_clip.read_bytes()[: good_clip.stat().st_size // 3])
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    for path, words in [(tmp_path / "missing.mp4", "does not exist"), (corrupt, "corrupt"), (truncated, str(truncated)),
                        (empty, "empty")]:
        row = score_clip(path, None, clip_id="bad", cell_key="x__zoo")
        assert row.status == "error" and words in row.reason, (path, row.reason)
        assert row.sharpness is None and row.phash is None and row.control_reason.startswith("not computed")


def test_missing_condition_file_is_an_error_naming_the_file(tmp_path, good_clip):
    cond = tmp_path / "sample"
    write_rgb(cond / "input.mp4", panning_clip(), fps=24)  # depth.mkv missing
    row = score_clip(good_clip, cond, clip_id="c", cell_key="x__zoo", footage_is_render=True)
    assert row.status == "error"
    assert "depth.mkv" in row.reason and "missing" in row.reason
    assert row.sharpness is not None  # the quality measured before the failure is kept


# -- diversity ---------------------------------------------------------------------------------------------


def test_diversity_proxy_is_zero_for_copies_and_grows_with_difference():
    from worldmill.errors import VideoError
    from worldmill.metrics.diversity import diversity, perceptual_distance

    clip = panning_clip(0)
    recoloured = np.clip(clip.astype(np.int16) * np.array([1.3, 0.8, 0.6]), 0, 255).astype(np.uint8)
    other = panning_clip(5)
    assert perceptual_distance(clip, clip) == pytest.approx(0.0, abs=1e-9)
    assert 0 < perceptual_distance(clip, recoloured) < perceptual_distance(clip, other) <= 1.0
    assert diversity([clip, clip, clip]) == pytest.approx(0.0, abs=1e-9)
    assert diversity([clip, recoloured, other]) > diversity([clip, clip, recoloured])
    with pytest.raises(VideoError, match="at least two"):
        diversity([clip])
