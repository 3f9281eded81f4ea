"""Rides that move: a Ferris wheel turning (32 poses over four gondola spacings, its gondola colours repeating
every four, so the cycle repeats seamlessly), a carousel turning with its horses rising and falling (likewise),
a roller coaster (a static track and its trains running along it, posed over one train spacing), a drop tower
(a static tower and its gondola rising slowly and dropping), bumper cars circling, a log flume (its channel and
its boats running along it), and a playground's swing set (swinging) and climbing frame with a slide (a child
climbs up and slides down). A ride whose moving part is small beside its structure is two keys placed in one
frame (``RIDE_PARTS``): the structure built once, the moving part posed."""

from __future__ import annotations

import math

import numpy as np

from worldmill.library.geometry import MeshBuilder, MeshData, rot_x, stripes

POSES = 16
GONDOLAS = 16
HORSES = 12
SKIN = ((0.62, 0.45, 0.35), (0.45, 0.30, 0.20), (0.28, 0.18, 0.12), (0.72, 0.56, 0.46))
VIVID = ((0.8, 0.1, 0.1), (0.1, 0.3, 0.8), (0.95, 0.75, 0.1), (0.1, 0.6, 0.3), (0.9, 0.45, 0.1), (0.6, 0.2, 0.6))


WHEEL_COLOURS = 4  # gondola colours repeat every 4 gondolas, and a cycle turns the wheel by 4 spacings
WHEEL_POSES = 32
HORSE_PATTERN = 4  # horses repeat (ring, colour, bob) every 4, and a cycle turns the carousel by 4 spacings
CAROUSEL_POSES = 48


def ferris_wheel(variant: int, style: str, detail: float) -> list[MeshData]:
    return [ferris_wheel_at(variant, detail, k / WHEEL_POSES) for k in range(WHEEL_POSES)]


def ferris_wheel_at(variant: int, detail: float, phase: float) -> MeshData:
    """The wheel at ``phase`` (0..1) of its cycle: turned by ``WHEEL_COLOURS`` gondola spacings, so that the
    gondola taking another's place has its colour and the last pose runs into the first without a jump."""
    radius, hub_z = 14.0, 16.0
    steel = (0.85, 0.85, 0.88)
    colours = [VIVID[(variant + 2 * i) % len(VIVID)] if i % 2 == 0 else VIVID[(variant + 2 * i + 1) % len(VIVID)]
               for i in range(WHEEL_COLOURS)]  # fmt: skip
    turn = 2 * math.pi / GONDOLAS * WHEEL_COLOURS * phase
    b = MeshBuilder(detail)
    for sx in (-1, 1):  # A-frame legs
        for sy in (-1, 1):
            b.capsule((sx * 6.0, sy * 1.6, 0.0), (0.0, sy * 1.2, hub_z), 0.3, 0.25, steel, seg=6)
    b.lathe((0.0, -1.5, hub_z), (0.0, 1.5, hub_z), [0.8, 0.8], (0.4, 0.4, 0.45), seg=12)
    rim = [
        np.array([radius * math.cos(turn + 2 * math.pi * i / 32), 0.0, hub_z + radius * math.sin(turn + 2 * math.pi * i / 32)])
        for i in range(32)
    ]
    for y in (-1.0, 1.0):
        for i in range(32):
            b.capsule(rim[i] + [0, y, 0], rim[(i + 1) % 32] + [0, y, 0], 0.18, 0.18, VIVID[variant % 6], seg=6)
    for i in range(GONDOLAS):
        a = turn + 2 * math.pi * i / GONDOLAS
        p = np.array([radius * math.cos(a), 0.0, hub_z + radius * math.sin(a)])
        b.capsule((0.0, 0.0, hub_z), p, 0.1, 0.08, steel, seg=4)
        b.box(p + [0.0, 0.0, -1.4], (1.6, 1.8, 1.7), colours[i % WHEEL_COLOURS])
        b.box(p + [0.0, 0.0, -0.35], (0.12, 0.12, 0.7), steel)
    return b.build()


def carousel(variant: int, style: str, detail: float) -> list[MeshData]:
    return [carousel_at(variant, detail, k / CAROUSEL_POSES) for k in range(CAROUSEL_POSES)]


def carousel_at(variant: int, detail: float, phase: float) -> MeshData:
    """The carousel at ``phase`` (0..1) of its cycle: turned by ``HORSE_PATTERN`` horse spacings while each
    horse rises and falls once; horses repeat in ring, coat and bob every ``HORSE_PATTERN``, so the horse
    that takes another's place looks as it did and the cycle wraps without a jump."""
    radius = 6.0
    canopy = stripes((0.9, 0.15, 0.15), (0.95, 0.92, 0.85), 1.2, axis=(1.0, 0.3, 0.0), seed=variant)
    coats = ((0.95, 0.95, 0.92), (0.35, 0.2, 0.1), (0.1, 0.1, 0.1), (0.75, 0.55, 0.3))
    turn = 2 * math.pi / HORSES * HORSE_PATTERN * phase
    b = MeshBuilder(detail)
    b.lathe((0.0, 0.0, 0.0), (0.0, 0.0, 0.5), [radius, radius], (0.55, 0.45, 0.35), seg=32)
    b.lathe((0.0, 0.0, 0.5), (0.0, 0.0, 4.2), [1.0, 1.0], (0.9, 0.8, 0.4), seg=16)
    b.lathe((0.0, 0.0, 4.2), (0.0, 0.0, 6.2), [radius * 1.05, radius * 0.7, radius * 0.3, 0.0], canopy, seg=32)
    for i in range(HORSES):
        a = turn + 2 * math.pi * i / HORSES
        r = radius * (0.72 if i % 2 else 0.5)
        c = np.array([r * math.cos(a), r * math.sin(a), 0.0])
        lift = 0.35 * math.sin(2 * math.pi * phase + math.pi / 2 * (i % HORSE_PATTERN))
        tangent = np.array([-math.sin(a), math.cos(a), 0.0])
        colour = coats[(i + variant) % HORSE_PATTERN]
        b.capsule(c + [0, 0, 0.5], c + [0, 0, 4.2], 0.04, 0.04, (0.9, 0.8, 0.3), seg=4)
        body = c + [0.0, 0.0, 1.6 + lift]
        b.ellipsoid(body, (0.7, 0.28, 0.25), colour, seg=10, axis=tangent)
        b.capsule(body + tangent * 0.55, body + tangent * 0.8 + [0, 0, 0.5], 0.12, 0.1, colour, seg=6)
        b.ellipsoid(body + tangent * 0.95 + [0, 0, 0.55], (0.25, 0.1, 0.1), colour, seg=8, axis=tangent)
        for s in (-1, 1):
            b.capsule(body + tangent * 0.4 * s, body + tangent * 0.55 * s + [0, 0, -0.7], 0.06, 0.05, colour, seg=4)
    return b.build()


# -- roller coaster: one closed circuit per variant, shared by the track and the trains that run on it --------

COASTER_POSES = 48  # poses over one train spacing: ~2.3 m a step at full size (~7 poses a second)
COASTER_TRAINS = 3
COASTER_CARS = 3
COASTER_CYCLE_S = 7.0  # seconds per train spacing: ~15 m/s on a 330 m circuit
CAR_LENGTH = 2.2
RAIL_GAUGE = 1.1


def coaster_circuit(variant: int, samples: int = 720) -> tuple[np.ndarray, np.ndarray]:
    """(points [N, 3], arc length at each point) of the variant's closed circuit: an oval footprint with a
    lift hill, the first drop, a run of camel-back hills of falling height and a level station."""
    rng = np.random.default_rng(variant + 401)
    half_w, half_l, top = rng.uniform(17.0, 22.0), rng.uniform(40.0, 48.0), rng.uniform(30.0, 40.0)
    hills, wiggle = int(rng.integers(2, 4)), rng.uniform(0.08, 0.18)
    u = np.linspace(0.0, 1.0, samples, endpoint=False)
    a = 2 * np.pi * u
    x = half_w * (np.cos(a) + wiggle * np.sin(3 * a))
    y = half_l * np.sin(a)
    lift = np.clip(u / 0.25, 0.0, 1.0)
    drop = 0.5 + 0.5 * np.cos(np.pi * np.clip((u - 0.25) / 0.1, 0.0, 1.0))
    run = np.clip((u - 0.35) / 0.5, 0.0, 1.0)
    camel = np.where((u > 0.35) & (u < 0.85), 0.6 * (1.0 - 0.6 * run) * np.sin(np.pi * hills * run) ** 2, 0.0)
    f = np.where(u < 0.25, lift, np.where(u < 0.35, drop, camel))
    z = 2.0 + (top - 2.0) * f
    pts = np.stack([x, y, z], axis=1)
    steps = np.linalg.norm(np.roll(pts, -1, axis=0) - pts, axis=1)
    return pts, np.concatenate([[0.0], np.cumsum(steps)[:-1]])


def _along(pts: np.ndarray, arc: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
    """(point, unit tangent) at arc length ``s`` (wrapped) of a closed polyline."""
    total = arc[-1] + float(np.linalg.norm(pts[0] - pts[-1]))
    s = s % total
    i = int(np.searchsorted(arc, s, side="right")) - 1
    j = (i + 1) % len(pts)
    seg = pts[j] - pts[i]
    k = (s - arc[i]) / max(float(np.linalg.norm(seg)), 1e-9)
    return pts[i] + seg * k, seg / max(float(np.linalg.norm(seg)), 1e-9)


def _frame_along(tangent: np.ndarray) -> np.ndarray:
    """Rotation whose local y runs along ``tangent`` and local z stays as near world up as it can."""
    fwd = tangent / np.linalg.norm(tangent)
    side = np.cross(fwd, [0.0, 0.0, 1.0])
    side = side / max(float(np.linalg.norm(side)), 1e-9)
    up = np.cross(side, fwd)
    return np.stack([side, fwd, up], axis=1)  # columns: local x, y, z in world


def _beam(b: MeshBuilder, a, c, width: float, height: float, color) -> None:
    """A box from ``a`` to ``c`` (a rail, a tie, a leg), its cross-section upright."""
    a, c = np.asarray(a, dtype=np.float64), np.asarray(c, dtype=np.float64)
    d = c - a
    length = float(np.linalg.norm(d))
    if length < 1e-6:
        return
    yaw = math.degrees(math.atan2(d[1], d[0])) - 90.0
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, d[2] / length))))
    b.box((a + c) / 2, (width, length, height), color, yaw_deg=yaw, pitch_deg=pitch)


def _segments(pts: np.ndarray, overlap: float):
    """(index, start, end, unit sideways, overlap along) of each segment of a closed polyline (segments are
    lengthened by ``overlap`` at both ends, so beams along them meet without gaps)."""
    n = len(pts)
    for i in range(n):
        p, q = pts[i], pts[(i + 1) % n]
        fwd = (q - p) / max(float(np.linalg.norm(q - p)), 1e-9)
        yield i, p, q, _frame_along(fwd)[:, 0], fwd * overlap


def coaster_track(variant: int, style: str, detail: float) -> list[MeshData]:
    pts, _ = coaster_circuit(variant, samples=max(72, round(180 * detail)))
    rail = VIVID[(variant + 2) % len(VIVID)]
    steel = (0.82, 0.82, 0.84)
    b = MeshBuilder(detail)
    n = len(pts)
    for i, p, q, side, ext in _segments(pts, 0.08):
        for sx in (-1.0, 1.0):
            _beam(b, p + side * sx * RAIL_GAUGE / 2 - ext, q + side * sx * RAIL_GAUGE / 2 + ext, 0.16, 0.16, rail)
        _beam(b, p - [0, 0, 0.45] - ext, q - [0, 0, 0.45] + ext, 0.55, 0.5, rail)  # spine tube
        if i % 2 == 0:
            _beam(b, p - side * RAIL_GAUGE * 0.6 - [0, 0, 0.1], p + side * RAIL_GAUGE * 0.6 - [0, 0, 0.1], 0.12, 0.12,
                  steel)  # fmt: skip
        if i % 4 == 0 and p[2] > 1.5:
            for sx in (-1.0, 1.0):
                foot = p + side * sx * 1.4
                foot[2] = 0.0
                _beam(b, foot, p + side * sx * 0.3 - [0, 0, 0.4], 0.3, 0.3, steel)
    station, tangent = pts[int(0.93 * n)], pts[(int(0.93 * n) + 1) % n] - pts[int(0.93 * n)]
    yaw = math.degrees(math.atan2(tangent[1], tangent[0])) - 90.0
    b.box(station + [0, 0, -1.1], (5.0, 12.0, 2.2), (0.55, 0.5, 0.45), yaw_deg=yaw)  # station platform
    b.box(station + [0, 0, 3.4], (6.0, 13.0, 0.3), VIVID[variant % len(VIVID)], yaw_deg=yaw)  # its roof
    return [b.build()]


def _coaster_car(variant: int, index: int, detail: float) -> MeshBuilder:
    """One car in its own frame (y forward, base on the rails' top), with two riders, hands up (boxes: a train
    is seen from afar and posed many times over)."""
    rng = np.random.default_rng(variant * 31 + index)
    paint = VIVID[(variant + index) % len(VIVID)]
    b = MeshBuilder(detail)
    b.box((0.0, 0.0, 0.35), (1.5, CAR_LENGTH * 0.92, 0.5), paint)
    b.box((0.0, -CAR_LENGTH * 0.4, 0.85), (1.4, 0.2, 0.6), paint)  # seat back
    if index == 0:
        b.box((0.0, CAR_LENGTH * 0.46, 0.55), (1.5, 0.4, 0.9), paint, pitch_deg=-25.0)  # nose
    for sx in (-0.35, 0.35):
        shirt = VIVID[int(rng.integers(len(VIVID)))]
        b.box((sx, -0.05, 0.85), (0.42, 0.3, 0.6), shirt)
        b.box((sx, -0.03, 1.3), (0.22, 0.22, 0.26), SKIN[int(rng.integers(len(SKIN)))])
        b.box((sx, 0.0, 1.55), (0.5, 0.1, 0.5), shirt)  # arms up
    return b


def _running(pts, arc, units, spacing: float, poses: int, detail: float, lift: float = 0.0) -> list[MeshData]:
    """The poses of vehicles running round a closed circuit, moved on by one ``spacing`` over the cycle (so it
    repeats seamlessly): ``units`` are (builder, arc length of the unit at phase 0), ``lift`` raises them."""
    out = []
    for k in range(poses):
        b = MeshBuilder(detail)
        for unit, start in units:
            p, tangent = _along(pts, arc, start + spacing * k / poses)
            b.merge(unit, _frame_along(tangent), p + [0.0, 0.0, lift])
        out.append(b.build())
    return out


def coaster_train(variant: int, style: str, detail: float) -> list[MeshData]:
    pts, arc = coaster_circuit(variant)
    total = arc[-1] + float(np.linalg.norm(pts[0] - pts[-1]))
    spacing = total / COASTER_TRAINS
    cars = [_coaster_car(variant, i, detail) for i in range(COASTER_CARS)]
    units = [(car, spacing * t - i * (CAR_LENGTH + 0.3)) for t in range(COASTER_TRAINS) for i, car in enumerate(cars)]
    return _running(pts, arc, units, spacing, COASTER_POSES, detail)


# -- drop tower: a lattice tower and a gondola ring of riders that rises slowly and falls ---------------------

DROP_POSES = 64
DROP_HEIGHT = 60.0


def drop_tower(variant: int, style: str, detail: float) -> list[MeshData]:
    colour = VIVID[variant % len(VIVID)]
    steel = (0.8, 0.8, 0.83)
    b = MeshBuilder(detail)
    b.lathe((0.0, 0.0, 0.0), (0.0, 0.0, 1.2), [4.5, 4.5], (0.45, 0.45, 0.48), seg=20)  # base
    b.box((0.0, 0.0, DROP_HEIGHT / 2), (1.6, 1.6, DROP_HEIGHT), steel)
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.box((sx * 0.95, sy * 0.95, DROP_HEIGHT / 2), (0.3, 0.3, DROP_HEIGHT), colour)
    for z in np.arange(4.0, DROP_HEIGHT, 6.0):  # lattice rings
        b.box((0.0, 0.0, z), (2.3, 2.3, 0.2), colour)
    b.lathe((0.0, 0.0, DROP_HEIGHT), (0.0, 0.0, DROP_HEIGHT + 3.0), [2.2, 2.4, 1.2], colour, seg=16)  # crown
    b.lathe((0.0, 0.0, DROP_HEIGHT + 3.0), (0.0, 0.0, DROP_HEIGHT + 6.0), [0.15, 0.0], steel, seg=6)  # mast
    return [b.build()]


def drop_height(u: float) -> float:
    """Gondola floor at cycle phase ``u`` (0..1) as a share of its travel: a slow lift, a pause at the top,
    a free fall, braking and boarding at the bottom."""
    if u < 0.55:
        return 0.5 - 0.5 * math.cos(math.pi * u / 0.55)
    if u < 0.65:
        return 1.0
    if u < 0.75:
        return 1.0 - 0.95 * ((u - 0.65) / 0.1) ** 2
    if u < 0.85:
        return 0.05 * (1.0 - (u - 0.75) / 0.1)
    return 0.0


def drop_gondola(variant: int, style: str, detail: float) -> list[MeshData]:
    rng = np.random.default_rng(variant + 77)
    colour = VIVID[(variant + 3) % len(VIVID)]
    ring = MeshBuilder(detail)
    ring.lathe((0.0, 0.0, 0.0), (0.0, 0.0, 0.6), [3.2, 3.2], colour, seg=20)
    ring.lathe((0.0, 0.0, 0.6), (0.0, 0.0, 2.2), [1.7, 1.5], (0.85, 0.85, 0.88), seg=12)  # collar on the tower
    seats = 8
    for i in range(seats):
        a = 2 * math.pi * i / seats
        r = np.array([math.cos(a), math.sin(a), 0.0])
        yaw = math.degrees(a) + 90.0
        base = r * 3.0
        ring.box(base + [0, 0, 1.0], (0.6, 0.25, 1.2), colour, yaw_deg=yaw)  # seat back
        ring.box(base + r * 0.3 + [0, 0, 1.0], (0.45, 0.3, 0.6), VIVID[int(rng.integers(len(VIVID)))], yaw_deg=yaw)
        ring.box(base + r * 0.32 + [0, 0, 1.45], (0.22, 0.22, 0.26), SKIN[int(rng.integers(len(SKIN)))], yaw_deg=yaw)
        ring.box(base + r * 0.5 + [0, 0, 0.3], (0.36, 0.18, 0.9), (0.2, 0.2, 0.3), yaw_deg=yaw)  # dangling legs
    travel = DROP_HEIGHT - 6.0
    out = []
    for k in range(DROP_POSES):
        b = MeshBuilder(detail)
        b.merge(ring, None, (0.0, 0.0, 1.6 + travel * drop_height(k / DROP_POSES)))
        out.append(b.build())
    return out


# -- bumper cars: each circles a small loop of its own on the hall's floor ------------------------------------

BUMPER_POSES = 24
BUMPER_LENGTH = 2.1  # bumper ring, nose to tail (m): scenes scale a car to the depth they give it


def bumper_car(variant: int, style: str, detail: float) -> list[MeshData]:
    rng = np.random.default_rng(variant + 909)
    paint = VIVID[variant % len(VIVID)]
    car = MeshBuilder(detail)
    car.lathe((0.0, 0.0, 0.05), (0.0, 0.0, 0.35), [1.0, 1.0], (0.08, 0.08, 0.08), seg=12, squash=(0.65, 1.05))
    car.box((0.0, -0.1, 0.55), (1.15, 1.6, 0.4), paint)  # body
    car.box((0.0, 0.6, 0.55), (1.0, 0.5, 0.3), paint, pitch_deg=-15.0)  # bonnet
    car.box((0.0, -0.55, 0.95), (0.9, 0.3, 0.6), paint)  # seat back
    car.capsule((0.0, -0.85, 0.75), (0.0, -0.85, 2.4), 0.035, 0.035, (0.7, 0.7, 0.72), seg=4)  # pole
    shirt = VIVID[int(rng.integers(len(VIVID)))]
    car.box((0.0, -0.25, 0.95), (0.45, 0.3, 0.55), shirt)
    car.ellipsoid((0.0, -0.22, 1.38), (0.12, 0.11, 0.13), (0.6, 0.45, 0.33), seg=6, axis=(0, 0, 1))
    car.box((0.0, 0.35, 0.85), (0.35, 0.08, 0.35), (0.1, 0.1, 0.1), pitch_deg=-30.0)  # steering wheel
    loop_x, loop_y = rng.uniform(0.6, 0.9), rng.uniform(0.4, 0.6)
    turn = 1.0 if rng.random() < 0.5 else -1.0
    out = []
    for k in range(BUMPER_POSES):
        a = turn * 2 * math.pi * k / BUMPER_POSES
        pos = np.array([loop_x * math.cos(a), loop_y * math.sin(a), 0.0])
        heading = np.array([-loop_x * math.sin(a) * turn, loop_y * math.cos(a) * turn, 0.0])
        b = MeshBuilder(detail)
        b.merge(car, _frame_along(heading), pos)
        out.append(b.build())
    return out


# -- swing ride and teacups: turning like the carousel; colours alternate in pairs and a cycle turns two spacings,
# so the last pose runs seamlessly into the first ------------------------------------------------------------

SWINGS = 16
CUPS = 6


def swing_ride(variant: int, style: str, detail: float) -> list[MeshData]:
    """A chair-o-plane: a tower with a crown, chairs on long chains flung out by the turn."""
    return [swing_ride_at(variant, detail, k / POSES) for k in range(POSES)]


def swing_ride_at(variant: int, detail: float, phase: float) -> MeshData:
    """The swing ride at ``phase`` (0..1) of its cycle: turned by two seat spacings over the cycle."""
    rng = np.random.default_rng(variant + 515)
    colour = VIVID[variant % len(VIVID)]
    crown = stripes(colour, (0.95, 0.92, 0.85), 1.0, axis=(1.0, 0.4, 0.0), seed=variant)
    height, reach, chain = 11.0, 5.5, 5.0
    riders = [(VIVID[int(rng.integers(len(VIVID)))], SKIN[int(rng.integers(len(SKIN)))]) for _ in range(2)]
    turn = 2 * 2 * math.pi / SWINGS * phase
    b = MeshBuilder(detail)
    b.lathe((0.0, 0.0, 0.0), (0.0, 0.0, 0.4), [6.5, 6.5], (0.5, 0.45, 0.4), seg=24)  # platform
    b.lathe((0.0, 0.0, 0.4), (0.0, 0.0, height), [0.7, 0.5], (0.85, 0.85, 0.88), seg=10)  # tower
    b.lathe((0.0, 0.0, height - 0.6), (0.0, 0.0, height + 1.6), [reach + 0.3, reach, 1.0, 0.0], crown, seg=24)
    for i in range(SWINGS):
        a = turn + 2 * math.pi * i / SWINGS
        out_dir = np.array([math.cos(a), math.sin(a), 0.0])
        top = out_dir * reach + [0.0, 0.0, height - 0.6]
        seat = top + out_dir * chain * 0.55 - [0.0, 0.0, chain * 0.83]  # flung out ~35 degrees
        b.capsule(top, seat + [0, 0, 0.5], 0.03, 0.03, (0.6, 0.6, 0.62), seg=4, up=out_dir)
        yaw = math.degrees(a)
        shirt, skin = riders[i % 2]
        b.box(seat, (0.5, 0.5, 0.1), colour, yaw_deg=yaw)
        b.box(seat + [0, 0, 0.35], (0.4, 0.28, 0.55), shirt, yaw_deg=yaw)
        b.box(seat + [0, 0, 0.75], (0.2, 0.2, 0.24), skin, yaw_deg=yaw)
    return b.build()


def teacups(variant: int, style: str, detail: float) -> list[MeshData]:
    """Teacups on a turning floor, each cup spinning on its own saucer."""
    return [teacups_at(variant, detail, k / POSES) for k in range(POSES)]


def teacups_at(variant: int, detail: float, phase: float) -> MeshData:
    """The teacups at ``phase`` (0..1) of their cycle: the floor turns two cup spacings, each cup a full spin."""
    rng = np.random.default_rng(variant + 616)
    colours = [VIVID[(variant + i) % len(VIVID)] for i in range(2)]
    skins = [[SKIN[int(rng.integers(len(SKIN)))] for _ in range(2)] for _ in range(2)]
    turn = 2 * 2 * math.pi / CUPS * phase
    b = MeshBuilder(detail)
    b.lathe((0.0, 0.0, 0.0), (0.0, 0.0, 0.3), [6.8, 6.8], (0.45, 0.3, 0.5), seg=28)  # turntable
    b.lathe((0.0, 0.0, 0.3), (0.0, 0.0, 1.6), [1.0, 0.6, 0.0], (0.95, 0.8, 0.3), seg=12)  # centre teapot lid
    for i in range(CUPS):
        a = turn + 2 * math.pi * i / CUPS
        c = np.array([4.3 * math.cos(a), 4.3 * math.sin(a), 0.3])
        spin = 3.0 * a  # one spin a cycle (the floor turns a third of a turn), the same for whichever cup is here
        facing = np.array([math.cos(spin), math.sin(spin), 0.0])
        b.lathe(c, c + [0, 0, 0.15], [1.6, 1.6], (0.9, 0.9, 0.88), seg=16, up=facing)  # saucer
        cup = stripes(colours[i % 2], (0.97, 0.95, 0.9), 0.5, axis=facing)
        b.lathe(c + [0, 0, 0.15], c + [0, 0, 1.2], [0.9, 1.2, 1.35], cup, seg=16, up=facing)
        b.capsule(c + facing * 1.4 + [0, 0, 0.5], c + facing * 1.4 + [0, 0, 1.0], 0.12, 0.12, colours[i % 2], seg=4)
        for j in range(2):  # riders' heads over the rim
            off = np.array([math.cos(spin + math.pi * j + 1.2), math.sin(spin + math.pi * j + 1.2), 0.0]) * 0.6
            b.box(c + off + [0, 0, 1.35], (0.22, 0.22, 0.26), skins[i % 2][j], yaw_deg=math.degrees(spin))
    return b.build()


# -- log flume: a water channel on stilts round an oval, a lift, a steep chute into a splash pool, and log
# boats of riders running along it (posed over one boat spacing, like the coaster's trains) ----------------

FLUME_POSES = 48
FLUME_BOATS = 4
FLUME_CYCLE_S = 11.0  # seconds per boat spacing: ~4 m/s on a ~180 m channel
BOAT_LENGTH = 3.4
WATER = (0.1, 0.45, 0.72)


def flume_circuit(variant: int, samples: int = 360) -> tuple[np.ndarray, np.ndarray]:
    """(points [N, 3] along the channel's water line, arc length at each point) of the variant's closed
    flume: level runs a metre and a half up, a lift to the top, a short top run and the chute down to the
    splash pool at ground level."""
    rng = np.random.default_rng(variant + 733)
    half_w, half_l, top = rng.uniform(9.0, 12.0), rng.uniform(30.0, 38.0), rng.uniform(14.0, 18.0)
    u = np.linspace(0.0, 1.0, samples, endpoint=False)
    a = 2 * np.pi * u
    x = half_w * (np.cos(a) + 0.15 * np.sin(2 * a))
    y = half_l * np.sin(a)
    lift = np.clip((u - 0.1) / 0.3, 0.0, 1.0)
    chute = np.clip((u - 0.5) / 0.08, 0.0, 1.0)
    z = np.where(u < 0.5, 1.5 + (top - 1.5) * (0.5 - 0.5 * np.cos(np.pi * lift)), top - (top - 0.4) * chute ** 1.5)
    z = np.where(u >= 0.58, np.minimum(1.5, 0.4 + 1.1 * np.clip((u - 0.62) / 0.1, 0.0, 1.0)), z)
    pts = np.stack([x, y, z], axis=1)
    steps = np.linalg.norm(np.roll(pts, -1, axis=0) - pts, axis=1)
    return pts, np.concatenate([[0.0], np.cumsum(steps)[:-1]])


def flume_channel(variant: int, style: str, detail: float) -> list[MeshData]:
    """The channel (a trough of fibreglass with water in it) on steel stilts, a station platform and the
    splash pool at the foot of the chute."""
    pts, _ = flume_circuit(variant, samples=max(90, round(180 * detail)))
    trough = ((0.92, 0.9, 0.84), (0.85, 0.5, 0.22), (0.3, 0.62, 0.55))[variant % 3]  # fibreglass
    steel = (0.75, 0.75, 0.78)
    b = MeshBuilder(detail)
    n = len(pts)
    for i, p, q, side, ext in _segments(pts, 0.1):
        _beam(b, p - [0, 0, 0.45] - ext, q - [0, 0, 0.45] + ext, 2.0, 0.25, trough)  # the floor
        for sx in (-1.0, 1.0):  # the walls
            _beam(b, p + side * sx * 1.0 - [0, 0, 0.05] - ext, q + side * sx * 1.0 - [0, 0, 0.05] + ext, 0.15, 0.9,
                  trough)  # fmt: skip
        _beam(b, p - [0, 0, 0.2] - ext, q - [0, 0, 0.2] + ext, 1.85, 0.1, WATER)  # the water
        if i % 3 == 0 and p[2] > 1.2:
            for sx in (-1.0, 1.0):
                foot = p + side * sx * 0.9
                foot[2] = 0.0
                _beam(b, foot, p + side * sx * 0.9 - [0, 0, 0.55], 0.2, 0.2, steel)
    k = int(0.6 * n)
    pool, tangent = pts[k], pts[(k + 1) % n] - pts[k]
    yaw = math.degrees(math.atan2(tangent[1], tangent[0])) - 90.0
    b.box(pool + [0, 0, -0.55], (7.0, 12.0, 0.3), WATER, yaw_deg=yaw)  # the splash pool and its rim
    for sx in (-1, 1):
        b.box(pool + np.array([math.cos(math.radians(yaw)), math.sin(math.radians(yaw)), 0.0]) * sx * 3.6
              + [0, 0, -0.3], (0.4, 12.0, 0.8), (0.6, 0.6, 0.58), yaw_deg=yaw)  # fmt: skip
    station, tangent = pts[int(0.95 * n)], pts[(int(0.95 * n) + 1) % n] - pts[int(0.95 * n)]
    yaw = math.degrees(math.atan2(tangent[1], tangent[0])) - 90.0
    b.box(station + [0, 0, -1.0], (6.0, 10.0, 1.0), (0.55, 0.45, 0.35), yaw_deg=yaw)  # the station's deck
    b.box(station + [0, 0, 2.6], (7.0, 11.0, 0.25), VIVID[variant % len(VIVID)], yaw_deg=yaw)  # its roof
    return [b.build()]


def _log_boat(variant: int, index: int, detail: float) -> MeshBuilder:
    """A hollowed log (y forward, its floor at the water line) with two or three riders."""
    rng = np.random.default_rng(variant * 37 + index)
    bark = (0.42, 0.27, 0.14)
    b = MeshBuilder(detail)
    b.lathe((0.0, -BOAT_LENGTH / 2, 0.1), (0.0, BOAT_LENGTH / 2, 0.1), [0.25, 0.55, 0.6, 0.6, 0.55, 0.3], bark, seg=10,
            squash=(0.75, 1.0))  # fmt: skip
    b.box((0.0, 0.0, 0.55), (0.8, BOAT_LENGTH * 0.7, 0.08), (0.25, 0.15, 0.08))  # the hollow, dark inside
    for j in range(int(rng.integers(2, 4))):
        y = 0.9 - j * 0.85
        shirt = VIVID[int(rng.integers(len(VIVID)))]
        b.box((0.0, y, 0.8), (0.42, 0.28, 0.5), shirt)
        b.ellipsoid((0.0, y + 0.02, 1.2), (0.12, 0.11, 0.13), SKIN[int(rng.integers(len(SKIN)))], seg=6,
                    axis=(0, 0, 1))  # fmt: skip
    return b


def flume_logs(variant: int, style: str, detail: float) -> list[MeshData]:
    pts, arc = flume_circuit(variant)
    total = arc[-1] + float(np.linalg.norm(pts[0] - pts[-1]))
    spacing = total / FLUME_BOATS
    boats = [(_log_boat(variant, i, detail), spacing * i) for i in range(FLUME_BOATS)]
    return _running(pts, arc, boats, spacing, FLUME_POSES, detail, lift=-0.2)


# -- playground: a swing set whose swings swing, and a climbing frame with a slide that a child climbs and
# slides down ------------------------------------------------------------------------------------------------

SWING_POSES = 16
PLAY_POSES = 24
PAINT = ((0.85, 0.2, 0.15), (0.15, 0.45, 0.8), (0.95, 0.75, 0.1), (0.2, 0.65, 0.3))


def _child(b: MeshBuilder, rng: np.random.Generator, base, yaw_deg: float = 0.0, sitting: bool = False) -> None:
    """A small child (1.2 m) standing (or sitting) at ``base``."""
    base = np.asarray(base, dtype=np.float64)
    shirt, legs = VIVID[int(rng.integers(len(VIVID)))], (0.2, 0.22, 0.35)
    if sitting:
        b.box(base + [0, 0.15, 0.1], (0.26, 0.45, 0.14), legs, yaw_deg=yaw_deg)
    else:
        b.box(base + [0, 0, 0.28], (0.26, 0.16, 0.56), legs, yaw_deg=yaw_deg)
    torso = base + [0, 0, 0.14 if sitting else 0.56]
    b.box(torso + [0, 0, 0.2], (0.3, 0.18, 0.4), shirt, yaw_deg=yaw_deg)
    b.ellipsoid(torso + [0, 0, 0.53], (0.11, 0.1, 0.12), SKIN[int(rng.integers(len(SKIN)))], seg=6, axis=(0, 0, 1))


def swing_set(variant: int, style: str, detail: float) -> list[MeshData]:
    """An A-frame swing set (3.4 m wide, x) with three swings on chains, children on two of them, swinging
    to and fro along y over a cycle."""
    rng = np.random.default_rng(variant + 881)
    frame = PAINT[variant % len(PAINT)]
    width, top = 3.4, 2.4
    base = MeshBuilder(detail)
    for sx in (-1, 1):
        for sy in (-1, 1):
            base.capsule((sx * width / 2, sy * 0.9, 0.0), (sx * width / 2, 0.0, top), 0.05, 0.05, frame, seg=6)
    base.capsule((-width / 2, 0.0, top), (width / 2, 0.0, top), 0.06, 0.06, frame, seg=6)
    riders = [rng.random() < 0.8 for _ in range(3)]
    seats = []
    for i in range(3):
        seat = MeshBuilder(detail)
        x = (i - 1) * width / 3.4
        for sx in (-0.2, 0.2):
            seat.capsule((x + sx, 0.0, top), (x + sx, 0.0, 0.5), 0.015, 0.015, (0.6, 0.6, 0.62), seg=4)
        seat.box((x, 0.0, 0.47), (0.48, 0.2, 0.04), (0.15, 0.15, 0.15))
        if riders[i]:
            _child(seat, rng, (x, -0.05, 0.49), sitting=True)
        seats.append(seat)
    out = []
    for k in range(SWING_POSES):
        b = MeshBuilder(detail)
        b.merge(base)
        for i, seat in enumerate(seats):
            swing = (30.0 if riders[i] else 6.0) * math.sin(2 * math.pi * k / SWING_POSES + 1.9 * i)
            b.posed(seat, (0.0, 0.0, top), rot_x(swing), (0.0, 0.0, top))
        out.append(b.build())
    return out


def _slide_path(t: float) -> np.ndarray:
    """Where the child is at phase ``t`` (0..1): up the ladder, across the platform, down the slide, and back
    round on the ground to the ladder's foot."""
    legs = (
        ((-1.6, -0.5, 0.0), (-1.6, -0.5, 1.5)),  # up the ladder
        ((-1.6, -0.5, 1.5), (0.0, -0.5, 1.5)),  # across the platform
        ((0.0, -0.5, 1.5), (2.9, -0.5, 0.3)),  # down the slide
        ((2.9, -0.5, 0.3), (2.9, -1.6, 0.0)),  # off it
        ((2.9, -1.6, 0.0), (-1.6, -1.6, 0.0)),  # back round
        ((-1.6, -1.6, 0.0), (-1.6, -0.5, 0.0)),
    )
    lengths = np.array([math.dist(a, b) for a, b in legs])
    s = (t % 1.0) * lengths.sum()
    for (a, b), n in zip(legs, lengths, strict=True):
        if s <= n:
            return np.asarray(a) + (np.asarray(b) - np.asarray(a)) * (s / n)
        s -= n
    return np.asarray(legs[0][0], dtype=np.float64)


def climbing_frame(variant: int, style: str, detail: float) -> list[MeshData]:
    """A playground tower: four posts, a deck 1.5 m up with a pitched roof, a ladder, a slide, a climbing
    net and monkey bars; a child climbs up and slides down over a cycle."""
    post, deck = (0.45, 0.3, 0.16), PAINT[variant % len(PAINT)]
    slide, roof = PAINT[(variant + 1) % len(PAINT)], PAINT[(variant + 2) % len(PAINT)]
    b0 = MeshBuilder(detail)
    for sx in (-1, 1):
        for sy in (-1, 1):
            b0.box((sx * 0.9 - 0.7, sy * 0.9 - 0.5, 1.35), (0.12, 0.12, 2.7), post)
    b0.box((-0.7, -0.5, 1.45), (1.9, 1.9, 0.1), deck)  # the deck
    for sy in (-1, 1):  # the roof
        b0.box((-0.7, -0.5 + sy * 0.5, 3.0), (2.1, 1.2, 0.06), roof, pitch_deg=-sy * 32.0)
    for z in np.arange(0.3, 1.5, 0.3):  # the ladder
        b0.box((-1.75, -0.5, z), (0.06, 0.6, 0.05), post)
    for sy in (-0.8, -0.2):
        b0.box((-1.75, sy, 0.75), (0.06, 0.06, 1.5), post)
    _beam(b0, (0.1, -0.5, 1.47), (3.0, -0.5, 0.27), 0.6, 0.05, slide)  # the chute
    for sy in (-0.31, 0.31):  # its sides
        _beam(b0, (0.1, -0.5 + sy, 1.57), (3.0, -0.5 + sy, 0.37), 0.04, 0.22, slide)
    for x in np.arange(-0.6, 1.6, 0.35):  # monkey bars on two frames
        b0.capsule((x, 0.55, 2.0), (x, 1.25, 2.0), 0.03, 0.03, deck, seg=4)
    for x in (-0.6, 1.55):
        for y in (0.55, 1.25):
            b0.box((x, y, 1.0), (0.1, 0.1, 2.0), post)
    for i in range(5):  # the climbing net's ropes
        b0.capsule((0.25, -1.4 + i * 0.45, 0.0), (0.25, -1.4 + i * 0.45, 1.45), 0.02, 0.02, (0.85, 0.8, 0.65), seg=4)
    out = []
    for k in range(PLAY_POSES):
        b = MeshBuilder(detail)
        b.merge(b0)
        t = k / PLAY_POSES
        at = _slide_path(t)
        ahead = _slide_path(t + 0.02) - at
        _child(b, np.random.default_rng(variant + 919), at, math.degrees(math.atan2(ahead[1], ahead[0])) - 90.0,
               sitting=0.35 < t < 0.6)  # fmt: skip
        out.append(b.build())
    return out


# ride label -> (structure key's kind, moving key's kind or "")
RIDE_PARTS = {
    "coaster": ("coaster_track", "coaster_train"),
    "drop": ("drop_tower", "drop_gondola"),
    "tower": ("drop_tower", "drop_gondola"),
    "wheel": ("ferris_wheel", ""),
    "swing ride": ("swing_ride", ""),
    "chair-o-plane": ("swing_ride", ""),
    "teacup": ("teacups", ""),
    "carousel": ("carousel", ""),
    "merry": ("carousel", ""),
    "flume": ("flume_channel", "flume_logs"),
    "log ride": ("flume_channel", "flume_logs"),
    "swing set": ("swing_set", ""),
    "swings": ("swing_set", ""),
    "climbing frame": ("climbing_frame", ""),
    "jungle gym": ("climbing_frame", ""),
    "slide": ("climbing_frame", ""),
    "playground": ("climbing_frame", ""),
}


def ride_parts(label: str) -> tuple[str, str] | None:
    """(structure kind, moving kind or "") of a ride label; None for the rides kept as analytic kits."""
    text = label.lower()
    return next((parts for word, parts in RIDE_PARTS.items() if word in text), None)


def _kinds():
    from worldmill.library import Kind

    return {
        "ferris_wheel": Kind(ferris_wheel, cycle_s=24.0, variants=3),  # a turn in 96 s, 1.3 poses a second
        "carousel": Kind(carousel, cycle_s=10.0, variants=3),  # a turn in 30 s, 4.8 poses a second
        "swing_ride": Kind(swing_ride, cycle_s=1.6, variants=3),  # a turn in ~13 s
        "teacups": Kind(teacups, cycle_s=4.0, variants=3),  # a turn in 12 s
        "coaster_track": Kind(coaster_track, variants=3),
        "coaster_train": Kind(coaster_train, cycle_s=COASTER_CYCLE_S, variants=3),
        "drop_tower": Kind(drop_tower, variants=3),
        "drop_gondola": Kind(drop_gondola, cycle_s=16.0, variants=3),
        "bumper_car": Kind(bumper_car, cycle_s=3.0, variants=4),
        "flume_channel": Kind(flume_channel, variants=3),
        "flume_logs": Kind(flume_logs, cycle_s=FLUME_CYCLE_S, variants=3),
        "swing_set": Kind(swing_set, cycle_s=2.8, variants=4),  # a child's swing on 2 m chains
        "climbing_frame": Kind(climbing_frame, cycle_s=9.0, variants=4),
    }


KINDS = _kinds()
