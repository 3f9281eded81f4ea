"""Stairs that read as stairs: grand and stone staircases with treads, nosings and balustrades, a spiral
staircase, escalators whose steps run and moving walkways, and a library ladder.

A box labelled "grand staircase" gives diffusion nothing to work with; steps, rails and balusters do. Local
frame as everywhere in the library: x across, y forward (the foot of a flight faces +y: visitors see the
risers), z up, base at z = 0; nominal sizes in metres, which scenes stretch to the taxonomy's box.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from worldmill.library.geometry import MeshBuilder, MeshData, model_rng, mottled

STONES = ((0.86, 0.84, 0.80), (0.80, 0.76, 0.70), (0.70, 0.68, 0.66), (0.90, 0.88, 0.86))  # marble, sandstone, ...
CONCRETE = (0.62, 0.62, 0.60)
RAIL_METALS = ((0.72, 0.74, 0.77), (0.20, 0.20, 0.22), (0.55, 0.42, 0.20))  # steel, black iron, brass
WOOD = (0.42, 0.27, 0.15)
ESCALATOR_POSES = 8  # the steps advance one step pitch over a cycle
ESCALATOR_PITCH = 0.4  # m between steps along the incline
ESCALATOR_SPEED = 0.5  # m/s



def _flight(b: MeshBuilder, width: float, run: float, rise: float, steps: int, y0: float, z0: float, tread, nosing):
    """Solid steps climbing from ``y0`` towards -y, each with a darker nosing along its front edge."""
    going, step_rise = run / steps, rise / steps
    for k in range(steps):
        top = z0 + (k + 1) * step_rise
        y = y0 - (k + 0.5) * going
        b.box((0.0, y, (z0 + top) / 2), (width, going, top - z0 + 1e-3), tread)
        b.box((0.0, y + going / 2 - 0.02, top - 0.015), (width * 0.995, 0.05, 0.035), nosing)


def _balustrade(b: MeshBuilder, x: float, a, c, height: float, posts: int, rail, baluster, *, seg: int = 6):
    """Balusters standing from the line ``a``→``c`` (points on the treads) and a handrail over them."""
    a, c = np.asarray(a, dtype=np.float64), np.asarray(c, dtype=np.float64)
    for t in np.linspace(0.0, 1.0, posts):
        p = a + (c - a) * t
        b.lathe((x, p[1], p[2]), (x, p[1], p[2] + height), [0.035, 0.05, 0.03, 0.035], baluster, seg=seg)
    b.capsule((x, a[1], a[2] + height), (x, c[1], c[2] + height), 0.045, 0.045, rail, seg=seg)
    for p in (a, c):  # newel posts at both ends
        b.box((x, p[1], p[2] + height * 0.55), (0.16, 0.16, height * 1.1), rail)


def staircase(variant: int, style: str, detail: float) -> list[MeshData]:
    """A flight of steps (4 m wide, 8 m run, 4 m rise nominal): "" a grand stair in stone or marble with
    turned balusters and a landing; "stone" an outdoor flight between cheek walls; "concrete" with tube rails;
    "spiral" wedge steps round a newel with a helical rail."""
    if style == "spiral":
        return [_spiral(variant, detail)]
    rng = model_rng("staircase", variant)
    b = MeshBuilder(detail)
    width, run, rise = 4.0, 8.0, 4.0
    if style == "concrete":
        tread = mottled(CONCRETE, 0.08, 3.0, variant)
        nosing = (0.85, 0.70, 0.15)  # yellow safety edge
    else:
        stone = STONES[int(rng.integers(len(STONES)))]
        tread = mottled(stone, 0.1, 2.5, variant)
        nosing = tuple(v * 0.72 for v in stone)
    if style in ("", "grand"):
        landing = run * 0.18
        lower = int(rng.integers(10, 13))
        upper = 22 - lower
        split = rise * lower / 22
        span = (run - landing) * lower / 22
        _flight(b, width, span, split, lower, run / 2, 0.0, tread, nosing)
        y_landing = run / 2 - span
        b.box((0.0, y_landing - landing / 2, split / 2), (width, landing, split), tread)  # landing
        _flight(b, width, run - landing - span, rise - split, upper, y_landing - landing, split, tread, nosing)
        rail = RAIL_METALS[int(rng.integers(len(RAIL_METALS)))] if rng.random() < 0.5 else WOOD
        baluster = tuple(v * 0.95 for v in STONES[int(rng.integers(len(STONES)))])
        for sx in (-1, 1):
            x = sx * (width / 2 - 0.1)
            _balustrade(b, x, (0, run / 2 - 0.1, rise / 22), (0, y_landing, split), 0.95, lower, rail, baluster)
            _balustrade(b, x, (0, y_landing - landing, split), (0, -run / 2 + 0.1, rise), 0.95, upper, rail,
                        baluster)  # fmt: skip
        carpet = ((0.55, 0.08, 0.08), (0.10, 0.18, 0.40), (0.12, 0.30, 0.18))[int(rng.integers(3))]
        if rng.random() < 0.6:  # a runner up the middle, a step's height above each tread
            _flight(b, width * 0.45, span, split + 0.01, lower, run / 2, 0.0, mottled(carpet, 0.1, 8.0), carpet)
    else:
        _flight(b, width, run, rise, 20, run / 2, 0.0, tread, nosing)
        if style == "stone":
            for sx in (-1, 1):  # cheek walls, stepped with the flight
                b.box((sx * (width / 2 + 0.3), 0.0, rise * 0.35), (0.6, run, rise * 0.7), tread)
                b.box((sx * (width / 2 + 0.3), -run / 2 + 0.6, (rise + 0.8) / 2), (0.6, 1.2, rise + 0.8), tread)
        else:
            metal = RAIL_METALS[0]
            for sx in (-1, 1):
                x = sx * (width / 2 - 0.08)
                a, c = np.array([x, run / 2, 0.9]), np.array([x, -run / 2, rise + 0.9])
                b.capsule(a, c, 0.03, 0.03, metal, seg=6)
                for t in np.linspace(0.0, 1.0, 6):
                    p = a + (c - a) * t
                    b.capsule((x, p[1], p[2] - 0.9), p, 0.025, 0.025, metal, seg=5)
    return [b.build()]


def _spiral(variant: int, detail: float) -> MeshData:
    """Wedge steps turning 1.25 times round a central newel, with a helical rail on their outer ends."""
    rng = model_rng("spiral", variant)
    b = MeshBuilder(detail)
    radius, rise, steps = 1.5, 4.0, 20
    metal = RAIL_METALS[int(rng.integers(len(RAIL_METALS)))]
    tread = mottled(WOOD if rng.random() < 0.5 else STONES[0], 0.1, 4.0, variant)
    b.lathe((0.0, 0.0, 0.0), (0.0, 0.0, rise + 1.0), [0.12, 0.12], metal, seg=10)
    turn = 2.5 * math.pi / steps
    rail = []
    for k in range(steps):
        ang = k * turn
        z = (k + 1) * rise / steps
        mid = radius * 0.55
        b.box((mid * math.cos(ang), mid * math.sin(ang), z - 0.03), (radius * 1.0, 0.55, 0.06), tread,
              yaw_deg=math.degrees(ang))  # fmt: skip
        end = np.array([radius * math.cos(ang), radius * math.sin(ang), z])
        b.capsule(end, end + [0, 0, 0.9], 0.02, 0.02, metal, seg=4)
        rail.append(end + [0, 0, 0.9])
    for p, q in itertools.pairwise(rail):
        b.capsule(p, q, 0.035, 0.035, metal, seg=5)
    return b.build()


def escalator(variant: int, style: str, detail: float) -> list[MeshData]:
    """An escalator (1.6 m wide, 10 m run, 5 m rise nominal) whose steps advance one pitch per pose cycle,
    between glass balustrades under black handrails; style "walkway": a flat moving walkway, 20 m long."""
    rng = model_rng("escalator", variant)
    walkway = style == "walkway"
    width, run, rise = (1.6, 20.0, 0.0) if walkway else (1.6, 10.0, 5.0)
    flat = 1.6  # landings at both ends
    incline = run - 2 * flat
    angle = math.degrees(math.atan2(rise, incline))
    length = math.hypot(rise, incline)
    truss = ((0.70, 0.72, 0.75), (0.35, 0.36, 0.40), (0.80, 0.78, 0.72))[int(rng.integers(3))]
    glass, black, edge = (0.55, 0.68, 0.72), (0.05, 0.05, 0.06), (0.85, 0.70, 0.15)

    def deck(y: float) -> float:  # height of the steps' top at y (+y: the foot)
        return 0.3 + rise * float(np.clip((run / 2 - flat - y) / incline, 0.0, 1.0))

    frame = MeshBuilder(detail)  # everything but the steps, shared by every pose
    for y in (run / 2 - flat / 2, -run / 2 + flat / 2):  # landings, solid down to the floor, with comb plates
        frame.box((0.0, y, deck(y) / 2), (width + 0.24, flat, deck(y)), truss)
        frame.box((0.0, y, deck(y) + 0.005), (width * 0.9, flat * 0.9, 0.01), (0.55, 0.56, 0.58))
    frame.box((0.0, 0.0, 0.3 + rise / 2 - 0.35), (width, length, 0.5), truss, pitch_deg=-angle)  # body
    for sx in (-1, 1):
        x = sx * (width / 2 + 0.06)
        frame.box((x, 0.0, 0.3 + rise / 2 + 0.2), (0.12, length + flat, 0.5), truss, pitch_deg=-angle)  # skirt
        frame.box((x, 0.0, 0.3 + rise / 2 + 0.9), (0.03, length + flat, 0.9), glass, pitch_deg=-angle)
        lo, hi = (x, run / 2 - 0.3, 1.45), (x, -run / 2 + 0.3, 1.45 + rise)
        frame.capsule(lo, (x, run / 2 - flat, 1.45), 0.05, 0.05, black, seg=6)
        frame.capsule((x, run / 2 - flat, 1.45), (x, -run / 2 + flat, 1.45 + rise), 0.05, 0.05, black, seg=6)
        frame.capsule((x, -run / 2 + flat, 1.45 + rise), hi, 0.05, 0.05, black, seg=6)
    poses = []
    for pose in range(ESCALATOR_POSES):
        b = MeshBuilder(detail)
        b.merge(frame)
        shift = ESCALATOR_PITCH * pose / ESCALATOR_POSES  # the steps move one pitch over the cycle
        for k in range(int(incline / ESCALATOR_PITCH) + 1):
            y = run / 2 - flat - k * ESCALATOR_PITCH - shift
            if y - ESCALATOR_PITCH < -run / 2 + flat:
                break
            z = deck(y - ESCALATOR_PITCH / 2)
            b.box((0.0, y - ESCALATOR_PITCH / 2, z - 0.1), (width * 0.9, ESCALATOR_PITCH * 0.92, 0.2),
                  (0.16, 0.16, 0.18))  # fmt: skip
            b.box((0.0, y - 0.04, z + 0.005), (width * 0.9, 0.05, 0.02), edge)
        poses.append(b.build())
    return poses


def ladder(variant: int, style: str, detail: float) -> list[MeshData]:
    """A library ladder leaning on its shelves: two rails and rungs on brass hooks."""
    rng = model_rng("ladder", variant)
    b = MeshBuilder(detail)
    wood = mottled(WOOD if rng.random() < 0.6 else (0.62, 0.46, 0.3), 0.1, 6.0, variant)
    height, width, lean = 2.8, 0.5, 0.35
    for sx in (-1, 1):
        b.capsule((sx * width / 2, lean, 0.0), (sx * width / 2, 0.0, height), 0.03, 0.03, wood, seg=5)
    for k in range(1, 10):
        t = k / 10
        b.capsule((-width / 2, lean * (1 - t), height * t), (width / 2, lean * (1 - t), height * t), 0.02, 0.02,
                  wood, seg=4)  # fmt: skip
    return [b.build()]


def _kinds():
    from worldmill.library import Kind

    return {
        "staircase": Kind(staircase, variants=4),
        "escalator": Kind(escalator, variants=3, cycle_s=ESCALATOR_PITCH / ESCALATOR_SPEED),
        "ladder": Kind(ladder, variants=2),
    }


KINDS = _kinds()
