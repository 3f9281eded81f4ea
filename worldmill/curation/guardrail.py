"""Face guardrail: find faces in generated footage and pixelate them before the clip is published.

OpenCV 4.x's shipped Haar cascades (frontal and profile; 5.0 dropped them) detect faces of at least 20×20 px,
the size above which the Cosmos guardrail pixelates. Single-frame misses are covered by pixelating each box
over its neighbouring frames too. The clips asset calls ``apply_guardrail`` on the generated file before it
publishes it, so no clip reaches the catalogue unblurred; a guardrail that cannot run raises.
"""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import cv2
import numpy as np

from worldmill.errors import ConfigError
from worldmill.video import probe, read_frames, write_rgb

# frontalface_default is left out: on textures it gives many false positives where alt2 gives none.
CASCADES = ("haarcascade_frontalface_alt2.xml", "haarcascade_profileface.xml")
DETECTOR = "opencv-haar:" + "+".join(c.removeprefix("haarcascade_").removesuffix(".xml") for c in CASCADES)
MIN_FACE_PX = 20
FRAME_STRIDE = 3  # detect on every 3rd frame ...
TEMPORAL_SPREAD = 3  # ... and pixelate a box found in frame t in frames t-3 .. t+3 as well
BOX_MARGIN = 0.25  # grow boxes by this fraction per side (hair, ears, chin)
PIXEL_BLOCKS = 8  # a face becomes an 8×8 mosaic


@dataclasses.dataclass(frozen=True)
class GuardrailResult:
    """What the guardrail did to one clip file. ``blurred`` means the file at ``path`` was rewritten. The clips
    asset records ``detector`` and ``faces`` on the clip's row."""

    path: Path
    frames: int
    frames_with_faces: int  # among the analysed frames (every FRAME_STRIDE-th)
    faces: int  # detections summed over analysed frames
    blurred: bool
    detector: str = DETECTOR


@functools.cache
def _cascades() -> tuple[cv2.CascadeClassifier, ...]:
    data = getattr(getattr(cv2, "data", None), "haarcascades", None)
    if data is None:
        raise ConfigError(
            f"OpenCV {cv2.__version__} ships no Haar cascades (cv2.data.haarcascades is missing).",
            fix="install opencv-python-headless 4.x (5.0 dropped the cascades): pip install 'opencv-python-headless<5'",
        )
    loaded = []
    for name in CASCADES:
        cascade = cv2.CascadeClassifier(str(Path(data) / name))
        if cascade.empty():
            raise ConfigError(f"Haar cascade {Path(data) / name} cannot be loaded.", fix="reinstall opencv-python-headless 4.x")
        loaded.append(cascade)
    return tuple(loaded)


def detect_faces(frame: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Face boxes (x, y, w, h) of at least 20×20 px in one uint8 RGB frame, from every cascade; profiles are
    searched in the mirrored frame too (the profile cascade only knows one side)."""
    gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)  # no histogram equalisation: it doubles false positives
    width = gray.shape[1]
    boxes: list[tuple[int, int, int, int]] = []
    for i, cascade in enumerate(_cascades()):
        for mirrored in (False, True) if CASCADES[i].endswith("profileface.xml") else (False,):
            image = gray[:, ::-1] if mirrored else gray
            found = cascade.detectMultiScale(image, scaleFactor=1.2, minNeighbors=4, minSize=(MIN_FACE_PX, MIN_FACE_PX))
            for x, y, w, h in (found if len(found) else []):
                boxes.append((int(width - x - w) if mirrored else int(x), int(y), int(w), int(h)))
    return boxes


def pixelate(frame: np.ndarray, box: tuple[int, int, int, int], margin: float = BOX_MARGIN) -> None:
    """Replace the (grown) box with a coarse mosaic, in place."""
    x, y, w, h = box
    height, width = frame.shape[:2]
    x0, y0 = max(0, int(x - margin * w)), max(0, int(y - margin * h))
    x1, y1 = min(width, int(x + w + margin * w)), min(height, int(y + h + margin * h))
    region = frame[y0:y1, x0:x1]
    if region.size == 0:
        return
    small = cv2.resize(region, (PIXEL_BLOCKS, PIXEL_BLOCKS), interpolation=cv2.INTER_AREA)
    frame[y0:y1, x0:x1] = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)


def _analysed(count: int) -> list[int]:
    """Frames to run detection on: every ``FRAME_STRIDE``-th and always the last."""
    return sorted(set(range(0, count, FRAME_STRIDE)) | ({count - 1} if count else set()))


def guard_frames(frames: np.ndarray) -> tuple[np.ndarray, GuardrailResult]:
    """Pixelated copy of uint8 [T, H, W, 3] frames and the outcome (``path`` empty; see ``apply_guardrail``)."""
    detections = {t: detect_faces(frames[t]) for t in _analysed(len(frames))}
    out = frames.copy()
    for t, boxes in detections.items():
        for box in sorted(boxes):  # overlapping boxes: one order, whatever order OpenCV's threads found them in
            for u in range(max(0, t - TEMPORAL_SPREAD), min(len(frames), t + TEMPORAL_SPREAD + 1)):
                pixelate(out[u], box)
    faces = sum(len(b) for b in detections.values())
    result = GuardrailResult(
        path=Path(), frames=len(frames), frames_with_faces=sum(bool(b) for b in detections.values()), faces=faces,
        blurred=faces > 0,
    )
    return out, result


def apply_guardrail(rgb_path: Path) -> GuardrailResult:
    """Detect faces in the clip at ``rgb_path`` and, if any, rewrite it (atomically) with them pixelated.

    Raises ``VideoError`` if the clip cannot be read and ``ConfigError`` if the detector cannot load: the
    caller must then not publish the clip.
    """
    return guard_file(rgb_path)[1]


def guard_file(rgb_path: Path) -> tuple[np.ndarray | None, GuardrailResult]:
    """``apply_guardrail``, also returning the clip's decoded frames when the file was left as it was (None
    when it was rewritten: its frames are then those of the new encoding), so callers need not decode it again."""
    rgb_path = Path(rgb_path)
    frames = read_frames(rgb_path)
    guarded, result = guard_frames(frames)
    if result.blurred:
        write_rgb(rgb_path, guarded, fps=max(1, round(probe(rgb_path).fps)))
    return (None if result.blurred else frames), dataclasses.replace(result, path=rgb_path)
