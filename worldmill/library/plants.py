"""Vegetation by climate band: broadleaf trees with branching limbs and lumpy crowns (bare in winter,
turning in autumn), conifers of stacked tiers, palms with drooping fronds, shrubs and flower beds."""

from __future__ import annotations

import math

import numpy as np

from worldmill.library.geometry import MeshBuilder, MeshData, gradient_z, mottled

LEAVES = {
    "summer": (0.10, 0.30, 0.06),
    "spring": (0.18, 0.40, 0.08),
    "autumn": (0.55, 0.28, 0.05),
    "winter": (0.16, 0.22, 0.10),
    "": (0.12, 0.32, 0.07),
}
BARK = (0.22, 0.15, 0.09)


def _shaded(rgb, seed: int, z0: float, z1: float):
    """Foliage: mottled, darker underneath (baked occlusion)."""
    tone = mottled(rgb, 0.3, 2.5, seed)
    return lambda p: tone(p) * gradient_z((0.55, 0.55, 0.55), (1.1, 1.1, 1.1), z0, z1)(p)


def broadleaf(variant: int, style: str, detail: float) -> list[MeshData]:
    rng = np.random.default_rng(variant + 101)
    h = rng.uniform(7.0, 11.0)
    b = MeshBuilder(detail)
    bark = mottled(BARK, 0.25, 6.0, variant)
    trunk_top = np.array([0.0, 0.0, h * 0.45])
    b.capsule((0.0, 0.0, 0.0), trunk_top, 0.22, 0.15, bark, seg=10, rings=4)
    crowns = []
    for k in range(5):
        a = 2 * math.pi * k / 5 + rng.uniform(-0.4, 0.4)
        tip = trunk_top + np.array([math.cos(a) * h * 0.22, math.sin(a) * h * 0.22, h * rng.uniform(0.2, 0.35)])
        b.capsule(trunk_top, tip, 0.12, 0.05, bark, seg=6)
        crowns.append(tip)
    b.capsule(trunk_top, trunk_top + [0.0, 0.0, h * 0.4], 0.13, 0.05, bark, seg=6)
    crowns.append(trunk_top + [0.0, 0.0, h * 0.42])
    if style != "winter":
        leaf = _shaded(LEAVES.get(style, LEAVES[""]), variant, h * 0.45, h * 0.95)
        for i, c in enumerate(crowns):
            r = h * rng.uniform(0.17, 0.23)
            b.lumpy(c, (r, r, r * 0.85), leaf, amount=0.3, seed=variant * 7 + i, seg=14)
    return [b.build()]


def conifer(variant: int, style: str, detail: float) -> list[MeshData]:
    rng = np.random.default_rng(variant + 202)
    h = rng.uniform(8.0, 14.0)
    b = MeshBuilder(detail)
    b.capsule((0.0, 0.0, 0.0), (0.0, 0.0, h * 0.95), 0.2, 0.05, mottled(BARK, 0.2, 6.0, variant), seg=8)
    leaf = _shaded((0.05, 0.2, 0.08), variant, h * 0.1, h)
    tiers = 5
    for k in range(tiers):
        z0 = h * (0.15 + 0.16 * k)
        r = h * 0.26 * (1.0 - k / (tiers + 0.5))
        b.lathe((0.0, 0.0, z0), (0.0, 0.0, z0 + h * 0.3), [r, r * 0.6, r * 0.3, 0.0], leaf, seg=14)
    return [b.build()]


def palm(variant: int, style: str, detail: float) -> list[MeshData]:
    rng = np.random.default_rng(variant + 303)
    h = rng.uniform(7.0, 12.0)
    bend = rng.uniform(0.4, 1.2)
    b = MeshBuilder(detail)
    trunk = mottled((0.42, 0.33, 0.22), 0.3, 12.0, variant)
    pts = [np.array([bend * (k / 6) ** 2, 0.0, h * k / 6]) for k in range(7)]
    for k in range(6):
        b.capsule(pts[k], pts[k + 1], 0.2 - 0.015 * k, 0.2 - 0.015 * (k + 1), trunk, seg=8)
    top = pts[-1]
    frond = _shaded((0.12, 0.35, 0.08), variant, h - 2.0, h + 0.5)
    for k in range(9):
        a = 2 * math.pi * k / 9 + rng.uniform(-0.2, 0.2)
        d = np.array([math.cos(a), math.sin(a), 0.0])
        mid = top + d * 1.6 + [0.0, 0.0, 0.3]
        tip = top + d * 3.2 + [0.0, 0.0, -1.2]
        for p0, p1 in ((top, mid), (mid, tip)):
            axis = p1 - p0
            b.ellipsoid(
                (p0 + p1) / 2,
                (np.linalg.norm(axis) / 2 + 0.1, 0.04, 0.38),
                frond,
                seg=10,
                axis=axis,
                up=(0.0, 0.0, 1.0),
            )
    for k in range(3):
        b.ellipsoid(
            top + [0.2 * math.cos(k * 2.1), 0.2 * math.sin(k * 2.1), -0.25],
            (0.13, 0.13, 0.13),
            (0.3, 0.22, 0.08),
            seg=8,
        )
    return [b.build()]


def shrub(variant: int, style: str, detail: float) -> list[MeshData]:
    rng = np.random.default_rng(variant + 404)
    b = MeshBuilder(detail)
    leaf = _shaded(LEAVES.get(style, LEAVES[""]), variant, 0.0, 1.2)
    for i in range(3):
        c = np.array([rng.uniform(-0.4, 0.4), rng.uniform(-0.4, 0.4), 0.55])
        b.lumpy(c, (0.6, 0.6, 0.55), leaf, amount=0.3, seed=variant * 3 + i, seg=12)
    return [b.build(ground=True)]


def flower_bed(variant: int, style: str, detail: float) -> list[MeshData]:
    rng = np.random.default_rng(variant + 505)
    petals = np.array([(0.85, 0.1, 0.15), (0.95, 0.8, 0.1), (0.9, 0.4, 0.7), (0.95, 0.95, 0.9), (0.5, 0.2, 0.75)])
    pick = petals[rng.choice(len(petals), 2, replace=False)]

    def colour(p):
        n = mottled((1.0, 1.0, 1.0), 0.5, 9.0, variant)(p)[:, 0]
        green = np.array([0.1, 0.3, 0.06])
        return np.where((n > 1.15)[:, None], pick[0], np.where((n < 0.8)[:, None], pick[1], green))

    b = MeshBuilder(detail)
    b.lumpy((0.0, 0.0, 0.3), (2.0, 1.0, 0.35), colour, amount=0.25, seed=variant, seg=28)
    return [b.build(ground=True)]


def _kinds():
    from worldmill.library import Kind

    return {
        "tree_broadleaf": Kind(broadleaf, variants=6),
        "tree_conifer": Kind(conifer, variants=4),
        "tree_palm": Kind(palm, variants=4),
        "shrub": Kind(shrub, variants=4),
        "flower_bed": Kind(flower_bed, variants=4),
    }


KINDS = _kinds()


def plant_kind(label: str, style: str) -> str | None:
    """Library kind for a vegetation label; None for hedges and lawns (kept as analytic boxes)."""
    text = label.lower()
    if any(k in text for k in ("hedge", "lawn", "rooftop", "kelp")):
        return None
    if "palm" in text:
        return "tree_palm"
    if any(k in text for k in ("pine", "conifer", "fir", "spruce", "cedar")):
        return "tree_conifer"
    if any(k in text for k in ("flower", "rose", "bed")):
        return "flower_bed"
    if any(k in text for k in ("shrub", "bush", "fern")):
        return "shrub"
    return "tree_conifer" if style == "winter" and len(text) % 3 == 0 else "tree_broadleaf"
