"""Animals by species: proportions and markings as data, a walk cycle of 8 poses (legs in the four-beat
order, head and tail swinging), and a few body plans (four-legged, ape, wading bird, penguin, seal, fish
shoal, snake, tortoise) for the species the taxonomy names.
"""

from __future__ import annotations

import dataclasses
import itertools
import math

import numpy as np

from worldmill.library.geometry import MeshBuilder, MeshData, gradient_z, mottled, patches, rot_x, stripes

GAIT_POSES = 8


@dataclasses.dataclass(frozen=True)
class Quadruped:
    """Metres. Body: an ellipsoid along y; neck rises at ``neck_deg`` from the horizontal to the head."""

    length: float  # body length
    girth: float  # body radius (height)
    width: float  # body half width
    leg: float  # ground to the bottom of the body
    leg_r: float
    neck: float
    neck_deg: float
    neck_r: float
    head: float  # head length
    head_r: float
    tail: float
    coat: tuple[float, float, float]
    marking: str = "mottled"  # mottled | stripes | patches | belly | mane | spots
    dark: tuple[float, float, float] = (0.05, 0.04, 0.03)
    light: tuple[float, float, float] = (0.9, 0.88, 0.82)
    ears: float = 0.08
    trunk: float = 0.0  # elephant
    mane: float = 0.0  # lion
    horns: float = 0.0  # giraffe ossicones, cattle horns
    stride_deg: float = 22.0


# fmt: off
SPECIES: dict[str, Quadruped] = {
    "giraffe": Quadruped(2.0, 0.55, 0.45, 1.9, 0.075, 2.3, 62.0, 0.14, 0.62, 0.15, 0.9, (0.55, 0.27, 0.07),
                         "patches", light=(0.85, 0.74, 0.52), ears=0.1, horns=0.16, stride_deg=18.0),
    "zebra": Quadruped(1.7, 0.42, 0.34, 0.85, 0.07, 0.75, 45.0, 0.14, 0.55, 0.14, 0.6, (0.92, 0.92, 0.90),
                       "stripes", dark=(0.04, 0.04, 0.04), ears=0.12),
    "horse": Quadruped(1.8, 0.44, 0.35, 0.9, 0.075, 0.8, 48.0, 0.15, 0.6, 0.14, 0.7, (0.42, 0.25, 0.12), "mane",
                       ears=0.1),
    "elephant": Quadruped(3.0, 1.05, 0.85, 1.25, 0.28, 0.35, 10.0, 0.5, 0.9, 0.55, 0.8, (0.42, 0.40, 0.38),
                          "mottled", ears=0.7, trunk=1.6, horns=0.7, stride_deg=16.0),
    "lion": Quadruped(1.7, 0.36, 0.3, 0.6, 0.08, 0.35, 25.0, 0.2, 0.42, 0.19, 0.85, (0.76, 0.58, 0.32), "belly",
                      light=(0.88, 0.78, 0.6), dark=(0.42, 0.26, 0.12), ears=0.06, mane=0.4),
    "tiger": Quadruped(1.9, 0.37, 0.3, 0.58, 0.085, 0.35, 20.0, 0.19, 0.42, 0.18, 0.9, (0.85, 0.45, 0.10),
                       "stripes", dark=(0.05, 0.04, 0.03), ears=0.06),
    "bear": Quadruped(1.8, 0.55, 0.45, 0.55, 0.15, 0.3, 20.0, 0.26, 0.45, 0.24, 0.15, (0.30, 0.19, 0.10),
                      "mottled", ears=0.08),
    "cow": Quadruped(2.0, 0.55, 0.4, 0.8, 0.09, 0.45, 30.0, 0.2, 0.55, 0.17, 0.7, (0.92, 0.90, 0.86), "spots",
                     dark=(0.08, 0.07, 0.06), ears=0.09, horns=0.15),
    "sheep": Quadruped(1.1, 0.38, 0.32, 0.45, 0.05, 0.25, 35.0, 0.12, 0.3, 0.1, 0.15, (0.85, 0.83, 0.76),
                       "mottled", ears=0.07),
    "deer": Quadruped(1.4, 0.33, 0.25, 0.8, 0.05, 0.5, 55.0, 0.1, 0.35, 0.1, 0.15, (0.55, 0.36, 0.2), "belly",
                      ears=0.1, horns=0.3),
    "dog": Quadruped(0.8, 0.2, 0.15, 0.4, 0.04, 0.2, 40.0, 0.08, 0.25, 0.08, 0.35, (0.55, 0.4, 0.25), "belly",
                     ears=0.06),
}
# fmt: on


def _coat(q: Quadruped, seed: int):
    base = mottled(q.coat, 0.12, 3.0, seed)
    if q.marking == "stripes":
        return stripes(q.coat, q.dark, 0.26 if q.length > 1.8 else 0.2, axis=(0.0, 1.0, 0.35), seed=seed)
    if q.marking == "patches":
        return patches(q.coat, q.light, 0.3, seed=seed, line_width=0.1)
    if q.marking == "spots":
        return patches(q.coat, q.dark, 0.5, seed=seed, line_width=0.9)
    if q.marking == "belly":
        top = base
        return lambda p: gradient_z(q.light, (1, 1, 1), q.leg + 0.2 * q.girth, q.leg + 0.9 * q.girth)(p) * top(p)
    return base


def quadruped(q: Quadruped, seed: int, phase: float, detail: float) -> MeshData:
    rng = np.random.default_rng(seed)
    scale = rng.uniform(0.9, 1.08)
    coat = _coat(q, seed)
    b = MeshBuilder(detail)
    body_z = q.leg + q.girth
    fine = q.marking in ("stripes", "patches", "spots")
    b.ellipsoid(
        (0.0, 0.0, body_z),
        (q.length / 2, q.girth, q.width),
        coat,
        seg=32 if fine else 24,
        axis=(0.0, 1.0, 0.0),
        rings=int(q.length / 0.035) if fine else 0,
    )
    ring_m = 10 if fine else 0
    # legs: four-beat walk (left hind, left fore, right hind, right fore)
    offsets = {(-1, -1): 0.0, (-1, 1): 0.25, (1, -1): 0.5, (1, 1): 0.75}
    for (sx, sy), off in offsets.items():
        a = 2 * math.pi * (phase + off)
        swing = q.stride_deg * math.sin(a)
        bend = 8.0 + 30.0 * max(0.0, math.cos(a)) ** 2
        hip = np.array([sx * q.width * 0.6, sy * q.length * 0.36, body_z - 0.35 * q.girth])
        upper = q.leg * 0.55 + 0.35 * q.girth
        lower = q.leg * 0.5
        sub = MeshBuilder(detail)
        sub.capsule(hip, hip + [0.0, 0.0, -upper], q.leg_r * 1.5, q.leg_r, coat, seg=10, rings=ring_m)
        knee_rest = hip + [0.0, 0.0, -upper]
        lower_b = MeshBuilder(detail)
        lower_b.capsule(knee_rest, knee_rest + [0.0, 0.0, -lower], q.leg_r, q.leg_r * 0.85, coat, seg=8, rings=ring_m)
        hoof = knee_rest + [0.0, 0.0, -lower]
        lower_b.ellipsoid(
            hoof + [0.0, 0.02, 0.0], (q.leg_r * 1.3, q.leg_r * 1.1, q.leg_r * 1.1), q.dark, seg=8, axis=(0.0, 1.0, 0.0)
        )
        knee_sign = 1.0 if sy < 0 else -1.0  # hind legs bend back at the hock, fore legs forward at the knee
        sub.posed(lower_b, knee_rest, rot_x(knee_sign * bend), knee_rest)
        b.posed(sub, hip, rot_x(swing), hip)
    # neck and head, bobbing with the stride
    bob = 3.0 * math.sin(4 * math.pi * phase)
    na = math.radians(q.neck_deg + bob)
    neck0 = np.array([0.0, q.length * 0.4, body_z + 0.25 * q.girth])
    neck1 = neck0 + q.neck * np.array([0.0, math.cos(na), math.sin(na)])
    b.capsule(neck0, neck1, q.neck_r * 1.25, q.neck_r * 0.8, coat, seg=16, rings=int(q.neck / 0.05) if fine else 0)
    if q.mane:
        b.ellipsoid(
            neck0 * 0.4 + neck1 * 0.6 + [0.0, -0.05, 0.02],
            (q.mane * 0.75, q.mane, q.mane * 0.9),
            mottled((0.45, 0.28, 0.12), 0.25, 6.0, seed),
            seg=14,
            axis=(0.0, 0.0, 1.0),
        )
    if q.marking == "mane" or q.marking == "stripes" and q.length < 1.8:
        b.capsule(neck0 + [0.0, -0.05, q.neck_r], neck1 + [0.0, -0.05, q.neck_r * 0.6], 0.04, 0.03, q.dark, seg=6)
    hdir = np.array([0.0, math.cos(math.radians(-35.0 + bob)), math.sin(math.radians(-35.0 + bob))])
    if q.trunk:
        hdir = np.array([0.0, 0.6, -0.8])
    head_c = neck1 + hdir * q.head * 0.35
    b.ellipsoid(
        head_c,
        (q.head / 2, q.head_r, q.head_r * 0.9),
        coat,
        seg=14,
        axis=hdir,
        up=(0.0, 0.0, 1.0),
        rings=12 if fine else 0,
    )
    side = np.array([1.0, 0.0, 0.0])
    for sx in (-1.0, 1.0):
        eye = head_c + hdir * q.head * 0.12 + side * sx * q.head_r * 0.85 + [0.0, 0.0, q.head_r * 0.35]
        b.ellipsoid(eye, (q.head_r * 0.12,) * 3, (0.02, 0.02, 0.02), seg=6)
        ear = neck1 + side * sx * q.head_r * 0.9 + [0.0, -0.02, q.head_r * 0.8]
        if q.trunk:  # elephant ears: large flat discs
            b.ellipsoid(
                neck1 + side * sx * q.head_r * 1.0 + [0.0, -0.25, -0.1],
                (q.ears, q.ears * 0.12, q.ears * 1.1),
                coat,
                seg=12,
                axis=(0.0, 0.0, 1.0),
                up=(0.0, 1.0, 0.0),
            )
        else:
            b.ellipsoid(ear, (q.ears, q.ears * 0.35, q.ears * 0.5), coat, seg=8, axis=(sx * 0.5, -0.3, 0.8))
        if q.horns and not q.trunk:
            b.capsule(
                ear - side * sx * q.head_r * 0.45,
                ear - side * sx * q.head_r * 0.45 + [0.0, -0.03, q.horns],
                0.03,
                0.035,
                q.dark,
                seg=6,
            )
        if q.horns and q.trunk:  # tusks
            t0 = head_c + hdir * q.head * 0.35 + side * sx * q.head_r * 0.5
            b.capsule(t0, t0 + np.array([sx * 0.05, q.horns * 0.8, -0.1]), 0.05, 0.025, (0.92, 0.9, 0.82), seg=6)
    if q.trunk:
        tip = head_c + hdir * q.head * 0.4
        sway = 0.12 * math.sin(2 * math.pi * phase)
        b.lathe(tip, tip + np.array([sway, 0.15, -q.trunk]), [0.16, 0.12, 0.09, 0.07, 0.05], coat, seg=10)
    # tail
    tail0 = np.array([0.0, -q.length * 0.48, body_z + 0.3 * q.girth])
    swish = 0.25 * math.sin(2 * math.pi * phase)
    tail1 = tail0 + np.array([swish * q.tail, -0.25 * q.tail, -q.tail])
    b.capsule(tail0, tail1, 0.035 + 0.02 * q.girth, 0.02, coat, seg=6)
    b.ellipsoid(tail1, (0.05, 0.05, 0.09), q.dark, seg=6, axis=(0.0, 0.0, 1.0))
    mesh = b.build(ground=True)
    return MeshData(mesh.vertices * scale, mesh.faces, mesh.colors, mesh.normals)


def ape(seed: int, phase: float, detail: float, small: bool) -> MeshData:
    """Gorilla (or a monkey, ``small``): knuckle-walking, long arms, upright chest."""
    s = 0.45 if small else 1.0
    fur = (0.08, 0.07, 0.07) if not small else (0.45, 0.32, 0.2)
    coat = mottled(fur, 0.2, 5.0, seed)
    b = MeshBuilder(detail)
    hip_z = 0.6 * s
    b.ellipsoid((0.0, 0.0, hip_z + 0.35 * s), (0.45 * s, 0.33 * s, 0.4 * s), coat, seg=18, axis=(0.0, 0.6, 0.8))
    for sx, off in ((-1, 0.0), (1, 0.5)):
        a = 2 * math.pi * (phase + off)
        hip = np.array([sx * 0.2 * s, -0.1 * s, hip_z])
        foot = hip + np.array([0.0, 0.15 * s * math.sin(a), -hip_z])
        b.capsule(hip, foot, 0.11 * s, 0.08 * s, coat, seg=8)
        sh = np.array([sx * 0.33 * s, 0.25 * s, hip_z + 0.65 * s])
        hand = np.array([sx * 0.4 * s, 0.55 * s - 0.15 * s * math.sin(a), 0.05 * s])
        b.capsule(sh, hand, 0.12 * s, 0.09 * s, coat, seg=8)
    head = np.array([0.0, 0.38 * s, hip_z + 0.85 * s])
    b.ellipsoid(head, (0.17 * s, 0.16 * s, 0.18 * s), coat, seg=12, axis=(0.0, 0.0, 1.0))
    b.ellipsoid(
        head + [0.0, 0.12 * s, -0.04 * s],
        (0.1 * s, 0.08 * s, 0.08 * s),
        (0.15, 0.12, 0.1) if not small else (0.7, 0.55, 0.45),
        seg=10,
    )
    if small:
        b.capsule(
            (0.0, -0.3 * s, hip_z + 0.2 * s),
            (0.2 * math.sin(2 * math.pi * phase), -0.9 * s, hip_z + 0.5 * s),
            0.04,
            0.025,
            coat,
            seg=6,
        )
    return b.build(ground=True)


def bird(seed: int, phase: float, detail: float, kind: str) -> MeshData:
    """Flamingo (pink, long legs and an S-neck), parrot or duck."""
    b = MeshBuilder(detail)
    if kind == "flamingo":
        pink = mottled((0.95, 0.45, 0.5), 0.1, 6.0, seed)
        body_z = 0.95
        b.ellipsoid((0.0, 0.0, body_z), (0.3, 0.17, 0.15), pink, seg=14, axis=(0.0, 1.0, -0.15))
        for sx, off in ((-1, 0.0), (1, 0.5)):
            sw = 15.0 * math.sin(2 * math.pi * (phase + off))
            hip = np.array([sx * 0.05, 0.0, body_z - 0.1])
            foot = hip + rot_x(sw) @ np.array([0.0, 0.0, -(body_z - 0.1)])
            b.capsule(hip, foot, 0.018, 0.014, (0.85, 0.4, 0.45), seg=6)
        neck = [
            np.array([0.0, 0.25, body_z + 0.05]),
            np.array([0.0, 0.32, body_z + 0.3]),
            np.array([0.0, 0.22, body_z + 0.52]),
            np.array([0.0, 0.3, body_z + 0.7]),
        ]
        for p0, p1 in itertools.pairwise(neck):
            b.capsule(p0, p1, 0.035, 0.03, pink, seg=8)
        b.ellipsoid(neck[-1] + [0.0, 0.04, 0.0], (0.07, 0.04, 0.04), pink, seg=8, axis=(0.0, 1.0, 0.0))
        b.capsule(neck[-1] + [0.0, 0.09, 0.0], neck[-1] + [0.0, 0.16, -0.07], 0.02, 0.012, (0.05, 0.05, 0.05), seg=6)
        return b.build(ground=True)
    if kind == "parrot":
        return parrot(seed, detail)
    colour = (0.45, 0.35, 0.22)
    b.ellipsoid((0.0, 0.0, 0.2), (0.2, 0.11, 0.1), mottled(colour, 0.15, 8.0, seed), seg=12, axis=(0.0, 1.0, 0.2))
    b.ellipsoid((0.0, 0.17, 0.33), (0.07, 0.06, 0.06), (0.1, 0.3, 0.1) if kind == "duck" else colour, seg=10)
    b.capsule((0.0, 0.22, 0.33), (0.0, 0.29, 0.3), 0.025, 0.012, (0.9, 0.6, 0.1), seg=6)
    return b.build(ground=True)


# (body, wings and tail, face patch) of a scarlet macaw, a blue-and-yellow macaw and an amazon parrot
PARROT_COLOURS = (
    ((0.8, 0.07, 0.05), (0.1, 0.3, 0.85), (0.95, 0.93, 0.88)),
    ((0.95, 0.72, 0.08), (0.08, 0.35, 0.85), (0.95, 0.95, 0.92)),
    ((0.12, 0.62, 0.18), (0.1, 0.45, 0.2), (0.95, 0.85, 0.15)),
)


def parrot(seed: int, detail: float) -> MeshData:
    """A perching parrot: upright body, folded wings, a long tail sloping back to the perch, a hooked beak."""
    b = MeshBuilder(detail)
    body, wing, face = PARROT_COLOURS[seed % len(PARROT_COLOURS)]
    upright = (0.0, 0.3, 1.0)  # the body leans forward a little (+y is the front)
    b.ellipsoid((0.0, 0.0, 0.24), (0.15, 0.085, 0.085), mottled(body, 0.08, 8.0, seed), seg=12, axis=upright)
    for sx in (-1, 1):  # folded wings on the flanks, down to the tail's root
        b.ellipsoid((sx * 0.07, -0.03, 0.22), (0.13, 0.05, 0.025), mottled(wing, 0.1, 8.0, seed + 1), seg=10, axis=upright)
    b.capsule((0.0, -0.06, 0.12), (0.0, -0.34, 0.0), 0.04, 0.012, wing, seg=8)  # tail, sloping back to the perch
    b.ellipsoid((0.0, 0.05, 0.42), (0.06, 0.055, 0.055), mottled(body, 0.08, 8.0, seed), seg=10)  # head
    for sx in (-1, 1):
        b.ellipsoid((sx * 0.035, 0.08, 0.42), (0.03, 0.025, 0.012), face, seg=8, axis=(0.0, 1.0, 0.0))  # face patch
    b.capsule((0.0, 0.1, 0.43), (0.0, 0.14, 0.38), 0.022, 0.008, (0.12, 0.12, 0.12), seg=6)  # hooked beak
    for sx in (-1, 1):
        b.capsule((sx * 0.03, 0.02, 0.12), (sx * 0.03, 0.04, 0.0), 0.012, 0.01, (0.25, 0.25, 0.25), seg=6)  # feet
    return b.build(ground=True)


def penguin(seed: int, phase: float, detail: float) -> MeshData:
    b = MeshBuilder(detail)
    rock = 6.0 * math.sin(2 * math.pi * phase)

    def colour(p):
        front = (p[:, 1] > 0.04).astype(float)[:, None]
        return np.array([0.92, 0.92, 0.9]) * front + np.array([0.04, 0.04, 0.05]) * (1 - front)

    sub = MeshBuilder(detail)
    sub.ellipsoid((0.0, 0.0, 0.38), (0.36, 0.16, 0.15), colour, seg=14, axis=(0.0, 0.0, 1.0), up=(0.0, 1.0, 0.0))
    sub.ellipsoid((0.0, 0.02, 0.78), (0.1, 0.09, 0.09), (0.04, 0.04, 0.05), seg=10)
    sub.capsule((0.0, 0.1, 0.79), (0.0, 0.17, 0.76), 0.025, 0.01, (0.9, 0.5, 0.1), seg=6)
    for sx in (-1, 1):
        sub.ellipsoid((sx * 0.17, 0.0, 0.42), (0.15, 0.05, 0.02), (0.04, 0.04, 0.05), seg=8, axis=(sx * 0.3, 0, -1))
        sub.ellipsoid((sx * 0.07, 0.06, 0.02), (0.06, 0.03, 0.02), (0.9, 0.5, 0.1), seg=6, axis=(0.0, 1.0, 0.0))
    b.posed(
        sub,
        (0.0, 0.0, 0.0),
        np.array(
            [
                [math.cos(math.radians(rock)), 0, math.sin(math.radians(rock))],
                [0, 1, 0],
                [-math.sin(math.radians(rock)), 0, math.cos(math.radians(rock))],
            ]
        ),
        (0.0, 0.0, 0.0),
    )
    return b.build(ground=True)


def seal(seed: int, phase: float, detail: float) -> MeshData:
    b = MeshBuilder(detail)
    coat = gradient_z((0.55, 0.5, 0.45), (0.3, 0.3, 0.3), 0.05, 0.3)
    lift = 0.1 * math.sin(2 * math.pi * phase)
    b.lathe(
        (0.0, -0.9, 0.15),
        (0.0, 0.7, 0.35 + lift),
        [0.0, 0.12, 0.25, 0.3, 0.28, 0.2, 0.15, 0.0],
        coat,
        seg=14,
        squash=(0.8, 1.0),
    )
    b.ellipsoid((0.0, 0.75, 0.42 + lift), (0.14, 0.12, 0.12), coat, seg=10, axis=(0.0, 1.0, 0.2))
    for sx in (-1, 1):
        b.ellipsoid((sx * 0.28, 0.3, 0.08), (0.18, 0.05, 0.06), coat, seg=8, axis=(sx, 0.5, -0.2))
        b.ellipsoid((sx * 0.1, -0.98, 0.1), (0.14, 0.03, 0.08), coat, seg=8, axis=(sx * 0.6, -1, 0))
    return b.build(ground=True)


def fish_shoal(seed: int, phase: float, detail: float, kind: str) -> MeshData:
    """A shoal of reef fish, or one large fish (shark, ray, turtle), tails beating."""
    rng = np.random.default_rng(seed)
    b = MeshBuilder(detail)
    palette = ((0.95, 0.55, 0.05), (0.1, 0.35, 0.85), (0.95, 0.85, 0.1), (0.9, 0.3, 0.5), (0.2, 0.75, 0.7))
    if kind in ("shark", "ray", "turtle"):
        n, size = 1, {"shark": 2.2, "ray": 1.6, "turtle": 1.0}[kind]
    else:
        n, size = 14, 0.22
    for i in range(n):
        c = np.zeros(3) if n == 1 else rng.uniform([-1.0, -1.0, 0.0], [1.0, 1.0, 1.2])
        c = c + [0.0, 0.0, size * 0.5]
        beat = math.sin(2 * math.pi * (phase + i / 7.0))
        colour = (
            palette[i % len(palette)]
            if n > 1
            else {"shark": (0.45, 0.5, 0.55), "ray": (0.25, 0.25, 0.3), "turtle": (0.35, 0.4, 0.2)}[kind]
        )
        body = (
            stripes(colour, (0.95, 0.95, 0.95), size * 0.4, axis=(0.0, 1.0, 0.0), seed=seed + i)
            if (n > 1 and i % 3 == 0)
            else mottled(colour, 0.15, 8.0, seed + i)
        )
        if kind == "ray":
            b.ellipsoid(c, (size * 0.5, size * 0.12, size), body, seg=14, axis=(0.0, 1.0, 0.0), up=(0.0, 0.0, 1.0))
        else:
            b.ellipsoid(c, (size * 0.5, size * 0.22, size * 0.12), body, seg=12, axis=(0.0, 1.0, 0.0))
            tail = c + [0.12 * size * beat, -size * 0.55, 0.0]
            b.ellipsoid(
                tail, (size * 0.12, size * 0.2, size * 0.03), colour, seg=8, axis=(0.0, 0.0, 1.0), up=(1.0, 0.0, 0.0)
            )
            if kind == "shark":
                b.ellipsoid(
                    c + [0.0, 0.0, size * 0.2],
                    (size * 0.18, size * 0.12, size * 0.03),
                    colour,
                    seg=8,
                    axis=(0.0, -0.4, 1.0),
                    up=(0.0, 1.0, 0.0),
                )
            if kind == "turtle":
                b.ellipsoid(
                    c + [0.0, 0.0, size * 0.05],
                    (size * 0.45, size * 0.17, size * 0.38),
                    patches((0.3, 0.32, 0.15), (0.55, 0.5, 0.3), 0.2, seed),
                    seg=12,
                    axis=(0.0, 1.0, 0.0),
                )
    return b.build(ground=True)


def snake(seed: int, phase: float, detail: float) -> MeshData:
    b = MeshBuilder(detail)
    colour = patches((0.35, 0.4, 0.15), (0.1, 0.1, 0.05), 0.12, seed)
    pts = [np.array([0.25 * math.sin(i * 0.8 + 2 * math.pi * phase), i * 0.18 - 1.0, 0.06]) for i in range(12)]
    for i, (p0, p1) in enumerate(itertools.pairwise(pts)):
        b.capsule(p0, p1, 0.06 - 0.003 * i, 0.06 - 0.003 * (i + 1), colour, seg=8)
    b.ellipsoid(pts[-1] + [0.0, 0.05, 0.0], (0.08, 0.05, 0.04), colour, seg=8, axis=(0.0, 1.0, 0.0))
    return b.build(ground=True)


def tortoise(seed: int, phase: float, detail: float) -> MeshData:
    b = MeshBuilder(detail)
    b.ellipsoid(
        (0.0, 0.0, 0.35),
        (0.6, 0.45, 0.5),
        patches((0.35, 0.3, 0.2), (0.2, 0.17, 0.12), 0.25, seed),
        seg=16,
        axis=(0.0, 1.0, 0.0),
    )
    skin = (0.4, 0.38, 0.32)
    b.lathe(
        (0.0, 0.0, 0.1), (0.0, 0.0, 0.2), [0.55, 0.55], (0.3, 0.27, 0.2), seg=16, squash=(0.85, 1.0), up=(0.0, 1.0, 0.0)
    )
    stretch = 0.06 * math.sin(2 * math.pi * phase)
    b.capsule((0.0, 0.5, 0.3), (0.0, 0.75 + stretch, 0.35), 0.09, 0.08, skin, seg=8)
    for sx in (-1, 1):
        for sy in (-1, 1):
            b.capsule((sx * 0.35, sy * 0.3, 0.2), (sx * 0.4, sy * 0.32, 0.0), 0.08, 0.07, skin, seg=6)
    return b.build(ground=True)


def starfish(seed: int, phase: float, detail: float) -> MeshData:
    b = MeshBuilder(detail)
    for k in range(5):
        a = 2 * math.pi * k / 5
        b.capsule(
            (0.0, 0.0, 0.03), (0.15 * math.cos(a), 0.15 * math.sin(a), 0.02), 0.04, 0.015, (0.9, 0.4, 0.15), seg=6
        )
    return b.build(ground=True)


def _gait(builder, poses: int = GAIT_POSES):
    def build(variant: int, style: str, detail: float) -> list[MeshData]:
        return [builder(variant, k / poses, detail) for k in range(poses)]

    return build


def _kinds():
    from worldmill.library import Kind

    table = {
        name: Kind(
            _gait(lambda v, ph, d, q=q: quadruped(q, v, ph, d)), cycle_s=1.2 * (q.leg + q.girth) ** 0.5, variants=4
        )
        for name, q in SPECIES.items()
    }
    table.update(
        gorilla=Kind(_gait(lambda v, ph, d: ape(v, ph, d, False)), cycle_s=1.4, variants=3),
        monkey=Kind(_gait(lambda v, ph, d: ape(v, ph, d, True)), cycle_s=0.8, variants=3),
        flamingo=Kind(_gait(lambda v, ph, d: bird(v, ph, d, "flamingo")), cycle_s=1.6, variants=3),
        parrot=Kind(_gait(lambda v, ph, d: bird(v, ph, d, "parrot"), 1), variants=len(PARROT_COLOURS)),
        duck=Kind(_gait(lambda v, ph, d: bird(v, ph, d, "duck"), 1), variants=2),
        penguin=Kind(_gait(penguin), cycle_s=0.7, variants=2),
        seal=Kind(_gait(seal), cycle_s=2.0, variants=2),
        fish=Kind(_gait(lambda v, ph, d: fish_shoal(v, ph, d, "fish")), cycle_s=0.6, variants=4),
        shark=Kind(_gait(lambda v, ph, d: fish_shoal(v, ph, d, "shark")), cycle_s=1.5, variants=2),
        ray=Kind(_gait(lambda v, ph, d: fish_shoal(v, ph, d, "ray"), 1), variants=2),
        turtle=Kind(_gait(lambda v, ph, d: fish_shoal(v, ph, d, "turtle")), cycle_s=2.0, variants=2),
        snake=Kind(_gait(snake), cycle_s=2.0, variants=2),
        tortoise=Kind(_gait(tortoise), cycle_s=3.0, variants=2),
        starfish=Kind(_gait(starfish, 1), variants=2),
    )
    return table


KINDS = _kinds()

# label keywords -> kind (first match wins); other animals walk as a generic four-legged kind
SPECIES_WORDS = (
    ("starfish", "starfish"),  # before "fish"
    ("sea lion", "seal"),  # before "lion"
    ("giraffe", "giraffe"),
    ("zebra", "zebra"),
    ("elephant", "elephant"),
    ("lion", "lion"),
    ("tiger", "tiger"),
    ("bear", "bear"),
    ("gorilla", "gorilla"),
    ("chimp", "gorilla"),
    ("monkey", "monkey"),
    ("lemur", "monkey"),
    ("flamingo", "flamingo"),
    ("penguin", "penguin"),
    ("seal", "seal"),
    ("sea lion", "seal"),
    ("otter", "seal"),
    ("shark", "shark"),
    ("manta", "ray"),
    ("ray", "ray"),
    ("turtle", "turtle"),
    ("tortoise", "tortoise"),
    ("fish", "fish"),
    ("shoal", "fish"),
    ("jelly", "fish"),
    ("snake", "snake"),
    ("python", "snake"),
    ("parrot", "parrot"),
    ("bird", "parrot"),
    ("duck", "duck"),
    ("goose", "duck"),
    ("swan", "duck"),
    ("horse", "horse"),
    ("pony", "horse"),
    ("donkey", "horse"),
    ("camel", "horse"),
    ("cow", "cow"),
    ("cattle", "cow"),
    ("goat", "sheep"),
    ("sheep", "sheep"),
    ("pig", "sheep"),
    ("deer", "deer"),
    ("antelope", "deer"),
    ("kangaroo", "deer"),
    ("dog", "dog"),
    ("cat", "dog"),
    ("rhino", "elephant"),
    ("hippo", "elephant"),
    ("panda", "bear"),
    ("wolf", "dog"),
)


def _species_word(label: str) -> tuple[str, str] | None:
    """(the first label word of ``SPECIES_WORDS`` the label holds, its kind), or None."""
    text = label.lower()
    return next(((word, kind) for word, kind in SPECIES_WORDS if word in text), None)


def species_of(label: str) -> str:
    match = _species_word(label)
    return "deer" if match is None else match[1]


# label words naming the very species of their kind's model (a rhino walks as an elephant model but is no
# elephant): only these give an animal its per-species segmentation class
SAME_SPECIES_WORDS = frozenset({"manta", "shoal", "python", "pony", "cattle", "panda"})


def species_class(label: str) -> str | None:
    """The per-species semantic class of an animal's label ("giant tortoise" -> "tortoise", "manta ray" ->
    "ray"), or None where the label names no species of the class list (the object stays class "animal")."""
    match = _species_word(label)
    if match is None:
        return None
    word, kind = match
    return kind if word == kind or word in SAME_SPECIES_WORDS else None
