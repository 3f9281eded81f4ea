"""The shared machinery of every scene generator: a site (floor regions, walls, paths, roads, keep-out
zones) that archetype generators fill with structure, and the placement rules that realise each decor choice.

Placement never puts anything inside a camera keep-out zone, so the camera paths that stay inside those zones
are free of geometry by construction (and ``camera_path`` checks it anyway).
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from worldmill.errors import SceneError
from worldmill.scenes import shapes
from worldmill.scenes.model import CameraZone, Primitive, Road, SceneObject, Vec3
from worldmill.schemas.plan import DecorChoice, ScenePlan
from worldmill.taxonomy.classes import SemanticClasses

MAX_CLIP_S = 12.0  # moving objects stay clear of keep-outs and on their roads for this long
SALIENT_CLASSES = frozenset({"person", "vehicle", "animal", "landmark"})
WALL_MOUNTED = frozenset({"artwork", "signage", "screen", "light", "window"})
HANG_BOTTOM_M = 3.5  # indoors a hung fitting's bottom is no higher than this over the floor (on a drop in a tall hall)
HUNG_CLASSES = frozenset({"light", "signage", "screen", "sculpture", "medical_equipment", "plant_pot"})  # fittings that
# hang on a drop; skylights, frescos and roof trusses are part of the ceiling and stay in it
Box3 = tuple[float, float, float, float, float, float]  # x0, y0, z0, x1, y1, z1


@dataclasses.dataclass(frozen=True)
class Rect:
    x0: float
    y0: float
    x1: float
    y1: float
    z: float = 0.0

    @property
    def area(self) -> float:
        return max(self.x1 - self.x0, 0.0) * max(self.y1 - self.y0, 0.0)


@dataclasses.dataclass(frozen=True)
class Span:
    """A straight line on the floor: a wall face (``normal`` points into the room) or a walkway (``width``)."""

    a: tuple[float, float]
    b: tuple[float, float]
    normal: tuple[float, float] = (0.0, 0.0)
    width: float = 0.0
    z: float = 0.0
    top: float = 3.0  # wall height above z

    @property
    def length(self) -> float:
        return math.dist(self.a, self.b)

    @property
    def direction(self) -> tuple[float, float]:
        length = max(self.length, 1e-9)
        return ((self.b[0] - self.a[0]) / length, (self.b[1] - self.a[1]) / length)

    def point(self, t: float) -> tuple[float, float]:
        return (self.a[0] + (self.b[0] - self.a[0]) * t, self.a[1] + (self.b[1] - self.a[1]) * t)


def parts_box(parts: list[Primitive] | tuple[Primitive, ...]) -> Box3:
    lo = np.full(3, np.inf)
    hi = np.full(3, -np.inf)
    for p in parts:
        half = p.half_extent_world()
        lo = np.minimum(lo, np.asarray(p.center) - half)
        hi = np.maximum(hi, np.asarray(p.center) + half)
    return (float(lo[0]), float(lo[1]), float(lo[2]), float(hi[0]), float(hi[1]), float(hi[2]))


def swept_box(box: Box3, velocity: Vec3, seconds: float = MAX_CLIP_S) -> Box3:
    dx, dy, dz = (v * seconds for v in velocity)
    return (
        box[0] + min(dx, 0),
        box[1] + min(dy, 0),
        box[2] + min(dz, 0),
        box[3] + max(dx, 0),
        box[4] + max(dy, 0),
        box[5] + max(dz, 0),
    )


def boxes_overlap(a: Box3, b: Box3, margin: float = 0.0) -> bool:
    return (
        a[0] < b[3] + margin
        and b[0] < a[3] + margin
        and a[1] < b[4] + margin
        and b[1] < a[4] + margin
        and a[2] < b[5] + margin
        and b[2] < a[5] + margin
    )


class SiteBuilder:
    """Collects a scene's objects and the places decor may go; hands out instance ids 1, 2, 3, ..."""

    def __init__(self, plan: ScenePlan, classes: SemanticClasses, rng: np.random.Generator):
        self.plan = plan
        self.classes = classes
        self.rng = rng
        self.objects: list[SceneObject] = []
        self.floor: list[Rect] = []  # free floor for floor/scattered/grouped/center placement
        self.enclosures: list[Rect] = []  # animal areas (zoo)
        self.walls: list[Span] = []  # wall faces (indoor) or facades/fences (outdoor)
        self.perimeter: list[Span] = []  # the site's boundary, facing inward
        self.paths: list[Span] = []  # walkways (with width)
        self.roads: list[Road] = []
        self.center: tuple[float, float, float] = (0.0, 0.0, 0.0)
        self.ceiling_z: float | None = None
        self.keepout: list[Box3] = []  # camera zones: nothing may be placed inside
        self.occupied: list[Box3] = []  # footprints of placed furniture, to avoid overlaps
        self.vehicles: list[Box3] = []  # vehicles' boxes at t = 0 (lanes share a speed range, so gaps mostly hold)
        self.zones: list[CameraZone] = []
        self.focus: Vec3 = (0.0, 0.0, 1.5)
        self.ground_class: str | None = "ground"
        self.center_radius = 0.0  # "center" placement starts outside this radius (a fountain, a landmark)
        self.landmark_height = 0.0
        self.tallest_building = 0.0
        self.perches: list[Perch] = []  # indoor birds' perches with room for more birds
        self.venue_building: Box3 | None = None  # outdoors, the venue's own building (its sign goes on its front)
        self._zoo_leads: tuple[int, list[SceneObject]] = (-1, [])  # (objects placed then, ``_zoo_leads``)

    # -- objects ------------------------------------------------------------------------------------------

    def add(
        self,
        class_name: str,
        label: str,
        parts: list[Primitive],
        *,
        velocity: Vec3 = (0.0, 0.0, 0.0),
        decor: str | None = None,
        salient: bool | None = None,
        occupy: bool = False,
    ) -> SceneObject:
        if len(self.objects) >= 65535:
            raise SceneError(
                f"Scene {self.plan.sample_id} needs more than 65535 objects.", fix="lower the decor counts or densities"
            )
        obj = SceneObject(
            instance_id=len(self.objects) + 1,
            class_id=self.classes.id(class_name),
            class_name=class_name,
            label=label,
            parts=tuple(parts),
            velocity=velocity,
            decor=decor,
            salient=(class_name in SALIENT_CLASSES or decor is not None) if salient is None else salient,
        )
        self.objects.append(obj)
        if occupy:
            self.occupied.append(parts_box(parts))
        return obj

    def structure(
        self,
        class_name: str,
        label: str,
        shape: str,
        center: Vec3,
        size: Vec3,
        *,
        yaw: float = 0.0,
        pattern: str | None = None,
        color: Vec3 | None = None,
        emissive: float = 0.0,
        casts_shadow: bool = True,
        occupy: bool = False,
        decor: str | None = None,
    ) -> SceneObject:
        """A one-primitive structural object (wall, floor slab, road, building block); ``decor``: the plan's decor
        kind it realises (a stadium's pitch), which ``realise_decor`` then does not place again."""
        base, default_pattern = shapes.material(class_name)
        prim = Primitive(
            shape=shape,
            center=center,
            size=size,
            color=color or shapes.jitter(base, self.rng, 0.08),
            yaw_deg=yaw,
            pattern=pattern or default_pattern,
            emissive=emissive,
            casts_shadow=casts_shadow,
        )
        return self.add(class_name, label, [prim], salient=False, occupy=occupy, decor=decor)

    def keep_out(self, box: Box3) -> None:
        self.keepout.append(box)

    def free(self, box: Box3, *, ignore_occupied: bool = False) -> bool:
        if any(boxes_overlap(box, k) for k in self.keepout):
            return False
        return ignore_occupied or not any(boxes_overlap(box, o, 0.1) for o in self.occupied)

    # -- sampling helpers --------------------------------------------------------------------------------

    def uniform(self, lo: float, hi: float) -> float:
        return float(self.rng.uniform(lo, hi)) if hi > lo else float(lo)

    def pick_rect(self, rects: list[Rect]) -> Rect:
        areas = np.array([r.area for r in rects], dtype=float)
        return rects[int(self.rng.choice(len(rects), p=areas / areas.sum()))]

    def pick_span(self, spans: list[Span]) -> Span:
        lengths = np.array([s.length for s in spans], dtype=float)
        return spans[int(self.rng.choice(len(spans), p=lengths / lengths.sum()))]

    def point_in(self, rect: Rect, margin: float = 0.0) -> tuple[float, float]:
        return (self.uniform(rect.x0 + margin, rect.x1 - margin), self.uniform(rect.y0 + margin, rect.y1 - margin))


def decor_size(choice: DecorChoice, rng: np.random.Generator) -> Vec3:
    """(width, height, depth) drawn uniformly between the choice's size bounds."""
    lo, hi = np.asarray(choice.size_min, dtype=float), np.asarray(choice.size_max, dtype=float)
    w, h, d = (lo + (hi - lo) * rng.random(3)).tolist()
    return (w, h, d)


def _facing(normal: tuple[float, float]) -> float:
    """Yaw that turns a kit's local +y (its front, by convention its depth axis) along ``normal``."""
    return math.degrees(math.atan2(normal[1], normal[0])) - 90.0


def _candidate(
    site: SiteBuilder, rule: str, class_name: str, size: Vec3, index: int, group_centers: list[tuple[float, float]]
):
    """One proposed (x, y, z0, yaw, mounted) for a decor object under ``rule``; None if the site lacks what the rule needs."""
    w, h, d = size
    rng = site.rng
    indoor_axis_yaw = float(rng.choice([0.0, 90.0, 180.0, 270.0])) + site.uniform(-4, 4)
    if rule in ("floor", "scattered"):
        if not site.floor:
            return None
        rect = site.pick_rect(site.floor)
        x, y = site.point_in(rect, margin=max(w, d) / 2)
        return x, y, rect.z, indoor_axis_yaw if site.plan.indoor else site.uniform(0, 360), "floor"
    if rule == "grouped":
        if not site.floor:
            return None
        centre = group_centers[index // 4 % len(group_centers)]
        a = 2 * math.pi * (index % 4) / 4 + site.uniform(-0.3, 0.3)
        r = max(w, d) * 1.2 + 0.6
        x, y = centre[0] + r * math.cos(a), centre[1] + r * math.sin(a)
        return x, y, _floor_z(site, x, y), math.degrees(a) + 90.0, "floor"
    if rule == "along_path":
        if not site.paths:
            return _along_the_aisle(site, size) if _interior_zone(site) else None
        span = site.pick_span(site.paths)
        t = site.uniform(0.03, 0.97)
        px, py = span.point(t)
        dx, dy = span.direction
        side = 1.0 if rng.random() < 0.5 else -1.0
        off = side * (span.width / 2 + d / 2 + 0.3)
        x, y = px - dy * off, py + dx * off
        return x, y, span.z, _facing((dy * side, -dx * side)), "floor"
    if rule == "center":
        cx, cy, cz = site.center
        ring = 1 + index // 6
        a = 2 * math.pi * (index % 6) / 6 + ring * 0.5 + site.uniform(-0.2, 0.2)
        r = site.center_radius + ring * (max(w, d) + 1.5) + site.uniform(0, 1.0)
        c, s = abs(math.cos(a)), abs(math.sin(a))  # the kit turned a + 90 degrees: its depth along the radius
        half = ((s * w + c * d) / 2, (c * w + s * d) / 2)
        x, y = _within_room(site, cx + r * math.cos(a), cy + r * math.sin(a), half)
        return x, y, cz, math.degrees(a) + 90.0, "floor"
    if rule in ("perimeter", "wall"):
        spans = site.walls if (rule == "wall" and site.walls) else (site.perimeter or site.walls)
        if not spans:
            return None
        span = site.pick_span(spans)
        px, py = span.point(site.uniform(0.05, 0.95))
        # hung on the wall, except cabinets that stand against it (an arcade machine is a screen 1.9 m high)
        mounted = rule == "wall" and class_name in WALL_MOUNTED and not (class_name == "screen" and h > 1.5)
        gap = 0.03 if rule == "wall" else 0.8
        x, y = px + span.normal[0] * (d / 2 + gap), py + span.normal[1] * (d / 2 + gap)
        z0 = span.z
        if mounted:
            z0 = span.z + min(max(1.0, 1.6 - h / 2), max(span.top - h - 0.2, 0.2))
        return x, y, z0, _facing(span.normal), "wall" if mounted else "floor"
    if rule in ("ceiling", "overhead"):
        if not site.floor:
            return None
        x, y = site.point_in(site.pick_rect(site.floor), margin=max(w, d) / 2)
        if site.ceiling_z is not None:
            z0 = site.ceiling_z - h if rule == "ceiling" else max(site.ceiling_z - h - 0.6, 2.4)
            if class_name in HUNG_CLASSES:  # a chandelier 20 m up is a speck above an eye-level frame: it hangs low
                z0 = min(z0, HANG_BOTTOM_M)
            if class_name in ("signage", "screen"):  # hung signs face along the aisle (x), where the camera walks
                indoor_axis_yaw = 90.0 if indoor_axis_yaw < 180.0 else 270.0
            return x, y, z0, indoor_axis_yaw, "ceiling"
        z0, lift, yaw = _floor_z(site, x, y), site.uniform(3.5, 5.5), site.uniform(0, 360)
        if class_name in STANDS_ON_POSTS:  # a canopy's own posts carry it: hung on one pole it floated
            return x, y, z0, yaw, "floor"
        return x, y, z0 + lift, yaw, "overhead"
    raise SceneError(
        f"Decor placement {rule!r} is unknown.",
        fix="use floor, wall, ceiling, grouped, along_path, center, perimeter, scattered or overhead",
    )


def _floor_z(site: SiteBuilder, x: float, y: float) -> float:
    for r in site.floor:
        if r.x0 <= x <= r.x1 and r.y0 <= y <= r.y1:
            return r.z
    return 0.0


def place_on_road(site: SiteBuilder, label: str, size: Vec3, decor: str | None) -> SceneObject | None:
    """A moving vehicle on a lane of a random road, on the plan's driving side, clear of keep-outs."""
    d = size[2]  # length along the direction of travel
    for _ in range(60):
        road = site.roads[int(site.rng.integers(len(site.roads)))]
        ax, ay = road.start
        bx, by = road.end
        length = math.dist(road.start, road.end)
        hx, hy = (bx - ax) / length, (by - ay) / length
        if site.rng.random() < 0.5:  # drive the other way
            ax, ay, bx, by, hx, hy = bx, by, ax, ay, -hx, -hy
        speed = site.uniform(5.0, 13.0)
        travel = speed * MAX_CLIP_S
        if travel + d + 4 > length:
            speed = max((length - d - 4) / MAX_CLIP_S, 0.0)
            travel = speed * MAX_CLIP_S
        t = site.uniform(d / 2 + 2, max(length - travel - d / 2 - 2, d / 2 + 2.1))
        side = 1.0 if site.plan.driving_side == "right" else -1.0
        lane = side * road.width / 4
        rx, ry = hy, -hx  # right of the heading
        x, y = ax + hx * t + rx * lane, ay + hy * t + ry * lane
        yaw = math.degrees(math.atan2(hy, hx)) - 90.0  # the kit's +y is its front
        parts = shapes.kit("vehicle", label, shapes.Placer(x, y, 0.05, yaw), size, site.rng)
        velocity = (hx * speed, hy * speed, 0.0)
        start_box = parts_box(parts)
        if site.free(swept_box(start_box, velocity), ignore_occupied=True) and not any(
            boxes_overlap(start_box, v, 1.0) for v in site.vehicles
        ):
            site.vehicles.append(start_box)
            return site.add("vehicle", label, parts, velocity=velocity, decor=decor)
    return None


def place_walker(site: SiteBuilder, label: str, size: Vec3, decor: str | None, *, moving: bool) -> SceneObject | None:
    """A person on a walkway, walking along it (or standing), clear of keep-outs."""
    height = size[1]
    for _ in range(60):
        span = site.pick_span(site.paths)
        px, py = span.point(site.uniform(0.05, 0.95))
        dx, dy = span.direction
        lateral = site.uniform(-span.width / 2 + 0.4, span.width / 2 - 0.4) if span.width > 0.8 else 0.0
        x, y = px - dy * lateral, py + dx * lateral
        sign = 1.0 if site.rng.random() < 0.5 else -1.0
        speed = site.uniform(0.9, 1.5) if moving else 0.0
        velocity = (dx * sign * speed, dy * sign * speed, 0.0)
        yaw = math.degrees(math.atan2(dy * sign, dx * sign)) - 90.0
        parts = shapes.kit(
            "person", label, shapes.Placer(x, y, span.z, yaw), (0.5, height, 0.3), site.rng, season=site.plan.season,
            speed=speed,
        )
        if site.free(swept_box(parts_box(parts), velocity), ignore_occupied=True):
            return site.add("person", label, parts, velocity=velocity, decor=decor)
    return None


def place_object(
    site: SiteBuilder,
    class_name: str,
    label: str,
    rule: str,
    size: Vec3,
    *,
    decor: str | None,
    index: int = 0,
    group_centers: list[tuple[float, float]] | None = None,
) -> SceneObject | None:
    """Place one object by ``rule``; fall back to overlapping others, then to any free floor. None if nowhere fits."""
    if class_name == "vehicle" and site.roads and rule in ("along_path", "scattered", "floor", "grouped"):
        placed = place_on_road(site, label, size, decor)
        if placed is not None:
            return placed
    if class_name == "person" and site.paths and rule in ("along_path", "scattered", "grouped", "floor"):
        placed = place_walker(site, label, size, decor, moving=site.rng.random() < 0.6)
        if placed is not None:
            return placed
    if class_name == "light" and rule == "overhead" and site.ceiling_z is None and site.paths and _string(size):
        placed = place_across_path(site, label, size, decor)
        if placed is not None:
            return placed
    if class_name == "animal" and site.enclosures:
        rule = "enclosure"
    elif class_name in HOUSE_CLASSES and site.plan.venue == "zoo" and _interior_zone(site) and _house_leads(site):
        rule = "by_lead"  # a zoo house's terrariums, panels, ferns and boulders stand by the animals the shot is about
    elif site.enclosures and (class_name in ZOO_PEN_CLASSES or class_name in ZOO_VISITOR_CLASSES) and _zoo_leads(site):
        rule = "by_lead"  # a zoo's pen furniture and visitors' things stand by the animals the shot is about
    elif class_name == "animal" and any(o.class_name == "aquarium_tank" for o in site.objects):
        rule = "tank"  # swimmers belong to the tanks
    elif class_name == "animal" and any(z.kind == "interior" for z in site.zones):
        rule = "aisle"
    elif class_name in TANK_BED_CLASSES and rule != "center" and site.plan.venue == "aquarium" and _holding_tanks(site, BED):
        rule, size = "tank_bed", _bed_size(site, size)  # an aquarium's coral, kelp and rockwork are its tanks' own
    elif class_name == "aquarium_tank" and site.plan.venue == "aquarium" and size[0] > SHOWCASE_M:
        size = (SHOWCASE_M, size[1], size[2])  # a panoramic tank as wide as a shot of its swimmers shows
    elif (
        site.plan.venue == "aquarium"
        and (
            rule == "center"
            or (class_name == "aquarium_tank" and "jellyfish" in label.lower())
            or (class_name in ("screen", "signage") and rule == "wall")
        )
        and _main_tanks(site)
    ):
        rule = "by_tank"  # a bench or a touch pool before an aquarium's main tank, smaller tanks flanking it
    elif class_name == "sculpture" and max(size[0], size[2]) > LONG_EXHIBIT_M and site.floor and _interior_zone(site):
        rule, size = "along_aisle", _fit_beside_aisle(site, size)
    if rule == "aisle" and perches(label):
        joined = _join_perch(site, class_name, label, size, decor)
        if joined is not None:
            return joined
    centers = group_centers or [site.point_in(site.pick_rect(site.floor), 2.0) if site.floor else site.center[:2]]
    for attempt in range(90):
        ignore = attempt >= 45 and not (class_name == "water" and site.enclosures)  # a moat never over a pen's animals
        if rule == "enclosure":
            rect = _pen_for(site, label, site.pick_rect(site.enclosures))
            x, y = _near_visitors(site, rect, margin=max(size[0], size[2]) / 2)
            joins = _joins_lead(site, label, size) if attempt < 45 else None
            if joins is not None:
                rect, x, y = joins
            cand = (x, y, rect.z, site.uniform(0, 360), "floor")
        elif rule == "by_lead" and attempt < 70:
            cand = _by_lead(site, class_name, size) if site.enclosures else _by_house_lead(site, class_name, size)
        elif rule in ("tank", "tank_bed"):  # a swimmer stays before its tank, never on the floor
            x, y, z, along = _before_tank(site, size, bed=rule == "tank_bed")
            cand = (x, y, z, 90.0 if site.rng.random() < 0.5 else 270.0, "floor")
        elif rule == "by_tank" and attempt < 70:
            cand = _by_tank(site, class_name, size)
        elif rule == "along_aisle" and attempt < 70:
            cand = _along_aisle(site, size)
        elif rule == "aisle" and attempt < 70:
            reach = min(PERCH_REACH_M if perches(label) else 4.0, 0.5 + 5.0 * size[1]) + attempt / 10  # small ones nearer
            x, y = _beside_aisle(site, margin=max(size[0], size[2]) / 2, reach=reach)
            cand = (x, y, _floor_z(site, x, y), site.uniform(0, 360), "floor")
            if perches(label):  # a bird indoors sits on a perch at eye level, not on the floor
                cand = (x, y, cand[2] + site.uniform(*PERCH_HEIGHT_M), cand[3], "floor")
        else:
            this_rule = rule if rule not in ("aisle", "tank") and attempt < 70 else "floor"
            cand = _candidate(site, this_rule, class_name, size, index, centers)
            if cand is None:
                cand = _candidate(site, "perimeter" if site.perimeter else "floor", class_name, size, index, centers)
            if cand is None:
                break
        x, y, z0, yaw, mounted = cand
        velocity: Vec3 = (0.0, 0.0, 0.0)
        if rule == "enclosure":  # animals roam: head across the enclosure at a pace that keeps them inside
            yaw, velocity = _roam(site, rect, x, y, size)
        elif rule == "tank":  # swimmers swim along their tank's face, staying before it
            velocity = _swim(site, x, yaw, size, along)
        speed = math.hypot(velocity[0], velocity[1])
        parts = shapes.kit(
            class_name,
            label,
            shapes.Placer(x, y, z0, yaw),
            size,
            site.rng,
            season=site.plan.season,
            mounted=mounted,
            speed=speed,
        )
        if mounted == "overhead":  # outdoors, overhead things hang from a pole
            parts.append(
                shapes.Placer(x, y, 0.0, yaw).part("cylinder", (0.0, 0.0, z0 / 2), (0.12, 0.12, z0), (0.2, 0.2, 0.22))
            )
        perch = _perch(site, x, y, z0, yaw, size) if z0 > _floor_z(site, x, y) + 0.5 and perches(label) else None
        box = parts_box(parts + (perch or []))  # the perch stands under the bird: it needs its room too
        if not _in_room(site, box):
            continue
        if site.free(swept_box(box, velocity), ignore_occupied=ignore):
            site.occupied.append(swept_box(box, velocity))
            if perch is not None:
                site.add("vegetation", "perch", perch, salient=False)
                site.perches.append(Perch(x, y, z0, yaw, label))
            return site.add(class_name, label, parts, velocity=velocity, decor=decor)
    return None


STANDS_ON_POSTS = frozenset({"canopy"})  # outdoors, overhead decor of these classes stands on its own posts
PERCH_HEIGHT_M = (1.3, 2.2)  # top of an indoor bird's perch: in front of an eye-level camera (1.3-2.3 m)
PERCH_REACH_M = 1.2  # ... within this of the aisle's side: a bird is small, a long lens frames it from there
PERCH_BAR_M = 1.9  # a perch's bar ...
PERCH_SLOT_M = 0.3  # ... starts this far beyond its first bird ...
PERCH_SPACING_M = 0.45  # ... and seats a bird every this many metres ...
PERCH_BIRDS = 4  # ... up to this many (birds of a kind sit together)
PERCH_COLOUR = (0.36, 0.26, 0.17)  # a barked branch (the class's bark material draws on it)
PERCHING_SPECIES = frozenset({"parrot"})  # library bird models that perch (flamingos, penguins and ducks stand)


def perches(label: str) -> bool:
    """Whether an animal of ``label`` sits on a perch indoors (an aviary's birds), rather than on the floor."""
    from worldmill.library.animals import species_of

    return species_of(label) in PERCHING_SPECIES


@dataclasses.dataclass
class Perch:
    """A perch's first bird (the bar runs along its local x from there) and how many birds sit on it."""

    x: float
    y: float
    top: float
    yaw: float
    label: str
    birds: int = 1


def _perch(site: SiteBuilder, x: float, y: float, top: float, yaw: float, size: Vec3) -> list[Primitive]:
    """A branch bar under a row of birds (the first at ``x, y``; a bird faces along its local y) on a post at the
    far end."""
    floor = _floor_z(site, x, y)
    p = shapes.Placer(x, y, floor, yaw)
    rise = top - floor
    return [
        p.part("box", (PERCH_BAR_M / 2 - PERCH_SLOT_M, 0.0, rise - 0.03), (PERCH_BAR_M, 0.06, 0.06), PERCH_COLOUR),
        p.part("cylinder", (PERCH_BAR_M - PERCH_SLOT_M - 0.06, 0.0, (rise - 0.03) / 2), (0.07, 0.07, rise - 0.03), PERCH_COLOUR),
    ]


def _join_perch(site: SiteBuilder, class_name: str, label: str, size: Vec3, decor: str | None) -> SceneObject | None:
    """A bird beside the last one on a perch of its kind with room left (birds of a kind sit together), or None."""
    perch = next((q for q in site.perches if q.label == label and q.birds < PERCH_BIRDS), None)
    if perch is None:
        return None
    yaw = math.radians(perch.yaw)
    along = PERCH_SPACING_M * perch.birds  # the perch's box, reserved with its first bird, holds its row
    x, y = perch.x + math.cos(yaw) * along, perch.y + math.sin(yaw) * along
    parts = shapes.kit(class_name, label, shapes.Placer(x, y, perch.top, perch.yaw), size, site.rng, season=site.plan.season)
    perch.birds += 1
    return site.add(class_name, label, parts, decor=decor)


def _within_room(site: SiteBuilder, x: float, y: float, half: tuple[float, float]) -> tuple[float, float]:
    """(x, y) pulled in, indoors, until a footprint ``half`` (half its extent along x and y) around it clears the
    walls (along an axis where the room is too narrow for it, to the room's middle); outdoors as it is."""
    if site.ceiling_z is None or not site.floor:
        return x, y
    room = max(site.floor, key=lambda r: r.area)
    pulled = []
    for v, lo, hi, reach in ((x, room.x0, room.x1, half[0]), (y, room.y0, room.y1, half[1])):
        pulled.append(float(np.clip(v, lo + reach, hi - reach)) if hi - lo > 2 * reach else (lo + hi) / 2)
    return pulled[0], pulled[1]


WALL_BAND_M = 0.6  # a room's floor rect stops 0.3 m short of its walls; wall-hung things hang just past it


def _in_room(site: SiteBuilder, box: Box3) -> bool:
    """Whether the box's middle lies inside the room (over its floor, or on a wall: within ``WALL_BAND_M`` of the
    floor's edge); outdoors anywhere. A ring of "center" spots around a hall's middle reaches past its walls, where
    a staircase would stand outside, never seen."""
    if site.ceiling_z is None:
        return True
    x, y = (box[0] + box[3]) / 2, (box[1] + box[4]) / 2
    m = WALL_BAND_M
    return any(r.x0 - m <= x <= r.x1 + m and r.y0 - m <= y <= r.y1 + m for r in site.floor)


STRING_POLE_M = 1.5  # a light string's poles stand this far beyond the walkway's edges
STRING_CLEAR_M = 0.3  # ... and it hangs this far over the top of a camera's walkway zone (its keep-out)


def _string(size: Vec3) -> bool:
    """Whether a light is a string (a festoon): many times longer than it is thick."""
    w, h, d = size
    return w > 8.0 * max(h, d)


def place_across_path(site: SiteBuilder, label: str, size: Vec3, decor: str | None) -> SceneObject | None:
    """A light string hung across a walkway between two poles, over the head of whoever walks it (and over a
    camera walking it, which then looks along the strings): its length spans the walkway, no wider than it needs."""
    w = size[0]
    for _ in range(40):
        span = site.pick_span(site.paths)
        px, py = span.point(site.uniform(0.1, 0.9))
        dx, dy = span.direction
        length = min(w, span.width + 2 * STRING_POLE_M)
        top = max((k[5] for k in site.keepout if k[0] <= px <= k[3] and k[1] <= py <= k[4]), default=0.0)
        z0 = span.z + max(site.uniform(3.5, 5.0), top - span.z + STRING_CLEAR_M)
        p = shapes.Placer(px, py, z0, math.degrees(math.atan2(dx, -dy)))  # local x across the walkway
        string = festoon(p, length)
        rise = z0 - span.z + FESTOON_SAG * length + 0.1  # the poles hold the string's ends, above its low middle
        poles = [
            p.part("cylinder", (sx * length / 2, 0.0, rise / 2 - (z0 - span.z)), (0.12, 0.12, rise), (0.2, 0.2, 0.22))
            for sx in (-1.0, 1.0)
        ]
        boxes = [parts_box(string), *(parts_box([pole]) for pole in poles)]
        if all(site.free(box) for box in boxes):
            site.occupied.extend(boxes[1:])
            return site.add("light", label, [*string, *poles], decor=decor)
    return None


FESTOON_SAG = 0.08  # a light string sags this share of its length at its middle ...
FESTOON_BULB_M = 0.5  # ... and carries a bulb every this many metres ...
FESTOON_BULBS = ((1.0, 0.92, 0.75), (1.0, 0.35, 0.25), (0.4, 1.0, 0.45), (0.45, 0.6, 1.0), (1.0, 0.85, 0.3))


def festoon(p: shapes.Placer, length: float) -> list[Primitive]:
    """A light string along local x from -length/2 to length/2: a dark wire sagging in straight runs to its
    middle, with glowing bulbs of cycling colours hung from it, the lowest bulb's bottom at z = -0.14 (one glowing
    bar on two poles read as a gantry, or stilts)."""
    sag = FESTOON_SAG * length

    def z(x: float) -> float:
        return 0.1 + sag * (2.0 * x / length) ** 2

    knots = np.linspace(-length / 2, length / 2, 7)
    wire = []
    for x0, x1 in itertools.pairwise(knots):
        run, drop = x1 - x0, z(x1) - z(x0)
        wire.append(
            p.part("box", ((x0 + x1) / 2, 0.0, (z(x0) + z(x1)) / 2), (math.hypot(run, drop), 0.03, 0.03),
                   (0.08, 0.08, 0.08), pitch=-math.degrees(math.atan2(drop, run)), casts_shadow=False)
        )  # fmt: skip
    count = max(2, int(length / FESTOON_BULB_M))
    bulbs = [
        p.part("sphere", (x, 0.0, z(x) - 0.12), (0.22, 0.22, 0.24), FESTOON_BULBS[i % len(FESTOON_BULBS)], emissive=1.5,
               casts_shadow=False)
        for i, x in enumerate(np.linspace(-length / 2 + 0.3, length / 2 - 0.3, count))
    ]  # fmt: skip
    return wire + bulbs


def _near_visitors(site: SiteBuilder, rect: Rect, margin: float) -> tuple[float, float]:
    """A spot in the strip of an enclosure nearest the site's middle (where the visitors' paths run), so that
    animals are seen from the paths rather than lost at the far end of a large pen."""
    x, y = site.point_in(rect, margin)
    depth = min(8.0, rect.y1 - rect.y0)
    lo, hi = (rect.y1 - depth, rect.y1) if abs(rect.y1) < abs(rect.y0) else (rect.y0, rect.y0 + depth)
    lo, hi = lo + margin, hi - margin
    return x, (site.uniform(lo, hi) if hi > lo else y)


PREDATORS = frozenset({"lion", "tiger", "leopard", "cheetah", "wolf", "bear", "crocodile"})  # kept apart in a zoo
ZOO_PEN_CLASSES = frozenset({"rock", "column", "vegetation", "water", "canopy"})  # boulders, climbing frames,
# acacias, moats, shelters: in the pen of the animals the shot is about, beside or behind them
ZOO_VISITOR_CLASSES = frozenset({"seating", "signage", "counter", "pavement", "window"})  # benches, species panels,
# kiosks, viewing decks, viewing windows: on the visitors' side of that pen's fence, beside the animals, not before them
SMALL_ANIMAL_M = 1.6  # an animal no taller than this (a flamingo, a tortoise) joins the lead animals' pen, nearer the
# visitors: far off it covers too little of the frame to read


def _pen_for(site: SiteBuilder, label: str, drawn: Rect) -> Rect:
    """The pen an animal of ``label`` goes to, given the one ``drawn`` at random: each predator kind of the plan has a
    pen of its own (the second nearest the site's focus, the third, ...), the other animals share the rest."""
    kinds = list(dict.fromkeys(c.name for c in site.plan.decor if c.semantic_class == "animal" and c.name in PREDATORS))
    order = sorted(site.enclosures, key=lambda r: math.dist(((r.x0 + r.x1) / 2, (r.y0 + r.y1) / 2), site.focus[:2]))
    if not kinds or len(order) <= len(kinds):
        return drawn
    reserved = {kind: order[1 + i] for i, kind in enumerate(kinds)}
    if label in reserved:
        return reserved[label]
    if drawn not in reserved.values():
        return drawn
    shared = [r for r in order if r not in reserved.values()]
    return shared[int(site.rng.integers(len(shared)))]


def _zoo_leads(site: SiteBuilder) -> list[SceneObject]:
    """The instances, in pens, of the zoo plan's animal kind with the largest face (the kind the shot leads with:
    ``camera.subject_kinds`` ranks animals by their summed face-on area). Asked on every placement attempt of
    a zoo's decor, it is worked out again only once an object was added."""
    placed, leads = site._zoo_leads
    if placed != len(site.objects):
        site._zoo_leads = placed, leads = len(site.objects), _zoo_leads_now(site)
    return leads


def _zoo_leads_now(site: SiteBuilder) -> list[SceneObject]:
    faces: dict[str, list[float]] = {}
    found: dict[str, list[SceneObject]] = {}
    for obj in site.objects:
        if obj.class_name == "animal" and obj.decor and _pen_at(site, obj) is not None:
            b = parts_box(obj.parts)
            faces.setdefault(obj.decor, []).append(max(b[3] - b[0], b[4] - b[1]) * (b[5] - b[2]))
            found.setdefault(obj.decor, []).append(obj)
    score = {kind: sum(sorted(areas)[-4:]) for kind, areas in faces.items()}  # as the camera ranks them
    return found[max(score, key=lambda k: (score[k], k))] if score else []


def _pen_at(site: SiteBuilder, obj: SceneObject) -> Rect | None:
    x, y = obj.parts[0].center[:2]
    return next((r for r in site.enclosures if r.x0 <= x <= r.x1 and r.y0 <= y <= r.y1), None)


def _visitor_side(rect: Rect) -> tuple[float, float]:
    """(y of the pen's edge along the promenade, the direction from it towards the promenade)."""
    return (rect.y1, 1.0) if abs(rect.y1) < abs(rect.y0) else (rect.y0, -1.0)


def _joins_lead(site: SiteBuilder, label: str, size: Vec3) -> tuple[Rect, float, float] | None:
    """(pen, x, y) for a small animal by the lead animals, nearer the visitors, where they may share a pen (no
    predator on either side); None otherwise."""
    leads = _zoo_leads(site)
    if size[1] > SMALL_ANIMAL_M or not leads or label in PREDATORS or leads[0].decor in PREDATORS:
        return None
    lead = leads[int(site.rng.integers(len(leads)))]
    rect = _pen_at(site, lead)
    edge, toward = _visitor_side(rect)
    reach = max(size[0], size[2]) / 2
    x = float(np.clip(lead.parts[0].center[0] + site.uniform(-8.0, 8.0), rect.x0 + reach, rect.x1 - reach))
    y = edge - toward * (reach + site.uniform(0.3, 3.0))
    return rect, x, y


def _by_lead(site: SiteBuilder, class_name: str, size: Vec3) -> tuple[float, float, float, float, str]:
    """(x, y, z0, yaw, mounted) beside one of the lead animals: pen furniture inside its pen, beside or behind it;
    visitors' things just outside the pen's fence on the promenade side, facing the promenade, low ones nearly
    before the animal, tall ones a few metres to one side (in the shot, not hiding the animal)."""
    leads = _zoo_leads(site)
    lead = leads[int(site.rng.integers(len(leads)))]
    rect = _pen_at(site, lead)
    ax, ay = lead.parts[0].center[:2]
    edge, toward = _visitor_side(rect)
    w, _, d = size
    side = 1.0 if site.rng.random() < 0.5 else -1.0
    half = max(w, d) / 2
    if class_name in ZOO_VISITOR_CLASSES:  # low things (a bench, a panel, a deck) nearly before the animals: the
        # camera looks over them; tall ones (a kiosk, a window) to one side, clear of them
        x = ax + side * (half + (site.uniform(0.5, 3.0) if size[1] < LOW_THING_M else site.uniform(2.5, 6.0)))
        y = edge + toward * (PEN_FENCE_M + 0.4 + d / 2 + site.uniform(0.0, 1.0))
        return x, y, 0.0, _facing((0.0, toward)), "floor"
    x = float(np.clip(ax + side * (half + site.uniform(1.5, 6.0)), rect.x0 + half, rect.x1 - half))
    if class_name == "water":  # a moat runs along the fence the visitors look over, beside the animals
        return x, edge - toward * (d / 2 + 0.3), rect.z, 0.0, "floor"
    y = float(np.clip(ay - toward * site.uniform(-1.0, 5.0), rect.y0 + half, rect.y1 - half))
    return x, y, rect.z, site.uniform(0, 360), "floor"


HOUSE_CLASSES = frozenset({"display_case", "signage", "vegetation", "rock", "window"})  # in a zoo's house: by its
# animals (a viewing window just behind them, onto their enclosure)
LEAD_BACKDROP_M = 1.2  # a house's viewing window stands this far behind the animal it backs


def _house_leads(site: SiteBuilder) -> list[SceneObject]:
    """A zoo house's animals of the kind its shot leads with: perched birds before those on the floor, then the
    largest (``camera.subject_kinds``)."""
    animals = [o for o in site.objects if o.class_name == "animal" and o.decor]
    if not animals:
        return []

    def rank(obj: SceneObject) -> tuple[bool, float]:
        b = parts_box(obj.parts)
        return (b[2] >= 1.0, max(b[3] - b[0], b[4] - b[1]) * (b[5] - b[2]))

    lead = max(animals, key=rank).decor
    return [o for o in animals if o.decor == lead]


def _by_house_lead(site: SiteBuilder, class_name: str, size: Vec3) -> tuple[float, float, float, float, str]:
    """(x, y, z0, yaw, mounted) on the floor beside the walk a few metres along from one of a zoo house's lead
    animals, on its side, its front to the walk; a viewing window just behind the animal."""
    leads = _house_leads(site)
    lead = leads[int(site.rng.integers(len(leads)))]
    zone = _interior_zone(site)
    ax, ay = lead.parts[0].center[:2]
    w, _, d = size
    middle = (zone.lo[1] + zone.hi[1]) / 2
    toward = -1.0 if ay > middle else 1.0  # from the animal's side towards the walk
    edge = zone.hi[1] if ay > middle else zone.lo[1]
    if class_name == "window":  # a viewing window onto the enclosure, just behind the animal: the shot's backdrop
        x = ax + site.uniform(-1.0, 1.0)
        y = ay - toward * (LEAD_BACKDROP_M + d / 2)
        return x, y, _floor_z(site, x, y), _facing((0.0, toward)), "floor"
    x = ax + (1.0 if site.rng.random() < 0.5 else -1.0) * (max(w, d) / 2 + site.uniform(0.8, 3.5))
    y = edge - toward * (0.6 + d / 2 + site.uniform(0.0, 2.0))
    return x, y, _floor_z(site, x, y), _facing((0.0, toward)), "floor"


LOW_THING_M = 2.0  # a visitors' thing lower than this stands nearly before the animals (the camera looks over it)
PEN_FENCE_M = 1.5  # a pen's fence stands this far outside its enclosure rect (``archetypes.zoo``)


def _beside_aisle(site: SiteBuilder, margin: float, reach: float) -> tuple[float, float]:
    """A floor spot within ``reach`` m of the side of the interior camera aisle: small animals indoors (a
    tortoise, a parrot, a shark) read only from a few metres away, not from across the hall."""
    zone = next(z for z in site.zones if z.kind == "interior")
    lo, hi = (zone.lo[0], zone.hi[0]) if zone.axis[0] else (zone.lo[1], zone.hi[1])
    side_lo, side_hi = (zone.lo[1], zone.hi[1]) if zone.axis[0] else (zone.lo[0], zone.hi[0])
    along = site.uniform(lo, hi)
    off = 0.5 + margin + site.uniform(0.0, reach)
    beside = side_hi + off if site.rng.random() < 0.5 else side_lo - off
    return (along, beside) if zone.axis[0] else (beside, along)


def _along_the_aisle(site: SiteBuilder, size: Vec3) -> tuple[float, float, float, float, str]:
    """Indoors, where no walkway is laid, "along the path" is along the camera's aisle: a moving walkway, a queue
    railing or a gurney stands just beside it, its long side along it (not against a far wall, out of the shot):
    (x, y, z0, yaw, mounted)."""
    w, _, d = size
    zone = _interior_zone(site)
    along_x = bool(zone.axis[0])
    x, y = _beside_aisle(site, margin=min(w, d) / 2, reach=1.0)
    lo, hi = (zone.lo[0], zone.hi[0]) if along_x else (zone.lo[1], zone.hi[1])
    half = max(w, d) / 2
    middle = float(np.clip(x if along_x else y, lo + half, hi - half)) if hi - lo > 2 * half else (lo + hi) / 2
    x, y = (middle, y) if along_x else (x, middle)
    axis = (1.0, 0.0) if along_x else (0.0, 1.0)
    yaw = _facing(axis) if d >= w else _facing((-axis[1], axis[0]))  # the long side along the aisle
    return x, y, _floor_z(site, x, y), yaw, "floor"


def tank_holds(label: str, width: float, swimmer_length: float) -> bool:
    """Whether a tank of ``label`` and ``width`` (m along its face) holds a swimmer ``swimmer_length`` long: a
    jellyfish tank holds jellyfish only (a turtle in one belies its label), and a swimmer needs a face at least
    half again its length (a shark before a 1.5 m tank swims in the hall)."""
    return "jellyfish" not in label.lower() and width >= 1.5 * swimmer_length


TANK_BED_CLASSES = frozenset({"rock", "vegetation", "water"})  # in an aquarium: coral, rockwork, kelp, bubble columns
TUNNEL_WALL_M = 0.2  # a tunnel's glass and ribs stand this far inside its box
TUNNEL_SHARE = 0.5  # the share of the swimmers that fit an acrylic tunnel which swim in it (the rest in tanks)
TUNNEL_SWIMMER_M = 1.0  # the widest swimmer an acrylic tunnel holds (a ray 3 m across would swim into the walk)
BED: Vec3 = (0.0, 0.0, 0.0)  # what a tank's bed asks of its tank: none of a swimmer's length
TANK_MIDDLE = 0.5  # swimmers, coral and kelp keep to this middle share of a tank's face
TANK_WATER_SHARE = 0.7  # a tank's water is the top 70 % of its height (``shapes.kit``: a plinth under it)


def _bed_size(site: SiteBuilder, size: Vec3) -> Vec3:
    """``size`` of a tank's coral, kelp or rockwork scaled down (uniformly) to stand in the water of the tallest
    tank that holds it, at most a metre deep before the glass."""
    water = max(TANK_WATER_SHARE * (b[5] - b[2]) for b in _holding_tanks(site, BED))
    w, h, d = size
    k = min(1.0, 0.9 * water / h, 1.0 / d)
    return (w * k, h * k, d * k)


def _tanks(site: SiteBuilder) -> list[tuple[str, Box3]]:
    """(label, box) of every aquarium tank built so far."""
    return [(o.label, parts_box(o.parts)) for o in site.objects if o.class_name == "aquarium_tank"]


def _holding_tanks(site: SiteBuilder, size: Vec3) -> list[Box3]:
    """Boxes of the tanks a swimmer of ``size`` belongs to (``tank_holds``; the widest face of each counts)."""
    length = max(size[0], size[2])
    return [b for label, b in _tanks(site) if tank_holds(label, max(b[3] - b[0], b[4] - b[1]), length)]


def _tunnels(site: SiteBuilder, size: Vec3) -> list[Box3]:
    """Boxes of the acrylic tunnels whose water holds a swimmer of ``size`` beside the walk they vault."""
    if size == BED or size[0] > TUNNEL_SWIMMER_M:
        return []
    return [parts_box(o.parts) for o in site.objects if o.decor and "tunnel" in o.decor]


SHOWCASE_M = 7.0  # an aquarium's widest tank: a shot that frames a shark (2 % of the frame) is about 8 m across
MAIN_TANK_M = 6.0  # an aquarium's main tanks are at least this wide along their face


def _main_tanks(site: SiteBuilder) -> list[Box3]:
    """Boxes of an aquarium's main tanks (a panoramic or display tank) that face the walk across y."""
    return [b for _, b in _tanks(site) if b[3] - b[0] >= MAIN_TANK_M and b[3] - b[0] >= b[4] - b[1]]


def _aisle_middle(site: SiteBuilder) -> float:
    """The y of the middle of the camera's interior aisle (0 where the site has none)."""
    aisle = _interior_zone(site)
    return 0.0 if aisle is None else (aisle.lo[1] + aisle.hi[1]) / 2


def _near_face(y0: float, y1: float, middle: float) -> float:
    """Of a box's two faces across y, the one nearer the aisle's ``middle``."""
    return y0 if abs(y0 - middle) < abs(y1 - middle) else y1


def _by_tank(site: SiteBuilder, class_name: str, size: Vec3) -> tuple[float, float, float, float, str]:
    """(x, y, z0, yaw, mounted) of what an aquarium sets by a main tank, so that a shot of its swimmers shows it too:
    another tank flanks it, its front flush with the main tank's; a species label or a video screen hangs on the
    front of its plinth; a bench or a touch pool stands on the floor before its glass, below the swimmers."""
    mains = _main_tanks(site)
    x0, y0, z0, x1, y1, z1 = mains[int(site.rng.integers(len(mains)))]
    w, _, d = size
    middle = _aisle_middle(site)
    face = _near_face(y0, y1, middle)
    toward = math.copysign(1.0, middle - face)
    if class_name == "aquarium_tank":  # beyond the tanks already flanking it, on the side with room nearer
        gap = site.uniform(0.3, 1.0)
        edges = {side: _flank_edge(site, (x0, y0, z0, x1, y1, z1), side, w + 2 * gap) for side in (-1.0, 1.0)}
        side = min(edges, key=lambda k: (abs(edges[k] - (x1 if k > 0 else x0)), k))
        x = edges[side] + side * (gap + w / 2)
        y = face - toward * d / 2
    elif class_name in ("screen", "signage"):  # on the front of its plinth, under the water the swimmers show in
        h = size[1]
        x = site.uniform(x0 + w / 2, x1 - w / 2) if x1 - x0 > w else (x0 + x1) / 2
        plinth = (1.0 - TANK_WATER_SHARE) * (z1 - z0)
        return x, face + toward * (d / 2 + 0.02), z0 + max(0.05, (plinth - h) / 2), _facing((0.0, toward)), "wall"
    else:
        x = site.uniform(x0 + w / 2, x1 - w / 2) if x1 - x0 > w else (x0 + x1) / 2
        y = face + toward * (0.6 + d / 2 + site.uniform(0.0, 1.5))
    return x, y, _floor_z(site, x, y), _facing((0.0, toward)), "floor"


def _flank_edge(site: SiteBuilder, main: Box3, side: float, room: float) -> float:
    """The x where a tank flanking ``main`` on ``side`` (+1 beyond its x1, -1 before its x0) may start: past the
    tanks flanking it there already, up to the first gap of ``room`` m."""
    x0, y0, _, x1, y1, _ = main
    beside = sorted(
        (b for _, b in _tanks(site) if b[1] < y1 and y0 < b[4] and (b[0] > x1 - 0.05 if side > 0 else b[3] < x0 + 0.05)),
        key=lambda b: b[0] * side,
    )  # fmt: skip
    edge = x1 if side > 0 else x0
    for b in beside:
        near, far = (b[0], b[3]) if side > 0 else (b[3], b[0])
        if (near - edge) * side < room:
            edge = far
    return edge


SWIM_M_S = (0.15, 0.5)  # a swimmer's pace along its tank (a static shot of a tank must not be a frozen frame)


def _swim(site: SiteBuilder, x: float, yaw: float, size: Vec3, along: tuple[float, float]) -> Vec3:
    """Velocity of a swimmer at ``x`` heading along its local +y turned by ``yaw`` (90: -x, 270: +x), slow enough
    to stay before its tank's face (``along``: its x extent) for a whole clip."""
    heading = -1.0 if abs(yaw - 90.0) < 1.0 else 1.0
    reach = max(size[0], size[2]) / 2
    room = (x - reach - along[0]) if heading < 0 else (along[1] - reach - x)
    speed = max(0.0, min(site.uniform(*SWIM_M_S), room / MAX_CLIP_S))
    return (heading * speed, 0.0, 0.0)


def _before_tank(
    site: SiteBuilder, size: Vec3, *, bed: bool = False
) -> tuple[float, float, float, tuple[float, float]]:
    """(x, y, base z, the tank's x extent) of a swimmer just before the water of a tank's face nearest the visitors' aisle, at the
    water's depth: the renderer has no transparent glass, so a fish inside a tank would never be seen. Only
    tanks that hold it (``tank_holds``) take it, where the scene has one. ``bed``: coral, kelp or rockwork, which
    stands on the water's bottom."""
    tanks = _holding_tanks(site, BED if bed else size) or [b for _, b in _tanks(site)]
    tunnels = _tunnels(site, size)
    if tunnels and (not tanks or site.rng.random() < TUNNEL_SHARE):
        tanks = tunnels
    x0, y0, z0, x1, y1, z1 = tanks[int(site.rng.integers(len(tanks)))]
    w, h, d = size
    middle = _aisle_middle(site)
    reach = max(w, d) / 2
    if y0 < middle < y1:  # a tunnel: anywhere along it
        x = site.uniform(x0 + reach, x1 - reach) if x1 - x0 > 2 * reach else (x0 + x1) / 2
    else:  # a tank: about its middle, where the shot of a swimmer there shows the tank's other things
        half = max(0.0, TANK_MIDDLE * (x1 - x0) / 2 - reach)
        x = site.uniform((x0 + x1) / 2 - half, (x0 + x1) / 2 + half)
    face = _near_face(y0, y1, middle)
    if y0 < middle < y1:  # a tunnel round the walk: before the inside of one of its walls
        face = y1 - TUNNEL_WALL_M if site.rng.random() < 0.5 else y0 + TUNNEL_WALL_M
    y = face + math.copysign(0.15 + (d / 2 if bed else w / 2), middle - face)  # it swims along the face
    water = z0 + (1.0 - TANK_WATER_SHARE) * (z1 - z0)  # above the tank's plinth
    if bed:
        return x, y, water, (x0, x1)
    z = site.uniform(water, min(max(water, z1 - h - 0.1), water + 1.2))  # near eye level, not up by the ceiling
    return x, y, z, (x0, x1)


LONG_EXHIBIT_M = 6.0  # an indoor sculpture longer than this (a skeleton) lies along the aisle, beside it


def _interior_zone(site: SiteBuilder) -> CameraZone | None:
    return next((z for z in site.zones if z.kind == "interior"), None)


def _aisle_strips(site: SiteBuilder) -> tuple[tuple[float, float], list[tuple[float, float]], bool]:
    """((lo, hi) along the aisle, [(lo, hi) across it of the floor strip on either side], aisle runs along x)
    within the largest floor rect, clear of the camera's keep-out beside the aisle."""
    zone = _interior_zone(site)
    rect = max(site.floor, key=lambda r: r.area)
    along_x = bool(zone.axis[0])
    along = (rect.x0, rect.x1) if along_x else (rect.y0, rect.y1)
    side_lo, side_hi = (rect.y0, rect.y1) if along_x else (rect.x0, rect.x1)
    aisle_lo, aisle_hi = (zone.lo[1], zone.hi[1]) if along_x else (zone.lo[0], zone.hi[0])
    clear = 0.6  # the keep-out is the zone widened by 0.3 a side
    return along, [(side_lo + 0.3, aisle_lo - clear), (aisle_hi + clear, side_hi - 0.3)], along_x


def _fit_beside_aisle(site: SiteBuilder, size: Vec3) -> Vec3:
    """``size`` scaled down (uniformly) until it fits the hall lying along the aisle in the wider floor strip
    beside it and under the ceiling."""
    (a0, a1), strips, along_x = _aisle_strips(site)
    w, h, d = size
    room = max(hi - lo for lo, hi in _clear_stretches(site, strips, a0, a1, along_x))
    k = min(1.0, (a1 - a0 - 1.0) / d, room / w, (site.ceiling_z - 0.3) / h)
    return (w * k, h * k, d * k)


def _clear_stretches(site: SiteBuilder, strips, a0: float, a1: float, along_x: bool) -> list[tuple[float, float]]:
    """The stretches across the aisle of ``strips`` clear of what already stands beside the aisle between
    ``a0`` and ``a1`` along it (a row of columns)."""
    along, across = (0, 1) if along_x else (1, 0)
    cuts = sorted((b[across] - 0.2, b[across + 3] + 0.2) for b in site.occupied if b[along] < a1 and a0 < b[along + 3])
    clear = []
    for lo, hi in strips:
        for c0, c1 in cuts:
            if c0 > lo:
                clear.append((lo, min(hi, c0)))
            lo = max(lo, c1)
        if hi > lo:
            clear.append((lo, hi))
    return clear or list(strips)


def _along_aisle(site: SiteBuilder, size: Vec3) -> tuple[float, float, float, float, str]:
    """A long exhibit lying along the aisle in the floor strip on one side of it (a ring or random spot would
    put a skeleton through a wall): (x, y, z0, yaw, mounted)."""
    (a0, a1), strips, along_x = _aisle_strips(site)
    w, _, d = size
    along = site.uniform(a0 + d / 2 + 0.5, a1 - d / 2 - 0.5)
    clear = _clear_stretches(site, strips, along - d / 2, along + d / 2, along_x)
    fits = [(lo, hi) for lo, hi in clear if hi - lo >= w] or [max(strips, key=lambda s: s[1] - s[0])]
    lo, hi = fits[int(site.rng.integers(len(fits)))]
    across = site.uniform(lo + w / 2, hi - w / 2)
    turn = 180.0 if site.rng.random() < 0.5 else 0.0
    if along_x:
        return along, across, _floor_z(site, along, across), 90.0 + turn, "floor"
    return across, along, _floor_z(site, across, along), turn, "floor"


def _roam(site: SiteBuilder, rect: Rect, x: float, y: float, size: Vec3) -> tuple[float, Vec3]:
    """(yaw, velocity) of an animal walking along its enclosure's visitor side, slow enough to stay in it for a
    whole clip."""
    cx = (rect.x0 + rect.x1) / 2
    heading = (0.0 if x < cx else math.pi) + math.radians(site.uniform(-25.0, 25.0))
    hx, hy = math.cos(heading), math.sin(heading)
    reach = max(size[0], size[2]) / 2
    room = min(
        ((rect.x1 - reach - x) / hx) if hx > 1e-6 else ((rect.x0 + reach - x) / hx) if hx < -1e-6 else math.inf,
        ((rect.y1 - reach - y) / hy) if hy > 1e-6 else ((rect.y0 + reach - y) / hy) if hy < -1e-6 else math.inf,
    )
    speed = max(0.0, min(site.uniform(0.3, 0.8) * max(size[1], 1.0) ** 0.5, 1.2, room / MAX_CLIP_S))
    yaw = math.degrees(heading) - 90.0  # the kit's +y is its front
    return yaw, (hx * speed, hy * speed, 0.0)


def place_outside(site: SiteBuilder, class_name: str, label: str, size: Vec3, *, decor: str | None) -> SceneObject:
    """Last resort for decor that fits nowhere inside (an airliner at a terminal): a free spot on a ring
    around the site's built extent, so the count is still realised without crossing walls or the camera."""
    extent = max((max(abs(b[0]), abs(b[1]), abs(b[3]), abs(b[4])) for b in site.occupied + site.keepout), default=20.0)
    radius = extent + max(size[0], size[2]) / 2 + 5.0
    for attempt in range(200):
        a = site.uniform(0, 2 * math.pi)
        r = radius + 10.0 * (attempt // 20)
        x, y = r * math.cos(a), r * math.sin(a)
        parts = shapes.kit(
            class_name, label, shapes.Placer(x, y, 0.0, math.degrees(a) + 90.0), size, site.rng, season=site.plan.season
        )
        box = parts_box(parts)
        if site.free(box):
            site.occupied.append(box)
            return site.add(class_name, label, parts, decor=decor)
    raise SceneError(
        f"Scene {site.plan.sample_id}: no place even outside the site for {label!r} of size {size}.",
        fix="lower the decor size range in the taxonomy",
    )


def realise_decor(site: SiteBuilder) -> None:
    """Place exactly ``choice.count`` objects for every decor choice of the plan (less those the archetype's
    generator already built into its structure: downtown's building kinds stand on its lots, a stadium's
    terraces and roofs)."""
    for choice in site.plan.decor:
        site.classes.id(choice.semantic_class)  # unknown classes fail here, naming the class
        done = sum(o.decor == choice.name for o in site.objects)
        n_groups = max(1, math.ceil(choice.count / 4))
        centers = [site.point_in(site.pick_rect(site.floor), 2.5) for _ in range(n_groups)] if site.floor else None
        for index in range(done, choice.count):
            size = decor_size(choice, site.rng)
            placed = place_object(
                site,
                choice.semantic_class,
                choice.name,
                choice.placement,
                size,
                decor=choice.name,
                index=index,
                group_centers=centers,
            )
            if placed is None:
                place_outside(site, choice.semantic_class, choice.name, size, decor=choice.name)


def add_people(site: SiteBuilder, count: int, label: str = "pedestrian") -> None:
    """Background people (from ``people_density``); skipped quietly where no place is free."""
    for _ in range(count):
        height = site.uniform(1.55, 1.9)
        if site.paths:
            place_walker(site, label, (0.5, height, 0.3), None, moving=site.rng.random() < 0.7)
        elif site.floor:
            place_object(site, "person", label, "scattered", (0.5, height, 0.3), decor=None)


def add_traffic(site: SiteBuilder, count: int) -> None:
    for _ in range(count):
        bus = site.rng.random() < 0.08
        size = (2.5, 3.2, 11.0) if bus else (site.uniform(1.7, 1.95), site.uniform(1.4, 1.7), site.uniform(4.0, 4.8))
        place_on_road(site, "bus" if bus else "car", size, None)
