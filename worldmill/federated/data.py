"""A site's shard of training data: its accepted clips, decoded to 64×64 frame pairs with camera actions.

Data locality is enforced here: every URI the shard opens is checked to lie under the site's own root
(``FederationError`` otherwise) and recorded in ``opened``, so a ClientApp can prove what it read.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from worldmill.errors import ConfigError, FederationError, SceneError, StorageError
from worldmill.lake.uris import is_local, normalise_root, redact_uri, validate_key

log = logging.getLogger(__name__)

SHARD_TABLE = "catalogue"  # the published index: one row per clip with its curation verdict
FOOTAGE_PREFIX = "footage"  # clip files live under {site root}/footage (docs/architecture.md)
SHARD_COLUMNS = ("clip_id", "cell_key", "venue", "time_of_day", "uri", "rgb_path")
MAX_ACTION = 10.0


def stratum_key(cell_key: str, time_of_day: str) -> str:
    """A stratum is a cell (city × venue) at a time of day: ``{cell_key}@{time_of_day}``."""
    return f"{cell_key}@{time_of_day}"


def split_stratum(stratum: str) -> tuple[str, str]:
    cell_key, _, time_of_day = stratum.rpartition("@")
    if not cell_key or not time_of_day:
        raise ConfigError(f"Stratum {stratum!r} is not 'cell_key@time_of_day'.", fix="build it with stratum_key().")
    return cell_key, time_of_day


@dataclasses.dataclass(frozen=True)
class ShardClip:
    """One accepted clip of the site, with the URIs of its footage and camera path."""

    clip_id: str
    cell_key: str
    venue: str
    time_of_day: str
    sample_uri: str
    rgb_key: str  # blob key under the site's footage store

    @property
    def stratum(self) -> str:
        return stratum_key(self.cell_key, self.time_of_day)

    @property
    def city_key(self) -> str:
        return self.cell_key.split("__", 1)[0]

    @property
    def camera_key(self) -> str:
        """``{venue}/{city_key}/{sample_id}/camera.json``: the sample's directory holds the camera path."""
        parts = self.rgb_key.split("/")
        if len(parts) < 3:
            raise FederationError(
                f"Clip {self.clip_id!r} has rgb_path {self.rgb_key!r}, "
                "which is not '{sample key}/{generator}/rgb.mp4'.",
                fix="re-publish the clip through the footage job so rgb_path follows the lake layout.",
            )
        return "/".join(parts[:-2] + ["camera.json"])


@dataclasses.dataclass(frozen=True)
class SplitPlan:
    """Which clips train and which are held out; strata seen in one clip hold out its last transitions."""

    train: tuple[ShardClip, ...]
    val: tuple[ShardClip, ...]
    temporal: tuple[ShardClip, ...]  # single-clip strata: early transitions train, late ones validate


def holdout_rank(clip_id: str) -> int:
    """A stable pseudo-random rank: the same clip is held out in every round and every model version."""
    return int.from_bytes(hashlib.blake2b(clip_id.encode(), digest_size=8).digest(), "big")


def split_clips(clips: Iterable[ShardClip], val_fraction: float) -> SplitPlan:
    """Per stratum, hold out ``ceil(n·val_fraction)`` clips (at least one, never all of them)."""
    if not 0 < val_fraction < 1:
        raise ConfigError(f"val_fraction={val_fraction} is outside (0, 1).", fix="use e.g. 0.25.")
    by_stratum: dict[str, list[ShardClip]] = {}
    for clip in clips:
        by_stratum.setdefault(clip.stratum, []).append(clip)
    train: list[ShardClip] = []
    val: list[ShardClip] = []
    temporal: list[ShardClip] = []
    for stratum in sorted(by_stratum):
        members = sorted(by_stratum[stratum], key=lambda c: (holdout_rank(c.clip_id), c.clip_id))
        if len(members) == 1:
            temporal.extend(members)
            continue
        n_val = min(len(members) - 1, max(1, math.ceil(len(members) * val_fraction)))
        val.extend(members[:n_val])
        train.extend(members[n_val:])
    return SplitPlan(tuple(train), tuple(val), tuple(temporal))


# -- camera actions ----------------------------------------------------------------------------------------


def rotation_vector(rotation: np.ndarray) -> np.ndarray:
    """Axis-angle vector (radians) of a 3x3 rotation matrix."""
    cos = np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0)
    angle = float(np.arccos(cos))
    skew = np.array([rotation[2, 1] - rotation[1, 2], rotation[0, 2] - rotation[2, 0], rotation[1, 0] - rotation[0, 1]])
    if angle < 1e-6:
        return skew / 2.0
    return skew * (angle / (2.0 * math.sin(angle))) if math.sin(angle) > 1e-6 else skew / 2.0


def camera_actions(poses: np.ndarray) -> np.ndarray:
    """The action between frames t and t+1: relative translation (in the frame-t camera) and rotation,
    float32 [T-1, 6], clipped to ±MAX_ACTION so one bad pose cannot blow up training."""
    relative = np.linalg.inv(poses[:-1]) @ poses[1:]
    actions = np.stack([np.concatenate([rel[:3, 3], rotation_vector(rel[:3, :3])]) for rel in relative])
    return np.clip(actions, -MAX_ACTION, MAX_ACTION).astype(np.float32)


def square_resize(frames: np.ndarray, size: int) -> np.ndarray:
    """Centre-crop to square and resize (area filter) uint8 [T, H, W, 3] → [T, size, size, 3]."""
    import cv2

    _, h, w, _ = frames.shape
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    frames = frames[:, top : top + side, left : left + side]
    if side == size:
        return np.ascontiguousarray(frames)
    return np.stack([cv2.resize(f, (size, size), interpolation=cv2.INTER_AREA) for f in frames])


# -- the shard ---------------------------------------------------------------------------------------------


class SiteShard:
    """The accepted clips of one site, read only from under that site's root."""

    def __init__(self, site: Any, env: Mapping[str, str] | None = None):
        self.site = site
        self.storage = site.storage(env)
        self.root = self.storage.root_uri
        self.catalogue = self.storage.catalogue()
        self.opened: list[str] = []
        self.catalogue_version: int | None = None
        self._footage: Any = None

    def __repr__(self) -> str:
        return f"SiteShard({self.site.name!r}, {redact_uri(self.root)!r})"

    # locality ----------------------------------------------------------------------------------------
    def check_local(self, uri: str) -> str:
        """The normalised URI if it lies under this site's root; a ``FederationError`` otherwise."""
        target = normalise_root(uri)
        if is_local(self.root):
            inside = is_local(target) and Path(target).resolve().is_relative_to(Path(self.root).resolve())
        else:
            inside = target == self.root or target.startswith(self.root.rstrip("/") + "/")
        if not inside:
            raise FederationError(
                f"Data locality: site {self.site.name!r} may read only under {redact_uri(self.root)}, "
                f"but was asked to open {redact_uri(target)}.",
                fix="the site's catalogue must list only clips stored on that site; replicate footage instead "
                "of pointing rows at another site's storage.",
            )
        return target

    def _opening(self, uri: str) -> str:
        target = self.check_local(uri)
        self.opened.append(target)
        return target

    # catalogue -----------------------------------------------------------------------------------------
    def accepted_clips(self) -> list[ShardClip]:
        """Accepted (curated, deduplicated) clips of the site's published catalogue."""
        table_uri = self._opening(self.catalogue.table_uri(SHARD_TABLE))
        if not self.catalogue.exists(SHARD_TABLE):
            raise FederationError(
                f"Site {self.site.name!r} has no {SHARD_TABLE!r} table at {redact_uri(table_uri)}.",
                fix="run the footage job (through the catalogue asset) on this site before federating.",
            )
        self.catalogue_version = self.catalogue.version(SHARD_TABLE)
        frame = self.catalogue.read(SHARD_TABLE, columns=list(SHARD_COLUMNS), where="accepted")
        clips = []
        for row in frame.sort("clip_id").to_dicts():
            self.check_local(row["uri"])
            clips.append(
                ShardClip(
                    row["clip_id"], row["cell_key"], row["venue"], row["time_of_day"], row["uri"], row["rgb_path"]
                )
            )
        if not clips:
            raise FederationError(
                f"Site {self.site.name!r} has no accepted clips in {redact_uri(table_uri)}.",
                fix="generate and curate footage on this site first, or leave it out of the federation.",
            )
        return clips

    # footage -------------------------------------------------------------------------------------------
    def local_path(self, key: str) -> Path:
        """A local path for a footage key (for object stores, a cached download), after the locality check."""
        if self._footage is None:
            self._footage = self.storage.blob_store(FOOTAGE_PREFIX)
        self._opening(self._footage.uri(validate_key(key)))
        try:
            return self._footage.open_local(key)
        except StorageError as exc:
            raise FederationError(f"Site {self.site.name!r}: {exc.message}", fix=exc.fix) from exc

    def load_clip(self, clip: ShardClip, size: int, frame_stride: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """uint8 frames [T, 3, size, size] and float32 actions [T-1, 6] of one clip."""
        from worldmill.scenes.camera import CameraPath
        from worldmill.video import read_frames

        frames = read_frames(self.local_path(clip.rgb_key))
        camera_file = self.local_path(clip.camera_key)
        try:
            poses = CameraPath.from_json(camera_file.read_text(encoding="utf-8")).camera_to_world
        except SceneError as exc:
            raise SceneError(f"{camera_file}: {exc.message}", fix=exc.fix) from exc
        if poses.ndim != 3 or poses.shape[1:] != (4, 4):
            raise SceneError(
                f"{camera_file} holds camera_to_world of shape {poses.shape}, expected [T, 4, 4].",
                fix="re-render the sample's conditions (camera.json is written by CameraPath.to_json()).",
            )
        count = min(len(frames), len(poses))
        if count != len(frames) or count != len(poses):
            log.warning(
                "%s: %d frames but %d camera poses; using the first %d", clip.clip_id, len(frames), len(poses), count
            )
        frames, poses = frames[:count:frame_stride], poses[:count:frame_stride]
        if len(frames) < 2:
            raise FederationError(
                f"Clip {clip.clip_id!r} has {len(frames)} usable frame(s) at stride {frame_stride}.",
                fix="use a smaller frame_stride or longer clips.",
            )
        frames = square_resize(frames, size).transpose(0, 3, 1, 2)
        return np.ascontiguousarray(frames), camera_actions(poses)


@dataclasses.dataclass
class ShardData:
    """What a ClientApp trains and evaluates on, with the counts reported for lineage."""

    train: Any  # model.Transitions
    val: Any  # model.Transitions
    train_clips: int
    val_clips: int
    catalogue_version: int | None
    val_clip_counts: dict[str, int]  # per stratum: clips held out whole (0 for temporal hold-out)


def load_shard(shard: SiteShard, size: int, val_fraction: float, frame_stride: int = 1) -> ShardData:
    """Read the site's accepted clips and turn them into train and held-out transitions."""
    import torch

    from worldmill.federated.model import Transitions

    plan = split_clips(shard.accepted_clips(), val_fraction)

    def transitions(clip: ShardClip, frames: np.ndarray, actions: np.ndarray) -> Transitions:
        return Transitions(
            torch.from_numpy(frames[:-1].copy()),
            torch.from_numpy(frames[1:].copy()),
            torch.from_numpy(actions),
            torch.zeros(len(actions), dtype=torch.int64),
            [clip.stratum],
        )

    train_parts: list[Transitions] = []
    val_parts: list[Transitions] = []
    for clip in plan.train:
        train_parts.append(transitions(clip, *shard.load_clip(clip, size, frame_stride)))
    for clip in plan.val:
        val_parts.append(transitions(clip, *shard.load_clip(clip, size, frame_stride)))
    for clip in plan.temporal:
        frames, actions = shard.load_clip(clip, size, frame_stride)
        n_val = min(len(actions) - 1, max(1, math.ceil(len(actions) * val_fraction))) if len(actions) > 1 else 0
        cut = len(actions) - n_val
        if cut > 0:
            train_parts.append(transitions(clip, frames[: cut + 1], actions[:cut]))
        if n_val > 0:
            val_parts.append(transitions(clip, frames[cut:], actions[cut:]))
    val_counts: dict[str, int] = {}
    for clip in plan.val:
        val_counts[clip.stratum] = val_counts.get(clip.stratum, 0) + 1
    for clip in plan.temporal:
        val_counts.setdefault(clip.stratum, 0)
    return ShardData(
        train=Transitions.concat(train_parts, size),
        val=Transitions.concat(val_parts, size),
        train_clips=len(plan.train) + len(plan.temporal),
        val_clips=len(plan.val),
        catalogue_version=shard.catalogue_version,
        val_clip_counts=val_counts,
    )


def write_access_log(path: str | Path, site: str, uris: Sequence[str]) -> None:
    """Append what a ClientApp opened (one JSON line per URI) for locality audits."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        handle.writelines(json.dumps({"site": site, "uri": uri}) + "\n" for uri in uris)
