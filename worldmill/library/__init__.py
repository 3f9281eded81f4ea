"""Procedural asset library: people, animals, plants, vehicles and rides as baked-colour triangle meshes.

Every model is data plus a seed: ``asset("giraffe:3")`` builds the giraffe of variant 3 (its proportions
and markings drawn from that seed) in each pose of its cycle, once per process. A key is
``kind:variant[:style]`` (style: a wardrobe such as "winter", a pose set such as "sit"); scenes store only
keys, so ``scene.json`` stays small and the renderer rebuilds the same meshes. Nothing is downloaded: all
shapes are parametric (``worldmill.library.geometry``).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pathlib
import tempfile
import zipfile
from collections.abc import Callable

import numpy as np

from worldmill.errors import SceneError
from worldmill.library.geometry import MeshData

VERSION = "4"  # bump when any model's shape or colours change: clips record it (clips.asset_library_version)
LODS = (1.0, 0.45)  # detail of level 0 (near) and level 1 (far): segment counts scale with it

Builder = Callable[[int, str, float], list[MeshData]]


@dataclasses.dataclass(frozen=True)
class Kind:
    """One family member: how to build its poses and how fast its cycle runs at its nominal size."""

    build: Builder  # (variant, style, detail) -> meshes, one per pose
    cycle_s: float = 0.0  # seconds per pose cycle at nominal speed (0: static)
    variants: int = 8  # variants a scene draws from (each built once per process)


@dataclasses.dataclass(frozen=True)
class Asset:
    """The posed meshes of one key at one level of detail, all sharing one bounding box."""

    key: str
    poses: tuple[MeshData, ...]
    lo: np.ndarray  # float64 [3], metres, box over every pose
    hi: np.ndarray
    cycle_s: float

    @property
    def triangles(self) -> int:
        return self.poses[0].triangles


@functools.cache
def kinds() -> dict[str, Kind]:
    from worldmill.library import (
        animals,
        fittings,
        furniture,
        people,
        plants,
        props,
        rides,
        stairs,
        structures,
        vehicles,
    )

    table: dict[str, Kind] = {}
    for module in (people, animals, plants, vehicles, rides, props, fittings, stairs, furniture, structures):
        table.update(module.KINDS)
    return table


def parse_key(key: str) -> tuple[str, int, str]:
    parts = key.split(":")
    if len(parts) not in (2, 3) or parts[0] not in kinds() or not parts[1].isdigit():
        raise SceneError(
            f"Library key {key!r} is not 'kind:variant[:style]' with a known kind.",
            fix=f"use one of {sorted(kinds())} and a non-negative integer variant",
        )
    return parts[0], int(parts[1]), parts[2] if len(parts) == 3 else ""


def key(kind: str, variant: int, style: str = "") -> str:
    """The library key of ``kind`` variant ``variant`` (wrapped into the kind's variant count)."""
    n = kinds()[kind].variants
    return f"{kind}:{variant % n}" + (f":{style}" if style else "")


@functools.cache
def _cache_dir() -> pathlib.Path:
    """Where built meshes persist between processes: one folder per version of the library's source, so a
    changed builder never reads a stale mesh (like Warp's kernel cache, keyed by the code)."""
    digest = hashlib.sha256()
    for path in sorted(pathlib.Path(__file__).parent.glob("*.py")):
        digest.update(path.read_bytes())
    root = pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
    return root / "worldmill" / "library" / f"v{VERSION}-{digest.hexdigest()[:12]}"


def _build(key: str, lod: int) -> tuple[MeshData, ...]:
    """The poses of ``key``: read from the disk cache, or built and written there (atomically)."""
    kind, variant, style = parse_key(key)
    path = _cache_dir() / f"{key.replace(':', '_')}-{lod}.npz"
    try:
        with np.load(path) as data:
            n = int(data["poses"])
            return tuple(MeshData(data[f"v{i}"], data[f"f{i}"], data[f"c{i}"], data[f"n{i}"]) for i in range(n))
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):  # absent or torn: build it again
        pass
    poses = tuple(kinds()[kind].build(variant, style, LODS[lod]))
    if poses and len({len(p.vertices) for p in poses}) == 1:  # markings stay put on the skin through the cycle
        poses = tuple(dataclasses.replace(p, colors=poses[0].colors) for p in poses)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        lo, hi = _box(poses)
        arrays = {"poses": np.array(len(poses)), "lo": lo, "hi": hi, "triangles": np.array(poses[0].triangles)}
        for i, p in enumerate(poses):
            arrays.update({f"v{i}": p.vertices, f"f{i}": p.faces, f"c{i}": p.colors, f"n{i}": p.normals})
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".npz", delete=False) as tmp:
            np.savez(tmp, **arrays)
        os.replace(tmp.name, path)
    except OSError:  # a read-only home: build again next time
        pass
    return poses


@functools.lru_cache(maxsize=2048)
def asset(key: str, lod: int = 0) -> Asset:
    """The posed meshes of ``key`` (built once per machine, loaded once per process and level of detail)."""
    kind, _, _ = parse_key(key)
    spec = kinds()[kind]
    poses = _build(key, lod)
    if not poses:
        raise SceneError(f"Library kind {kind!r} built no mesh for {key!r}.", fix="fix the kind's builder")
    lo, hi = _box(poses)
    if lod:  # far meshes keep the near box, so that the primitive fits either
        near_lo, near_hi, _ = summary(key)
        lo, hi = np.minimum(lo, near_lo), np.maximum(hi, near_hi)
    return Asset(key, poses, lo, hi, spec.cycle_s)


def _box(poses) -> tuple[np.ndarray, np.ndarray]:
    lo = np.min([p.vertices.min(axis=0) for p in poses], axis=0).astype(np.float64)
    hi = np.max([p.vertices.max(axis=0) for p in poses], axis=0).astype(np.float64)
    return lo, hi


@functools.lru_cache(maxsize=4096)
def summary(key: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(lo, hi, poses) of the full-detail model: what a scene needs to place it, read from the disk cache's
    header entries without loading the meshes when it can."""
    try:
        with np.load(_cache_dir() / f"{key.replace(':', '_')}-0.npz") as data:
            return data["lo"].astype(np.float64), data["hi"].astype(np.float64), int(data["poses"])
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        a = asset(key, 0)
        return a.lo, a.hi, len(a.poses)


@functools.lru_cache(maxsize=8192)
def triangles(key: str, lod: int = 0) -> int:
    """Triangles of one pose of ``key`` at level ``lod``, read from the disk cache's header entry without
    loading the meshes when it can (a mesh bank sizes what a scene will add before it loads it)."""
    try:
        with np.load(_cache_dir() / f"{key.replace(':', '_')}-{lod}.npz") as data:
            return int(data["triangles"])
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
        return asset(key, lod).triangles


def bounds(key: str) -> tuple[np.ndarray, np.ndarray]:
    """(lo, hi) of the model in metres, over all its poses."""
    lo, hi, _ = summary(key)
    return lo, hi


def cycle(key: str) -> tuple[int, float]:
    """(poses, seconds per cycle at nominal pace; 0 for a static model)."""
    return summary(key)[2], kinds()[parse_key(key)[0]].cycle_s


def forget() -> None:
    """Drop the meshes loaded in this process (a long-lived worker bounds its memory this way; they reload
    from the disk cache in milliseconds)."""
    asset.cache_clear()
    _unit_poses.cache_clear()


def unit_poses(key: str, lod: int) -> tuple[MeshData, ...]:
    """The poses normalised into the unit box [-1, 1]^3 of the full-detail model's bounding box (normals likewise).

    A coarser level's simplified poses can stick out of that box by up to a fifth (a potted plant's leaves); the
    renderer bins each primitive into screen tiles by its box, so what sticks out would be cut at tile edges:
    those vertices are pulled onto the box."""
    return _unit_poses(key, lod)


@functools.lru_cache(maxsize=2048)
def _unit_poses(key: str, lod: int) -> tuple[MeshData, ...]:
    lo, hi = bounds(key)
    centre = (lo + hi) / 2.0
    half = np.maximum((hi - lo) / 2.0, 1e-4)
    out = []
    for p in asset(key, lod).poses:
        verts = (p.vertices - centre) / half
        if lod:
            verts = np.clip(verts, -1.0, 1.0)
        n = p.normals * half
        n /= np.maximum(np.linalg.norm(n, axis=1, keepdims=True), 1e-12)
        out.append(MeshData(verts.astype(np.float32), p.faces, p.colors, n.astype(np.float32)))
    return tuple(out)


__all__ = [
    "LODS",
    "VERSION",
    "Asset",
    "Kind",
    "asset",
    "bounds",
    "cycle",
    "key",
    "kinds",
    "parse_key",
    "summary",
    "triangles",
    "unit_poses",
]
