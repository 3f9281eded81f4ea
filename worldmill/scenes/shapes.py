"""Part kits: a few analytic primitives that read as a person, a car, a bed or a ferris wheel.

The aim is plausible silhouettes with correct labels, not art: every kit fits the requested size
(width along local x, height along z, depth along local y) standing on ``z0`` and turned by ``yaw_deg``.
"""

from __future__ import annotations

import dataclasses
import math
import zlib

import numpy as np

from worldmill.scenes.model import Primitive, Vec3, rotation_matrix

# Linear albedo and surface pattern per semantic class; objects vary these per instance.
CLASS_MATERIALS: dict[str, tuple[Vec3, str]] = {
    "ground": ((0.22, 0.30, 0.14), "grass"),
    "road": ((0.09, 0.09, 0.10), "road"),
    "pavement": ((0.42, 0.40, 0.37), "tiles"),
    "building": ((0.45, 0.47, 0.50), "facade"),
    "wall": ((0.72, 0.70, 0.66), "plain"),
    "floor": ((0.55, 0.50, 0.44), "tiles"),
    "ceiling": ((0.85, 0.85, 0.83), "plain"),
    "window": ((0.35, 0.55, 0.75), "glass"),
    "door": ((0.40, 0.26, 0.15), "plain"),
    "water": ((0.05, 0.20, 0.30), "water"),
    "vegetation": ((0.10, 0.32, 0.08), "foliage"),
    "person": ((0.50, 0.35, 0.30), "plain"),
    "vehicle": ((0.60, 0.10, 0.08), "plain"),
    "animal": ((0.45, 0.35, 0.22), "plain"),
    "fence": ((0.35, 0.33, 0.30), "stripes"),
    "signage": ((0.10, 0.35, 0.65), "artwork"),
    "light": ((0.90, 0.85, 0.70), "plain"),
    "seating": ((0.40, 0.28, 0.18), "plain"),
    "table": ((0.50, 0.38, 0.25), "plain"),
    "counter": ((0.60, 0.58, 0.55), "plain"),
    "bed": ((0.80, 0.82, 0.85), "plain"),
    "medical_equipment": ((0.70, 0.74, 0.78), "plain"),
    "display_case": ((0.55, 0.70, 0.78), "glass"),
    "artwork": ((0.60, 0.40, 0.30), "artwork"),
    "sculpture": ((0.62, 0.58, 0.50), "plain"),
    "ride": ((0.80, 0.20, 0.15), "plain"),
    "stall": ((0.75, 0.55, 0.25), "stripes"),
    "shelf": ((0.45, 0.32, 0.20), "stripes"),
    "plant_pot": ((0.45, 0.25, 0.15), "plain"),
    "column": ((0.78, 0.75, 0.70), "plain"),
    "stairs": ((0.55, 0.53, 0.50), "stripes"),
    "landmark": ((0.70, 0.72, 0.75), "facade"),
    "canopy": ((0.85, 0.80, 0.70), "stripes"),
    "aquarium_tank": ((0.10, 0.35, 0.50), "water"),
    "screen": ((0.05, 0.08, 0.12), "plain"),
    "rail_track": ((0.30, 0.28, 0.26), "stripes"),
    "rock": ((0.40, 0.37, 0.33), "grass"),
    "bin": ((0.15, 0.35, 0.20), "plain"),
    "sports_field": ((0.12, 0.40, 0.12), "grass"),
}
DEFAULT_MATERIAL: tuple[Vec3, str] = ((0.5, 0.5, 0.5), "plain")

VIVID = (
    (0.70, 0.08, 0.06),
    (0.06, 0.20, 0.60),
    (0.85, 0.65, 0.05),
    (0.08, 0.45, 0.15),
    (0.85, 0.85, 0.85),
    (0.05, 0.05, 0.06),
    (0.55, 0.55, 0.58),
    (0.90, 0.40, 0.05),
)
SKIN = ((0.62, 0.45, 0.35), (0.45, 0.30, 0.20), (0.30, 0.20, 0.13), (0.70, 0.55, 0.45))


def material(class_name: str) -> tuple[Vec3, str]:
    return CLASS_MATERIALS.get(class_name, DEFAULT_MATERIAL)


def jitter(color: Vec3, rng: np.random.Generator, amount: float = 0.12) -> Vec3:
    c = np.clip(np.asarray(color) * (1.0 + rng.uniform(-amount, amount, 3)), 0.0, 1.0)
    return (float(c[0]), float(c[1]), float(c[2]))


class Placer:
    """Maps a kit's local coordinates (x across, y along depth, z up from the base) to world primitives."""

    def __init__(self, x: float, y: float, z0: float, yaw_deg: float):
        self.origin = np.array([x, y, z0])
        self.yaw = yaw_deg
        self.rot = rotation_matrix(yaw_deg)

    def part(
        self,
        shape: str,
        local_center: Vec3,
        size: Vec3,
        color: Vec3,
        *,
        pattern: str = "plain",
        emissive: float = 0.0,
        pitch: float = 0.0,
        roll: float = 0.0,
        yaw: float = 0.0,
        casts_shadow: bool = True,
        mesh: str = "",
        pose_rate: float = 0.0,
        pose_phase: float = 0.0,
    ) -> Primitive:
        c = self.origin + self.rot @ np.asarray(local_center, dtype=float)
        return Primitive(
            shape=shape,
            center=(float(c[0]), float(c[1]), float(c[2])),
            size=(max(float(size[0]), 0.01), max(float(size[1]), 0.01), max(float(size[2]), 0.01)),
            color=color,
            yaw_deg=self.yaw + yaw,
            pitch_deg=pitch,
            roll_deg=roll,
            pattern=pattern,
            emissive=emissive,
            casts_shadow=casts_shadow,
            mesh=mesh,
            pose_rate=pose_rate,
            pose_phase=pose_phase,
        )


def library_model(
    p: Placer,
    key: str,
    size_whd: Vec3,
    rng: np.random.Generator,
    *,
    fit: str = "height",
    speed: float = 0.0,
    nominal_speed: float = 0.0,
    scale: Vec3 | None = None,
    offset: Vec3 = (0.0, 0.0, 0.0),
) -> Primitive:
    """One library mesh standing on the placer's base, scaled to ``size_whd`` (``fit``: "height" scales
    uniformly to the height, "box" to every extent, "inside" uniformly to the largest that fits the box; or by
    ``scale`` along local x, y, z, shifted by ``offset``, where several keys share one frame: a ride's structure
    and its moving part). An animated model runs its
    pose cycle at its own pace, or in step with ``speed`` when it walks (``nominal_speed`` is the pace its
    cycle was made for)."""
    from worldmill import library

    lo, hi = library.bounds(key)
    ext = np.maximum(hi - lo, 1e-3)
    factor = np.asarray(scale, dtype=np.float64) if scale is not None else fit_factor(key, size_whd, fit)
    poses, cycle_s = library.cycle(key)
    rate = 0.0
    if cycle_s > 0 and poses > 1:
        pace = 1.0 if nominal_speed <= 0 else speed / nominal_speed / max(float(factor[2]), 0.3)
        rate = poses / cycle_s * pace
    centre = (lo + hi) / 2.0 * factor + np.asarray(offset, dtype=np.float64)
    return p.part(
        "mesh",
        (float(centre[0]), float(centre[1]), float(centre[2])),
        tuple(float(v) for v in ext * factor),
        (1.0, 1.0, 1.0),
        mesh=key,
        pose_rate=float(rate),
        pose_phase=float(rng.uniform(0.0, poses)),
    )


def fit_factor(key: str, size_whd: Vec3, fit: str) -> np.ndarray:
    """Scale along local x, y, z that fits ``key``'s model to ``size_whd`` by ``fit`` (see ``library_model``)."""
    from worldmill import library

    lo, hi = library.bounds(key)
    ext = np.maximum(hi - lo, 1e-3)
    w, h, d = size_whd
    box = np.array([w, d, h]) / ext
    return {"box": box, "inside": np.full(3, box.min())}.get(fit, np.full(3, h / ext[2]))


def ride_models(p: Placer, label: str, size_whd: Vec3, rng: np.random.Generator) -> list[Primitive] | None:
    """A ride's structure and its moving part (the coaster's trains, the drop tower's gondola) as library
    meshes in one frame, the largest that fits the taxonomy's box; None for rides kept as analytic kits."""
    from worldmill import library
    from worldmill.library import rides

    parts = rides.ride_parts(label)
    if parts is None:
        return None
    variant = int(rng.integers(1 << 30))
    structure = library.key(parts[0], variant)
    lo, hi = library.bounds(structure)
    ext = hi - lo
    w, h, d = size_whd
    k = float(min(w / ext[0], h / ext[2], d / ext[1] if parts[1] else np.inf))
    # the moving part shares the structure's variant (a train runs on its own circuit)
    keys = [structure] + ([library.key(parts[1], variant)] if parts[1] else [])
    return [library_model(p, key, size_whd, rng, scale=(k, k, k)) for key in keys]


@dataclasses.dataclass(frozen=True)
class Seat:
    """A stand's seat in the world: where a spectator's hips go (x, y), the tread under it (z), the stand's yaw
    (spectators face its +y, the pitch), its row from the front, its offset along the stand (m) and how many
    rows later than its own it fills (a stand the crowd favours less)."""

    x: float
    y: float
    z: float
    yaw: float
    row: int
    along: float
    later: float = 0.0


def stand_models(p: Placer, size_whd: Vec3, rng: np.random.Generator) -> tuple[list[Primitive], list[Seat]]:
    """A stand (a seating terrace) as tiles of the library's terrace (8 rows of seats and an aisle stairway
    each) along its width and up its rake, rows as steep as the box asks, a concrete fill under the raised
    tiles, a parapet along the front and a wall at the back; and its seats, for spectators."""
    from worldmill import library
    from worldmill.library import fittings

    w, h, d = size_whd
    nx = max(1, round(w / (fittings.TERRACE_SEATS * fittings.SEAT_PITCH)))
    ny = max(1, round(d / (fittings.TERRACE_ROWS * fittings.ROW_DEPTH)))
    rise = h / (ny * fittings.TERRACE_ROWS)  # per row, at the box's rake
    style = min(fittings.TERRACE_RISE, key=lambda s: abs(fittings.TERRACE_RISE[s] - rise))
    scale = (
        w / nx / (fittings.TERRACE_SEATS * fittings.SEAT_PITCH),
        d / ny / (fittings.TERRACE_ROWS * fittings.ROW_DEPTH),
        rise / fittings.TERRACE_RISE[style],
    )
    tile_d, tile_h = d / ny, h / ny
    concrete = (0.55, 0.55, 0.53)
    parts = [
        p.part("box", (0.0, d / 2 + 0.1, 0.55), (w, 0.2, 1.1), jitter((0.25, 0.27, 0.3), rng, 0.2)),  # parapet
        p.part("box", (0.0, -d / 2 - 0.2, (h + 1.2) / 2), (w, 0.4, h + 1.2), concrete),  # back wall
    ]
    seats: list[Seat] = []
    spots = fittings.terrace_seats(style)
    for j in range(ny):  # j = 0 at the front (+y), lowest
        y = d / 2 - (j + 0.5) * tile_d
        if j:
            parts.append(p.part("box", (0.0, y, j * tile_h / 2), (w, tile_d, j * tile_h), concrete))
        for i in range(nx):
            x = -w / 2 + (i + 0.5) * w / nx
            key = library.key("terrace", int(rng.integers(1 << 30)), style)
            lo, hi = library.bounds(key)
            centre = (lo + hi) / 2.0 * scale
            parts.append(library_model(p, key, size_whd, rng, scale=scale,
                                       offset=(x - centre[0], y - centre[1], j * tile_h)))  # fmt: skip
            for sx, sy, tread, row in spots:
                local = np.array([x + sx * scale[0], y + sy * scale[1], j * tile_h + tread * scale[2]])
                c = p.origin + p.rot @ local
                seats.append(Seat(float(c[0]), float(c[1]), float(c[2]), p.yaw, j * fittings.TERRACE_ROWS + row,
                                  float(local[0])))  # fmt: skip
    return parts, seats


def terrace_models(p: Placer, size_whd: Vec3, rng: np.random.Generator) -> list[Primitive]:
    """A seating terrace's structure (its seats empty: spectators are people of their own, ``spectator``)."""
    return stand_models(p, size_whd, rng)[0]


def stand_roof_models(p: Placer, size_whd: Vec3, rng: np.random.Generator) -> list[Primitive]:
    """A cantilever roof over a stand of ``size_whd`` (the stand's box, in the stand's frame): sections of
    the library's roof, columns behind the back row, the sheeting ~5 m over the top row's heads, reaching
    a metre past the front."""
    from worldmill import library
    from worldmill.library import fittings

    w, h, d = size_whd
    nx = max(1, round(w / (fittings.TERRACE_SEATS * fittings.SEAT_PITCH)))
    key = library.key("stand_roof", int(rng.integers(1 << 30)))
    lo, hi = library.bounds(key)
    ext = hi - lo
    scale = (w / nx / ext[0], (d + 1.5) / ext[1], (h + 6.5) / ext[2])
    centre = (lo + hi) / 2.0 * scale
    offsets = [(-w / 2 + (i + 0.5) * w / nx - centre[0], 0.25 - centre[1], 0.0) for i in range(nx)]
    return [library_model(p, key, size_whd, rng, scale=scale, offset=offset) for offset in offsets]


def spectator(seat: Seat, rng: np.random.Generator, season: str, pose: str = "sit") -> list[Primitive]:
    """A library person at ``seat``, facing the pitch: seated on it (``pose`` "sit"), or standing or cheering in
    front of it ("stand", "cheer"); sized and dressed by its own seed."""
    from worldmill import library
    from worldmill.library import fittings, people

    variant = int(rng.integers(1 << 30))
    k = float(rng.uniform(1.55, 1.9)) / people.NOMINAL_HEIGHT
    key = library.key(f"person_{pose}", variant, people.wardrobe(season))
    if pose == "sit":  # thighs on the pan: the hip joint a thigh's radius above it
        z0 = seat.z + fittings.SEAT_HEIGHT - (0.53 - 0.062) * people.NOMINAL_HEIGHT * k
        place, offset = Placer(seat.x, seat.y, z0, seat.yaw), (0.0, -0.06, 0.0)
    else:
        place, offset = Placer(seat.x, seat.y, seat.z, seat.yaw), (0.0, 0.3, 0.0)
    return [library_model(place, key, (0.5, 1.7, 0.3), rng, scale=(k, k, k), offset=offset)]


def tiled_models(p: Placer, kind: str, style: str, size_whd: Vec3, rng: np.random.Generator) -> list[Primitive]:
    """A row (seats on a beam, a rope barrier, a railing) as the library's one-module model repeated along its
    width, as many modules as fit at about their own width, in proportion to the box's height."""
    from worldmill import library

    w, h, _ = size_whd
    key = library.key(kind, int(rng.integers(1 << 30)), style)  # one variant: a row's seats match
    lo, hi = library.bounds(key)
    ext = np.maximum(hi - lo, 1e-3)
    n = max(1, round(w / ext[0]))
    k = h / ext[2]
    scale = np.array([w / n / ext[0], k, k])
    centre = (lo + hi) / 2.0 * scale
    return [
        library_model(p, key, size_whd, rng, scale=tuple(scale), offset=(-w / 2 + (i + 0.5) * w / n - centre[0], 0, 0))
        for i in range(n)
    ]


def fitting_kit(class_name: str, label: str, p: Placer, size_whd: Vec3) -> list[Primitive] | None:
    """The library's fitting for a venue object (a hospital bed, a painting, a bookcase, a market stall, a
    terrace of spectators, ...), or None where the analytic kit stays."""
    from worldmill import library
    from worldmill.library import fittings

    found = fittings.fitting_for(class_name, label)
    if found is None:
        return None
    kind, style, fit = found
    rng = _object_rng(p, label)
    if kind == "terrace":
        return terrace_models(p, size_whd, rng)
    if fit == "tile":
        return tiled_models(p, kind, style, size_whd, rng)
    key = library.key(kind, int(rng.integers(1 << 30)), style)
    return [library_model(p, key, size_whd, rng, fit=fit), *screen_face(p, key, size_whd, fit)]


def screen_face(p: Placer, key: str, size_whd: Vec3, fit: str) -> list[Primitive]:
    """The lit panel of a screen cabinet (meshes do not emit light), placed on the model as it is scaled."""
    from worldmill import library
    from worldmill.library import structures

    kind, _, style = library.parse_key(key)
    face = structures.SCREENS.get(f"{kind}:{style}" if style else kind)
    if face is None:
        return []
    factor = fit_factor(key, size_whd, fit)
    centre, size, pitch = face
    return [
        p.part("box", tuple(np.asarray(centre) * factor), tuple(np.asarray(size) * factor), (0.25, 0.45, 0.6),
               pattern="artwork", emissive=1.5, pitch=pitch)
    ]


def _object_rng(p: Placer, label: str) -> np.random.Generator:
    """A model's own random stream, from its place and label: the layout's stream is left as it was, so
    scenes keep their layout whatever the library draws."""
    return np.random.default_rng(zlib.crc32(f"{p.origin.round(3).tolist()}|{p.yaw:.2f}|{label}".encode()))


def library_kit(
    class_name: str, label: str, p: Placer, size_whd: Vec3, rng: np.random.Generator, season: str, speed: float
) -> list[Primitive] | None:
    """The library's model for an object, or None where the analytic kit stays (hedges, trolleys, ...)."""
    from worldmill import library
    from worldmill.library import animals, people, plants, rides, vehicles

    rng = _object_rng(p, label)  # variant and pose phase from the object's own seed
    variant = int(rng.integers(1 << 30))
    if class_name == "person":
        style = people.wardrobe(season)
        if speed > 0:
            return [
                library_model(
                    p, library.key("person_walk", variant, style), size_whd, rng, speed=speed, nominal_speed=1.2
                )
            ]
        return [library_model(p, library.key("person_stand", variant, style), size_whd, rng)]
    if class_name == "animal":
        kind = animals.species_of(label)
        w, h, d = size_whd
        lo, hi = library.bounds(library.key(kind, variant))
        ext = hi - lo
        # the taxonomy gives a box: keep the species' proportions inside it (the largest that fits)
        k = min(w / ext[0], h / ext[2], d / ext[1]) * 1.15
        size = (float(ext[0] * k), float(ext[2] * k), float(ext[1] * k))
        walks = speed > 0 or kind in ("fish", "shark", "ray", "turtle", "penguin", "seal", "snake", "flamingo")
        if not walks:  # stands still: one pose
            return [dataclasses.replace(library_model(p, library.key(kind, variant), size, rng), pose_rate=0.0)]
        moving = speed > 0
        gait = 0.9 * ext[2] if moving else 0.0
        return [
            library_model(p, library.key(kind, variant), size, rng, speed=speed if moving else 0.0, nominal_speed=gait)
        ]
    if class_name == "vegetation":
        kind = plants.plant_kind(label, season)
        if kind is None or size_whd[1] < 0.3:
            return None
        return [
            library_model(
                p,
                library.key(kind, variant, season if kind.startswith("tree_b") else ""),
                size_whd,
                rng,
                fit="box" if kind in ("flower_bed", "shrub") else "height",
            )
        ]
    if class_name == "vehicle" and "bumper" in label:  # circling its own small loop on the hall's floor
        key = library.key("bumper_car", variant)
        k = size_whd[2] / rides.BUMPER_LENGTH
        return [library_model(p, key, size_whd, rng, scale=(k, k, k))]
    if class_name == "vehicle":
        parts = vehicles.vehicle_key_parts(label)
        if parts is None:  # bicycles, trolleys, carts
            return fitting_kit(class_name, label, p, size_whd)
        kind, style = parts
        return [library_model(p, library.key(kind, variant, style), size_whd, rng, fit="box")]
    if class_name == "ride":
        return ride_models(p, label, size_whd, rng)
    return fitting_kit(class_name, label, p, size_whd)


def person(p: Placer, height: float, rng: np.random.Generator) -> list[Primitive]:
    shirt, trousers, skin = (
        VIVID[rng.integers(len(VIVID))],
        jitter((0.15, 0.15, 0.22), rng, 0.4),
        SKIN[rng.integers(len(SKIN))],
    )
    w = 0.26 * height
    return [
        p.part("box", (0.0, 0.0, 0.235 * height), (w * 0.8, w * 0.5, 0.47 * height), trousers),
        p.part("cylinder", (0.0, 0.0, 0.62 * height), (w, w * 0.6, 0.32 * height), jitter(shirt, rng)),
        p.part("sphere", (0.0, 0.0, 0.88 * height), (0.13 * height, 0.14 * height, 0.15 * height), skin),
    ]


def vehicle(p: Placer, w: float, h: float, d: float, rng: np.random.Generator, label: str = "") -> list[Primitive]:
    """Local y is the direction of travel."""
    paint = jitter(VIVID[rng.integers(len(VIVID))], rng)
    if any(k in label for k in ("bus", "tram", "truck", "train", "coach")):
        return [
            p.part("box", (0.0, 0.0, 0.15 * h + 0.425 * h), (w, d, 0.85 * h), paint),
            p.part("box", (0.0, 0.0, 0.68 * h), (w * 1.01, d * 0.92, 0.3 * h), (0.12, 0.16, 0.2), pattern="glass"),
        ]
    return [
        p.part("box", (0.0, 0.0, 0.3 * h), (w, d, 0.45 * h), paint),
        p.part("box", (0.0, -0.06 * d, 0.72 * h), (w * 0.9, d * 0.55, 0.4 * h), (0.10, 0.13, 0.17), pattern="glass"),
        p.part("cylinder", (0.0, 0.3 * d, 0.15 * h), (0.3 * h, 0.3 * h, w * 1.04), (0.03, 0.03, 0.03), pitch=90.0),
        p.part("cylinder", (0.0, -0.3 * d, 0.15 * h), (0.3 * h, 0.3 * h, w * 1.04), (0.03, 0.03, 0.03), pitch=90.0),
    ]


def animal(p: Placer, w: float, h: float, d: float, rng: np.random.Generator, label: str = "") -> list[Primitive]:
    model = library_kit("animal", label or "antelope", p, (w, h, d), rng, "summer", 0.0)
    if model is not None:
        return model
    coat = jitter(material("animal")[0], rng, 0.35)
    if "giraffe" in label:
        coat = (0.75, 0.55, 0.22)
    leg_h = 0.45 * h
    body_h = 0.4 * h
    parts = [p.part("sphere", (0.0, 0.0, leg_h + body_h / 2), (w, d, body_h), coat)]
    neck_up = 0.25 * h if "giraffe" not in label else 0.45 * h
    parts.append(
        p.part("sphere", (0.0, 0.5 * d, leg_h + body_h * 0.6 + neck_up * 0.5), (0.45 * w, 0.35 * d, 0.3 * h), coat)
    )
    for sx, sy in ((-0.3, -0.3), (0.3, -0.3), (-0.3, 0.3), (0.3, 0.3)):
        parts.append(
            p.part(
                "cylinder",
                (sx * w, sy * d, leg_h / 2 + 0.02),
                (0.14 * w, 0.14 * w, leg_h + 0.04),
                jitter(coat, rng, 0.1),
            )
        )
    return parts


def tree(
    p: Placer, w: float, h: float, d: float, rng: np.random.Generator, season: str, label: str = ""
) -> list[Primitive]:
    model = library_kit("vegetation", label or "tree", p, (w, h, d), rng, season, 0.0)
    if model is not None:
        return model
    leaf = jitter(material("vegetation")[0], rng, 0.25)
    if season == "autumn":
        leaf = jitter((0.55, 0.28, 0.05), rng, 0.25)
    elif season == "winter":
        leaf = jitter((0.22, 0.24, 0.18), rng, 0.2)
    if h < 1.6 or any(k in label for k in ("hedge", "bed", "shrub", "bush", "flower", "lawn")):
        shape = "box" if ("hedge" in label or "bed" in label or "lawn" in label) else "sphere"
        return [p.part(shape, (0.0, 0.0, h / 2), (w, d, h), leaf, pattern="foliage")]
    trunk_h = 0.45 * h if "palm" not in label else 0.85 * h
    crown = [
        p.part(
            "sphere",
            (0.0, 0.0, trunk_h + (h - trunk_h) / 2),
            (w, d, max(h - trunk_h, 0.5) * 1.1),
            leaf,
            pattern="foliage",
        )
    ]
    return [
        p.part("cylinder", (0.0, 0.0, trunk_h / 2), (0.1 * w + 0.1, 0.1 * w + 0.1, trunk_h), (0.25, 0.17, 0.10))
    ] + crown


def lamp(p: Placer, w: float, h: float, d: float, rng: np.random.Generator, on_ceiling: bool) -> list[Primitive]:
    glow = (1.0, 0.92, 0.75)
    if on_ceiling:
        return [
            p.part(
                "box" if w > 1.5 * d or d > 1.5 * w else "cylinder",
                (0.0, 0.0, h / 2),
                (w, d, h),
                glow,
                emissive=3.0,
                casts_shadow=False,
            )
        ]
    pole = min(w, d) * 0.2 + 0.05
    return [
        p.part("cylinder", (0.0, 0.0, h * 0.45), (pole, pole, h * 0.9), (0.12, 0.12, 0.13)),
        p.part(
            "sphere",
            (0.0, 0.0, h * 0.93),
            (max(w, 0.3), max(d, 0.3), max(0.14 * h, 0.25)),
            glow,
            emissive=3.0,
            casts_shadow=False,
        ),
    ]


def seating(
    p: Placer, w: float, h: float, d: float, rng: np.random.Generator, colour: Vec3, label: str = ""
) -> list[Primitive]:
    if any(k in label for k in ("stand", "grandstand", "tier", "bleacher")):
        steps = 4
        return [
            p.part(
                "box",
                (0.0, (i - steps / 2 + 0.5) * d / steps, (i + 1) * h / steps / 2),
                (w, d / steps, (i + 1) * h / steps),
                colour,
                pattern="stripes",
            )
            for i in range(steps)
        ]
    seat_h = min(0.45, 0.5 * h)
    return [
        p.part("box", (0.0, 0.0, seat_h / 2), (w, d, seat_h), colour),
        p.part("box", (0.0, -0.4 * d, (seat_h + h) / 2), (w, 0.2 * d, max(h - seat_h, 0.1)), jitter(colour, rng, 0.05)),
    ]


def table(p: Placer, w: float, h: float, d: float, colour: Vec3) -> list[Primitive]:
    top = min(0.06, 0.2 * h)
    return [
        p.part("box", (0.0, 0.0, h - top / 2), (w, d, top), colour),
        p.part(
            "cylinder",
            (0.0, 0.0, (h - top) / 2),
            (0.15 * min(w, d) + 0.05, 0.15 * min(w, d) + 0.05, h - top),
            (0.2, 0.2, 0.2),
        ),
    ]


def bed(p: Placer, w: float, h: float, d: float, colour: Vec3) -> list[Primitive]:
    return [
        p.part("box", (0.0, 0.0, 0.3 * h), (w, d, 0.6 * h), (0.55, 0.58, 0.62)),
        p.part("box", (0.0, 0.05 * d, 0.75 * h), (w * 0.95, d * 0.88, 0.3 * h), colour),
        p.part("box", (0.0, -0.47 * d, 0.8 * h), (w, 0.06 * d, 0.4 * h + 0.2), (0.6, 0.62, 0.66)),
    ]


def display_case(p: Placer, w: float, h: float, d: float, colour: Vec3) -> list[Primitive]:
    base = 0.55 * h
    return [
        p.part("box", (0.0, 0.0, base / 2), (w, d, base), (0.25, 0.2, 0.16)),
        p.part("box", (0.0, 0.0, base + (h - base) / 2), (w, d, h - base), colour, pattern="glass"),
    ]


def sculpture(p: Placer, w: float, h: float, d: float, colour: Vec3, rng: np.random.Generator) -> list[Primitive]:
    plinth = 0.3 * h
    figure = "sphere" if rng.random() < 0.5 else "cylinder"
    return [
        p.part("box", (0.0, 0.0, plinth / 2), (w, d, plinth), (0.82, 0.8, 0.76)),
        p.part(figure, (0.0, 0.0, plinth + (h - plinth) / 2), (w * 0.6, d * 0.6, h - plinth), colour),
    ]


def plant_pot(p: Placer, w: float, h: float, d: float, rng: np.random.Generator) -> list[Primitive]:
    pot = 0.4 * h
    return [
        p.part("cylinder", (0.0, 0.0, pot / 2), (w * 0.7, d * 0.7, pot), jitter(material("plant_pot")[0], rng)),
        p.part(
            "sphere",
            (0.0, 0.0, pot + (h - pot) / 2),
            (w, d, h - pot),
            jitter((0.12, 0.35, 0.1), rng),
            pattern="foliage",
        ),
    ]


def canopy(p: Placer, w: float, h: float, d: float, colour: Vec3, rng: np.random.Generator) -> list[Primitive]:
    if w < 4 and d < 4:  # a parasol
        return [
            p.part("cylinder", (0.0, 0.0, h / 2), (0.06, 0.06, h), (0.3, 0.3, 0.3)),
            p.part("cylinder", (0.0, 0.0, h - 0.1), (w, d, 0.2), colour, pattern="stripes"),
        ]
    roof = 0.15 * h
    parts = [p.part("box", (0.0, 0.0, h - roof / 2), (w, d, roof), colour, pattern="stripes")]
    for sx, sy in ((-0.45, -0.45), (0.45, -0.45), (-0.45, 0.45), (0.45, 0.45)):
        parts.append(p.part("cylinder", (sx * w, sy * d, (h - roof) / 2), (0.1, 0.1, h - roof), (0.3, 0.3, 0.3)))
    return parts


def stall(p: Placer, w: float, h: float, d: float, colour: Vec3) -> list[Primitive]:
    counter = min(1.1, 0.45 * h)
    return [
        p.part("box", (0.0, 0.0, counter / 2), (w, d, counter), (0.55, 0.42, 0.3)),
        p.part("box", (0.0, 0.0, h - 0.1), (w * 1.1, d * 1.2, 0.2), colour, pattern="stripes"),
        p.part("box", (-0.45 * w, 0.4 * d, (counter + h) / 2), (0.08, 0.08, h - counter), (0.3, 0.3, 0.3)),
        p.part("box", (0.45 * w, 0.4 * d, (counter + h) / 2), (0.08, 0.08, h - counter), (0.3, 0.3, 0.3)),
    ]


def ferris_wheel(p: Placer, w: float, h: float, d: float, colour: Vec3) -> list[Primitive]:
    """A wheel in the local x-z plane: rim segments and gondolas on a circle, spokes, two legs."""
    radius = 0.45 * min(w, h)
    hub_z = h - radius - 0.05 * h
    parts = [
        p.part(
            "cylinder",
            (0.0, 0.0, hub_z),
            (radius * 0.12, radius * 0.12, d * 0.6),
            (0.3, 0.3, 0.32),
            pitch=90.0,
            yaw=90.0,
        )
    ]
    n = 16
    seg = 2 * math.pi * radius / n * 1.05
    for i in range(n):
        a = 2 * math.pi * i / n
        x, z = radius * math.cos(a), hub_z + radius * math.sin(a)
        parts.append(p.part("box", (x, 0.0, z), (seg, 0.25, 0.25), colour, pitch=-math.degrees(a) + 90.0))
        if i % 2 == 0:
            parts.append(p.part("box", (x, 0.0, z - 0.8), (1.2, 1.0, 1.2), VIVID[i % len(VIVID)]))
        if i % 4 == 0:
            parts.append(
                p.part(
                    "box",
                    (x / 2, 0.0, (hub_z + z) / 2),
                    (radius, 0.15, 0.15),
                    (0.75, 0.75, 0.78),
                    pitch=-math.degrees(a),
                )
            )
    for sx in (-1, 1):
        parts.append(
            p.part(
                "box",
                (sx * radius * 0.35, 0.0, hub_z / 2),
                (0.4, 0.4, hub_z * 1.08),
                (0.75, 0.75, 0.78),
                pitch=-sx * 18.0,
            )
        )
    return parts


def carousel(p: Placer, w: float, h: float, d: float, colour: Vec3) -> list[Primitive]:
    r = min(w, d)
    parts = [
        p.part("cylinder", (0.0, 0.0, 0.2), (r, r, 0.4), (0.6, 0.5, 0.4)),
        p.part("cylinder", (0.0, 0.0, h / 2), (0.1 * r, 0.1 * r, h), (0.85, 0.75, 0.3)),
        p.part("cylinder", (0.0, 0.0, h - 0.3 * h / 2), (r * 1.05, r * 1.05, 0.3 * h), colour, pattern="stripes"),
    ]
    for i in range(8):
        a = 2 * math.pi * i / 8
        parts.append(
            p.part(
                "box",
                (0.35 * r * math.cos(a), 0.35 * r * math.sin(a), 1.0),
                (0.3, 0.9, 0.8),
                VIVID[i % len(VIVID)],
                yaw=math.degrees(a),
            )
        )
    return parts


def coaster(p: Placer, w: float, h: float, d: float, colour: Vec3) -> list[Primitive]:
    """A track of tilted segments over support columns, rising and falling along local x."""
    parts = []
    n = 10
    xs = np.linspace(-w / 2, w / 2, n + 1)
    zs = [h * (0.35 + 0.6 * abs(math.sin(1.3 * i))) for i in range(n + 1)]
    for i in range(n):
        dx, dz = xs[i + 1] - xs[i], zs[i + 1] - zs[i]
        length = math.hypot(dx, dz)
        parts.append(
            p.part(
                "box",
                ((xs[i] + xs[i + 1]) / 2, 0.0, (zs[i] + zs[i + 1]) / 2),
                (length * 1.02, 1.6, 0.35),
                colour,
                pitch=-math.degrees(math.atan2(dz, dx)),
            )
        )
        parts.append(p.part("cylinder", (xs[i], 0.0, zs[i] / 2), (0.35, 0.35, zs[i]), (0.7, 0.7, 0.72)))
    return parts


def drop_tower(p: Placer, w: float, h: float, d: float, colour: Vec3) -> list[Primitive]:
    r = min(w, d)
    return [
        p.part("cylinder", (0.0, 0.0, h / 2), (0.35 * r, 0.35 * r, h), (0.75, 0.75, 0.78)),
        p.part("cylinder", (0.0, 0.0, h * 0.4), (r, r, 1.2), colour),
        p.part("cylinder", (0.0, 0.0, 0.4), (r * 1.2, r * 1.2, 0.8), (0.4, 0.4, 0.42)),
    ]


def ride(p: Placer, w: float, h: float, d: float, colour: Vec3, label: str) -> list[Primitive]:
    if "wheel" in label:
        return ferris_wheel(p, w, h, d, colour)
    if "coaster" in label:
        return coaster(p, w, h, d, colour)
    if "tower" in label or "drop" in label:
        return drop_tower(p, w, h, d, colour)
    return carousel(p, w, h, d, colour)


def panel(
    p: Placer, w: float, h: float, d: float, colour: Vec3, pattern: str, emissive: float = 0.0, z_from: float = 0.0
) -> list[Primitive]:
    return [p.part("box", (0.0, 0.0, z_from + h / 2), (w, d, h), colour, pattern=pattern, emissive=emissive)]


def kit(
    class_name: str,
    label: str,
    p: Placer,
    size_whd: Vec3,
    rng: np.random.Generator,
    *,
    season: str = "summer",
    mounted: str = "floor",
    speed: float = 0.0,
) -> list[Primitive]:
    """Parts for one object of ``class_name`` (a label keyword may pick a variant: 'bus', 'palm', 'ferris wheel').

    People, animals, trees, road vehicles, the moving rides and venue fittings (beds, benches, paintings,
    bookcases, stalls, terraces, ...) are library meshes (``speed``: m/s of a walker or animal, which sets its
    gait's pace); everything else is a kit of analytic primitives.
    """
    w, h, d = size_whd
    label = label.lower()
    # exactly one draw from the layout's stream, whatever the kit draws: turning an analytic kit into a library
    # model (or changing what a kit draws) never moves the rest of the scene
    rng = np.random.default_rng(int(rng.integers(1 << 62)))
    if mounted in ("floor", "wall"):
        model = (
            library_kit(class_name, label, p, size_whd, rng, season, speed)
            if mounted == "floor"
            else fitting_kit(class_name, label, p, size_whd)
        )
        if model is not None:
            return model
    base, pattern = material(class_name)
    colour = jitter(base, rng)
    if class_name == "person":
        return person(p, h, rng)
    if class_name == "vehicle":
        return vehicle(p, w, h, d, rng, label)
    if class_name == "animal":
        return animal(p, w, h, d, rng, label)
    if class_name == "vegetation":
        return tree(p, w, h, d, rng, season, label)
    if class_name == "light":
        return lamp(p, w, h, d, rng, mounted in ("ceiling", "wall"))
    if class_name == "seating":
        return seating(p, w, h, d, rng, colour, label)
    if class_name in ("table",):
        return table(p, w, h, d, colour)
    if class_name == "bed":
        return bed(p, w, h, d, colour)
    if class_name == "display_case":
        return display_case(p, w, h, d, colour)
    if class_name == "sculpture":
        return sculpture(p, w, h, d, colour, rng)
    if class_name == "plant_pot":
        return plant_pot(p, w, h, d, rng)
    if class_name == "canopy":
        return canopy(p, w, h, d, colour, rng)
    if class_name == "stall":
        return stall(p, w, h, d, jitter(VIVID[rng.integers(len(VIVID))], rng))
    if class_name == "ride":
        return ride(p, w, h, d, jitter(VIVID[rng.integers(len(VIVID))], rng), label)
    if class_name in ("column", "bin"):
        return [p.part("cylinder", (0.0, 0.0, h / 2), (w, d, h), colour, pattern=pattern)]
    if class_name == "screen":
        return panel(p, w, h, d, (0.25, 0.45, 0.6), "artwork", emissive=1.5)
    if class_name == "artwork":
        return panel(p, w, h, d, jitter(VIVID[rng.integers(len(VIVID))], rng), "artwork")
    if class_name == "signage":
        if mounted == "floor" and h > 1.2 and d < 0.5:  # a sign board on two legs
            board = min(h * 0.5, 1.5)
            return panel(p, w, board, d, colour, "artwork", z_from=h - board) + [
                p.part("box", (sx * w * 0.4, 0.0, (h - board) / 2), (0.08, 0.08, h - board), (0.3, 0.3, 0.3))
                for sx in (-1, 1)
            ]
        return panel(p, w, h, d, colour, "artwork", emissive=0.4)
    if class_name == "medical_equipment":
        return [
            p.part("box", (0.0, 0.0, 0.55 * h), (w, d, 0.35 * h), colour),
            p.part("cylinder", (0.0, 0.0, 0.19 * h), (0.1 * w + 0.04, 0.1 * w + 0.04, 0.38 * h), (0.4, 0.4, 0.42)),
            p.part("box", (0.0, 0.0, 0.86 * h), (w * 0.8, d * 0.3, 0.26 * h), (0.1, 0.25, 0.3), emissive=0.8),
        ]
    if class_name == "rock":
        return [p.part("sphere", (0.0, 0.0, h * 0.4), (w, d, h * 1.2), jitter(base, rng, 0.2), pattern=pattern)]
    if class_name == "aquarium_tank":
        return [
            p.part("box", (0.0, 0.0, 0.15 * h), (w, d, 0.3 * h), (0.15, 0.15, 0.17)),
            p.part("box", (0.0, 0.0, 0.3 * h + 0.35 * h), (w, d, 0.7 * h), colour, pattern="water", emissive=0.3),
        ]
    return [p.part("box", (0.0, 0.0, h / 2), (w, d, h), colour, pattern=pattern)]
