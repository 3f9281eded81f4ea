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

from worldmill.scenes.camera import (
    CameraPath,
    _first_hits,
    _first_hits_many,
    _primitive_set,
    _PrimitiveSet,
    _rotate_z,
    _subset,
)
from worldmill.scenes.layout import HANG_BOTTOM_M, PREDATORS, WALL_MOUNTED, Box3, parts_box, swept_box
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
MAX_EXTENT_M = 30.0  # decor larger than this (a drop tower, an airliner) stays where the layout put it
FIXED_CLASSES = frozenset(
    {"animal", "building", "landmark", "road", "sports_field"}
)  # decor that belongs where the layout built it (a pen, a lot, the road network, the pitch)
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
STANDS_ON = {"against_wall": "floor", "pen": "floor", "far_floor": "floor"}  # the mount a spot is recorded as
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
    support: np.ndarray  # [N] bool: floor, ground or pavement (what staged floor decor may stand on)


def _parts(scene: Scene, duration: float) -> _Parts:
    prims = _primitive_set(scene)
    half = np.abs(prims.rot * prims.half[:, None, :]).sum(axis=2)  # each part's ``half_extent_world``
    a, b = prims.center - half, prims.center + half
    sweep = prims.velocity * duration
    objects = scene.objects
    passive = np.array([o.class_name in SUPPORT_CLASSES or o.class_name == "ceiling" for o in objects], dtype=bool)
    hangs = np.array([o.label in WALL_LABELS for o in objects], dtype=bool)[prims.owner]
    return _Parts(
        np.minimum(a, a + sweep),
        np.maximum(b, b + sweep),
        prims.owner,
        ~passive[prims.owner],
        hangs,
        np.array([o.class_name == "floor" for o in objects], dtype=bool)[prims.owner],
        prims,
        _subset(prims, np.flatnonzero(hangs)),
        np.array([o.class_name in SUPPORT_CLASSES for o in objects], dtype=bool)[prims.owner],
    )


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
    """The path's projection, lens clearance and the lead subject's screen boxes, for testing spots.

    Each test takes many boxes at once; ``slack`` > 0 makes it fail a box only where it fails by more than that
    (the screen, ``_screen``), 0 is the test itself."""

    def __init__(self, scene: Scene, path: CameraPath, lead: str | None):
        self.path = path
        self.eyes = path.positions
        self.frames = np.unique(np.r_[np.arange(0, path.frames, max(1, path.frames // SCREEN_FRAMES)), path.frames - 1])
        self.rot = path.camera_to_world[self.frames, :3, :3]  # screen tests look at these frames
        self.times = self.frames / path.fps
        self.duration = path.frames / max(path.fps, 1)
        self.zone = path.zone
        self.area = float(path.width * path.height)
        leads = [
            (np.asarray(parts_box(o.parts)), np.asarray(o.velocity))
            for o in scene.objects
            if lead is not None and object_kind(o) == lead
        ]
        count = len(self.frames)
        raw, far = np.zeros((len(leads), count, 4)), np.zeros((len(leads), count))
        for i, (box, velocity) in enumerate(leads):
            raw[i], far[i] = self.screens(box[None, :], velocity)  # per lead instance: screen box, depth [F]
        self.lead_clip = self.clipped(raw)  # [L, F, 4]
        self.lead_least = 0.1 * np.maximum(self.box_area(self.lead_clip), 1.0)  # [L, F]: the overlap that hides it
        self.lead_far = np.nan_to_num(far, nan=-np.inf)  # [L, F]

    def screen(self, box: np.ndarray, velocity: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """([F, 4] screen box u0, v0, u1, v1 (nan where behind the lens), [F] farthest corner depth) in the
        tested frames."""
        raw, far = self.screens(box[None, :], velocity)
        return raw[0], far[0]

    def screens(
        self, boxes: np.ndarray, velocity: np.ndarray | None = None, *, exact: bool = True
    ) -> tuple[np.ndarray, np.ndarray]:
        """``screen`` of many boxes [M, 6] moving together: ([M, F, 4], [M, F]); ``exact=False`` rounds otherwise
        (a matrix product, several times faster: good enough for the screen, which has slack)."""
        corners = boxes[:, _CORNERS]  # [M, 8, 3]
        world = corners[:, None, :, :] + (0.0 if velocity is None else velocity * self.times[:, None, None])
        world = world - self.eyes[self.frames][:, None, :]
        cam = np.einsum("tji,mtkj->mtki", self.rot, world) if exact else np.matmul(world, self.rot)
        z = cam[..., 2]
        ahead = (z > 0.1).all(axis=2)
        with np.errstate(divide="ignore", invalid="ignore"):
            u = self.path.fx * cam[..., 0] / z + self.path.cx
            v = self.path.fy * cam[..., 1] / z + self.path.cy
        raw = np.stack([u.min(axis=2), v.min(axis=2), u.max(axis=2), v.max(axis=2)], axis=2)
        raw[~ahead] = np.nan
        return raw, np.where(ahead, z.max(axis=2), np.nan)

    def clipped(self, raw: np.ndarray) -> np.ndarray:
        out = raw.copy()
        out[..., [0, 2]] = np.clip(out[..., [0, 2]], 0, self.path.width)
        out[..., [1, 3]] = np.clip(out[..., [1, 3]], 0, self.path.height)
        return out

    @staticmethod
    def box_area(b: np.ndarray) -> np.ndarray:
        return _Shot.span_area(b[..., 2] - b[..., 0], b[..., 3] - b[..., 1])

    @staticmethod
    def span_area(width: np.ndarray, height: np.ndarray) -> np.ndarray:
        area = np.maximum(width, 0) * np.maximum(height, 0)
        return np.where(np.isnan(area), 0.0, area)  # finite where not nan: coordinates are finite or nan

    def reads(self, box: np.ndarray, mount: str, parts: Sequence[np.ndarray] = ()) -> tuple[float, int]:
        """(the largest share of a frame the box's pixels cover (about) while mostly inside it, that frame);
        (0, -1) when it is never mostly inside or fills a frame. ``parts``: the boxes of the object's parts there,
        whose screen boxes bound the cover (a table's thin top and one leg fill little of its box)."""
        drawn = None
        if len(parts) > 1:
            drawn = self.box_area(self.clipped(self.screens(np.asarray(parts))[0])).sum(axis=0)[None, :]
        cover, frame = self.covers(self.screens(box[None, :])[0], mount, drawn)
        return float(cover[0]), int(frame[0])

    def covers(
        self, raw: np.ndarray, mount: str, drawn: np.ndarray | None = None, slack: float = 0.0
    ) -> tuple[np.ndarray, np.ndarray]:
        """``reads`` of many boxes from their screen boxes [M, F, 4] (``drawn``: their parts' screen areas [M, F],
        if bound): (cover [M], frame [M])."""
        clip = self.clipped(raw)
        full, shown = self.box_area(raw), self.box_area(clip)
        cover = FILL.get(mount, DEFAULT_FILL) * shown / self.area
        if drawn is not None:
            cover = np.minimum(cover, PART_FILL * drawn / self.area)
        inside = np.where(full > 0, shown / np.maximum(full, 1e-9), 0.0)
        good = inside >= 0.6 - slack
        reads = good.any(axis=1) & ~(cover.max(axis=1) > MAX_COVERAGE + slack)
        best = np.argmax(np.where(good, cover, -1.0), axis=1)
        taken = np.take_along_axis(cover, best[:, None], axis=1)[:, 0]
        return np.where(reads, taken, 0.0), np.where(reads, self.frames[best], -1)

    def clear_of_lens(self, box: np.ndarray) -> bool:
        return bool(self.clear_of_lens_many(box[None, :])[0])

    def clear_of_lens_many(self, boxes: np.ndarray, slack: float = 0.0) -> np.ndarray:
        lo, hi = boxes[:, None, :3], boxes[:, None, 3:]
        gap = np.linalg.norm(np.maximum(np.maximum(lo - self.eyes, self.eyes - hi), 0.0), axis=2)
        return gap.min(axis=1) >= MIN_DISTANCE_M.get(self.zone, 3.0) - slack

    def before_lead(self, box: np.ndarray) -> bool:
        """Whether the box stands between the lens and the lead subject in some frame."""
        return bool(self.before_lead_many(*self.screens(box[None, :]))[0])

    def before_lead_many(self, raw: np.ndarray, near: np.ndarray, slack: float = 0.0) -> np.ndarray:
        """``before_lead`` of many boxes from their ``screens`` ([M, F, 4], [M, F]), a few boxes at a time (a
        stadium's crowd has many lead instances)."""
        before = np.zeros(len(raw), dtype=bool)
        if not len(self.lead_clip):
            return before
        clip = self.clipped(raw)[:, None]  # [M, 1, F, 4] against the leads' [L, F, 4]
        nearest = np.nan_to_num(near, nan=np.inf)[:, None]  # the farthest corner: a box wholly behind never hides it
        lead, step = self.lead_clip, max(1, _LEAD_CHUNK // self.lead_clip[..., 0].size)
        for i in range(0, len(raw), step):
            c = clip[i : i + step]
            width = np.minimum(c[..., 2], lead[..., 2]) - np.maximum(c[..., 0], lead[..., 0])
            height = np.minimum(c[..., 3], lead[..., 3]) - np.maximum(c[..., 1], lead[..., 1])
            overlap = self.span_area(width, height)
            hides = (overlap > self.lead_least + slack * _AREA_SLACK) & (
                nearest[i : i + step] < self.lead_far + 1.0 - slack
            )
            before[i : i + step] = hides.any(axis=(1, 2))
        return before

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

    def rays(self, frame: int, columns: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """``ray`` through many points of one frame (about: the screen's): [M, 3]."""
        local = np.stack(
            [
                (columns * self.path.width - self.path.cx) / self.path.fx,
                (rows * self.path.height - self.path.cy) / self.path.fy,
                np.ones(len(columns)),
            ],
            axis=1,
        )
        world = local @ self.path.camera_to_world[frame, :3, :3].T
        return world / np.linalg.norm(world, axis=1, keepdims=True)


def _support_top(scene: Scene, parts: _Parts, x: float, y: float, below: float) -> float | None:
    """Height of the floor or ground under (x, y): the top of the highest box there under ``below`` m, which must be
    a support (floor, ground, pavement); outdoors the ground plane where nothing is under it. None elsewhere."""
    top = float(_support_tops(scene, parts, np.array([[x, y]]), below)[0])
    return None if math.isnan(top) else top


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
    return bool(_under_ceiling_many(parts, box[None, :])[0])


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
    return bool(_free_many(parts, box[None, :], pens, skip, taken, on_wall=on_wall)[0])


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
    tanks = any(o.class_name == "aquarium_tank" for o in scene.objects)
    house = plan.indoor and not pens and not tanks
    objects = list(scene.objects)
    taken: list[np.ndarray] = []
    staged: list[Staged] = []
    for kind in sorted(unseen, key=lambda k: (-_largest_face(objects, k), k)):  # the largest first: fewer spots fit
        choice = choices.get(kind)
        if choice is None or (
            choice.semantic_class in FIXED_CLASSES and not (choice.semantic_class == "animal" and (pens or house))
        ):
            continue
        if any(_vaults(objects[i], scene.zones) for i in _instances(objects, kind)):
            continue  # an acrylic tunnel vaulting the walk stays round it
        spot = None
        mount = "pen" if pens and choice.semantic_class in PEN_FURNITURE else _mount(choice, plan.indoor)
        mounts = (mount, *FARTHER.get(mount, ()), *(LEANING.get(mount, ()) if choice.semantic_class in LEANS else ()))
        for how in mounts:  # every instance where it belongs, then farther off or standing
            for index in _instances(objects, kind)[:INSTANCES_TRIED]:
                spot = _spot(
                    scene, parts, pens, shot, objects[index], index, how, taken, target,
                    stand=not (tanks and choice.semantic_class == "screen"),
                )  # fmt: skip
                if spot is not None:
                    break
            if spot is not None:
                break
        if spot is None:
            continue
        moved, mount = spot
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


def _vaults(obj: SceneObject, zones) -> bool:
    """Whether ``obj`` stands round a camera zone, across and over it (an acrylic tunnel vaulting the walk)."""
    box = parts_box(obj.parts)
    return any(
        box[0] < z.hi[0] and z.lo[0] < box[3] and box[1] < z.lo[1] and z.hi[1] < box[4] and z.hi[2] < box[5]
        for z in zones
        if z.kind == "interior"
    )


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
    *,
    screened: bool = True,
    stand: bool = True,
) -> tuple[SceneObject, str] | None:
    """``obj`` moved to the spot (key frames, columns, rows of the frame) that passes every test and shows it
    largest, the first that covers ``target`` of the frame; None when none shows it at ``LEAST_COVERAGE``.

    Spots are tested with the box of the object's own bounds turned as it would stand (never smaller than its
    parts' box); the object itself is moved once, to the spot taken. ``screened``: the spots of a key frame are
    first screened all at once (``_screen``) and only those that may pass are tried one by one (``_try``), which
    takes the same spot as trying every one (``screened=False``, the reference) at a fraction of the cost.
    ``stand``: a wall sign or screen with no wall in reach may stand on the floor (not an aquarium's video screen,
    which on the floor filled the bottom of the frame)."""
    main_yaw = max(obj.parts, key=lambda p: p.size[0] * p.size[1] * p.size[2]).yaw_deg
    search = _Search(
        scene, parts, pens, shot, obj, index, taken, np.asarray(parts_box(obj.parts)), _local_extent(obj), main_yaw
    )
    frames = list(dict.fromkeys(min(int(f * (shot.path.frames - 1)), shot.path.frames - 1) for f in KEY_FRAMES))
    stands = mount == "against_wall" or (mount == "wall" and obj.class_name in STANDING_CLASSES and stand)
    mounts = [mount, "floor"] if stands else [mount]
    best: tuple[float, float, np.ndarray, str] | None = None  # cover, yaw, box, mount
    for how in mounts:
        grid = [(column, row) for column in COLUMNS for row in _rows(shot, how, frames)]
        if screened and how in _SCREENED_MOUNTS:
            covers = _screen(search, how, frames, grid)
        else:  # every spot tried one by one
            covers = np.full((len(frames), len(grid)), np.inf)
        for f, cover in zip(frames, covers, strict=True):
            for (column, row), bound in zip(grid, cover, strict=True):
                least = max(LEAST_COVERAGE, best[0] if best else 0.0)
                if bound < least - _SLACK:
                    continue
                spot = _place(scene, parts, search.old, search.extent, how, shot.eyes[f], shot.ray(f, column, row))
                found = spot and _try(search, how, spot, least)
                if not found:
                    continue
                best = found
                if best[0] >= target:
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


LOOKS_UP_ROWS = frozenset({"floor", "pen"})  # mounts whose rows follow the horizon down when the camera looks up


def _rows(shot: _Shot, how: str, frames: Sequence[int]) -> tuple[float, ...]:
    """``ROWS[how]``; for a camera that looks up (at a skylight, a dome) the floor rows squeezed into the band
    between the horizon and the frame's bottom: rows below the middle of such a frame look at the wall or the
    ceiling, where nothing stands."""
    rows = ROWS[how]
    if how not in LOOKS_UP_ROWS:
        return rows
    up = float(np.median(shot.path.camera_to_world[list(frames), 2, 2]))  # the z of the forward axis: sin(pitch up)
    horizon = 0.5 + shot.path.fy / shot.path.height * math.tan(math.asin(min(max(up, -1.0), 1.0)))
    if horizon <= 0.5:
        return rows
    horizon = min(horizon, 0.97)
    return tuple(horizon + (row - 0.5) * (1.0 - horizon) / 0.5 for row in rows)


@dataclasses.dataclass(frozen=True)
class _Search:
    """What one object's spots are tested against: the scene, its parts and pens, the shot; the object (index
    ``index`` in the scene) with its box now, its own extent and its main part's yaw; the boxes staged before."""

    scene: Scene
    parts: _Parts
    pens: Sequence[Box3]
    shot: _Shot
    obj: SceneObject
    index: int
    taken: Sequence[np.ndarray]
    old: np.ndarray
    extent: tuple[float, float, float]
    main_yaw: float


def _try(
    search: _Search, how: str, spot: tuple[float, np.ndarray], least: float
) -> tuple[float, float, np.ndarray, str] | None:
    """(cover, yaw, box, mount) of one placed spot that passes every test and covers at least ``least``; else
    None."""
    scene, parts, shot, obj, index = search.scene, search.parts, search.shot, search.obj, search.index
    yaw, box = spot
    velocity = tuple(_rotate_z(np.asarray(obj.velocity, dtype=float), math.radians(yaw - search.main_yaw)))
    swept = np.asarray(swept_box(tuple(box), velocity, shot.duration))
    if how == "pen" and not _pen_takes(scene, search.pens, swept, obj):
        return None
    cover, frame = shot.reads(box, how)
    if cover < least:
        return None
    if not shot.clear_of_lens(box) or shot.before_lead(box):
        return None
    walled = how in ("wall", "against_wall")
    if not _free(parts, swept, () if how == "pen" else search.pens, index, search.taken, on_wall=walled):
        return None
    if how == "ceiling" and not _under_ceiling(parts, box):
        return None
    if len(obj.parts) > 1:  # the parts' bound (costly) only where every other test passes
        cover, frame = shot.reads(box, how, _parts_at(obj, yaw, box))
        if cover < least:
            return None
    if not _in_sight(scene, shot.eyes[frame], box, index):
        return None
    return cover, yaw, box, STANDS_ON.get(how, how)


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


# -- the screen: every spot of a mount at once -------------------------------------------------------------

_SCREENED_MOUNTS = frozenset({"floor", "far_floor", "pen", "against_wall", "wall", "ceiling"})  # ``_places`` places these as
# ``_place`` does; a new mount is tried spot by spot until ``_places`` learns it too
_SLACK = 1e-9  # the screen rejects a spot only where it fails a test by more than this (m, share of a frame)
_LEAD_CHUNK = 1 << 16  # (box, lead instance, frame) triples tested at once: memory stays in the MB
_AREA_SLACK = 1e3  # square pixels of slack per unit of slack (1e-9 -> 1e-6 px², far above rounding)
_CORNERS = np.array([[i, j, k] for i in (0, 3) for j in (1, 4) for k in (2, 5)])  # a box's 8 corners


def _screen(search: _Search, how: str, frames: Sequence[int], grid: Sequence[tuple[float, float]]) -> np.ndarray:
    """For each key frame of ``frames`` and spot of ``grid`` (column, row), the cover it reads at before its parts'
    bound (which only lowers it): [F, len(grid)]; -inf where it clearly fails a test that does not depend on the
    spots tried before it (placed, in a pen that takes it, reads, clear of the lens, not before the lead subject,
    free, under the ceiling). Each test runs on the spots that passed the ones before, cheapest first."""
    scene, parts, pens, shot, obj = search.scene, search.parts, search.pens, search.shot, search.obj
    columns, rows = np.array(grid, dtype=float).T
    placed = [_places(search, how, shot.eyes[f], shot.rays(f, columns, rows)) for f in frames]
    yaw, boxes, alive = (np.concatenate(arrays) for arrays in zip(*placed, strict=True))
    out = np.full((len(frames), len(grid)), -np.inf)
    alive = np.flatnonzero(alive)  # into the frames' spots, frame by frame
    if not len(alive):
        return out
    velocity = _rotate_z(np.asarray(obj.velocity, dtype=float), np.radians(yaw[alive] - search.main_yaw))
    sweep = velocity * shot.duration
    swept = boxes[alive] + np.concatenate([np.minimum(sweep, 0.0), np.maximum(sweep, 0.0)], axis=1)
    if how == "pen":  # each test below keeps the spots that pass it (indices into ``grid``, with their arrays)
        alive, swept = _keeping(_pens_take(scene, pens, swept, obj), alive, swept)
    raw, near = shot.screens(boxes[alive], exact=False)
    cover, _ = shot.covers(raw, how, slack=_SLACK)
    alive, swept, raw, near, cover = _keeping(cover >= LEAST_COVERAGE - _SLACK, alive, swept, raw, near, cover)
    alive, swept, raw, near, cover = _keeping(
        shot.clear_of_lens_many(boxes[alive], slack=_SLACK), alive, swept, raw, near, cover
    )
    alive, swept, cover = _keeping(~shot.before_lead_many(raw, near, slack=_SLACK), alive, swept, cover)
    walled = how in ("wall", "against_wall")
    free = _free_many(
        parts, swept, () if how == "pen" else pens, search.index, search.taken, on_wall=walled, slack=_SLACK
    )
    alive, cover = _keeping(free, alive, cover)
    if how == "ceiling":
        alive, cover = _keeping(_under_ceiling_many(parts, boxes[alive], slack=_SLACK), alive, cover)
    out.reshape(-1)[alive] = cover
    return out


def _keeping(passed: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """Each of ``arrays`` (one row per spot) at the spots that ``passed``."""
    return [a[passed] for a in arrays]


def _places(search: _Search, how: str, eye: np.ndarray, rays: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_place`` for many rays [M, 3] (about: the screen's): (yaw [M], box [M, 6], placed [M])."""
    scene, parts, old = search.scene, search.parts, search.old
    width, depth, height = search.extent
    if how in ("wall", "against_wall"):
        point, normal, placed = _wall_hits(parts, eye, rays)
        yaw = np.degrees(np.arctan2(normal[:, 1], normal[:, 0])) - 90.0
        centre = point[:, :2] + normal[:, :2] * (depth / 2 + 0.04)
    else:
        plane = _hang_centre(old) if how == "ceiling" else min(old[2], 0.5)
        down = np.where(np.abs(rays[:, 2]) < 1e-6, 1.0, rays[:, 2])
        placed = (np.abs(rays[:, 2]) >= 1e-6) & ((plane - eye[2]) / down > -_SLACK)
        centre = (eye + rays * (plane - eye[2]) / down[:, None])[:, :2]
        to_eye = np.arctan2(eye[1] - centre[:, 1], eye[0] - centre[:, 0])
        yaw = np.degrees(to_eye) - 90.0 + (0.0 if width >= depth else 90.0)
    c, s = np.abs(np.cos(np.radians(yaw))), np.abs(np.sin(np.radians(yaw)))
    half = np.stack([c * width + s * depth, s * width + c * depth], axis=1) / 2
    if how == "wall":
        z = np.full(len(rays), float(old[2]))
    elif how == "ceiling":
        z = np.full(len(rays), _hang_centre(old) - height / 2)
    else:
        z = np.full(len(rays), np.nan)
        z[placed] = _support_tops(scene, parts, centre[placed], below=max(float(old[2]), 0.0) + 0.5)
        placed &= ~np.isnan(z)
    boxes = np.concatenate([centre - half, z[:, None], centre + half, z[:, None] + height], axis=1)
    return yaw, boxes, placed


def _wall_hits(parts: _Parts, eye: np.ndarray, rays: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_wall_hit`` for many rays [M, 3]: (point [M, 3], outward normal [M, 3], hit [M])."""
    prims, count = parts.walls, len(rays)
    if len(prims.center) == 0:
        return np.zeros((count, 3)), np.tile([1.0, 0.0, 0.0], (count, 1)), np.zeros(count, dtype=bool)
    hits = _first_hits_many(prims, eye, rays)
    k = np.argmin(hits, axis=1)
    first = hits[np.arange(count), k]
    hit = np.isfinite(first)
    point = eye + rays * np.where(hit, first, 0.0)[:, None]
    rot = prims.rot[k]
    local = np.einsum("mji,mj->mi", rot, point - prims.center[k]) / np.maximum(prims.half[k], 1e-6)
    axis = np.argmax(np.abs(local), axis=1)
    normal = rot[np.arange(count), :, axis] * np.copysign(1.0, local[np.arange(count), axis])[:, None]
    hit &= (np.abs(normal[:, 2]) <= 0.3 + _SLACK) & ((normal * rays).sum(axis=1) <= -0.3 + _SLACK)
    flat = np.maximum(np.hypot(normal[:, 0], normal[:, 1]), 1e-9)
    normal = np.stack([normal[:, 0] / flat, normal[:, 1] / flat, np.zeros(count)], axis=1)
    return point, normal, hit


def _support_tops(scene: Scene, parts: _Parts, centres: np.ndarray, below: float) -> np.ndarray:
    """``_support_top`` under many centres [M, 2]: heights [M], nan where None."""
    low = np.flatnonzero(parts.hi[:, 2] <= below)
    lo, hi = parts.lo[low], parts.hi[low]
    x, y = centres[:, :1], centres[:, 1:]
    inside = (lo[None, :, 0] <= x) & (x <= hi[None, :, 0]) & (lo[None, :, 1] <= y) & (y <= hi[None, :, 1])
    ground = np.full(len(centres), 0.0 if scene.ground_class_id is not None else np.nan)
    if not len(low):
        return ground
    k = np.argmax(np.where(inside, hi[None, :, 2], -np.inf), axis=1)  # the highest there, the first of equals
    top = hi[k, 2]
    return np.where(inside.any(axis=1), np.where(parts.support[low][k] & ~(top > 0.4), top, np.nan), ground)


def _pens_take(scene: Scene, pens: Sequence[Box3], swept: np.ndarray, animal: SceneObject) -> np.ndarray:
    """Whether a pen may take the animal (``_pen_takes``) for many swept boxes [M, 6]; true where in doubt."""
    takes = np.zeros(len(swept), dtype=bool)
    for pen in pens:
        probe = np.array([pen[0] + 0.5, pen[1] + 0.5, 0.0, pen[3] - 0.5, pen[4] - 0.5, 0.0])
        if not _pen_takes(scene, [pen], probe, animal):  # the pen's verdict, for a box well inside it
            continue
        takes |= (
            (pen[0] + 0.5 <= swept[:, 0] + _SLACK) & (swept[:, 3] <= pen[3] - 0.5 + _SLACK)
            & (pen[1] + 0.5 <= swept[:, 1] + _SLACK) & (swept[:, 4] <= pen[4] - 0.5 + _SLACK)
        )  # fmt: skip
    return takes


def _free_many(
    parts: _Parts,
    boxes: np.ndarray,
    pens: Sequence[Box3],
    skip: int,
    taken: Sequence[np.ndarray],
    *,
    on_wall: bool,
    slack: float = 0.0,
) -> np.ndarray:
    """``_free`` of many boxes [M, 6]."""
    if not len(boxes):
        return np.zeros(0, dtype=bool)
    margin = 0.1 - slack
    near = (parts.solid & ~parts.hangs if on_wall else parts.solid) & (parts.owner != skip)
    near &= (parts.lo[:, 0] < boxes[:, 3].max() + margin) & (boxes[:, 0].min() < parts.hi[:, 0] + margin)
    near &= (parts.lo[:, 1] < boxes[:, 4].max() + margin) & (boxes[:, 1].min() < parts.hi[:, 1] + margin)
    lo, hi, b = parts.lo[near][None, :, :], parts.hi[near][None, :, :], boxes[:, None, :]
    clash = (
        (lo[..., 0] < b[..., 3] + margin) & (b[..., 0] < hi[..., 0] + margin)
        & (lo[..., 1] < b[..., 4] + margin) & (b[..., 1] < hi[..., 1] + margin)
        & (lo[..., 2] < b[..., 5] - slack) & (b[..., 2] + 0.02 < hi[..., 2] - slack)
    ).any(axis=1)  # fmt: skip
    cx, cy = (boxes[:, 0] + boxes[:, 3]) / 2, (boxes[:, 1] + boxes[:, 4]) / 2
    for p in pens:
        clash |= (p[0] + slack <= cx) & (cx <= p[3] - slack) & (p[1] + slack <= cy) & (cy <= p[4] - slack)
    for t in taken:
        clash |= (
            (t[0] < boxes[:, 3] + margin) & (boxes[:, 0] < t[3] + margin)
            & (t[1] < boxes[:, 4] + margin) & (boxes[:, 1] < t[4] + margin)
        )  # fmt: skip
    return ~clash


def _under_ceiling_many(parts: _Parts, boxes: np.ndarray, slack: float = 0.0) -> np.ndarray:
    """``_under_ceiling`` of many boxes [M, 6]."""
    lo, hi = parts.lo[parts.floor][None, :, :], parts.hi[parts.floor][None, :, :]
    x, y = (boxes[:, :1] + boxes[:, 3:4]) / 2, (boxes[:, 1:2] + boxes[:, 4:5]) / 2
    return (
        (lo[..., 0] <= x + slack) & (x <= hi[..., 0] + slack) & (lo[..., 1] <= y + slack) & (y <= hi[..., 1] + slack)
    ).any(axis=1)
