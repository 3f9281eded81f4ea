"""Decor the shot shows: once the camera path is planned, each decor kind of the plan that its check render
does not show has one instance moved to where the camera looks, so the clip shows what the plan (and so the
prompt) holds rather than the prompt naming less.

The layout spreads decor over the whole site; a path planned around the lead subject sees a slice of it.
Staging picks, for an unseen kind, a spot in the path's view where that kind belongs: floor things stand on
the floor or the ground (never on a road, in water or inside an animal pen), things of the walls hang on a wall
or facade the camera faces, things of the ceiling hang at their height under the same ceiling (in a tall hall on a drop, its bottom
``HANG_BOTTOM_M`` over the floor: a fitting 40 m up is a speck), a zoo's animals
join a pen in view that they may share (never a predator's) and its rocks, climbing frames, trees and ponds go
into one, a reptile house's go beside the walk. A spot is
taken only when the instance would read (``TARGET_COVERAGE`` of the frame, else as much as any spot gives),
stays clear of the lens by ``MIN_DISTANCE_M``, overlaps nothing (moving things over the whole clip included),
is in plain sight of the lens and stands nowhere in front of the lead subject. Decor larger than
``MAX_EXTENT_M`` and what belongs where it was built (buildings, roads, the pitch, an aquarium's swimmers) stay
put; free-standing structure (a touch pool, a staircase, a viewing deck) stands on the floor like furniture. Everything is deterministic: same scene and path, same spots.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence

import numpy as np

from worldmill.scenes.camera import CameraPath, _first_hits, _primitive_set, _PrimitiveSet, _rotate_z
from worldmill.scenes.layout import WALL_MOUNTED, Box3, parts_box, swept_box
from worldmill.scenes.model import Scene, SceneObject
from worldmill.scenes.visibility import object_kind
from worldmill.schemas.plan import DecorChoice, ScenePlan

TARGET_COVERAGE = 0.015  # a spot where a staged instance covers this share of the frame is taken at once
LEAST_COVERAGE = 0.005  # ... else the spot that shows it largest, if it shows it at least this much
MAX_COVERAGE = 0.2  # ... and never more: nothing fills the lens
FILL = {"wall": 0.9}  # share of its screen box an object's pixels cover, roughly: a board on a wall nearly all
DEFAULT_FILL = 0.5  # ... furniture, plants and lamps (legs, gaps, rounded shapes) about half
PART_FILL = 0.8  # ... and at most this share of its parts' screen boxes together
MIN_DISTANCE_M = {"interior": 1.8, "ground": 3.0, "aerial": 10.0}  # from the lens to the staged box, every frame
HANG_BOTTOM_M = 3.5  # a staged ceiling fitting hangs no higher than on a drop with its bottom this high
MAX_EXTENT_M = 30.0  # decor larger than this (a drop tower, an airliner) stays where the layout put it
FIXED_CLASSES = frozenset(
    {"animal", "building", "landmark", "road", "sports_field"}
)  # decor that belongs where the layout built it (a pen, a lot, the road network, the pitch)
PREDATORS = frozenset({"lion", "tiger", "leopard", "cheetah", "wolf", "bear", "crocodile"})  # kept apart in a zoo
PEN_FURNITURE = frozenset({"rock", "column", "vegetation", "water"})  # in a zoo, staged inside a pen in view
SUPPORT_CLASSES = frozenset({"floor", "ground", "pavement"})  # what staged floor decor may stand on
WALL_LABELS = frozenset({"wall", "building"})  # what staged wall decor hangs on: walls and facades, not a curtain
STANDING_CLASSES = frozenset({"signage", "screen"})  # wall signs and screens whose wall is out of reach stand on the
# floor (a poster stand, an information totem)
INSTANCES_TRIED = 4  # instances of an unseen kind tried for a spot, largest first
SCREEN_FRAMES = 12  # frames of the clip a spot's screen box is tested in
KEY_FRAMES = (0.5, 0.25, 0.75, 0.0, 1.0)  # where in the clip a spot is looked for, best first
COLUMNS = (0.25, 0.75, 0.12, 0.88, 0.4, 0.6, 0.05, 0.95, 0.18, 0.82, 0.32, 0.68)  # across: off the centre first
ROWS = {  # down the frame, where each mount is looked for: floor things below the middle, hung things above
    "floor": (0.72, 0.62, 0.84, 0.55, 0.93, 0.66, 0.78, 0.52, 0.88),
    "pen": (0.62, 0.55, 0.72, 0.5, 0.66, 0.58),
    "against_wall": (0.5, 0.4, 0.6, 0.3, 0.45, 0.55),
    "wall": (0.4, 0.3, 0.5, 0.2, 0.35, 0.45),
    "ceiling": (0.2, 0.1, 0.3, 0.04, 0.38, 0.15),
    "far_floor": (0.45, 0.38, 0.3, 0.22, 0.15, 0.34, 0.26),
}
# Where a floor thing goes when no spot below the middle of the frame takes it: on the floor farther off, higher in
# the frame (a camera looking down at a tortoise sees the floor near it only, where a kiosk or a kelp strand 6 m
# tall fills the lens or sticks out of the frame).
FARTHER = {"floor": ("far_floor",), "against_wall": ("far_floor",)}
SAME_MOUNT = {"far_floor": "floor"}  # how a spot farther off stands
# Wall art whose wall is out of view stands on the floor against a wall or on its own (a floor mirror, an exhibit
# panel on a stand), as wall signs do (``STANDING_CLASSES``)
LEANS = frozenset({"artwork"})
LEANING = {"wall": ("against_wall",)}


@dataclasses.dataclass(frozen=True)
class Staged:
    """One instance moved into view: which, from where to where (box centres), and how it hangs."""

    instance_id: int
    kind: str
    mount: str  # floor, wall, ceiling
    before: tuple[float, float, float]
    after: tuple[float, float, float]


@dataclasses.dataclass(frozen=True)
class _Parts:
    """World boxes of every primitive of the scene (swept over the clip for moving objects)."""

    lo: np.ndarray  # [N, 3]
    hi: np.ndarray  # [N, 3]
    owner: np.ndarray  # [N] object index
    solid: np.ndarray  # [N] bool: counts as an obstacle (not floor, ground, pavement or ceiling)
    hangs: np.ndarray  # [N] bool: a room's wall or a facade, where wall decor may hang
    floor: np.ndarray  # [N] bool: a room's floor
    prims: _PrimitiveSet  # the same primitives, in the same order, for ray casts
    walls: _PrimitiveSet  # those that ``hangs`` marks, alone (a wall ray need not test a stand of spectators)


def _parts(scene: Scene, duration: float) -> _Parts:
    lo, hi, owner, solid, hangs, floor = [], [], [], [], [], []
    for i, obj in enumerate(scene.objects):
        sweep = np.asarray(obj.velocity) * duration
        passive = obj.class_name in SUPPORT_CLASSES or obj.class_name == "ceiling"
        for p in obj.parts:
            half = p.half_extent_world()
            a, b = np.asarray(p.center) - half, np.asarray(p.center) + half
            lo.append(np.minimum(a, a + sweep))
            hi.append(np.maximum(b, b + sweep))
            owner.append(i)
            solid.append(not passive)
            hangs.append(obj.label in WALL_LABELS)
            floor.append(obj.class_name == "floor")
    return _Parts(
        np.array(lo).reshape(-1, 3),
        np.array(hi).reshape(-1, 3),
        np.array(owner),
        np.array(solid, dtype=bool),
        np.array(hangs, dtype=bool),
        np.array(floor, dtype=bool),
        _primitive_set(scene),
        _subset(_primitive_set(scene), np.flatnonzero(hangs)),
    )


def _subset(prims: _PrimitiveSet, keep: np.ndarray) -> _PrimitiveSet:
    return _PrimitiveSet(*(getattr(prims, f.name)[keep] for f in dataclasses.fields(prims)))


def _pens(scene: Scene) -> list[Box3]:
    """Animal pens: fences of several panels around a large area, where visitors' things do not go."""
    pens = []
    for obj in scene.objects:
        if obj.class_name == "fence" and len(obj.parts) >= 3:
            box = parts_box(obj.parts)
            if (box[3] - box[0]) * (box[4] - box[1]) > 30.0:
                pens.append(box)
    return pens


def _mount(choice: DecorChoice, indoor: bool) -> str:
    if choice.semantic_class == "animal":
        return "floor" if indoor else "pen"
    if choice.placement == "wall" and choice.semantic_class in WALL_MOUNTED:
        return "wall"
    if choice.placement == "ceiling" or (choice.placement == "overhead" and indoor):
        return "ceiling"
    if choice.placement in ("wall", "perimeter"):
        return "against_wall"
    return "floor"


def _turned(obj: SceneObject, yaw_deg: float) -> tuple[SceneObject, Box3]:
    """``obj`` turned about its box centre so that its front (the kit's local +y) looks along ``yaw_deg`` + 90°
    (the same convention as the layout's ``_facing``); and its new box."""
    main = max(obj.parts, key=lambda p: p.size[0] * p.size[1] * p.size[2])
    delta = yaw_deg - main.yaw_deg
    box = np.asarray(parts_box(obj.parts))
    centre = (box[:3] + box[3:]) / 2
    angle = math.radians(delta)
    parts = tuple(
        dataclasses.replace(
            p,
            center=tuple(float(v) for v in _rotate_z(np.asarray(p.center) - centre, angle) + centre),
            yaw_deg=(p.yaw_deg + delta + 180.0) % 360.0 - 180.0,
        )
        for p in obj.parts
    )
    velocity = tuple(float(v) for v in _rotate_z(np.asarray(obj.velocity, dtype=float), angle))  # keeps walking forward
    turned = dataclasses.replace(obj, parts=parts, velocity=velocity)
    return turned, parts_box(parts)


def _shifted(obj: SceneObject, offset: np.ndarray) -> SceneObject:
    parts = tuple(
        dataclasses.replace(p, center=tuple(float(v) for v in np.asarray(p.center) + offset)) for p in obj.parts
    )
    return dataclasses.replace(obj, parts=parts)


def _local_extent(obj: SceneObject) -> tuple[float, float, float]:
    """(width, depth, height) of ``obj`` in its own frame (front along depth)."""
    main = max(obj.parts, key=lambda p: p.size[0] * p.size[1] * p.size[2])
    _, box = _turned(obj, 0.0) if abs(main.yaw_deg) > 1e-6 else (obj, parts_box(obj.parts))
    return box[3] - box[0], box[4] - box[1], box[5] - box[2]


class _Shot:
    """The path's projection, lens clearance and the lead subject's screen boxes, for testing spots."""

    def __init__(self, scene: Scene, path: CameraPath, lead: str | None):
        self.path = path
        self.eyes = path.positions
        self.frames = np.unique(np.r_[np.arange(0, path.frames, max(1, path.frames // SCREEN_FRAMES)), path.frames - 1])
        self.rot = path.camera_to_world[self.frames, :3, :3]  # screen tests look at these frames
        self.times = self.frames / path.fps
        self.duration = path.frames / max(path.fps, 1)
        self.zone = path.zone
        self.area = float(path.width * path.height)
        self.lead_boxes: list[tuple[np.ndarray, np.ndarray]] = []  # per lead instance: screen box, depth [T]
        for obj in scene.objects:
            if lead is not None and object_kind(obj) == lead:
                box = np.asarray(parts_box(obj.parts))
                self.lead_boxes.append(self.screen(box, np.asarray(obj.velocity)))

    def screen(self, box: np.ndarray, velocity: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """([F, 4] screen box u0, v0, u1, v1 (nan where behind the lens), [F] farthest corner depth) in the
        tested frames."""
        corners = np.array([[box[i], box[j], box[k]] for i in (0, 3) for j in (1, 4) for k in (2, 5)])
        world = corners[None, :, :] + (0.0 if velocity is None else velocity[None, None, :] * self.times[:, None, None])
        cam = np.einsum("tji,tkj->tki", self.rot, world - self.eyes[self.frames][:, None, :])
        z = cam[..., 2]
        ahead = (z > 0.1).all(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            u = self.path.fx * cam[..., 0] / z + self.path.cx
            v = self.path.fy * cam[..., 1] / z + self.path.cy
        raw = np.stack([u.min(axis=1), v.min(axis=1), u.max(axis=1), v.max(axis=1)], axis=1)
        raw[~ahead] = np.nan
        return raw, np.where(ahead, z.max(axis=1), np.nan)

    def clipped(self, raw: np.ndarray) -> np.ndarray:
        out = raw.copy()
        out[:, [0, 2]] = np.clip(out[:, [0, 2]], 0, self.path.width)
        out[:, [1, 3]] = np.clip(out[:, [1, 3]], 0, self.path.height)
        return out

    @staticmethod
    def box_area(b: np.ndarray) -> np.ndarray:
        return np.nan_to_num(np.maximum(b[:, 2] - b[:, 0], 0) * np.maximum(b[:, 3] - b[:, 1], 0))

    def reads(self, box: np.ndarray, mount: str, parts: Sequence[np.ndarray] = ()) -> tuple[float, int]:
        """(the largest share of a frame the box's pixels cover (about) while mostly inside it, that frame);
        (0, -1) when it is never mostly inside or fills a frame. ``parts``: the boxes of the object's parts there,
        whose screen boxes bound the cover (a table's thin top and one leg fill little of its box)."""
        raw, _ = self.screen(box)
        clip = self.clipped(raw)
        full, shown = self.box_area(raw), self.box_area(clip)
        cover = FILL.get(mount, DEFAULT_FILL) * shown / self.area
        if len(parts) > 1:
            drawn = sum(self.box_area(self.clipped(self.screen(part)[0])) for part in parts)
            cover = np.minimum(cover, PART_FILL * drawn / self.area)
        inside = np.where(full > 0, shown / np.maximum(full, 1e-9), 0.0)
        good = inside >= 0.6
        if not good.any() or cover.max() > MAX_COVERAGE:
            return 0.0, -1
        frame = int(np.argmax(np.where(good, cover, -1.0)))
        return float(cover[frame]), int(self.frames[frame])

    def clear_of_lens(self, box: np.ndarray) -> bool:
        lo, hi = box[:3], box[3:]
        gap = np.linalg.norm(np.maximum(np.maximum(lo - self.eyes, self.eyes - hi), 0.0), axis=1)
        return bool(gap.min() >= MIN_DISTANCE_M.get(self.zone, 3.0))

    def before_lead(self, box: np.ndarray) -> bool:
        """Whether the box stands between the lens and the lead subject in some frame."""
        raw, near = self.screen(box)
        clip = self.clipped(raw)
        nearest = near  # the farthest corner: a box wholly behind the subject never hides it
        for lead_raw, lead_far in self.lead_boxes:
            lead = self.clipped(lead_raw)
            inter = np.stack(
                [np.maximum(clip[:, 0], lead[:, 0]), np.maximum(clip[:, 1], lead[:, 1]),
                 np.minimum(clip[:, 2], lead[:, 2]), np.minimum(clip[:, 3], lead[:, 3])], axis=1,
            )  # fmt: skip
            overlap = self.box_area(inter) > 0.1 * np.maximum(self.box_area(lead), 1.0)
            if (overlap & (np.nan_to_num(nearest, nan=np.inf) < np.nan_to_num(lead_far, nan=-np.inf) + 1.0)).any():
                return True
        return False

    def ray(self, frame: int, column: float, row: float) -> np.ndarray:
        """World direction (unit [3]) through a point of the frame (fractions of its width and height)."""
        local = np.array(
            [
                (column * self.path.width - self.path.cx) / self.path.fx,
                (row * self.path.height - self.path.cy) / self.path.fy,
                1.0,
            ]
        )
        world = self.path.camera_to_world[frame, :3, :3] @ local
        return world / np.linalg.norm(world)


def _support_top(scene: Scene, parts: _Parts, x: float, y: float, below: float) -> float | None:
    """Height of the floor or ground under (x, y): the top of the highest box there under ``below`` m, which must be
    a support (floor, ground, pavement); outdoors the ground plane where nothing is under it. None elsewhere."""
    inside = (parts.lo[:, 0] <= x) & (x <= parts.hi[:, 0]) & (parts.lo[:, 1] <= y) & (y <= parts.hi[:, 1])
    inside &= parts.hi[:, 2] <= below
    if not inside.any():
        return 0.0 if scene.ground_class_id is not None else None
    k = int(np.flatnonzero(inside)[np.argmax(parts.hi[inside, 2])])
    if scene.objects[parts.owner[k]].class_name not in SUPPORT_CLASSES or parts.hi[k, 2] > 0.4:
        return None
    return float(parts.hi[k, 2])


def _pen_takes(scene: Scene, pens: Sequence[Box3], swept: np.ndarray, animal: SceneObject) -> bool:
    """Whether an animal whose box over the clip is ``swept`` stays inside one pen, a pen it may share: grazers
    and birds share a savanna, a predator shares with none but its own kind. A pen's furniture (a boulder, a
    climbing frame) goes in any pen."""
    for pen in pens:
        inside = pen[0] + 0.5 <= swept[0] and swept[3] <= pen[3] - 0.5 and pen[1] + 0.5 <= swept[1]
        if not (inside and swept[4] <= pen[4] - 0.5):
            continue
        if animal.class_name != "animal":
            return True
        others = {
            o.decor or o.label
            for o in scene.objects
            if o.class_name == "animal" and o.instance_id != animal.instance_id
            and pen[0] <= o.parts[0].center[0] <= pen[3] and pen[1] <= o.parts[0].center[1] <= pen[4]
        }  # fmt: skip
        if animal.decor in PREDATORS:
            return others <= {animal.decor}
        return not others & PREDATORS
    return False


def _under_ceiling(parts: _Parts, box: np.ndarray) -> bool:
    """Whether the box hangs over the room's floor (not over a wall or outside)."""
    x, y = (box[0] + box[3]) / 2, (box[1] + box[4]) / 2
    over = (parts.lo[:, 0] <= x) & (x <= parts.hi[:, 0]) & (parts.lo[:, 1] <= y) & (y <= parts.hi[:, 1])
    return bool((parts.floor & over).any())


def _wall_hit(parts: _Parts, eye: np.ndarray, direction: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(point, outward normal) where a ray first meets a wall or facade facing it (what stands before the wall is
    looked past: the sight test judges it); None otherwise."""
    prims = parts.walls
    if len(prims.center) == 0:
        return None
    hits = _first_hits(prims, eye, direction)
    k = int(np.argmin(hits))
    if not np.isfinite(hits[k]):
        return None
    point = eye + direction * hits[k]
    local = prims.rot[k].T @ (point - prims.center[k]) / np.maximum(prims.half[k], 1e-6)
    axis = int(np.argmax(np.abs(local)))
    normal = prims.rot[k][:, axis] * math.copysign(1.0, local[axis])
    if abs(normal[2]) > 0.3 or normal @ direction > -0.3:
        return None
    normal = np.array([normal[0], normal[1], 0.0]) / max(float(np.hypot(normal[0], normal[1])), 1e-9)
    return point, normal


def _in_sight(scene: Scene, eye: np.ndarray, box: np.ndarray, skip: int) -> bool:
    """Whether a ray from ``eye`` to the box's centre meets nothing (but the moved object's old self) before it."""
    prims = _primitive_set(scene)
    centre = (box[:3] + box[3:]) / 2
    span = float(np.linalg.norm(centre - eye))
    hits = _first_hits(prims, eye, (centre - eye) / max(span, 1e-6))
    hits[prims.owner == skip] = np.inf
    entry = float(np.linalg.norm(np.maximum(np.maximum(box[:3] - eye, eye - box[3:]), 0.0)))
    return bool(hits.min() >= entry - 0.05)


def _free(
    parts: _Parts, box: np.ndarray, pens: Sequence[Box3], skip: int, taken: Sequence[np.ndarray], *, on_wall: bool
) -> bool:
    """Whether the box overlaps no solid part (a wall it hangs on aside), pen or other staged box."""
    margin = 0.1
    clash = (
        (parts.solid & ~parts.hangs if on_wall else parts.solid)
        & (parts.owner != skip)
        & (parts.lo[:, 0] < box[3] + margin) & (box[0] < parts.hi[:, 0] + margin)
        & (parts.lo[:, 1] < box[4] + margin) & (box[1] < parts.hi[:, 1] + margin)
        & (parts.lo[:, 2] < box[5]) & (box[2] + 0.02 < parts.hi[:, 2])
    )  # fmt: skip
    if clash.any():
        return False
    cx, cy = (box[0] + box[3]) / 2, (box[1] + box[4]) / 2
    if any(p[0] <= cx <= p[3] and p[1] <= cy <= p[4] for p in pens):
        return False
    return not any(
        t[0] < box[3] + margin and box[0] < t[3] + margin and t[1] < box[4] + margin and box[1] < t[4] + margin
        for t in taken
    )


def stage_decor(
    scene: Scene,
    path: CameraPath,
    plan: ScenePlan,
    unseen: Sequence[str],
    *,
    lead: str | None = None,
    target: float = TARGET_COVERAGE,
) -> tuple[Scene, list[Staged]]:
    """``scene`` with one instance of each ``unseen`` decor kind moved into ``path``'s view where a spot fits
    (see the module's rules), and what was moved; kinds without a fitting spot are left as they are (from the air
    only what is large reads: a tree or a fountain finds a spot, a bench rarely). ``target``: the share of the
    frame a spot that is taken at once gives (a second try asks more)."""
    if path.zone not in MIN_DISTANCE_M or not unseen:
        return scene, []
    choices = {d.name: d for d in plan.decor}
    duration = path.frames / max(path.fps, 1)
    parts = _parts(scene, duration)
    pens = _pens(scene)
    shot = _Shot(scene, path, lead)
    # a zoo's animals move to a pen in view; a reptile or bird house's to the floor beside the walk (not an
    # aquarium's, which swim before their tanks)
    house = plan.indoor and not pens and not any(o.class_name == "aquarium_tank" for o in scene.objects)
    objects = list(scene.objects)
    taken: list[np.ndarray] = []
    staged: list[Staged] = []
    for kind in sorted(unseen, key=lambda k: (-_largest_face(objects, k), k)):  # the largest first: fewer spots fit
        choice = choices.get(kind)
        if choice is None or (
            choice.semantic_class in FIXED_CLASSES and not (choice.semantic_class == "animal" and (pens or house))
        ):
            continue
        spot = None
        mount = "pen" if pens and choice.semantic_class in PEN_FURNITURE else _mount(choice, plan.indoor)
        mounts = (mount, *FARTHER.get(mount, ()), *(LEANING.get(mount, ()) if choice.semantic_class in LEANS else ()))
        for how in mounts:  # every instance where it belongs, then farther off or standing
            for index in _instances(objects, kind)[:INSTANCES_TRIED]:
                spot = _spot(scene, parts, pens, shot, objects[index], index, how, taken, target)
                if spot is not None:
                    break
            if spot is not None:
                break
        if spot is None:
            continue
        moved, mount = spot
        mount = SAME_MOUNT.get(mount, mount)
        box = np.asarray(parts_box(moved.parts))
        taken.append(box)
        old = np.asarray(parts_box(objects[index].parts))
        staged.append(
            Staged(
                moved.instance_id,
                kind,
                mount,
                tuple(float(v) for v in (old[:3] + old[3:]) / 2),
                tuple(float(v) for v in (box[:3] + box[3:]) / 2),
            )
        )
        objects[index] = moved
    if not staged:
        return scene, []
    return dataclasses.replace(scene, objects=tuple(objects)), staged


def _largest_face(objects: Sequence[SceneObject], kind: str) -> float:
    """The largest face-on area (m²) of a movable instance of ``kind``; 0 when none moves."""
    return max((_face(objects[i]) for i in _instances(objects, kind)[:1]), default=0.0)


def _face(obj: SceneObject) -> float:
    w, d, h = _local_extent(obj)
    return max(w, d) * h


def _instances(objects: Sequence[SceneObject], kind: str) -> list[int]:
    """The movable instances of ``kind`` (static ones, and animals), largest face first (the one that reads from
    farthest); ties in scene order."""

    found = [i for i, o in enumerate(objects) if o.decor == kind and (not any(o.velocity) or o.class_name == "animal")]
    return sorted((i for i in found if _movable(objects[i])), key=lambda i: (-_face(objects[i]), i))


def _movable(obj: SceneObject) -> bool:
    box = parts_box(obj.parts)
    return max(box[3] - box[0], box[4] - box[1], box[5] - box[2]) <= MAX_EXTENT_M


def _spot(
    scene: Scene,
    parts: _Parts,
    pens: Sequence[Box3],
    shot: _Shot,
    obj: SceneObject,
    index: int,
    mount: str,
    taken: Sequence[np.ndarray],
    target: float,
) -> tuple[SceneObject, str] | None:
    """``obj`` moved to the spot (key frames, columns, rows of the frame) that passes every test and shows it
    largest, the first that covers ``target`` of the frame; None when none shows it at ``LEAST_COVERAGE``.

    Spots are tested with the box of the object's own bounds turned as it would stand (never smaller than its
    parts' box); the object itself is moved once, to the spot taken."""
    extent = _local_extent(obj)
    main_yaw = max(obj.parts, key=lambda p: p.size[0] * p.size[1] * p.size[2]).yaw_deg
    old = np.asarray(parts_box(obj.parts))
    frames = list(dict.fromkeys(min(int(f * (shot.path.frames - 1)), shot.path.frames - 1) for f in KEY_FRAMES))
    stands = mount == "against_wall" or (mount == "wall" and obj.class_name in STANDING_CLASSES)
    mounts = [mount, "floor"] if stands else [mount]
    best: tuple[float, float, np.ndarray, str] | None = None  # cover, yaw, box, mount
    for how in mounts:
        for f in frames:
            for column in COLUMNS:
                for row in ROWS[how]:
                    spot = _place(scene, parts, old, extent, how, shot.eyes[f], shot.ray(f, column, row))
                    if spot is None:
                        continue
                    yaw, box = spot
                    velocity = tuple(_rotate_z(np.asarray(obj.velocity, dtype=float), math.radians(yaw - main_yaw)))
                    swept = np.asarray(swept_box(tuple(box), velocity, shot.duration))
                    if how == "pen" and not _pen_takes(scene, pens, swept, obj):
                        continue
                    least = max(LEAST_COVERAGE, best[0] if best else 0.0)
                    cover, frame = shot.reads(box, how)
                    if cover < least:
                        continue
                    if not shot.clear_of_lens(box) or shot.before_lead(box):
                        continue
                    walled = how in ("wall", "against_wall")
                    if not _free(parts, swept, () if how == "pen" else pens, index, taken, on_wall=walled):
                        continue
                    if how == "ceiling" and not _under_ceiling(parts, box):
                        continue
                    if len(obj.parts) > 1:  # the parts' bound (costly) only where every other test passes
                        cover, frame = shot.reads(box, how, _parts_at(obj, yaw, box))
                        if cover < least:
                            continue
                    if not _in_sight(scene, shot.eyes[frame], box, index):
                        continue
                    best = (cover, yaw, box, "floor" if how in ("against_wall", "pen") else how)
                    if cover >= target:
                        break
                else:
                    continue
                break
            else:
                continue
            break
        if best is not None and best[0] >= target:
            break
    if best is None:
        return None
    _, yaw, box, how = best
    return _moved(obj, yaw, box), how


def _moved(obj: SceneObject, yaw: float, box: np.ndarray) -> SceneObject:
    """``obj`` turned to ``yaw`` and standing in ``box`` (centred across, on its bottom)."""
    turned, turned_box = _turned(obj, yaw)
    offset = np.array(
        [
            (box[0] + box[3]) / 2 - (turned_box[0] + turned_box[3]) / 2,
            (box[1] + box[4]) / 2 - (turned_box[1] + turned_box[4]) / 2,
            box[2] - turned_box[2],
        ]
    )
    return _shifted(turned, offset)


def _parts_at(obj: SceneObject, yaw: float, box: np.ndarray) -> list[np.ndarray]:
    """World boxes of ``obj``'s parts were it moved to ``box`` at ``yaw`` (none for a one-part object)."""
    if len(obj.parts) < 2:
        return []
    return [np.asarray(parts_box((p,))) for p in _moved(obj, yaw, box).parts]


def _hang_centre(old: np.ndarray) -> float:
    """Height of a staged ceiling fitting's centre: where it hangs now, but in a tall hall on a drop that brings its
    bottom down to ``HANG_BOTTOM_M`` over the floor (a lamp 40 m up is a speck; a large model hangs higher)."""
    return min(float(old[2] + old[5]) / 2, HANG_BOTTOM_M + float(old[5] - old[2]) / 2)


def _place(
    scene: Scene,
    parts: _Parts,
    old: np.ndarray,
    extent: tuple[float, float, float],
    how: str,
    eye: np.ndarray,
    ray: np.ndarray,
) -> tuple[float, np.ndarray] | None:
    """(yaw, box) of the object (``old``: its box now, ``extent``: its own width, depth and height) moved to where
    ``ray`` from ``eye`` meets what takes it (the floor, a wall, the height it hangs at); None where it meets
    nothing that does."""
    width, depth, height = extent
    if how in ("wall", "against_wall"):
        hit = _wall_hit(parts, eye, ray)
        if hit is None:
            return None
        point, normal = hit
        yaw = math.degrees(math.atan2(normal[1], normal[0])) - 90.0
        centre = point[:2] + normal[:2] * (depth / 2 + 0.04)
    else:
        plane = _hang_centre(old) if how == "ceiling" else min(old[2], 0.5)
        if abs(ray[2]) < 1e-6 or (plane - eye[2]) / ray[2] <= 0:
            return None
        centre = (eye + ray * (plane - eye[2]) / ray[2])[:2]
        to_eye = np.arctan2(eye[1] - centre[1], eye[0] - centre[0])
        yaw = math.degrees(to_eye) - 90.0 + (0.0 if width >= depth else 90.0)  # the broad side to the lens
    c, s = abs(math.cos(math.radians(yaw))), abs(math.sin(math.radians(yaw)))
    half = np.array([c * width + s * depth, s * width + c * depth]) / 2
    if how == "wall":
        z = float(old[2])
    elif how == "ceiling":
        z = _hang_centre(old) - height / 2
    else:
        z = _support_top(scene, parts, *centre, below=max(float(old[2]), 0.0) + 0.5)  # a rock sinks into the ground
        if z is None:
            return None
    return yaw, np.array(
        [centre[0] - half[0], centre[1] - half[1], z, centre[0] + half[0], centre[1] + half[1], z + height]
    )
