"""The face guardrail on a drawn face that OpenCV's Haar cascades detect, and on footage without faces."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest_curation import panning_clip

from worldmill.curation.guardrail import apply_guardrail, detect_faces, guard_frames
from worldmill.errors import VideoError
from worldmill.video import read_frames, write_rgb


def drawn_face(size: int) -> np.ndarray:
    """A shaded cartoon face (skin oval, dark eyes and brows, nose, mouth, hair) the cascades accept."""
    img = np.full((size, size, 3), 90, np.uint8)
    c, s = size // 2, size / 200
    cv2.ellipse(img, (c, c), (int(60 * s), int(80 * s)), 0, 0, 360, (200, 170, 150), -1)
    for dx in (-25, 25):
        cv2.ellipse(img, (c + int(dx * s), c - int(20 * s)), (int(14 * s), int(7 * s)), 0, 0, 360, (40, 30, 30), -1)
        cv2.line(img, (c + int((dx - 16) * s), c - int(36 * s)), (c + int((dx + 16) * s), c - int(38 * s)), (50, 40, 40),
                 max(1, int(5 * s)))
    cv2.line(img, (c, c - int(15 * s)), (c - int(6 * s), c + int(18 * s)), (150, 120, 100), max(1, int(4 * s)))
    cv2.ellipse(img, (c, c + int(42 * s)), (int(24 * s), int(8 * s)), 0, 0, 360, (120, 60, 60), -1)
    cv2.ellipse(img, (c, c - int(70 * s)), (int(64 * s), int(30 * s)), 0, 180, 360, (40, 30, 20), -1)
    return cv2.GaussianBlur(img, (0, 0), 2 * s)


def clip_with_face(frames: int = 12) -> np.ndarray:
    clip = panning_clip(0, frames=frames, size=256).copy()
    face = drawn_face(80)
    for t in range(frames):
        clip[t, 60:140, 40 + 3 * t : 120 + 3 * t] = face
    return clip


def test_a_face_is_detected_where_it_was_drawn():
    boxes = detect_faces(clip_with_face(1)[0])
    assert boxes
    x, y, w, h = boxes[0]
    assert 30 <= x + w / 2 - 40 <= 50 and 90 <= y + h / 2 <= 110  # centre near the drawn face's centre (80, 100)


def test_faceless_footage_is_left_untouched(tmp_path):
    path = write_rgb(tmp_path / "rgb.mp4", panning_clip(0, frames=12, size=256), fps=24)
    before = path.read_bytes()
    result = apply_guardrail(path)
    assert (result.faces, result.blurred, result.frames) == (0, False, 12)
    assert path.read_bytes() == before


def test_faces_are_pixelated_in_every_frame_and_the_file_is_rewritten(tmp_path):
    clip = clip_with_face()
    path = write_rgb(tmp_path / "rgb.mp4", clip, fps=24)
    result = apply_guardrail(path)
    assert result.blurred and result.faces >= result.frames_with_faces >= 1 and result.path == path
    published = read_frames(path)
    assert published.shape == clip.shape
    assert all(not detect_faces(frame) for frame in published)  # nothing recognisable is left
    face_region = published[:, 70:130, 60:100].astype(np.int16)
    assert np.abs(face_region - clip[:, 70:130, 60:100]).mean() > 10  # the face area changed
    assert result.detector.startswith("opencv-haar")


def test_guard_frames_spreads_boxes_to_frames_between_detections():
    clip = clip_with_face(5)
    guarded, result = guard_frames(clip)
    assert result.frames == 5
    assert all(np.abs(guarded[t].astype(np.int16) - clip[t]).mean() > 0.5 for t in range(5))


def test_an_unreadable_clip_raises_so_it_is_never_published(tmp_path):
    bad = tmp_path / "rgb.mp4"
    bad.write_bytes(b"garbage")
    with pytest.raises(VideoError, match="rgb.mp4"):
        apply_guardrail(bad)


def test_a_rewritten_clip_leaves_no_kept_frames_behind(tmp_path):
    """``guard_file(keep=True)`` keeps the decoded clip for the next read; once faces are pixelated the file is
    new, so the frames of the old bytes are dropped, not held until other clips push them out."""
    from worldmill import video
    from worldmill.curation.guardrail import guard_file

    path = write_rgb(tmp_path / "rgb.mp4", clip_with_face(), fps=24)
    frames, result = guard_file(path, keep=True)
    assert result.blurred and frames is None
    assert not any(kept.shape[1:] == (clip_with_face().shape[1:]) for kept in video._KEPT.values())
