"""Camera paths: pinhole intrinsics and per-frame camera-to-world poses (OpenCV: x right, y down, z forward).

Each motion is a smooth closed-form curve inside one of the scene's free zones. Every path is checked
against the scene's geometry (moving objects at their per-frame positions) and lifted or shifted until the
camera keeps a clearance from every surface; a path that cannot be made clear raises ``SceneError``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

from worldmill.errors import SceneError
from worldmill.scenes.layout import parts_box
from worldmill.scenes.model import CameraZone, Scene
from worldmill.schemas.plan import CAMERA_MOTIONS, RenderSettings, ScenePlan

FOV_DEG = {"aerial": 60.0, "ground": 65.0, "interior": 75.0}
CLEARANCE_M = {"aerial": 8.0, "ground": 0.4, "interior": 0.3}
MAX_TURN_DEG_S = 24.0  # fastest a camera tracking a subject may turn
_CAMERA_STREAM = 0x43414D  # keeps the camera's random stream apart from the scene's


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


def _primitive_set(scene: Scene) -> _PrimitiveSet:
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


def clearance(scene: Scene, points: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Lower bound of the distance (m) from each point to the nearest surface at its time; negative inside.

    Exact for boxes; for ellipsoids and elliptic cylinders the distance in the unit shape times the smallest
    radius, which never overestimates. The ground plane counts for outdoor scenes.
    """
    prims = _primitive_set(scene)
    out = np.full(len(points), np.inf)
    if scene.ground_class_id is not None:
        out = points[:, 2].copy()
    if len(prims.center) == 0:
        return out
    for i, (p, t) in enumerate(zip(points, times, strict=True)):
        out[i] = min(out[i], float(_surface_distances(prims, p, t).min()))
    return out


def _surface_distances(prims: _PrimitiveSet, p: np.ndarray, t: float) -> np.ndarray:
    """Lower bound of the distance from point ``p`` at time ``t`` to each primitive (negative inside)."""
    q = np.einsum("nji,nj->ni", prims.rot, p - (prims.center + prims.velocity * t))  # local coordinates
    h = np.maximum(prims.half, 1e-6)
    dist = np.empty(len(q))
    box = prims.shape == 0
    d = np.abs(q[box]) - h[box]
    dist[box] = np.linalg.norm(np.maximum(d, 0.0), axis=1) + np.minimum(d.max(axis=1), 0.0)
    cyl = prims.shape == 1
    rmin = np.minimum(h[cyl, 0], h[cyl, 1])
    radial = (np.hypot(q[cyl, 0] / h[cyl, 0], q[cyl, 1] / h[cyl, 1]) - 1.0) * rmin
    dz = np.abs(q[cyl, 2]) - h[cyl, 2]
    dd = np.stack([radial, dz], axis=1)
    dist[cyl] = np.linalg.norm(np.maximum(dd, 0.0), axis=1) + np.minimum(dd.max(axis=1), 0.0)
    sph = prims.shape == 2
    dist[sph] = (np.linalg.norm(q[sph] / h[sph], axis=1) - 1.0) * h[sph].min(axis=1)
    return dist


# -- subjects: the decor the prompt names, which walking shots (indoors and on outdoor ground) frame -------


@dataclasses.dataclass(frozen=True)
class _Subjects:
    """Static decor objects (else other static salient ones) a camera can aim at."""

    center: np.ndarray  # [K, 3] bounding-box centres
    area: np.ndarray  # [K] m^2, a face-on area: the larger horizontal extent times the height
    index: np.ndarray  # [K] into scene.objects
    prims: _PrimitiveSet


def _subjects(scene: Scene, *, decor_only: bool = False) -> _Subjects | None:
    """Indoors, other static salient objects stand in for missing decor; outdoors (``decor_only``) they would be
    bystanders and parked cars, so a shot without static decor turns towards the venue's subject instead."""

    def pick(wanted) -> list[int]:
        # animals roam slowly (under 1.2 m/s): still worth aiming at
        return [
            i for i, o in enumerate(scene.objects) if wanted(o) and (not any(o.velocity) or o.class_name == "animal")
        ]

    chosen = pick(lambda o: o.decor is not None) or ([] if decor_only else pick(lambda o: o.salient))
    if not chosen:
        return None
    boxes = np.array([parts_box(scene.objects[i].parts) for i in chosen])
    extent = boxes[:, 3:] - boxes[:, :3]
    return _Subjects(
        center=(boxes[:, :3] + boxes[:, 3:]) / 2,
        area=np.maximum(extent[:, 0], extent[:, 1]) * extent[:, 2],
        index=np.array(chosen),
        prims=_primitive_set(scene),
    )


def _in_sight(subjects: _Subjects, k: int, eye: np.ndarray) -> bool:
    """Sphere-trace from ``eye`` towards subject ``k``: True when the first surface hit is the subject's own."""
    target = subjects.center[k]
    span = float(np.linalg.norm(target - eye))
    direction = (target - eye) / max(span, 1e-6)
    travelled = 0.0
    for _ in range(48):
        dist = _surface_distances(subjects.prims, eye + direction * travelled, 0.0)
        nearest = int(np.argmin(dist))
        if dist[nearest] < 0.05:
            return bool(subjects.prims.owner[nearest] == subjects.index[k])
        travelled += float(dist[nearest])
        if travelled >= span:
            return True
    return False


def _aim(
    subjects: _Subjects, eyes: np.ndarray, t: np.ndarray, ahead: np.ndarray | None
) -> tuple[float, np.ndarray | None]:
    """The best-framed visible subject cluster from a stretch of path: (score, aim point) or (0, None).

    Score is the apparent size (area over squared distance) of the subjects near the chosen one; with ``ahead``
    only subjects that stay within 75 degrees of it to the path's end count (walks and dollies look forward).
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
        near = ok & (np.linalg.norm(subjects.center - subjects.center[k], axis=1) < 3.0)
        w = apparent[near]
        point = (subjects.center[near] * w[:, None]).sum(axis=0) / w.sum()
        point[2] = min(max(point[2], 0.4), mid[2] + 1.0)
        bearing = np.unwrap(np.arctan2(point[1] - eyes[:, 1], point[0] - eyes[:, 0]))
        if len(t) > 1 and np.abs(np.diff(bearing) / np.diff(t)).max() > math.radians(MAX_TURN_DEG_S):
            continue  # walking past it too close: the shot would whip round
        return float(w.sum()), point
    return 0.0, None


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
):
    duration = max(float(t[-1]), 1e-3)
    target = np.array([focus[0], focus[1], min(focus[2], 0.45 * height)])
    h = height + lift
    pitch = math.radians(rng.uniform(22.0, 34.0))
    radius = max((h - target[2]) / math.tan(pitch), 120.0)
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
    direction = 1.0 if (rng.random() < 0.5) ^ (attempt >= len(offsets)) else -1.0
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
        for _ in range(7):
            other = draw_start()
            other_score, other_aim = _aim(subjects, eyes_from(other), t, forward)
            if other_score > score:
                start, score, aim = other, other_score, other_aim
        if aim is not None:
            return _framed(eyes_from(start), aim, motion, t, duration, rng)
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


def _framed(eyes: np.ndarray, aim: np.ndarray, motion: str, t: np.ndarray, duration: float, rng: np.random.Generator):
    """Eyes and targets for a walking shot that keeps ``aim`` (a decor cluster) in frame for each motion."""
    if motion == "pan":  # a sweep across the subject from a fixed spot, never losing it
        first = eyes[:1].repeat(len(t), axis=0)
        sweep = math.radians(rng.uniform(20.0, 30.0)) * rng.choice([-1.0, 1.0])
        return first, first + _rotate_z((aim - first[0])[None, :], sweep * (t / duration - 0.5))
    if motion == "static":
        first = eyes[:1].repeat(len(t), axis=0)
        return first, np.broadcast_to(aim, first.shape).copy()
    if motion == "walkthrough":  # a gentle head sway while walking past the subject
        yaw = math.radians(3.0) * np.sin(2 * math.pi * t / 4.0)
        return eyes, eyes + _rotate_z(aim[None, :] - eyes, yaw)
    return eyes, np.broadcast_to(aim, eyes.shape).copy()  # dolly, glide, orbit, flyover: track the subject


def camera_path(scene: Scene, plan: ScenePlan, settings: RenderSettings) -> CameraPath:
    """A smooth path for ``plan.camera_motion`` that keeps clear of every surface for every frame."""
    if plan.camera_motion not in CAMERA_MOTIONS:
        raise SceneError(
            f"Plan {plan.sample_id} has camera_motion={plan.camera_motion!r}.", fix=f"use one of {CAMERA_MOTIONS}"
        )
    zone = _pick_zone(scene, plan.camera_height_m)
    times = np.arange(settings.frames, dtype=np.float64) / settings.fps
    need = CLEARANCE_M[zone.kind]
    focus = np.asarray(scene.focus, dtype=np.float64)
    worst = -np.inf
    subjects = _subjects(scene, decor_only=zone.kind == "ground") if zone.kind in ("interior", "ground") else None
    for attempt in range(10):
        rng = np.random.default_rng([plan.seed & ((1 << 63) - 1), _CAMERA_STREAM, attempt])
        if zone.kind == "aerial":
            height = min(max(plan.camera_height_m, zone.lo[2]), zone.hi[2])
            eyes, targets = _aerial(zone, focus, plan.camera_motion, times, height, rng, lift=40.0 * attempt)
        else:
            eyes, targets = _walk(zone, focus, plan.camera_motion, times, plan.camera_height_m, rng, attempt, subjects)
        gaps = clearance(scene, eyes, times)
        worst = float(gaps.min())
        if worst >= need:
            fov = math.radians(FOV_DEG[zone.kind])
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
