"""The final prompt's architecture sentence names the materials the render drew on the surfaces it shows (not
the city style's list), and an indoor prompt speaks of windows and the weather outside only when a window shows."""

from __future__ import annotations

import numpy as np
import pytest
from conftest_scenes import make_plan

from worldmill.prompts import build_prompt
from worldmill.prompts.text import MATERIAL_WORDS, SURFACE_NOUNS
from worldmill.render.materials import object_materials
from worldmill.scenes import build_scene
from worldmill.scenes.visibility import Visibility, measure_visibility
from worldmill.taxonomy.classes import SemanticClasses
from worldmill.taxonomy.locale import architecture_style

STYLE = "chinese_contemporary"  # interior: polished granite floors, white stone cladding, ...
SIZE = 64


@pytest.fixture(scope="module")
def ward():
    plan = make_plan("hospital", seed=5, architecture_style=STYLE, time_of_day="night")
    return plan, build_scene(plan, SemanticClasses.load())


def _shown(scene, labels: dict[str, int]) -> np.ndarray:
    """Instance video [4, 64, 64]: the first object of each label covers that many pixels in every frame."""
    ids = np.zeros((4, SIZE, SIZE), np.int32)
    start = 0
    for label, pixels in labels.items():
        obj = next(o for o in scene.objects if o.label == label)
        ids[:, :, :].reshape(4, -1)[:, start : start + pixels] = obj.instance_id
        start += pixels
    return ids


def test_architecture_sentence_names_the_drawn_materials(ward):
    plan, scene = ward
    floor = next(o for o in scene.objects if o.label == "floor")
    wall = next(o for o in scene.objects if o.label == "wall")
    drawn = dict(zip(("floor", "wall"), object_materials([floor, wall], scene.seed), strict=True))
    text = build_prompt(plan, measure_visibility(scene, _shown(scene, {"floor": 900, "wall": 500})))
    assert f"{MATERIAL_WORDS[drawn['floor']]} {SURFACE_NOUNS['floor']}" in text
    assert f"{MATERIAL_WORDS[drawn['wall']]} {SURFACE_NOUNS['wall']}" in text
    assert text.index(SURFACE_NOUNS["floor"]) < text.index(SURFACE_NOUNS["wall"])  # most covered first
    style = architecture_style(STYLE)
    assert not any(m in text for m in style.interior)  # the style's own list is the draft's, not the render's
    assert any(m in build_prompt(plan) for m in style.interior)


def test_no_surface_in_view_no_architecture_sentence(ward):
    plan, scene = ward
    text = build_prompt(plan, measure_visibility(scene, _shown(scene, {})))
    assert architecture_style(STYLE).name not in text


def test_indoor_prompt_names_windows_only_when_one_shows(ward):
    plan, scene = ward
    blind = build_prompt(plan, measure_visibility(scene, _shown(scene, {"floor": 900, "wall": 500})))
    assert "window" not in blind.lower() and "glass" not in blind.lower()
    lit = build_prompt(plan, measure_visibility(scene, _shown(scene, {"floor": 900, "window": 300})))
    assert "window" in lit.lower() or "glass" in lit.lower()


def test_materials_round_trip_through_json(ward):
    _, scene = ward
    vis = measure_visibility(scene, _shown(scene, {"floor": 900, "wall": 500}))
    assert vis.materials and vis.surfaces()
    again = Visibility.from_json(vis.to_json())
    assert again.materials == vis.materials and again.surfaces() == vis.surfaces()
