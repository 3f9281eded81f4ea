"""Keyframe diffusion + geometry-aware propagation: the lightweight path to temporally consistent footage.

Our conditions come from a known scene, so every pixel's depth and every camera pose are exact. We diffuse only
keyframes and carry their appearance to the other frames by reprojection: each target pixel is lifted with its
own depth, moved into a keyframe's camera and sampled there if the keyframe sees the same surface (its depth
agrees). Pixels no keyframe sees (disocclusions) are filled by inpainting or by diffusing that frame.

Geometry runs in torch (float64 coordinates), so the same code runs on CPU and GPU.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import cv2
import numpy as np
import torch

from worldmill.errors import ConfigError, GenerationError
from worldmill.generation.base import GeneratedClip, GenerationRequest, Generator
from worldmill.generation.diffusion.conditions import CameraTrack, ConditionSet

HOLE_FILLS: tuple[str, ...] = ("inpaint", "diffuse")
SNAP = 1e-6  # sample coordinates this close to a pixel centre are taken as that centre (exact static copies)


@dataclasses.dataclass(frozen=True)
class PropagationSettings:
    keyframe_interval: int = 8  # at most this many frames from one keyframe to the next
    max_hole_fraction: float = 0.05  # start the next keyframe earlier if a frame would have more uncovered pixels
    depth_tolerance: float = 0.02  # relative depth disagreement that still counts as the same surface
    hole_fill: str = "inpaint"  # "inpaint" (OpenCV Telea) or "diffuse" (diffuse the frame, take its hole pixels)
    diffuse_min_hole_fraction: float = 0.01  # with hole_fill="diffuse": smaller holes are inpainted instead
    neighbours: int = 4  # keyframes (nearest in time first) that may cover a frame

    def __post_init__(self) -> None:
        if self.keyframe_interval < 1:
            raise ConfigError(f"keyframe_interval={self.keyframe_interval} must be >= 1.", fix="use 1 (every frame) or more")
        if not 0 <= self.max_hole_fraction <= 1:
            raise ConfigError(f"max_hole_fraction={self.max_hole_fraction} is outside [0, 1].", fix="use e.g. 0.05")
        if self.depth_tolerance <= 0:
            raise ConfigError(f"depth_tolerance={self.depth_tolerance} must be > 0.", fix="use e.g. 0.02 (2 %)")
        if self.hole_fill not in HOLE_FILLS:
            raise ConfigError(f"hole_fill={self.hole_fill!r} is not supported.", fix=f"use one of {HOLE_FILLS}")
        if self.neighbours < 1:
            raise ConfigError(f"neighbours={self.neighbours} must be >= 1.", fix="use 2 or more")


# ---------------------------------------------------------------------------------------------------------
# geometry
# ---------------------------------------------------------------------------------------------------------
def _pixel_rays(K: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Camera-space rays with z = 1 through pixel centres, [H, W, 3] float64."""
    v, u = torch.meshgrid(
        torch.arange(height, dtype=torch.float64, device=K.device) + 0.5,
        torch.arange(width, dtype=torch.float64, device=K.device) + 0.5,
        indexing="ij",
    )
    pix = torch.stack([u, v, torch.ones_like(u)], dim=-1)
    return pix @ torch.linalg.inv(K).T


def z_depth(depth: np.ndarray, camera: CameraTrack) -> np.ndarray:
    """Depth along the optical axis; converts ray-length depth when the camera says ``range``."""
    if camera.depth_kind == "z":
        return depth
    rays = _pixel_rays(torch.from_numpy(camera.K), depth.shape[-2], depth.shape[-1]).norm(dim=-1).numpy()
    return (depth / rays).astype(np.float32)


@dataclasses.dataclass
class _Frame:
    """One frame prepared for warping: image (float), z-depth and pose on the compute device."""

    image: torch.Tensor | None  # [H, W, C] float64
    depth: torch.Tensor  # [H, W] float64, inf = nothing hit
    pose: torch.Tensor  # [4, 4] camera-to-world
    ids: torch.Tensor | None = None  # [H, W] instance ids


def reproject(
    source: _Frame,
    target_depth: torch.Tensor,
    target_pose: torch.Tensor,
    K: torch.Tensor,
    *,
    depth_tolerance: float,
    target_ids: torch.Tensor | None = None,
    rays: torch.Tensor | None = None,
) -> tuple[torch.Tensor | None, torch.Tensor]:
    """Backward-warp ``source`` into the target view: (image [H, W, C] or None, valid [H, W] bool).

    Each of the four bilinear taps counts only if the source sees the same surface there (depth within
    ``depth_tolerance``, relative; both infinite for sky; same instance id when ids are given); weights of the
    taps that count are renormalised, so object edges stay sharp instead of mixing foreground and background.
    """
    height, width = target_depth.shape
    rays = _pixel_rays(K, height, width) if rays is None else rays
    finite = torch.isfinite(target_depth)
    scale = torch.where(finite, target_depth, torch.ones_like(target_depth))
    points = rays * scale[..., None]  # camera space; for sky a direction
    R_t, c_t = target_pose[:3, :3], target_pose[:3, 3]
    R_s, c_s = source.pose[:3, :3], source.pose[:3, 3]
    world = points @ R_t.T + torch.where(finite[..., None], c_t, torch.zeros_like(c_t))
    in_source = (world - torch.where(finite[..., None], c_s, torch.zeros_like(c_s))) @ R_s  # R_s^T x
    z = in_source[..., 2]
    ahead = z > 1e-9
    proj = in_source @ K.T
    safe_z = torch.where(ahead, z, torch.ones_like(z))
    x = proj[..., 0] / safe_z - 0.5  # continuous pixel index
    y = proj[..., 1] / safe_z - 0.5
    x = torch.where((x - x.round()).abs() < SNAP, x.round(), x)
    y = torch.where((y - y.round()).abs() < SNAP, y.round(), y)
    x0, y0 = torch.floor(x), torch.floor(y)
    fx, fy = x - x0, y - y0
    accum_w = torch.zeros_like(x)
    accum_c = None if source.image is None else torch.zeros((height, width, source.image.shape[-1]), dtype=torch.float64, device=x.device)
    for dy, dx, w in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)), (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):
        xi, yi = x0 + dx, y0 + dy
        inside = ahead & (xi >= 0) & (xi <= width - 1) & (yi >= 0) & (yi <= height - 1) & (w > 0)
        xi_l = xi.clamp(0, width - 1).long()
        yi_l = yi.clamp(0, height - 1).long()
        src_depth = source.depth[yi_l, xi_l]
        src_finite = torch.isfinite(src_depth)
        same = torch.where(
            finite,
            src_finite & ((src_depth - z).abs() <= depth_tolerance * z.abs()),
            ~src_finite,
        )
        if target_ids is not None and source.ids is not None:
            same = same & (source.ids[yi_l, xi_l] == target_ids)
        tap = torch.where(inside & same, w, torch.zeros_like(w))
        accum_w = accum_w + tap
        if accum_c is not None:
            accum_c = accum_c + tap[..., None] * source.image[yi_l, xi_l]
    valid = accum_w > 1e-6
    if accum_c is None:
        return None, valid
    image = torch.where(valid[..., None], accum_c / accum_w.clamp_min(1e-12)[..., None], torch.zeros_like(accum_c))
    return image, valid


class _Scene:
    """Depth, poses and ids of one clip on one device, with cached pixel rays."""

    def __init__(self, depth: np.ndarray, camera: CameraTrack, ids: np.ndarray | None, device: torch.device | str = "cpu"):
        if depth.shape[0] != camera.frames:
            raise GenerationError(
                f"Depth has {depth.shape[0]} frames but the camera has {camera.frames} poses.",
                fix="pass the depth and camera.json of the same sample",
            )
        self.device = torch.device(device)
        self.depth = torch.from_numpy(z_depth(depth, camera).astype(np.float64)).to(self.device)
        self.poses = torch.from_numpy(camera.camera_to_world).to(self.device)
        self.ids = None if ids is None else torch.from_numpy(ids.astype(np.int64)).to(self.device)
        self.K = torch.from_numpy(camera.K).to(self.device)
        self.rays = _pixel_rays(self.K, depth.shape[1], depth.shape[2])

    def frame(self, t: int, image: np.ndarray | torch.Tensor | None = None) -> _Frame:
        if image is not None and not torch.is_tensor(image):
            image = torch.from_numpy(np.asarray(image)).to(self.device, torch.float64)
        return _Frame(image, self.depth[t], self.poses[t], None if self.ids is None else self.ids[t])

    def warp(self, source_t: int, image, target_t: int, depth_tolerance: float) -> tuple[torch.Tensor | None, torch.Tensor]:
        return reproject(
            self.frame(source_t, image),
            self.depth[target_t],
            self.poses[target_t],
            self.K,
            depth_tolerance=depth_tolerance,
            target_ids=None if self.ids is None else self.ids[target_t],
            rays=self.rays,
        )


# ---------------------------------------------------------------------------------------------------------
# keyframes and propagation
# ---------------------------------------------------------------------------------------------------------
SELECTION_MAX_SIDE = 160  # keyframe selection checks coverage on depth subsampled to about this size


def _subsampled(depth: np.ndarray, camera: CameraTrack, ids: np.ndarray | None) -> tuple[np.ndarray, CameraTrack, np.ndarray | None]:
    step = max(1, int(np.ceil(max(depth.shape[1:]) / SELECTION_MAX_SIDE)))
    if step == 1:
        return depth, camera, ids
    small = depth[:, step // 2 :: step, step // 2 :: step]
    # pixel centres of the kept samples sit at (i * step + step // 2 + 0.5): shift and scale the intrinsics
    K = camera.K.copy()
    offset = step // 2 + 0.5 - 0.5 * step
    K[0, 2] = (K[0, 2] - offset) / step
    K[1, 2] = (K[1, 2] - offset) / step
    K[0, 0] /= step
    K[1, 1] /= step
    cam = dataclasses.replace(camera, K=K, width=small.shape[2], height=small.shape[1])
    return small, cam, None if ids is None else ids[:, step // 2 :: step, step // 2 :: step]


def select_keyframes(depth: np.ndarray, camera: CameraTrack, settings: PropagationSettings, ids: np.ndarray | None = None, *, device="cpu") -> list[int]:
    """Geometry-aware keyframes: from each keyframe k, the next is the furthest n (at most
    ``keyframe_interval`` on) such that every frame between them is covered by k and n together except for at
    most ``max_hole_fraction`` of its pixels. The first and last frames are keyframes. Coverage is checked on
    subsampled depth, which is cheap and close enough for choosing."""
    depth, camera, ids = _subsampled(depth, camera, ids)
    scene = _Scene(depth, camera, ids, device)
    frames = depth.shape[0]
    masks: dict[tuple[int, int], torch.Tensor] = {}

    def seen(source: int, target: int) -> torch.Tensor:
        if (source, target) not in masks:
            masks[(source, target)] = scene.warp(source, None, target, settings.depth_tolerance)[1]
        return masks[(source, target)]

    keys = [0]
    while keys[-1] < frames - 1:
        k = keys[-1]
        chosen = k + 1
        for n in range(min(k + settings.keyframe_interval, frames - 1), k + 1, -1):
            if all(1.0 - float((seen(k, t) | seen(n, t)).double().mean()) <= settings.max_hole_fraction for t in range(k + 1, n)):
                chosen = n
                break
        keys.append(chosen)
    return keys


@dataclasses.dataclass(frozen=True)
class PropagationResult:
    frames: np.ndarray  # uint8 [T, H, W, 3]
    keyframes: tuple[int, ...]
    hole_fraction: np.ndarray  # float [T], pixels no keyframe covered
    filled_by_diffusion: tuple[int, ...]  # frames whose holes were diffused


FrameDiffuser = Callable[[Sequence[int]], np.ndarray]  # frame indices -> uint8 [N, H, W, 3]


def propagate(
    keyframe_images: Mapping[int, np.ndarray],
    depth: np.ndarray,
    camera: CameraTrack,
    settings: PropagationSettings = PropagationSettings(),
    *,
    ids: np.ndarray | None = None,
    diffuse_frames: FrameDiffuser | None = None,
    device: torch.device | str = "cpu",
) -> PropagationResult:
    """Fill every frame from the keyframes: keyframes are copied, others blended from the keyframes that see
    each pixel (weights falling with temporal distance), and the rest filled per ``settings.hole_fill``."""
    if not keyframe_images:
        raise GenerationError("No keyframes to propagate from.", fix="diffuse at least one keyframe")
    scene = _Scene(depth, camera, ids, device)
    frames, height, width = depth.shape
    keys = sorted(keyframe_images)
    images = {k: torch.from_numpy(np.asarray(keyframe_images[k])).to(scene.device, torch.float64) for k in keys}
    out = np.empty((frames, height, width, 3), np.uint8)
    holes = np.zeros(frames, np.float64)
    hole_masks: dict[int, np.ndarray] = {}
    for t in range(frames):
        if t in images:
            out[t] = images[t].round().clamp(0, 255).to(torch.uint8).cpu().numpy()
            continue
        order = sorted(keys, key=lambda k: (abs(k - t), k))[: settings.neighbours]
        total = torch.zeros((height, width, 3), dtype=torch.float64, device=scene.device)
        weight = torch.zeros((height, width), dtype=torch.float64, device=scene.device)
        covered = torch.zeros((height, width), dtype=torch.bool, device=scene.device)
        for rank, k in enumerate(order):
            warped, valid = scene.warp(k, images[k], t, settings.depth_tolerance)
            if rank < 2:  # the two nearest keyframes blend by temporal distance
                w = valid.double() / (abs(k - t) + 1e-9)
            else:  # further keyframes only fill what nearer ones left uncovered
                w = (valid & ~covered).double() * 1e-6
            total += w[..., None] * warped
            weight += w
            covered |= valid
        frame = torch.where(covered[..., None], total / weight.clamp_min(1e-300)[..., None], torch.zeros_like(total))
        out[t] = frame.round().clamp(0, 255).to(torch.uint8).cpu().numpy()
        mask = (~covered).cpu().numpy()
        holes[t] = mask.mean()
        if mask.any():
            hole_masks[t] = mask
    diffused: list[int] = []
    if settings.hole_fill == "diffuse" and diffuse_frames is not None:
        diffused = sorted(t for t, m in hole_masks.items() if m.mean() >= settings.diffuse_min_hole_fraction)
        if diffused:
            fills = diffuse_frames(diffused)
            for t, fill in zip(diffused, fills, strict=True):
                mask = hole_masks.pop(t)
                out[t][mask] = fill[mask]
    for t, mask in hole_masks.items():
        out[t] = cv2.inpaint(out[t], mask.astype(np.uint8), 3, cv2.INPAINT_TELEA)
    return PropagationResult(out, tuple(keys), holes, tuple(diffused))


def warping_error(frames: np.ndarray, depth: np.ndarray, camera: CameraTrack, *, ids: np.ndarray | None = None,
                  depth_tolerance: float = 0.02, device: torch.device | str = "cpu") -> float:
    """Temporal consistency: mean absolute difference (0..255) between each frame and the next frame warped
    into it with the exact geometry, over pixels both frames see. Lower is steadier."""
    if frames.shape[0] < 2:
        return 0.0
    scene = _Scene(depth, camera, ids, device)
    errors, counts = 0.0, 0
    for t in range(frames.shape[0] - 1):
        warped, valid = scene.warp(t + 1, frames[t + 1], t, depth_tolerance)
        current = torch.from_numpy(frames[t]).to(scene.device, torch.float64)
        diff = (warped - current).abs().mean(dim=-1)[valid]
        errors += float(diff.sum())
        counts += int(valid.sum())
    return errors / max(counts, 1)


# ---------------------------------------------------------------------------------------------------------
# the backend
# ---------------------------------------------------------------------------------------------------------
class KeyframeDiffuser(Protocol):
    """What the keyframe backend needs from an image backend (``SDMultiControlGenerator`` provides it)."""

    name: str
    denoising_steps: int

    def load(self) -> None: ...

    def diffuse(self, conditions: ConditionSet, frame_indices: Sequence[int], seed: int) -> np.ndarray: ...


@dataclasses.dataclass(frozen=True)
class KeyframeStats:
    frames: int
    keyframes: tuple[int, ...]
    diffused_frames: int
    denoising_steps: int
    steps_per_output_frame: float
    mean_hole_fraction: float
    seconds_diffusion: float
    seconds_propagation: float


def keyframe_video(
    diffuser: KeyframeDiffuser,
    conditions: ConditionSet,
    seed: int,
    settings: PropagationSettings = PropagationSettings(),
    *,
    device: torch.device | str = "cpu",
) -> tuple[np.ndarray, KeyframeStats]:
    """Select keyframes from geometry, diffuse them, propagate to every frame."""
    t0 = time.perf_counter()
    keys = select_keyframes(conditions.depth_m, conditions.camera, settings, conditions.instance, device=device)
    steps_before = diffuser.denoising_steps
    t1 = time.perf_counter()
    key_images = diffuser.diffuse(conditions, keys, seed)
    t2 = time.perf_counter()
    result = propagate(
        dict(zip(keys, key_images, strict=True)),
        conditions.depth_m,
        conditions.camera,
        settings,
        ids=conditions.instance,
        diffuse_frames=lambda idx: diffuser.diffuse(conditions, idx, seed),
        device=device,
    )
    t3 = time.perf_counter()
    steps = diffuser.denoising_steps - steps_before
    stats = KeyframeStats(
        frames=conditions.frames,
        keyframes=result.keyframes,
        diffused_frames=len(keys) + len(result.filled_by_diffusion),
        denoising_steps=steps,
        steps_per_output_frame=steps / conditions.frames,
        mean_hole_fraction=float(result.hole_fraction.mean()),
        seconds_diffusion=(t2 - t1),
        seconds_propagation=(t1 - t0) + (t3 - t2),
    )
    return result.frames, stats


class KeyframeGenerator(Generator):
    """``sd-keyframe``: multi-ControlNet SD on keyframes only, reprojected to the other frames."""
    uses_device = True

    name = "sd-keyframe"
    version = "1"

    def __init__(self, diffuser: KeyframeDiffuser | None = None, propagation: PropagationSettings | None = None, **config: Any):
        from worldmill.generation.diffusion.sd_multicontrol import SDMultiControlConfig, SDMultiControlGenerator

        fields = {f.name for f in dataclasses.fields(PropagationSettings)}
        prop_kwargs = {k: config.pop(k) for k in list(config) if k in fields}
        self.propagation = propagation or PropagationSettings(**prop_kwargs)
        self.diffuser = diffuser or SDMultiControlGenerator(SDMultiControlConfig.from_kwargs(**config))
        self.last_stats: KeyframeStats | None = None

    def load(self) -> None:
        self.diffuser.load()

    def generate(self, request: GenerationRequest) -> GeneratedClip:
        from worldmill.generation.diffusion.common import finish_clip
        from worldmill.generation.diffusion.conditions import load_conditions

        started = time.perf_counter()
        self.load()
        modalities = getattr(getattr(self.diffuser, "config", None), "modalities", None)
        conditions = load_conditions(request.conditions_dir, *( (modalities,) if modalities else ()), fps=request.settings.fps)
        from worldmill.generation.diffusion.prompt_upsampler import maybe_upsample

        upsampler = getattr(getattr(self.diffuser, "config", None), "prompt_upsampler_dir", None)
        conditions = dataclasses.replace(conditions, prompt=maybe_upsample(request.prompt or conditions.prompt, request.seed, upsampler))
        device = getattr(getattr(self.diffuser, "pipe", None), "_execution_device", "cpu")
        frames, stats = keyframe_video(self.diffuser, conditions, request.seed, self.propagation, device=device)
        self.last_stats = stats
        guardrail = getattr(getattr(self.diffuser, "config", None), "guardrail", "auto")
        clip, _ = finish_clip(
            request,
            frames,
            request.settings.fps,
            guardrail_mode=guardrail,
            guardrail_dir=getattr(getattr(self.diffuser, "config", None), "guardrail_dir", None),
            seconds=time.perf_counter() - started,
            report_fields={
                "backend": self.name,
                "version": self.version,
                "diffused_frames": stats.diffused_frames,
                "denoising_steps": stats.denoising_steps,
                "steps_per_output_frame": stats.steps_per_output_frame,
                "device": str(device),
                "extra": {
                    "keyframes": list(stats.keyframes),
                    "mean_hole_fraction": stats.mean_hole_fraction,
                    "seconds_diffusion": stats.seconds_diffusion,
                    "seconds_propagation": stats.seconds_propagation,
                    "image_backend": self.diffuser.name,
                },
            },
        )
        return clip
