"""A small analytic scene written as a condition directory in the documented format.

Tests and the benchmark need conditions with exact depth and poses without waiting for the renderer: a room
(floor, three walls, open sky above) with a box in it, ray-cast in numpy, textured so motion is visible.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np

from worldmill.generation.diffusion.conditions import CameraTrack
from worldmill.schemas.plan import RenderSettings, ScenePlan

SMALL = RenderSettings(width=32, height=32, frames=6, fps=24)
MOTIONS: tuple[str, ...] = ("static", "dolly", "truck", "pan")
# class id -> (name, colour); instance id = class id here (one object per class)
SURFACES = {0: ("sky", (70, 130, 180)), 1: ("floor", (128, 64, 128)), 2: ("wall", (102, 102, 156)), 3: ("box", (220, 20, 60))}
WALL_TOP, FLOOR_Y, BACK_Z, SIDE_X = -2.0, 1.5, 9.0, 3.0
BOX_MIN, BOX_MAX = np.array([-0.8, 0.2, 4.0]), np.array([0.8, FLOOR_Y, 5.6])


@dataclasses.dataclass(frozen=True)
class SyntheticClip:
    directory: Path
    settings: RenderSettings
    plan: ScenePlan
    prompt: str
    rgb: np.ndarray  # uint8 [T, H, W, 3]
    depth_m: np.ndarray  # float32 [T, H, W], inf for sky (before mm quantisation)
    seg: np.ndarray  # uint8 [T, H, W] class ids
    camera: CameraTrack


def synthetic_plan(sample_id: str = "synthetic-0__zoo__r00000-000", seed: int = 7) -> ScenePlan:
    return ScenePlan(
        sample_id=sample_id, seed=seed, cell_key="synthetic-0__zoo", city_key="synthetic-0", city_name="Synthetic",
        country="Nowhere", venue="zoo", venue_name="Zoo", archetype="zoo", space="enclosure", indoor=False,
        time_of_day="noon", sun_elevation_deg=60.0, sun_azimuth_deg=180.0, weather="clear", season="summer",
        camera_motion="dolly", camera_height_m=1.6, architecture_style="modern", driving_side="right",
        language="en", script="Latn", signage_text="ZOO", colour_grade="natural", people_density=0.0,
        vehicle_density=0.0, decor=(),
    )


def _poses(motion: str, frames: int) -> np.ndarray:
    poses = np.tile(np.eye(4), (frames, 1, 1))
    for t in range(frames):
        s = t / max(frames - 1, 1)
        if motion == "dolly":
            poses[t, 2, 3] = 1.2 * s
        elif motion == "truck":
            poses[t, 0, 3] = -0.6 + 1.2 * s
        elif motion == "pan":
            a = np.deg2rad(-8 + 16 * s)
            poses[t, :3, :3] = [[np.cos(a), 0, np.sin(a)], [0, 1, 0], [-np.sin(a), 0, np.cos(a)]]
    return poses


def _cast(origin: np.ndarray, dirs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Nearest hit parameter t (dirs have camera z = 1, so t is z-depth) and class id per ray."""
    n = dirs.shape[0]
    best_t = np.full(n, np.inf)
    best_c = np.zeros(n, np.uint8)
    with np.errstate(divide="ignore", invalid="ignore"):
        def consider(t, ok, cls):
            ok = ok & (t > 1e-6) & (t < best_t)
            best_t[ok] = t[ok]
            best_c[ok] = cls

        t = (FLOOR_Y - origin[1]) / dirs[:, 1]
        p = origin + t[:, None] * dirs
        consider(t, (np.abs(p[:, 0]) <= SIDE_X) & (p[:, 2] <= BACK_Z), 1)
        t = (BACK_Z - origin[2]) / dirs[:, 2]
        p = origin + t[:, None] * dirs
        consider(t, (np.abs(p[:, 0]) <= SIDE_X) & (p[:, 1] >= WALL_TOP) & (p[:, 1] <= FLOOR_Y), 2)
        for x in (-SIDE_X, SIDE_X):
            t = (x - origin[0]) / dirs[:, 0]
            p = origin + t[:, None] * dirs
            consider(t, (p[:, 1] >= WALL_TOP) & (p[:, 1] <= FLOOR_Y) & (p[:, 2] <= BACK_Z), 2)
        t0 = (BOX_MIN - origin) / dirs
        t1 = (BOX_MAX - origin) / dirs
        near = np.nanmax(np.minimum(t0, t1), axis=1)
        far = np.nanmin(np.maximum(t0, t1), axis=1)
        consider(near, near <= far, 3)
    return best_t, best_c


def _texture(points: np.ndarray, cls: np.ndarray) -> np.ndarray:
    base = np.array([SURFACES[c][1] for c in range(4)], np.float32)[cls]
    checker = (np.floor(points[:, 0] * 2) + np.floor(points[:, 1] * 2) + np.floor(points[:, 2] * 2)) % 2
    shade = np.where(cls == 0, 1.0, 0.65 + 0.35 * checker)
    return np.clip(base * shade[:, None], 0, 255)


def render_synthetic(settings: RenderSettings, motion: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, CameraTrack]:
    w, h, frames = settings.width, settings.height, settings.frames
    f = 0.9 * w
    K = np.array([[f, 0, w / 2], [0, f, h / 2], [0, 0, 1.0]])
    poses = _poses(motion, frames)
    u, v = np.meshgrid(np.arange(w) + 0.5, np.arange(h) + 0.5)
    pix = np.stack([u.ravel(), v.ravel(), np.ones(u.size)], axis=1)
    cam_dirs = pix @ np.linalg.inv(K).T  # z = 1
    rgb = np.zeros((frames, h, w, 3), np.uint8)
    depth = np.zeros((frames, h, w), np.float32)
    seg = np.zeros((frames, h, w), np.uint8)
    for t in range(frames):
        R, origin = poses[t, :3, :3], poses[t, :3, 3]
        dirs = cam_dirs @ R.T
        hit_t, cls = _cast(origin, dirs)
        points = origin + np.where(np.isfinite(hit_t), hit_t, 0.0)[:, None] * dirs
        rgb[t] = _texture(points, cls).reshape(h, w, 3).astype(np.uint8)
        depth[t] = hit_t.reshape(h, w)
        seg[t] = cls.reshape(h, w)
    camera = CameraTrack(K=K, camera_to_world=poses, width=w, height=h)
    return rgb, depth, seg, camera


def write_synthetic_conditions(
    directory: Path,
    settings: RenderSettings = SMALL,
    motion: str = "dolly",
    prompt: str = "a sunlit zoo enclosure with a red crate on a purple floor",
) -> SyntheticClip:
    """Write input.mp4, depth.mkv (FFV1, unit in camera.json), seg.mp4, instance.mkv, edge.mp4, vis.mp4,
    control_weights.npz, camera.json, plan.json, scene.json and prompt.txt for one synthetic sample."""
    from worldmill import video
    from worldmill.render.conditions import choose_depth_unit, depth_camera_fields, encode_depth

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rgb, depth, seg, camera = render_synthetic(settings, motion)
    palette = np.array([SURFACES[c][1] for c in range(4)], np.uint8)
    depth_unit_m = choose_depth_unit(depth)
    edges = np.stack([cv2.Canny(f, 60, 120) for f in rgb])
    vis = np.stack([cv2.bilateralFilter(f, 5, 50, 5) for f in rgb])
    foreground = (seg == 3).astype(np.float32)
    weights = {
        "vis": 0.5 * foreground,
        "edge": 0.5 * foreground,
        "depth": 0.5 * (1 - foreground),
        "seg": 0.5 * (1 - foreground),
    }
    video.write_rgb(directory / "input.mp4", rgb, settings.fps)
    video.write_gray16(directory / "depth.mkv", encode_depth(depth, depth_unit_m), settings.fps)
    video.write_gray16(directory / "instance.mkv", seg.astype(np.uint16), settings.fps)
    video.write_rgb(directory / "seg.mp4", palette[seg], settings.fps)
    video.write_rgb(directory / "edge.mp4", np.repeat(edges[..., None], 3, axis=-1), settings.fps)
    video.write_rgb(directory / "vis.mp4", vis, settings.fps)
    np.savez(directory / "control_weights.npz", **{k: v.astype(np.float16) for k, v in weights.items()})
    camera_json = {
        "intrinsics": {"fx": camera.K[0, 0], "fy": camera.K[1, 1], "cx": camera.K[0, 2], "cy": camera.K[1, 2],
                       "width": settings.width, "height": settings.height},
        "camera_to_world": camera.camera_to_world.tolist(),
        "convention": "opencv",
        "depth": "z",
        "motion": motion,
        **depth_camera_fields(depth_unit_m),
    }
    (directory / "camera.json").write_text(json.dumps(camera_json))
    plan = synthetic_plan()
    (directory / "plan.json").write_text(plan.to_json())
    (directory / "scene.json").write_text(json.dumps({"objects": [{"class": SURFACES[c][0], "instance": c} for c in range(1, 4)]}))
    (directory / "prompt.txt").write_text(prompt)
    return SyntheticClip(directory, settings, plan, prompt, rgb, depth, seg, camera)
