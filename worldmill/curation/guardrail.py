"""Face guardrail: find faces in generated footage and pixelate them before the clip is published.

OpenCV 4.x's shipped Haar cascades (frontal and profile; 5.0 dropped them) detect faces of at least 20×20 px,
the size above which the Cosmos guardrail pixelates. Single-frame misses are covered by pixelating each box
over its neighbouring frames too. The clips asset calls ``apply_guardrail`` on the generated file before it
publishes it, so no clip reaches the catalogue unblurred; a guardrail that cannot run raises.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from pathlib import Path

import cv2
import numpy as np

from worldmill.errors import ConfigError
from worldmill.taxonomy.classes import default_classes
from worldmill.video import discard_kept, probe, read_frames, write_rgb

# frontalface_default is left out: on textures it gives many false positives where alt2 gives none.
CASCADES = ("haarcascade_frontalface_alt2.xml", "haarcascade_profileface.xml")
DETECTOR = "opencv-haar:" + "+".join(c.removeprefix("haarcascade_").removesuffix(".xml") for c in CASCADES)
MIN_FACE_PX = 20
FRAME_STRIDE = 3  # detect on every 3rd frame ...
TEMPORAL_SPREAD = 3  # ... and pixelate a box found in frame t in frames t-3 .. t+3 as well
BOX_MARGIN = 0.25  # grow boxes by this fraction per side (hair, ears, chin)
PIXEL_BLOCKS = 8  # a face becomes an 8×8 mosaic
WINDOW_MARGIN = 0.5  # a region's search window grows by this fraction of its size per side
FACE_CLASSES = ("person",)  # the semantic classes where procedural footage can show a face
_CLOSE_REACH = 2  # pixels a region is grown by before its parts are found (a 5×5 dilation)
REGION_SUFFIX = "@" + "+".join(FACE_CLASSES) + "-mask"  # on ``detector`` when only their pixels were searched


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


def detect_faces(frame: np.ndarray, region: np.ndarray | None = None) -> list[tuple[int, int, int, int]]:
    """Face boxes (x, y, w, h) of at least 20×20 px in one uint8 RGB frame, from every cascade; profiles are
    searched in the mirrored frame too (the profile cascade only knows one side).

    ``region``: bool [H, W], where a face can be (procedural footage: the render's person pixels); only the
    windows around its parts large enough to hold a face are searched (see ``search_windows``)."""
    if region is None:
        return _detect(frame)
    boxes = []
    for x0, y0, x1, y1 in search_windows(region):
        boxes += [(x + x0, y + y0, w, h) for x, y, w, h in _detect(frame[y0:y1, x0:x1])]
    return boxes


def search_windows(region: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Windows (x0, y0, x1, y1) that hold every face that can lie in ``region``'s pixels: each connected part
    (closed over a few pixels: video colour noise, thin occluders) whose box is at least ``MIN_FACE_PX`` on
    both sides (no smaller part can hold a detectable face), grown by ``WINDOW_MARGIN`` of its size and at least
    ``MIN_FACE_PX`` (the cascades' boxes reach past the face); overlapping windows are merged."""
    height, width = region.shape
    rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
    if not len(rows):
        return []
    # only the region's box (and the closing's reach) is labelled: the same parts at their own offsets
    top, left = max(0, rows[0] - _CLOSE_REACH), max(0, cols[0] - _CLOSE_REACH)
    box = region[top : rows[-1] + _CLOSE_REACH + 1, left : cols[-1] + _CLOSE_REACH + 1]
    return _part_windows(box, (left, top), (height, width))


def _part_windows(
    region: np.ndarray, offset: tuple[int, int], frame_shape: tuple[int, int]
) -> list[tuple[int, int, int, int]]:
    """``search_windows`` of ``region``, a part of a frame of ``frame_shape`` (height, width) at ``offset`` (x, y)."""
    left, top = offset
    height, width = frame_shape
    mask = cv2.dilate(region.astype(np.uint8), np.ones((2 * _CLOSE_REACH + 1,) * 2, np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    windows = []
    for x, y, w, h, _area in stats[1:count]:
        if w < MIN_FACE_PX or h < MIN_FACE_PX:
            continue
        x, y = x + left, y + top
        grow = max(MIN_FACE_PX, int(WINDOW_MARGIN * max(w, h)))
        windows.append([max(0, x - grow), max(0, y - grow), min(width, x + w + grow), min(height, y + h + grow)])
    merged = True
    while merged:  # until no two windows overlap (a merged window may reach another)
        merged = False
        for i, j in itertools.combinations(range(len(windows)), 2):
            a, b = windows[i], windows[j]
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]:
                windows[i] = [min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3])]
                del windows[j]
                merged = True
                break
    return sorted(tuple(w) for w in windows)  # type: ignore[misc]


def _detect(frame: np.ndarray) -> list[tuple[int, int, int, int]]:
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


def guard_frames(frames: np.ndarray, regions: np.ndarray | None = None) -> tuple[np.ndarray, GuardrailResult]:
    """Pixelated copy of uint8 [T, H, W, 3] frames (``frames`` itself when no face was found) and the outcome
    (``path`` empty; see ``apply_guardrail``).

    ``regions``: bool [T, H, W], where faces can be in each frame (procedural footage, whose render knows
    where people are; only the analysed frames' are read, see ``face_regions``); None searches whole frames
    (generated footage can put a face anywhere)."""
    detections = {t: detect_faces(frames[t], None if regions is None else regions[t]) for t in _analysed(len(frames))}
    out = frames.copy() if any(detections.values()) else frames
    for t, boxes in detections.items():
        for box in sorted(boxes):  # overlapping boxes: one order, whatever order OpenCV's threads found them in
            for u in range(max(0, t - TEMPORAL_SPREAD), min(len(frames), t + TEMPORAL_SPREAD + 1)):
                pixelate(out[u], box)
    faces = sum(len(b) for b in detections.values())
    result = GuardrailResult(
        path=Path(), frames=len(frames), frames_with_faces=sum(bool(b) for b in detections.values()), faces=faces,
        blurred=faces > 0, detector=DETECTOR if regions is None else DETECTOR + REGION_SUFFIX,
    )
    return out, result


def face_regions(seg_rgb: np.ndarray) -> np.ndarray:
    """bool [T, H, W]: the ``FACE_CLASSES`` pixels of a decoded ``seg.mp4`` (uint8 [T, H, W, 3]) in the frames the
    guardrail analyses (``_analysed``); the other frames, which it never reads, stay False."""
    regions = np.zeros(seg_rgb.shape[:3], bool)
    analysed = _analysed(len(seg_rgb))
    regions[analysed] = default_classes().near(seg_rgb[analysed], FACE_CLASSES)
    return regions


def apply_guardrail(rgb_path: Path) -> GuardrailResult:
    """Detect faces in the clip at ``rgb_path`` and, if any, rewrite it (atomically) with them pixelated.

    Raises ``VideoError`` if the clip cannot be read and ``ConfigError`` if the detector cannot load: the
    caller must then not publish the clip.
    """
    return guard_file(rgb_path)[1]


def guard_file(
    rgb_path: Path, regions: np.ndarray | None = None, *, keep: bool = False
) -> tuple[np.ndarray | None, GuardrailResult]:
    """``apply_guardrail``, also returning the clip's decoded frames when the file was left as it was (None
    when it was rewritten: its frames are then those of the new encoding), so callers need not decode it again.
    ``regions``: see ``guard_frames``; ``keep``: the decoded frames stay for the next read of the clip
    (``worldmill.video.read_frames``)."""
    rgb_path = Path(rgb_path)
    frames = read_frames(rgb_path, keep=keep)
    guarded, result = guard_frames(frames, regions)
    if result.blurred:
        write_rgb(rgb_path, guarded, fps=max(1, round(probe(rgb_path).fps)))
        discard_kept(frames)
    return (None if result.blurred else frames), dataclasses.replace(result, path=rgb_path)
