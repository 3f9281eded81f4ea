"""Nothing is filmed still with nothing moving: a fixed camera that sees no walker, animal, vehicle or ride
in motion gets passers-by who cross its view, clear of every surface (the quality filter rejects clips
without motion, so such a shot would be rendered only to be thrown away)."""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence

import numpy as np

from worldmill.scenes import shapes
from worldmill.scenes.camera import CameraPath, clearance, sight_clear
from worldmill.scenes.model import Scene, SceneObject
from worldmill.taxonomy.classes import SemanticClasses

WALK_SPEED = 1.2  # m/s
IN_PLACE_SPEED = 0.3  # m/s: limbs of a gait, the seats of a turning ride
MOVER_FILL = 0.35  # share of its bounding square a mover's pixels cover (a walker: tall and narrow)
# A fixed camera's clip needs this expected flow (px/frame): twice the quality filter's floor (0.05)
MIN_FIXED_MOTION = 0.1
PERSON_RADIUS = 0.4  # m kept clear around a passer-by's body


def camera_is_fixed(path: CameraPath) -> bool:
    c2w = path.camera_to_world
    return bool(np.allclose(c2w, c2w[:1], atol=1e-4))


def _movers_in_sight(scene: Scene, path: CameraPath, movers, frames, min_px: float = 0.0):
    """(object, its velocity, its camera-frame centre, radius, frame) wherever an object that moves (velocity) or
    animates (a walk, gait or turn: people standing or sitting only sway) shows at least ``min_px`` tall in the
    frame with a clear line of sight to its centre."""
    times = np.arange(path.frames) / path.fps
    for o in movers:
        animated = any(p.pose_rate > 0 and not p.mesh.startswith(("person_stand", "person_sit")) for p in o.parts)
        velocity = np.asarray(o.velocity, dtype=float)
        if not animated and not velocity.any():
            continue
        centre = np.mean([p.center for p in o.parts], axis=0)
        radius = max(max(p.size) for p in o.parts) / 2
        for f in frames:
            c2w = path.camera_to_world[f]
            here = centre + velocity * times[f]
            cam = c2w[:3, :3].T @ (here - c2w[:3, 3])
            if cam[2] <= 0.5 or path.fy * 2 * radius / cam[2] < min_px or not _in_frame(path, [here], f):
                continue
            if in_sight(scene, c2w[:3, 3], here, radius, float(times[f])):
                yield o, velocity, cam, radius, f


def moving_in_view(scene: Scene, path: CameraPath, min_px: float = 8.0) -> bool:
    """True when something that moves shows at least ``min_px`` tall and in sight at some frame of the clip."""
    frames = range(0, path.frames, max(1, path.frames // 6))
    return any(True for _ in _movers_in_sight(scene, path, scene.objects, frames, min_px))


def motion_estimate(scene: Scene, path: CameraPath, movers: Sequence[SceneObject] | None = None, stride: int = 8) -> float:
    """Expected mean optical flow of a fixed camera's clip in px/frame (what the quality filter measures): over
    sampled frames, each mover in sight adds its share of the image times its speed across the image. Movers
    that only animate in place (gaits, turning rides) count at ``IN_PLACE_SPEED``. ``movers``: only these
    (default: the scene's objects), seen past the scene's surfaces."""
    frames = range(0, path.frames, max(1, stride))
    total = 0.0
    for _, velocity, cam, radius, f in _movers_in_sight(scene, path, scene.objects if movers is None else movers, frames):
        c2w = path.camera_to_world[f]
        across = np.linalg.norm((c2w[:3, :3].T @ velocity)[:2]) if velocity.any() else IN_PLACE_SPEED
        share = MOVER_FILL * (path.fx * 2 * radius / cam[2]) * (path.fy * 2 * radius / cam[2]) / (path.width * path.height)
        total += min(share, 1.0) * path.fx * max(across, IN_PLACE_SPEED) / cam[2] / path.fps
    return total / len(frames)


def in_sight(scene: Scene, eye: np.ndarray, point: np.ndarray, radius: float, t: float) -> bool:
    """Whether the segment from ``eye`` to within ``radius`` of ``point`` runs clear of every surface."""
    reach = float(np.linalg.norm(point - eye))
    count = int(min(max(reach / 0.05, 8), 600))  # every 5 cm: thin walls and panes are not stepped over
    steps = np.linspace(0.05 / max(reach, 0.05), max(0.06, 1.0 - 1.2 * radius / max(reach, 1e-6)), count)
    sight = eye + np.outer(steps, point - eye)
    return sight_clear(scene, sight, t)


def _in_frame(path: CameraPath, points, frame: int = 0) -> bool:
    """Whether every point lies more than 0.5 m ahead of ``frame``'s camera and inside its image."""
    c2w = path.camera_to_world[frame]
    cam = (np.asarray(points, dtype=float) - c2w[:3, 3]) @ c2w[:3, :3]
    if (cam[:, 2] <= 0.5).any():
        return False
    u, v = path.fx * cam[:, 0] / cam[:, 2] + path.cx, path.fy * cam[:, 1] / cam[:, 2] + path.cy
    return bool(((u >= 0) & (u < path.width) & (v >= 0) & (v < path.height)).all())


def _floor_height(scene: Scene, x: float, y: float) -> float:
    """Top of the floor slab under (x, y) indoors (0 outdoors or where none is found)."""
    if scene.ground_class_id is not None:
        return 0.0
    tops = [
        p.center[2] + p.size[2] / 2
        for o in scene.objects
        if o.class_name == "floor"
        for p in o.parts
        if abs(x - p.center[0]) <= p.size[0] / 2 and abs(y - p.center[1]) <= p.size[1] / 2
    ]
    return max(tops, default=0.0)


def liven(scene: Scene, path: CameraPath, classes: SemanticClasses, season: str, count: int = 8) -> Scene:
    """``scene`` with up to ``count`` walkers crossing a fixed camera's view when too little moves in it for
    the quality filter (``motion_estimate`` under ``MIN_FIXED_MOTION``): nearer walkers first."""
    if not camera_is_fixed(path):
        return scene
    moving = motion_estimate(scene, path)
    if moving >= MIN_FIXED_MOTION:
        return scene
    rng = np.random.default_rng(scene.seed & 0xFFFFFFFF)
    c2w = path.camera_to_world[0]
    eye = c2w[:3, 3]
    forward = c2w[:3, 2].copy()
    forward[2] = 0.0
    if np.linalg.norm(forward) < 1e-3:  # looking straight down: walk across the image's vertical
        forward = c2w[:3, 1].copy()
        forward[2] = 0.0
    forward /= np.linalg.norm(forward)
    right = np.array([forward[1], -forward[0], 0.0])
    duration = path.frames / path.fps
    half_view = math.atan(path.width / 2 / path.fx)
    times = np.linspace(0.0, duration, 6)
    added: list[SceneObject] = []
    next_id = max((o.instance_id for o in scene.objects), default=0) + 1

    def try_walker(depth: float, side: float, direction: float, slant_deg: float = 0.0) -> None:
        """Add a walker crossing the view ``depth`` m ahead, starting ``side`` (0..1 of the half view) off the
        centre (``slant_deg``: crossing at that angle, away from the camera), when it shows from head to waist
        half-way along, its trail is clear and it is in sight."""
        nonlocal next_id
        across = depth * math.tan(half_view) * 0.5
        start = eye + forward * depth + right * (-direction * side * across)
        z0 = _floor_height(scene, float(start[0]), float(start[1]))
        slant = math.radians(slant_deg)
        heading = right * direction * math.cos(slant) + forward * math.sin(slant)
        velocity = (float(heading[0] * WALK_SPEED), float(heading[1] * WALK_SPEED), 0.0)
        trail = np.array([start + heading * WALK_SPEED * t for t in times])
        middle = trail[len(trail) // 2]
        if not _in_frame(path, [middle + [0.0, 0.0, z0 - start[2] + h] for h in (1.0, 1.9)]):
            return  # below the frame of a camera high up, or beside it: it would add no motion the clip shows
        probes = np.concatenate([trail + [0.0, 0.0, z0 - start[2] + h] for h in (0.5, 1.0, 1.5)])
        if (clearance(scene, probes, np.tile(times, 3)) < PERSON_RADIUS).any():
            return
        if any(np.linalg.norm(np.asarray(o.parts[0].center[:2]) - start[:2]) < 1.5 for o in added):
            return
        chest = trail[len(trail) // 2] + [0.0, 0.0, z0 - start[2] + 1.2]
        if not in_sight(scene, eye, chest, 0.5, float(times[len(times) // 2])):
            return
        yaw = math.degrees(math.atan2(heading[1], heading[0])) - 90.0
        height = float(rng.uniform(1.55, 1.9))
        part = shapes.kit(
            "person",
            "passer-by",
            shapes.Placer(float(start[0]), float(start[1]), z0, yaw),
            (0.5, height, 0.3),
            rng,
            season=season,
            speed=WALK_SPEED,
        )
        added.append(
            SceneObject(
                next_id, classes.id("person"), "person", "pedestrian", tuple(part), velocity=velocity, salient=True
            )
        )
        next_id += 1

    if eye[2] - _floor_height(scene, float(eye[0]), float(eye[1])) > 60.0:  # aerial: walkers would be specks
        return scene
    estimated = {0: moving}  # walkers added -> expected flow (recomputed only when one is added)

    def enough() -> bool:
        if len(added) >= count:
            return True
        if len(added) not in estimated:
            estimated[len(added)] = moving + motion_estimate(scene, path, added)
        return bool(added) and estimated[len(added)] >= MIN_FIXED_MOTION

    # nearer trails first (a near walker moves more pixels); straight across, then slanting past whatever
    # stands near the camera (beds, cases, stalls)
    for depth, slant, side, direction in itertools.product(
        np.arange(1.5, 16.01, 0.5), (0.0, 35.0, -35.0, 60.0), (0.25, 0.6, 1.0), (1.0, -1.0)
    ):
        if enough():
            break
        try_walker(float(depth), side, direction, slant)
    if not added:
        return scene
    return dataclasses.replace(scene, objects=scene.objects + tuple(added))
