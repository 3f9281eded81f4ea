"""One generator per venue archetype: the structure of the place (streets and towers, wards, galleries,
enclosures, rides, stands), the floor, walls and paths where decor goes, and the camera's free zones.

Generators draw every number from the site's seeded generator, so a plan always yields the same scene.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from worldmill.scenes import shapes
from worldmill.scenes.layout import (
    WALL_MOUNTED,
    Rect,
    SiteBuilder,
    Span,
    boxes_overlap,
    decor_size,
    parts_box,
    place_object,
    tank_holds,
)
from worldmill.scenes.model import CameraZone, Primitive, Road, Vec3
from worldmill.schemas.plan import LANDMARK_KINDS

STYLE_FACADES: tuple[tuple[tuple[str, ...], tuple[Vec3, ...]], ...] = (
    (
        ("glass", "modern", "contemporary", "high-tech", "futur", "tower", "skyscraper"),
        ((0.30, 0.42, 0.55), (0.22, 0.30, 0.40), (0.55, 0.60, 0.66), (0.40, 0.50, 0.58)),
    ),
    (
        ("brick", "victorian", "georgian", "industrial"),
        ((0.45, 0.22, 0.14), (0.55, 0.30, 0.20), (0.38, 0.20, 0.15), (0.60, 0.55, 0.50)),
    ),
    (
        ("colonial", "baroque", "classical", "neoclassical", "beaux", "haussmann", "stone", "gothic", "renaissance"),
        ((0.72, 0.66, 0.54), (0.80, 0.76, 0.66), (0.65, 0.58, 0.48), (0.85, 0.82, 0.75)),
    ),
    (
        ("concrete", "brutalist", "soviet", "socialist", "modernist"),
        ((0.50, 0.50, 0.50), (0.60, 0.60, 0.58), (0.42, 0.43, 0.45), (0.68, 0.66, 0.62)),
    ),
    (
        ("adobe", "mud", "sahel", "desert", "earthen", "islamic", "moorish", "arab"),
        ((0.70, 0.55, 0.38), (0.78, 0.66, 0.50), (0.62, 0.48, 0.34), (0.85, 0.80, 0.70)),
    ),
    (
        ("tropical", "pastel", "art deco", "deco", "mediterranean", "spanish"),
        ((0.85, 0.70, 0.60), (0.60, 0.78, 0.75), (0.88, 0.82, 0.55), (0.82, 0.82, 0.80)),
    ),
    (
        ("timber", "wooden", "traditional", "pagoda", "japanese", "chinese", "nordic"),
        ((0.45, 0.32, 0.22), (0.70, 0.66, 0.60), (0.35, 0.28, 0.22), (0.60, 0.20, 0.15)),
    ),
)
DEFAULT_FACADES: tuple[Vec3, ...] = ((0.45, 0.47, 0.50), (0.60, 0.58, 0.54), (0.30, 0.40, 0.50), (0.70, 0.66, 0.58))


def facade_palette(style: str) -> tuple[Vec3, ...]:
    style = style.lower()
    for keys, palette in STYLE_FACADES:
        if any(k in style for k in keys):
            return palette
    return DEFAULT_FACADES


def _is_night(site: SiteBuilder) -> bool:
    return site.plan.time_of_day == "night" or site.plan.sun_elevation_deg < -4.0


def _decor_has(site: SiteBuilder, class_name: str) -> bool:
    return any(c.semantic_class == class_name for c in site.plan.decor)


# -- shared outdoor pieces ------------------------------------------------------------------------------


def building(
    site: SiteBuilder,
    x: float,
    y: float,
    w: float,
    d: float,
    h: float,
    palette: tuple[Vec3, ...],
    *,
    z0: float = 0.0,
    yaw: float = 0.0,
    decor: str | None = None,
    plant: bool = True,
    label: str = "building",
    salient: bool = False,
) -> tuple[float, float, float, float]:
    """A building volume with a setback top or rooftop plant (``plant``); one instance of class ``building``,
    realising the plan's building kind ``decor`` if given. Returns its flat roof: (top z, width, depth) and the
    kit's yaw, for things that stand on it (a rooftop garden)."""
    rng = site.rng
    colour = shapes.jitter(palette[int(rng.integers(len(palette)))], rng, 0.1)
    glow = 0.0  # night windows light up in the facade material
    p = shapes.Placer(x, y, z0, yaw)
    style = rng.random()
    if style < 0.12 and h > 30:
        parts = [
            p.part("cylinder", (0.0, 0.0, h / 2), (min(w, d), min(w, d), h), colour, pattern="facade", emissive=glow)
        ]
    elif style < 0.4 and h > 25:
        lower = h * site.uniform(0.55, 0.8)
        parts = [
            p.part("box", (0.0, 0.0, lower / 2), (w, d, lower), colour, pattern="facade", emissive=glow),
            p.part(
                "box",
                (0.0, 0.0, lower + (h - lower) / 2),
                (w * 0.7, d * 0.7, h - lower),
                shapes.jitter(colour, rng, 0.08),
                pattern="facade",
                emissive=glow,
            ),
        ]
    else:
        parts = [p.part("box", (0.0, 0.0, h / 2), (w, d, h), colour, pattern="facade", emissive=glow)]
    roof = parts[-1]
    if h > 12 and rng.random() < 0.6 and plant:
        parts.append(
            p.part(
                "box",
                (
                    site.uniform(-w / 5, w / 5),
                    site.uniform(-d / 5, d / 5),
                    parts[-1].center[2] - z0 + parts[-1].size[2] / 2 + 1.5,
                ),
                (w * 0.25, d * 0.25, 3.0),
                (0.45, 0.45, 0.46),
            )
        )
    site.add("building", label, parts, salient=None if decor else salient, occupy=True, decor=decor)
    for nx, ny, fx, fy, length in (
        (1, 0, w / 2, 0, d),
        (-1, 0, -w / 2, 0, d),
        (0, 1, 0, d / 2, w),
        (0, -1, 0, -d / 2, w),
    ):
        cx, cy = x + fx, y + fy
        ax, ay = -ny * length / 2, nx * length / 2
        site.walls.append(Span((cx - ax, cy - ay), (cx + ax, cy + ay), normal=(nx, ny), z=z0, top=min(h, 8.0)))
    top = roof.center[2] + roof.size[2] / 2
    return (top, roof.size[0] * (0.7 if roof.shape == "cylinder" else 1.0), roof.size[1], yaw)


def background_ring(
    site: SiteBuilder, inner: float, outer: float, count: int, h_range: tuple[float, float], palette: tuple[Vec3, ...]
) -> None:
    """Buildings around the site so that horizons show a city, not an empty plane."""
    for _ in range(count):
        a = site.uniform(0, 2 * math.pi)
        r = site.uniform(inner, outer)
        w, d = site.uniform(12, 40), site.uniform(12, 40)
        building(site, r * math.cos(a), r * math.sin(a), w, d, site.uniform(*h_range), palette, yaw=math.degrees(a))


def tree_row(site: SiteBuilder, span: Span, spacing: float, offset: float) -> None:
    n = int(span.length // spacing)
    dx, dy = span.direction
    for i in range(n):
        px, py = span.point((i + 0.5) / n)
        x, y = px - dy * offset, py + dx * offset
        h = site.uniform(5, 10)
        parts = shapes.tree(
            shapes.Placer(x, y, span.z, 0.0), site.uniform(3, 5), h, site.uniform(3, 5), site.rng, site.plan.season
        )
        if site.venue_building is not None and boxes_overlap(parts_box(parts), site.venue_building):
            continue  # the venue's building stands there
        site.add("vegetation", "street tree", parts, salient=False, occupy=True)


def ground_zone(
    site: SiteBuilder, x0: float, x1: float, y: float, half_width: float, top: float, *, along_y: bool = False
) -> None:
    """A walkway band kept free for a camera at eye height (and up to ``top``)."""
    if along_y:
        site.zones.append(CameraZone("ground", (y - half_width, x0, 1.2), (y + half_width, x1, top), (0.0, 1.0)))
        site.keep_out((y - half_width - 0.3, x0 - 1.0, -1.0, y + half_width + 0.3, x1 + 1.0, top + 0.6))
    else:
        site.zones.append(CameraZone("ground", (x0, y - half_width, 1.2), (x1, y + half_width, top), (1.0, 0.0)))
        site.keep_out((x0 - 1.0, y - half_width - 0.3, -1.0, x1 + 1.0, y + half_width + 0.3, top + 0.6))


def aerial_zone(site: SiteBuilder, extent: float, floor_z: float) -> None:
    site.zones.append(
        CameraZone("aerial", (-extent, -extent, floor_z), (extent, extent, max(floor_z + 50.0, 1200.0)), (1.0, 0.0))
    )


def path_slab(site: SiteBuilder, span: Span, label: str = "walkway") -> None:
    (ax, ay), (bx, by) = span.a, span.b
    yaw = math.degrees(math.atan2(by - ay, bx - ax))
    site.structure(
        "pavement",
        label,
        "box",
        ((ax + bx) / 2, (ay + by) / 2, 0.03),
        (span.length + span.width, span.width, 0.06),
        yaw=yaw,
    )
    site.paths.append(Span(span.a, span.b, width=span.width, z=0.06))


# -- skyline ---------------------------------------------------------------------------------------------


def landmark(site: SiteBuilder, kind: str, x: float, y: float) -> float:
    """The signature structure at (x, y); returns its height."""
    rng = site.rng
    p = shapes.Placer(x, y, 0.0, site.uniform(0, 90))
    glass, stone, steel = (0.35, 0.50, 0.62), (0.80, 0.76, 0.68), (0.72, 0.74, 0.78)
    glow = 0.15 if _is_night(site) else 0.0  # floodlit at night
    parts: list[Primitive] = []
    if kind == "circular_tower":
        height = site.uniform(420, 600)
        radius = site.uniform(28, 36)
        tiers = 5
        for i in range(tiers):
            r = radius * (1.0 - 0.1 * i)
            hh = height * 0.9 / tiers
            parts.append(
                p.part(
                    "cylinder",
                    (0.0, 0.0, hh * i + hh / 2),
                    (2 * r, 2 * r, hh * 1.01),
                    glass,
                    pattern="facade",
                    emissive=glow,
                )
            )
        parts.append(p.part("cylinder", (0.0, 0.0, height * 0.95), (radius, radius, height * 0.1), steel))
        parts.append(p.part("box", (0.0, 0.0, 8.0), (radius * 3.2, radius * 3.2, 16.0), stone, pattern="facade"))
    elif kind == "needle_tower":
        height = site.uniform(380, 480)
        parts.append(p.part("cylinder", (0.0, 0.0, height * 0.36), (14.0, 14.0, height * 0.72), stone))
        parts.append(
            p.part(
                "sphere",
                (0.0, 0.0, height * 0.24),
                (50.0, 50.0, 46.0),
                (0.75, 0.25, 0.35),
                pattern="glass",
                emissive=glow,
            )
        )
        parts.append(
            p.part(
                "sphere",
                (0.0, 0.0, height * 0.62),
                (30.0, 30.0, 28.0),
                (0.75, 0.25, 0.35),
                pattern="glass",
                emissive=glow,
            )
        )
        parts.append(p.part("cylinder", (0.0, 0.0, height * 0.86), (4.0, 4.0, height * 0.28), steel))
        for a in (0.0, 120.0, 240.0):
            leg = shapes.Placer(x, y, 0.0, p.yaw + a)
            parts.append(leg.part("cylinder", (0.0, 22.0, height * 0.11), (7.0, 7.0, height * 0.25), stone, roll=25.0))
    elif kind == "twin_towers":
        height = site.uniform(380, 460)
        gap = site.uniform(50, 70)
        tiers = (
            (0.42, 42.0, 0.84, glass),
            (0.88, 26.0, 0.1, glass),
            (0.965, 3.0, 0.07, steel),
        )  # (centre, diameter, height) x height
        for sx in (-1, 1):
            for centre, diameter, tall, material in tiers:
                x = sx * (gap / 2 + 20)
                size = (diameter, diameter, height * tall)
                pattern = "facade" if material is glass else "plain"
                parts.append(
                    p.part("cylinder", (x, 0.0, height * centre), size, material, pattern=pattern, emissive=glow)
                )
        parts.append(p.part("box", (0.0, 0.0, height * 0.42), (gap + 10.0, 6.0, 9.0), steel))
    elif kind == "dome":
        height = site.uniform(80, 115)
        radius = height * 0.33
        drum = height - radius * 1.25
        parts.append(
            p.part("box", (0.0, 0.0, drum * 0.35), (radius * 3.6, radius * 3.0, drum * 0.7), stone, pattern="facade")
        )
        parts.append(
            p.part("cylinder", (0.0, 0.0, drum / 2), (radius * 2.1, radius * 2.1, drum), stone, pattern="facade")
        )
        parts.append(p.part("sphere", (0.0, 0.0, drum), (radius * 2.0, radius * 2.0, radius * 2.2), (0.55, 0.62, 0.58)))
        parts.append(
            p.part("cylinder", (0.0, 0.0, drum + radius * 1.1 + 4.0), (radius * 0.35, radius * 0.35, 8.0), stone)
        )
    elif kind == "arch":
        height = site.uniform(120, 190)
        span = height * 0.9
        n = 14
        thickness = height * 0.07
        for i in range(n):
            a0, a1 = math.pi * i / n, math.pi * (i + 1) / n
            x0, z0 = -span / 2 * math.cos(a0), height * math.sin(a0)
            x1, z1 = -span / 2 * math.cos(a1), height * math.sin(a1)
            length = math.hypot(x1 - x0, z1 - z0)
            parts.append(
                p.part(
                    "box",
                    ((x0 + x1) / 2, 0.0, (z0 + z1) / 2),
                    (length * 1.08, thickness, thickness),
                    steel,
                    pitch=-math.degrees(math.atan2(z1 - z0, x1 - x0)),
                )
            )
    else:  # stepped_pyramid
        steps = int(rng.integers(5, 8))
        base = site.uniform(100, 140)
        step_h = site.uniform(9, 13)
        for i in range(steps):
            side = base * (1.0 - 0.8 * i / steps)
            parts.append(
                p.part(
                    "box",
                    (0.0, 0.0, step_h * i + step_h / 2),
                    (side, side, step_h),
                    (0.72, 0.64, 0.50),
                    pattern="stripes",
                )
            )
        height = steps * step_h + 10.0
        parts.append(
            p.part("box", (0.0, 0.0, steps * step_h + 5.0), (base * 0.15, base * 0.15, 10.0), (0.68, 0.6, 0.48))
        )
    site.add("landmark", kind.replace("_", " "), parts, salient=True, occupy=True)
    return height


ROOF_DECOR = frozenset({"vegetation", "pavement"})  # a skyline's overhead decor of these classes lies on a roof
LOT_CHOICE = 4  # a building kind takes the best-fitting of this many nearest free lots
ROOF_SEEN = 0.5  # roof decor lies on roofs under this share of the camera's height (it looks down on them)
ROOF_PLAZA_TOP_M = 1.0  # a skyline's "center" pavement this flat is a paved plaza: a whole block near the landmark


def _lot_buildings(site: SiteBuilder, lots: list[tuple[float, float, float, float, float]], palette) -> float:
    """Build downtown's lots, nearest the landmark first: the plan's building kinds take the nearest lots in turn
    (one of each kind, then the next of each), so that every kind stands where a shot of the centre looks; each
    the lot among the next ``LOT_CHOICE`` nearest that fits its own footprint best, at its own height. Roof decor
    (a rooftop garden, a helipad) lies on the nearest roofs the camera looks down on (under ``ROOF_SEEN`` of its
    height). The other lots get the generic block of the height profile. Returns the tallest height."""
    kinds = [c for c in site.plan.decor if c.semantic_class == "building" and c.count]
    queue = [c for i in range(max((c.count for c in kinds), default=0)) for c in kinds if i < c.count]
    roofs = [c for c in site.plan.decor if c.placement == "overhead" and c.semantic_class in ROOF_DECOR
             for _ in range(c.count)]  # fmt: skip
    cx, cy = site.center[0], site.center[1]
    order = sorted(range(len(lots)), key=lambda k: (math.hypot(lots[k][0] - cx, lots[k][1] - cy), k))
    free, taken = list(order), {}
    for choice in queue:
        if not free:
            break
        w, h, d = decor_size(choice, site.rng)
        window = free[:LOT_CHOICE]
        k = max(window, key=lambda k: (min(1.0, lots[k][2] / w, lots[k][3] / d), -window.index(k)))
        free.remove(k)
        taken[k] = (choice.name, min(w, lots[k][2]), min(d, lots[k][3]), h)
    heights = {k: taken[k][3] if k in taken else lots[k][4] for k in order}
    low = [k for k in order if heights[k] <= ROOF_SEEN * site.plan.camera_height_m]
    roof_lots = dict(zip(low + sorted(set(order) - set(low), key=heights.get), roofs, strict=False))
    tallest = 0.0
    for k in order:
        x, y, w, d, h = lots[k]
        decor, w, d, h = taken.get(k, (None, w, d, h))
        tallest = max(tallest, h)
        top, rw, rd, yaw = building(site, x, y, w, d, h, palette, z0=0.15, decor=decor, plant=k not in roof_lots)
        if k in roof_lots:
            _on_roof(site, roof_lots[k], x, y, top, rw, rd, yaw)
    return tallest


def _on_roof(site: SiteBuilder, choice, x: float, y: float, top: float, width: float, depth: float, yaw: float) -> None:
    """One instance of a roof decor choice lying flat on a roof (at most 90 % of the roof's footprint)."""
    w, h, d = decor_size(choice, site.rng)
    w, d = min(w, 0.9 * width), min(d, 0.9 * depth)
    base, pattern = shapes.material(choice.semantic_class)
    part = shapes.Placer(x, y, top, yaw).part(
        "box", (0.0, 0.0, h / 2), (w, d, h), shapes.jitter(base, site.rng, 0.1),
        pattern="grass" if choice.semantic_class == "vegetation" else pattern,
    )  # fmt: skip
    site.add(choice.semantic_class, choice.name, [part], decor=choice.name)


def _plaza_blocks(site: SiteBuilder, n: int, centre: int) -> dict[tuple[int, int], list]:
    """Blocks beside the landmark's that become the plan's paved plazas (flat "center" pavement), one instance a
    block: the plaza downtown is a whole square, not a slab squeezed between towers."""
    flat = [c for c in site.plan.decor if c.semantic_class == "pavement" and c.placement == "center"
            and c.size_max[1] <= ROOF_PLAZA_TOP_M]  # fmt: skip
    instances = [(c, i) for c in flat for i in range(c.count)]
    around = [(centre + di, centre + dj) for di, dj in ((1, 0), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, -1))]
    blocks = [b for b in around if 0 <= b[0] < n and 0 <= b[1] < n]
    return {block: [item] for block, item in zip(blocks, instances, strict=False)}


def _plaza(site: SiteBuilder, items: list, x0: float, y0: float, block: float) -> None:
    """A plaza block: the plaza's paving (its own size within the block) and the plan's fountains on it."""
    choice, _ = items[0]
    w, h, d = decor_size(choice, site.rng)
    w, d = min(w, block - 4.0), min(d, block - 4.0)
    cx, cy = x0 + block / 2, y0 + block / 2
    base, pattern = shapes.material("pavement")
    site.add(
        "pavement",
        choice.name,
        [shapes.Placer(cx, cy, 0.15, 0.0).part("box", (0.0, 0.0, h / 2), (w, d, h), shapes.jitter(base, site.rng, 0.1),
                                               pattern=pattern)],
        decor=choice.name,
    )  # fmt: skip
    site.floor.append(Rect(cx - w / 2 + 1, cy - d / 2 + 1, cx + w / 2 - 1, cy + d / 2 - 1, 0.15 + h))
    spots = ((0.0, 0.0), (-0.25, 0.0), (0.25, 0.0), (0.0, 0.25), (0.0, -0.25))
    for fountain in (c for c in site.plan.decor if c.semantic_class == "fountain" and c.placement == "center"):
        for index in range(sum(o.decor == fountain.name for o in site.objects), fountain.count):
            fw, fh, fd = decor_size(fountain, site.rng)
            for fx, fy in spots:
                p = shapes.Placer(cx + fx * w, cy + fy * d, 0.15 + h, 0.0)
                parts = shapes.kit("fountain", fountain.name, p, (fw, fh, fd), site.rng, season=site.plan.season)
                box = parts_box(parts)
                if site.free(box) and box[0] > cx - w / 2 and box[3] < cx + w / 2 and box[1] > cy - d / 2 \
                        and box[4] < cy + d / 2:  # fmt: skip
                    site.occupied.append(box)
                    site.add("fountain", fountain.name, parts, decor=fountain.name)
                    break


def skyline(site: SiteBuilder) -> None:
    plan, rng = site.plan, site.rng
    palette = facade_palette(plan.architecture_style)
    n = int(rng.integers(5, 8))
    block = site.uniform(70, 95)
    road_w = site.uniform(16, 24)
    pitch = block + road_w
    extent = n * pitch + road_w
    half = extent / 2
    for i in range(n + 1):
        c = -half + road_w / 2 + i * pitch
        site.structure("road", "road", "box", (c, 0.0, 0.0), (road_w, extent, 0.1))
        site.structure("road", "road", "box", (0.0, c, 0.0), (extent, road_w, 0.1))
        site.roads.append(Road((c, -half), (c, half), road_w))
        site.roads.append(Road((-half, c), (half, c), road_w))
    centre = n // 2
    kind = plan.landmark if plan.landmark in LANDMARK_KINDS else LANDMARK_KINDS[int(rng.integers(len(LANDMARK_KINDS)))]
    landmark_height = 100.0
    building_lots: list[tuple[float, float, float, float, float]] = []  # centre x, y, width, depth, height
    plazas = _plaza_blocks(site, n, centre)
    for bi in range(n):
        for bj in range(n):
            x0, y0 = -half + road_w + bi * pitch, -half + road_w + bj * pitch
            cx, cy = x0 + block / 2, y0 + block / 2
            site.structure("pavement", "pavement", "box", (cx, cy, 0.075), (block, block, 0.15))
            i0, i1 = 1.5, block - 1.5  # sidewalks run 1.5 m inside the kerb
            for sx, sy, ex, ey in ((i0, i0, i1, i0), (i1, i0, i1, i1), (i1, i1, i0, i1), (i0, i1, i0, i0)):
                site.paths.append(Span((x0 + sx, y0 + sy), (x0 + ex, y0 + ey), width=3.0, z=0.15))
            if bi == centre and bj == centre:
                landmark_height = landmark(site, kind, cx, cy)
                lx0, ly0, _, lx1, ly1, _ = parts_box(site.objects[-1].parts)
                site.center = (cx, cy, 0.15)
                site.center_radius = max(lx1 - lx0, ly1 - ly0) / 2 + 2.0
                site.floor.append(Rect(x0 + 3, y0 + 3, x0 + block - 3, y0 + block - 3, 0.15))
                continue
            if (bi, bj) in plazas:  # the plan's paved plaza, its fountains on it
                _plaza(site, plazas[(bi, bj)], x0, y0, block)
                continue
            if rng.random() < 0.08:  # a park block
                site.structure(
                    "ground", "park lawn", "box", (cx, cy, 0.16), (block - 6, block - 6, 0.02), pattern="grass"
                )
                site.floor.append(Rect(x0 + 4, y0 + 4, x0 + block - 4, y0 + block - 4, 0.17))
                for _ in range(8):
                    tx, ty = site.point_in(Rect(x0 + 6, y0 + 6, x0 + block - 6, y0 + block - 6))
                    h = site.uniform(6, 12)
                    site.add(
                        "vegetation",
                        "park tree",
                        shapes.tree(
                            shapes.Placer(tx, ty, 0.17, 0.0),
                            site.uniform(4, 7),
                            h,
                            site.uniform(4, 7),
                            rng,
                            plan.season,
                        ),
                        salient=False,
                        occupy=True,
                    )
                continue
            r = math.hypot(cx, cy) / half
            h_max = 60.0 + 220.0 * max(0.0, 1.0 - r) ** 1.5
            lots = int(rng.choice([1, 2, 4]))
            setback = site.uniform(4, 7)
            for k in range(lots):
                if lots == 1:
                    lx0, ly0, lx1, ly1 = x0, y0, x0 + block, y0 + block
                elif lots == 2:
                    lx0, ly0, lx1, ly1 = x0 + k * block / 2, y0, x0 + (k + 1) * block / 2, y0 + block
                else:
                    lx0, ly0 = x0 + (k % 2) * block / 2, y0 + (k // 2) * block / 2
                    lx1, ly1 = lx0 + block / 2, ly0 + block / 2
                w, d = (lx1 - lx0) - 2 * setback, (ly1 - ly0) - 2 * setback
                h = max(12.0, h_max * site.uniform(0.3, 1.0))
                building_lots.append(((lx0 + lx1) / 2, (ly0 + ly1) / 2, w, d, h))
    tallest = _lot_buildings(site, building_lots, palette)
    for span in site.paths[:: max(1, len(site.paths) // 40)]:
        tree_row(site, span, spacing=18.0, offset=-0.9)
    if rng.random() < 0.5:  # a river along one edge of downtown
        width = site.uniform(120, 220)
        site.structure("water", "river", "box", (0.0, -half - 30 - width / 2, -0.5), (extent * 4, width, 1.0))
        site.structure("pavement", "embankment", "box", (0.0, -half - 15, 0.1), (extent * 4, 30, 0.2))
    background_ring(site, half + 60, half + 500, 90, (10, 70), palette)
    site.focus = (site.center[0], site.center[1], min(landmark_height * 0.4, 160.0))
    aerial_zone(site, extent * 1.6, 60.0)
    street = -half + road_w / 2 + centre * pitch  # the road along the landmark block's west side
    ground_zone(site, -half + 20, half - 20, street, 0.8, 6.0, along_y=True)
    site.landmark_height = landmark_height
    site.tallest_building = tallest


# -- interiors -------------------------------------------------------------------------------------------


def room(
    site: SiteBuilder,
    length: float,
    width: float,
    height: float,
    *,
    wall_colour: Vec3,
    floor_colour: Vec3,
    windows_on: str = "north",
    wall_pattern: str = "skirting",
) -> None:
    """A closed box room centred on the origin: floor top at z = 0, ceiling at ``height``, walls outside the floor rect."""
    site.ground_class = None
    site.ceiling_z = height
    t = 0.3
    site.structure("floor", "floor", "box", (0.0, 0.0, -0.1), (length + 2 * t, width + 2 * t, 0.2), color=floor_colour)
    site.structure(
        "ceiling", "ceiling", "box", (0.0, 0.0, height + 0.1), (length + 2 * t, width + 2 * t, 0.2), casts_shadow=False
    )
    for cx, cy, sx, sy in (
        (length / 2 + t / 2, 0.0, t, width + 2 * t),
        (-length / 2 - t / 2, 0.0, t, width + 2 * t),
        (0.0, width / 2 + t / 2, length, t),
        (0.0, -width / 2 - t / 2, length, t),
    ):
        site.structure(
            "wall",
            "wall",
            "box",
            (cx, cy, height / 2),
            (sx, sy, height),
            color=shapes.jitter(wall_colour, site.rng, 0.04),
            pattern=wall_pattern,
            casts_shadow=False,  # the key is a stand-in for the ceiling's lights, not a sun: no band along a wall
        )
    faces = (
        Span((length / 2, -width / 2), (length / 2, width / 2), normal=(-1.0, 0.0), top=height),
        Span((-length / 2, width / 2), (-length / 2, -width / 2), normal=(1.0, 0.0), top=height),
        Span((length / 2, width / 2), (-length / 2, width / 2), normal=(0.0, -1.0), top=height),
        Span((-length / 2, -width / 2), (length / 2, -width / 2), normal=(0.0, 1.0), top=height),
    )
    site.walls.extend(faces)
    site.perimeter.extend(faces)
    site.floor.append(Rect(-length / 2 + 0.3, -width / 2 + 0.3, length / 2 - 0.3, width / 2 - 0.3, 0.0))
    daylight = 0.2 if _is_night(site) else 1.6
    n_windows = int(length // 4.5)
    for i in range(n_windows):
        x = -length / 2 + (i + 0.5) * length / n_windows
        y = width / 2 - 0.02 if windows_on == "north" else -width / 2 + 0.02
        site.structure(
            "window",
            "window",
            "box",
            (x, y, min(1.0, height * 0.3) + (height - 0.6 - min(1.0, height * 0.3)) / 2),
            (2.2, 0.1, height - 0.6 - min(1.0, height * 0.3)),
            emissive=daylight,
            casts_shadow=False,
            pattern="pane",
        )
    for i in range(max(1, int(length // 12))):
        x = -length / 2 + (i + 0.5) * length / max(1, int(length // 12))
        site.structure("door", "door", "box", (x, -width / 2 + 0.04, 1.1), (1.6, 0.12, 2.2))


def ceiling_lights(site: SiteBuilder, length: float, width: float, height: float, spacing: float) -> None:
    nx, ny = max(1, int(length // spacing)), max(1, int(width // spacing))
    for i in range(nx):
        for j in range(ny):
            x = -length / 2 + (i + 0.5) * length / nx
            y = -width / 2 + (j + 0.5) * width / ny
            site.structure(
                "light",
                "ceiling light",
                "box",
                (x, y, height - 0.04),
                (1.2, 0.6, 0.08),
                emissive=2.5,
                casts_shadow=False,
            )


OVERSIZE_M = 25.0  # decor larger than this (an airliner at a terminal) stands outside the room instead


def fit_room(site: SiteBuilder, length: float, width: float, height: float) -> tuple[float, float, float]:
    """Grow a room so that the plan's decor fits: hung things above the camera, floor things beside the aisle."""
    for choice in site.plan.decor:
        w, h, d = choice.size_max
        if max(w, d) > OVERSIZE_M and not (choice.semantic_class == "column" and choice.placement == "ceiling"):
            continue  # (a roof truss longer than the hall spans it: ``roof_trusses``)
        if choice.placement in ("ceiling", "overhead"):
            height = max(height, h + 3.2)
        elif choice.placement == "wall" and choice.semantic_class in WALL_MOUNTED:
            height = max(height, h + 1.6)
        else:
            height = max(height, h + 0.8)
            width = max(width, 2 * min(w, d) + 5.0)
            length = max(length, max(w, d) + 8.0)
    return length, width, height


def interior_zone(
    site: SiteBuilder, length: float, height: float, aisle_y: float = 0.0, half_width: float = 1.1
) -> None:
    top = min(2.3, height - 0.4)
    site.zones.append(
        CameraZone(
            "interior",
            (-length / 2 + 1.0, aisle_y - half_width + 0.3, 1.3),
            (length / 2 - 1.0, aisle_y + half_width - 0.3, top),
            (1.0, 0.0),
        )
    )
    site.keep_out((-length / 2 - 1.0, aisle_y - half_width, -0.5, length / 2 + 1.0, aisle_y + half_width, top + 0.5))
    site.focus = (length / 4, aisle_y, 1.4)


def hospital(site: SiteBuilder) -> None:
    length, width, height = fit_room(site, site.uniform(24, 36), site.uniform(9, 13), site.uniform(2.9, 3.4))
    walls = ((0.78, 0.86, 0.82), (0.80, 0.84, 0.90), (0.90, 0.90, 0.88))[int(site.rng.integers(3))]
    room(site, length, width, height, wall_colour=walls, floor_colour=(0.62, 0.66, 0.64), wall_pattern="wainscot")
    ceiling_lights(site, length, width, height, 4.0)
    interior_zone(site, length, height)
    bays = int(length // 3.6)
    for side in (-1, 1):
        for i in range(bays + 1):
            x = -length / 2 + i * length / bays
            site.structure(
                "wall",
                "bay curtain",
                "box",
                (x, side * (width / 2 - 1.2), 1.2),
                (0.05, 2.4, 2.1),
                color=(0.55, 0.70, 0.75),
                pattern="curtain",
                occupy=True,
            )
        if not _decor_has(site, "bed"):
            for i in range(bays):
                x = -length / 2 + (i + 0.5) * length / bays
                p = shapes.Placer(x, side * (width / 2 - 1.15), 0.0, 0.0 if side < 0 else 180.0)
                site.add(
                    "bed", "hospital bed", shapes.bed(p, 1.0, 0.6, 2.1, (0.85, 0.88, 0.92)), salient=False, occupy=True
                )
    if not _decor_has(site, "counter"):
        place_object(site, "counter", "nurses' station", "perimeter", (3.5, 1.1, 0.9), decor=None)


def museum(site: SiteBuilder) -> None:
    length, width, height = fit_room(site, site.uniform(30, 48), site.uniform(14, 22), site.uniform(5, 8))
    palette = ((0.92, 0.90, 0.86), (0.55, 0.20, 0.20), (0.25, 0.32, 0.42), (0.80, 0.78, 0.72))
    room(
        site,
        length,
        width,
        height,
        wall_colour=palette[int(site.rng.integers(len(palette)))],
        floor_colour=(0.50, 0.40, 0.30),
    )
    for i in range(max(1, int(length // 8))):
        x = -length / 2 + (i + 0.5) * length / max(1, int(length // 8))
        site.structure(
            "window",
            "skylight",
            "box",
            (x, 0.0, height - 0.05),
            (3.0, width * 0.3, 0.1),
            emissive=0.3 if _is_night(site) else 1.8,
            casts_shadow=False,
            pattern="pane",
        )
    ceiling_lights(site, length, width, height, 7.0)
    spacing = site.uniform(6, 8)
    for side in (-1, 1):
        for i in range(int(length // spacing)):
            x = -length / 2 + (i + 1) * spacing
            if x < length / 2 - 1:
                site.structure(
                    "column", "column", "cylinder", (x, side * width / 4, height / 2), (0.7, 0.7, height), occupy=True
                )
    interior_zone(site, length, height)
    site.center = (0.0, width / 4 + 1.5, 0.0)
    if not _decor_has(site, "artwork"):
        for _ in range(6):
            place_object(
                site, "artwork", "painting", "wall", (site.uniform(1.0, 2.5), site.uniform(0.8, 1.8), 0.06), decor=None
            )


def interior_hall(site: SiteBuilder) -> None:
    length, width, height = fit_room(site, site.uniform(30, 64), site.uniform(18, 34), site.uniform(6, 14))
    palette = facade_palette(site.plan.architecture_style)
    room(
        site,
        length,
        width,
        height,
        wall_colour=shapes.jitter(palette[0], site.rng, 0.1),
        floor_colour=(0.58, 0.55, 0.5),
    )
    ceiling_lights(site, length, width, height, 6.0)
    stages = hall_stages(site, length, width)
    spacing = site.uniform(8, 11)
    for i in range(1, int(length // spacing)):
        for j in range(1, int(width // spacing) + 1):
            x, y = -length / 2 + i * spacing, -width / 2 + j * width / (int(width // spacing) + 1)
            column = (x - 0.4, y - 0.4, 0.0, x + 0.4, y + 0.4, height)
            if abs(y) > 2.5 and not any(boxes_overlap(column, stage, 0.5) for stage in stages):
                site.structure("column", "column", "box", (x, y, height / 2), (0.8, 0.8, height), occupy=True)
    roof_trusses(site, length, width, height)
    interior_zone(site, length, height)


STAGE_AISLE_GAP_M = 2.5  # a hall's stage stops this far from the middle of the camera's aisle (its keep-out and a step)
STAGE_LEAST_DEPTH_M = 2.0  # ... and is built only where at least this much depth is left for it
STAGE_LEAST_SIDE_M = 6.0  # stages this large each way (a proscenium stage, not an orchestra pit) stand against a wall


def hall_stages(site: SiteBuilder, length: float, width: float) -> list[tuple[float, ...]]:
    """A hall's large stages (a theatre's proscenium stage: ``STAGE_LEAST_SIDE_M`` each way), built against one long
    wall in the middle of the hall, facing the camera's aisle, no deeper than the floor beside the aisle: placed
    like other "center" decor they sat on a ring round the hall's middle, through its columns, or outside its walls.
    Returns their boxes (the hall's columns keep clear of them)."""
    choices = [c for c in site.plan.decor if c.semantic_class == "stage" and c.placement == "center" and c.count
               and min(c.size_min[0], c.size_min[2]) >= STAGE_LEAST_SIDE_M]  # fmt: skip
    if not choices:
        return []
    side = 1.0 if site.rng.random() < 0.5 else -1.0
    edge = width / 2 - 0.3  # the floor's edge on that side, then each stage's front in turn
    boxes = []
    for choice in choices:
        for _ in range(choice.count):
            w, h, d = decor_size(choice, site.rng)
            d = min(d, edge - STAGE_AISLE_GAP_M)
            if d < STAGE_LEAST_DEPTH_M:
                return boxes
            w = min(w, length - 4.0)
            y = side * (edge - d / 2)
            parts = shapes.kit("stage", choice.name, shapes.Placer(0.0, y, 0.0, 180.0 if side > 0 else 0.0), (w, h, d),
                               site.rng, season=site.plan.season)  # fmt: skip
            site.add("stage", choice.name, parts, decor=choice.name, occupy=True)
            boxes.append(parts_box(parts))
            edge -= d
    return boxes


TRUSS_CLEAR_M = 3.2  # a roof truss's bottom is at least this high (as fit_room keeps hung decor over the camera)


def roof_trusses(site: SiteBuilder, length: float, width: float, height: float) -> None:
    """A hall's roof trusses and arches (ceiling columns longer than the hall is wide) span it under its ceiling,
    evenly along its length: placed like other ceiling decor they were longer than the hall and stood outside it."""
    for choice in site.plan.decor:
        if choice.semantic_class != "column" or choice.placement != "ceiling" or not choice.count:
            continue
        if max(choice.size_min[0], choice.size_min[2]) < width - 1.0:
            continue  # it fits the hall as drawn: placed like other ceiling decor
        for i in range(choice.count):
            w, h, _ = decor_size(choice, site.rng)
            h = min(h, height - TRUSS_CLEAR_M)  # over the camera's aisle and its keep-out
            if h < 0.5:
                return
            x = -length / 2 + (i + 0.5) * length / choice.count
            z0 = height - h
            parts = shapes.kit("column", choice.name, shapes.Placer(x, 0.0, z0, 0.0), (w, h, width), site.rng,
                               mounted="ceiling")  # fmt: skip
            site.add("column", choice.name, parts, decor=choice.name)


# -- outdoor venues --------------------------------------------------------------------------------------


def open_ground(site: SiteBuilder, size: float) -> list[Span]:
    """A square site with a promenade along x (the camera's) and a cross path along y."""
    half = size / 2
    promenade = Span((-half, -6.0), (half, -6.0), width=site.uniform(5, 8))
    cross = Span((8.0, -half), (8.0, half), width=site.uniform(4, 6))
    for span in (promenade, cross):
        path_slab(site, span)
    faces = (
        Span((half, -half), (half, half), normal=(-1.0, 0.0)),
        Span((-half, half), (-half, -half), normal=(1.0, 0.0)),
        Span((half, half), (-half, half), normal=(0.0, -1.0)),
        Span((-half, -half), (half, -half), normal=(0.0, 1.0)),
    )
    site.perimeter.extend(faces)
    site.floor.extend([Rect(-half + 2, -half + 2, half - 2, -10.0), Rect(-half + 2, -2.0, half - 2, half - 2)])
    ground_zone(site, -half + 5, half - 5, -6.0, 1.0, 4.0)
    aerial_zone(site, size * 1.5, 35.0)
    return [promenade, cross]


def open_air(site: SiteBuilder) -> None:
    size = site.uniform(110, 170)
    paths = open_ground(site, size)
    site.structure("pavement", "plaza", "cylinder", (8.0, 12.0, 0.04), (30.0, 30.0, 0.08))
    site.structure("water", "fountain pool", "cylinder", (8.0, 12.0, 0.3), (9.0, 9.0, 0.6))
    site.structure("sculpture", "fountain", "cylinder", (8.0, 12.0, 1.2), (1.0, 1.0, 2.4), occupy=True)
    site.occupied.append((3.0, 7.0, 0.0, 13.0, 17.0, 1.0))
    site.center, site.center_radius = (8.0, 12.0, 0.08), 6.0
    if site.plan.archetype in VENUE_BUILDING_ARCHETYPES:
        venue_building(site, size)
    for span in paths:
        tree_row(site, span, spacing=14.0, offset=span.width / 2 + 2.5)
    background_ring(site, size * 0.75, size * 1.6, 40, (12, 60), facade_palette(site.plan.architecture_style))
    site.focus = (8.0, 12.0, 2.0)


VENUE_BUILDING_ARCHETYPES = frozenset({"hospital", "museum", "interior_hall"})  # venues that are a building
VENUE_BUILDING_GAP_M = 8.0  # between the plaza's rim and the venue building's front


def venue_building(site: SiteBuilder, size: float) -> None:
    """Outside a venue that is a building (a hospital's drop-off bay, a museum's forecourt), the building itself
    faces the plaza across from the promenade: one salient instance, the shot's lead subject (the plaza is 15 m
    round (8, 12); the cross path leads to its door)."""
    w, d, h = site.uniform(40.0, 60.0), site.uniform(14.0, 20.0), site.uniform(14.0, 26.0)
    y = min(12.0 + 15.0 + VENUE_BUILDING_GAP_M + d / 2, size / 2 - 3.0 - d / 2)
    palette = facade_palette(site.plan.architecture_style)
    label = f"{site.plan.venue_name.lower()} building"
    building(site, 8.0, y, w, d, h, palette, plant=False, label=label, salient=True)
    if site.plan.venue in STATION_VENUES:
        station_front(site, w, d, h, y)
    site.venue_building = parts_box(next(o for o in reversed(site.objects) if o.class_name == "building").parts)


STATION_VENUES = frozenset({"railway_station"})  # venue buildings that read as a station from their forecourt
PROMENADE_Y = -6.0  # the line of ``open_ground``'s promenade


def station_front(site: SiteBuilder, w: float, d: float, h: float, y: float) -> None:
    """A station building's look from its forecourt: a glazed barrel-vaulted train shed over the block (a part of
    the building, the shot's lead) and a paved forecourt rather than lawn from the promenade to its door. The last
    object built is the building."""
    obj = site.objects[-1]
    p = shapes.Placer(8.0, y, 0.0, 0.0)
    shed = p.part("cylinder", (0.0, 0.0, h), (d * 0.9, d * 0.9, w * 0.96), (0.42, 0.55, 0.62), pattern="glass", pitch=90.0)
    site.objects[-1] = dataclasses.replace(obj, parts=(*obj.parts, shed))
    front = y - d / 2
    site.structure(
        "pavement",
        "forecourt paving",
        "box",
        (8.0, (front + PROMENADE_Y) / 2, 0.015),
        (w + 30.0, front - PROMENADE_Y, 0.03),
        color=shapes.material("pavement")[0],  # no draw from the site's stream: the rest of the scene stays as it was
        casts_shadow=False,
    )


def zoo(site: SiteBuilder) -> None:
    size = site.uniform(130, 180)
    paths = open_ground(site, size)
    half = size / 2
    site.enclosures.clear()
    for k in range(6):
        x0 = -half + 8 + (k % 3) * (size - 16) / 3
        y0 = -half + 6 if k < 3 else 4.0
        y1 = -12.0 if k < 3 else half - 6
        x1 = x0 + (size - 16) / 3 - 6
        if x0 < 13.0 and x1 > 3.0:  # keep the cross path (x = 8) clear
            x0, x1 = (x0, min(x1, 3.0)) if (x0 + x1) / 2 < 8.0 else (max(x0, 13.0), x1)
        if x1 - x0 < 8:
            continue
        rect = Rect(x0 + 1.5, y0 + 1.5, x1 - 1.5, y1 - 1.5, 0.0)
        site.enclosures.append(rect)
        fence = []
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        p = shapes.Placer(0.0, 0.0, 0.0, 0.0)
        visitor_y = y1 if k < 3 else y0  # the side along the promenade: a low barrier the animals show over
        for fx, fy, sx, sy in (
            (cx, y0, x1 - x0, 0.15),
            (cx, y1, x1 - x0, 0.15),
            (x0, cy, 0.15, y1 - y0),
            (x1, cy, 0.15, y1 - y0),
        ):
            tall = 0.9 if fy == visitor_y and sy < 1.0 else 1.5
            fence.append(p.part("box", (fx, fy, tall / 2), (sx, sy, tall), (0.35, 0.30, 0.25), pattern="stripes"))
        site.add("fence", "enclosure fence", fence, salient=False)
        site.occupied.extend(parts_box([panel]) for panel in fence)  # the panels, not the pen inside them
        site.structure(
            "rock",
            "rock",
            "sphere",
            (site.uniform(rect.x0 + 3, rect.x1 - 3), site.uniform(rect.y0 + 3, rect.y1 - 3), 0.6),
            (site.uniform(2, 5), site.uniform(2, 5), 2.4),
        )
        if site.rng.random() < 0.5:
            site.structure(
                "water",
                "pond",
                "cylinder",
                (site.uniform(rect.x0 + 4, rect.x1 - 4), site.uniform(rect.y0 + 4, rect.y1 - 4), 0.02),
                (6.0, 4.0, 0.04),
            )
        tree = shapes.tree(
            shapes.Placer(rect.x0 + 1.5, rect.y1 - 1.5, 0.0, 0.0),
            4.0,
            site.uniform(6, 9),
            4.0,
            site.rng,
            site.plan.season,
        )
        site.add("vegetation", "enclosure tree", tree, salient=False)
        if not _decor_has(site, "animal"):
            for _ in range(2):
                size_whd = (site.uniform(0.8, 1.6), site.uniform(1.0, 2.0), site.uniform(1.5, 3.0))
                ax, ay = site.point_in(rect, 2.0)
                site.add(
                    "animal",
                    "animal",
                    shapes.animal(shapes.Placer(ax, ay, 0.0, site.uniform(0, 360)), *size_whd, site.rng),
                )
    site.floor = [Rect(-half + 2, -11.0, half - 2, -1.0)] + list(
        site.enclosures
    )  # visitor areas beside the promenade, enclosures
    for span in paths:
        tree_row(site, span, spacing=20.0, offset=span.width / 2 + 1.5)
    if site.enclosures:  # the enclosure nearest the middle of the promenade
        nearest = min(
            site.enclosures, key=lambda r: abs((r.x0 + r.x1) / 2) + abs(r.y1 + 6.0 if r.y1 < 0 else r.y0 + 6.0)
        )
        site.focus = ((nearest.x0 + nearest.x1) / 2, nearest.y1 - 4.0 if nearest.y1 < 0 else nearest.y0 + 4.0, 1.5)


MIDWAY_EDGE_M = 12.0  # an amusement park's big rides line the midway this far either side of its middle


def amusement_park(site: SiteBuilder) -> None:
    size = site.uniform(120, 170)
    paths = open_ground(site, size)
    site.perimeter[:] = midway_edges(size)  # rides placed "perimeter" line the midway, not the far fence
    site.center, site.center_radius = (8.0, 22.0, 0.0), 0.0
    if not _decor_has(site, "ride"):
        wheel = (site.uniform(35, 50), site.uniform(40, 55), 6.0)
        place_object(site, "ride", "ferris wheel", "center", wheel, decor=None)
        place_object(site, "ride", "carousel", "scattered", (14.0, 7.0, 14.0), decor=None)
    for span in paths:
        for i in range(int(span.length // 10)):
            px, py = span.point((i + 0.5) / int(span.length // 10))
            dx, dy = span.direction
            off = span.width / 2 + 0.6
            lamp = shapes.lamp(
                shapes.Placer(px - dy * off, py + dx * off, 0.0, 0.0), 0.3, 4.0, 0.3, site.rng, on_ceiling=False
            )
            site.add("light", "lamp post", lamp, salient=False, occupy=True)
    site.focus = (8.0, 22.0, 12.0)


def midway_edges(size: float) -> list[Span]:
    """The two lines either side of the promenade (y = -6, the camera's walkway) that the big rides stand
    behind, facing away from it (a ride stands on the far side of its line), so a walker on the midway passes
    them at a size that reads rather than seeing them 60 m off along the site's fence."""
    x = size / 2 - 6.0
    return [
        Span((-x, -6.0 + MIDWAY_EDGE_M), (x, -6.0 + MIDWAY_EDGE_M), normal=(0.0, 1.0)),
        Span((x, -6.0 - MIDWAY_EDGE_M), (-x, -6.0 - MIDWAY_EDGE_M), normal=(0.0, -1.0)),
    ]


SPECTATORS_MAX = 800  # person instances in a stadium's stands at a full house (the rest of the seats stay empty)


def _stand_choices(site: SiteBuilder) -> tuple[list[tuple[str | None, Vec3]], list[str | None]]:
    """(decor name or None, size) of each stand and the decor name (or None) of each stand's roof: the plan's
    seating terraces and cantilever roofs, which the stadium realises itself (behind the touchlines, facing
    the pitch), else four stands with roofs on the two long ones."""
    from worldmill.library import fittings
    from worldmill.scenes.layout import decor_size

    stands: list[tuple[str | None, Vec3]] = []
    roofs: list[str | None] = []
    for choice in site.plan.decor:
        found = fittings.fitting_for(choice.semantic_class, choice.name)
        if found is not None and found[0] == "terrace":
            stands += [(choice.name, decor_size(choice, site.rng)) for _ in range(choice.count)]
        elif choice.semantic_class == "canopy" and "roof" in choice.name.lower():
            roofs += [choice.name] * choice.count
    if not stands:
        stands = [(None, (200.0, site.uniform(7.0, 11.0), site.uniform(14.0, 21.0))) for _ in range(4)]
        roofs = roofs or [None, None]
    return stands[:4], roofs[: min(len(stands), 4)]


def stadium(site: SiteBuilder) -> None:
    fl, fw = 105.0, 68.0
    pitch = next((d.name for d in site.plan.decor if d.semantic_class == "sports_field"), None)  # the plan's pitch
    site.structure(
        "sports_field", pitch or "pitch", "box", (0.0, 0.0, 0.02), (fl, fw, 0.04), pattern="grass", decor=pitch
    )
    site.structure("pavement", "track", "box", (0.0, 0.0, 0.01), (fl + 16, fw + 16, 0.02), pattern="tiles")
    stands, roofs = _stand_choices(site)
    # (front edge's distance from the centre line, longest stand, yaw turning the stand's +y to the pitch, axis)
    # the stand behind the touchline camera comes last: across the pitch and at the ends first
    sides = ((fw / 2 + 8, fl + 10, 180.0, 1), (fl / 2 + 8, fw + 6, 90.0, 2), (fl / 2 + 8, fw + 6, 270.0, -2),
             (fw / 2 + 8, fl + 10, 0.0, -1))  # fmt: skip
    seats: list[shapes.Seat] = []
    east_top = None
    for i, (name, (w, h, d)) in enumerate(stands):
        front, longest, yaw, axis = sides[i]
        w, d, h = min(w, longest), min(max(d, 8.0), 35.0), min(max(h, 3.0), 25.0)
        if axis == -1:  # behind the touchline camera: a low terrace it looks over, not a wall of seats
            d, h = min(d, 10.2), min(h, 3.6)
        centre = front + d / 2
        x, y = (0.0, math.copysign(centre, axis)) if abs(axis) == 1 else (math.copysign(centre, axis), 0.0)
        p = shapes.Placer(x, y, 0.0, yaw)
        rng = np.random.default_rng(int(site.rng.integers(1 << 62)))
        parts, stand_seats = shapes.stand_models(p, (w, h, d), rng)
        if axis == -1:  # the low terrace by the camera fills last (a close crowd costs a ray the most)
            stand_seats = [dataclasses.replace(s, later=3.0) for s in stand_seats]
        seats += stand_seats
        site.add("seating", name or "grandstand", parts, decor=name, salient=False, occupy=True)
        if i < len(roofs):
            roof = shapes.stand_roof_models(p, (w, h, d), rng)
            site.add("canopy", roofs[i] or "stand roof", roof, decor=roofs[i], salient=False, occupy=True)
        if axis == 2:
            east_top = (front + d, h)
    seat_spectators(site, seats)
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (fl / 2 + 24), sy * (fw / 2 + 24)
            mast = shapes.Placer(x, y, 0.0, 0.0)
            site.add(
                "light",
                "floodlight",
                [
                    mast.part("cylinder", (0.0, 0.0, 22.0), (1.0, 1.0, 44.0), (0.6, 0.6, 0.62)),
                    mast.part(
                        "box", (0.0, 0.0, 45.0), (6.0, 1.0, 3.0), (1.0, 0.95, 0.85), emissive=3.0, casts_shadow=False
                    ),
                ],
                salient=False,
            )
    # the scoreboard stands on the east stand's back wall where there is one
    screen = shapes.Placer(fl / 2 + 18, 0.0, 14.0, 90.0) if east_top is None else shapes.Placer(
        east_top[0], 0.0, east_top[1] + 1.2, 90.0)
    site.add(
        "screen",
        "scoreboard",
        [screen.part("box", (0.0, 0.0, 4.0), (20.0, 0.6, 8.0), (0.2, 0.4, 0.6), pattern="artwork", emissive=1.5)],
        salient=False,
    )
    touchline = Span((-fl / 2, -fw / 2 - 3.5), (fl / 2, -fw / 2 - 3.5), width=2.0, z=0.02)
    site.floor = [
        Rect(-fl / 2 - 6, fw / 2 + 1.5, fl / 2 + 6, fw / 2 + 4.5, 0.0),
        Rect(-fl / 2 - 6, -fw / 2 - 4.5, fl / 2 + 6, -fw / 2 - 1.5, 0.0),
    ]
    site.perimeter = [
        Span((fl / 2 + 6, fw / 2 + 6), (-fl / 2 - 6, fw / 2 + 6), normal=(0.0, -1.0)),
        Span((-fl / 2 - 6, -fw / 2 - 6), (fl / 2 + 6, -fw / 2 - 6), normal=(0.0, 1.0)),
    ]
    site.center, site.center_radius = (0.0, 0.0, 0.04), 0.0
    ground_zone(site, -fl / 2 + 5, fl / 2 - 5, touchline.a[1], 1.0, 4.0)
    aerial_zone(site, 300.0, 45.0)
    background_ring(site, 150, 400, 30, (10, 40), facade_palette(site.plan.architecture_style))
    site.focus = (0.0, 0.0, 2.0)


def seat_spectators(site: SiteBuilder, seats: list[shapes.Seat]) -> None:
    """Spectators in the stands as people of their own (person instances: masks, counts and captions see each
    one), as many as the plan's people density fills, up to ``SPECTATORS_MAX``: the front rows and the middle
    of each stand first, as a crowd gathers; most sit, some stand or cheer."""
    if not seats:
        return
    share = 0.15 + 0.8 * site.plan.people_density
    count = min(SPECTATORS_MAX, round(len(seats) * share))
    rows = np.array([s.row + s.later for s in seats], dtype=float)
    along = np.array([abs(s.along) for s in seats])
    spread = max(float(along.max()), 1.0)
    score = rows + 8.0 * along / spread + site.rng.uniform(0.0, 5.0, len(seats))
    for index in np.argsort(score, kind="stable")[:count]:
        rng = np.random.default_rng(int(site.rng.integers(1 << 62)))
        pose = "sit" if rng.random() < 0.8 else ("cheer" if rng.random() < 0.4 else "stand")
        site.add("person", "spectator", shapes.spectator(seats[int(index)], rng, site.plan.season, pose))


OUTDOOR_BUILDERS = {
    "skyline": skyline,
    "zoo": zoo,
    "amusement_park": amusement_park,
    "open_air": open_air,
    "stadium": stadium,
}
INDOOR_BUILDERS = {"hospital": hospital, "museum": museum, "interior_hall": interior_hall}


# -- the aquarium: a gallery of tanks either side of the visitors' walk ------------------------------------

TUNNEL_SHARE = 0.4  # an acrylic tunnel vaults this share of the walk at most, at one end (the rest sees the tanks)
TUNNEL_CLEAR_M = (2.0, 3.1)  # its inside stands this far from the walk's middle and its roof this high (the camera's
# zone is 0.8 m either side of the middle and at most 2.3 m up, kept 0.3 m clear)
DISPLAY_TANK = (7.0, 4.5, 2.5)  # (width, height, depth) of the tank built for the plan's swimmers where it has none
TANK_CLASS = "aquarium_tank"


def aquarium(site: SiteBuilder) -> None:
    """An aquarium's hall (an interior hall without columns, which would hide its tanks) with an acrylic tunnel
    vaulting one end of the walk, and a tank for the plan's swimmers where it has none they fit (a turtle or a
    shark never lies on the floor, nor swims in a jellyfish tank)."""
    length, width, height = fit_room(site, site.uniform(30, 64), site.uniform(18, 34), site.uniform(6, 14))
    room(site, length, width, height, wall_colour=(0.16, 0.24, 0.34), floor_colour=(0.30, 0.30, 0.33))
    ceiling_lights(site, length, width, height, 6.0)
    interior_zone(site, length, height)
    tunnel = next((c for c in site.plan.decor if c.count and "tunnel" in c.name), None)
    if tunnel is not None:
        acrylic_tunnel(site, tunnel.name, decor_size(tunnel, site.rng), length)
    swimmers = [c for c in site.plan.decor if c.count and c.semantic_class == "animal"]
    longest = max((c.size_max[2] for c in swimmers), default=0.0)
    tanks = [c for c in site.plan.decor if c.count and c.semantic_class == TANK_CLASS]
    if swimmers and not any(tank_holds(c.name, c.size_min[0], longest) for c in tanks):
        display_tank(site, length, width)


def display_tank(site: SiteBuilder, length: float, width: float) -> None:
    """A wall tank (not of the plan's decor, so never named) facing the walk from one side wall, mid-gallery."""
    w, h, d = DISPLAY_TANK
    w = min(w, length - 6.0)
    side = 1.0 if site.rng.random() < 0.5 else -1.0
    x = site.uniform(-length / 6, length / 6)
    y = side * (width / 2 - d / 2 - 0.05)
    p = shapes.Placer(x, y, 0.0, 180.0 if side > 0 else 0.0)  # its front to the walk
    parts = shapes.kit(TANK_CLASS, "display tank", p, (w, h, d), site.rng)
    site.add(TANK_CLASS, "display tank", parts, salient=False, occupy=True)


def acrylic_tunnel(site: SiteBuilder, label: str, size: Vec3, length: float) -> None:
    """An acrylic tunnel vaulting one end of the walk (the camera's aisle runs through it): glass walls and a
    three-panel roof of water-blue acrylic on dark ribs, clear of the camera's zone."""
    w, h, d = size
    run = min(d, TUNNEL_SHARE * (length - 2.0))
    half = max(w / 2, TUNNEL_CLEAR_M[0] + 0.3)
    top = max(h, TUNNEL_CLEAR_M[1] + 0.6)
    end = 1.0 if site.rng.random() < 0.5 else -1.0
    x = end * (length / 2 - 0.3 - run / 2)
    shoulder = 0.55 * top  # the walls rise to here, then lean in to the roof
    inner = half * 0.55  # the roof's half-width
    glass, rib = (0.45, 0.72, 0.85), (0.12, 0.14, 0.16)
    p = shapes.Placer(x, 0.0, 0.0, 0.0)
    parts = []
    slant = math.hypot(half - inner, top - shoulder)
    angle = math.degrees(math.atan2(top - shoulder, inner - half))  # the right panel rises inwards
    for s in (-1.0, 1.0):
        parts.append(p.part("box", (0.0, s * half, shoulder / 2), (run, 0.08, shoulder), glass, pattern="water", emissive=0.3))
        parts.append(
            p.part("box", (0.0, s * (half + inner) / 2, (shoulder + top) / 2), (run, slant, 0.08), glass,
                   pattern="water", emissive=0.3, roll=s * angle)
        )  # fmt: skip
    parts.append(p.part("box", (0.0, 0.0, top), (run, 2 * inner, 0.08), glass, pattern="water", emissive=0.3))
    for k in range(max(2, int(run // 3.0)) + 1):  # ribs round the vault every ~3 m
        rx = -run / 2 + k * run / max(2, int(run // 3.0))
        for s in (-1.0, 1.0):
            parts.append(p.part("box", (rx, s * (half + 0.06), shoulder / 2), (0.12, 0.12, shoulder), rib))
        parts.append(p.part("box", (rx, 0.0, top + 0.06), (0.12, 2 * inner, 0.12), rib))
    site.add("window", label, parts, decor=label)
    for s in (-1.0, 1.0):  # its glass walls (what swims or stands inside is beside the walk, in view)
        site.occupied.append((x - run / 2, s * half - 0.05, 0.0, x + run / 2, s * half + 0.05, top + 0.2))


VENUE_BUILDERS = {"aquarium": aquarium}  # indoor venues with a builder of their own (the rest: their archetype's)
