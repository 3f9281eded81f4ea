"""The camera-path checks render cheaply without changing what they see: the candidate paths' frames share
launches (grouped by lens and meshes' levels of detail), and check renders leave signs and materials out."""

from __future__ import annotations

import dataclasses

import numpy as np

from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.render.framing import _check_paths, _check_settings, low_res_path
from worldmill.render.raycast import render
from worldmill.scenes import build_scene
from worldmill.scenes.camera import camera_path
from worldmill.scenes.visibility import measure_visibility
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy import load_taxonomy
from worldmill.taxonomy.classes import SemanticClasses

SETTINGS = RenderSettings()


def test_paths_checked_together_see_what_each_path_alone_sees():
    """Lagos hospital round 3: the three variants of its entrance-canopy path (one with its own lens) and the
    plain path, checked in one call, give each path's instance pass rendered alone, frame for frame."""
    cell = load_taxonomy().cells(["Lagos"], ["hospital"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 3, 0), sample_id(cell.key, 3, 0), 3)
    scene = build_scene(plan, SemanticClasses.load())
    paths = [camera_path(scene, plan, SETTINGS, subject="entrance canopy", variant=v) for v in range(3)]
    paths.append(camera_path(scene, plan, SETTINGS))
    assert len({(p.fx, p.cx) for p in paths}) > 1  # the lens differs between paths: they cannot share a launch
    small, step = _check_settings(SETTINGS)
    unlit = dataclasses.replace(plan, weather="overcast")
    together = _check_paths(scene, paths, small, step, "cpu")
    for path, seen in zip(paths, together, strict=True):
        alone = render(scene, low_res_path(path, small, step), unlit, small, normals=False)  # signs, materials, shadows
        expected = measure_visibility(scene, alone.instance)
        np.testing.assert_array_equal(seen.instance_ids, expected.instance_ids)
        np.testing.assert_array_equal(seen.coverage, expected.coverage)


def test_the_shot_does_not_depend_on_what_the_mesh_bank_kept(monkeypatch):
    """A worker's mesh bank keeps BVHs across renders (a clip's check renders and its final one): the shot chosen
    (scene, camera path, framing) is the same with a bank that lets go of everything before each render."""
    from worldmill.render import meshes
    from worldmill.render.framing import job_shot

    classes = SemanticClasses.load()
    cell = load_taxonomy().cells(["Lima"], ["zoo"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 1, 2), sample_id(cell.key, 1, 2), 1)
    kept = job_shot(plan, classes, SETTINGS)
    monkeypatch.setattr(meshes, "BANK_MAX_TRIANGLES", 0)
    bare = job_shot(plan, classes, SETTINGS)
    assert kept[2].checked > 1  # the shot was checked (several check renders)
    assert kept[0].to_json() == bare[0].to_json()
    np.testing.assert_array_equal(kept[1].camera_to_world, bare[1].camera_to_world)
    assert kept[2] == bare[2]
