"""Rides that move: a Ferris wheel turning (16 poses over one gondola spacing, so the cycle repeats
seamlessly) and a carousel turning with its horses rising and falling."""

from __future__ import annotations

import math

import numpy as np

from worldmill.library.geometry import MeshBuilder, MeshData, stripes

POSES = 16
GONDOLAS = 16
HORSES = 12
VIVID = ((0.8, 0.1, 0.1), (0.1, 0.3, 0.8), (0.95, 0.75, 0.1), (0.1, 0.6, 0.3), (0.9, 0.45, 0.1), (0.6, 0.2, 0.6))


def ferris_wheel(variant: int, style: str, detail: float) -> list[MeshData]:
    radius, hub_z = 14.0, 16.0
    steel = (0.85, 0.85, 0.88)
    out = []
    for k in range(POSES):
        turn = 2 * math.pi / GONDOLAS * k / POSES
        b = MeshBuilder(detail)
        for sx in (-1, 1):  # A-frame legs
            for sy in (-1, 1):
                b.capsule((sx * 6.0, sy * 1.6, 0.0), (0.0, sy * 1.2, hub_z), 0.3, 0.25, steel, seg=6)
        b.lathe((0.0, -1.5, hub_z), (0.0, 1.5, hub_z), [0.8, 0.8], (0.4, 0.4, 0.45), seg=12)
        rim = [
            np.array(
                [
                    radius * math.cos(turn + 2 * math.pi * i / 32),
                    0.0,
                    hub_z + radius * math.sin(turn + 2 * math.pi * i / 32),
                ]
            )
            for i in range(32)
        ]
        for y in (-1.0, 1.0):
            for i in range(32):
                b.capsule(rim[i] + [0, y, 0], rim[(i + 1) % 32] + [0, y, 0], 0.18, 0.18, VIVID[variant % 6], seg=6)
        for i in range(GONDOLAS):
            a = turn + 2 * math.pi * i / GONDOLAS
            p = np.array([radius * math.cos(a), 0.0, hub_z + radius * math.sin(a)])
            b.capsule((0.0, 0.0, hub_z), p, 0.1, 0.08, steel, seg=4)
            b.box(p + [0.0, 0.0, -1.4], (1.6, 1.8, 1.7), VIVID[i % len(VIVID)])
            b.box(p + [0.0, 0.0, -0.35], (0.12, 0.12, 0.7), steel)
        out.append(b.build())
    return out


def carousel(variant: int, style: str, detail: float) -> list[MeshData]:
    radius = 6.0
    out = []
    canopy = stripes((0.9, 0.15, 0.15), (0.95, 0.92, 0.85), 1.2, axis=(1.0, 0.3, 0.0), seed=variant)
    for k in range(POSES):
        turn = 2 * math.pi / HORSES * k / POSES
        b = MeshBuilder(detail)
        b.lathe((0.0, 0.0, 0.0), (0.0, 0.0, 0.5), [radius, radius], (0.55, 0.45, 0.35), seg=32)
        b.lathe((0.0, 0.0, 0.5), (0.0, 0.0, 4.2), [1.0, 1.0], (0.9, 0.8, 0.4), seg=16)
        b.lathe((0.0, 0.0, 4.2), (0.0, 0.0, 6.2), [radius * 1.05, radius * 0.7, radius * 0.3, 0.0], canopy, seg=32)
        for i in range(HORSES):
            a = turn + 2 * math.pi * i / HORSES
            r = radius * (0.72 if i % 2 else 0.5)
            c = np.array([r * math.cos(a), r * math.sin(a), 0.0])
            lift = 0.35 * math.sin(2 * math.pi * (k / POSES) + i)
            tangent = np.array([-math.sin(a), math.cos(a), 0.0])
            colour = ((0.95, 0.95, 0.92), (0.35, 0.2, 0.1), (0.1, 0.1, 0.1))[i % 3]
            b.capsule(c + [0, 0, 0.5], c + [0, 0, 4.2], 0.04, 0.04, (0.9, 0.8, 0.3), seg=4)
            body = c + [0.0, 0.0, 1.6 + lift]
            b.ellipsoid(body, (0.7, 0.28, 0.25), colour, seg=10, axis=tangent)
            b.capsule(body + tangent * 0.55, body + tangent * 0.8 + [0, 0, 0.5], 0.12, 0.1, colour, seg=6)
            b.ellipsoid(body + tangent * 0.95 + [0, 0, 0.55], (0.25, 0.1, 0.1), colour, seg=8, axis=tangent)
            for s in (-1, 1):
                b.capsule(body + tangent * 0.4 * s, body + tangent * 0.55 * s + [0, 0, -0.7], 0.06, 0.05, colour, seg=4)
        out.append(b.build())
    return out


def _kinds():
    from worldmill.library import Kind

    return {
        "ferris_wheel": Kind(ferris_wheel, cycle_s=3.0 * POSES / 4, variants=3),
        "carousel": Kind(carousel, cycle_s=2.5, variants=3),
    }


KINDS = _kinds()
