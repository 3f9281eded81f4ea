"""Small structures and landscape pieces: shelters and canopies (thatched, glazed, pergola, bandstand), an
entrance gateway, boulders and coral heads, and screen cabinets (arcade machines, touchscreen kiosks).

As analytic kits these were a table top on four sticks, a ball, a building facade; these read as what the
prompt names. Local frame as everywhere in the library: x across, y forward, z up, base at z = 0; nominal
sizes in metres, which scenes stretch to the taxonomy's box. A screen's glowing face is not part of the mesh
(meshes do not emit): ``SCREENS`` gives where a scene puts a lit panel on it.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from worldmill.library.geometry import MeshBuilder, MeshData, _hash_noise, model_rng, mottled, pick, stripes

STEEL = (0.72, 0.74, 0.77)
BLACK = (0.06, 0.06, 0.07)
TIMBER = ((0.42, 0.28, 0.15), (0.55, 0.40, 0.25), (0.30, 0.20, 0.12))
BRIGHT = ((0.85, 0.15, 0.12), (0.15, 0.35, 0.8), (0.95, 0.75, 0.1), (0.2, 0.6, 0.3), (0.65, 0.25, 0.7))




def shelter(variant: int, style: str, detail: float) -> list[MeshData]:
    """A roof on posts, 5 m square and 3.5 m high nominal: "" a thatched hut roof (a straw cone) on timber
    posts; "canopy" a flat glazed canopy on slender steel columns; "pergola" timber beams and cross rafters
    on posts, climbers on top; "bandstand" an octagonal stage with railings under a domed roof."""
    rng = model_rng("shelter", variant)
    b = MeshBuilder(detail)
    if style == "canopy":
        w, d, h = 10.0, 6.0, 4.0
        for sx in (-1, 1):
            for sy in (-1, 1):
                b.lathe((sx * (w / 2 - 0.6), sy * (d / 2 - 0.8), 0.0), (sx * (w / 2 - 0.6), sy * (d / 2 - 0.8), h),
                        [0.12, 0.12], STEEL, seg=8)  # fmt: skip
        b.box((0.0, 0.0, h + 0.15), (w, d, 0.3), (0.8, 0.8, 0.82))  # deck
        b.box((0.0, 0.0, h + 0.32), (w - 0.3, d - 0.3, 0.04), (0.45, 0.62, 0.70))  # glazing
        b.box((0.0, d / 2, h + 0.15), (w, 0.1, 0.55), pick(rng, BRIGHT))  # fascia (the sign band)
        return [b.build()]
    if style == "pergola":
        w, d, h = 3.5, 10.0, 3.0
        wood = mottled(pick(rng, TIMBER), 0.12, 5.0, variant)
        for y in np.linspace(-d / 2 + 0.3, d / 2 - 0.3, 5):
            for sx in (-1, 1):
                b.box((sx * (w / 2 - 0.15), y, h / 2), (0.18, 0.18, h), wood)
        for sx in (-1, 1):
            b.box((sx * (w / 2 - 0.15), 0.0, h + 0.12), (0.12, d, 0.24), wood)
        for y in np.linspace(-d / 2, d / 2, 21):
            b.box((0.0, y, h + 0.3), (w + 0.6, 0.08, 0.14), wood)
        leaf = mottled((0.15, 0.38, 0.12), 0.25, 5.0, variant)
        for y in np.linspace(-d / 2 + 1.0, d / 2 - 1.0, 5):
            b.lumpy((rng.uniform(-0.5, 0.5), y, h + 0.45), (1.3, 1.0, 0.25), leaf, amount=0.3, seed=variant, seg=10)
        return [b.build()]
    if style == "bandstand":
        r, h = 4.0, 3.2
        paint = pick(rng, ((0.9, 0.9, 0.88), (0.15, 0.3, 0.2), (0.5, 0.1, 0.1)))
        b.lathe((0, 0, 0.0), (0, 0, 0.9), [r + 0.2, r + 0.2], mottled((0.7, 0.68, 0.64), 0.08, 3.0, variant),
                seg=8)  # fmt: skip
        for k in range(8):
            a = 2 * math.pi * (k + 0.5) / 8
            b.lathe((r * math.cos(a), r * math.sin(a), 0.9), (r * math.cos(a), r * math.sin(a), 0.9 + h),
                    [0.1, 0.08, 0.1], paint, seg=6)  # fmt: skip
        b.lathe((0, 0, 0.9 + 0.95), (0, 0, 0.9 + 1.0), [r, r], paint, seg=8)  # railing ring
        roof = stripes((0.85, 0.2, 0.15), (0.95, 0.95, 0.9), 0.6, axis=(0.0, 0.0, 1.0), warp=0.0)
        b.lathe((0, 0, 0.9 + h), (0, 0, 0.9 + h + 2.2), [r + 0.5, r * 0.7, r * 0.3, 0.0], roof, seg=8)
        b.capsule((0, 0, 0.9 + h + 2.2), (0, 0, 0.9 + h + 2.8), 0.05, 0.02, (0.8, 0.65, 0.2), seg=5)  # finial
        return [b.build()]
    # thatched: a straw cone with a shaggy, banded surface on rough timber posts
    r, h = 2.5, 2.6
    wood = mottled(pick(rng, TIMBER), 0.15, 4.0, variant)
    for k in range(6):
        a = 2 * math.pi * k / 6
        b.capsule((r * 0.75 * math.cos(a), r * 0.75 * math.sin(a), 0.0),
                  (r * 0.75 * math.cos(a), r * 0.75 * math.sin(a), h + 0.2), 0.1, 0.09, wood, seg=6)  # fmt: skip
    straw = stripes((0.72, 0.60, 0.36), (0.52, 0.42, 0.24), 0.22, axis=(0.0, 0.0, 1.0), warp=0.4, seed=variant)
    b.lathe((0, 0, h - 0.2), (0, 0, h + 2.2), [r * 1.25, r * 1.15, r * 0.8, r * 0.4, 0.0], straw, seg=14)
    b.lumpy((0, 0, h - 0.15), (r * 1.22, r * 1.22, 0.2), (0.58, 0.47, 0.27), amount=0.15, seed=variant, seg=14)
    return [b.build()]


def gateway(variant: int, style: str, detail: float) -> list[MeshData]:
    """An entrance gateway 15 m wide and 11 m high: two striped towers with domed caps carrying a curved
    arch and a sign band between them, a turnstile line underneath."""
    rng = model_rng("gateway", variant)
    b = MeshBuilder(detail)
    w, h = 15.0, 11.0
    main, second = pick(rng, BRIGHT), pick(rng, BRIGHT)
    band = stripes(main, (0.95, 0.95, 0.9), 1.0, axis=(0.0, 0.0, 1.0), warp=0.0)
    for sx in (-1, 1):
        x = sx * (w / 2 - 1.2)
        b.lathe((x, 0, 0.0), (x, 0, h * 0.78), [1.2, 1.1, 1.0, 1.0], band, seg=12)
        b.lathe((x, 0, h * 0.78), (x, 0, h), [1.3, 1.25, 0.9, 0.0], second, seg=12)  # domed cap
        b.capsule((x, 0, h), (x, 0, h + 1.0), 0.06, 0.03, (0.9, 0.75, 0.2), seg=5)  # flagpole
        b.box((x + sx * 0.5, 0, h + 0.75), (0.9, 0.03, 0.5), pick(rng, BRIGHT))  # pennant
    pts = [(x, 0.0, h * 0.62 + 1.6 * math.cos(math.pi * x / (w - 2.4))) for x in np.linspace(-w / 2 + 1.2, w / 2 - 1.2, 13)]
    for p, q in itertools.pairwise(pts):
        b.capsule(p, q, 0.45, 0.45, second, seg=8)  # the arch
    b.box((0.0, 0.5, h * 0.62 - 0.9), (w * 0.62, 0.3, 1.4), (0.95, 0.93, 0.85))  # sign band
    for x in np.linspace(-w / 2 + 3.0, w / 2 - 3.0, 6):  # turnstiles
        b.box((x, 0.0, 0.5), (0.3, 0.8, 1.0), STEEL)
    return [b.build()]


def boulder(variant: int, style: str, detail: float) -> list[MeshData]:
    """A weathered boulder (2.5 m, flattened, lumpy, resting on its base), or "coral" a branching coral head
    of bright fingers on a rock."""
    rng = model_rng("boulder", variant)
    b = MeshBuilder(detail)
    if style == "coral":
        base = mottled((0.45, 0.40, 0.35), 0.2, 3.0, variant)
        b.lumpy((0.0, 0.0, 0.3), (1.0, 0.8, 0.45), base, amount=0.3, seed=variant, seg=12)
        colour = pick(rng, ((0.95, 0.45, 0.35), (0.9, 0.3, 0.55), (0.95, 0.75, 0.3), (0.6, 0.35, 0.75)))
        for _ in range(14):
            a, r = rng.uniform(0, 2 * math.pi), rng.uniform(0.0, 0.7)
            root = np.array([r * math.cos(a), r * 0.8 * math.sin(a), 0.5])
            tip = root + [rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), rng.uniform(0.5, 1.1)]
            b.capsule(root, tip, 0.08, 0.05, mottled(colour, 0.15, 8.0, variant), seg=6)
        return [b.build()]
    grey = pick(rng, ((0.50, 0.47, 0.43), (0.58, 0.52, 0.44), (0.40, 0.39, 0.38), (0.62, 0.58, 0.52)))
    rock = mottled(grey, 0.22, 2.0, variant)
    b.lumpy((0.0, 0.0, 0.75), (1.3, 1.1, 0.9), rock, amount=0.35, seed=variant, seg=16)
    b.lumpy((0.6, -0.4, 0.45), (0.7, 0.6, 0.5), rock, amount=0.3, seed=variant + 1, seg=10)
    return [b.build(ground=True)]


# where a screen cabinet's lit face goes, in its nominal frame: (centre, size (x, y, z), pitch about x in degrees)
SCREENS = {
    "screen_cabinet": ((0.0, 0.33, 1.35), (0.56, 0.03, 0.42), -15.0),
    "screen_cabinet:kiosk": ((0.0, 0.12, 1.35), (0.46, 0.03, 0.62), -20.0),
}


def screen_cabinet(variant: int, style: str, detail: float) -> list[MeshData]:
    """A cabinet round a screen: "" an arcade machine (0.8 x 0.9 x 1.9 m) with its marquee, control deck,
    joystick and buttons and side art; "kiosk" a touchscreen kiosk, a slim pedestal under an angled screen."""
    rng = model_rng("screen_cabinet", variant)
    b = MeshBuilder(detail)
    if style == "kiosk":
        shell = pick(rng, ((0.9, 0.9, 0.9), (0.15, 0.15, 0.17), (0.75, 0.1, 0.1), (0.1, 0.3, 0.6)))
        b.box((0.0, 0.0, 0.03), (0.6, 0.5, 0.06), BLACK)
        b.box((0.0, -0.05, 0.55), (0.35, 0.25, 1.0), shell)
        b.box((0.0, 0.05, 1.35), (0.56, 0.12, 0.76), shell, pitch_deg=-20.0)  # screen housing
        return [b.build()]
    side = stripes(pick(rng, BRIGHT), pick(rng, BRIGHT), 0.35, axis=(0.0, 0.6, 1.0), warp=0.5, seed=variant)
    body = (0.08, 0.08, 0.1)
    for sx in (-1, 1):  # side panels with their art
        b.box((sx * 0.38, 0.0, 0.95), (0.04, 0.9, 1.9), side)
    b.box((0.0, -0.15, 0.95), (0.72, 0.6, 1.9), body)  # cabinet
    b.box((0.0, 0.28, 0.85), (0.72, 0.3, 0.12), body, pitch_deg=10.0)  # control deck
    b.capsule((-0.15, 0.3, 0.9), (-0.15, 0.3, 1.02), 0.015, 0.015, BLACK, seg=5)  # joystick
    b.ellipsoid((-0.15, 0.3, 1.03), (0.035, 0.035, 0.035), (0.85, 0.1, 0.1), seg=6)
    for k in range(3):
        b.lathe((0.05 + 0.08 * k, 0.3, 0.9), (0.05 + 0.08 * k, 0.3, 0.93), [0.025, 0.025], pick(rng, BRIGHT), seg=6)
    b.box((0.0, 0.15, 1.78), (0.72, 0.3, 0.2), pick(rng, BRIGHT))  # marquee
    b.box((0.0, 0.28, 0.45), (0.6, 0.02, 0.5), (0.15, 0.15, 0.18))  # coin door panel
    return [b.build()]


WATER = (0.30, 0.50, 0.60)
SPRAY = (0.80, 0.88, 0.92)
FOUNTAIN_POSES = 6


def fountain(variant: int, style: str, detail: float) -> list[MeshData]:
    """A fountain 4 m across whose jets rise and fall through its pose cycle: "" tiered bowls on a column in a
    round basin; "basin" a wide low basin with a ring of jets; "drinking" a pedestal with a bowl."""
    rng = model_rng("fountain", variant)
    stone = mottled(pick(rng, ((0.80, 0.77, 0.70), (0.70, 0.68, 0.66), (0.62, 0.55, 0.48))), 0.1, 3.0, variant)
    water = mottled(WATER, 0.15, 6.0, variant)
    if style == "drinking":
        b = MeshBuilder(detail)
        b.lathe((0, 0, 0.0), (0, 0, 0.9), [0.25, 0.18, 0.15, 0.15, 0.2], stone, seg=10)
        b.lathe((0, 0, 0.9), (0, 0, 1.05), [0.22, 0.32, 0.34], stone, seg=12)
        b.lathe((0, 0, 1.0), (0, 0, 1.04), [0.28, 0.28], water, seg=12)
        b.capsule((0.0, 0.0, 1.04), (0.0, 0.12, 1.16), 0.02, 0.015, STEEL, seg=5)
        return [b.build()]
    poses = []
    for k in range(FOUNTAIN_POSES):
        pulse = 0.85 + 0.15 * math.sin(2 * math.pi * k / FOUNTAIN_POSES)
        b = MeshBuilder(detail)
        r = 2.0
        b.lathe((0, 0, 0.0), (0, 0, 0.5), [r, r, r], stone, seg=20)  # basin wall (a solid drum)
        b.lathe((0, 0, 0.5), (0, 0, 0.55), [r - 0.15, r - 0.15], water, seg=20)  # its water
        if style == "basin":
            for j in range(8):
                a = 2 * math.pi * j / 8
                foot = np.array([1.2 * math.cos(a), 1.2 * math.sin(a), 0.55])
                top = foot * [0.6, 0.6, 1.0] + [0.0, 0.0, 1.2 * pulse]
                b.capsule(foot, top, 0.05, 0.08, SPRAY, seg=5)  # an arcing jet towards the middle
            b.capsule((0, 0, 0.55), (0, 0, 0.55 + 2.0 * pulse), 0.09, 0.05, SPRAY, seg=6)
        else:
            b.lathe((0, 0, 0.5), (0, 0, 2.4), [0.22, 0.16, 0.16, 0.2], stone, seg=10)  # column
            for z, rad in ((1.4, 1.1), (2.4, 0.6)):
                b.lathe((0, 0, z - 0.25), (0, 0, z), [0.15, rad * 0.8, rad], stone, seg=16)  # bowl
                b.lathe((0, 0, z - 0.03), (0, 0, z + 0.01), [rad * 0.9, rad * 0.9], water, seg=16)
                for j in range(10):  # streams falling from the bowl's rim
                    a = 2 * math.pi * (j + 0.5 * (z > 2)) / 10
                    lip = np.array([rad * math.cos(a), rad * math.sin(a), z])
                    fall = 0.75 * pulse if z < 2 else 0.95
                    b.capsule(lip, lip * [1.12, 1.12, 1.0] - [0.0, 0.0, fall], 0.035, 0.06, SPRAY, seg=4)
            b.capsule((0, 0, 2.45), (0, 0, 2.45 + 0.8 * pulse), 0.05, 0.08, SPRAY, seg=6)  # top jet
        poses.append(b.build())
    return poses


def monument(variant: int, style: str, detail: float) -> list[MeshData]:
    """Monuments: "obelisk" a tapering stone needle on a stepped base; "globe" an antique globe on a turned
    wooden stand; "sundial" a dial plate and gnomon on a pedestal in a paved circle; "lion" a stone lion
    standing on its plinth."""
    rng = model_rng("monument", variant)
    b = MeshBuilder(detail)
    stone = mottled(pick(rng, ((0.78, 0.75, 0.68), (0.55, 0.53, 0.52), (0.85, 0.83, 0.80))), 0.12, 2.0, variant)
    if style == "globe":
        wood = mottled(TIMBER[0], 0.1, 6.0, variant)
        b.lathe((0, 0, 0.0), (0, 0, 0.75), [0.3, 0.08, 0.06, 0.1, 0.12], wood, seg=10)
        ocean = (0.55, 0.62, 0.45) if rng.random() < 0.5 else (0.75, 0.68, 0.48)

        def land(pts: np.ndarray) -> np.ndarray:
            n = _hash_noise(pts, 3.0, variant) > 0.55
            return np.where(n[:, None], np.asarray((0.55, 0.40, 0.22)), np.asarray(ocean))

        b.ellipsoid((0, 0, 1.05), (0.3, 0.3, 0.3), land, seg=16, axis=(0.0, 0.3, 1.0))
        ring = [(0.0, 0.34 * math.sin(a), 1.05 + 0.34 * math.cos(a)) for a in np.linspace(0.0, 2 * math.pi, 17)]
        for p, q in itertools.pairwise(ring):  # the brass meridian
            b.capsule(p, q, 0.012, 0.012, (0.7, 0.55, 0.25), seg=4)
        return [b.build()]
    if style == "sundial":
        b.lathe((0, 0, 0.0), (0, 0, 0.1), [2.4, 2.4], mottled((0.6, 0.58, 0.55), 0.15, 1.0, variant), seg=20)
        b.lathe((0, 0, 0.1), (0, 0, 1.0), [0.5, 0.35, 0.3, 0.45], stone, seg=12)
        b.lathe((0, 0, 1.0), (0, 0, 1.06), [0.75, 0.75], (0.6, 0.48, 0.25), seg=20)
        for k in range(12):  # hour lines
            a = 2 * math.pi * k / 12
            b.box((0.5 * math.cos(a), 0.5 * math.sin(a), 1.07), (0.3, 0.03, 0.01), (0.2, 0.15, 0.1), yaw_deg=math.degrees(a))
        b.box((0.0, 0.0, 1.3), (0.03, 0.6, 0.5), (0.45, 0.35, 0.15), pitch_deg=35.0)  # gnomon
        return [b.build()]
    if style == "lion":
        from worldmill.library import animals

        body = animals.KINDS["lion"].build(variant, "", detail)[0]
        b.box((0.0, 0.0, 0.35), (1.4, 2.8, 0.7), stone)
        b.add(body.vertices.astype(np.float64) * 1.0 + [0.0, 0.0, 0.7], body.faces, stone)
        return [b.build()]
    b.box((0.0, 0.0, 0.3), (3.0, 3.0, 0.6), stone)  # obelisk
    b.box((0.0, 0.0, 0.9), (2.2, 2.2, 0.6), stone)
    b.lathe((0, 0, 1.2), (0, 0, 11.0), [0.75, 0.45], stone, seg=4)  # four-sided needle
    b.lathe((0, 0, 11.0), (0, 0, 11.9), [0.45, 0.0], stone, seg=4)  # pyramidion
    return [b.build()]


def airliner(variant: int, style: str, detail: float) -> list[MeshData]:
    """A parked twin-engine airliner (nose towards +y): a 45 m fuselage with a window line and the airline's
    livery, swept wings with their engines, fin and tailplane, nose and main gear."""
    rng = model_rng("airliner", variant)
    b = MeshBuilder(detail)
    length, r = 45.0, 2.0
    livery = pick(rng, ((0.75, 0.1, 0.12), (0.1, 0.25, 0.6), (0.1, 0.5, 0.45), (0.95, 0.55, 0.1)))
    white = (0.92, 0.93, 0.95)

    def skin(pts: np.ndarray) -> np.ndarray:  # white top, livery cheat line, grey belly, dark window line
        z = pts[:, 2] - (r + 2.0)
        out = np.where((z < -0.9 * r)[:, None], np.asarray((0.7, 0.72, 0.75)), np.asarray(white))
        out = np.where(((z > -0.45 * r) & (z < -0.2 * r))[:, None], np.asarray(livery), out)
        windows = (np.abs(z - 0.25 * r) < 0.12 * r) & (np.mod(pts[:, 1], 1.0) < 0.5)
        return np.where(windows[:, None], np.asarray((0.1, 0.12, 0.16)), out)

    axis_z = r + 2.0
    b.lathe((0, -length / 2, axis_z + 0.4), (0, length / 2, axis_z), [0.0, 0.5 * r, r, r, r, r, r, 0.8 * r, 0.0],
            skin, seg=16, stations=[0.0, 0.04, 0.12, 0.3, 0.5, 0.7, 0.85, 0.95, 1.0])  # fmt: skip
    wing = (0.85, 0.86, 0.88)
    for sx in (-1, 1):
        b.box((sx * (r + 7.5), -2.0, axis_z - 0.6), (17.0, 5.5, 0.5), wing, yaw_deg=sx * -28.0)  # swept wing
        b.box((sx * (r + 2.5), 0.5, axis_z - 0.8), (5.0, 5.0, 0.6), wing, yaw_deg=sx * -28.0)  # its root
        ex = sx * (r + 5.5)
        b.lathe((ex, 4.0, axis_z - 2.2), (ex, -1.0, axis_z - 2.2), [1.0, 1.25, 1.2, 0.8], (0.85, 0.86, 0.9), seg=12)
        b.lathe((ex, 4.05, axis_z - 2.2), (ex, 4.1, axis_z - 2.2), [0.95, 0.95], (0.1, 0.1, 0.12), seg=12)  # intake
        b.box((sx * 3.0, -20.0, axis_z + 0.5), (6.5, 3.0, 0.3), wing, yaw_deg=sx * -30.0)  # tailplane
        b.capsule((sx * 2.5, -1.0, 0.6), (sx * 2.5, -1.0, axis_z - 1.0), 0.2, 0.2, (0.3, 0.3, 0.32), seg=6)
        b.lathe((sx * 2.2, -1.0, 0.6), (sx * 2.9, -1.0, 0.6), [0.6, 0.6], (0.08, 0.08, 0.09), seg=10)  # main wheels
    b.box((0.0, -19.5, axis_z + 4.0), (0.5, 6.0, 8.0), livery, pitch_deg=35.0)  # fin in livery
    b.capsule((0.0, 17.5, 0.45), (0.0, 17.5, axis_z - 1.5), 0.15, 0.15, (0.3, 0.3, 0.32), seg=6)  # nose gear
    b.lathe((-0.3, 17.5, 0.45), (0.3, 17.5, 0.45), [0.45, 0.45], (0.08, 0.08, 0.09), seg=10)
    return [b.build(ground=True)]


def boat(variant: int, style: str, detail: float) -> list[MeshData]:
    """A rowing boat 4 m long (bow towards +y): a painted clinker hull, thwarts, oars in their rowlocks."""
    rng = model_rng("boat", variant)
    b = MeshBuilder(detail)
    paint = pick(rng, ((0.85, 0.2, 0.15), (0.15, 0.35, 0.7), (0.95, 0.95, 0.9), (0.2, 0.55, 0.35)))
    hull = stripes(paint, tuple(v * 0.8 for v in paint), 0.12, axis=(0.0, 0.0, 1.0), warp=0.0)
    b.lathe((0, -2.0, 0.3), (0, 2.0, 0.35), [0.3, 0.65, 0.7, 0.6, 0.0], hull, seg=12, squash=(1.0, 0.45),
            stations=[0.0, 0.2, 0.5, 0.8, 1.0])  # fmt: skip
    wood = mottled(TIMBER[1], 0.1, 6.0, variant)
    b.box((0.0, -0.3, 0.6), (0.95, 2.6, 0.04), (0.25, 0.17, 0.1))  # the open well, dark inside the gunwale
    for y in (-0.9, 0.2, 1.1):
        b.box((0.0, y, 0.66), (1.15, 0.25, 0.06), wood)  # thwarts
    for sx in (-1, 1):
        b.capsule((sx * 0.6, 0.2, 0.8), (sx * 2.2, -0.4, 0.35), 0.03, 0.03, wood, seg=4)  # oars
        b.box((sx * 2.1, -0.45, 0.36), (0.4, 0.12, 0.03), wood, yaw_deg=sx * 20.0)  # blades
    return [b.build(ground=True)]


def _kinds():
    from worldmill.library import Kind

    return {
        "shelter": Kind(shelter, variants=4),
        "gateway": Kind(gateway, variants=4),
        "boulder": Kind(boulder, variants=6),
        "screen_cabinet": Kind(screen_cabinet, variants=4),
        "fountain": Kind(fountain, variants=4, cycle_s=1.2),
        "monument": Kind(monument, variants=3),
        "airliner": Kind(airliner, variants=4),
        "boat": Kind(boat, variants=4),
    }


KINDS = _kinds()
