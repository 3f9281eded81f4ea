"""Control signals derived from the render, as Cosmos-Transfer1 derives them from an input video: Canny
edges, a bilateral-blurred ``vis`` video, and spatiotemporal control maps that weight each modality per pixel.

Control maps follow Transfer1: where the weights at a pixel sum to more than 1 they are normalised to sum to
1. The default map follows the paper's SalientObject study: dense modalities (vis, edge) on the foreground
(people, animals, vehicles, decor, the landmark and near objects), sparse ones (depth, seg) on the background.
"""

from __future__ import annotations

import dataclasses
import functools

import cv2
import numpy as np

from worldmill.errors import RenderError
from worldmill.render.raycast import RenderPasses
from worldmill.taxonomy.classes import SemanticClasses

MODALITIES: tuple[str, ...] = ("vis", "edge", "depth", "seg")
# Transfer1 blurs 720p frames with a bilateral filter of diameter 30, sigma colour 150, sigma space 100; the
# same footprint relative to the frame is applied here on a frame downscaled to about 128 rows (then
# upscaled), which costs a few hundredths of the full-resolution filter.
VIS_WORK_ROWS = 128
VIS_REFERENCE_ROWS = 704
VIS_DIAMETER, VIS_SIGMA_COLOR, VIS_SIGMA_SPACE = 30, 150.0, 100.0
CANNY_LOW, CANNY_HIGH = 100, 200  # Transfer1's "medium" Canny preset
# Background "stuff": never foreground, however near.
BACKGROUND_CLASSES = (
    "sky",
    "ground",
    "road",
    "pavement",
    "building",
    "wall",
    "floor",
    "ceiling",
    "window",
    "water",
    "sports_field",
)


@dataclasses.dataclass(frozen=True)
class ControlWeightPolicy:
    """Per-modality weights on foreground and background pixels, in MODALITIES order."""

    foreground: tuple[float, float, float, float] = (0.5, 0.5, 0.0, 0.0)
    background: tuple[float, float, float, float] = (0.0, 0.0, 0.5, 0.5)
    near_fraction: float = 0.25  # objects nearer than this fraction of the median scene depth count as foreground
    dilate_px: int = 2  # grow the foreground so that its outline, where edges live, is inside it


def edge_frame(frame: np.ndarray, low: int = CANNY_LOW, high: int = CANNY_HIGH) -> np.ndarray:
    """Canny edges of one RGB frame: uint8 [H, W] in {0, 255}."""
    return cv2.Canny(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), low, high)


def edges(rgb: np.ndarray, low: int = CANNY_LOW, high: int = CANNY_HIGH) -> np.ndarray:
    """Canny edges of each frame: uint8 [T, H, W] in {0, 255}."""
    rgb = _frames(rgb)
    out = np.empty(rgb.shape[:3], dtype=np.uint8)
    for i, frame in enumerate(rgb):
        out[i] = edge_frame(frame, low, high)
    return out


def vis_frame(frame: np.ndarray) -> np.ndarray:
    """One bilateral-blurred RGB frame (Transfer1's ``vis`` control), filtered at about 128 rows."""
    h, w = frame.shape[:2]
    scale = min(1.0, VIS_WORK_ROWS / h)
    size = (max(8, round(w * scale)), max(8, round(h * scale)))
    rows = size[1]
    diameter = max(3, round(VIS_DIAMETER * rows / VIS_REFERENCE_ROWS)) | 1
    sigma_space = VIS_SIGMA_SPACE * rows / VIS_REFERENCE_ROWS
    small = cv2.resize(frame, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else frame
    blurred = cv2.bilateralFilter(small, diameter, VIS_SIGMA_COLOR, sigma_space)
    return cv2.resize(blurred, (w, h), interpolation=cv2.INTER_LINEAR) if scale < 1.0 else blurred


def vis(rgb: np.ndarray) -> np.ndarray:
    """Bilateral-blurred frames: uint8 [T, H, W, 3] (Transfer1's ``vis`` control)."""
    rgb = _frames(rgb)
    out = np.empty_like(rgb)
    for i, frame in enumerate(rgb):
        out[i] = vis_frame(frame)
    return out


def _frames(rgb: np.ndarray) -> np.ndarray:
    rgb = np.asarray(rgb)
    if rgb.ndim != 4 or rgb.shape[-1] != 3 or rgb.dtype != np.uint8:
        raise RenderError(
            f"Expected uint8 RGB frames [T, H, W, 3], got {rgb.dtype} {rgb.shape}.", fix="pass RenderPasses.rgb"
        )
    return rgb


@functools.lru_cache(maxsize=1)
def _default_background_ids() -> np.ndarray:
    classes = SemanticClasses.load()
    return np.array([classes.id(name) for name in BACKGROUND_CLASSES], dtype=np.uint8)


def foreground_mask(
    passes: RenderPasses, policy: ControlWeightPolicy = ControlWeightPolicy(), background_ids: np.ndarray | None = None
) -> np.ndarray:
    """bool [T, H, W]: salient instances plus near objects that are not background stuff."""
    top = int(max(passes.instance.max(initial=0), passes.salient_ids.max(initial=0))) + 1
    salient_lut = np.zeros(top, dtype=bool)
    salient_lut[passes.salient_ids] = True
    salient_lut[0] = False
    thing_lut = np.ones(256, dtype=np.uint8)
    thing_lut[_default_background_ids() if background_ids is None else background_ids] = 0
    finite = np.isfinite(passes.depth)
    sample = passes.depth[finite][::7]
    median = float(np.median(sample)) if sample.size else np.inf
    near_thing = (passes.depth < policy.near_fraction * median) & _lookup(thing_lut, passes.seg) & (passes.instance > 0)
    mask = np.take(salient_lut, passes.instance) | near_thing  # np.take: ~3x a fancy-index gather
    if policy.dilate_px > 0:
        kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * policy.dilate_px + 1, 2 * policy.dilate_px + 1))
        mask = np.stack([cv2.dilate(m.view(np.uint8), kernel) for m in mask]).view(bool)
    return mask


def _lookup(table: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """bool ``table[ids]`` of uint8 ids through a uint8 0/1 table, by OpenCV's lookup (~8x a gather)."""
    if ids.size == 0 or ids.ndim < 2:
        return table[ids].view(bool)
    rows = np.ascontiguousarray(ids).reshape(-1, ids.shape[-1])
    return cv2.LUT(rows, table).reshape(ids.shape).view(bool)


def normalise_weights(weights: np.ndarray) -> np.ndarray:
    """Transfer1's rule: where the modality weights at a site sum to more than 1, scale them to sum to 1.

    ``weights`` is [N_modalities, ...]; the first axis is summed.
    """
    weights = np.asarray(weights, dtype=np.float32)
    if (weights < 0).any() or not np.isfinite(weights).all():
        raise RenderError(
            "Control weights must be finite and non-negative.", fix="clip the weights to [0, inf) before normalising"
        )
    total = weights.sum(axis=0, keepdims=True)
    return np.where(total > 1.0, weights / np.maximum(total, 1e-12), weights).astype(np.float32)


def control_maps(
    passes: RenderPasses, policy: ControlWeightPolicy = ControlWeightPolicy(), dtype: type = np.float32
) -> np.ndarray:
    """[4, T, H, W] weights for (vis, edge, depth, seg), normalised by Transfer1's rule (float32 by default).

    Every site holds either the foreground or the background vector, so the two vectors are normalised
    once and looked up through the foreground mask.
    """
    mask = foreground_mask(passes, policy).view(np.uint8)
    table = normalise_weights(np.stack([policy.background, policy.foreground], axis=1)).astype(dtype)  # [4, 2]
    out = np.empty((len(MODALITIES),) + mask.shape, dtype=dtype)
    bits = np.dtype(f"u{out.itemsize}")
    for m in range(len(MODALITIES)):
        # background + mask * (foreground - background), on the values' bit patterns with wrapping unsigned
        # arithmetic: exact, and several times faster than a gather through the mask.
        background, foreground = (int(v) for v in table[m].view(bits))
        plane = out[m].view(bits)
        np.multiply(mask, bits.type((foreground - background) % (1 << (8 * bits.itemsize))), out=plane, dtype=bits)
        np.add(plane, bits.type(background), out=plane)
    return out
