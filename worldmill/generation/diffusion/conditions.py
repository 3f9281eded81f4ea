"""A sample's condition files (docs/architecture.md) read into arrays that diffusion backends consume.

Backends never parse files themselves: they receive a ``ConditionSet`` so that every backend reads the same
depth scale, camera convention and control maps.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

from worldmill.errors import ConfigError, GenerationError, VideoError

MODALITIES: tuple[str, ...] = ("vis", "edge", "depth", "seg")
CONTROL_FILES: dict[str, str] = {"vis": "vis.mp4", "edge": "edge.mp4", "seg": "seg.mp4", "depth": "depth.mkv"}
CAMERA_CONVENTIONS: tuple[str, ...] = ("opencv", "opengl")
DEPTH_KINDS: tuple[str, ...] = ("z", "range")


@dataclasses.dataclass(frozen=True)
class CameraTrack:
    """Pinhole intrinsics and per-frame camera-to-world poses in the OpenCV convention (x right, y down, z forward)."""

    K: np.ndarray  # float64 [3, 3]
    camera_to_world: np.ndarray  # float64 [T, 4, 4]
    width: int
    height: int
    depth_kind: str = "z"  # "z": distance along the optical axis; "range": distance along the ray

    @property
    def frames(self) -> int:
        return int(self.camera_to_world.shape[0])

    def scaled(self, width: int, height: int) -> CameraTrack:
        """The same camera for frames resized to ``width`` x ``height``."""
        sx, sy = width / self.width, height / self.height
        K = self.K.copy()
        K[0, 0] *= sx
        K[0, 2] *= sx
        K[1, 1] *= sy
        K[1, 2] *= sy
        return dataclasses.replace(self, K=K, width=width, height=height)


def require_modalities(modalities: tuple[str, ...] | list[str]) -> None:
    """Raise unless ``modalities`` is a non-empty selection of the documented control modalities."""
    unknown = [m for m in modalities if m not in MODALITIES]
    if unknown or not modalities:
        raise ConfigError(f"modalities={list(modalities)} is invalid.", fix=f"choose one or more of {MODALITIES}")


_OPENGL_TO_OPENCV = np.diag([1.0, -1.0, -1.0, 1.0])


def parse_camera(data: dict, source: str = "camera.json") -> CameraTrack:
    """Read ``camera.json``: ``intrinsics`` {fx, fy, cx, cy, width, height} (or ``K`` 3x3 plus width/height),
    per-frame ``camera_to_world`` 4x4 list (or ``frames: [{camera_to_world}]``), optional ``convention``
    (``opencv`` default, or ``opengl``) and ``depth`` (``z`` default, or ``range``)."""
    try:
        intr = data["intrinsics"]
        if "K" in intr:
            K = np.asarray(intr["K"], dtype=np.float64)
        else:
            K = np.array([[intr["fx"], 0.0, intr["cx"]], [0.0, intr["fy"], intr["cy"]], [0.0, 0.0, 1.0]], dtype=np.float64)
        width, height = int(intr["width"]), int(intr["height"])
        if "camera_to_world" in data:
            poses = np.asarray(data["camera_to_world"], dtype=np.float64)
        else:
            poses = np.asarray([f["camera_to_world"] for f in data["frames"]], dtype=np.float64)
    except (KeyError, TypeError, ValueError) as exc:
        raise GenerationError(
            f"{source} lacks a readable field ({exc!r}).",
            fix="write intrinsics {fx, fy, cx, cy, width, height} and a per-frame 'camera_to_world' list of 4x4 matrices",
        ) from exc
    if K.shape != (3, 3) or poses.ndim != 3 or poses.shape[1:] != (4, 4) or len(poses) == 0:
        raise GenerationError(
            f"{source} has intrinsics of shape {K.shape} and poses of shape {poses.shape}.",
            fix="intrinsics must be 3x3 and camera_to_world a non-empty [T, 4, 4] list",
        )
    convention = data.get("convention", "opencv")
    if convention not in CAMERA_CONVENTIONS:
        raise GenerationError(f"{source} has convention={convention!r}.", fix=f"use one of {CAMERA_CONVENTIONS}")
    if convention == "opengl":
        poses = poses @ _OPENGL_TO_OPENCV
    depth_kind = data.get("depth", "z")
    if depth_kind not in DEPTH_KINDS:
        raise GenerationError(f"{source} has depth={depth_kind!r}.", fix=f"use one of {DEPTH_KINDS}")
    return CameraTrack(K=K, camera_to_world=poses, width=width, height=height, depth_kind=depth_kind)


@dataclasses.dataclass(frozen=True)
class ConditionSet:
    """Everything a backend reads for one sample, at one resolution, as arrays."""

    directory: Path
    prompt: str
    fps: int
    rgb: np.ndarray  # uint8 [T, H, W, 3], the procedural render (input.mp4)
    controls: dict[str, np.ndarray]  # modality -> uint8 [T, H, W, 3] control image fed to its ControlNet
    depth_m: np.ndarray  # float32 [T, H, W] metres, inf where nothing was hit (sky)
    weights: dict[str, np.ndarray]  # modality -> float32 [T, H, W] spatiotemporal control map
    camera: CameraTrack
    instance: np.ndarray | None = None  # int32 [T, H, W] instance ids when instance.mkv exists

    @property
    def frames(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[2])


def depth_control_image(depth_m: np.ndarray) -> np.ndarray:
    """Inverse depth normalised per clip to [0, 255] (near is bright, sky is black), as depth ControlNets and
    Transfer1's DepthAnything maps expect; one scale per clip keeps the control steady over time."""
    finite = np.isfinite(depth_m) & (depth_m > 0)
    disparity = np.zeros(depth_m.shape, dtype=np.float32)
    disparity[finite] = 1.0 / depth_m[finite]
    top = float(np.percentile(disparity[finite], 99.5)) if finite.any() else 1.0
    gray = np.clip(disparity / max(top, 1e-6), 0.0, 1.0)
    return np.repeat((gray * 255.0 + 0.5).astype(np.uint8)[..., None], 3, axis=-1)


def _require(path: Path) -> Path:
    if not path.is_file():
        raise GenerationError(
            f"Condition file {path} is missing.",
            fix="render the sample's conditions first (the conditions asset) or check the conditions directory",
        )
    return path


def load_conditions(directory: Path, modalities: tuple[str, ...] = MODALITIES, *, fps: int = 24) -> ConditionSet:
    """Read a sample's condition directory; ``modalities`` chooses which control videos to decode."""
    from worldmill import video
    from worldmill.render.conditions import read_depth_m

    directory = Path(directory)
    require_modalities(modalities)
    rgb = video.read_frames(_require(directory / "input.mp4"))
    depth_m = read_depth_m(directory)
    controls: dict[str, np.ndarray] = {}
    for modality in modalities:
        if modality == "depth":
            controls[modality] = depth_control_image(depth_m)
        else:
            controls[modality] = video.read_frames(_require(directory / CONTROL_FILES[modality]))
    with np.load(_require(directory / "control_weights.npz")) as npz:
        missing = [m for m in modalities if m not in npz.files]
        if missing:
            raise GenerationError(
                f"{directory / 'control_weights.npz'} has no maps for {missing} (it holds {npz.files}).",
                fix="re-render the conditions so control_weights.npz holds vis, edge, depth and seg",
            )
        weights = {m: npz[m].astype(np.float32) for m in modalities}
    camera = parse_camera(json.loads(_require(directory / "camera.json").read_text()), str(directory / "camera.json"))
    prompt_path = directory / "prompt.txt"
    prompt = prompt_path.read_text(encoding="utf-8").strip() if prompt_path.is_file() else ""
    instance = None
    if (directory / "instance.mkv").is_file():
        instance = video.read_gray16(directory / "instance.mkv").astype(np.int32)
    frames = rgb.shape[0]
    shapes = {"input.mp4": rgb.shape[:3], "depth.mkv": depth_m.shape}
    shapes.update({CONTROL_FILES[m]: c.shape[:3] for m, c in controls.items() if m != "depth"})
    shapes.update({f"control_weights.npz[{m}]": w.shape for m, w in weights.items()})
    if camera.frames != frames:
        shapes["camera.json"] = (camera.frames,) + rgb.shape[1:3]
    if len(set(shapes.values())) != 1:
        raise VideoError(
            f"Condition files in {directory} disagree in shape: {shapes}.",
            fix="re-render the sample's conditions; every control must have the input video's [T, H, W]",
        )
    if (camera.width, camera.height) != (rgb.shape[2], rgb.shape[1]):
        camera = camera.scaled(rgb.shape[2], rgb.shape[1])
    return ConditionSet(
        directory=directory,
        prompt=prompt,
        fps=fps,
        rgb=rgb,
        controls=controls,
        depth_m=depth_m,
        weights=weights,
        camera=camera,
        instance=instance,
    )
