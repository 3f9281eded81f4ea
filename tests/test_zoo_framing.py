"""Zoo shots are about their animals: the framed path's lead subject is an animal that reads."""

from __future__ import annotations

import dataclasses

import pytest

from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.render.framing import framed_camera_path, low_res_path
from worldmill.render.raycast import render
from worldmill.scenes import build_scene
from worldmill.scenes.visibility import SUBJECT_COVERAGE, SUBJECT_FRAME_SHARE, measure_visibility
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy import load_taxonomy
from worldmill.taxonomy.classes import SemanticClasses

SETTINGS = RenderSettings()
CHECK = RenderSettings(width=96, height=96, frames=12, fps=6)  # finer than the framing's own check render


# Paris zoo round 1: lions down the walkway (walkthrough), zebras (pan), a tortoise in an indoor house (orbit)
@pytest.mark.parametrize("index", [1, 2, 3])
def test_zoo_path_leads_with_an_animal_that_reads(index):
    cell = load_taxonomy().cells(["Paris"], ["zoo"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)
    scene = build_scene(plan, SemanticClasses.load())
    animals = {o.decor for o in scene.objects if o.class_name == "animal" and o.decor}
    assert animals, "the plan has animals"
    path, framing = framed_camera_path(scene, plan, SETTINGS)
    assert framing.subject in animals
    passes = render(
        scene, low_res_path(path, CHECK, 4), dataclasses.replace(plan, weather="overcast"), CHECK, normals=False
    )
    coverage = measure_visibility(scene, passes.instance).kind_coverage(framing.subject)
    assert (coverage >= SUBJECT_COVERAGE).mean() >= SUBJECT_FRAME_SHARE
