"""Camera paths: pinhole intrinsics and per-frame camera-to-world poses (OpenCV: x right, y down, z forward).

Each motion is a smooth closed-form curve inside one of the scene's free zones. Every path is checked
against the scene's geometry (moving objects at their per-frame positions) and lifted or shifted until the
camera keeps a clearance from every surface; a path that cannot be made clear raises ``SceneError``.

A path may be planned around a lead subject (``subject_kinds`` ranks the candidates: large from the air for
aerial shots, featured classes such as animals, rides and screens on the ground); ``variant`` draws other
deterministic paths for the same plan, which ``worldmill.render.framing`` uses to re-plan a path whose
subject a low-resolution instance pass shows too small or hidden.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

from worldmill.errors import SceneError
from worldmill.scenes.layout import parts_box
from worldmill.scenes.model import CameraZone, Scene, SceneObject
from worldmill.scenes.visibility import object_kind
from worldmill.schemas.plan import CAMERA_MOTIONS, RenderSettings, ScenePlan

FOV_DEG = {"aerial": 60.0, "ground": 65.0, "interior": 75.0}
CLEARANCE_M = {"aerial": 8.0, "ground": 0.4, "interior": 0.3}
MAX_TURN_DEG_S = 24.0  # fastest a camera tracking a subject may turn
SUBJECT_SPAN = 0.4  # a re-planned shot narrows its field of view until the subject spans this share of the frame
WIDE_SUBJECT_SPAN = 0.28  # ... or this share, in the wider shots tried where a venue's subjects stand together
MIN_FOV_DEG = 22.0  # ... but never below this (a long lens, not a telescope)
ANIMAL_MIN_FOV_DEG = 15.0  # a parrot or a tortoise a few metres off takes a longer one
ANIMAL_FRAME_SHARE = 0.08  # an animal's face-on box fills at least this share of the frame (its pixels about half)
ANIMAL_CLUSTER_SPANS = 1.5  # an animal shot aims at the animals within this many of its lead's lengths (parrots 0.4 m)
ANIMAL_EYE_RISE_M = 0.3  # indoors a camera filming an animal lowers to this much above its top (zone permitting)
PERCHED_M = 1.0  # an animal whose bottom is this high sits on a perch (``layout.perches``)
EYE_LEVEL_M = 2.4  # a non-aerial camera at or below this height films at eye level ...
MAX_PITCH_DOWN_DEG = 12.0  # ... looking down at most this much (it films the room, not its floor)
HORIZON_SHARE = 0.6  # ... with a lens wide enough that the horizon stays in the frame's upper part
_CAMERA_STREAM = 0x43414D  # keeps the camera's random stream apart from the scene's
# How strongly a class is preferred as the lead subject of a ground or interior shot (others weigh 1): what a
# viewer of a zoo, a ward, a fairground or a station concourse expects the shot to be about.
FEATURED_CLASSES = {
    "animal": 6.0, "ride": 4.0, "landmark": 4.0, "screen": 3.0, "sculpture": 2.0, "artwork": 2.0, "bed": 2.0,
    "vehicle": 2.0, "display_case": 1.5, "stall": 1.5,
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class CameraPath:
    motion: str
    zone: str
    width: int
    height: int
    fx: float
    fy: float
    cx: float
    cy: float
    fps: int
    camera_to_world: np.ndarray  # float64 [T, 4, 4], OpenCV convention

    @property
    def frames(self) -> int:
        return int(self.camera_to_world.shape[0])

    @property
    def positions(self) -> np.ndarray:
        return self.camera_to_world[:, :3, 3]

    @property
    def K(self) -> np.ndarray:
        return np.array([[self.fx, 0.0, self.cx], [0.0, self.fy, self.cy], [0.0, 0.0, 1.0]])

    def to_dict(self) -> dict[str, Any]:
        return {
            "convention": "opencv",
            "depth": "z",
            "motion": self.motion,
            "zone": self.zone,
            "fps": self.fps,
            "frames": self.frames,
            "intrinsics": {
                "fx": self.fx,
                "fy": self.fy,
                "cx": self.cx,
                "cy": self.cy,
                "width": self.width,
                "height": self.height,
            },
            "camera_to_world": np.round(self.camera_to_world, 6).tolist(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> CameraPath:
        try:
            data = json.loads(text)
            intr = data["intrinsics"]
            return cls(
                motion=data["motion"],
                zone=data["zone"],
                width=int(intr["width"]),
                height=int(intr["height"]),
                fx=float(intr["fx"]),
                fy=float(intr["fy"]),
                cx=float(intr["cx"]),
                cy=float(intr["cy"]),
                fps=int(data["fps"]),
                camera_to_world=np.asarray(data["camera_to_world"], dtype=np.float64),
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise SceneError(
                f"Camera JSON is unreadable: {exc!r}.", fix="write camera files with CameraPath.to_json()"
            ) from exc


def look_at(eyes: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """[T, 4, 4] OpenCV camera-to-world matrices looking from ``eyes`` at ``targets`` with z up."""
    forward = targets - eyes
    forward /= np.linalg.norm(forward, axis=1, keepdims=True)
    up = np.array([0.0, 0.0, 1.0])
    right = np.cross(forward, up)
    norm = np.linalg.norm(right, axis=1, keepdims=True)
    if (norm < 1e-6).any():
        raise SceneError(
            "A camera looks straight up or down; its roll is undefined.", fix="tilt the camera path's target"
        )
    right /= norm
    down = np.cross(forward, right)
    c2w = np.zeros((len(eyes), 4, 4))
    c2w[:, :3, 0], c2w[:, :3, 1], c2w[:, :3, 2], c2w[:, :3, 3], c2w[:, 3, 3] = right, down, forward, eyes, 1.0
    return c2w


# -- clearance ---------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class _PrimitiveSet:
    shape: np.ndarray  # 0 box, 1 cylinder, 2 sphere
    center: np.ndarray  # [N, 3] at t = 0
    velocity: np.ndarray  # [N, 3]
    rot: np.ndarray  # [N, 3, 3] world from local
    half: np.ndarray  # [N, 3]
    owner: np.ndarray  # [N], index into scene.objects


_LAST_PRIMITIVES: list = [None, None]  # (scene, its _PrimitiveSet): candidate paths of one scene share it


def _primitive_set(scene: Scene) -> _PrimitiveSet:
    if _LAST_PRIMITIVES[0] is scene:
        return _LAST_PRIMITIVES[1]
    _LAST_PRIMITIVES[:] = [scene, _build_primitive_set(scene)]
    return _LAST_PRIMITIVES[1]


def _build_primitive_set(scene: Scene) -> _PrimitiveSet:
    codes = {"box": 0, "cylinder": 1, "sphere": 2, "mesh": 0}  # a mesh keeps the camera out of its bounding box
    prims = [(p, o.velocity) for o in scene.objects for p in o.parts]
    return _PrimitiveSet(
        owner=np.array([i for i, o in enumerate(scene.objects) for _ in o.parts], dtype=np.int64),
        shape=np.array([codes[p.shape] for p, _ in prims], dtype=np.int8),
        center=np.array([p.center for p, _ in prims], dtype=np.float64).reshape(-1, 3),
        velocity=np.array([v for _, v in prims], dtype=np.float64).reshape(-1, 3),
        rot=np.array([p.rotation() for p, _ in prims], dtype=np.float64).reshape(-1, 3, 3),
        half=np.array([p.size for p, _ in prims], dtype=np.float64).reshape(-1, 3) / 2.0,
    )


_CLEARANCE_CHUNK = 1 << 19  # (point, primitive) pairs measured at once: memory stays in the tens of MB


def clearance(scene: Scene, points: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Lower bound of the distance (m) from each point to the nearest surface at its time; negative inside.

    Exact for boxes; for ellipsoids and elliptic cylinders the distance in the unit shape times the smallest
    radius, which never overestimates. The ground plane counts for outdoor scenes.
    """
    return _clearance(_primitive_set(scene), scene.ground_class_id is not None, points, times)


def sight_clear(scene: Scene, sight: np.ndarray, t: float) -> bool:
    """Whether every point of ``sight`` (points along the segment from its first to its last) lies clear of every
    surface at time ``t`` (``clearance`` > 0), measured only against the primitives whose circumscribed sphere
    reaches the segment: a point outside that sphere is outside the shape, so the others cannot make it fail (a
    line of sight tested every 5 cm passes a handful of a scene's thousands of primitives)."""
    prims = _primitive_set(scene)
    centers = prims.center + prims.velocity * t
    start, along = sight[0], sight[-1] - sight[0]
    share = np.clip((centers - start) @ along / max(float(along @ along), 1e-12), 0.0, 1.0)
    gap = centers - (start + share[:, None] * along)
    reach = np.linalg.norm(np.maximum(prims.half, 1e-6), axis=1) + 1e-3
    near = np.flatnonzero((gap**2).sum(axis=1) <= reach**2)
    times = np.full(len(sight), t)
    return bool((_clearance(_subset(prims, near), scene.ground_class_id is not None, sight, times) > 0.0).all())


def _clearance(prims: _PrimitiveSet, ground: bool, points: np.ndarray, times: np.ndarray) -> np.ndarray:
    out = points[:, 2].copy() if ground else np.full(len(points), np.inf)
    if len(prims.center) == 0:
        return out
    step = max(1, _CLEARANCE_CHUNK // len(prims.center))
    for i in range(0, len(points), step):
        out[i : i + step] = np.minimum(
            out[i : i + step], _nearest_surface(prims, points[i : i + step], times[i : i + step])
        )
    return out


def _nearest_surface(prims: _PrimitiveSet, points: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The least of ``_surface_distances_many`` over the primitives for each point [T], measured only for those
    that may be the least: each primitive's value lies between a bound from the distance to its centre and that
    distance itself (for every shape), so one whose bound exceeds another's centre distance never is."""
    centers = prims.center[None, :, :] + prims.velocity[None, :, :] * times[:, None, None]
    reach = np.linalg.norm(points[:, None, :] - centers, axis=2)  # [T, N] = |local coordinates|
    h = np.maximum(prims.half, 1e-6)
    wide, narrow = np.maximum(h[:, 0], h[:, 1]), np.minimum(h[:, 0], h[:, 1])
    bound = np.where(
        prims.shape == 0,
        reach - np.linalg.norm(h, axis=1),  # a box lies inside its circumscribed sphere
        np.where(
            prims.shape == 1,  # a cylinder: away from its axis or along it by at least reach / sqrt 2
            np.minimum((reach / math.sqrt(2.0) / wide - 1.0) * narrow, reach / math.sqrt(2.0) - h[:, 2]),
            (reach / h.max(axis=1) - 1.0) * h.min(axis=1),  # an ellipsoid
        ),
    )
    may = (bound - 1e-6 <= reach.min(axis=1, keepdims=True) + 1e-6).any(axis=0)
    if not may.any():  # points that are not finite: measure every primitive, as without bounds
        may[:] = True
    return _surface_distances_many(_subset(prims, np.flatnonzero(may)), points, times).min(axis=1)


def _subset(prims: _PrimitiveSet, keep: np.ndarray) -> _PrimitiveSet:
    return _PrimitiveSet(*(getattr(prims, f.name)[keep] for f in dataclasses.fields(prims)))


def _surface_distances(prims: _PrimitiveSet, p: np.ndarray, t: float) -> np.ndarray:
    """Lower bound of the distance from point ``p`` at time ``t`` to each primitive (negative inside)."""
    return _surface_distances_many(prims, p[None, :], np.array([t], dtype=np.float64))[0]


def _surface_distances_many(prims: _PrimitiveSet, points: np.ndarray, times: np.ndarray) -> np.ndarray:
    """``_surface_distances`` of many points [T, 3] at their times [T]: [T, N]."""
    centers = prims.center[None, :, :] + prims.velocity[None, :, :] * times[:, None, None]
    q = np.einsum("nji,tnj->tni", prims.rot, points[:, None, :] - centers)  # local coordinates
    h = np.maximum(prims.half, 1e-6)
    dist = np.empty(q.shape[:2])
    box = prims.shape == 0
    d = np.abs(q[:, box]) - h[box]
    dist[:, box] = np.linalg.norm(np.maximum(d, 0.0), axis=2) + np.minimum(d.max(axis=2), 0.0)
    cyl = prims.shape == 1
    rmin = np.minimum(h[cyl, 0], h[cyl, 1])
    radial = (np.hypot(q[:, cyl, 0] / h[cyl, 0], q[:, cyl, 1] / h[cyl, 1]) - 1.0) * rmin
    dz = np.abs(q[:, cyl, 2]) - h[cyl, 2]
    dd = np.stack([radial, dz], axis=2)
    dist[:, cyl] = np.linalg.norm(np.maximum(dd, 0.0), axis=2) + np.minimum(dd.max(axis=2), 0.0)
    sph = prims.shape == 2
    dist[:, sph] = (np.linalg.norm(q[:, sph] / h[sph], axis=2) - 1.0) * h[sph].min(axis=1)
    return dist


# -- subjects: the decor the prompt names, which walking shots (indoors and on outdoor ground) frame -------


@dataclasses.dataclass(frozen=True)
class _Subjects:
    """Static decor objects (else other static salient ones) a camera can aim at."""

    center: np.ndarray  # [K, 3] bounding-box centres
    area: np.ndarray  # [K] m^2, a face-on area: the larger horizontal extent times the height
    index: np.ndarray  # [K] into scene.objects
    prims: _PrimitiveSet
    velocity: np.ndarray | None = None  # [K, 3] m/s (roaming animals); a shot tracks where they go
    top: np.ndarray | None = None  # [K] m, animals' bounding-box tops: a back seen over a low wall still reads
    animal: bool = False  # the shot is planned around an animal kind: paths that pass it are tried too
    span: np.ndarray | None = None  # [K] m, animals' largest extents: a long lens frames one, so its cluster is small


def _subjects(scene: Scene, *, decor_only: bool = False, kind: str | None = None) -> _Subjects | None:
    """Indoors, other static salient objects stand in for missing decor; outdoors (``decor_only``) they would be
    bystanders and parked cars, so a shot without static decor turns towards the venue's subject instead.
    With ``kind`` only the static instances of that kind (the lead subject) are aimed at."""

    def pick(wanted) -> list[int]:
        return [i for i, o in enumerate(scene.objects) if wanted(o) and aimable(o)]

    if kind is not None:
        chosen = pick(lambda o: object_kind(o) == kind)
    else:
        chosen = pick(lambda o: o.decor is not None) or ([] if decor_only else pick(lambda o: o.salient))
    if not chosen:
        return None
    animal = kind is not None and all(scene.objects[i].class_name == "animal" for i in chosen)
    boxes = np.array([parts_box(scene.objects[i].parts) for i in chosen])
    extent = boxes[:, 3:] - boxes[:, :3]
    return _Subjects(
        center=(boxes[:, :3] + boxes[:, 3:]) / 2,
        area=np.maximum(extent[:, 0], extent[:, 1]) * extent[:, 2],
        index=np.array(chosen),
        prims=_primitive_set(scene),
        velocity=np.array([scene.objects[i].velocity for i in chosen], dtype=np.float64).reshape(-1, 3),
        top=boxes[:, 5] if animal else None,
        animal=animal,
        span=extent.max(axis=1) if animal else None,
    )


def _first_hits(prims: _PrimitiveSet, eye: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Distance along the ray (t = 0) to each primitive's surface, inf where it misses or lies behind."""
    return _first_hits_many(prims, eye, direction[None, :])[0]


def _first_hits_many(prims: _PrimitiveSet, eye: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """``_first_hits`` of many rays from one eye, [M, 3]: [M, N]. Measured (``_ray_hits``) only for the
    primitives whose bounding sphere some ray passes near (a millimetre and rounding spare): the others it misses."""
    v = prims.center - eye
    reach2 = (v * v).sum(axis=1)  # [N] squared distance to each centre
    along = (directions @ v.T) / np.linalg.norm(directions, axis=1)[:, None]  # [M, N] to the closest point
    gap2 = np.where(along > 0.0, reach2 - along**2, reach2)  # squared distance from the ray to the centre
    radius = np.linalg.norm(np.maximum(prims.half, 1e-6), axis=1) + 1e-3
    keep = np.flatnonzero((gap2 <= radius**2 + 1e-9 * (reach2 + 1.0)).any(axis=0))
    hits = np.full((len(directions), len(prims.center)), np.inf)
    if len(keep):
        hits[:, keep] = _ray_hits(_subset(prims, keep), eye, directions)
    return hits


def _ray_hits(prims: _PrimitiveSet, eye: np.ndarray, directions: np.ndarray) -> np.ndarray:
    """Distance along each ray [M, 3] from ``eye`` to each primitive's surface, inf where it misses or lies
    behind: [M, N]. In each primitive's unit frame the ray meets the unit cube (slabs), cylinder (side and caps)
    or sphere."""
    h = np.maximum(prims.half, 1e-6)
    o = np.einsum("nji,nj->ni", prims.rot, eye - prims.center) / h
    d = np.einsum("nji,mj->mni", prims.rot, directions) / h
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = 1.0 / np.where(np.abs(d) < 1e-12, 1e-12, d)
        near = np.minimum((-1.0 - o) * inv, (1.0 - o) * inv)
        far = np.maximum((-1.0 - o) * inv, (1.0 - o) * inv)
        hits = np.full(d.shape[:2], np.inf)
        box = (prims.shape == 0) & (far.min(axis=2) >= np.maximum(near.max(axis=2), 0.0))
        hits[box] = np.maximum(near.max(axis=2), 0.0)[box]
        for code, axes in ((1, slice(0, 2)), (2, slice(0, 3))):  # cylinder side (x, y), sphere: |o + t d| = 1
            a = (d[..., axes] ** 2).sum(axis=2)
            b = 2.0 * (o[:, axes] * d[..., axes]).sum(axis=2)
            disc = b * b - 4 * a * (o[:, axes] ** 2).sum(axis=1) + 4 * a
            root = np.sqrt(np.maximum(disc, 0.0))
            enter, leave = (-b - root) / (2 * a), (-b + root) / (2 * a)
            if code == 1:  # ... between the caps
                enter, leave = np.maximum(enter, near[..., 2]), np.minimum(leave, far[..., 2])
            ok = (prims.shape == code) & (disc >= 0) & (leave >= np.maximum(enter, 0.0))
            hits[ok] = np.maximum(enter, 0.0)[ok]
    return hits


def _in_sight(subjects: _Subjects, k: int, eye: np.ndarray) -> bool:
    """True when the first surface a ray from ``eye`` towards subject ``k`` (its centre, else the upper part of
    it, which shows over a barrier) meets is the subject's own."""
    centre = subjects.center[k]
    targets = [centre]
    if subjects.top is not None:  # both rays at once
        targets.append(np.array([*centre[:2], (centre[2] + 2 * subjects.top[k]) / 3]))
    spans = [float(np.linalg.norm(target - eye)) for target in targets]
    rays = np.array([(target - eye) / max(span, 1e-6) for target, span in zip(targets, spans, strict=True)])
    for hits, span in zip(_first_hits_many(subjects.prims, eye, rays), spans, strict=True):
        nearest = int(np.argmin(hits))
        if hits[nearest] >= span or subjects.prims.owner[nearest] == subjects.index[k]:
            return True
    return False


def _aim(
    subjects: _Subjects, eyes: np.ndarray, t: np.ndarray, ahead: np.ndarray | None
) -> tuple[float, np.ndarray | None]:
    """The best-framed visible subject cluster from a stretch of path: (score, aim point) or (0, None).

    Score is the apparent size (area over squared distance) of the subjects near the chosen one; with ``ahead``
    only subjects that stay within 75 degrees of it to the path's end count (walks and dollies look forward).
    The aim point is [3], or [T, 3] following a roaming subject.
    """
    mid, last = eyes[len(eyes) // 2], eyes[-1]
    offset = subjects.center - mid
    reach = np.linalg.norm(offset, axis=1)
    flat = np.minimum(
        np.hypot(*(subjects.center[:, :2] - eyes[0, :2]).T), np.hypot(*(subjects.center[:, :2] - last[:2]).T)
    )
    apparent = subjects.area / np.maximum(reach, 3.0) ** 2  # nearer than 3 m fills the frame with one object
    ok = flat > 1.2
    if ahead is not None:
        towards = subjects.center[:, :2] - last[None, :2]
        cosine = towards @ ahead[:2] / np.maximum(np.linalg.norm(towards, axis=1), 1e-6)
        ok &= cosine > math.cos(math.radians(75.0))
    for k in np.argsort(-np.where(ok, apparent, -1.0))[:4]:
        if not ok[k] or not _in_sight(subjects, int(k), mid):
            continue
        radius = 3.0 if subjects.span is None else min(3.0, ANIMAL_CLUSTER_SPANS * float(subjects.span[k]))
        near = ok & (np.linalg.norm(subjects.center - subjects.center[k], axis=1) < radius)
        w = apparent[near]
        point = (subjects.center[near] * w[:, None]).sum(axis=0) / w.sum()
        point[2] = min(max(point[2], 0.4), mid[2] + 1.0)
        if subjects.velocity is not None and subjects.velocity[near].any():  # follow a roaming animal
            point = point + ((subjects.velocity[near] * w[:, None]).sum(axis=0) / w.sum())[None, :] * t[:, None]
        bearing = np.unwrap(np.arctan2(point[..., 1] - eyes[:, 1], point[..., 0] - eyes[:, 0]))
        if len(t) > 1 and np.abs(np.diff(bearing) / np.diff(t)).max() > math.radians(MAX_TURN_DEG_S):
            continue  # walking past it too close: the shot would whip round
        return float(w.sum()), point
    return 0.0, None


def aimable(obj: SceneObject) -> bool:
    """Whether a shot may be planned around ``obj``: static things, and animals, which roam their enclosure
    slowly (under 1.2 m/s) and are what a zoo shot is about; not walkers or traffic, which leave the frame."""
    return not any(obj.velocity) or obj.class_name == "animal"


def subject_kinds(scene: Scene, *, aerial: bool) -> list[str]:
    """Static decor kinds (and the landmark) a shot can be planned around, best first.

    Aerial shots rank by footprint (what is large from the air); ground and interior shots put animals first,
    then rank by face-on area weighted by ``FEATURED_CLASSES``; both sum the four largest instances of a kind."""
    areas: dict[str, list[float]] = {}
    classes: dict[str, str] = {}
    lowest: dict[str, float] = {}  # the lowest bottom (m) of each kind's instances
    for obj in scene.objects:
        venue = obj.class_name == "building" and obj.salient and not obj.decor  # the venue's own building
        if not (obj.decor or obj.class_name == "landmark" or venue) or not aimable(obj):
            continue
        box = np.asarray(parts_box(obj.parts))
        extent = box[3:] - box[:3]
        area = extent[0] * extent[1] if aerial else max(extent[0], extent[1]) * extent[2]
        areas.setdefault(object_kind(obj), []).append(float(area))
        classes.setdefault(object_kind(obj), obj.class_name)
        lowest[object_kind(obj)] = min(lowest.get(object_kind(obj), np.inf), float(box[2]))

    def score(kind: str) -> float:
        weight = 1.0 if aerial else FEATURED_CLASSES.get(classes[kind], 1.0)
        return weight * sum(sorted(areas[kind])[-4:])

    # On the ground an animal leads whatever its size: a zoo shot is about its animals, not the fence or tree;
    # perched animals (an aviary's birds, at eye level) before those on the floor, under an eye-level camera.
    def perched(kind: str) -> bool:
        return classes[kind] == "animal" and lowest[kind] >= PERCHED_M

    return sorted(areas, key=lambda k: (not aerial and classes[k] != "animal", not aerial and not perched(k), -score(k), k))


def _subject_size(scene: Scene, kind: str, *, face: bool = False) -> float:
    """The largest extent (m) of the largest static instance of ``kind``: what a long lens frames; with ``face``
    its largest face-on area (m^2: the larger horizontal extent times the height)."""
    extents = [
        np.ptp(np.asarray(parts_box(o.parts)).reshape(2, 3), axis=0)
        for o in scene.objects
        if object_kind(o) == kind and aimable(o)
    ]
    if face:
        return max((float(max(e[0], e[1]) * e[2]) for e in extents), default=0.0)
    return max((float(e.max()) for e in extents), default=0.0)


def _animal_top(scene: Scene, kind: str) -> float:
    """The median top (m) of ``kind``'s aimable instances: the height an indoor camera films them from."""
    return float(np.median([parts_box(o.parts)[5] for o in scene.objects if object_kind(o) == kind and aimable(o)]))


def _is_animal(scene: Scene, kind: str) -> bool:
    return any(o.class_name == "animal" and object_kind(o) == kind for o in scene.objects)


def _aerial_subject(scene: Scene, kind: str) -> tuple[np.ndarray, float] | None:
    """(centre, radius in m) of the cluster of ``kind``'s static instances around its largest one."""
    boxes = np.array([parts_box(o.parts) for o in scene.objects if object_kind(o) == kind and aimable(o)])
    if not len(boxes):
        return None
    centres = (boxes[:, :3] + boxes[:, 3:]) / 2
    footprint = (boxes[:, 3] - boxes[:, 0]) * (boxes[:, 4] - boxes[:, 1])
    near = np.linalg.norm(centres[:, :2] - centres[int(np.argmax(footprint)), :2], axis=1) < 30.0
    lo, hi = boxes[near, :3].min(axis=0), boxes[near, 3:].max(axis=0)
    return (lo + hi) / 2, float(np.linalg.norm(hi[:2] - lo[:2]) / 2)


# -- trajectories ------------------------------------------------------------------------------------------


def _pick_zone(scene: Scene, height: float) -> CameraZone:
    def gap(zone: CameraZone) -> float:
        return max(zone.lo[2] - height, height - zone.hi[2], 0.0)

    return min(scene.zones, key=gap)


def _rotate_z(v: np.ndarray, angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    x, y, z = np.broadcast_arrays(v[..., 0], v[..., 1], v[..., 2], c)[:3]
    return np.stack([c * x - s * y, s * x + c * y, z], axis=-1)


def _aerial(
    zone: CameraZone,
    focus: np.ndarray,
    motion: str,
    t: np.ndarray,
    height: float,
    rng: np.random.Generator,
    lift: float,
    subject: tuple[np.ndarray, float] | None = None,
    variant: int = 0,
):
    """An aerial move around ``focus``; around a ``subject`` (centre, radius) the camera looks down more
    steeply and comes closer, more so on later variants, so that the subject reads from the air."""
    duration = max(float(t[-1]), 1e-3)
    h = height + lift
    if subject is None:
        target = np.array([focus[0], focus[1], min(focus[2], 0.45 * height)])
        pitch = math.radians(rng.uniform(22.0, 34.0))
        radius = max((h - target[2]) / math.tan(pitch), 120.0)
    else:
        focus = subject[0]
        target = np.array([focus[0], focus[1], min(focus[2], 0.45 * height)])
        pitch = math.radians(rng.uniform(32.0, 42.0) + 10.0 * min(variant, 2))
        radius = max((h - target[2]) / math.tan(pitch), subject[1] + 25.0)
    theta0 = rng.uniform(0.0, 2 * math.pi)
    home = np.array([focus[0] + radius * math.cos(theta0), focus[1] + radius * math.sin(theta0), h])
    inward = np.array([-math.cos(theta0), -math.sin(theta0), 0.0])
    lateral = np.array([-math.sin(theta0), math.cos(theta0), 0.0])
    ones = np.ones((len(t), 1))
    if motion == "orbit":
        omega = math.radians(rng.uniform(4.0, 8.0)) * rng.choice([-1.0, 1.0])
        theta = theta0 + omega * t
        eyes = np.stack(
            [focus[0] + radius * np.cos(theta), focus[1] + radius * np.sin(theta), np.full_like(t, h)], axis=1
        )
        return eyes, target * ones
    if motion == "glide":
        shift = lateral * rng.uniform(8.0, 15.0) * rng.choice([-1.0, 1.0]) * (t - duration / 2)[:, None]
        return home + shift, target + shift
    if motion in ("flyover", "walkthrough", "dolly"):
        speed = rng.uniform(12.0, 22.0) if motion != "dolly" else rng.uniform(8.0, 14.0)
        advance = inward * speed * t[:, None]
        eyes = home + advance
        if motion == "dolly":
            return eyes, target * ones
        return eyes, target + advance
    if motion == "pan":
        sweep = math.radians(rng.uniform(12.0, 24.0)) * rng.choice([-1.0, 1.0])
        angle = sweep * (t / duration - 0.5)
        return home * ones, home + _rotate_z((target - home)[None, :], angle)
    return home * ones, target * ones  # static


def _walk(
    zone: CameraZone,
    focus: np.ndarray,
    motion: str,
    t: np.ndarray,
    height: float,
    rng: np.random.Generator,
    attempt: int,
    subjects: _Subjects | None = None,
    variant: int = 0,
):
    duration = max(float(t[-1]), 1e-3)
    axis = np.array([zone.axis[0], zone.axis[1], 0.0])
    across = np.array([-axis[1], axis[0], 0.0])
    lo, hi = np.asarray(zone.lo), np.asarray(zone.hi)
    centre = (lo + hi) / 2
    s_lo, s_hi = float((lo - centre) @ axis), float((hi - centre) @ axis)
    half_across = abs(float((hi - centre) @ across))
    offsets = (0.0, 0.5, -0.5, 0.9, -0.9)
    lateral = offsets[attempt % len(offsets)] * half_across
    z = min(max(height, lo[2]), hi[2])
    if motion == "flyover":
        z = hi[2]
    direction = 1.0 if (rng.random() < 0.5) ^ (attempt >= len(offsets)) ^ bool(variant % 2) else -1.0
    speed = {"walkthrough": 1.3, "dolly": 0.8, "glide": 1.0, "orbit": 1.0, "flyover": 1.5}.get(motion, 0.0) * (
        1.6 if zone.kind == "ground" else 1.0
    )
    travel = min(speed * duration, 0.8 * (s_hi - s_lo))
    base = centre + across * lateral
    ahead = axis * direction

    def draw_start() -> float:
        if direction > 0:
            return rng.uniform(s_lo + 0.5, max(s_hi - travel - 0.5, s_lo + 0.6))
        return rng.uniform(min(s_lo + travel + 0.5, s_hi - 0.6), s_hi - 0.5)

    def eyes_from(start: float) -> np.ndarray:
        points = base[None, :] + axis[None, :] * (start + direction * travel * (t / duration))[:, None]
        points[:, 2] = z
        return points

    start = draw_start()
    eyes = eyes_from(start)
    if subjects is not None:
        # the shot is of the decor the prompt names: walk the stretch that frames the most of it
        forward = ahead if motion in ("walkthrough", "dolly") else None
        score, aim = _aim(subjects, eyes, t, forward)
        starts = [draw_start() for _ in range(7)]
        if subjects.animal:  # a shot about an animal also tries the stretches that pass it
            starts += _starts_near(subjects, centre, axis, direction, travel, (s_lo, s_hi))
        for other in starts:
            other_score, other_aim = _aim(subjects, eyes_from(other), t, forward)
            if other_score > score:
                start, score, aim = other, other_score, other_aim
        if aim is not None:
            return _framed(eyes_from(start), aim, motion, t, duration, rng, narrow=subjects.animal)
    # no decor in sight: outdoors the walkway runs past the venue's subject (enclosures, rides, a fountain, the
    # pitch), so turn towards it
    to_focus = np.zeros_like(eyes)
    to_focus[:, :2] = focus[None, :2] - eyes[:, :2]
    reach = np.linalg.norm(to_focus, axis=1, keepdims=True)
    if zone.kind == "ground" and reach.max() < 90.0 and reach.min() > 3.0:
        heading = ahead + 0.7 * to_focus / reach
        heading /= np.linalg.norm(heading, axis=1, keepdims=True)
    else:
        heading = np.broadcast_to(ahead, eyes.shape)
    if motion == "walkthrough":
        yaw = math.radians(3.0) * np.sin(2 * math.pi * t / 4.0)
        look = _rotate_z(heading, yaw) + np.array([0.0, 0.0, -0.09])
        return eyes, eyes + look
    if motion == "dolly":
        return eyes, eyes + heading[:1] + np.array([0.0, 0.0, -0.05])
    if motion == "glide":
        side = across * rng.choice([-1.0, 1.0])
        look = 0.5 * ahead + side + np.array([0.0, 0.0, -0.12])
        return eyes, eyes + look
    if motion == "orbit":
        side = rng.choice([-1.0, 1.0])
        pivot = base + axis * (start + direction * travel / 2) + across * side * rng.uniform(5.0, 9.0)
        if zone.kind == "ground" and 6.0 < float(np.linalg.norm(focus[:2] - pivot[:2])) < 60.0:
            pivot = focus.copy()
        pivot[2] = max(min(pivot[2], z - 0.3), 0.8)
        return eyes, np.broadcast_to(pivot, eyes.shape).copy()
    if motion == "flyover":
        return eyes, eyes + ahead + np.array([0.0, 0.0, -0.45])
    if motion == "pan":
        sweep = math.radians(rng.uniform(30.0, 45.0)) * rng.choice([-1.0, 1.0])
        look = _rotate_z(
            np.broadcast_to(heading[0] + np.array([0.0, 0.0, -0.06]), eyes.shape), sweep * (t / duration - 0.5)
        )
        first = eyes[:1].repeat(len(t), axis=0)
        return first, first + look
    first = eyes[:1].repeat(len(t), axis=0)  # static
    return first, first + heading[0] + np.array([0.0, 0.0, -0.06])


def _starts_near(
    subjects: _Subjects,
    centre: np.ndarray,
    axis: np.ndarray,
    direction: float,
    travel: float,
    span: tuple[float, float],
) -> list[float]:
    """Path starts (along the zone's axis) that pass the nearest subjects closely, with them a little ahead: a
    lion 50 m down the walkway is missed by random starts, yet the walkway runs right past its enclosure."""
    along = (subjects.center - centre) @ axis
    beside = np.linalg.norm((subjects.center - centre) - along[:, None] * axis[None, :], axis=1)
    lo, hi = span[0] + 0.5, span[1] - 0.5
    starts = []
    for k in np.argsort(beside)[:6]:
        for lead in (travel / 2, travel + 2.0, travel + 5.0):  # abreast mid-path, or a few metres ahead at its end
            start = float(along[k]) - direction * lead
            end = start + direction * travel
            if lo <= min(start, end) and max(start, end) <= hi:
                starts.append(start)
    return starts


def _framed(
    eyes: np.ndarray,
    aim: np.ndarray,
    motion: str,
    t: np.ndarray,
    duration: float,
    rng: np.random.Generator,
    *,
    narrow: bool = False,
):
    """Eyes and targets for a walking shot that keeps ``aim`` (a decor cluster, [3] or [T, 3]) in frame for
    each motion; ``narrow``: the shot will take a long lens (an animal), so a pan sweeps less."""
    aim = np.broadcast_to(aim, eyes.shape)
    if motion == "pan":  # a sweep across the subject from a fixed spot, never losing it
        first = eyes[:1].repeat(len(t), axis=0)
        sweep = math.radians(rng.uniform(20.0, 30.0)) * rng.choice([-1.0, 1.0])
        if narrow or aim[0].tolist() != aim[-1].tolist():  # a long lens, or a moving subject: a small sweep
            sweep *= 0.3
        return first, first + _rotate_z(aim - first[0], sweep * (t / duration - 0.5))
    if motion == "static":
        first = eyes[:1].repeat(len(t), axis=0)
        return first, aim.copy()
    if motion == "walkthrough":  # a gentle head sway while walking past the subject
        yaw = math.radians(3.0) * np.sin(2 * math.pi * t / 4.0)
        return eyes, eyes + _rotate_z(aim - eyes, yaw)
    return eyes, aim.copy()  # dolly, glide, orbit, flyover: track the subject


def eye_level(eyes: np.ndarray, targets: np.ndarray, fov: float, widest: float) -> tuple[np.ndarray, float]:
    """(targets, field of view in radians) of a shot whose eye-level frames (camera at most ``EYE_LEVEL_M`` up)
    look down at most ``MAX_PITCH_DOWN_DEG`` (the target is raised), with a lens wide enough to keep the horizon
    in the upper part of the frame (within ``HORIZON_SHARE`` of the half-angle above the centre), up to ``widest``."""
    flat = np.maximum(np.linalg.norm(targets[:, :2] - eyes[:, :2], axis=1), 1e-3)
    low = eyes[:, 2] <= EYE_LEVEL_M
    if not low.any():
        return targets, fov
    drop = np.minimum(eyes[:, 2] - targets[:, 2], flat * math.tan(math.radians(MAX_PITCH_DOWN_DEG)))
    targets = targets.copy()
    targets[low, 2] = np.maximum(targets[low, 2], (eyes[:, 2] - drop)[low])
    pitch = float(np.arctan2(eyes[low, 2] - targets[low, 2], flat[low]).max())
    return targets, max(fov, min(2.0 * pitch / HORIZON_SHARE, widest))


def camera_zone(scene: Scene, plan: ScenePlan) -> CameraZone:
    """The free zone a plan's camera moves in (nearest the plan's camera height)."""
    return _pick_zone(scene, plan.camera_height_m)


def camera_path(
    scene: Scene,
    plan: ScenePlan,
    settings: RenderSettings,
    *,
    subject: str | None = None,
    variant: int = 0,
    span: float = SUBJECT_SPAN,
) -> CameraPath:
    """A smooth path for ``plan.camera_motion`` that keeps clear of every surface for every frame.

    ``subject`` (a kind from ``subject_kinds``) is what the path frames; ``variant`` > 0 draws another path
    from its own random stream (and walks the other way on odd variants; from 2 on, a longer lens frames a far
    subject); ``span``: the share of the frame a subject framed on a longer lens spans (a wider shot of an
    animal, ``WIDE_SUBJECT_SPAN``, shows its neighbours too). Same arguments, same path."""
    if plan.camera_motion not in CAMERA_MOTIONS:
        raise SceneError(
            f"Plan {plan.sample_id} has camera_motion={plan.camera_motion!r}.", fix=f"use one of {CAMERA_MOTIONS}"
        )
    zone = _pick_zone(scene, plan.camera_height_m)
    times = np.arange(settings.frames, dtype=np.float64) / settings.fps
    need = CLEARANCE_M[zone.kind]
    focus = np.asarray(scene.focus, dtype=np.float64)
    worst = -np.inf
    subjects = None
    if zone.kind in ("interior", "ground"):
        subjects = _subjects(scene, decor_only=zone.kind == "ground", kind=subject)
    aerial_subject = _aerial_subject(scene, subject) if subject is not None and zone.kind == "aerial" else None
    eye_height = plan.camera_height_m
    if subject is not None and zone.kind == "interior" and _is_animal(scene, subject):
        eye_height = min(eye_height, _animal_top(scene, subject) + ANIMAL_EYE_RISE_M)  # level with the animal
    for attempt in range(10):
        stream = [plan.seed & ((1 << 63) - 1), _CAMERA_STREAM, attempt] + ([variant] if variant else [])
        rng = np.random.default_rng(stream)
        if zone.kind == "aerial":
            height = min(max(plan.camera_height_m, zone.lo[2]), zone.hi[2])
            eyes, targets = _aerial(
                zone, focus, plan.camera_motion, times, height, rng, 40.0 * attempt, aerial_subject, variant
            )
        else:
            eyes, targets = _walk(zone, focus, plan.camera_motion, times, eye_height, rng, attempt, subjects, variant)
        gaps = clearance(scene, eyes, times)
        worst = float(gaps.min())
        if worst >= need:
            fov = math.radians(FOV_DEG[zone.kind])
            # re-planned again, or about an animal (small beside the shot's scenery): a longer lens where it is far
            if subject is not None and (variant >= 2 or _is_animal(scene, subject)):
                size = 2 * aerial_subject[1] if aerial_subject is not None else _subject_size(scene, subject)
                animal = aerial_subject is None and _is_animal(scene, subject)
                if animal:  # a long, low animal (a snake) spans the frame yet covers little: frame its face-on area
                    face = _subject_size(scene, subject, face=True)
                    size = min(size, SUBJECT_SPAN * math.sqrt(face / ANIMAL_FRAME_SHARE))
                reach = float(np.median(np.linalg.norm(targets - eyes, axis=1)))
                if size > 0 and reach > (1.5 if animal else 3.0):
                    wanted = 2 * math.atan(size / (2 * span * reach))
                    fov = min(max(wanted, math.radians(ANIMAL_MIN_FOV_DEG if animal else MIN_FOV_DEG)), fov)
            if zone.kind != "aerial":
                targets, fov = eye_level(eyes, targets, fov, math.radians(FOV_DEG[zone.kind]))
            fx = settings.width / 2 / math.tan(fov / 2)
            return CameraPath(
                motion=plan.camera_motion,
                zone=zone.kind,
                width=settings.width,
                height=settings.height,
                fx=fx,
                fy=fx,
                cx=settings.width / 2,
                cy=settings.height / 2,
                fps=settings.fps,
                camera_to_world=look_at(eyes, targets),
            )
    raise SceneError(
        f"Scene {scene.sample_id}: no {plan.camera_motion} path in the {zone.kind} zone keeps {need} m from the geometry "
        f"(best attempt came within {worst:.2f} m).",
        fix="widen the generator's camera zone or lower the decor density near it",
    )
