"""Library meshes on a Warp device: one BVH per posed mesh, built once per process, and the shared arrays
of baked colours and normals the kernel reads at a hit.

A primitive of shape "mesh" names a library key; ``MeshBank.first_pose`` builds (once) the key's poses at a
level of detail and returns where they start, so consecutive indices are the poses of its cycle.
"""

from __future__ import annotations

import dataclasses
import functools
import threading
from collections.abc import Sequence

import numpy as np

from worldmill import library

LOD_FAR_PX = 56.0  # a mesh whose projected size stays below this many pixels uses the far level of detail
# A bank past this many triangles is emptied before the next render: ~20 MB of BVHs, colours and loaded poses
# per 100k triangles, and one scene needs at most ~300k, so a worker that renders cell after cell stays bounded.
BANK_MAX_TRIANGLES = 600_000


@dataclasses.dataclass
class _Packed:
    ids: object
    face_base: object
    vert_base: object
    faces: object
    colors: object
    normals: object


class MeshBank:
    """Posed meshes resident on one device; grows as scenes ask for new keys, never shrinks."""

    def __init__(self, wp, device):
        self.wp = wp
        self.device = device
        self.index: dict[tuple[str, int], int] = {}
        self.poses: dict[tuple[str, int], int] = {}
        self.meshes: list[object] = []
        self.triangles: list[int] = []
        self._faces: list[np.ndarray] = []
        self._colors: list[np.ndarray] = []
        self._normals: list[np.ndarray] = []
        self._face_base = [0]
        self._vert_base = [0]
        self._packed: _Packed | None = None

    @property
    def triangle_total(self) -> int:
        return self._face_base[-1]

    def first_pose(self, key: str, lod: int) -> tuple[int, int]:
        """(index of the key's first posed mesh, number of poses) at level of detail ``lod``."""
        if (key, lod) not in self.index:
            wp = self.wp
            poses = library.unit_poses(key, lod)
            self.index[(key, lod)] = len(self.meshes)
            self.poses[(key, lod)] = len(poses)
            for pose in poses:
                points = wp.array(pose.vertices, dtype=wp.vec3, device=self.device)
                indices = wp.array(pose.faces.reshape(-1), dtype=wp.int32, device=self.device)
                self._add(wp.Mesh(points=points, indices=indices), pose.faces.reshape(-1), pose.colors, pose.normals)
            self._packed = None
        return self.index[(key, lod)], self.poses[(key, lod)]

    def _add(self, mesh, faces: np.ndarray, colors: np.ndarray, normals: np.ndarray) -> None:
        self.meshes.append(mesh)
        self.triangles.append(len(faces) // 3)
        self._faces.append(faces)
        self._colors.append(colors)
        self._normals.append(normals)
        self._face_base.append(self._face_base[-1] + len(faces) // 3)
        self._vert_base.append(self._vert_base[-1] + len(colors))

    def adopt(self, other: MeshBank, key: str, lod: int) -> None:
        """Take ``other``'s posed meshes of ``key`` at ``lod`` as they are (no reload, no new BVH)."""
        if (key, lod) in self.index or (key, lod) not in other.index:
            return
        first, count = other.index[(key, lod)], other.poses[(key, lod)]
        self.index[(key, lod)] = len(self.meshes)
        self.poses[(key, lod)] = count
        for i in range(first, first + count):
            self._add(other.meshes[i], other._faces[i], other._colors[i], other._normals[i])
        self._packed = None

    def packed(self) -> _Packed:
        """The kernel's shared arrays (rebuilt only after new meshes were added)."""
        if self._packed is None:
            wp, dev = self.wp, self.device
            if self.meshes:
                ids = np.array([m.id for m in self.meshes], dtype=np.uint64)
                faces = np.concatenate(self._faces).astype(np.int32)
                colors = np.concatenate(self._colors).astype(np.float32)
                normals = np.concatenate(self._normals).astype(np.float32)
            else:  # the kernel wants non-empty arrays even when no primitive is a mesh
                ids, faces = np.zeros(1, np.uint64), np.zeros(3, np.int32)
                colors = normals = np.zeros((1, 3), np.float32)
            self._packed = _Packed(
                ids=wp.array(ids, dtype=wp.uint64, device=dev),
                face_base=wp.array(np.asarray(self._face_base, np.int32), dtype=wp.int32, device=dev),
                vert_base=wp.array(np.asarray(self._vert_base, np.int32), dtype=wp.int32, device=dev),
                faces=wp.array(faces, dtype=wp.int32, device=dev),
                colors=wp.array(colors, dtype=wp.vec3, device=dev),
                normals=wp.array(normals, dtype=wp.vec3, device=dev),
            )
        return self._packed


_BANKS: dict[str, MeshBank] = {}
_LOCK = threading.Lock()


def bank(wp, device, max_triangles: int | None = None, needed: Sequence[tuple[str, int]] = ()) -> MeshBank:
    """The device's bank, for one render: emptied first (with the library's loaded meshes) once it holds more
    than ``max_triangles`` (default ``BANK_MAX_TRIANGLES``), so memory stays bounded over many renders. The
    ``needed`` (key, level of detail) pairs of the render stay (a clip's check renders and final render share
    them instead of reloading them from disk)."""
    limit = BANK_MAX_TRIANGLES if max_triangles is None else max_triangles
    with _LOCK:
        name = str(device)
        current = _BANKS.get(name)
        if current is None or current.triangle_total > limit:
            fresh = MeshBank(wp, device)
            if current is not None:
                for key, lod in dict.fromkeys(needed):
                    fresh.adopt(current, key, lod)
                library.forget()
            _BANKS[name] = fresh
        return _BANKS[name]


def far_lod(size: np.ndarray, centers: np.ndarray, velocities: np.ndarray, eyes: np.ndarray, times, fx: float):
    """Per primitive: 1 where its projected size stays under ``LOD_FAR_PX`` over the whole clip, else 0."""
    if len(size) == 0:
        return np.zeros(0, dtype=np.int64)
    reach = np.linalg.norm(size, axis=1) / 2.0
    nearest = np.full(len(size), np.inf)
    for t, eye in zip(times, eyes, strict=True):
        d = np.linalg.norm(centers + velocities * t - eye, axis=1) - reach
        nearest = np.minimum(nearest, d)
    px = fx * 2.0 * reach / np.maximum(nearest, 1e-3)
    return (px < LOD_FAR_PX).astype(np.int64)


def scene_triangles(scene) -> int:
    """Triangles of the scene's library meshes at full detail, one pose each (what a clip's row records)."""
    return sum(_full_triangles(p.mesh) for o in scene.objects for p in o.parts if p.shape == "mesh")


@functools.lru_cache(maxsize=4096)
def _full_triangles(key: str) -> int:
    """A count per key, kept when the bank and the library drop their meshes (it would reload them from disk)."""
    return library.asset(key).triangles
