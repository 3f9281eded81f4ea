"""Decor the shot shows: a planned decor kind that the checked camera path misses is staged into its view (and
so visible in the frames) in every archetype, standing where such a thing stands, clear of the lens, of other
objects and of the lead subject's line of sight."""

from __future__ import annotations

import numpy as np
import pytest

from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.prompts.plan import AERIAL_HEIGHT_M
from worldmill.render import render
from worldmill.render.framing import framed_camera_path, framed_shot
from worldmill.scenes import build_scene
from worldmill.scenes.layout import HANG_BOTTOM_M, parts_box
from worldmill.scenes.staging import MIN_DISTANCE_M
from worldmill.scenes.visibility import SUBJECT_FRAME_SHARE, measure_visibility
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy import load_taxonomy

SETTINGS = RenderSettings(width=96, height=96, frames=12, fps=12)
# one venue per archetype with ground-level or interior shots (skyline shots are all aerial: their plans hold
# decor that reads from the air instead, tested below)
VENUES = {
    "hospital": "hospital", "museum": "museum", "interior_hall": "shopping_mall", "open_air": "city_park",
    "zoo": "zoo", "amusement_park": "amusement_park", "stadium": "stadium",
}  # fmt: skip


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def _missing_shot(tax, venue: str):
    """The first Paris plan of ``venue`` whose checked path misses a decor kind that staging shows: the plan, its
    scene, the checked path and its framing, and ``framed_shot``'s result."""
    cell = tax.cells(["Paris"], [venue])[0]
    for index in range(12):
        plan = sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)
        scene = build_scene(plan, tax.classes)
        path, framing = framed_camera_path(scene, plan, SETTINGS)
        if path.zone == "aerial" or framing.subject is None:
            continue
        shot = framed_shot(scene, plan, SETTINGS)
        if shot[2].staged:
            return plan, scene, path, framing, shot
    pytest.fail(f"no Paris {venue} plan in 12 misses a decor kind that staging can show")


@pytest.mark.parametrize("archetype", sorted(VENUES))
def test_a_planned_decor_kind_the_path_missed_is_staged_into_view(tax, archetype):
    plan, scene, path, framing, (shown, shot_path, after) = _missing_shot(tax, VENUES[archetype])
    before = measure_visibility(scene, render(scene, path, plan, SETTINGS, normals=False).instance)
    assert np.array_equal(shot_path.camera_to_world, path.camera_to_world)  # the same path, more shown
    vis = measure_visibility(shown, render(shown, shot_path, plan, SETTINGS, normals=False).instance)
    decor = {d.name for d in plan.decor}
    seen_before = {k.kind for k in before.seen()} & decor
    seen_after = {k.kind for k in vis.seen()} & decor
    assert seen_after - seen_before, f"staging showed no kind the path missed ({[s.kind for s in after.staged]})"
    assert len(seen_after) > len(seen_before)
    if framing.share >= SUBJECT_FRAME_SHARE:  # the lead subject still reads
        assert vis.subject_share(framing.subject) >= SUBJECT_FRAME_SHARE - 0.25
    by_id = {o.instance_id: o for o in shown.objects}
    solid = [
        (o.instance_id, np.asarray(parts_box([p])))
        for o in shown.objects
        if o.class_name not in ("floor", "ground", "pavement", "ceiling", "wall", "building")
        for p in o.parts
        if not any(o.velocity)
    ]
    for moved in after.staged:
        box = np.asarray(parts_box(by_id[moved.instance_id].parts))
        gap = np.maximum(np.maximum(box[:3] - path.positions, path.positions - box[3:]), 0.0)
        assert np.linalg.norm(gap, axis=1).min() >= MIN_DISTANCE_M[path.zone] - 1e-6  # not before the lens
        if moved.mount == "floor":
            assert box[2] < 0.45  # stands on the floor or the ground, not in the air
        for other, part in solid:  # overlaps nothing
            if other != moved.instance_id:
                overlap = np.minimum(box[3:], part[3:]) - np.maximum(box[:3], part[:3])
                assert (overlap <= 0.02).any(), f"{moved.kind} overlaps {by_id[other].label}"


def test_staging_is_deterministic(tax):
    plan, _, _, _, (first, _, a) = _missing_shot(tax, "hospital")
    again, _, b = framed_shot(build_scene(plan, tax.classes), plan, SETTINGS)
    assert first.to_json() == again.to_json() and a.staged == b.staged


def test_aerial_plans_hold_decor_that_reads_from_the_air(tax):
    """A park filmed from 35 m and up plans no litter bin or bench (specks from there), ground shots keep them;
    a zoo is never filmed from the air (its animals would be specks)."""
    cell = tax.cells(["Paris"], ["city_park"])[0]
    plans = [sample_plan(cell, seed_for(cell.key, 1, i), sample_id(cell.key, 1, i), 1) for i in range(80)]
    aerial = [p for p in plans if p.camera_height_m >= AERIAL_HEIGHT_M]
    ground = [p for p in plans if p.camera_height_m < AERIAL_HEIGHT_M]
    assert aerial and ground
    small = {"litter bin", "park bench"}
    assert not small & {d.name for p in aerial for d in p.decor}
    assert small & {d.name for p in ground for d in p.decor}
    zoo = tax.cells(["Paris"], ["zoo"])[0]
    for i in range(40):
        plan = sample_plan(zoo, seed_for(zoo.key, 1, i), sample_id(zoo.key, 1, i), 1)
        assert plan.camera_height_m < AERIAL_HEIGHT_M and plan.camera_motion != "flyover"


def test_a_ceiling_fitting_of_a_tall_hall_is_staged_on_a_drop_into_view(tax):
    """A science centre's hall is as tall as its rocket (40 m): its planet and molecule models hang on drops over
    the heads of the people (not up there as specks). One the path misses is staged at that height into the view,
    and read."""
    cell = tax.cells(["São Paulo"], ["science_centre"])[0]
    for index in range(6):
        plan = sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)
        hung = {d.name for d in plan.decor if d.placement in ("ceiling", "overhead") and d.semantic_class != "light"}
        scene = build_scene(plan, tax.classes)
        path, framing = framed_camera_path(scene, plan, SETTINGS)
        missed = hung - framing.seen_kinds
        if path.zone != "interior" or not missed:
            continue
        shown, shot_path, after = framed_shot(scene, plan, SETTINGS)
        staged = [s for s in after.staged if s.kind in missed]
        assert staged, f"no missed ceiling fitting of {sorted(missed)} was staged"
        vis = measure_visibility(shown, render(shown, shot_path, plan, SETTINGS, normals=False).instance)
        assert {s.kind for s in staged} <= {k.kind for k in vis.seen()}
        by_id = {o.instance_id: o for o in shown.objects}
        for moved in staged:
            box = parts_box(by_id[moved.instance_id].parts)
            assert moved.mount == "ceiling" and 2.5 <= box[2] <= HANG_BOTTOM_M + 1e-6
        return
    pytest.fail("no São Paulo science centre plan in 6 misses a hanging model")


def test_interior_plans_hold_no_ceiling_fitting_too_small_to_read(tax):
    """A 15 cm track spotlight or a 40 cm heat lamp is a few pixels even on a drop over the heads: interior plans
    leave them out and keep the fittings that read (a library's brass chandelier)."""
    planned: dict[str, set[str]] = {}
    for venue in ("museum", "zoo", "public_library"):
        cell = tax.cells(["Paris"], [venue])[0]
        plans = [sample_plan(cell, seed_for(cell.key, 1, i), sample_id(cell.key, 1, i), 1) for i in range(60)]
        planned[venue] = {d.name for p in plans if p.indoor for d in p.decor}
    assert planned["museum"] and planned["zoo"]
    assert "track spotlight" not in planned["museum"] and "heat lamp" not in planned["zoo"]
    assert "brass chandelier" in planned["public_library"]


def test_a_wall_sign_with_no_wall_in_reach_stands_on_the_floor_in_view(tax):
    """The forecourt of a Paris theatre has no wall near the path: its show poster and light-bulb sign, planned
    for a wall, stand on the ground in the view (a poster stand) rather than go unseen."""
    cell = tax.cells(["Paris"], ["theatre"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 1, 1), sample_id(cell.key, 1, 1), 1)
    signs = {d.name for d in plan.decor if d.placement == "wall" and d.semantic_class in ("signage", "screen")}
    shown, path, after = framed_shot(build_scene(plan, tax.classes), plan, SETTINGS)
    standing = [s for s in after.staged if s.kind in signs and s.mount == "floor"]
    assert standing, [(s.kind, s.mount) for s in after.staged]
    by_id = {o.instance_id: o for o in shown.objects}
    seen = {k.kind for k in measure_visibility(shown, render(shown, path, plan, SETTINGS, normals=False).instance).seen()}
    for moved in standing:
        assert parts_box(by_id[moved.instance_id].parts)[2] < 0.45  # on the ground, not hung in the air
        assert moved.kind in seen
