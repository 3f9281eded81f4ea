"""The camera's geometry tests measure many points and rays at once, and skip the primitives that cannot be the
nearest: on real scenes they give, bit for bit, what measuring every primitive for one point or ray at a time
gives."""

from __future__ import annotations

import numpy as np
import pytest

from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.scenes import build_scene, camera
from worldmill.taxonomy import load_taxonomy

VENUES = ("zoo", "stadium", "museum", "hospital", "downtown")


@pytest.fixture(scope="module")
def scenes():
    tax = load_taxonomy()
    out = []
    for venue in VENUES:
        cell = tax.cells(["Lima"], [venue])[0]
        plan = sample_plan(cell, seed_for(cell.key, 1, 0), sample_id(cell.key, 1, 0), 1)
        out.append(build_scene(plan, tax.classes))
    return out


def _near_the_scene(scene, rng, count: int) -> np.ndarray:
    return np.asarray(scene.focus, dtype=float) + rng.normal(size=(count, 3)) * [12.0, 12.0, 3.0] + [0, 0, 1.5]


def test_clearance_is_the_least_distance_to_every_primitive(scenes):
    rng = np.random.default_rng(7)
    for scene in scenes:
        prims = camera._primitive_set(scene)
        points, times = _near_the_scene(scene, rng, 96), rng.uniform(0.0, 4.0, 96)
        every = np.array([camera._surface_distances(prims, p, t).min() for p, t in zip(points, times, strict=True)])
        if scene.ground_class_id is not None:
            every = np.minimum(points[:, 2], every)
        assert np.array_equal(camera.clearance(scene, points, times), every)


def test_rays_hit_what_each_ray_hits_measuring_every_primitive(scenes):
    rng = np.random.default_rng(8)
    for scene in scenes:
        prims = camera._primitive_set(scene)
        eye = _near_the_scene(scene, rng, 1)[0]
        rays = rng.normal(size=(200, 3))
        rays /= np.linalg.norm(rays, axis=1, keepdims=True)
        measured = camera._ray_hits(prims, eye, rays)  # every primitive, no skipping
        assert np.isfinite(measured).any()
        assert np.array_equal(camera._first_hits_many(prims, eye, rays), measured)
        for ray, hits in zip(rays[:20], measured, strict=False):
            assert np.array_equal(camera._first_hits(prims, eye, ray), hits)


def test_a_line_of_sight_is_clear_exactly_where_every_point_clears_every_primitive(scenes):
    """``sight_clear`` measures only the primitives whose circumscribed sphere reaches the segment: it answers what
    ``clearance`` over every primitive answers, for sights that pass through, near and far from things."""
    rng = np.random.default_rng(11)
    answers = set()
    for scene in scenes:
        for eye, point in zip(_near_the_scene(scene, rng, 40), _near_the_scene(scene, rng, 40), strict=True):
            t = float(rng.uniform(0.0, 4.0))
            sight = eye + np.outer(np.linspace(0.01, 0.95, int(rng.integers(8, 200))), point - eye)
            every = bool((camera.clearance(scene, sight, np.full(len(sight), t)) > 0.0).all())
            assert camera.sight_clear(scene, sight, t) == every
            answers.add(every)
    assert answers == {True, False}  # both answers were tested
