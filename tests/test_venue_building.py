"""Outside a venue that is a building (a hospital's drop-off bay), the building faces the plaza with its name over
the door and leads the shot; an ambulance is a white box-bodied van, not a saloon car."""

from __future__ import annotations

import numpy as np
import pytest

from worldmill.library import asset, key
from worldmill.library.vehicles import vehicle_key_parts
from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.render.framing import framed_camera_path
from worldmill.scenes import build_scene
from worldmill.scenes.camera import subject_kinds
from worldmill.scenes.layout import parts_box
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy import load_taxonomy
from worldmill.taxonomy.classes import SemanticClasses


def _outdoor_plan(city: str, venue: str):
    """The first outdoor sample of the city's venue in round 1 (the demo's round)."""
    cell = load_taxonomy().cells([city], [venue])[0]
    for index in range(40):
        plan = sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)
        if not plan.indoor:
            return plan
    pytest.fail(f"no outdoor {venue} plan in {city}")


def test_an_outdoor_hospital_shot_is_about_the_hospital():
    plan = _outdoor_plan("São Paulo", "hospital")
    scene = build_scene(plan, SemanticClasses.load())
    hospital = [o for o in scene.objects if o.label == "hospital building"]
    assert len(hospital) == 1 and hospital[0].salient and hospital[0].class_name == "building"
    front = min(p.center[1] - p.size[1] / 2 for p in hospital[0].parts)
    signs = [o for o in scene.objects if o.label == "venue sign" and abs(o.parts[0].center[1] - front) < 0.5]
    assert signs and signs[0].parts[0].texture  # the venue's name over the door, in the city's language
    assert subject_kinds(scene, aerial=False)[0] == "hospital building"
    _, framing = framed_camera_path(scene, plan, RenderSettings())
    assert framing.subject == "hospital building" and framing.share >= 0.8


def test_open_air_venues_that_are_no_building_get_none():
    plan = _outdoor_plan("São Paulo", "street_market")
    scene = build_scene(plan, SemanticClasses.load())
    assert not any(o.class_name == "building" and o.salient and not o.decor for o in scene.objects)


def test_an_ambulance_is_a_white_box_van():
    assert vehicle_key_parts("ambulance") == ("car", "ambulance")
    van, car = asset(key("car", 0, "ambulance")).poses[0], asset(key("car", 0)).poses[0]
    assert np.ptp(van.vertices[:, 2]) > 2.5 > np.ptp(car.vertices[:, 2])  # a tall rear box
    tri = van.vertices[van.faces]
    area = 0.5 * np.linalg.norm(np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]), axis=1)
    white = van.colors[van.faces].mean(axis=(1, 2)) > 0.8
    assert area[white].sum() > 0.5 * area.sum()  # most of its surface is white


def test_an_amusement_parks_big_rides_line_the_midway():
    """Rides placed along the perimeter (a log flume, a drop tower) stand beside the promenade the camera walks,
    not 60-80 m off along the site's fence, where a walking shot saw only a log flume's stilts."""
    cell = load_taxonomy().cells(["Paris"], ["amusement_park"])[0]
    for index in range(40):
        plan = sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)
        lined = {d.name for d in plan.decor if d.semantic_class == "ride" and d.placement == "perimeter"}
        if not plan.indoor and lined:
            break
    else:
        pytest.fail("no outdoor Paris amusement park plan with a perimeter ride")
    scene = build_scene(plan, SemanticClasses.load())
    zone = next(z for z in scene.zones if z.kind == "ground")
    for obj in scene.objects:
        if obj.decor in lined:
            box = np.asarray(parts_box(obj.parts))
            gap = np.maximum(np.maximum(np.asarray(zone.lo[:2]) - box[3:5], box[:2] - np.asarray(zone.hi[:2])), 0.0)
            assert np.linalg.norm(gap) < 30.0, (obj.decor, box.round(1))
