"""What a clip shows: per instance and per frame, the share of the image each scene object covers in the
render's own instance pass, and the one rule that says what counts as seen.

Prompts, captions, the ``visibility`` table and the benchmarks all read this measurement, so the words
written about a clip and the pixels in it agree: an instance is visible when it covers at least
``VISIBLE_COVERAGE`` of the image in at least one frame, and a kind (a decor name such as "giraffe", or an
object label such as "pedestrian") is named with the number of its visible instances.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from worldmill.errors import SceneError
from worldmill.scenes.model import Scene, SceneObject
from worldmill.schemas.records import PromptRow, VisibilityRow

VISIBLE_COVERAGE = 0.005  # an instance is seen when it covers >= 0.5 % of the image in at least one frame
SUBJECT_COVERAGE = 0.02  # the lead subject "reads" in a frame when its instances cover >= 2 % of the image
SUBJECT_FRAME_SHARE = 0.8  # ... in at least this share of the clip's frames
VISIBILITY_FILE = "visibility.json"  # written into each sample's condition set


def object_kind(obj: SceneObject) -> str:
    """The name a prompt uses for an object: its decor choice when it realises one, else its label."""
    return obj.decor or obj.label


@dataclasses.dataclass(frozen=True)
class KindVisibility:
    """One kind of object in one clip: how many were planned, how many are seen, how large and how long."""

    kind: str
    class_name: str
    decor: bool  # a decor choice of the plan
    planned: int  # instances in the scene
    instance_ids: tuple[int, ...]  # the visible ones, most covered first
    moving: int  # visible instances that move
    coverage_max: float  # largest share of a frame covered by the kind's instances together
    coverage_mean: float  # mean share over the clip's frames (its prominence)
    frames_visible: int  # frames in which the kind covers >= VISIBLE_COVERAGE
    frames_subject: int  # frames in which the kind covers >= SUBJECT_COVERAGE

    @property
    def visible(self) -> int:
        return len(self.instance_ids)


@dataclasses.dataclass(frozen=True)
class Visibility:
    """Coverage per frame of every instance the instance pass shows, plus the planned count of every kind.

    ``coverage`` is float32 [T, N] over ``instance_ids`` (instances with at least one pixel); ``centre_x``
    and ``centre_y`` are each instance's mean position over the clip as fractions of the frame.
    """

    frames: int
    frame_pixels: int  # pixels in one frame
    instance_ids: np.ndarray  # int64 [N]
    coverage: np.ndarray  # float32 [T, N]
    centre_x: np.ndarray  # float32 [N]
    centre_y: np.ndarray  # float32 [N]
    kinds: tuple[str, ...]  # per instance
    classes: tuple[str, ...]  # per instance
    moving: tuple[bool, ...]  # per instance
    planned: dict[str, int]  # kind -> instances in the scene
    kind_classes: dict[str, str]  # kind -> semantic class
    decor_kinds: frozenset[str]  # kinds that realise a decor choice of the plan
    lead: str | None = None  # the subject the camera path was planned around
    texts: tuple[str, ...] = ()  # per instance: the words on its sign face ("" for none); empty: no signs
    materials: tuple[str, ...] = ()  # per instance: the material drawn on its largest part ("" none); empty: unknown

    def surfaces(self) -> list[tuple[str, str, float]]:
        """(class, material, mean coverage) of the materials the visible instances show, most covered first."""
        if not self.materials or not self.frames:
            return []
        mean, visible = self.coverage.mean(axis=0), self.visible
        total: dict[tuple[str, str], float] = {}
        for i, material in enumerate(self.materials):
            if material and visible[i]:
                key = (self.classes[i], material)
                total[key] = total.get(key, 0.0) + float(mean[i])
        return [(c, m, v) for (c, m), v in sorted(total.items(), key=lambda kv: (-kv[1], kv[0]))]

    def sign_text(self) -> str | None:
        """The words of the most covered visible sign (its peak coverage), the text a prompt or caption may
        quote; None when no visible instance carries words."""
        if not self.texts or not self.frames:
            return None
        peak = self.coverage.max(axis=0)
        said = [i for i, text in enumerate(self.texts) if text and self.visible[i]]
        return self.texts[max(said, key=lambda i: (peak[i], -i))] if said else None

    @property
    def visible(self) -> np.ndarray:
        """bool [N]: the one visibility rule."""
        if not self.frames:
            return np.zeros(len(self.instance_ids), dtype=bool)
        return self.coverage.max(axis=0) >= VISIBLE_COVERAGE

    def kind_coverage(self, kind: str) -> np.ndarray:
        """float [T]: share of each frame covered by the instances of ``kind``."""
        columns = [i for i, k in enumerate(self.kinds) if k == kind]
        return self.coverage[:, columns].sum(axis=1) if columns else np.zeros(self.frames)

    def subject_share(self, kind: str | None = None) -> float:
        """Share of frames in which ``kind`` (default: the lead) covers >= SUBJECT_COVERAGE of the image."""
        kind = kind or self.lead
        if kind is None or not self.frames:
            return 0.0
        return float((self.kind_coverage(kind) >= SUBJECT_COVERAGE).mean())

    def by_kind(self) -> list[KindVisibility]:
        """Every planned kind, most prominent (largest mean coverage) first; ties by name."""
        visible = self.visible
        peak = self.coverage.max(axis=0) if self.frames else np.zeros(len(self.instance_ids))
        out = []
        for kind in self.planned:
            columns = np.array([i for i, k in enumerate(self.kinds) if k == kind], dtype=np.int64)
            seen = columns[visible[columns]] if columns.size else columns
            seen = seen[np.argsort(-peak[seen], kind="stable")]
            total = self.coverage[:, columns].sum(axis=1) if columns.size else np.zeros(self.frames)
            out.append(
                KindVisibility(
                    kind=kind,
                    class_name=self.kind_classes[kind],
                    decor=kind in self.decor_kinds,
                    planned=self.planned[kind],
                    instance_ids=tuple(int(self.instance_ids[i]) for i in seen),
                    moving=sum(self.moving[i] for i in seen),
                    coverage_max=float(total.max(initial=0.0)),
                    coverage_mean=float(total.mean()) if self.frames else 0.0,
                    frames_visible=int((total >= VISIBLE_COVERAGE).sum()),
                    frames_subject=int((total >= SUBJECT_COVERAGE).sum()),
                )
            )
        return sorted(out, key=lambda k: (-k.coverage_mean, k.kind))

    def seen(self) -> list[KindVisibility]:
        """The kinds with at least one visible instance, most prominent first."""
        return [k for k in self.by_kind() if k.visible]

    # -- files -------------------------------------------------------------------------------------------

    def to_json(self) -> str:
        instances = [
            {
                "instance_id": int(self.instance_ids[i]),
                "kind": self.kinds[i],
                "class_name": self.classes[i],
                "moving": self.moving[i],
                "centre": [round(float(self.centre_x[i]), 4), round(float(self.centre_y[i]), 4)],
                "pixels": [round(float(c) * self.frame_pixels) for c in self.coverage[:, i]],
                **({"text": self.texts[i]} if self.texts and self.texts[i] else {}),
                **({"material": self.materials[i]} if self.materials and self.materials[i] else {}),
            }
            for i in range(len(self.instance_ids))
        ]
        return json.dumps(
            {
                "rule": {"visible_coverage": VISIBLE_COVERAGE, "subject_coverage": SUBJECT_COVERAGE},
                "frames": self.frames,
                "frame_pixels": self.frame_pixels,
                "lead": self.lead,
                "planned": self.planned,
                "kind_classes": self.kind_classes,
                "decor_kinds": sorted(self.decor_kinds),
                "instances": instances,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> Visibility:
        try:
            data = json.loads(text)
            rows = data["instances"]
            frames, frame_pixels = int(data["frames"]), int(data["frame_pixels"])
            pixels = np.array([r["pixels"] for r in rows], dtype=np.int64).T.reshape(frames, len(rows))
            return cls(
                frames=frames,
                frame_pixels=frame_pixels,
                instance_ids=np.array([r["instance_id"] for r in rows], dtype=np.int64),
                coverage=(pixels / float(frame_pixels)).astype(np.float32),
                centre_x=np.array([r["centre"][0] for r in rows], dtype=np.float32),
                centre_y=np.array([r["centre"][1] for r in rows], dtype=np.float32),
                kinds=tuple(r["kind"] for r in rows),
                classes=tuple(r["class_name"] for r in rows),
                moving=tuple(bool(r["moving"]) for r in rows),
                planned={str(k): int(v) for k, v in data["planned"].items()},
                kind_classes={str(k): str(v) for k, v in data["kind_classes"].items()},
                decor_kinds=frozenset(data["decor_kinds"]),
                lead=data.get("lead"),
                texts=tuple(r.get("text", "") for r in rows) if any("text" in r for r in rows) else (),
                materials=tuple(r.get("material", "") for r in rows) if any("material" in r for r in rows) else (),
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise SceneError(
                f"Visibility JSON is unreadable: {exc!r}.", fix="write it with Visibility.to_json()"
            ) from exc


def sign_words(obj: SceneObject) -> str:
    """The words on an object's sign faces ("" for none), lines joined as the venue phrase writes them."""
    from worldmill.signage.board import SignFace

    faces = [SignFace.from_spec(p.texture) for p in obj.parts if p.texture]
    return " · ".join(line for face in faces for line in face.lines if line)


def measure_visibility(scene: Scene, instance: np.ndarray, *, lead: str | None = None) -> Visibility:
    """Coverage per frame of each of ``scene``'s instances in an instance-id video [T, H, W] (0: nothing).

    Counted frame by frame (no clip-sized temporaries): pixels and position sums per instance id."""
    instance = np.asarray(instance)
    if instance.ndim != 3:
        raise SceneError(f"Instance video has shape {instance.shape}.", fix="pass instance ids as [T, H, W]")
    frames, height, width = instance.shape
    by_id = {o.instance_id: o for o in scene.objects}
    size = max(by_id, default=0) + 1
    counts = np.zeros((frames, size), dtype=np.int64)
    sum_x = np.zeros(size)
    sum_y = np.zeros(size)
    xs = np.tile(np.arange(width, dtype=np.float32), height)
    ys = np.repeat(np.arange(height, dtype=np.float32), width)
    for t in range(frames):
        ids = instance[t].ravel()
        ids = np.where((ids > 0) & (ids < size), ids, 0)
        counts[t] = np.bincount(ids, minlength=size)
        sum_x += np.bincount(ids, weights=xs, minlength=size)
        sum_y += np.bincount(ids, weights=ys, minlength=size)
    total = counts.sum(axis=0)
    present = np.array([i for i in np.flatnonzero(total) if i in by_id], dtype=np.int64)
    n = np.maximum(total[present], 1)
    objects = [by_id[int(i)] for i in present]
    planned: dict[str, int] = {}
    kind_classes: dict[str, str] = {}
    for obj in scene.objects:
        kind = object_kind(obj)
        planned[kind] = planned.get(kind, 0) + 1
        kind_classes.setdefault(kind, obj.class_name)
    texts = tuple(sign_words(o) for o in objects)
    from worldmill.render.materials import object_materials  # the renderer's own choice of surface

    materials = object_materials(objects, scene.seed)
    return Visibility(
        frames=frames,
        frame_pixels=height * width,
        instance_ids=present,
        coverage=(counts[:, present] / float(height * width)).astype(np.float32),
        centre_x=((sum_x[present] / n + 0.5) / width).astype(np.float32),
        centre_y=((sum_y[present] / n + 0.5) / height).astype(np.float32),
        kinds=tuple(object_kind(o) for o in objects),
        classes=tuple(o.class_name for o in objects),
        moving=tuple(any(abs(v) > 1e-6 for v in o.velocity) for o in objects),
        planned=planned,
        kind_classes=kind_classes,
        decor_kinds=frozenset(o.decor for o in scene.objects if o.decor),
        lead=lead,
        texts=texts if any(texts) else (),
        materials=materials if any(materials) else (),
    )


def load_visibility(sample_dir: Path, scene: Scene | None = None) -> Visibility:
    """A sample's stored measurement (``visibility.json``); for condition sets written before it existed,
    measured again from ``instance.mkv`` with ``scene`` (same function, same rule)."""
    path = Path(sample_dir) / VISIBILITY_FILE
    if path.is_file():
        return Visibility.from_json(path.read_text(encoding="utf-8"))
    instance_path = Path(sample_dir) / "instance.mkv"
    if scene is None or not instance_path.is_file():
        raise SceneError(
            f"{path} is missing and there is no instance video to measure instead.",
            fix="re-materialize the sample's conditions (they write visibility.json)",
        )
    from worldmill.video import read_gray16

    return measure_visibility(scene, read_gray16(instance_path))


def clip_place(x: float, y: float) -> str:
    """Where in the frame a position (fractions of width and height) lies, in words."""
    if math.isnan(x) or math.isnan(y):
        return "frame"
    horizontal = "left" if x < 1 / 3 else "right" if x > 2 / 3 else "centre"
    vertical = "upper" if y < 1 / 3 else "lower" if y > 2 / 3 else "middle"
    return "centre" if (horizontal, vertical) == ("centre", "middle") else f"{vertical} {horizontal}"


def visibility_rows(
    visibility: Visibility, sample: PromptRow, *, named: Sequence[str], created_at: dt.datetime
) -> list[VisibilityRow]:
    """The ``visibility`` table's rows of one sample (its ``prompts`` row): one per kind, most prominent first."""
    said = set(named)
    return [
        VisibilityRow(
            sample_id=sample.sample_id,
            cell_key=sample.cell_key,
            city_key=sample.city_key,
            venue=sample.venue,
            round=sample.round,
            kind=k.kind,
            class_name=k.class_name,
            decor=k.decor,
            planned=k.planned,
            visible=k.visible,
            moving=k.moving,
            instance_ids=list(k.instance_ids),
            coverage_max=k.coverage_max,
            coverage_mean=k.coverage_mean,
            frames=visibility.frames,
            frames_visible=k.frames_visible,
            frames_subject=k.frames_subject,
            prominence_rank=rank,
            named=k.kind in said,
            lead=k.kind == visibility.lead,
            created_at=created_at,
        )
        for rank, k in enumerate(visibility.by_kind(), start=1)
    ]
