"""Write a sample's condition files (docs/architecture.md) atomically, and build preview contact sheets.

Everything goes into a temporary sibling folder that is renamed into place at the end, so a reader sees
either the complete set of a sample's files or none of them.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import zipfile
from pathlib import Path

import cv2
import numpy as np

from worldmill import video
from worldmill.errors import RenderError, VideoError
from worldmill.render.controls import MODALITIES, control_maps, edge_frame, vis_frame
from worldmill.render.raycast import RenderPasses
from worldmill.scenes.camera import CameraPath
from worldmill.scenes.model import Scene
from worldmill.schemas.plan import ScenePlan
from worldmill.taxonomy.classes import SemanticClasses

DEPTH_UNITS_M = (0.001, 0.01, 0.1, 1.0)  # the steps depth.mkv may store, finest first; camera.json names the one used
DEPTH_NO_HIT = 0  # sky
DEPTH_SATURATED = 65535  # beyond the range of the sample's unit (65534 steps)
DEPTH_COVERED_PERCENTILE = 99.0  # the share of a sample's hit pixels its unit must be able to store
CONDITION_FILES = (
    "input.mp4",
    "depth.mkv",
    "depth.mp4",
    "seg.mp4",
    "instance.mkv",
    "edge.mp4",
    "vis.mp4",
    "control_weights.npz",
    "camera.json",
    "scene.json",
    "plan.json",
)
# x264 settings of the H.264 condition videos. The footage itself keeps `superfast`; the derived control
# videos use `ultrafast`, which on 512² frames takes ~40 % less encode time for ~1.2–1.6× the bytes of files
# that are small anyway. Both presets give the same bytes for the same frames (no mb-tree).
H264_SETTINGS: dict[str, dict[str, int | str]] = {
    "input.mp4": {"crf": 16, "preset": "superfast"},
    "depth.mp4": {"crf": 20, "preset": "ultrafast"},
    "seg.mp4": {"crf": 12, "preset": "ultrafast"},
    "edge.mp4": {"crf": 16, "preset": "ultrafast"},
    "vis.mp4": {"crf": 20, "preset": "ultrafast"},
}


def _hit_sample(depth_m: np.ndarray) -> np.ndarray:
    """A fixed subsample of the finite depths: percentiles of a clip without sorting all of it."""
    sample = np.asarray(depth_m, dtype=np.float32).reshape(-1)[::7]
    return sample[np.isfinite(sample) & (sample > 0)]


def choose_depth_unit(depth_m: np.ndarray) -> float:
    """The finest of ``DEPTH_UNITS_M`` whose range holds the 99th percentile of the sample's hit depths.

    Not the farthest hit: on aerial shots the ground plane runs to the horizon, hundreds of km away in a sliver
    of pixels, and covering it would coarsen the step for everything else. Those few pixels saturate and read
    back as unknown, like sky. Street-level samples keep millimetres, as before.
    """
    hits = _hit_sample(depth_m)
    far = float(np.percentile(hits, DEPTH_COVERED_PERCENTILE)) if hits.size else 0.0
    return next((unit for unit in DEPTH_UNITS_M if far <= unit * (DEPTH_SATURATED - 1)), DEPTH_UNITS_M[-1])


def encode_depth(depth_m: np.ndarray, unit_m: float) -> np.ndarray:
    """uint16 steps of ``unit_m``; 0 where nothing was hit, 65535 from 65534.5 steps on (a valid hit is never 0)."""
    steps = np.divide(depth_m, unit_m)  # in place from here on: one temporary per frame, not four
    np.rint(steps, out=steps)
    np.clip(steps, 1, DEPTH_SATURATED, out=steps)
    steps[~np.isfinite(depth_m)] = DEPTH_NO_HIT
    return steps.astype(np.uint16)


def decode_depth(steps: np.ndarray, unit_m: float) -> np.ndarray:
    """float32 metres; no hit (sky) and saturated pixels become inf: unknown to metrics, and for reprojection
    a point that far moves like one at infinity (rotation only)."""
    far = (steps == DEPTH_NO_HIT) | (steps == DEPTH_SATURATED)
    return np.where(far, np.inf, steps.astype(np.float32) * np.float32(unit_m)).astype(np.float32)


def depth_camera_fields(unit_m: float) -> dict[str, float | int]:
    """The ``camera.json`` entries that say how to read ``depth.mkv``."""
    return {"depth_unit_m": unit_m, "depth_no_hit": DEPTH_NO_HIT, "depth_saturated": DEPTH_SATURATED}


def read_depth_m(sample_dir: Path, *, first: int | None = None) -> np.ndarray:
    """A sample's metric depth, float32 [T, H, W], from ``depth.mkv`` in the unit its ``camera.json`` records;
    inf where nothing was hit or the depth is beyond the unit's range (``first``: only that many frames are
    decoded). The one reader of ``depth.mkv``."""
    sample_dir = Path(sample_dir)
    depth_path, camera_path = sample_dir / "depth.mkv", sample_dir / "camera.json"
    for path in (depth_path, camera_path):
        if not path.is_file():
            raise VideoError(
                f"Condition file {path} is missing.",
                fix="re-render the sample's conditions (the conditions asset writes depth.mkv and camera.json together)",
            )
    try:
        unit_m = json.loads(camera_path.read_text(encoding="utf-8")).get("depth_unit_m")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError) as exc:
        raise VideoError(f"{camera_path} is not a JSON object: {exc}.", fix="re-render the sample's conditions") from exc
    if isinstance(unit_m, bool) or not isinstance(unit_m, (int, float)) or not 0 < unit_m < float("inf"):
        raise VideoError(
            f"{camera_path} has depth_unit_m={unit_m!r}; depth.mkv cannot be read without a positive unit in metres.",
            fix="re-render the sample's conditions, or add the unit depth.mkv was written in (e.g. 0.001 for millimetres)",
        )
    return decode_depth(video.read_gray16(depth_path, first=first), float(unit_m))


def depth_scale(depth_m: np.ndarray) -> tuple[float, float]:
    """Inverse-depth range of a clip (1st and 99.5th percentiles of a subsample): one scale keeps colours steady."""
    sample = _hit_sample(depth_m)
    if not sample.size:
        return 0.0, 1.0
    disparity = 1.0 / sample
    return float(np.percentile(disparity, 1.0)), float(np.percentile(disparity, 99.5))


_TURBO = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None], cv2.COLORMAP_TURBO)[
    :, 0, ::-1
].copy()  # RGB lookup table


def depth_colours(depth_m: np.ndarray, scale: tuple[float, float] | None = None) -> np.ndarray:
    """Viewable depth: inverse depth normalised per clip (near bright), turbo colour map, sky black. uint8 [..., 3]."""
    depth_m = np.asarray(depth_m, dtype=np.float32)
    lo, hi = depth_scale(depth_m) if scale is None else scale
    with np.errstate(divide="ignore", invalid="ignore"):  # sky and missing depth are masked below
        disparity = np.divide(np.float32(1.0), depth_m)  # sky (inf) → 0, no depth (0) → inf
        valid = (disparity > 0) & np.isfinite(disparity)
        x = np.subtract(disparity, lo, out=disparity)  # in place: one temporary per frame, not five
        np.divide(x, max(hi - lo, 1e-9), out=x)
        np.clip(x, 0.0, 1.0, out=x)
        np.multiply(x, 255.0, out=x)
        np.add(x, 0.5, out=x)
        gray = x.astype(np.uint8)
    if gray.size == 0:
        return _TURBO[gray]
    rows = gray.reshape(-1, gray.shape[-1]) if gray.ndim >= 2 else gray.reshape(1, -1)
    coloured = cv2.LUT(cv2.merge((rows, rows, rows)), _TURBO[None])  # beats a gather
    # OpenCV's masked copy into a new image (cleared first): black where invalid, a third faster than `[~valid] = 0`
    coloured = cv2.bitwise_and(coloured, coloured, mask=valid.reshape(rows.shape).view(np.uint8))
    return coloured.reshape(gray.shape + (3,))


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """An ``np.load``-able .npz with fast deflate (level 1): control maps are flat regions and compress well anyway."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, array in arrays.items():
            with archive.open(f"{name}.npy", "w", force_zip64=True) as handle:
                np.lib.format.write_array(handle, np.ascontiguousarray(array), allow_pickle=False)


def _publish(temp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` with ``temp`` by renames (an old folder is moved aside, then removed)."""
    old = None
    if out_dir.exists():
        old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(out_dir, old)
    os.replace(temp, out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _write_videos(
    folder: Path, passes: RenderPasses, classes: SemanticClasses, fps: int, threads: int, depth_unit_m: float
) -> None:
    """Every condition video, derived frame by frame so that no second copy of the clip is held in memory."""
    T, H, W = passes.seg.shape
    scale = depth_scale(passes.depth)
    with (
        video.rgb_writer(folder / "input.mp4", W, H, fps, threads=threads, **H264_SETTINGS["input.mp4"]) as rgb_out,
        video.gray16_writer(folder / "depth.mkv", W, H, fps, threads=threads) as depth_out,
        video.rgb_writer(folder / "depth.mp4", W, H, fps, threads=threads, **H264_SETTINGS["depth.mp4"]) as depth_view,
        video.rgb_writer(folder / "seg.mp4", W, H, fps, threads=threads, **H264_SETTINGS["seg.mp4"]) as seg_out,
        video.gray16_writer(folder / "instance.mkv", W, H, fps, threads=threads) as instance_out,
        video.rgb_writer(folder / "edge.mp4", W, H, fps, threads=threads, **H264_SETTINGS["edge.mp4"]) as edge_out,
        video.rgb_writer(folder / "vis.mp4", W, H, fps, threads=threads, **H264_SETTINGS["vis.mp4"]) as vis_out,
    ):
        for t in range(T):
            frame = passes.rgb[t]
            rgb_out.write(frame)
            depth_out.write(encode_depth(passes.depth[t], depth_unit_m))
            depth_view.write(depth_colours(passes.depth[t], scale))
            seg_out.write(classes.colorize(passes.seg[t]))
            instance_out.write(passes.instance[t].astype(np.uint16))
            edge_out.write(edge_frame(frame))
            vis_out.write(vis_frame(frame))


def write_conditions(
    out_dir: Path,
    scene: Scene,
    path: CameraPath,
    plan: ScenePlan,
    passes: RenderPasses,
    classes: SemanticClasses,
    fps: int,
    *,
    prompt: str | None = None,
    encode_threads: int = 1,
    weights: np.ndarray | None = None,
) -> dict[str, Path]:
    """Write the condition files of one sample into ``out_dir`` (replacing it); returns file name → path.

    ``weights`` overrides the default spatiotemporal control maps (float [4, T, H, W], vis/edge/depth/seg).
    Encoders run single-threaded by default so that the files are byte-identical however many workers render.
    """
    out_dir = Path(out_dir)
    if passes.instance.max(initial=0) > 65535:
        raise RenderError(
            f"Sample {plan.sample_id} has instance ids above 65535.",
            fix="instance.mkv is 16-bit; lower the object count",
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temp = out_dir.with_name(f".{out_dir.name}.tmp-{uuid.uuid4().hex[:8]}")
    temp.mkdir()
    try:
        depth_unit_m = choose_depth_unit(passes.depth)
        _write_videos(temp, passes, classes, fps, encode_threads, depth_unit_m)
        maps = control_maps(passes, dtype=np.float16) if weights is None else np.asarray(weights, dtype=np.float32)
        if maps.shape != (len(MODALITIES),) + passes.seg.shape:
            raise RenderError(
                f"Control weights have shape {maps.shape}, expected {(len(MODALITIES),) + passes.seg.shape}.",
                fix="pass [4, T, H, W] maps",
            )
        halves = {m: maps[i].astype(np.float16, copy=False) for i, m in enumerate(MODALITIES)}  # no copy: float16
        write_npz(temp / "control_weights.npz", halves)
        camera = path.to_dict()
        camera.update(sample_id=plan.sample_id, **depth_camera_fields(depth_unit_m))
        (temp / "camera.json").write_text(json.dumps(camera, separators=(",", ":")), encoding="utf-8")
        (temp / "scene.json").write_text(scene.to_json(), encoding="utf-8")
        (temp / "plan.json").write_text(plan.to_json(), encoding="utf-8")
        if prompt is not None:
            (temp / "prompt.txt").write_text(prompt.rstrip("\n") + "\n", encoding="utf-8")
        _publish(temp, out_dir)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return {p.name: p for p in sorted(out_dir.iterdir()) if p.is_file()}


def _as_rgb(frames: np.ndarray) -> np.ndarray:
    frames = np.asarray(frames)
    if frames.ndim == 3:
        frames = np.repeat(frames[..., None], 3, axis=-1)
    if frames.dtype != np.uint8:
        raise RenderError(f"Contact sheet input has dtype {frames.dtype}, expected uint8.", fix="pass uint8 frames")
    return frames


def sheet_frames(count: int, frames: int = 4) -> list[int]:
    """The indices of the frames a contact sheet of a ``count``-frame clip shows: ``frames`` evenly spaced."""
    return np.unique(np.linspace(0, count - 1, max(1, frames)).round().astype(int)).tolist()


def contact_sheet(
    rgb: np.ndarray, depth: np.ndarray, seg_rgb: np.ndarray, edge: np.ndarray, vis_rgb: np.ndarray, frames: int = 4
) -> np.ndarray:
    """uint8 image: one row per sampled frame, columns RGB | depth | seg | edge | vis.

    ``depth`` may be metres (float; 0 or inf where nothing was hit) or an already coloured uint8 video.
    """
    rgb = _as_rgb(rgb)
    depth = np.asarray(depth)
    depth_rgb = _as_rgb(depth) if depth.dtype == np.uint8 else depth_colours(np.where(depth > 0, depth, np.inf))
    columns = [rgb, depth_rgb, _as_rgb(seg_rgb), _as_rgb(edge), _as_rgb(vis_rgb)]
    count = min(c.shape[0] for c in columns)
    if count == 0 or len({c.shape[1:] for c in columns}) != 1:
        raise RenderError(
            f"Contact sheet inputs disagree: shapes {[c.shape for c in columns]}.",
            fix="pass videos of the same size with frames",
        )
    picks = sheet_frames(count, frames)
    return np.concatenate([np.concatenate([c[i] for c in columns], axis=1) for i in picks], axis=0)
