"""Library meshes on a Warp device: one BVH per posed mesh, built once per process, and the shared arrays
of baked colours and normals the kernel reads at a hit.

A primitive of shape "mesh" names a library key; ``MeshBank.first_pose`` builds (once) the key's poses at a
level of detail and returns where they start, so consecutive indices are the poses of its cycle.
"""

from __future__ import annotations

import dataclasses
import functools
import threading

import numpy as np

from worldmill import library

LOD_FAR_PX = 56.0  # a mesh whose projected size stays below this many pixels uses the far level of detail
BLOCK_PX = 14.0  # a person below this many pixels is drawn as a box of its colour (a far crowd's spectators)
# A bank that would pass this many triangles with the next scene's new meshes first lets go of those the scene
# does not need (~20 MB of BVHs, colours and loaded poses per 100k triangles), so a worker that renders cell
# after cell holds at most this many, or one scene's own where that is more.
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
    """Posed meshes resident on one device; grows as scenes ask for new keys, and is cut back to one scene's
    (``keeping``) when it would grow past its budget."""

    def __init__(self, wp, device):
        self.wp = wp
        self.device = device
        self.index: dict[tuple[str, int], int] = {}
        self.counts: dict[tuple[str, int], int] = {}  # poses of each key and level
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
            poses = library.unit_poses(key, lod)
            wp = self.wp
            self.index[(key, lod)] = len(self.meshes)
            self.counts[(key, lod)] = len(poses)
            for pose in poses:
                points = wp.array(pose.vertices, dtype=wp.vec3, device=self.device)
                indices = wp.array(pose.faces.reshape(-1), dtype=wp.int32, device=self.device)
                self._add(wp.Mesh(points=points, indices=indices), pose.faces.reshape(-1), pose.colors, pose.normals)
            self._packed = None
        return self.index[(key, lod)], self.counts[(key, lod)]

    def keeping(self, needed: set[tuple[str, int]]) -> MeshBank:
        """A bank of only the ``needed`` (key, level) meshes this one holds, their BVHs reused, not rebuilt."""
        kept = MeshBank(self.wp, self.device)
        for pair, start in self.index.items():
            if pair not in needed:
                continue
            kept.index[pair], kept.counts[pair] = len(kept.meshes), self.counts[pair]
            for i in range(start, start + self.counts[pair]):
                kept._add(self.meshes[i], self._faces[i], self._colors[i], self._normals[i])
        return kept

    def _add(self, mesh, faces: np.ndarray, colors: np.ndarray, normals: np.ndarray) -> None:
        self.meshes.append(mesh)
        self.triangles.append(len(faces) // 3)
        self._faces.append(faces)
        self._colors.append(colors)
        self._normals.append(normals)
        self._face_base.append(self._face_base[-1] + len(faces) // 3)
        self._vert_base.append(self._vert_base[-1] + len(colors))

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


def bank(wp, device, max_triangles: int | None = None, needed: set[tuple[str, int]] | None = None) -> MeshBank:
    """The device's bank, for one render of a scene whose meshes are ``needed`` ((key, level) pairs). When its
    triangles with the scene's new meshes would pass ``max_triangles`` (default ``BANK_MAX_TRIANGLES``), it
    first lets go of every mesh the scene does not need (and the library's loaded meshes, which reload from
    the disk cache in milliseconds), so memory stays bounded over many renders: a worker holds at most the
    budget, or one scene's own meshes where those alone pass it. Without ``needed`` a bank past the budget is
    emptied."""
    limit = BANK_MAX_TRIANGLES if max_triangles is None else max_triangles
    with _LOCK:
        name = str(device)
        current = _BANKS.get(name) or MeshBank(wp, device)
        if needed is None:
            if current.triangle_total > limit:
                library.forget()
                current = MeshBank(wp, device)
        else:
            incoming = sum(library.triangles(key, lod) * library.cycle(key)[0] for key, lod in needed
                           if (key, lod) not in current.index)  # fmt: skip
            if current.triangle_total + incoming > limit and any(pair not in needed for pair in current.index):
                library.forget()
                current = current.keeping(needed)
        _BANKS[name] = current
        return current


@functools.lru_cache(maxsize=1024)
def mean_colour(key: str) -> tuple[float, float, float]:
    """The mean baked colour of ``key``'s far model (what a block standing in for it shows)."""
    c = library.asset(key, 1).poses[0].colors.mean(axis=0)
    return float(c[0]), float(c[1]), float(c[2])


def far_lod(
    size: np.ndarray, centers: np.ndarray, velocities: np.ndarray, eyes: np.ndarray, times, fx: float,
    limit_px: float = LOD_FAR_PX,
):  # fmt: skip
    """Per primitive: 1 where its projected size stays under ``limit_px`` over the whole clip, else 0."""
    if len(size) == 0:
        return np.zeros(0, dtype=np.int64)
    reach = np.linalg.norm(size, axis=1) / 2.0
    nearest = np.full(len(size), np.inf)
    for t, eye in zip(times, eyes, strict=True):
        d = np.linalg.norm(centers + velocities * t - eye, axis=1) - reach
        nearest = np.minimum(nearest, d)
    px = fx * 2.0 * reach / np.maximum(nearest, 1e-3)
    return (px < limit_px).astype(np.int64)


def scene_triangles(scene) -> int:
    """Triangles of the scene's library meshes at full detail, one pose each (what a clip's row records)."""
    return sum(library.triangles(p.mesh) for o in scene.objects for p in o.parts if p.shape == "mesh")
