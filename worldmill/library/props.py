"""Simple props: a ball and a crate (also the renderer's reference shapes for mesh-against-analytic tests)."""

from __future__ import annotations

from worldmill.library.geometry import MeshBuilder, MeshData, mottled


def ball(variant: int, style: str, detail: float) -> list[MeshData]:
    """A unit-radius sphere centred 1 m above the base (finely tessellated: 64 segments at full detail)."""
    b = MeshBuilder(detail)
    b.ellipsoid((0.0, 0.0, 1.0), (1.0, 1.0, 1.0), mottled((0.8, 0.3, 0.2), 0.2, 3.0, variant), seg=64, axis=(0, 0, 1))
    return [b.build()]


def crate(variant: int, style: str, detail: float) -> list[MeshData]:
    """A 2 m cube standing on its base."""
    b = MeshBuilder(detail)
    b.box((0.0, 0.0, 1.0), (2.0, 2.0, 2.0), mottled((0.55, 0.4, 0.25), 0.2, 4.0, variant))
    return [b.build()]


def _kinds():
    from worldmill.library import Kind

    return {"ball": Kind(ball, variants=4), "crate": Kind(crate, variants=4)}


KINDS = _kinds()
