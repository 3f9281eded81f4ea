"""Vehicles: cars, taxis, buses, trams and trains with wheels, glazing bands and lights. Local +y is the
front; scenes move them along their lane on the city's driving side."""

from __future__ import annotations

import numpy as np

from worldmill.library.geometry import MeshBuilder, MeshData, mottled

PAINT = (
    (0.70, 0.08, 0.06),
    (0.06, 0.20, 0.60),
    (0.85, 0.85, 0.85),
    (0.05, 0.05, 0.06),
    (0.55, 0.55, 0.58),
    (0.08, 0.35, 0.15),
    (0.60, 0.45, 0.15),
    (0.80, 0.80, 0.78),
)
GLASS = np.array([0.05, 0.07, 0.09])


def _wheels(b: MeshBuilder, xs, ys, r: float, width: float) -> None:
    for x in xs:
        for y in ys:
            b.lathe((x - width / 2, y, r), (x + width / 2, y, r), [r, r], (0.03, 0.03, 0.03), seg=14)
            b.lathe(
                (x - np.sign(x) * 0.01 + np.sign(x) * width / 2, y, r),
                (x + np.sign(x) * width / 2 + np.sign(x) * 0.01, y, r),
                [r * 0.5, r * 0.5],
                (0.6, 0.6, 0.62),
                seg=10,
            )


AMBULANCE_WHITE = (0.92, 0.92, 0.9)
AMBULANCE_STRIPES = ((0.8, 0.06, 0.05), (0.95, 0.75, 0.05), (0.1, 0.55, 0.2))  # red, yellow, green livery
BEACON = (0.15, 0.35, 1.0)


def ambulance(variant: int, detail: float) -> MeshData:
    """A white box-bodied van: a low cab in front (+y), a tall rear box with a livery stripe, a blue light bar."""
    w, length = 2.05, 5.8
    stripe = AMBULANCE_STRIPES[variant % len(AMBULANCE_STRIPES)]
    b = MeshBuilder(detail)
    b.box((0.0, -0.55, 1.55), (w, length - 1.3, 2.3), mottled(AMBULANCE_WHITE, 0.02, 2.0, variant))  # rear box
    b.box((0.0, length / 2 - 0.75, 0.95), (w * 0.97, 1.5, 1.1), mottled(AMBULANCE_WHITE, 0.02, 2.0, variant))  # cab
    b.box((0.0, length / 2 - 0.85, 1.7), (w * 0.93, 1.1, 0.45), GLASS)  # windscreen and cab windows
    b.box((0.0, -0.55, 1.2), (w + 0.02, length - 1.34, 0.28), stripe)  # livery band round the box
    b.box((0.0, length / 2 - 1.45, 2.78), (w * 0.7, 0.3, 0.16), BEACON)  # light bar over the cab
    for sx in (-1, 1):
        b.box((sx * w * 0.35, length / 2, 0.75), (0.3, 0.04, 0.12), (1.0, 0.95, 0.8))
        b.box((sx * w * 0.4, -length / 2 + 0.08, 2.5), (0.15, 0.04, 0.15), (0.9, 0.05, 0.05))
    _wheels(b, (-w / 2 + 0.12, w / 2 - 0.12), (length * 0.3, -length * 0.3), 0.38, 0.26)
    return b.build(ground=True)


def car(variant: int, style: str, detail: float) -> list[MeshData]:
    if style == "ambulance":
        return [ambulance(variant, detail)]
    rng = np.random.default_rng(variant + 11)
    paint = (0.95, 0.75, 0.05) if style == "taxi" else PAINT[rng.integers(len(PAINT))]
    w, length = rng.uniform(1.75, 1.9), rng.uniform(4.1, 4.7)
    b = MeshBuilder(detail)
    b.box((0.0, 0.0, 0.6), (w, length, 0.6), mottled(paint, 0.04, 2.0, variant))
    b.box((0.0, -0.15, 1.12), (w * 0.86, length * 0.5, 0.5), mottled(paint, 0.04, 2.0, variant))
    b.box((0.0, -0.15, 1.1), (w * 0.88, length * 0.46, 0.3), GLASS)  # side and end windows
    for sx in (-1, 1):
        b.box((sx * w * 0.35, length / 2, 0.7), (0.3, 0.04, 0.12), (1.0, 0.95, 0.8))
        b.box((sx * w * 0.38, -length / 2, 0.72), (0.25, 0.04, 0.1), (0.7, 0.02, 0.02))
    if style == "taxi":
        b.box((0.0, -0.15, 1.45), (0.6, 0.25, 0.18), (0.95, 0.95, 0.9))
    _wheels(b, (-w / 2 + 0.12, w / 2 - 0.12), (length * 0.32, -length * 0.32), 0.33, 0.24)
    return [b.build(ground=True)]


def bus(variant: int, style: str, detail: float) -> list[MeshData]:
    rng = np.random.default_rng(variant + 22)
    tram = style in ("tram", "train")
    paint = (
        PAINT[rng.integers(len(PAINT))]
        if not tram
        else ((0.85, 0.1, 0.1), (0.95, 0.85, 0.2), (0.2, 0.5, 0.3))[variant % 3]
    )
    w, length, h = 2.5, (11.5 if not tram else 18.0 if style == "tram" else 24.0), 3.0
    b = MeshBuilder(detail)
    floor = 0.35 if not tram else 0.5
    b.box((0.0, 0.0, floor + h / 2), (w, length, h), mottled(paint, 0.04, 2.0, variant))
    b.box((0.0, 0.0, floor + h * 0.65), (w + 0.04, length * 0.94, h * 0.38), GLASS)  # window band
    b.box((0.0, length / 2 - 0.05, floor + h * 0.62), (w * 0.9, 0.12, h * 0.55), GLASS)
    for sx in (-1, 1):
        b.box((sx * w * 0.35, length / 2, floor + 0.4), (0.3, 0.06, 0.14), (1.0, 0.95, 0.8))
    if tram:
        b.box((0.0, 0.0, floor + h + 0.5), (0.1, 1.5, 1.0), (0.2, 0.2, 0.2), pitch_deg=30.0)
        b.box((0.0, 0.0, floor - 0.2), (w * 0.8, length * 0.9, 0.4), (0.15, 0.15, 0.15))
    else:
        _wheels(b, (-w / 2 + 0.15, w / 2 - 0.15), (length * 0.32, -length * 0.3), 0.5, 0.3)
    return [b.build(ground=True)]


def _kinds():
    from worldmill.library import Kind

    return {"car": Kind(car, variants=8), "bus": Kind(bus, variants=4)}


KINDS = _kinds()


def vehicle_key_parts(label: str) -> tuple[str, str] | None:
    """(kind, style) for a vehicle label; None for the ones kept as analytic kits (trolleys, bikes, planes)."""
    text = label.lower()
    if "taxi" in text:
        return "car", "taxi"
    if "tram" in text:
        return "bus", "tram"
    if "train" in text:
        return "bus", "train"
    if any(k in text for k in ("bus", "coach")):
        return "bus", ""
    if "ambulance" in text:
        return "car", "ambulance"
    if any(k in text for k in ("car", "van")) and "bumper" not in text and "cart" not in text:
        return "car", ""
    return None
