"""Eye-level shots film the room, not its floor; an aviary's birds sit on perches and lead its shot."""

from __future__ import annotations

import math

import numpy as np
import pytest

from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.render.framing import framed_camera_path
from worldmill.scenes import build_scene
from worldmill.scenes.camera import EYE_LEVEL_M, HORIZON_SHARE, MAX_PITCH_DOWN_DEG, camera_path, eye_level
from worldmill.scenes.layout import PERCH_HEIGHT_M, parts_box
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy import load_taxonomy
from worldmill.taxonomy.classes import SemanticClasses

SETTINGS = RenderSettings()


def _pitch_down_deg(path) -> np.ndarray:
    forward = path.camera_to_world[:, :3, 2]
    return np.degrees(np.arcsin(-forward[:, 2]))


def _aviary_plan():
    """The first Lagos zoo sample (round 1, the demo's round) filmed in the tropical aviary with parrots."""
    cell = load_taxonomy().cells(["Lagos"], ["zoo"])[0]
    for index in range(40):
        plan = sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)
        if plan.space == "tropical aviary" and any(d.name == "parrot" for d in plan.decor):
            return plan
    pytest.fail("no Lagos aviary plan with parrots in 40 samples")


def test_eye_level_raises_a_floor_target_and_widens_the_lens():
    eyes = np.array([[0.0, 0.0, 1.75], [0.0, 0.0, 30.0]])
    targets = np.array([[3.0, 0.0, 0.2], [3.0, 0.0, 0.2]])  # a tortoise 3 m off: 27 degrees down from eye level
    lifted, fov = eye_level(eyes, targets, math.radians(15.0), math.radians(75.0))
    pitch = math.degrees(math.atan2(eyes[0, 2] - lifted[0, 2], 3.0))
    assert pitch == pytest.approx(MAX_PITCH_DOWN_DEG)
    assert math.degrees(fov) / 2 * HORIZON_SHARE == pytest.approx(MAX_PITCH_DOWN_DEG)  # the horizon stays in frame
    assert lifted[1, 2] == targets[1, 2]  # a raised camera (30 m) may look down


def test_indoor_birds_sit_on_perches_at_eye_level():
    plan = _aviary_plan()
    scene = build_scene(plan, SemanticClasses.load())
    parrots = [o for o in scene.objects if o.decor == "parrot"]
    perches = [parts_box(o.parts) for o in scene.objects if o.label == "perch"]
    assert parrots and len(perches) < len(parrots)  # birds of a kind share perches
    for bird in parrots:
        box = parts_box(bird.parts)
        assert box[2] >= PERCH_HEIGHT_M[0] - 1e-6  # off the floor
        under = [p for p in perches if abs(p[5] - box[2]) < 0.02 and p[0] < box[3] and box[0] < p[3] and p[1] < box[4] and box[1] < p[4]]
        assert under, f"parrot {bird.instance_id} has no perch under it"


def test_aviary_shot_is_about_its_birds_and_keeps_the_horizon():
    plan = _aviary_plan()
    scene = build_scene(plan, SemanticClasses.load())
    path, framing = framed_camera_path(scene, plan, SETTINGS)
    assert framing.subject == "parrot" and framing.share >= 0.8
    fov = 2 * math.atan(path.width / 2 / path.fx)
    pitch = _pitch_down_deg(path)
    assert pitch.max() <= min(MAX_PITCH_DOWN_DEG, math.degrees(fov) / 2 * HORIZON_SHARE) + 1e-6


def test_eye_level_paths_about_a_floor_animal_do_not_stare_at_the_floor():
    """Every candidate path about the aviary's tortoise (on the floor) keeps its eye-level frames within the pitch
    limit and the horizon in frame (the old paths looked 25-30 degrees down through a long lens)."""
    plan = _aviary_plan()
    scene = build_scene(plan, SemanticClasses.load())
    tortoise = next(o.decor for o in scene.objects if o.class_name == "animal" and o.decor != "parrot")
    for variant in range(3):
        path = camera_path(scene, plan, SETTINGS, subject=tortoise, variant=variant)
        low = path.positions[:, 2] <= EYE_LEVEL_M
        assert low.all()
        fov = math.degrees(2 * math.atan(path.width / 2 / path.fx))
        assert _pitch_down_deg(path).max() <= min(MAX_PITCH_DOWN_DEG, fov / 2 * HORIZON_SHARE) + 1e-6


def test_final_prompt_says_the_height_the_path_films_from(tmp_path):
    """A plan that wishes for a camera 9 m up in a ward (whose walkway zone tops out at 2.3 m) gets a prompt that
    says where the checked path really films from."""
    import dataclasses

    from worldmill.lake.blobs import LocalBlobStore
    from worldmill.prompts import build_prompt, write_prompt
    from worldmill.render.pool import render_sample
    from worldmill.schemas.records import PromptRow, utcnow
    from worldmill.stages import publish_conditions

    tax = load_taxonomy()
    cell = tax.cells(["Shanghai"], ["hospital"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 0, 0), sample_id(cell.key, 0, 0))
    plan = dataclasses.replace(plan, indoor=True, camera_height_m=9.0)
    settings = RenderSettings(64, 64, 4, 24)
    result = render_sample(plan, settings, tmp_path / "s", tax.classes)
    assert result.camera_height_m is not None and result.camera_height_m <= EYE_LEVEL_M
    row = PromptRow(
        sample_id=plan.sample_id, cell_key=plan.cell_key, city_key=plan.city_key, venue=plan.venue, round=0, index=0,
        seed=plan.seed, prompt=build_prompt(plan), word_count=0, camera_motion=plan.camera_motion,
        time_of_day=plan.time_of_day, weather=plan.weather, season=plan.season, plan_json=plan.to_json(),
        prompt_sha256="", created_at=utcnow(),
    )  # fmt: skip
    made = publish_conditions(row, plan, tmp_path / "s", result, settings, LocalBlobStore(tmp_path / "footage"))
    text = made.conditions[0].prompt
    assert "9 metres" in build_prompt(plan) and "9 metres" not in text
    filmed = dataclasses.replace(plan, camera_height_m=round(result.camera_height_m, 2))
    assert text == write_prompt(filmed, result.visibility).text


def test_a_parrot_sits_upright_with_a_long_tail_in_macaw_colours():
    from worldmill.library import asset, key

    poses = [asset(key("parrot", v)).poses[0] for v in range(3)]
    extent = np.ptp(poses[0].vertices, axis=0)  # x across, y front to back, z up
    assert extent[2] > 1.5 * extent[0]  # upright, not a duck lying on its belly
    assert poses[0].vertices[:, 1].min() < -0.3  # the tail reaches well behind the body
    body = [np.median(p.colors, axis=0) for p in poses]
    assert min(np.abs(a - b).max() for i, a in enumerate(body) for b in body[i + 1 :]) > 0.1  # three liveries
