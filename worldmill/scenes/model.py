"""Scene data: labelled objects made of analytic primitives, plus where a camera may go.

A scene is plain data (``to_json``/``from_json``) so that ``scene.json`` reproduces a render exactly and the
renderer needs nothing but the arrays it flattens out of it. Coordinates are metres, z up, ground at z = 0.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import numpy as np

from worldmill.errors import SceneError

# unit cube [-1,1]^3, unit cylinder along local z, unit sphere; a library mesh fitted into the unit cube; scaled by size/2
SHAPES = ("box", "cylinder", "sphere", "mesh")
PATTERNS = (
    "plain",
    "facade",
    "road",
    "grass",
    "water",
    "tiles",
    "glass",
    "artwork",
    "foliage",
    "stripes",
    "wainscot",  # a room's wall with skirting and a dado rail over a wipeable lower band (wards)
    "skirting",  # a room's wall with skirting and a picture rail (galleries, halls)
    "pane",  # a window or skylight seen from inside: frame, mullions, blinds
    "curtain",  # a hung fabric curtain: folds, a mesh band under its rail (ward bays)
)
ZONE_KINDS = ("aerial", "ground", "interior")

Vec3 = tuple[float, float, float]


def _vec3(value: Any, what: str) -> Vec3:
    try:
        x, y, z = (float(v) for v in value)
    except (TypeError, ValueError) as exc:
        raise SceneError(f"{what}={value!r} is not three numbers.", fix="give [x, y, z] in metres") from exc
    return (x, y, z)


def rotation_matrix(yaw_deg: float, pitch_deg: float = 0.0, roll_deg: float = 0.0) -> np.ndarray:
    """World-from-local rotation R = Rz(yaw) · Ry(pitch) · Rx(roll)."""
    cy, sy = math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))
    cp, sp = math.cos(math.radians(pitch_deg)), math.sin(math.radians(pitch_deg))
    cr, sr = math.cos(math.radians(roll_deg)), math.sin(math.radians(roll_deg))
    rz = np.array([[cy, -sy, 0.0], [sy, cy, 0.0], [0.0, 0.0, 1.0]])
    ry = np.array([[cp, 0.0, sp], [0.0, 1.0, 0.0], [-sp, 0.0, cp]])
    rx = np.array([[1.0, 0.0, 0.0], [0.0, cr, -sr], [0.0, sr, cr]])
    return rz @ ry @ rx


@dataclasses.dataclass(frozen=True)
class Primitive:
    """One analytic solid. ``size`` is the full extent along the local axes (a cylinder's axis is local z)."""

    shape: str
    center: Vec3
    size: Vec3
    color: Vec3  # linear albedo 0..1
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    roll_deg: float = 0.0
    pattern: str = "plain"
    emissive: float = 0.0  # self-lit strength (lamps, screens, lit windows)
    casts_shadow: bool = True
    texture: str = ""  # a sign face (worldmill.signage.SignFace spec) drawn on the box's front (+y) face; "" none
    mesh: str = ""  # shape "mesh": the library key "kind:variant" its posed meshes are rebuilt from
    pose_rate: float = 0.0  # poses of the mesh's cycle shown per second (0: the first pose throughout)
    pose_phase: float = 0.0  # pose shown at time 0 (fractional)

    def __post_init__(self) -> None:
        if self.shape not in SHAPES:
            raise SceneError(f"Primitive shape {self.shape!r} is unknown.", fix=f"use one of {SHAPES}")
        if (self.shape == "mesh") != bool(self.mesh):
            raise SceneError(
                f"Primitive shape {self.shape!r} has mesh key {self.mesh!r}.",
                fix="give a library key exactly when the shape is 'mesh'",
            )
        if self.pattern not in PATTERNS:
            raise SceneError(f"Primitive pattern {self.pattern!r} is unknown.", fix=f"use one of {PATTERNS}")
        if any(not (s > 0 and math.isfinite(s)) for s in self.size):
            raise SceneError(
                f"Primitive size {self.size} has a non-positive or non-finite extent.",
                fix="give positive sizes in metres",
            )

    def rotation(self) -> np.ndarray:
        return rotation_matrix(self.yaw_deg, self.pitch_deg, self.roll_deg)

    def half_extent_world(self) -> np.ndarray:
        """Half size of the world-axis box that contains the primitive (exact for boxes)."""
        return np.abs(self.rotation() * (np.asarray(self.size) / 2.0)).sum(axis=1)


_PRIMITIVE_FIELDS = dataclasses.fields(Primitive)


@dataclasses.dataclass(frozen=True)
class SceneObject:
    """One labelled instance: every part renders with its class id and instance id."""

    instance_id: int
    class_id: int
    class_name: str
    label: str  # what it is, e.g. "hospital bed", "tower", "car"
    parts: tuple[Primitive, ...]
    velocity: Vec3 = (0.0, 0.0, 0.0)  # m/s, constant over the clip (vehicles, walkers)
    decor: str | None = None  # the DecorChoice.name this object realises
    salient: bool = False  # a foreground subject (people, animals, vehicles, decor, the landmark)

    def __post_init__(self) -> None:
        if not 1 <= self.instance_id <= 65535:
            raise SceneError(
                f"Object {self.label!r} has instance id {self.instance_id}.",
                fix="instance ids run 1..65535 (0 is empty space)",
            )
        if not self.parts:
            raise SceneError(
                f"Object {self.label!r} (instance {self.instance_id}) has no parts.",
                fix="give every object at least one primitive",
            )


@dataclasses.dataclass(frozen=True)
class CameraZone:
    """An axis-aligned box kept free of geometry where the camera may travel; ``axis`` is its long direction."""

    kind: str  # aerial | ground | interior
    lo: Vec3
    hi: Vec3
    axis: tuple[float, float]

    def __post_init__(self) -> None:
        if self.kind not in ZONE_KINDS:
            raise SceneError(f"Camera zone kind {self.kind!r} is unknown.", fix=f"use one of {ZONE_KINDS}")
        if any(a > b for a, b in zip(self.lo, self.hi, strict=True)):
            raise SceneError(f"Camera zone lo {self.lo} exceeds hi {self.hi}.", fix="order the corners")


@dataclasses.dataclass(frozen=True)
class Road:
    """A straight carriageway; vehicles on it drive on the scene's ``driving_side``."""

    start: tuple[float, float]
    end: tuple[float, float]
    width: float


@dataclasses.dataclass(frozen=True)
class Scene:
    sample_id: str
    seed: int
    archetype: str
    venue: str
    indoor: bool
    driving_side: str
    objects: tuple[SceneObject, ...]
    ground_class_id: int | None  # an infinite plane at z = 0 (outdoor scenes); None indoors
    focus: Vec3  # what the camera looks at
    zones: tuple[CameraZone, ...]
    roads: tuple[Road, ...] = ()

    def __post_init__(self) -> None:
        ids = [o.instance_id for o in self.objects]
        if len(set(ids)) != len(ids):
            raise SceneError(
                f"Scene {self.sample_id} repeats instance ids.", fix="give each object its own instance id"
            )
        if not self.zones:
            raise SceneError(
                f"Scene {self.sample_id} has no camera zone.",
                fix="every generator must reserve a free zone for the camera",
            )

    @property
    def primitive_count(self) -> int:
        return sum(len(o.parts) for o in self.objects)

    def objects_of(self, class_name: str) -> list[SceneObject]:
        return [o for o in self.objects if o.class_name == class_name]

    def to_dict(self) -> dict[str, Any]:
        """Plain data (written by hand: ``dataclasses.asdict`` deep-copies every primitive and is slow)."""
        return {
            "sample_id": self.sample_id,
            "seed": self.seed,
            "archetype": self.archetype,
            "venue": self.venue,
            "indoor": self.indoor,
            "driving_side": self.driving_side,
            "ground_class_id": self.ground_class_id,
            "focus": list(self.focus),
            "zones": [{"kind": z.kind, "lo": list(z.lo), "hi": list(z.hi), "axis": list(z.axis)} for z in self.zones],
            "roads": [{"start": list(r.start), "end": list(r.end), "width": r.width} for r in self.roads],
            "objects": [
                {
                    "instance_id": o.instance_id,
                    "class_id": o.class_id,
                    "class_name": o.class_name,
                    "label": o.label,
                    "velocity": list(o.velocity),
                    "decor": o.decor,
                    "salient": o.salient,
                    "parts": [{f.name: getattr(p, f.name) for f in _PRIMITIVE_FIELDS} for p in o.parts],
                }
                for o in self.objects
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scene:
        try:
            objects = tuple(
                SceneObject(
                    **{
                        **o,
                        "velocity": _vec3(o["velocity"], "velocity"),
                        "parts": tuple(
                            Primitive(
                                **{
                                    **p,
                                    "center": _vec3(p["center"], "center"),
                                    "size": _vec3(p["size"], "size"),
                                    "color": _vec3(p["color"], "color"),
                                }
                            )
                            for p in o["parts"]
                        ),
                    }
                )
                for o in data["objects"]
            )
            zones = tuple(
                CameraZone(
                    kind=z["kind"],
                    lo=_vec3(z["lo"], "lo"),
                    hi=_vec3(z["hi"], "hi"),
                    axis=(float(z["axis"][0]), float(z["axis"][1])),
                )
                for z in data["zones"]
            )
            roads = tuple(
                Road(start=tuple(r["start"]), end=tuple(r["end"]), width=float(r["width"]))
                for r in data.get("roads", ())
            )
            return cls(
                **{k: v for k, v in data.items() if k not in ("objects", "zones", "roads", "focus")},
                objects=objects,
                zones=zones,
                roads=roads,
                focus=_vec3(data["focus"], "focus"),
            )
        except (KeyError, TypeError) as exc:
            raise SceneError(
                f"Scene data lacks or mistypes a field: {exc!r}.", fix="write scenes with Scene.to_json()"
            ) from exc

    @classmethod
    def from_json(cls, text: str) -> Scene:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SceneError(f"Scene JSON is not valid JSON: {exc}.", fix="write scenes with Scene.to_json()") from exc
        return cls.from_dict(data)
