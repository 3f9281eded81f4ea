"""The clip's sign atlas: every sign face of the scene drawn once into one uint8 RGB image with its mip levels,
and per primitive the rectangle its front face samples (``kernels.sign_surface``).

Faces are rasterised at a resolution set by their number of text lines (about 64 px a line) and the board's
aspect, packed on shelves, and halved level by level (area filter) so that distant signs are filtered rather
than aliased. Rectangles are aligned to the coarsest level, so every level's rectangle is exact.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence

import cv2
import numpy as np

from worldmill.scenes.model import Scene
from worldmill.scenes.visibility import Visibility
from worldmill.signage.board import SignFace, draw_sign

LEVELS = 5  # level 0 and four halvings
ALIGN = 1 << (LEVELS - 1)
LINE_PX = 64  # raster height of one text line at level 0
PICTURE_LINES = 3  # a screen's picture is drawn as tall as this many text lines
MAX_SIDE_PX = 1024
ATLAS_WIDTH = 2048


@dataclasses.dataclass(frozen=True)
class SignAtlasArrays:
    texels: np.ndarray  # uint8 [rows, width, 3]: level 0, then each halving below it (left-aligned)
    level_rows: np.ndarray  # int32 [LEVELS]: first row of each level
    rects: np.ndarray  # float32 [N, 4] per primitive: x0, y0, width, height at level 0 (width 0: no sign)
    sides: np.ndarray  # int32 [N]: 1 front face only, 2 both faces
    fonts: tuple[str, ...]  # "Noto Sans Arabic Bold (OFL-1.1)", ... of the faces drawn

    @property
    def levels(self) -> int:
        return len(self.level_rows)


def _raster_size(face: SignFace, width_m: float, height_m: float) -> tuple[int, int]:
    lines = len(face.rows) + 1 if face.layout == "board" else max(len(face.lines), 1)
    if face.layout == "picture":
        lines = PICTURE_LINES
    height = LINE_PX * lines * (1.0 if face.layout != "board" else 0.75) + LINE_PX * 0.3
    width = height * width_m / max(height_m, 1e-3)
    scale = min(1.0, MAX_SIDE_PX / max(width, height))
    return tuple(max(ALIGN * 2, int(np.ceil(v * scale / ALIGN)) * ALIGN) for v in (width, height))  # type: ignore[return-value]


def _pack(sizes: Sequence[tuple[int, int]], width: int) -> tuple[list[tuple[int, int]], int]:
    """Shelf packing, tallest first: the (x, y) of each size and the atlas height (multiples of ALIGN)."""
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i][1])
    spots: list[tuple[int, int]] = [(0, 0)] * len(sizes)
    x = y = shelf = 0
    for i in order:
        w, h = sizes[i]
        if x + w > width:
            x, y, shelf = 0, y + shelf, 0
        spots[i] = (x, y)
        x, shelf = x + w, max(shelf, h)
    return spots, y + shelf


@functools.lru_cache(maxsize=64)
def _drawn(spec: str, width: int, height: int) -> np.ndarray:
    """One sign face's raster: the same for every render of a clip (the camera-path checks and the final one)."""
    return draw_sign(SignFace.from_spec(spec), width, height)


def build_sign_atlas(textures: Sequence[str], sizes: np.ndarray) -> SignAtlasArrays:
    """The atlas for primitives with ``textures`` (SignFace specs, "" for none) and full ``sizes`` [N, 3] (m)."""
    n = len(textures)
    rects = np.zeros((n, 4), dtype=np.float32)
    sides = np.ones(n, dtype=np.int32)
    keys: dict[tuple[str, int, int], int] = {}
    faces: list[str] = []  # the distinct specs, in atlas order
    raster: list[tuple[int, int]] = []
    owner = np.full(n, -1)
    for i, spec in enumerate(textures):
        if not spec:
            continue
        face = SignFace.from_spec(spec)
        size = _raster_size(face, float(sizes[i][0]), float(sizes[i][2]))
        key = (spec, *size)
        if key not in keys:
            keys[key] = len(faces)
            faces.append(spec)
            raster.append(size)
        owner[i] = keys[key]
        sides[i] = face.sides
    if not faces:
        return SignAtlasArrays(np.zeros((1, 1, 3), np.uint8), np.zeros(1, np.int32), rects, sides, ())
    width = max(ATLAS_WIDTH, max(w for w, _ in raster))
    spots, height = _pack(raster, width)
    level0 = np.zeros((height, width, 3), dtype=np.uint8)
    for (x, y), (w, h), spec in zip(spots, raster, faces, strict=True):
        level0[y : y + h, x : x + w] = _drawn(spec, w, h)
    levels = [level0]
    for _ in range(1, LEVELS):
        prev = levels[-1]
        levels.append(cv2.resize(prev, (prev.shape[1] // 2, prev.shape[0] // 2), interpolation=cv2.INTER_AREA))
    texels = np.zeros((sum(lv.shape[0] for lv in levels), width, 3), dtype=np.uint8)
    level_rows = np.cumsum([0] + [lv.shape[0] for lv in levels[:-1]]).astype(np.int32)
    for row, lv in zip(level_rows, levels, strict=True):
        texels[row : row + lv.shape[0], : lv.shape[1]] = lv
    for i in np.flatnonzero(owner >= 0):
        (x, y), (w, h) = spots[owner[i]], raster[owner[i]]
        rects[i] = (x, y, w, h)
    fonts = tuple(dict.fromkeys(f.credit for spec in faces for f in SignFace.from_spec(spec).fonts()))
    return SignAtlasArrays(texels, level_rows, rects, sides, fonts)


def scene_sign_fonts(textures: Sequence[str]) -> tuple[str, ...]:
    """The fonts (with licences) that these sign faces are set in, without drawing them."""
    faces = {SignFace.from_spec(t) for t in dict.fromkeys(textures) if t}
    return tuple(sorted({f.credit for face in faces for f in face.fonts()}))


def shown_sign_fonts(scene: Scene, visibility: Visibility) -> tuple[str, ...]:
    """The fonts of the signs the clip shows: the sign faces of the instances that ``visibility`` (the clip's
    one measurement) counts as visible."""
    shown = set(visibility.instance_ids[visibility.visible].tolist())
    return scene_sign_fonts([p.texture for o in scene.objects if o.instance_id in shown for p in o.parts if p.texture])
