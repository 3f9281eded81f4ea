"""Surface materials as data (``data/materials.yaml``): baked, tileable texture tiles per (material, seed
variant), packed with their mip levels into one atlas that the ray cast samples by world-planar UV.

A tile is an RGB factor on the primitive's albedo whose mean luminance is 1, so a wall keeps its colour from
afar and shows bricks, slabs, planks or grass blades up close; the kernel picks the mip level from the pixel's
footprint, so distant surfaces are filtered rather than aliased. Tiles are drawn with numpy from a seeded
generator (no downloads), once per process per variant.
"""

from __future__ import annotations

import dataclasses
import functools
import zlib
from collections.abc import Callable, Sequence

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from worldmill.errors import RenderError
from worldmill.taxonomy.files import DEFAULT_DATA_DIR, validate_file

TILE_PX = 128  # every tile is square, TILE_PX at level 0, halved down to 1 px
LEVELS = TILE_PX.bit_length()  # 128, 64, ..., 1
VARIANTS = 3  # distinct drawings of each material; a scene's seed picks one
ENCODE = 127.5  # a texel stores factor * ENCODE (factors 0..2)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MaterialSpec(_Strict):
    kind: str
    tile_m: float = Field(gt=0.0)
    tint: tuple[float, float, float] = (1.0, 1.0, 1.0)
    accent: tuple[float, float, float] = (0.6, 0.6, 0.6)
    contrast: float = Field(default=1.0, ge=0.0)
    weathering: float = Field(default=0.25, ge=0.0, le=1.0)


class MaterialsFile(_Strict):
    version: int
    materials: dict[str, MaterialSpec]
    classes: dict[str, list[str]]
    patterns: dict[str, list[str]] = {}
    mesh_classes: dict[str, list[str]] = {}
    mesh_kinds: dict[str, list[str]] = {}  # by library "kind" or "kind:style", before the class; [] keeps it baked
    smooth_patterns: list[str] = []


@functools.lru_cache(maxsize=1)
def material_table() -> MaterialsFile:
    """The packaged materials, read and checked once per process."""
    path = DEFAULT_DATA_DIR / "materials.yaml"
    table = validate_file(path, MaterialsFile, fix="each material needs kind and tile_m; classes list material names")
    for name, spec in table.materials.items():
        if spec.kind not in GENERATORS:
            raise RenderError(
                f"{path}: material {name!r} has kind {spec.kind!r}, which no generator draws.",
                fix=f"use one of {sorted(GENERATORS)}",
            )
    for cls, names in {**table.classes, **table.patterns, **table.mesh_classes}.items():
        unknown = [n for n in names if n not in table.materials]
        if unknown or not names:
            raise RenderError(
                f"{path}: class or pattern {cls!r} names materials {unknown or names} that are not defined.",
                fix="define them under materials, or list at least one defined material",
            )
    for kind, names in table.mesh_kinds.items():
        unknown = [n for n in names if n not in table.materials]
        if unknown:
            raise RenderError(
                f"{path}: library kind {kind!r} names materials {unknown} that are not defined.",
                fix="define them under materials, or give [] to keep the model's baked colours",
            )
    return table


# -- tileable building blocks (all periodic over the tile) -------------------------------------------------


def _noise(rng: np.random.Generator, cells_y: int, cells_x: int | None = None, size: int = TILE_PX) -> np.ndarray:
    """Tileable value noise in [0, 1]: a random lattice of cells_y x cells_x, smoothly interpolated."""
    cells_x = cells_y if cells_x is None else cells_x
    grid = rng.random((cells_y, cells_x))

    def axis(cells: int):
        t = np.arange(size) * cells / size
        i0 = np.floor(t).astype(int)
        f = t - i0
        return i0 % cells, (i0 + 1) % cells, f * f * (3.0 - 2.0 * f)

    y0, y1, fy = axis(cells_y)
    x0, x1, fx = axis(cells_x)
    fx, fy = fx[None, :], fy[:, None]
    top = grid[y0][:, x0] * (1 - fx) + grid[y0][:, x1] * fx
    bottom = grid[y1][:, x0] * (1 - fx) + grid[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


def _fbm(rng: np.random.Generator, cells: int, octaves: int, gain: float = 0.5, stretch: float = 1.0) -> np.ndarray:
    """Fractal sum of tileable noise, normalised to [0, 1]; ``stretch`` > 1 elongates features along u."""
    total = np.zeros((TILE_PX, TILE_PX))
    amp, norm = 1.0, 0.0
    for o in range(octaves):
        c = min(cells << o, TILE_PX)
        total += amp * _noise(rng, c, max(1, round(c / stretch)))
        norm += amp
        amp *= gain
    total /= norm
    return (total - total.min()) / max(total.max() - total.min(), 1e-6)


def _cells(rng: np.random.Generator, grid: int, jitter: float = 0.8):
    """Tileable Voronoi over jittered points on a grid x grid lattice: (F1, F2 distances in cell units, cell id)."""
    pts = (np.arange(grid)[:, None, None] + 0.5 + jitter * (rng.random((grid, grid, 2)) - 0.5)).astype(np.float64)
    pts[..., 0] = np.arange(grid)[:, None] + 0.5 + jitter * (rng.random((grid, grid)) - 0.5)
    pts[..., 1] = np.arange(grid)[None, :] + 0.5 + jitter * (rng.random((grid, grid)) - 0.5)
    t = (np.arange(TILE_PX) + 0.5) * grid / TILE_PX
    py, px = np.meshgrid(t, t, indexing="ij")
    cy, cx = np.floor(py).astype(int), np.floor(px).astype(int)
    f1 = np.full(py.shape, np.inf)
    f2 = np.full(py.shape, np.inf)
    ident = np.zeros(py.shape, dtype=np.int64)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            ny, nx = cy + dy, cx + dx
            p = pts[ny % grid, nx % grid]
            qy = p[..., 0] + (ny - ny % grid)
            qx = p[..., 1] + (nx - nx % grid)
            d = np.hypot(py - qy, px - qx)
            closer = d < f1
            f2 = np.where(closer, f1, np.minimum(f2, d))
            ident = np.where(closer, (ny % grid) * grid + nx % grid, ident)
            f1 = np.where(closer, d, f1)
    return f1, f2, ident


def _grey(a: np.ndarray) -> np.ndarray:
    return np.repeat(a[..., None], 3, axis=2)


def _mix(a: np.ndarray, colour: Sequence[float], mask: np.ndarray) -> np.ndarray:
    """``a`` with ``colour`` blended in where ``mask`` (0..1) is set."""
    return a * (1 - mask[..., None]) + np.asarray(colour)[None, None, :] * mask[..., None]


def _courses(rows: int, per_row: int, mortar_px: float, stagger: float = 0.5):
    """Running-bond layout: (mortar mask 0..1, unit id) for ``rows`` courses of ``per_row`` units."""
    y = np.arange(TILE_PX)[:, None] + 0.5
    x = np.arange(TILE_PX)[None, :] + 0.5
    h = TILE_PX / rows
    w = TILE_PX / per_row
    row = np.floor(y / h)
    xs = (x + (row % 2) * stagger * w) % TILE_PX
    col = np.floor(xs / w)
    dy = np.minimum(y - row * h, (row + 1) * h - y)
    dx = np.minimum(xs - col * w, (col + 1) * w - xs)
    mortar = np.clip(mortar_px + 0.5 - np.minimum(dx, dy), 0.0, 1.0)
    return mortar, (row * per_row + col).astype(np.int64)


def _unit_tone(rng: np.random.Generator, ident: np.ndarray, spread: float) -> np.ndarray:
    tones = 1.0 + spread * (rng.random(int(ident.max()) + 1) - 0.5)
    return tones[ident]


# -- generators: (spec, rng) -> float RGB factor [TILE_PX, TILE_PX, 3] -------------------------------------


def _plaster(spec, rng):
    return _grey(0.86 + 0.1 * _fbm(rng, 4, 5, 0.55) + 0.1 * _fbm(rng, 16, 3) + 0.06 * _fbm(rng, 48, 2))


def _concrete(spec, rng):
    base = 0.78 + 0.3 * _fbm(rng, 3, 6, 0.6)
    pores = rng.random((TILE_PX, TILE_PX)) < 0.012
    base = np.where(pores, base * 0.6, base)
    joint = np.zeros((TILE_PX, TILE_PX))
    joint[:1, :] = 1.0
    joint[:, :1] = 1.0
    return _mix(_grey(base), np.asarray(spec.accent) * 0.9, joint * 0.6)


def _brick(spec, rng):
    mortar, ident = _courses(16, 4, 0.9)
    tone = _unit_tone(rng, ident, 0.45) * (0.85 + 0.3 * _fbm(rng, 16, 3))
    face = np.asarray(spec.tint)[None, None, :] * tone[..., None]
    return _mix(face, spec.accent, mortar)


def _ashlar(spec, rng):
    mortar, ident = _courses(6, 3, 0.7, stagger=0.35)
    grain = 0.12 * _fbm(rng, 32, 2) + 0.06 * rng.random((TILE_PX, TILE_PX))  # the stone's own grain
    tone = _unit_tone(rng, ident, 0.25) * (0.74 + 0.35 * _fbm(rng, 8, 5, 0.6) + grain)
    return _mix(_grey(tone), np.asarray(spec.accent) * 1.1, mortar)


def _marble(spec, rng):
    warp = _fbm(rng, 3, 5, 0.6)
    u = np.arange(TILE_PX)[None, :] / TILE_PX
    v = np.arange(TILE_PX)[:, None] / TILE_PX
    veins = np.abs(np.sin(2 * np.pi * (2 * u + v) + 7.0 * warp))
    base = 0.95 + 0.1 * _fbm(rng, 6, 4) - 0.45 * (veins < 0.08) * (1 - veins / 0.08)
    return _grey(base)


def _marble_slabs(spec, rng):
    """A polished stone floor: 2 x 2 slabs per tile, each cut from another part of the block (its own vein
    direction and tone), fine crystalline grain, hairline joints."""
    mortar, ident = _courses(2, 2, 0.7, stagger=0.0)
    u = np.arange(TILE_PX)[None, :] / TILE_PX
    v = np.arange(TILE_PX)[:, None] / TILE_PX
    warp = _fbm(rng, 3, 5, 0.6)
    slab_angle = (rng.random(4) * 2.0 + 0.5)[ident]
    slab_phase = (rng.random(4) * 6.28)[ident]
    veins = np.abs(np.sin(2 * np.pi * (slab_angle * u + v) * 1.5 + 6.0 * warp + slab_phase))
    vein = (veins < 0.1) * (1 - veins / 0.1)
    cloud = _fbm(rng, 8, 4, 0.6)
    grain = _fbm(rng, 64, 1) - 0.5 + 0.5 * (rng.random((TILE_PX, TILE_PX)) - 0.5)  # calcite crystals
    tone = _unit_tone(rng, ident, 0.12) * (0.92 + 0.14 * cloud + 0.1 * grain) - 0.3 * vein
    return _mix(_grey(tone), spec.accent, mortar)


def _tiles(spec, rng):
    mortar, ident = _courses(2, 2, 1.2, stagger=0.0)
    grain = 0.08 * _fbm(rng, 24, 3) + 0.05 * (rng.random((TILE_PX, TILE_PX)) < 0.04)  # stone grain, flecks
    tone = _unit_tone(rng, ident, 0.14) * (0.9 + 0.12 * _fbm(rng, 8, 4) + grain)
    return _mix(_grey(tone), spec.accent, mortar)


def _checker(spec, rng):
    mortar, ident = _courses(4, 4, 0.9, stagger=0.0)
    r, c = ident // 4, ident % 4
    tone = np.where((r + c) % 2 == 0, 1.25, 0.72) * _unit_tone(rng, ident, 0.06) * (0.95 + 0.08 * _fbm(rng, 8, 4))
    return _mix(_grey(tone), spec.accent, mortar)


def _planks(spec, rng):
    boards = 8  # 20 cm boards across a 1.6 m tile, three lengths along it
    y = np.arange(TILE_PX)[:, None]
    row = (y * boards) // TILE_PX
    x = np.arange(TILE_PX)[None, :]
    offset = (rng.integers(0, TILE_PX, boards))[row]
    xs = (x + offset) % TILE_PX
    col = (xs * 3) // TILE_PX
    ident = (row * 3 + col).astype(np.int64)
    grain = _fbm(rng, 16, 3, 0.6, stretch=12.0)
    tone = _unit_tone(rng, ident, 0.4) * (0.8 + 0.35 * grain)
    seam_y = ((y * boards) % TILE_PX) < boards * 0.9
    seam_x = ((xs * 3) % TILE_PX) < 3 * 0.9
    tone = np.where(seam_y | seam_x, tone * 0.55, tone)
    return np.asarray(spec.tint)[None, None, :] * tone[..., None]


def _asphalt(spec, rng):
    fine = _fbm(rng, 32, 3, 0.6)
    grit = rng.random((TILE_PX, TILE_PX))
    base = 0.82 + 0.22 * fine + 0.18 * (grit - 0.5)
    base = np.where(grit > 0.985, base * 1.6, base)  # pale aggregate
    wear = _fbm(rng, 2, 3)
    return _grey(base * (0.9 + 0.2 * wear))


def _slabs(spec, rng):
    mortar, ident = _courses(4, 4, 0.8, stagger=0.0)
    tone = _unit_tone(rng, ident, 0.3) * (0.8 + 0.3 * _fbm(rng, 12, 4, 0.6) + 0.1 * _fbm(rng, 48, 2))
    return _mix(_grey(tone), spec.accent, mortar)


def _cobbles(spec, rng):
    f1, f2, ident = _cells(rng, 10)
    edge = np.clip(1.0 - (f2 - f1) / 0.12, 0.0, 1.0)
    tone = _unit_tone(rng, ident, 0.4) * (1.05 - 0.25 * f1)
    return _mix(_grey(tone), spec.accent, edge)


def _grass(spec, rng):
    blades = _fbm(rng, 64, 2, 0.5, stretch=0.25)
    tufts = _fbm(rng, 16, 2)
    clumps = _fbm(rng, 6, 3)
    dry = _fbm(rng, 3, 2)
    lum = (0.45 + 0.45 * blades + 0.3 * tufts) * (0.75 + 0.5 * clumps)
    hue = np.stack([1.0 + 0.18 * dry, 1.0 + 0.04 * dry, 1.0 - 0.1 * dry], axis=-1)
    return lum[..., None] * hue


def _gravel(spec, rng):
    f1, f2, ident = _cells(rng, 24, 0.9)
    edge = np.clip(1.0 - (f2 - f1) / 0.15, 0.0, 1.0)
    tone = _unit_tone(rng, ident, 0.7)
    warm = _unit_tone(rng, ident, 0.12)
    rgb = np.stack([tone * warm, tone, tone / warm], axis=-1)
    return _mix(rgb * np.asarray(spec.tint), (0.35, 0.34, 0.33), edge * 0.8)


def _sand(spec, rng):
    u = np.arange(TILE_PX)[None, :] / TILE_PX
    v = np.arange(TILE_PX)[:, None] / TILE_PX
    ripples = 0.5 + 0.5 * np.sin(2 * np.pi * (5 * v + u) + 3.0 * _fbm(rng, 3, 3))
    base = 0.85 + 0.12 * ripples + 0.12 * (rng.random((TILE_PX, TILE_PX)) - 0.5)
    return _grey(base) * np.asarray(spec.tint)


def _ripples(spec, rng):
    u = np.arange(TILE_PX)[None, :] / TILE_PX
    v = np.arange(TILE_PX)[:, None] / TILE_PX
    warp = _fbm(rng, 4, 3)
    waves = np.zeros((TILE_PX, TILE_PX))
    for ku, kv in ((3, 1), (-2, 4), (5, -3), (1, 7)):
        waves += np.sin(2 * np.pi * (ku * u + kv * v) + 4.0 * warp + rng.random() * 6.28)
    crest = np.clip(waves / 4.0, -1.0, 1.0)
    return _grey(1.0 + 0.35 * crest + 0.25 * np.clip(crest - 0.5, 0.0, 1.0))


def _roof(spec, rng):
    rows = 8
    y = np.arange(TILE_PX)[:, None] + 0.5
    frac = (y * rows / TILE_PX) % 1.0  # 0 at a course's top (up-slope), 1 at its lower edge
    mortar, ident = _courses(rows, 6, 0.4)
    tone = _unit_tone(rng, ident, 0.3) * (0.7 + 0.45 * frac) * (0.9 + 0.15 * _fbm(rng, 12, 3))
    return np.asarray(spec.tint)[None, None, :] * np.where(mortar > 0.5, 0.4, tone)[..., None]


def _panels(spec, rng):
    mortar, ident = _courses(2, 2, 1.4, stagger=0.0)
    holes = rng.random((TILE_PX, TILE_PX)) < 0.06
    tone = _unit_tone(rng, ident, 0.06) * (0.97 + 0.05 * _fbm(rng, 6, 3)) - 0.18 * holes
    return _mix(_grey(tone), spec.accent, mortar)


def _weave(spec, rng):
    y = np.arange(TILE_PX)[:, None]
    x = np.arange(TILE_PX)[None, :]
    warp_up = ((x // 2 + y // 2) % 2 == 0).astype(float)
    threads = 0.85 + 0.2 * warp_up + 0.15 * (rng.random((TILE_PX, TILE_PX)) - 0.5)
    return _grey(threads * (0.9 + 0.2 * _fbm(rng, 4, 3)))


def _brushed(spec, rng):
    return _grey(0.88 + 0.22 * _fbm(rng, 48, 2, 0.5, stretch=24.0) + 0.06 * _fbm(rng, 3, 3))


def _leaves(spec, rng):
    f1, _f2, ident = _cells(rng, 14, 0.9)
    tone = _unit_tone(rng, ident, 0.8) * (1.15 - 0.6 * f1)
    yellow = _unit_tone(rng, ident, 0.3)
    return np.stack([tone * yellow, tone, tone * 0.8], axis=-1)


def _bark(spec, rng):
    ridges = _fbm(rng, 24, 3, 0.55, stretch=0.15)  # furrows running up the trunk (v)
    f1, f2, _ = _cells(rng, 6, 0.9)
    return _grey((0.55 + 0.8 * ridges) * (1.0 - 0.35 * np.clip(1.0 - (f2 - f1) / 0.1, 0.0, 1.0)))


def _rock(spec, rng):
    base = 0.6 + 0.7 * _fbm(rng, 3, 6, 0.62)
    f1, f2, _ = _cells(rng, 5, 0.9)
    cracks = np.clip(1.0 - (f2 - f1) / 0.06, 0.0, 1.0)
    return _grey(base * (1.0 - 0.5 * cracks))


def _brush(spec, rng):
    strokes = _fbm(rng, 24, 3, 0.55, stretch=0.3) * 0.6 + _fbm(rng, 24, 3, 0.55, stretch=3.0) * 0.4
    tint = np.stack([_fbm(rng, 2, 2), _fbm(rng, 2, 2), _fbm(rng, 2, 2)], axis=-1)
    return (0.6 + 0.8 * strokes)[..., None] * (0.85 + 0.3 * tint)


def _clouds(spec, rng):
    """Cloud density 0..1 (not a factor): billows over wisps; the kernel thresholds it by the cover."""
    return _grey(_fbm(rng, 4, 6, 0.55))


GENERATORS: dict[str, Callable[[MaterialSpec, np.random.Generator], np.ndarray]] = {
    "plaster": _plaster,
    "concrete": _concrete,
    "brick": _brick,
    "ashlar": _ashlar,
    "marble": _marble,
    "marble_slabs": _marble_slabs,
    "tiles": _tiles,
    "checker": _checker,
    "planks": _planks,
    "asphalt": _asphalt,
    "slabs": _slabs,
    "cobbles": _cobbles,
    "grass": _grass,
    "gravel": _gravel,
    "sand": _sand,
    "ripples": _ripples,
    "roof": _roof,
    "panels": _panels,
    "weave": _weave,
    "brushed": _brushed,
    "leaves": _leaves,
    "rock": _rock,
    "bark": _bark,
    "brush": _brush,
    "clouds": _clouds,
}
RAW_KINDS = frozenset({"clouds"})  # tiles that are data, not albedo factors: no tint, no normalisation
SELF_TINTED = frozenset({"brick", "planks", "sand", "roof", "gravel"})  # tint the units, not their joints


def _seed(name: str, variant: int) -> int:
    return zlib.crc32(f"{name}:{variant}".encode())


def material_tile(name: str, variant: int) -> np.ndarray:
    """The level-0 tile of material ``name``, drawing ``variant``: float32 RGB factor [TILE_PX, TILE_PX, 3]
    with mean luminance 1 (cloud density for the sky's tile). The same for every process and machine."""
    spec = material_table().materials[name]
    tile = np.asarray(GENERATORS[spec.kind](spec, np.random.default_rng(_seed(name, variant))), dtype=np.float64)
    if spec.kind not in RAW_KINDS:
        luma = tile @ np.array([0.2126, 0.7152, 0.0722])
        mean = float(luma.mean())
        tile = tile / max(mean, 1e-6)
        lm = luma / max(mean, 1e-6)
        tile = tile + (spec.contrast - 1.0) * (tile - lm.mean())  # contrast around the mean
        if spec.kind not in SELF_TINTED:
            tile = tile * np.asarray(spec.tint)[None, None, :]
    return np.clip(tile, 0.0, 1.99).astype(np.float32)


@dataclasses.dataclass(frozen=True)
class MaterialAtlasArrays:
    texels: np.ndarray  # uint8 [rows, width, 3]: factor * ENCODE; level 0, then each halving below it
    level_rows: np.ndarray  # int32 [LEVELS]
    rects: np.ndarray  # float32 [M, 4]: x0, y0, width, height of each material's tile at level 0
    metres: np.ndarray  # float32 [M]: metres one tile spans
    weathering: np.ndarray  # float32 [M]: depth of the metre-scale weathering layer
    names: tuple[str, ...]  # material names, in atlas order

    def index(self, name: str) -> int:
        return self.names.index(name)


@functools.lru_cache(maxsize=VARIANTS)
def material_atlas(variant: int) -> MaterialAtlasArrays:
    """Every material's tile of ``variant`` side by side, with its mip levels (each tile halved on its own, so
    no level bleeds between materials and every level stays tileable)."""
    table = material_table()
    names = tuple(table.materials)
    width = TILE_PX * len(names)
    tiles = [material_tile(name, variant) for name in names]
    levels = []
    for lv in range(LEVELS):
        side = TILE_PX >> lv
        row = np.zeros((side, width, 3), dtype=np.float32)
        for i, tile in enumerate(tiles):
            if side < TILE_PX:
                k = TILE_PX // side
                tile = tile.reshape(side, k, side, k, 3).mean(axis=(1, 3))
            row[:, i * side : (i + 1) * side] = tile
        levels.append(row)
    level_rows = np.cumsum([0] + [lv.shape[0] for lv in levels[:-1]]).astype(np.int32)
    texels = np.zeros((sum(lv.shape[0] for lv in levels), width, 3), dtype=np.uint8)
    for first, lv in zip(level_rows, levels, strict=True):
        texels[first : first + lv.shape[0], : lv.shape[1]] = np.clip(lv * ENCODE + 0.5, 0, 255).astype(np.uint8)
    rects = np.array([(i * TILE_PX, 0, TILE_PX, TILE_PX) for i in range(len(names))], dtype=np.float32)
    metres = np.array([table.materials[n].tile_m for n in names], dtype=np.float32)
    weathering = np.array([table.materials[n].weathering for n in names], dtype=np.float32)
    return MaterialAtlasArrays(texels, level_rows, rects, metres, weathering, names)


def variant_of(seed: int) -> int:
    return int(seed) % VARIANTS


def primitive_materials(
    class_names: Sequence[str],
    patterns: Sequence[str],
    instance_ids: Sequence[int],
    seed: int,
    is_mesh: Sequence[bool | str] | None = None,
) -> np.ndarray:
    """int32 [N]: the atlas index of each primitive's material (-1: smooth), chosen among its pattern's
    materials (foliage) or else its class's by instance id and scene seed, so one object's parts agree.
    Library meshes (``is_mesh``: the library key, or True) take one only where their kind is listed under
    ``mesh_kinds`` or else their class under ``mesh_classes`` (rigid models)."""
    table = material_table()
    index = {name: i for i, name in enumerate(table.materials)}  # the atlas's order
    smooth = set(table.smooth_patterns)
    meshes = is_mesh if is_mesh is not None else [False] * len(class_names)
    out = np.full(len(class_names), -1, dtype=np.int32)
    for i, (cls, pattern, inst, mesh) in enumerate(zip(class_names, patterns, instance_ids, meshes, strict=True)):
        if mesh:
            kind, _, rest = str(mesh).partition(":")
            style = rest.partition(":")[2]
            choices = table.mesh_kinds.get(f"{kind}:{style}", table.mesh_kinds.get(kind, table.mesh_classes.get(cls)))
        else:
            choices = table.patterns.get(pattern) or table.classes.get(cls)
        if not choices or pattern in smooth:
            continue
        pick = choices[zlib.crc32(f"{seed}:{inst}".encode()) % len(choices)]
        out[i] = index[pick]
    return out


def class_material(class_name: str, seed: int) -> int:
    """The atlas index of the material of a whole class (the ground plane), -1 if it has none."""
    return int(primitive_materials([class_name], [""], [0], seed)[0])


def object_materials(objects: Sequence, seed: int) -> tuple[str, ...]:
    """The material name of each scene object's largest textured part ("" where none): the surface the renderer
    draws on it (``primitive_materials``), which the prompt's architecture sentence names."""
    parts = [(i, p) for i, o in enumerate(objects) for p in o.parts]
    if not parts:
        return ("",) * len(objects)
    index = primitive_materials(
        [objects[i].class_name for i, _ in parts],
        [p.pattern for _, p in parts],
        [objects[i].instance_id for i, _ in parts],
        seed,
        [p.mesh if p.shape == "mesh" else "" for _, p in parts],
    )
    names = list(material_table().materials)
    best: dict[int, tuple[float, str]] = {}
    for (i, part), k in zip(parts, index, strict=True):
        _, b, c = sorted(part.size)
        area = c * b  # the part's largest face
        if k >= 0 and area > best.get(i, (-1.0, ""))[0]:
            best[i] = (area, names[k])
    return tuple(best.get(i, (0.0, ""))[1] for i in range(len(objects)))
