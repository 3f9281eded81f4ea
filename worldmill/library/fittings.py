"""Venue fittings: hospital beds, drip stands, wheelchairs, desks, benches, display cases, a dinosaur skeleton,
statues on plinths, framed paintings with generated pictures, bookcases of books, market stalls with goods,
stadium terraces (rows of seats, aisle stairs) and cantilever roof sections.

Low-poly on purpose (a scene holds dozens): boxes and coarse lathes, with detail in the baked colours.
Local frame as everywhere in the library: x across, y forward (the side visitors see: a bed's foot, a
painting's face, a bookcase's open front), z up, base at z = 0; nominal sizes in metres, which scenes stretch
to the box the taxonomy gives.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from worldmill.library import people
from worldmill.library.geometry import MeshBuilder, MeshData, _hash_noise, model_rng, mottled, pick, stripes

STEEL = (0.72, 0.74, 0.77)
DARK = (0.08, 0.08, 0.09)
WOODS = ((0.45, 0.30, 0.17), (0.60, 0.44, 0.28), (0.30, 0.19, 0.11), (0.70, 0.58, 0.42))
BRIGHT = (
    (0.75, 0.12, 0.10),
    (0.10, 0.30, 0.70),
    (0.95, 0.75, 0.15),
    (0.12, 0.55, 0.30),
    (0.90, 0.45, 0.10),
    (0.55, 0.20, 0.55),
)
SHIRTS = BRIGHT + ((0.9, 0.9, 0.88), (0.1, 0.1, 0.12), (0.35, 0.4, 0.5), (0.08, 0.1, 0.2), (0.3, 0.3, 0.32),
                   (0.2, 0.3, 0.45), (0.12, 0.12, 0.12), (0.45, 0.38, 0.3))  # fmt: skip




def _wheel(b: MeshBuilder, centre, radius: float, width: float, tyre=DARK, hub=STEEL, seg: int = 12) -> None:
    """A wheel turning about x: a tyre disc and its hub."""
    c = np.asarray(centre, dtype=np.float64)
    b.lathe(c - [width / 2, 0, 0], c + [width / 2, 0, 0], [radius, radius], tyre, seg=seg)
    b.lathe(c - [width * 0.6, 0, 0], c + [width * 0.6, 0, 0], [radius * 0.35, radius * 0.35], hub, seg=6)


# -- hospital ---------------------------------------------------------------------------------------------


def hospital_bed(variant: int, style: str, detail: float) -> list[MeshData]:
    """Frame on castors, mattress, blanket and pillow, head- and footboard, side rails (a gurney: a thin
    pad on a trolley with its back raised)."""
    rng = model_rng("bed", variant)
    gurney = style == "gurney"
    w, length = 0.95, 2.1
    top = 0.62 if not gurney else 0.78
    b = MeshBuilder(detail)
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.box((sx * (w / 2 - 0.07), sy * (length / 2 - 0.1), (top - 0.1) / 2 + 0.06), (0.05, 0.05, top - 0.16),
                  STEEL)  # fmt: skip
            _wheel(b, (sx * (w / 2 - 0.07), sy * (length / 2 - 0.1), 0.055), 0.055, 0.04, seg=8)
    b.box((0.0, 0.0, top - 0.07), (w * 0.96, length * 0.97, 0.1), STEEL)  # frame
    blanket = pick(rng, ((0.55, 0.70, 0.85), (0.62, 0.80, 0.70), (0.92, 0.92, 0.90), (0.80, 0.72, 0.86)))
    sheet = (0.94, 0.95, 0.96)
    if gurney:
        b.box((0.0, 0.25, top + 0.04), (w * 0.85, length * 0.62, 0.08), (0.25, 0.35, 0.55))
        b.box((0.0, -0.62, top + 0.28), (w * 0.85, 0.75, 0.08), (0.25, 0.35, 0.55), pitch_deg=40.0)  # backrest
        b.box((0.0, 0.2, top + 0.09), (w * 0.8, length * 0.55, 0.04), sheet)
    else:
        b.box((0.0, 0.0, top + 0.08), (w * 0.9, length * 0.94, 0.16), sheet)  # mattress
        b.box((0.0, 0.22, top + 0.12), (w * 0.94, length * 0.62, 0.14), mottled(blanket, 0.08, 6.0, variant))
        b.box((0.0, 0.22 + length * 0.31, top + 0.04), (w * 0.94, 0.04, 0.22), mottled(blanket, 0.08, 6.0, variant))
        b.ellipsoid((0.0, -length / 2 + 0.3, top + 0.22), (0.32, 0.2, 0.08), sheet, seg=8, axis=(1, 0, 0))
        head = pick(rng, WOODS + ((0.85, 0.86, 0.88),))
        b.box((0.0, -length / 2 + 0.02, top + 0.2), (w, 0.05, 0.75), head)  # headboard
        b.box((0.0, length / 2 - 0.02, top + 0.05), (w, 0.05, 0.45), head)  # footboard
    for sx in (-1, 1):  # side rails
        b.box((sx * w * 0.49, -0.35, top + 0.25), (0.03, length * 0.4, 0.04), STEEL)
        for y in (-0.7, 0.0):
            b.box((sx * w * 0.49, y, top + 0.13), (0.03, 0.03, 0.24), STEEL)
    return [b.build()]


def iv_stand(variant: int, style: str, detail: float) -> list[MeshData]:
    """Five castor legs, a pole with a hook bar, a fluid bag with its line and an infusion pump."""
    rng = model_rng("iv", variant)
    h = 1.9
    b = MeshBuilder(detail)
    for i in range(5):
        a = 2 * math.pi * i / 5 + rng.uniform(0, 0.3)
        end = np.array([0.27 * math.cos(a), 0.27 * math.sin(a), 0.09])
        b.capsule((0.0, 0.0, 0.12), end, 0.015, 0.015, STEEL, seg=4)
        b.ellipsoid(end - [0, 0, 0.05], (0.035, 0.035, 0.035), DARK, seg=6)
    b.capsule((0.0, 0.0, 0.1), (0.0, 0.0, h), 0.014, 0.012, STEEL, seg=6)
    b.box((0.0, 0.0, h - 0.02), (0.4, 0.02, 0.02), STEEL)
    for sx in (-1, 1):
        if sx < 0 or rng.random() < 0.5:
            bag = (sx * 0.17, 0.0, h - 0.22)
            b.ellipsoid(bag, (0.1, 0.05, 0.15), (0.82, 0.88, 0.9), seg=8, axis=(0, 0, 1))
            b.capsule((sx * 0.17, 0.0, h - 0.37), (sx * 0.05, 0.08, 0.95), 0.005, 0.005, (0.8, 0.85, 0.88), seg=4)
    b.box((0.0, 0.08, 1.05), (0.2, 0.14, 0.24), (0.88, 0.88, 0.84))  # pump
    b.box((0.0, 0.151, 1.1), (0.14, 0.01, 0.08), (0.15, 0.45, 0.55))  # its display
    return [b.build()]


def wheelchair(variant: int, style: str, detail: float) -> list[MeshData]:
    rng = model_rng("wheelchair", variant)
    fabric = pick(rng, ((0.08, 0.08, 0.1), (0.1, 0.15, 0.35), (0.35, 0.08, 0.08)))
    frame = pick(rng, (STEEL, (0.2, 0.2, 0.22), (0.55, 0.1, 0.1)))
    b = MeshBuilder(detail)
    for sx in (-1, 1):
        _wheel(b, (sx * 0.3, -0.12, 0.3), 0.3, 0.04, seg=16)  # rear wheels
        b.lathe((sx * 0.33, -0.12, 0.3), (sx * 0.335, -0.12, 0.3), [0.27, 0.27], STEEL, seg=12)  # push rim
        _wheel(b, (sx * 0.22, 0.38, 0.08), 0.08, 0.03, seg=8)  # castors
        b.capsule((sx * 0.22, 0.38, 0.1), (sx * 0.22, 0.3, 0.5), 0.015, 0.015, frame, seg=4)
        b.capsule((sx * 0.22, -0.2, 0.5), (sx * 0.22, 0.3, 0.5), 0.015, 0.015, frame, seg=4)
        b.capsule((sx * 0.22, -0.2, 0.5), (sx * 0.22, -0.28, 1.0), 0.015, 0.015, frame, seg=4)  # back post
        b.capsule((sx * 0.22, -0.28, 1.0), (sx * 0.22, -0.4, 1.0), 0.018, 0.018, DARK, seg=4)  # push handle
        b.box((sx * 0.24, 0.0, 0.7), (0.05, 0.4, 0.04), DARK)  # armrest
        b.box((sx * 0.12, 0.45, 0.12), (0.14, 0.12, 0.02), frame)  # footplate
    b.box((0.0, 0.05, 0.5), (0.44, 0.44, 0.05), fabric)  # seat
    b.box((0.0, -0.24, 0.75), (0.44, 0.04, 0.45), fabric, pitch_deg=-8.0)  # back
    return [b.build()]


# -- counters, seats --------------------------------------------------------------------------------------


def desk(variant: int, style: str, detail: float) -> list[MeshData]:
    """A reception desk: a panelled front with an accent band, a raised ledge, a worktop behind with a
    monitor and keyboard for the staff (who sit on the -y side)."""
    rng = model_rng("desk", variant)
    w, h, d = 3.6, 1.15, 1.0
    panel = pick(rng, WOODS + ((0.92, 0.92, 0.9), (0.3, 0.34, 0.4)))
    accent = pick(rng, BRIGHT)
    top = pick(rng, ((0.95, 0.95, 0.93), (0.2, 0.2, 0.22), (0.8, 0.76, 0.7)))
    b = MeshBuilder(detail)
    b.box((0.0, d * 0.35, h / 2), (w, 0.08, h), mottled(panel, 0.1, 5.0, variant))  # front
    b.box((0.0, d * 0.35 + 0.045, h * 0.3), (w * 0.98, 0.02, 0.12), accent)  # accent band
    for sx in (-1, 1):
        b.box((sx * (w / 2 - 0.04), 0.0, h / 2), (0.08, d * 0.78, h), mottled(panel, 0.1, 5.0, variant))
    b.box((0.0, d * 0.3, h + 0.02), (w + 0.06, 0.32, 0.04), top)  # ledge
    b.box((0.0, -0.05, 0.75), (w - 0.1, d * 0.6, 0.04), top)  # worktop
    for x in np.linspace(-w / 2 + 0.8, w / 2 - 0.8, max(1, int(w // 1.6))):
        b.box((x, 0.0, 1.0), (0.5, 0.03, 0.32), DARK, pitch_deg=-8.0)  # monitor
        b.box((x, 0.02, 0.83), (0.06, 0.06, 0.12), DARK)
        b.box((x, -0.2, 0.78), (0.4, 0.14, 0.02), (0.85, 0.85, 0.85))  # keyboard
    return [b.build()]


def bench(variant: int, style: str, detail: float) -> list[MeshData]:
    """A park bench of slats on cast side frames (style "stone": a slab on two blocks; "padded": a
    gallery bench, a cushion on a steel frame)."""
    rng = model_rng("bench", variant)
    w, d = 1.8, 0.6
    b = MeshBuilder(detail)
    if style == "stone":
        stone = pick(rng, ((0.7, 0.68, 0.64), (0.55, 0.52, 0.48), (0.8, 0.78, 0.74)))
        b.box((0.0, 0.0, 0.41), (w, d, 0.1), mottled(stone, 0.12, 3.0, variant))
        for sx in (-1, 1):
            b.box((sx * w * 0.35, 0.0, 0.18), (0.25, d * 0.8, 0.36), mottled(stone, 0.12, 3.0, variant + 1))
        return [b.build()]
    if style == "padded":
        cushion = pick(rng, ((0.12, 0.1, 0.1), (0.45, 0.1, 0.08), (0.2, 0.25, 0.35), (0.55, 0.4, 0.25)))
        b.box((0.0, 0.0, 0.4), (w, d, 0.12), mottled(cushion, 0.06, 8.0, variant))
        for sx in (-1, 1):
            for sy in (-1, 1):
                b.box((sx * (w / 2 - 0.08), sy * (d / 2 - 0.06), 0.17), (0.04, 0.04, 0.34), STEEL)
        return [b.build()]
    wood = mottled(pick(rng, WOODS), 0.12, 6.0, variant)
    iron = pick(rng, (DARK, (0.1, 0.22, 0.14), (0.35, 0.3, 0.25)))
    for i in range(4):  # seat slats
        b.box((0.0, -d / 2 + 0.08 + i * 0.14, 0.45), (w, 0.1, 0.035), wood)
    for i in range(3):  # back slats, leaning back
        b.box((0.0, -d / 2 + 0.03 - i * 0.03, 0.6 + i * 0.13), (w, 0.035, 0.09), wood, pitch_deg=-12.0)
    for sx in (-1, 1):
        x = sx * (w / 2 - 0.12)
        b.box((x, 0.1, 0.22), (0.05, 0.06, 0.45), iron)  # front leg
        b.box((x, -d / 2 + 0.05, 0.45), (0.05, 0.06, 0.9), iron)  # rear leg and back post
        b.box((x, 0.0, 0.42), (0.05, d, 0.05), iron)  # seat rail
        b.box((x, -0.02, 0.65), (0.05, d * 0.75, 0.04), iron)  # arm
    return [b.build()]


# -- museum -----------------------------------------------------------------------------------------------


def display_case(variant: int, style: str, detail: float) -> list[MeshData]:
    """A cabinet with a glass top on corner posts over an exhibit (a vase, a skull, a stack of tablets); the
    sides are left open: the renderer has no transparent glass, and the exhibit must be seen."""
    rng = model_rng("case", variant)
    w, d, base, h = 1.4, 0.8, 0.85, 1.45
    wood = mottled(pick(rng, WOODS + ((0.15, 0.15, 0.16),)), 0.08, 5.0, variant)
    b = MeshBuilder(detail)
    b.box((0.0, 0.0, base / 2), (w, d, base), wood)
    b.box((0.0, d / 2 + 0.005, base * 0.8), (w * 0.5, 0.01, 0.08), (0.85, 0.8, 0.6))  # label plate
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.box((sx * (w / 2 - 0.02), sy * (d / 2 - 0.02), (base + h) / 2), (0.03, 0.03, h - base), STEEL)
    b.box((0.0, 0.0, h), (w, d, 0.02), (0.72, 0.84, 0.88))  # glass top
    b.box((0.0, 0.0, base + 0.02), (w * 0.9, d * 0.85, 0.04), (0.75, 0.1, 0.1) if rng.random() < 0.5 else
          (0.12, 0.12, 0.3))  # fmt: skip  # baize
    exhibit = int(rng.integers(3))
    if exhibit == 0:  # a painted vase
        glaze = stripes(pick(rng, ((0.75, 0.45, 0.2), (0.9, 0.88, 0.8))), DARK, 0.06, axis=(0.0, 0.0, 1.0))
        b.lathe((0.0, 0.0, base + 0.04), (0.0, 0.0, base + 0.5), [0.08, 0.16, 0.18, 0.1, 0.06, 0.09], glaze, seg=12)
    elif exhibit == 1:  # a skull
        bone = (0.85, 0.8, 0.68)
        b.ellipsoid((0.0, 0.0, base + 0.2), (0.13, 0.1, 0.11), bone, seg=10, axis=(0, 1, 0))
        b.box((0.0, 0.09, base + 0.1), (0.14, 0.1, 0.08), bone)
        for sx in (-1, 1):
            b.ellipsoid((sx * 0.05, 0.09, base + 0.2), (0.03, 0.03, 0.03), DARK, seg=6)
    else:  # clay tablets and a coin tray
        for i in range(3):
            b.box((-0.35 + i * 0.3, 0.0, base + 0.1), (0.2, 0.04, 0.15), (0.6, 0.45, 0.3), pitch_deg=-20.0)
        b.lathe((0.45, 0.0, base + 0.04), (0.45, 0.0, base + 0.07), [0.12, 0.12], (0.85, 0.7, 0.2), seg=10)
    return [b.build()]


def dinosaur_skeleton(variant: int, style: str, detail: float) -> list[MeshData]:
    """A theropod skeleton on a low plinth: vertebrae along an S-curve from tail to skull, ribs over the chest,
    two legs and small arms, held up by steel rods."""
    rng = model_rng("dino", variant)
    bone = mottled(pick(rng, ((0.85, 0.80, 0.68), (0.72, 0.62, 0.48), (0.55, 0.45, 0.35))), 0.12, 5.0, variant)
    length, hip_z = 12.0, 3.4
    b = MeshBuilder(detail)
    b.box((0.0, 0.0, 0.15), (3.2, length * 0.75, 0.3), mottled((0.25, 0.24, 0.22), 0.1, 2.0, variant))  # plinth

    def spine(t: float) -> np.ndarray:  # t: 0 tail tip .. 1 skull
        y = (t - 0.55) * length
        z = hip_z + 0.6 * math.sin(math.pi * t) - 1.6 * (1 - t) ** 3 + (1.2 * (t - 0.75) / 0.25 if t > 0.75 else 0.0)
        return np.array([0.0, y, z])

    n = max(14, round(30 * detail))
    step = length * 1.1 / n
    for i in range(n):
        t = i / (n - 1)
        r = 0.1 + 0.2 * math.sin(math.pi * min(t, 0.9) / 0.9)
        axis = spine(min(t + 0.02, 1)) - spine(max(t - 0.02, 0))
        b.ellipsoid(spine(t), (step * 0.6, r, r * 0.8), bone, seg=6, axis=axis)  # vertebra, touching the next
        if 0.3 < t < 0.8:  # neural spine on top
            b.box(spine(t) + [0, 0, r + 0.15], (0.08, step * 0.5, 0.35), bone)
    for t in np.linspace(0.48, 0.72, max(4, round(7 * detail))):  # ribs
        top = spine(float(t))
        depth = 1.3 * math.sin(math.pi * (t - 0.42) / 0.36)
        for sx in (-1, 1):
            mid = top + [sx * 0.55, 0.0, -0.45 * depth]
            b.capsule(top, mid, 0.05, 0.04, bone, seg=4)
            b.capsule(mid, top + [sx * 0.18, 0.15, -depth], 0.04, 0.03, bone, seg=4)
    hip = spine(0.5)
    for sx in (-1, 1):
        knee = hip + [sx * 0.45, 0.5, -1.5]
        ankle = knee + [0.0, -0.6, -1.25]
        b.ellipsoid(hip + [sx * 0.35, 0.2, 0.1], (0.8, 0.15, 0.45), bone, seg=6, axis=(0, 1, 0))  # pelvis
        b.capsule(hip + [sx * 0.3, 0, 0], knee, 0.22, 0.14, bone, seg=6)
        b.capsule(knee, ankle, 0.13, 0.09, bone, seg=6)
        b.capsule(ankle, [sx * 0.5, ankle[1] + 0.7, 0.35], 0.07, 0.05, bone, seg=4)
        shoulder = spine(0.74)
        b.capsule(shoulder + [sx * 0.25, 0, -0.3], shoulder + [sx * 0.35, 0.4, -0.8], 0.05, 0.03, bone, seg=4)
    skull = spine(1.0) + [0.0, 0.7, 0.0]
    b.ellipsoid(skull, (1.0, 0.4, 0.5), bone, seg=8, axis=(0, 1, 0))
    b.box(skull + [0.0, 0.2, -0.5], (0.55, 1.5, 0.18), bone, pitch_deg=12.0)  # jaw
    for i in range(6):  # teeth
        b.box(skull + [0.0, 0.75 - i * 0.2, -0.35], (0.5, 0.05, 0.16), (0.95, 0.92, 0.85))
    for sx in (-1, 1):
        b.ellipsoid(skull + [sx * 0.22, -0.15, 0.12], (0.11, 0.11, 0.11), DARK, seg=6)  # orbits
    for t in (0.3, 0.55, 0.8):  # support rods
        p = spine(t)
        b.capsule((0.0, p[1], 0.3), p - [0, 0, 0.15], 0.04, 0.04, DARK, seg=4)
    return [b.build()]


def statue(variant: int, style: str, detail: float) -> list[MeshData]:
    """A figure on a stepped plinth, in marble or bronze (style), one arm raised or both at rest."""
    rng = model_rng("statue", variant)
    bronze = style == "bronze"
    stone = (0.32, 0.22, 0.12) if bronze else (0.86, 0.84, 0.8)
    body = people.Body(variant, "mild")
    body.skin = body.hair = body.top = body.bottom = body.shoes = stone
    body.cloth = lambda rgb: mottled(rgb, 0.1 if not bronze else 0.2, 6.0, variant)  # type: ignore[method-assign]
    raised = rng.random() < 0.6
    figure = people.body_mesh(
        body, detail, hips=(4.0, -6.0), knees=(2.0, 8.0), shoulders=(150.0 if raised else 5.0, 10.0),
        elbows=(10.0, 25.0), lean=2.0,
    )  # fmt: skip
    plinth = 0.9
    b = MeshBuilder(detail)
    marble = mottled((0.7, 0.68, 0.65) if bronze else (0.55, 0.53, 0.5), 0.1, 3.0, variant)
    b.box((0.0, 0.0, plinth * 0.15), (1.1, 1.1, plinth * 0.3), marble)
    b.box((0.0, 0.0, plinth * 0.62), (0.85, 0.85, plinth * 0.66), marble)
    b.add(figure.vertices.astype(np.float64) + [0.0, 0.0, plinth - 0.01], figure.faces, lambda pts: figure.colors)
    return [b.build()]


# -- paintings: a generated picture baked into the vertex colours of a subdivided canvas --------------------


def _landscape(rng: np.random.Generator):
    sky_top, sky_low = (
        np.array(pick(rng, ((0.2, 0.4, 0.8), (0.9, 0.5, 0.3), (0.35, 0.45, 0.6)))),
        np.array((0.9, 0.85, 0.7)),
    )
    hills = np.array(pick(rng, ((0.2, 0.4, 0.15), (0.45, 0.35, 0.2), (0.3, 0.35, 0.45))))
    water = np.array((0.15, 0.3, 0.45))
    sun = rng.uniform(0.2, 0.8, 2) * [1, 0.3] + [0, 0.6]
    seed = int(rng.integers(1 << 16))

    def fn(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        sky = sky_low + (sky_top - sky_low) * np.clip((v - 0.45) / 0.55, 0, 1)[:, None]
        ridge = 0.45 + 0.15 * _hash_noise(np.stack([u * 3, u * 0, u * 0], 1), 1.0, seed)
        out = np.where((v < ridge)[:, None], hills * (0.7 + 0.5 * v[:, None]), sky)
        out = np.where((v < 0.22)[:, None], water * (0.8 + 0.4 * np.sin(u * 40)[:, None] * 0.2), out)
        glow = np.exp(-((u - sun[0]) ** 2 + (v - sun[1]) ** 2) / 0.004)[:, None]
        return out * (1 - glow) + np.array((1.0, 0.92, 0.6)) * glow

    return fn


def _portrait(rng: np.random.Generator):
    ground = np.array(pick(rng, ((0.15, 0.1, 0.07), (0.1, 0.15, 0.12), (0.25, 0.2, 0.3))))
    skin = np.array(pick(rng, people.SKIN))
    dress = np.array(pick(rng, ((0.1, 0.1, 0.12), (0.45, 0.08, 0.08), (0.1, 0.15, 0.35))))
    hair = np.array(pick(rng, people.HAIR))

    def fn(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        out = np.broadcast_to(ground, (len(u), 3)) * (0.8 + 0.4 * v[:, None])
        head = ((u - 0.5) / 0.15) ** 2 + ((v - 0.62) / 0.2) ** 2 < 1
        hair_cap = (((u - 0.5) / 0.17) ** 2 + ((v - 0.67) / 0.2) ** 2 < 1) & ~(
            (((u - 0.5) / 0.13) ** 2 + ((v - 0.6) / 0.17) ** 2) < 1
        )
        body = (v < 0.42) & (np.abs(u - 0.5) < 0.12 + (0.42 - v) * 0.9)
        out = np.where(body[:, None], dress, out)
        out = np.where(head[:, None], skin, out)
        return np.where(hair_cap[:, None], hair, out)

    return fn


def _abstract(rng: np.random.Generator):
    xs = np.sort(rng.uniform(0.15, 0.85, 2))
    ys = np.sort(rng.uniform(0.15, 0.85, 2))
    fills = [np.array(pick(rng, BRIGHT + ((0.95, 0.95, 0.92),) * 3)) for _ in range(9)]

    def fn(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        cell = np.searchsorted(xs, u) * 3 + np.searchsorted(ys, v)
        out = np.stack(fills)[cell]
        line = (np.abs(u[:, None] - xs[None]).min(1) < 0.02) | (np.abs(v[:, None] - ys[None]).min(1) < 0.02)
        return np.where(line[:, None], DARK, out)

    return fn


def _still_life(rng: np.random.Generator):
    wall = np.array(pick(rng, ((0.35, 0.3, 0.22), (0.2, 0.22, 0.25))))
    table = np.array((0.4, 0.25, 0.12))
    fruit = [(rng.uniform(0.25, 0.75), rng.uniform(0.38, 0.5), pick(rng, BRIGHT)) for _ in range(4)]

    def fn(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        out = np.where((v < 0.35)[:, None], table, wall * (0.8 + 0.3 * u[:, None]))
        vase = (np.abs(u - 0.35) < 0.07 + 0.05 * np.sin(np.pi * (v - 0.35) / 0.4)) & (v > 0.35) & (v < 0.78)
        out = np.where(vase[:, None], np.array((0.75, 0.7, 0.55)), out)
        for fu, fv, colour in fruit:
            out = np.where((((u - fu) / 0.07) ** 2 + ((v - fv) / 0.07) ** 2 < 1)[:, None], np.array(colour), out)
        return out

    return fn


PICTURES = (_landscape, _portrait, _abstract, _still_life)


def painting(variant: int, style: str, detail: float) -> list[MeshData]:
    """A framed canvas (1.2 x 0.9 m nominal, facing +y) showing a generated landscape, portrait, abstract or
    still life; the picture is sampled at the canvas grid's vertices."""
    rng = model_rng("painting", variant)
    w, h, depth = 1.2, 0.9, 0.04
    picture = PICTURES[variant % len(PICTURES)](rng)

    def canvas(pts: np.ndarray) -> np.ndarray:
        u = np.clip((pts[:, 0] + w / 2) / w, 0, 1)
        v = np.clip(pts[:, 2] / h, 0, 1)
        front = pts[:, 1] > 0
        return np.where(front[:, None], picture(u, v), np.array((0.6, 0.55, 0.45)))

    b = MeshBuilder(detail)
    b.panel((0.0, 0.0, h / 2), (w, depth, h), canvas, nx=20, nz=15)
    frame = mottled(pick(rng, ((0.7, 0.55, 0.2), (0.3, 0.18, 0.1), (0.1, 0.1, 0.1), (0.85, 0.83, 0.78))), 0.15,
                    20.0, variant)  # fmt: skip
    f = 0.08
    for sz in (-1, 1):
        b.box((0.0, 0.01, h / 2 + sz * (h / 2 + f / 2)), (w + 2 * f, depth + 0.04, f), frame)
    for sx in (-1, 1):
        b.box((sx * (w / 2 + f / 2), 0.01, h / 2), (f, depth + 0.04, h), frame)
    return [b.build(ground=True)]


# -- library and market -----------------------------------------------------------------------------------

BINDINGS = ((0.45, 0.08, 0.06), (0.08, 0.15, 0.35), (0.1, 0.3, 0.15), (0.35, 0.22, 0.1), (0.85, 0.8, 0.65),
            (0.1, 0.1, 0.1), (0.6, 0.45, 0.15), (0.5, 0.1, 0.3), (0.75, 0.3, 0.1), (0.2, 0.4, 0.5))  # fmt: skip


def bookshelf(variant: int, style: str, detail: float) -> list[MeshData]:
    """A wooden bookcase (open front +y) with shelves filled by books of varied height, thickness and binding
    (style "trolley": two shelves on castors)."""
    rng = model_rng("books", variant)
    trolley = style == "trolley"
    w, h, d = (1.0, 1.0, 0.5) if trolley else (1.1, 2.2, 0.4)
    wood = mottled(pick(rng, WOODS), 0.1, 6.0, variant)
    t = 0.03
    b = MeshBuilder(detail)
    lift = 0.12 if trolley else 0.0
    for sx in (-1, 1):
        b.box((sx * (w / 2 - t / 2), 0.0, lift + (h - lift) / 2), (t, d, h - lift), wood)
    b.box((0.0, -d / 2 + t / 2, lift + (h - lift) / 2), (w - 2 * t, t, h - lift), wood)  # back
    levels = 2 if trolley else 5
    gap = (h - lift - t) / levels
    for i in range(levels + 1):
        b.box((0.0, 0.0, lift + t / 2 + i * gap), (w - 2 * t, d, t), wood)
    if trolley:
        for sx in (-1, 1):
            for sy in (-1, 1):
                _wheel(b, (sx * (w / 2 - 0.08), sy * (d / 2 - 0.08), 0.05), 0.05, 0.03, seg=6)
    for i in range(levels):
        x = -w / 2 + t
        z0 = lift + t + i * gap
        while x < w / 2 - t - 0.02:
            thick = rng.uniform(0.02, 0.06)
            if x + thick > w / 2 - t:
                break
            if rng.random() < 0.05:  # a gap
                x += thick * 2
                continue
            tall = gap * rng.uniform(0.6, 0.88)
            deep = d * rng.uniform(0.6, 0.85)
            colour = np.clip(np.array(pick(rng, BINDINGS)) * rng.uniform(0.8, 1.2), 0, 1)
            b.box((x + thick / 2, -d / 2 + t + deep / 2, z0 + tall / 2), (thick * 0.95, deep, tall), colour)
            x += thick
    return [b.build()]


GOODS = {
    "produce": ((0.95, 0.5, 0.05), (0.8, 0.1, 0.05), (0.95, 0.85, 0.15), (0.3, 0.6, 0.15), (0.35, 0.1, 0.35)),
    "textiles": ((0.7, 0.1, 0.2), (0.1, 0.3, 0.6), (0.95, 0.7, 0.1), (0.2, 0.5, 0.3), (0.9, 0.9, 0.85)),
    "pottery": ((0.7, 0.4, 0.2), (0.2, 0.35, 0.55), (0.85, 0.8, 0.7), (0.5, 0.25, 0.15)),
}


def market_stall(variant: int, style: str, detail: float) -> list[MeshData]:
    """A trestle counter under a striped awning on four poles, laid out with crates of fruit, stacks of cloth
    or pottery."""
    rng = model_rng("stall", variant)
    w, h, d = 3.0, 2.6, 2.2
    counter = 0.85
    canvas = (pick(rng, BRIGHT), (0.95, 0.93, 0.88))
    b = MeshBuilder(detail)
    wood = mottled(pick(rng, WOODS), 0.12, 5.0, variant)
    b.box((0.0, 0.25, counter - 0.03), (w * 0.95, d * 0.5, 0.06), wood)  # counter top
    b.box((0.0, 0.25 + d * 0.25, counter / 2), (w * 0.95, 0.03, counter - 0.06), mottled(pick(rng, BRIGHT), 0.1,
                                                                                           8.0, variant))  # fmt: skip
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.box((sx * (w / 2 - 0.05), sy * (d / 2 - 0.05), (h - 0.1) / 2), (0.06, 0.06, h - 0.1 + sy * 0.1), DARK)
    bands = 7  # the awning's stripes, each its own strip (crisp, where vertex colours would blur)
    for i in range(bands):
        x = -(w + 0.2) / 2 + (i + 0.5) * (w + 0.2) / bands
        colour = canvas[i % 2]
        b.box((x, 0.0, h - 0.05), ((w + 0.2) / bands, d + 0.3, 0.06), colour, pitch_deg=-6.0)  # sloping awning
        b.box((x, d / 2 + 0.14, h - 0.25), ((w + 0.2) / bands, 0.03, 0.3), colour)  # valance
    kind = style if style in GOODS else list(GOODS)[variant % len(GOODS)]
    palette = GOODS[kind]
    slots = 4
    for i in range(slots):
        x = -w / 2 + (i + 0.5) * w / slots
        colour = palette[int(rng.integers(len(palette)))]
        if kind == "produce":
            b.box((x, 0.25, counter + 0.08), (w / slots * 0.85, d * 0.42, 0.16), (0.6, 0.45, 0.25))  # crate
            for j in range(6):
                fx, fy = rng.uniform(-0.25, 0.25) * w / slots * 1.4, rng.uniform(-0.3, 0.3) * d * 0.5
                b.ellipsoid((x + fx, 0.25 + fy, counter + 0.2), (0.09, 0.09, 0.08), colour, seg=5, axis=(0, 0, 1))
        elif kind == "textiles":
            for j in range(int(rng.integers(2, 5))):
                b.box((x, 0.25, counter + 0.04 + j * 0.07), (w / slots * 0.7, d * 0.35, 0.065),
                      pick(rng, palette))  # fmt: skip
        else:
            for j in range(2):
                b.lathe((x + (j - 0.5) * 0.3, 0.25, counter), (x + (j - 0.5) * 0.3, 0.25, counter + 0.35),
                        [0.07, 0.13, 0.1, 0.05, 0.07], colour, seg=8)  # fmt: skip
    return [b.build()]


# -- stadium stands: a tile of stepped rows of seats with an aisle stairway, and a cantilever roof section ------
# Spectators are not part of the tile: scenes seat library people in it (``terrace_seats``), each its own
# person instance, so that masks, counts and captions see them.

TERRACE_ROWS = 8
TERRACE_SEATS = 32  # columns of a tile (16 m), the aisles' included: few large tiles cost a ray fewer meshes
AISLE_COLUMNS = 2  # each stairway (at the tile's left edge, -x, and in its middle) is a metre wide
AISLES = (0, TERRACE_SEATS // 2)  # first column of each stairway
TERRACE_RISE = {"low": 0.3, "mid": 0.5, "steep": 0.75}  # rise per row (m) of each style
ROW_DEPTH = 0.85
SEAT_PITCH = 0.5
SEAT_HEIGHT = 0.44  # seat pan above the row's tread


def terrace_seats(style: str) -> list[tuple[float, float, float, int]]:
    """(x, y, tread z, row) of every seat of a tile (y: the seat pan's middle; row 0 at the front, +y)."""
    rise = TERRACE_RISE.get(style, TERRACE_RISE["mid"])
    width = TERRACE_SEATS * SEAT_PITCH
    out = []
    for r in range(TERRACE_ROWS):
        y = (TERRACE_ROWS / 2 - r - 0.5) * ROW_DEPTH
        for s in range(TERRACE_SEATS):
            if any(a <= s < a + AISLE_COLUMNS for a in AISLES):
                continue
            out.append((-width / 2 + (s + 0.5) * SEAT_PITCH, y + 0.02, (r + 1) * rise, r))
    return out


def terrace(variant: int, style: str, detail: float) -> list[MeshData]:
    """One tile of a stand (16 m wide, 8 rows rising to the back at -y; +y faces the pitch): concrete treads,
    a row of tip-up seats (pan, back and stem) on each, and two aisle stairways with two steps a row and a
    handrail."""
    rng = model_rng("terrace", variant)
    rise = TERRACE_RISE.get(style, TERRACE_RISE["mid"])
    width = TERRACE_SEATS * SEAT_PITCH
    aisle = AISLE_COLUMNS * SEAT_PITCH
    seat_colour, band_colour = pick(rng, BRIGHT), pick(rng, BRIGHT + ((0.9, 0.9, 0.88),))
    concrete = mottled((0.6, 0.6, 0.58), 0.08, 2.0, variant)
    steps = mottled((0.7, 0.7, 0.68), 0.06, 3.0, variant + 1)
    b = MeshBuilder(detail)
    starts = [-width / 2 + a * SEAT_PITCH for a in AISLES]  # left edge of each stairway
    blocks = [(x0 + aisle, x1) for x0, x1 in zip(starts, starts[1:] + [width / 2], strict=True)]  # seat blocks
    seats = terrace_seats(style)
    for r in range(TERRACE_ROWS):
        y = (TERRACE_ROWS / 2 - r - 0.5) * ROW_DEPTH  # row 0 at the front (+y), lowest
        z = (r + 1) * rise
        for x0, x1 in blocks:
            b.box(((x0 + x1) / 2, y, z / 2), (x1 - x0, ROW_DEPTH, z), concrete)  # the row's tread
        for x0 in starts:
            for half, top in ((-1, z), (1, z - rise / 2)):  # the stairway: two steps a row
                b.box((x0 + aisle / 2, y + half * ROW_DEPTH / 4, top / 2), (aisle, ROW_DEPTH / 2, top), steps)
        colour = band_colour if r % 4 == 3 else seat_colour
        if detail < 0.75:  # the far level: each block's seats one moulding (a few triangles a row)
            sy = seats[0][1] + y - (TERRACE_ROWS / 2 - 0.5) * ROW_DEPTH
            for x0, x1 in blocks:
                b.box(((x0 + x1) / 2, sy + 0.04, z + SEAT_HEIGHT - 0.03), (x1 - x0 - 0.04, 0.4, 0.06), colour)
                b.box(((x0 + x1) / 2, sy - 0.19, z + SEAT_HEIGHT + 0.2), (x1 - x0 - 0.04, 0.05, 0.42), colour)
            continue
        for sx, sy, tread, _ in (s for s in seats if s[3] == r):
            b.box((sx, sy + 0.04, tread + SEAT_HEIGHT - 0.03), (0.44, 0.4, 0.06), colour)  # pan
            b.box((sx, sy - 0.19, tread + SEAT_HEIGHT + 0.2), (0.44, 0.05, 0.42), colour)  # back
            b.box((sx, sy - 0.02, tread + SEAT_HEIGHT / 2 - 0.02), (0.08, 0.08, SEAT_HEIGHT - 0.04), DARK)  # stem
    top_z = TERRACE_ROWS * rise
    run = ROW_DEPTH * TERRACE_ROWS
    pitch = -math.degrees(math.atan2(top_z - rise, run))
    for x0 in starts if detail >= 0.75 else ():  # a handrail beside each stairway, on posts
        b.box((x0 + aisle, 0.0, (rise + top_z) / 2 + 0.9), (0.05, math.hypot(run, top_z - rise), 0.05), STEEL,
              pitch_deg=pitch)  # fmt: skip
        for r in range(0, TERRACE_ROWS, 2):
            y = (TERRACE_ROWS / 2 - r - 0.5) * ROW_DEPTH
            b.box((x0 + aisle, y, (r + 1) * rise + 0.45), (0.05, 0.05, 0.9), STEEL)
    return [b.build()]


ROOF_DEPTH = 12.0  # nominal: a cantilever roof section 16 m wide reaching 12 m over the rows from its columns


def stand_roof(variant: int, style: str, detail: float) -> list[MeshData]:
    """One 16 m section of a cantilever roof (its columns at the back, -y; it reaches over the rows towards the
    pitch, +y): two columns, each with a girder rising to the front and a knee brace, the roof sheeting and a
    fascia along the front."""
    rng = model_rng("roof", variant)
    width, depth, height = TERRACE_SEATS * SEAT_PITCH, ROOF_DEPTH, 6.0
    sheet = mottled(pick(rng, ((0.88, 0.88, 0.86), (0.75, 0.78, 0.8), (0.6, 0.62, 0.65))), 0.05, 1.0, variant)
    steel = pick(rng, ((0.85, 0.85, 0.87), (0.2, 0.22, 0.25), (0.7, 0.15, 0.12), (0.12, 0.2, 0.45)))
    b = MeshBuilder(detail)
    back, front = -depth / 2, depth / 2
    slope = math.degrees(math.atan2(0.8, depth))
    for x in (-width / 4, width / 4):
        b.box((x, back + 0.3, height / 2), (0.5, 0.5, height), steel)  # the column
        b.box((x, 0.0, height + 0.4), (0.35, depth * 1.01, 0.8), steel, pitch_deg=slope)  # the girder
        b.box((x, back + 2.2, height - 1.2), (0.2, 4.6, 0.2), steel, pitch_deg=35.0)  # its knee brace
    b.box((0.0, 0.0, height + 0.9), (width, depth * 1.02, 0.15), sheet, pitch_deg=slope)  # the sheeting
    b.box((0.0, front, height + 1.1), (width, 0.15, 0.9), steel)  # the fascia along the front
    return [b.build()]


def _kinds():
    from worldmill.library import Kind

    return {
        "hospital_bed": Kind(hospital_bed, variants=6),
        "iv_stand": Kind(iv_stand, variants=4),
        "wheelchair": Kind(wheelchair, variants=4),
        "desk": Kind(desk, variants=6),
        "bench": Kind(bench, variants=6),
        "display_case": Kind(display_case, variants=6),
        "dinosaur_skeleton": Kind(dinosaur_skeleton, variants=3),
        "statue": Kind(statue, variants=6),
        "painting": Kind(painting, variants=12),
        "bookshelf": Kind(bookshelf, variants=8),
        "market_stall": Kind(market_stall, variants=8),
        "terrace": Kind(terrace, variants=2),
        "stand_roof": Kind(stand_roof, variants=2),
    }


KINDS = _kinds()


# (class, label words, kind, style, fit) — first match wins; fit "box" stretches to the taxonomy's box, "inside"
# scales uniformly to the largest that fits it, "tile" repeats one module along its width (rows of seats, barriers)
FITTINGS = (
    ("bed", ("gurney", "stretcher"), "hospital_bed", "gurney", "box"),
    ("bed", ("bed",), "hospital_bed", "", "box"),
    ("medical_equipment", ("drip", "iv ", "iv stand", "infusion"), "iv_stand", "", "height"),
    ("medical_equipment", ("wheelchair",), "wheelchair", "", "box"),
    ("counter", ("desk", "reception", "bar counter", "ticket counter", "fast-food counter"), "desk", "", "box"),
    ("seating", ("terrace", "grandstand", "bleacher", "tier"), "terrace", "", "box"),
    ("seating", ("stone bench",), "bench", "stone", "box"),
    ("seating", ("gallery bench", "rest bench", "viewing bench", "waiting bench"), "bench", "padded", "box"),
    ("seating", ("bench",), "bench", "", "box"),
    ("display_case", ("vitrine", "display case", "showcase", "case"), "display_case", "", "box"),
    ("sculpture", ("skeleton", "dinosaur", "fossil"), "dinosaur_skeleton", "", "inside"),  # keeps its build
    ("sculpture", ("bronze",), "statue", "bronze", "height"),
    ("sculpture", ("statue", "marble"), "statue", "", "height"),
    ("artwork", ("painting", "portrait", "canvas", "picture"), "painting", "", "box"),
    ("shelf", ("book trolley",), "bookshelf", "trolley", "box"),
    ("shelf", ("book", "shelf", "shelves"), "bookshelf", "", "box"),
    ("stall", ("balloon",), "cart", "balloon", "box"),
    ("stall", ("cart",), "cart", "food", "box"),
    ("stall", ("market", "food stall", "stall", "stand", "kiosk", "booth"), "market_stall", "", "box"),
    ("stairs", ("escalator",), "escalator", "", "box"),
    ("stairs", ("walkway", "travelator"), "escalator", "walkway", "box"),
    ("stairs", ("ladder",), "ladder", "", "box"),
    ("stairs", ("spiral",), "staircase", "spiral", "box"),
    ("stairs", ("stone stair",), "staircase", "stone", "box"),
    ("stairs", ("concrete", "stairway", "fire stair"), "staircase", "concrete", "box"),
    ("stairs", ("stair", "steps"), "staircase", "", "box"),
    ("seating", ("velvet seat", "theatre seat"), "seat_row", "velvet", "tile"),
    ("seating", ("gate seating", "seating row"), "seat_row", "gate", "tile"),
    ("seating", ("chair row", "seat row"), "seat_row", "", "tile"),
    ("seating", ("armchair",), "chair", "armchair", "box"),
    ("seating", ("sofa", "couch"), "chair", "sofa", "box"),
    ("seating", ("stool",), "chair", "stool", "box"),
    ("seating", ("modular seat", "cushion", "ottoman"), "chair", "cube", "box"),
    ("seating", ("chair",), "chair", "", "box"),
    ("table", ("picnic",), "table", "picnic", "box"),
    ("table", ("cafe table", "cocktail table", "high table"), "table", "cafe", "box"),
    ("table", ("cabinet",), "table", "cabinet", "box"),
    ("table", ("lab bench", "potting bench", "interactive table"), "table", "lab", "box"),
    ("table", ("table",), "table", "", "box"),
    ("plant_pot", ("palm",), "potted_plant", "palm", "box"),
    ("plant_pot", ("fern",), "potted_plant", "fern", "box"),
    ("plant_pot", ("planter", "flower", "orchid"), "potted_plant", "flowers", "box"),
    ("plant_pot", ("plant",), "potted_plant", "", "box"),
    ("bin", ("recycling",), "litter_bin", "recycling", "box"),
    ("bin", ("bin",), "litter_bin", "", "box"),
    ("fence", ("rope",), "barrier", "rope", "tile"),
    ("fence", ("queue",), "barrier", "queue", "tile"),
    ("fence", ("crowd barrier",), "barrier", "crowd", "tile"),
    ("fence", ("railing",), "barrier", "railing", "tile"),
    ("column", ("plinth", "pedestal"), "column", "plinth", "box"),
    ("column", ("cast-iron", "iron pillar"), "column", "iron", "box"),
    ("column", ("gilded",), "column", "gilded", "box"),
    ("column", ("fluted", "colonnade", "marble column", "stone column"), "column", "fluted", "box"),
    ("counter", ("vending", "ticket machine"), "kiosk", "machine", "box"),
    ("counter", ("kiosk",), "kiosk", "snack", "box"),
    ("counter", ("booth",), "kiosk", "ticket", "box"),
    ("canopy", ("umbrella", "parasol"), "parasol", "", "box"),
    ("sculpture", ("mannequin", "dummy"), "figure", "mannequin", "height"),
    ("sculpture", ("animatronic",), "figure", "", "height"),
    ("canopy", ("thatch", "shelter", "hut"), "shelter", "", "box"),
    ("canopy", ("pergola",), "shelter", "pergola", "box"),
    ("canopy", ("bandstand", "gazebo"), "shelter", "bandstand", "box"),
    ("canopy", ("entrance canopy", "marquee canopy"), "shelter", "canopy", "box"),
    ("landmark", ("entrance arch", "gateway"), "gateway", "", "box"),
    ("rock", ("coral",), "boulder", "coral", "box"),
    ("rock", ("boulder", "rockery", "rockwork", "rock"), "boulder", "", "box"),
    ("fountain", ("drinking",), "fountain", "drinking", "box"),
    ("fountain", ("basin", "splash", "plaza"), "fountain", "basin", "box"),
    ("fountain", ("fountain",), "fountain", "", "box"),
    ("sculpture", ("obelisk",), "monument", "obelisk", "box"),
    ("sculpture", ("globe",), "monument", "globe", "height"),
    ("sculpture", ("sundial",), "monument", "sundial", "box"),
    ("sculpture", ("stone lion",), "monument", "lion", "box"),
    ("screen", ("arcade",), "screen_cabinet", "", "box"),
    ("screen", ("touchscreen kiosk", "kiosk"), "screen_cabinet", "kiosk", "box"),
    ("vehicle", ("airliner", "aircraft", "aeroplane", "airplane"), "airliner", "", "box"),
    ("vehicle", ("rowing boat", "rowboat", "pedalo"), "boat", "", "box"),
    ("artwork", ("tapestry",), "painting", "", "box"),
    ("vehicle", ("bicycle", "bike"), "cycle", "", "box"),
    ("vehicle", ("scooter", "moped"), "cycle", "scooter", "box"),
    ("vehicle", ("luggage trolley", "baggage trolley"), "trolley", "luggage", "box"),
    ("vehicle", ("handcart",), "trolley", "hand", "box"),
    ("medical_equipment", ("trolley", "cart"), "trolley", "medical", "box"),
)


@functools.cache
def _fittings_by_class() -> dict[str, tuple[tuple[tuple[str, ...], str, str, str], ...]]:
    """``FITTINGS`` grouped by class, in table order (the first row whose words match wins)."""
    grouped: dict[str, list[tuple[tuple[str, ...], str, str, str]]] = {}
    for cls, words, kind, style, fit in FITTINGS:
        grouped.setdefault(cls, []).append((words, kind, style, fit))
    return {cls: tuple(rows) for cls, rows in grouped.items()}


def fitting_for(class_name: str, label: str) -> tuple[str, str, str] | None:
    """(kind, style, fit) of the library fitting for an object, or None where the analytic kit stays."""
    text = label.lower()
    for words, kind, style, fit in _fittings_by_class().get(class_name, ()):
        if any(w in text for w in words):
            return kind, style, fit
    return None
