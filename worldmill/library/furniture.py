"""Everyday furniture and street furniture: seat rows, chairs and sofas, tables, potted plants, bins,
barriers and railings, columns and plinths, kiosks and machines, parasols.

These fill every interior and plaza a prompt names; as single boxes and cylinders they read as nothing.
Low-poly like the other fittings, detail in baked colours. Local frame as everywhere in the library: x
across, y forward (a chair's front, a kiosk's hatch), z up, base at z = 0; nominal sizes in metres. Rows
(seat rows, barriers, railings) are one module wide and tiled along their length by the scene.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from worldmill.library.geometry import MeshBuilder, MeshData, model_rng, mottled, pick, stripes

STEEL = (0.72, 0.74, 0.77)
BLACK = (0.06, 0.06, 0.07)
BRASS = (0.72, 0.55, 0.22)
WOODS = ((0.45, 0.30, 0.17), (0.60, 0.44, 0.28), (0.30, 0.19, 0.11), (0.70, 0.58, 0.42))
SHELLS = ((0.10, 0.30, 0.65), (0.70, 0.10, 0.10), (0.15, 0.45, 0.35), (0.25, 0.25, 0.28), (0.85, 0.60, 0.10),
          (0.55, 0.58, 0.62))  # fmt: skip
LEATHERS = ((0.30, 0.15, 0.08), (0.12, 0.10, 0.09), (0.45, 0.25, 0.12), (0.20, 0.28, 0.20))
POTS = ((0.62, 0.30, 0.16), (0.85, 0.84, 0.80), (0.15, 0.15, 0.16), (0.45, 0.42, 0.38))
LEAVES = ((0.12, 0.35, 0.10), (0.18, 0.42, 0.14), (0.08, 0.28, 0.12))
SEAT_MODULE = 0.6  # width of one seat of a row (m)
BARRIER_MODULE = 2.0  # width of one barrier or railing module (m)




def _legs(b: MeshBuilder, w: float, d: float, h: float, r: float, colour, inset: float = 0.05) -> None:
    for sx in (-1, 1):
        for sy in (-1, 1):
            x, y = sx * (w / 2 - inset), sy * (d / 2 - inset)
            b.capsule((x, y, r), (x, y, h), r, r, colour, seg=5)


# -- seating ----------------------------------------------------------------------------------------------


def seat_row(variant: int, style: str, detail: float) -> list[MeshData]:
    """One seat of a row on a shared beam (0.6 m wide): "" moulded shells on steel, "gate" black leather on
    chrome, "velvet" a padded theatre seat with its armrest."""
    rng = model_rng("seat_row", variant)
    b = MeshBuilder(detail)
    w = SEAT_MODULE
    if style == "velvet":
        plush = mottled(pick(rng, ((0.55, 0.05, 0.08), (0.45, 0.04, 0.06), (0.15, 0.18, 0.45))), 0.12, 9.0)
        b.box((0.0, 0.05, 0.45), (w * 0.88, 0.5, 0.14), plush)  # seat
        b.box((0.0, -0.2, 0.75), (w * 0.88, 0.12, 0.7), plush)  # back
        b.box((0.0, -0.27, 0.6), (w * 0.9, 0.04, 0.95), mottled(pick(rng, WOODS), 0.1, 5.0))  # back shell
        b.box((w / 2, 0.0, 0.35), (0.06, 0.55, 0.7), (0.18, 0.12, 0.08))  # armrest and stand
        return [b.build()]
    shell = pick(rng, SHELLS) if style != "gate" else (0.10, 0.10, 0.11)
    frame = STEEL
    b.box((0.0, -0.02, 0.33), (w, 0.08, 0.06), frame)  # beam, runs module to module
    b.box((0.0, 0.05, 0.45), (w * 0.86, 0.46, 0.06), shell)  # seat pan
    b.box((0.0, -0.2, 0.72), (w * 0.86, 0.05, 0.48), shell, pitch_deg=-10.0)  # back
    b.box((0.0, -0.05, 0.38), (0.06, 0.08, 0.08), frame)  # bracket
    b.box((w / 2 - 0.03, 0.0, 0.6), (0.05, 0.45, 0.04), frame)  # armrest
    b.box((w / 2 - 0.03, 0.15, 0.5), (0.04, 0.04, 0.2), frame)
    b.box((w / 2 - 0.03, -0.02, 0.17), (0.06, 0.06, 0.3), frame)  # a leg and wide foot under each armrest
    b.box((w / 2 - 0.03, -0.02, 0.01), (0.08, 0.55, 0.02), frame)
    return [b.build()]


def chair(variant: int, style: str, detail: float) -> list[MeshData]:
    """A chair: "" wooden, "armchair" buttoned leather, "sofa" a two-seater, "stool" plastic, "cube" a
    padded block seat."""
    rng = model_rng("chair", variant)
    b = MeshBuilder(detail)
    if style in ("armchair", "sofa"):
        wide = 1.8 if style == "sofa" else 0.85
        hide = mottled(pick(rng, LEATHERS if style == "armchair" else SHELLS + LEATHERS), 0.12, 7.0, variant)
        b.box((0.0, 0.0, 0.22), (wide, 0.8, 0.3), hide)  # base
        b.box((0.0, 0.08, 0.43), (wide - 0.3, 0.6, 0.14), hide)  # cushion
        b.box((0.0, -0.3, 0.65), (wide, 0.2, 0.6), hide)  # back
        for sx in (-1, 1):
            b.box((sx * (wide / 2 - 0.08), 0.0, 0.5), (0.16, 0.8, 0.3), hide)  # arms
        for sx in (-1, 1):
            for sy in (-1, 1):
                b.box((sx * (wide / 2 - 0.06), sy * 0.33, 0.04), (0.06, 0.06, 0.08), pick(rng, WOODS))
        return [b.build()]
    if style == "stool":
        c = pick(rng, SHELLS)
        b.lathe((0, 0, 0.0), (0, 0, 0.45), [0.17, 0.15, 0.13, 0.16], c, seg=10)
        return [b.build()]
    if style == "cube":
        b.box((0.0, 0.0, 0.22), (0.9, 0.9, 0.44), mottled(pick(rng, SHELLS), 0.1, 6.0, variant))
        return [b.build()]
    wood = mottled(pick(rng, WOODS), 0.1, 6.0, variant)
    _legs(b, 0.45, 0.45, 0.45, 0.02, wood)
    b.box((0.0, 0.0, 0.46), (0.46, 0.46, 0.04), wood)  # seat
    for sx in (-1, 1):
        b.box((sx * 0.2, -0.21, 0.7), (0.04, 0.04, 0.5), wood)  # back posts
    b.box((0.0, -0.21, 0.88), (0.44, 0.03, 0.12), wood)  # top rail
    b.box((0.0, -0.21, 0.7), (0.36, 0.02, 0.05), wood)
    return [b.build()]


# -- tables -----------------------------------------------------------------------------------------------


def table(variant: int, style: str, detail: float) -> list[MeshData]:
    """A table: "" four legs and a wooden top (reading, study, dining), "picnic" with its bench seats,
    "cafe" round on a pedestal, "cabinet" a bedside cabinet, "lab" a bench with cupboards."""
    rng = model_rng("table", variant)
    b = MeshBuilder(detail)
    wood = mottled(pick(rng, WOODS), 0.1, 5.0, variant)
    if style == "picnic":
        b.box((0.0, 0.0, 0.74), (1.9, 0.75, 0.05), wood)
        for sy in (-1, 1):
            b.box((0.0, sy * 0.62, 0.44), (1.9, 0.28, 0.04), wood)  # bench seats
            for sx in (-1, 1):  # A-frame legs
                b.box((sx * 0.7, sy * 0.3, 0.37), (0.06, 0.06, 0.85), wood, pitch_deg=-sy * 35.0)
        b.box((0.0, 0.0, 0.4), (1.5, 0.05, 0.05), wood)
        return [b.build()]
    if style == "cafe":
        top = pick(rng, ((0.85, 0.84, 0.80), (0.15, 0.15, 0.16), (0.60, 0.44, 0.28)))
        b.lathe((0, 0, 0.72), (0, 0, 0.75), [0.35, 0.35], top, seg=14)
        b.lathe((0, 0, 0.0), (0, 0, 0.72), [0.25, 0.03, 0.03, 0.04], BLACK, seg=8)
        return [b.build()]
    if style == "cabinet":
        body = pick(rng, ((0.85, 0.85, 0.82), (0.75, 0.80, 0.85)) + WOODS[1:2])
        b.box((0.0, 0.0, 0.42), (0.5, 0.45, 0.78), mottled(body, 0.06, 9.0, variant))
        b.box((0.0, 0.226, 0.62), (0.44, 0.01, 0.22), tuple(v * 0.85 for v in body))  # drawer front
        b.box((0.0, 0.235, 0.62), (0.14, 0.02, 0.02), STEEL)  # handle
        b.box((0.0, 0.226, 0.3), (0.44, 0.01, 0.36), tuple(v * 0.9 for v in body))  # door
        for sx in (-1, 1):
            for sy in (-1, 1):
                b.lathe((sx * 0.2, sy * 0.18, 0.0), (sx * 0.2, sy * 0.18, 0.03), [0.025, 0.025], BLACK, seg=6)
        return [b.build()]
    if style == "lab":
        b.box((0.0, 0.0, 0.45), (1.8, 0.75, 0.86), (0.85, 0.86, 0.86))
        for i in range(3):
            b.box((-0.6 + i * 0.6, 0.38, 0.45), (0.56, 0.01, 0.78), (0.78, 0.80, 0.80))  # cupboard doors
        b.box((0.0, 0.0, 0.9), (1.85, 0.8, 0.04), (0.12, 0.12, 0.13))  # resin top
        return [b.build()]
    _legs(b, 1.6, 0.9, 0.72, 0.03, wood)
    b.box((0.0, 0.0, 0.735), (1.6, 0.9, 0.04), wood)
    b.box((0.0, 0.0, 0.68), (1.45, 0.75, 0.08), wood)  # apron
    return [b.build()]


# -- plants in pots ---------------------------------------------------------------------------------------


def potted_plant(variant: int, style: str, detail: float) -> list[MeshData]:
    """A pot and its plant: "" a leafy shrub, "palm" fronds on a trunk, "fern" arching fronds, "flowers"
    a low planter of blooms."""
    rng = model_rng("potted_plant", variant)
    b = MeshBuilder(detail)
    pot = pick(rng, POTS)
    leaf = pick(rng, LEAVES)
    low = style == "flowers"
    pot_h, pot_r = (0.5, 0.4) if low else (0.45, 0.25)
    b.lathe((0, 0, 0.0), (0, 0, pot_h), [pot_r * 0.75, pot_r, pot_r * 1.05], mottled(pot, 0.08, 5.0, variant),
            seg=12)  # fmt: skip
    b.lathe((0, 0, pot_h - 0.06), (0, 0, pot_h - 0.02), [pot_r * 0.98, pot_r * 0.98], (0.18, 0.12, 0.08), seg=12)
    if style == "palm":
        top = np.array([0.0, 0.0, 2.0])
        b.capsule((0, 0, pot_h - 0.05), top, 0.06, 0.04, stripes((0.45, 0.35, 0.22), (0.3, 0.22, 0.14), 0.12,
                  axis=(0, 0, 1)), seg=6)  # fmt: skip
        for k in range(8):
            a = 2 * math.pi * k / 8 + rng.uniform(-0.2, 0.2)
            tip = top + [0.9 * math.cos(a), 0.9 * math.sin(a), -0.55]
            mid = top + [0.5 * math.cos(a), 0.5 * math.sin(a), 0.15]
            b.capsule(top, mid, 0.05, 0.09, leaf, seg=4)
            b.capsule(mid, tip, 0.09, 0.02, leaf, seg=4)
        return [b.build()]
    if style == "fern":
        base = np.array([0.0, 0.0, pot_h])
        for k in range(12):
            a = 2 * math.pi * k / 12 + rng.uniform(-0.2, 0.2)
            mid = base + [0.3 * math.cos(a), 0.3 * math.sin(a), 0.35]
            tip = base + [0.6 * math.cos(a), 0.6 * math.sin(a), 0.05]
            b.capsule(base, mid, 0.03, 0.07, leaf, seg=4)
            b.capsule(mid, tip, 0.07, 0.01, leaf, seg=4)
        return [b.build()]
    if low:
        b.lumpy((0, 0, pot_h + 0.12), (pot_r * 0.95, pot_r * 0.95, 0.2), leaf, amount=0.2, seed=variant, seg=10)
        bloom = pick(rng, ((0.9, 0.2, 0.3), (0.95, 0.8, 0.2), (0.6, 0.3, 0.8), (0.95, 0.95, 0.95)))
        for _ in range(14):
            a, r = rng.uniform(0, 2 * math.pi), rng.uniform(0, pot_r * 0.85)
            b.ellipsoid((r * math.cos(a), r * math.sin(a), pot_h + 0.28), (0.05, 0.05, 0.04), bloom, seg=5)
        return [b.build()]
    b.capsule((0, 0, pot_h - 0.05), (0, 0, 0.9), 0.03, 0.025, (0.35, 0.25, 0.15), seg=5)
    for k in range(3):
        c = (rng.uniform(-0.1, 0.1), rng.uniform(-0.1, 0.1), 0.8 + 0.3 * k)
        b.lumpy(c, (0.35 - 0.06 * k, 0.35 - 0.06 * k, 0.3), mottled(leaf, 0.2, 8.0, variant + k), amount=0.3,
                seed=variant + k, seg=10)  # fmt: skip
    return [b.build()]


# -- bins, barriers, columns ------------------------------------------------------------------------------


def litter_bin(variant: int, style: str, detail: float) -> list[MeshData]:
    """A litter bin with a domed lid and slot ("recycling": three coloured bins side by side)."""
    rng = model_rng("bin", variant)
    b = MeshBuilder(detail)
    if style == "recycling":
        for i, c in enumerate(((0.1, 0.35, 0.7), (0.15, 0.5, 0.2), (0.85, 0.7, 0.1))):
            x = (i - 1) * 0.36
            b.box((x, 0.0, 0.5), (0.34, 0.5, 1.0), c)
            b.box((x, 0.252, 0.85), (0.2, 0.01, 0.05), BLACK)  # slot
        return [b.build()]
    body = pick(rng, ((0.12, 0.35, 0.2), (0.15, 0.15, 0.16), STEEL, (0.5, 0.12, 0.1)))
    b.lathe((0, 0, 0.0), (0, 0, 0.85), [0.22, 0.25, 0.26], stripes(body, tuple(v * 0.7 for v in body), 0.08,
            axis=(1, 0, 0)), seg=12)  # fmt: skip
    b.lathe((0, 0, 0.85), (0, 0, 1.0), [0.27, 0.24, 0.1, 0.0], body, seg=12)
    b.box((0.0, 0.25, 0.9), (0.22, 0.06, 0.07), BLACK)
    return [b.build()]


def barrier(variant: int, style: str, detail: float) -> list[MeshData]:
    """One 2 m module of a barrier, its post at -x: "rope" brass posts and a sagging red rope, "queue"
    steel stanchions with a belt, "railing" wrought iron with finials, "crowd" a steel crowd barrier."""
    rng = model_rng("barrier", variant)
    b = MeshBuilder(detail)
    w = BARRIER_MODULE
    if style in ("rope", "queue"):
        post = BRASS if style == "rope" else STEEL
        b.lathe((-w / 2, 0, 0.0), (-w / 2, 0, 0.03), [0.17, 0.17], post, seg=10)  # base
        b.lathe((-w / 2, 0, 0.03), (-w / 2, 0, 0.95), [0.03, 0.03], post, seg=8)
        b.ellipsoid((-w / 2, 0, 0.97), (0.05, 0.05, 0.05), post, seg=8)
        if style == "rope":
            rope = pick(rng, ((0.6, 0.05, 0.08), (0.1, 0.15, 0.4)))
            pts = [(-w / 2 + w * t, 0.0, 0.9 - 0.18 * math.sin(math.pi * t)) for t in np.linspace(0, 1, 7)]
            for p, q in itertools.pairwise(pts):
                b.capsule(p, q, 0.022, 0.022, rope, seg=5)
        else:
            belt = pick(rng, ((0.1, 0.2, 0.6), (0.7, 0.1, 0.1), (0.1, 0.1, 0.1)))
            b.box((0.0, 0.0, 0.88), (w, 0.01, 0.05), belt)
        return [b.build()]
    if style == "crowd":
        b.box((0.0, 0.0, 1.08), (w, 0.05, 0.05), STEEL)
        b.box((0.0, 0.0, 0.2), (w, 0.05, 0.05), STEEL)
        for x in np.linspace(-w / 2 + 0.1, w / 2 - 0.1, 14):
            b.box((x, 0.0, 0.64), (0.02, 0.02, 0.88), STEEL)
        for sx in (-1, 1):
            b.box((sx * (w / 2 - 0.05), 0.0, 0.55), (0.05, 0.05, 1.1), STEEL)
            b.box((sx * (w / 2 - 0.05), 0.0, 0.02), (0.06, 0.7, 0.04), STEEL)  # feet
        return [b.build()]
    iron = pick(rng, (BLACK, (0.1, 0.2, 0.12)))
    b.box((0.0, 0.0, 1.1), (w, 0.04, 0.04), iron)
    b.box((0.0, 0.0, 0.12), (w, 0.04, 0.04), iron)
    for x in np.linspace(-w / 2, w / 2, 13)[:-1]:
        b.box((x, 0.0, 0.62), (0.02, 0.02, 1.1), iron)
        b.ellipsoid((x, 0.0, 1.2), (0.025, 0.025, 0.06), iron, seg=5)  # finial
    b.box((-w / 2, 0.0, 0.6), (0.07, 0.07, 1.25), iron)  # post
    return [b.build()]


def column(variant: int, style: str, detail: float) -> list[MeshData]:
    """A column, 1 m across and 8 m high: "fluted" on a base under a capital, "iron" a cast-iron pillar with
    its brackets, "gilded" with gold bands; "plinth" a moulded display plinth."""
    rng = model_rng("column", variant)
    b = MeshBuilder(detail)
    if style == "plinth":
        stone = pick(rng, ((0.92, 0.92, 0.9), (0.25, 0.25, 0.27), (0.85, 0.82, 0.76)))
        b.box((0.0, 0.0, 0.05), (0.9, 0.9, 0.1), tuple(v * 0.8 for v in stone))
        b.box((0.0, 0.0, 0.55), (0.8, 0.8, 0.9), stone)
        b.box((0.0, 0.0, 1.03), (0.9, 0.9, 0.06), tuple(v * 0.85 for v in stone))
        return [b.build()]
    height, r = 8.0, 0.5
    if style == "iron":
        iron = pick(rng, ((0.12, 0.2, 0.15), (0.15, 0.15, 0.16), (0.35, 0.12, 0.1)))
        b.lathe((0, 0, 0.0), (0, 0, height), [r * 0.9, r * 0.6, r * 0.5, r * 0.5, r * 0.5, r * 0.7], iron, seg=12)
        for k in range(4):
            a = k * math.pi / 2
            b.capsule((0.4 * math.cos(a), 0.4 * math.sin(a), height - 1.2),
                      (1.2 * math.cos(a), 1.2 * math.sin(a), height - 0.05), 0.06, 0.05, iron, seg=5)  # fmt: skip
        return [b.build()]
    stone = pick(rng, ((0.88, 0.86, 0.82), (0.80, 0.76, 0.68), (0.92, 0.92, 0.92)))
    shade = tuple(v * 0.72 for v in stone)
    b.box((0.0, 0.0, 0.2), (2.4 * r, 2.4 * r, 0.4), stone)  # plinth
    b.lathe((0, 0, 0.4), (0, 0, 0.7), [1.1 * r, 1.0 * r, 1.05 * r, 0.95 * r], stone, seg=16)  # torus base
    gilt = style == "gilded"

    def fluted(pts: np.ndarray) -> np.ndarray:  # vertical flutes: bands by angle round the shaft
        angle = np.arctan2(pts[:, 1], pts[:, 0])
        band = (np.sin(angle * 20) > 0.3)[:, None]
        out = np.where(band, np.asarray(shade), np.asarray(stone))
        if gilt:
            ring = (np.mod(pts[:, 2], 2.0) < 0.15)[:, None]
            out = np.where(ring, np.asarray((0.85, 0.65, 0.2)), out)
        return out

    b.lathe((0, 0, 0.7), (0, 0, height - 0.8), [0.95 * r, 0.9 * r, 0.85 * r], fluted, seg=40)
    b.lathe((0, 0, height - 0.8), (0, 0, height - 0.4), [0.85 * r, 1.0 * r, 1.25 * r], stone, seg=16)  # echinus
    b.box((0.0, 0.0, height - 0.2), (2.7 * r, 2.7 * r, 0.4), stone)  # abacus
    return [b.build()]


# -- kiosks and machines ----------------------------------------------------------------------------------


def kiosk(variant: int, style: str, detail: float) -> list[MeshData]:
    """A booth 2.5 m wide, 2 m deep, 3 m high: "ticket" with a glazed window and a counter under a deep roof,
    "snack" with a striped awning over its open hatch and goods on the shelf; "machine" a vending or ticket
    machine (1 m, 1.9 m high) with a lit screen and buttons."""
    rng = model_rng("kiosk", variant)
    b = MeshBuilder(detail)
    if style == "machine":
        body = pick(rng, ((0.7, 0.1, 0.1), (0.15, 0.3, 0.6), (0.2, 0.2, 0.22), (0.85, 0.85, 0.86)))
        b.box((0.0, 0.0, 0.95), (0.95, 0.8, 1.9), mottled(body, 0.06, 5.0, variant))
        b.box((-0.12, 0.405, 1.25), (0.55, 0.01, 0.9), (0.55, 0.75, 0.85))  # window / screen
        for i in range(4):
            for j in range(3):
                b.box((0.22 + j * 0.08, 0.405, 1.5 - i * 0.12), (0.06, 0.02, 0.05), (0.9, 0.9, 0.85))  # buttons
        b.box((0.0, 0.405, 0.3), (0.5, 0.02, 0.18), BLACK)  # delivery slot
        return [b.build()]
    w, d, h = 2.5, 2.0, 2.6
    paint = pick(rng, ((0.85, 0.82, 0.75), (0.55, 0.15, 0.12), (0.15, 0.35, 0.55), (0.9, 0.75, 0.3)))
    wall = mottled(paint, 0.08, 3.0, variant)
    timber = mottled(pick(rng, WOODS), 0.1, 5.0, variant)
    b.box((0.0, 0.0, 0.5), (w, d, 1.0), wall)  # lower walls
    b.box((0.0, -d / 2 + 0.05, h / 2), (w, 0.1, h), wall)  # back wall
    for sx in (-1, 1):
        b.box((sx * (w / 2 - 0.05), 0.0, h / 2), (0.1, d, h), wall)
    b.box((0.0, d / 2 + 0.1, 1.05), (w, 0.4, 0.06), timber)  # counter
    if style == "snack":
        stripe = pick(rng, ((0.8, 0.1, 0.1), (0.1, 0.3, 0.7), (0.1, 0.5, 0.2)))
        awning = stripes((0.95, 0.95, 0.92), stripe, 0.5, axis=(1.0, 0.0, 0.0), warp=0.0)
        b.box((0.0, d / 2 + 0.4, h + 0.05), (w + 0.3, 1.0, 0.05), awning, pitch_deg=-15.0)
        for i in range(6):  # goods on the shelf behind the hatch
            b.box((-w / 2 + 0.35 + i * 0.36, -0.3, 1.5), (0.25, 0.2, 0.3), pick(rng, SHELLS))
    else:
        b.box((0.0, d / 2 - 0.05, 1.8), (w - 0.2, 0.04, 1.4), (0.5, 0.65, 0.75))  # glazing
        b.box((0.0, d / 2 - 0.03, 1.35), (0.5, 0.06, 0.3), BLACK)  # speaking hole frame
    b.box((0.0, 0.2, h + 0.1), (w + 0.6, d + 1.0, 0.2), tuple(v * 0.7 for v in paint))  # roof
    b.box((0.0, d / 2 + 0.65, h - 0.1), (w + 0.6, 0.1, 0.4), (0.95, 0.95, 0.9))  # sign band
    return [b.build()]


def parasol(variant: int, style: str, detail: float) -> list[MeshData]:
    """A striped parasol (3 m across) on its pole and weighted base."""
    rng = model_rng("parasol", variant)
    b = MeshBuilder(detail)
    colour = pick(rng, ((0.8, 0.1, 0.1), (0.1, 0.3, 0.7), (0.1, 0.5, 0.2), (0.95, 0.7, 0.1)))
    panels = 8

    def canopy(pts: np.ndarray) -> np.ndarray:
        seg = np.floor((np.arctan2(pts[:, 1], pts[:, 0]) + math.pi) / (2 * math.pi) * panels).astype(int) % 2
        return np.where(seg[:, None] == 0, np.asarray(colour), np.asarray((0.95, 0.95, 0.92)))

    b.lathe((0, 0, 0.0), (0, 0, 0.12), [0.3, 0.3], (0.2, 0.2, 0.2), seg=10)
    b.capsule((0, 0, 0.1), (0, 0, 2.45), 0.025, 0.025, (0.85, 0.85, 0.85), seg=6)
    b.lathe((0, 0, 1.95), (0, 0, 2.5), [1.5, 1.4, 0.9, 0.0], canopy, seg=panels * 2)
    return [b.build()]


def cart(variant: int, style: str, detail: float) -> list[MeshData]:
    """A vendor's cart on two wheels (1.4 m long): "balloon" with a bunch of balloons on strings above it,
    "food" with a striped umbrella over its counter and a gas bottle below."""
    rng = model_rng("cart", variant)
    b = MeshBuilder(detail)
    body = pick(rng, ((0.85, 0.15, 0.12), (0.15, 0.4, 0.75), (0.95, 0.8, 0.2), (0.9, 0.9, 0.88)))
    b.box((0.0, 0.0, 0.75), (1.4, 0.8, 0.6), mottled(body, 0.06, 4.0, variant))  # box body
    b.box((0.0, 0.0, 1.07), (1.5, 0.9, 0.04), STEEL)  # counter top
    for sy in (-1, 1):  # two wheels on an axle near the handle end, prop legs at the other
        b.lathe((0.3, sy * 0.42, 0.3), (0.3, sy * 0.48, 0.3), [0.3, 0.3], BLACK, seg=12)
        b.box((-0.6, sy * 0.3, 0.22), (0.05, 0.05, 0.44), STEEL)
    b.box((0.3, 0.0, 0.3), (0.05, 0.95, 0.05), STEEL)
    b.capsule((0.75, 0.0, 1.0), (1.1, 0.0, 1.0), 0.03, 0.03, STEEL, seg=5)  # handle
    if style == "balloon":
        anchor = np.array([0.0, 0.0, 1.1])
        for _ in range(14):
            top = np.array([rng.uniform(-0.6, 0.6), rng.uniform(-0.4, 0.4), rng.uniform(2.2, 2.9)])
            colour = pick(rng, SHELLS + ((0.95, 0.4, 0.7), (0.6, 0.3, 0.8)))
            b.capsule(anchor, top - [0, 0, 0.2], 0.006, 0.006, (0.9, 0.9, 0.9), seg=3)
            b.ellipsoid(top, (0.2, 0.17, 0.17), colour, seg=8, axis=(0, 0, 1))
        return [b.build()]
    stripe = pick(rng, ((0.8, 0.1, 0.1), (0.1, 0.3, 0.7), (0.1, 0.5, 0.2)))
    b.capsule((0.0, 0.0, 1.1), (0.0, 0.0, 2.3), 0.02, 0.02, (0.85, 0.85, 0.85), seg=5)
    b.lathe((0, 0, 2.0), (0, 0, 2.4), [1.0, 0.9, 0.5, 0.0], stripes((0.95, 0.95, 0.92), stripe, 0.4,
            axis=(1.0, 0.0, 0.0), warp=0.0), seg=12)  # fmt: skip
    b.lathe((-0.4, -0.55, 0.0), (-0.4, -0.55, 0.5), [0.12, 0.14, 0.12, 0.06], (0.2, 0.35, 0.7), seg=8)  # gas bottle
    for i in range(4):  # trays of food on the counter
        b.box((-0.5 + i * 0.33, 0.0, 1.12), (0.28, 0.5, 0.06), pick(rng, ((0.8, 0.5, 0.2), (0.9, 0.8, 0.5), (0.6, 0.2, 0.1))))
    return [b.build()]


def cycle(variant: int, style: str, detail: float) -> list[MeshData]:
    """A parked two-wheeler (1.75 m long, along y): "" a bicycle with its diamond frame, "scooter" a delivery
    scooter with a box on its rack."""
    rng = model_rng("cycle", variant)
    b = MeshBuilder(detail)
    paint = pick(rng, SHELLS + ((0.9, 0.9, 0.9),))
    r = 0.34
    rear, front = np.array([0.0, -0.55, r]), np.array([0.0, 0.55, r])
    for hub in (rear, front):  # tyre as a ring of short tubes, hub, and spokes as two crossed slats
        ring = [hub + [0.0, r * math.cos(a), r * math.sin(a)] for a in np.linspace(0, 2 * math.pi, 13)]
        for p, q in itertools.pairwise(ring):
            b.capsule(p, q, 0.025, 0.025, BLACK, seg=4)
        b.box(hub, (0.02, 2 * r * 0.9, 0.02), STEEL)
        b.box(hub, (0.02, 0.02, 2 * r * 0.9), STEEL)
    if style == "scooter":
        b.box((0.0, -0.05, 0.45), (0.35, 0.9, 0.3), paint)  # body over the wheels
        b.box((0.0, -0.2, 0.68), (0.3, 0.6, 0.1), BLACK)  # seat
        b.capsule(front, front + [0, -0.25, 0.75], 0.04, 0.04, STEEL, seg=5)  # fork and stem
        b.box(front + [0, -0.25, 0.78], (0.65, 0.05, 0.05), BLACK)  # handlebar
        b.box((0.0, -0.65, 1.0), (0.45, 0.45, 0.45), pick(rng, ((0.85, 0.2, 0.1), (0.95, 0.75, 0.1), (0.1, 0.5, 0.3))))
        return [b.build()]
    seat, crank, head = np.array([0.0, -0.2, 0.9]), np.array([0.0, -0.05, r]), np.array([0.0, 0.42, 0.88])
    for p, q in ((seat, crank), (crank, head), (seat + [0, 0.03, -0.05], head), (seat, rear), (crank, rear)):
        b.capsule(p, q, 0.022, 0.022, paint, seg=5)
    b.capsule(head, front, 0.02, 0.02, STEEL, seg=5)  # fork
    b.box(seat + [0.0, 0.0, 0.06], (0.14, 0.26, 0.05), BLACK)  # saddle
    b.box(head + [0.0, -0.05, 0.12], (0.55, 0.04, 0.04), BLACK)  # handlebar
    b.lathe(crank - [0.05, 0, 0], crank + [0.05, 0, 0], [0.1, 0.1], STEEL, seg=8)  # chainring
    return [b.build()]


def trolley(variant: int, style: str, detail: float) -> list[MeshData]:
    """A trolley on castors (0.8 m wide, 1.6 m long, along y): "luggage" with a suitcase or two and a push
    bar, "medical" a cabinet trolley of drawers, "hand" a wooden handcart with two big wheels."""
    rng = model_rng("trolley", variant)
    b = MeshBuilder(detail)
    if style == "medical":
        body = pick(rng, ((0.9, 0.9, 0.92), (0.55, 0.75, 0.85), (0.95, 0.85, 0.6)))
        b.box((0.0, 0.0, 0.55), (0.55, 0.9, 0.8), mottled(body, 0.06, 6.0, variant))
        for k in range(4):  # drawers with handles, facing the aisle (+x)
            b.box((0.28, 0.0, 0.3 + k * 0.18), (0.01, 0.8, 0.15), tuple(v * 0.88 for v in body))
            b.box((0.29, 0.0, 0.35 + k * 0.18), (0.02, 0.25, 0.02), STEEL)
        b.box((0.0, 0.0, 0.97), (0.6, 0.95, 0.04), STEEL)
        for sx in (-1, 1):
            for sy in (-1, 1):
                b.lathe((sx * 0.22, sy * 0.38, 0.0), (sx * 0.22, sy * 0.38, 0.12), [0.05, 0.05], BLACK, seg=6)
        return [b.build()]
    if style == "hand":
        wood = mottled(pick(rng, WOODS), 0.1, 5.0, variant)
        b.box((0.0, 0.2, 0.6), (1.0, 1.6, 0.08), wood)  # bed
        for sx in (-1, 1):
            b.box((sx * 0.48, 0.2, 0.8), (0.05, 1.6, 0.35), wood)  # sides
            b.lathe((sx * 0.56, 0.3, 0.5), (sx * 0.6, 0.3, 0.5), [0.5, 0.5], (0.3, 0.2, 0.12), seg=14)  # wheels
            b.capsule((sx * 0.4, -0.6, 0.6), (sx * 0.4, -1.2, 0.9), 0.03, 0.03, wood, seg=5)  # shafts
        for _ in range(5):  # sacks and crates of goods
            b.box((rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.7), 0.8), (0.35, 0.35, 0.3),
                  pick(rng, ((0.7, 0.6, 0.4), (0.5, 0.35, 0.2), (0.85, 0.4, 0.1))))  # fmt: skip
        return [b.build()]
    b.box((0.0, 0.1, 0.18), (0.65, 1.1, 0.04), STEEL)  # deck
    for sx in (-1, 1):
        b.capsule((sx * 0.3, -0.45, 0.18), (sx * 0.3, -0.55, 1.05), 0.02, 0.02, STEEL, seg=5)
        for sy in (-0.4, 0.55):
            b.lathe((sx * 0.28, sy, 0.08), (sx * 0.32, sy, 0.08), [0.08, 0.08], BLACK, seg=8)
    b.capsule((-0.3, -0.55, 1.05), (0.3, -0.55, 1.05), 0.025, 0.025, (0.2, 0.2, 0.22), seg=5)  # push bar
    for k in range(int(rng.integers(1, 3))):
        colour = pick(rng, SHELLS + LEATHERS)
        b.box((0.0, 0.15 - k * 0.05, 0.45 + k * 0.45), (0.5, 0.3 + 0.25 * (k == 0), 0.5 - 0.1 * k), colour)
    return [b.build()]


FIGURE_POSES = 12


def figure(variant: int, style: str, detail: float) -> list[MeshData]:
    """A figure that is not a person: "mannequin" a faceless shop dummy in this season's clothes on a round
    stand; "" an animatronic character (a big-headed, brightly costumed figure on a low stage) that waves
    and nods through its pose cycle."""
    from worldmill.library import people

    rng = model_rng("figure", variant)
    body = people.Body(variant, "mild")
    if style == "mannequin":
        body.skin = body.hair = pick(rng, ((0.92, 0.92, 0.9), (0.2, 0.2, 0.22), (0.85, 0.75, 0.6)))
        body.long_hair = False
        mesh = people.body_mesh(body, detail, hips=(0.0, 0.0), knees=(0.0, 0.0), shoulders=(8.0, -8.0),
                                elbows=(15.0, 15.0))  # fmt: skip
        b = MeshBuilder(detail)
        b.lathe((0, 0, 0.0), (0, 0, 0.04), [0.25, 0.25], (0.15, 0.15, 0.16), seg=12)
        b.add(mesh.vertices.astype(np.float64) + [0.0, 0.0, 0.05], mesh.faces, lambda pts: mesh.colors)
        return [b.build()]
    costume = pick(rng, ((0.85, 0.2, 0.15), (0.2, 0.4, 0.85), (0.95, 0.7, 0.1), (0.3, 0.65, 0.25), (0.6, 0.3, 0.7)))
    fur = pick(rng, ((0.55, 0.35, 0.2), (0.9, 0.9, 0.88), (0.3, 0.3, 0.32), (0.95, 0.6, 0.3)))
    body.top, body.bottom, body.skin, body.hair = costume, tuple(v * 0.6 for v in costume), fur, fur
    body.trousers, body.skirt, body.sleeves, body.long_hair = True, False, True, False
    stage = mottled((0.25, 0.2, 0.3), 0.1, 3.0, variant)
    poses = []
    for k in range(FIGURE_POSES):
        phase = 2 * math.pi * k / FIGURE_POSES
        wave = 150.0 + 25.0 * math.sin(phase)  # the right arm raised, waving
        mesh = people.body_mesh(body, detail, hips=(0.0, 0.0), knees=(0.0, 0.0), shoulders=(10.0, wave),
                                elbows=(20.0, 30.0 + 20.0 * math.sin(phase)))  # fmt: skip
        b = MeshBuilder(detail)
        b.box((0.0, 0.0, 0.2), (1.6, 1.6, 0.4), stage)
        b.add(mesh.vertices.astype(np.float64) + [0.0, 0.0, 0.4], mesh.faces, lambda pts, m=mesh: m.colors)
        nod = 0.04 * math.sin(phase * 2)
        head = np.array([0.0, 0.03 + nod, 0.4 + people.NOMINAL_HEIGHT * 0.97])
        b.ellipsoid(head, (0.26, 0.24, 0.25), mottled(fur, 0.1, 6.0, variant), seg=12, axis=(0, 0, 1))  # big head
        for sx in (-1, 1):
            b.ellipsoid(head + [sx * 0.2, 0.0, 0.22], (0.09, 0.09, 0.04), fur, seg=8, axis=(0, 1, 0))  # ears
            b.ellipsoid(head + [sx * 0.09, 0.22, 0.05], (0.05, 0.03, 0.05), BLACK, seg=6)  # eyes
        b.ellipsoid(head + [0.0, 0.24, -0.06], (0.06, 0.04, 0.05), (0.1, 0.08, 0.08), seg=6)  # nose
        poses.append(b.build())
    return poses


def _kinds():
    from worldmill.library import Kind

    return {
        "seat_row": Kind(seat_row, variants=4),
        "chair": Kind(chair, variants=6),
        "table": Kind(table, variants=6),
        "potted_plant": Kind(potted_plant, variants=6),
        "litter_bin": Kind(litter_bin, variants=4),
        "barrier": Kind(barrier, variants=2),
        "column": Kind(column, variants=3),
        "kiosk": Kind(kiosk, variants=4),
        "parasol": Kind(parasol, variants=4),
        "cart": Kind(cart, variants=4),
        "cycle": Kind(cycle, variants=4),
        "trolley": Kind(trolley, variants=4),
        "figure": Kind(figure, variants=6, cycle_s=2.4),
    }


KINDS = _kinds()
