"""People: an articulated body (head and hair, neck, torso, arms with hands, legs with shoes) dressed by
season, in four pose sets: walking (12 poses a stride), standing (4 poses of weight shift and arm sway),
sitting and cheering (arms up, waving). Proportions are fractions of the height; the variant seed draws
build, skin, hair and clothes.
"""

from __future__ import annotations

import math

import numpy as np

from worldmill.library.geometry import MeshBuilder, MeshData, mottled, rot_x

SKIN = ((0.62, 0.45, 0.35), (0.45, 0.30, 0.20), (0.28, 0.18, 0.12), (0.72, 0.56, 0.46), (0.55, 0.40, 0.28))
HAIR = ((0.05, 0.04, 0.03), (0.20, 0.12, 0.06), (0.45, 0.32, 0.15), (0.55, 0.55, 0.55), (0.12, 0.08, 0.05))
# wardrobe by season: (tops, bottoms, long sleeves share, long legs share)
WARDROBES = {
    "summer": (
        ((0.85, 0.85, 0.82), (0.75, 0.15, 0.12), (0.10, 0.35, 0.70), (0.95, 0.75, 0.20), (0.20, 0.55, 0.35)),
        ((0.20, 0.22, 0.35), (0.70, 0.62, 0.45), (0.10, 0.10, 0.12), (0.35, 0.40, 0.55)),
        0.15,
        0.45,
    ),
    "winter": (
        ((0.12, 0.12, 0.14), (0.35, 0.10, 0.10), (0.15, 0.20, 0.35), (0.40, 0.35, 0.28), (0.25, 0.30, 0.25)),
        ((0.10, 0.10, 0.12), (0.20, 0.22, 0.30), (0.30, 0.25, 0.20)),
        1.0,
        1.0,
    ),
    "mild": (
        ((0.55, 0.20, 0.15), (0.20, 0.35, 0.55), (0.80, 0.78, 0.70), (0.30, 0.45, 0.30), (0.60, 0.50, 0.20)),
        ((0.15, 0.17, 0.28), (0.45, 0.40, 0.32), (0.12, 0.12, 0.14)),
        0.6,
        0.85,
    ),
}
NOMINAL_HEIGHT = 1.75
SLIM = 0.82  # the torso's width against its radii: shoulders ~0.45 m across, arms close to the body
WALK_POSES = 12
STAND_POSES = 4


def wardrobe(season: str) -> str:
    return {"summer": "summer", "winter": "winter"}.get(season, "mild")


class Body:
    """The variant's measurements and colours."""

    def __init__(self, variant: int, style: str):
        rng = np.random.default_rng(1009 * variant + 17)
        tops, bottoms, long_sleeves, long_legs = WARDROBES.get(style, WARDROBES["mild"])
        self.h = NOMINAL_HEIGHT
        self.build = rng.uniform(0.88, 1.15)
        self.skin = SKIN[rng.integers(len(SKIN))]
        self.hair = HAIR[rng.integers(len(HAIR))]
        self.long_hair = rng.random() < 0.4
        self.top = tops[rng.integers(len(tops))]
        self.bottom = bottoms[rng.integers(len(bottoms))]
        self.sleeves = rng.random() < long_sleeves
        self.trousers = rng.random() < long_legs
        self.skirt = (not self.trousers) and rng.random() < 0.4
        self.coat = style == "winter" and rng.random() < 0.7
        self.shoes = (0.06, 0.05, 0.05) if rng.random() < 0.7 else (0.75, 0.75, 0.72)
        self.seed = variant

    def cloth(self, rgb) -> object:
        return mottled(rgb, 0.12, 9.0, self.seed)


def _segment(b: MeshBuilder, top, length: float, r0: float, r1: float, color, angle_deg: float, seg: int = 10):
    """A limb hanging from ``top``, swung forward by ``angle_deg`` about x; returns its lower end."""
    top = np.asarray(top, dtype=np.float64)
    rot = rot_x(angle_deg)
    end = top + rot @ np.array([0.0, 0.0, -length])
    sub = MeshBuilder(b.detail)
    sub.capsule((0.0, 0.0, 0.0), (0.0, 0.0, -length), r0, r1, color, seg=seg)
    b.posed(sub, (0.0, 0.0, 0.0), rot, top)
    return end


def body_mesh(
    body: Body,
    detail: float,
    hips: tuple[float, float],
    knees: tuple[float, float],
    shoulders: tuple[float, float],
    elbows: tuple[float, float],
    sit: bool = False,
    lean: float = 0.0,
) -> MeshData:
    """One pose: hip/knee/shoulder/elbow angles (degrees, forward positive) for the left and right side."""
    h, w = body.h, body.build
    b = MeshBuilder(detail)
    hip_z = 0.53 * h
    top = body.cloth(body.top)
    legs = body.cloth(body.bottom)
    skin = mottled(body.skin, 0.06, 12.0, body.seed)
    for side, sx in ((0, -1.0), (1, 1.0)):
        hip = np.array([sx * 0.072 * h * w, 0.0, hip_z])
        thigh_c = legs
        knee = _segment(b, hip, 0.245 * h, 0.062 * h * w, 0.05 * h, thigh_c, hips[side])
        shin_c = legs if body.trousers else skin
        ankle = _segment(b, knee, 0.235 * h, 0.045 * h, 0.032 * h, shin_c, hips[side] - knees[side])
        foot_dir = rot_x(hips[side] - knees[side] + 90.0 if not sit else 90.0) @ np.array([0.0, 0.0, -1.0])
        b.ellipsoid(
            ankle + foot_dir * 0.05 * h + np.array([0.0, 0.0, -0.01 * h]),
            (0.07 * h, 0.024 * h, 0.038 * h),
            body.shoes,
            seg=10,
            axis=foot_dir,
        )
    # pelvis and torso (a lathe from hips to shoulders; the coat reaches down the thighs)
    lean_rot = rot_x(lean)
    torso = MeshBuilder(detail)
    radii = np.array([0.10, 0.112, 0.105, 0.098, 0.11, 0.12, 0.105, 0.06]) * h * w
    torso.lathe(
        (0.0, 0.0, hip_z - 0.05 * h), (0.0, 0.0, 0.83 * h), radii, top, seg=16, squash=(0.62, SLIM), up=(0.0, 1.0, 0.0)
    )

    def garment(z0: float, z1: float, r0: float, r1: float, colour, depth: float) -> None:
        """A band of cloth round the hips from height z0 to z1 (fractions of h), radii r0 to r1 (of h * w)."""
        torso.lathe((0.0, 0.0, hip_z + z0 * h), (0.0, 0.0, hip_z + z1 * h), [r0 * h * w, r1 * h * w], colour,
                    seg=16, squash=(depth, SLIM), up=(0.0, 1.0, 0.0))  # fmt: skip

    garment(-0.05, 0.06, 0.108, 0.108, legs, 0.64)  # waistband and seat of the trousers
    if body.skirt:
        garment(0.04, -0.2, 0.11, 0.17, legs, 0.8)
    if body.coat:
        garment(0.1, -0.14, 0.125, 0.14, top, 0.75)
    # neck, head, hair
    torso.capsule((0.0, 0.0, 0.82 * h), (0.0, 0.01 * h, 0.87 * h), 0.032 * h, 0.03 * h, skin, seg=8)
    head_c = np.array([0.0, 0.012 * h, 0.925 * h])
    torso.ellipsoid(head_c, (0.068 * h, 0.056 * h, 0.05 * h), skin, seg=16, axis=(0.0, 0.0, 1.0), up=(0.0, 1.0, 0.0))
    torso.ellipsoid(
        head_c + np.array([0.0, -0.012 * h, 0.02 * h]),
        (0.056 * h, 0.058 * h, 0.054 * h),
        body.hair,
        seg=14,
        axis=(0.0, 0.0, 1.0),
        up=(0.0, 1.0, 0.0),
    )
    if body.long_hair:
        torso.ellipsoid(
            head_c + np.array([0.0, -0.04 * h, -0.045 * h]),
            (0.075 * h, 0.03 * h, 0.05 * h),
            body.hair,
            seg=10,
            axis=(0.0, 0.0, 1.0),
            up=(0.0, 1.0, 0.0),
        )
    nose = head_c + np.array([0.0, 0.06 * h, -0.005 * h])
    torso.ellipsoid(nose, (0.012 * h, 0.008 * h, 0.01 * h), body.skin, seg=6, axis=(0.0, 0.0, 1.0))
    # arms from the shoulders, with hands
    for side, sx in ((0, -1.0), (1, 1.0)):
        shoulder = np.array([sx * 0.125 * h * w, 0.0, 0.805 * h])
        sleeve = top
        elbow = _segment(torso, shoulder, 0.17 * h, 0.034 * h * w, 0.03 * h, sleeve, shoulders[side], seg=8)
        fore = top if body.sleeves else skin
        wrist = _segment(torso, elbow, 0.15 * h, 0.03 * h, 0.024 * h, fore, shoulders[side] + elbows[side], seg=8)
        hand_dir = rot_x(shoulders[side] + elbows[side]) @ np.array([0.0, 0.0, -1.0])
        torso.ellipsoid(
            wrist + hand_dir * 0.045 * h,
            (0.048 * h, 0.022 * h, 0.014 * h),
            skin,
            seg=8,
            axis=hand_dir,
            up=(sx, 0.0, 0.0),
        )
    b.posed(torso, (0.0, 0.0, hip_z), lean_rot, (0.0, 0.0, hip_z))
    return b.build(ground=not sit)


def _walk_angles(a: float) -> dict:
    """Joint angles at phase angle ``a`` of a stride: legs swing, knees bend in the swing phase, arms counter."""
    swing, arm = 26.0 * math.sin(a), -22.0 * math.sin(a)
    return {
        "hips": (swing, -swing),
        "knees": (6.0 + 50.0 * max(0.0, math.cos(a)) ** 1.5, 6.0 + 50.0 * max(0.0, -math.cos(a)) ** 1.5),
        "shoulders": (arm, -arm),
        "elbows": (18.0 + 10.0 * max(0.0, -math.sin(a)), 18.0 + 10.0 * max(0.0, math.sin(a))),
        "lean": 3.0,
    }


def _stand_angles(a: float) -> dict:
    """Weight shift and arm sway of someone standing."""
    sway = 4.0 * math.sin(a)
    return {"hips": (2.0, -2.0), "knees": (3.0, 3.0), "shoulders": (sway, -sway),
            "elbows": (8.0, 12.0 + 6 * math.cos(a)), "lean": 1.5 * math.cos(a)}  # fmt: skip


def _sit_angles(a: float) -> dict:
    """Seated: thighs level, shins down, hands in the lap, gesturing a little."""
    return {"hips": (88.0, 86.0), "knees": (88.0, 92.0), "shoulders": (25.0 + 5 * math.sin(a), 20.0),
            "elbows": (50.0, 55.0 - 5 * math.sin(a)), "sit": True, "lean": -4.0}  # fmt: skip


def _cheer_angles(a: float) -> dict:
    """A standing fan cheering: both arms raised overhead, waving out of step, a little bounce of the knees."""
    wave = 14.0 * math.sin(a)
    return {"hips": (2.0, -2.0), "knees": (4.0 + 4.0 * max(0.0, math.sin(a)), 4.0 + 4.0 * max(0.0, math.sin(a))),
            "shoulders": (158.0 + wave, 158.0 - wave), "elbows": (12.0, 12.0), "lean": -2.0}  # fmt: skip


def _cycle(angles, poses: int):
    def build(variant: int, style: str, detail: float) -> list[MeshData]:
        body = Body(variant, style)
        return [body_mesh(body, detail, **angles(2 * math.pi * k / poses)) for k in range(poses)]

    return build


walk, stand, sit, cheer = (
    _cycle(_walk_angles, WALK_POSES),
    _cycle(_stand_angles, STAND_POSES),
    _cycle(_sit_angles, STAND_POSES),
    _cycle(_cheer_angles, STAND_POSES),
)


def _kinds():
    from worldmill.library import Kind

    return {
        "person_walk": Kind(walk, cycle_s=1.1, variants=16),
        "person_stand": Kind(stand, cycle_s=4.0, variants=16),
        "person_sit": Kind(sit, cycle_s=5.0, variants=12),
        "person_cheer": Kind(cheer, cycle_s=1.2, variants=8),
    }


KINDS = _kinds()
