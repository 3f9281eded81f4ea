"""Safety pass over generated frames. NVIDIA's Cosmos licence expects its guardrail: it runs when
``cosmos_guardrail`` is installed; otherwise worldmill pixelates faces (as cosmos-curate does for faces larger
than 20x20 px) with OpenCV's bundled Haar cascade. The result names which one ran, for the clip's record."""

from __future__ import annotations

import dataclasses
import importlib.util

import cv2
import numpy as np

from worldmill.errors import ConfigError, GenerationError

GUARDRAIL_MODES: tuple[str, ...] = ("auto", "cosmos", "face_blur", "off")
MIN_FACE_PX = 20


@dataclasses.dataclass(frozen=True)
class GuardrailResult:
    name: str  # "cosmos-guardrail" | "worldmill-face-blur" | "off"
    faces_pixelated: int
    blocked: bool


def pixelate_boxes(frame: np.ndarray, boxes: list[tuple[int, int, int, int]], cells: int = 8) -> np.ndarray:
    """Replace each (x, y, w, h) box with a ``cells`` x ``cells`` mosaic of itself."""
    out = frame.copy()
    for x, y, w, h in boxes:
        patch = out[y : y + h, x : x + w]
        if patch.size == 0:
            continue
        small = cv2.resize(patch, (min(cells, w), min(cells, h)), interpolation=cv2.INTER_AREA)
        out[y : y + h, x : x + w] = cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    return out


def _face_detector() -> cv2.CascadeClassifier:
    path = cv2.data.haarcascades + "haarcascade_frontalface_default.xml"
    detector = cv2.CascadeClassifier(path)
    if detector.empty():
        raise GenerationError(
            f"OpenCV's face cascade {path} could not be loaded.",
            fix="install opencv-python-headless 4.x (5.x ships no Haar cascades)",
        )
    return detector


def face_blur(frames: np.ndarray) -> tuple[np.ndarray, int]:
    detector = _face_detector()
    out = np.empty_like(frames)
    count = 0
    for i, frame in enumerate(frames):
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        boxes = detector.detectMultiScale(gray, scaleFactor=1.1, minNeighbors=5, minSize=(MIN_FACE_PX + 1, MIN_FACE_PX + 1))
        boxes = [tuple(int(v) for v in b) for b in (boxes if len(boxes) else [])]
        count += len(boxes)
        out[i] = pixelate_boxes(frame, boxes) if boxes else frame
    return out, count


def cosmos_guardrail_installed() -> bool:
    return importlib.util.find_spec("cosmos_guardrail") is not None


def run_guardrail(frames: np.ndarray, mode: str = "auto") -> tuple[np.ndarray, GuardrailResult]:
    """Apply the guardrail to uint8 [T, H, W, 3] frames; a blocked clip comes back as black frames."""
    if mode not in GUARDRAIL_MODES:
        raise ConfigError(f"guardrail={mode!r} is not supported.", fix=f"use one of {GUARDRAIL_MODES}")
    if mode == "off":
        return frames, GuardrailResult("off", 0, False)
    if mode == "cosmos" or (mode == "auto" and cosmos_guardrail_installed()):
        if not cosmos_guardrail_installed():
            raise ConfigError("guardrail='cosmos' but cosmos_guardrail is not installed.", fix="pip install cosmos_guardrail, or use 'auto'")
        from cosmos_guardrail import CosmosSafetyChecker

        checked = CosmosSafetyChecker().check_video_safety(frames)
        if checked is None:
            return np.zeros_like(frames), GuardrailResult("cosmos-guardrail", 0, True)
        return np.asarray(checked, dtype=np.uint8), GuardrailResult("cosmos-guardrail", 0, False)
    blurred, faces = face_blur(frames)
    return blurred, GuardrailResult("worldmill-face-blur", faces, False)
