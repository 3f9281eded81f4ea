"""The camera shows what was planned (issue 12): decor the layout used to lose (a second pitch off-centre, a
staircase past the walls, an airliner outside the terminal, a walkway against a far wall) stands where the shot
can see it, and decor an aerial or a looking-down shot missed is staged into its view."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest_scenes import make_plan

from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.prompts.plan import fits_indoors
from worldmill.render import render
from worldmill.render.framing import framed_shot
from worldmill.scenes import build_scene, staging
from worldmill.scenes.layout import parts_box
from worldmill.scenes.visibility import measure_visibility
from worldmill.schemas.plan import DecorChoice, RenderSettings
from worldmill.taxonomy import load_taxonomy
from worldmill.taxonomy.venues import decor_for_side

SETTINGS = RenderSettings(width=96, height=96, frames=12, fps=12)


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


def _plan(tax, venue: str, city: str, index: int = 0):
    cell = tax.cells([city], [venue])[0]
    return sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)


def test_a_stadium_plans_pitch_is_the_pitch_it_builds(tax):
    """The plan's playing pitch is the stadium's own pitch, centred between the stands, not a second pitch laid
    off-centre over it (which a touchline camera never saw)."""
    plan = _plan(tax, "stadium", "São Paulo")
    pitch = next(d.name for d in plan.decor if d.semantic_class == "sports_field")
    fields = [o for o in build_scene(plan, tax.classes).objects if o.class_name == "sports_field"]
    assert len(fields) == 1 and fields[0].decor == pitch
    box = np.asarray(parts_box(fields[0].parts))
    np.testing.assert_allclose((box[:2] + box[3:5]) / 2, 0.0, atol=1e-6)


def test_interior_plans_hold_nothing_wider_than_a_hall(tax):
    """A parked airliner is wider than any hall the scenes build: it stood outside the terminal, unseen from in
    there. Indoor plans leave it out; the kerbside keeps it."""
    venue = tax.venues["airport_terminal"]
    assert "parked airliner" not in {d.name for d in fits_indoors(decor_for_side(venue, True), True)}
    assert "parked airliner" in {d.name for d in fits_indoors(decor_for_side(venue, False), False)}


def test_a_centrepiece_stands_inside_the_room(tax):
    """The ring of centre spots around a museum's middle reached past its walls: three of four grand staircases
    planned stood outside the room, never seen. Each stands inside it."""
    found = 0
    for city in ("Paris", "Shanghai", "Lagos", "São Paulo"):
        for index in range(4):
            plan = _plan(tax, "museum", city, index)
            if not plan.indoor or "grand staircase" not in {d.name for d in plan.decor}:
                continue
            scene = build_scene(plan, tax.classes)
            floor = np.asarray(parts_box(next(o for o in scene.objects if o.class_name == "floor").parts))
            box = np.asarray(parts_box(next(o for o in scene.objects if o.decor == "grand staircase").parts))
            middle = (box[:2] + box[3:5]) / 2
            assert (floor[:2] <= middle).all() and (middle <= floor[3:5]).all(), (plan.sample_id, box, floor)
            found += 1
    assert found >= 3


def test_decor_along_the_path_indoors_lines_the_camera_aisle(tax):
    """Indoors there is no walkway: a moving walkway planned along the path stands beside the camera's aisle, its
    long side along it, not against a far wall."""
    walkway = DecorChoice(name="moving walkway", semantic_class="stairs", size_min=(1.5, 1.0, 20.0),
                          size_max=(2.0, 1.2, 24.0), placement="along_path", count=1)  # fmt: skip
    scene = build_scene(dataclasses.replace(make_plan("interior_hall", 5), decor=(walkway,)), tax.classes)
    zone = next(z for z in scene.zones if z.kind == "interior")
    box = np.asarray(parts_box(next(o for o in scene.objects if o.decor == "moving walkway").parts))
    assert box[3] - box[0] > 3 * (box[4] - box[1])  # along the aisle (x)
    gap = max(zone.lo[1] - box[4], box[1] - zone.hi[1])
    assert 0.0 < gap < 3.0  # beside it, clear of it


def test_decor_an_aerial_shot_missed_is_staged_on_the_ground_in_view(tax):
    """A hospital garden filmed from 35 m: its courtyard tree and ambulance, out of the orbit's view, are staged
    on the ground where it looks, clear of the lens, and read in the render."""
    plan = _plan(tax, "hospital", "Lagos")
    shown, path, framing = framed_shot(build_scene(plan, tax.classes), plan, SETTINGS)
    assert path.zone == "aerial" and framing.staged
    seen = {
        k.kind for k in measure_visibility(shown, render(shown, path, plan, SETTINGS, normals=False).instance).seen()
    }
    by_id = {o.instance_id: o for o in shown.objects}
    for moved in framing.staged:
        box = np.asarray(parts_box(by_id[moved.instance_id].parts))
        assert moved.mount == "floor" and box[2] < 0.45 and moved.kind in seen
        gap = np.maximum(np.maximum(box[:3] - path.positions, path.positions - box[3:]), 0.0)
        assert np.linalg.norm(gap, axis=1).min() >= staging.MIN_DISTANCE_M["aerial"]


def test_a_floor_thing_the_near_floor_cannot_take_stands_farther_off(tax, monkeypatch):
    """Where the floor near the lens takes no spot for a thing (Lagos's city park: the rowing boat; Tokyo's aquarium's
    rockwork, before it stood in the tanks), it stands on the floor farther off, higher in the frame, and
    reads; without that row of spots it is not staged at all."""
    plan = _plan(tax, "city_park", "Lagos")
    scene = build_scene(plan, tax.classes)
    shown, path, framing = framed_shot(scene, plan, SETTINGS)
    boats = [s for s in framing.staged if s.kind == "rowing boat"]
    assert boats and boats[0].mount == "floor"
    assert "rowing boat" in {
        k.kind for k in measure_visibility(shown, render(shown, path, plan, SETTINGS, normals=False).instance).seen()
    }
    monkeypatch.setattr(staging, "FARTHER", {})
    assert "rowing boat" not in {s.kind for s in framed_shot(scene, plan, SETTINGS)[2].staged}


def test_wall_art_whose_wall_is_out_of_view_stands_on_the_floor(tax, monkeypatch):
    """A theatre's gilt mirror planned for a wall the orbit never faces stands on the floor in view (a floor
    mirror) and reads; without standing it is not staged."""
    plan = _plan(tax, "theatre", "São Paulo")
    scene = build_scene(plan, tax.classes)
    shown, path, framing = framed_shot(scene, plan, SETTINGS)
    mirror = [s for s in framing.staged if s.kind == "gilt mirror"]
    assert mirror and mirror[0].mount == "floor"
    box = parts_box(next(o for o in shown.objects if o.instance_id == mirror[0].instance_id).parts)
    assert box[2] < 0.45
    passes = render(shown, path, plan, SETTINGS, normals=False)
    assert "gilt mirror" in {k.kind for k in measure_visibility(shown, passes.instance).seen()}
    monkeypatch.setattr(staging, "LEANS", frozenset())
    assert "gilt mirror" not in {s.kind for s in framed_shot(scene, plan, SETTINGS)[2].staged}
