"""No planned clip is static with nothing moving: a fixed camera always sees something move."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest_scenes import make_plan

from worldmill.metrics.quality import QualityThresholds, motion
from worldmill.render import render
from worldmill.scenes import build_scene, camera_path, liven
from worldmill.scenes.motion import MIN_FIXED_MOTION, camera_is_fixed, motion_estimate, moving_in_view
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy.classes import SemanticClasses

SETTINGS = RenderSettings(width=96, height=96, frames=24, fps=24)
GROUND_LEVEL = ("hospital", "zoo", "museum", "amusement_park", "interior_hall", "open_air", "stadium")


@pytest.fixture(scope="module")
def classes() -> SemanticClasses:
    return SemanticClasses.load()


@pytest.mark.parametrize("archetype", GROUND_LEVEL)
@pytest.mark.parametrize("seed", [1, 3])
def test_a_fixed_camera_sees_something_move(classes, archetype, seed):
    plan = make_plan(archetype, seed, camera_motion="static", people_density=0.2, camera_height_m=2.0)
    scene = build_scene(plan, classes)
    path = camera_path(scene, plan, SETTINGS)
    eyes = path.camera_to_world[:, :3, 3]
    assert np.allclose(eyes, eyes[:1])  # a fixed spot (it may turn to follow a subject that walks)
    scene = liven(scene, path, classes, plan.season)
    assert moving_in_view(scene, path)
    passes = render(scene, path, plan, SETTINGS, normals=False)
    changed = (passes.instance[0] != passes.instance[-1]).mean()
    assert changed > 0.003, f"{archetype} seed {seed}: {changed:.4f} of the pixels change"
    gray = np.stack([cv2.cvtColor(np.ascontiguousarray(f), cv2.COLOR_RGB2GRAY) for f in passes.rgb])
    flow = motion(gray)[0]
    assert flow >= QualityThresholds().min_motion, f"{archetype} seed {seed}: {flow:.3f} px/frame, a static clip"


@pytest.mark.parametrize("archetype", ["zoo", "amusement_park"])
def test_walkers_added_to_a_high_fixed_shot_show_in_its_frame(classes, archetype):
    """From 4 m up a level camera sees nobody within ~6 m of its feet: walkers liven puts there would cross
    below the frame (the clip stays frozen, the prompt names them). Every one added shows head to waist."""
    plan = make_plan(archetype, 3, camera_motion="static", people_density=0.0, camera_height_m=4.0)
    scene = build_scene(plan, classes)
    path = camera_path(scene, plan, SETTINGS)
    added = liven(scene, path, classes, plan.season).objects[len(scene.objects) :]
    assert added
    c2w, middle = path.camera_to_world[0], path.frames / path.fps / 2
    for walker in added:
        feet = np.asarray(walker.parts[0].center) - [0, 0, walker.parts[0].size[2] / 2]
        for up in (1.2, 1.8):
            cam = (feet + np.asarray(walker.velocity) * middle + [0, 0, up] - c2w[:3, 3]) @ c2w[:3, :3]
            v = path.fy * cam[1] / cam[2] + path.cy
            assert cam[2] > 0 and 0 <= v < path.height, f"{archetype}: a walker {up} m up is outside the frame"


def test_liven_leaves_moving_cameras_and_busy_shots_alone(classes):
    plan = make_plan("open_air", 2, camera_motion="walkthrough")
    scene = build_scene(plan, classes)
    path = camera_path(scene, plan, SETTINGS)
    assert not camera_is_fixed(path)
    assert liven(scene, path, classes, plan.season) is scene
    busy = 0
    for seed in range(1, 7):  # a shot whose own movers already clear the filter's floor twice over keeps as it was
        still = make_plan("amusement_park", seed, camera_motion="static", camera_height_m=2.0, people_density=1.0)
        scene = build_scene(still, classes)
        path = camera_path(scene, still, SETTINGS)
        if camera_is_fixed(path) and motion_estimate(scene, path) >= MIN_FIXED_MOTION:
            busy += 1
            assert liven(scene, path, classes, still.season) is scene
    assert busy
