"""depth.mkv on aerial shots: a high skyline orbit, almost all of it beyond the 65.5 m that millimetres reach,
is stored in a coarser unit that camera.json names, read back unsaturated, and scored for depth."""

from __future__ import annotations

import json

import numpy as np
import pytest

from worldmill import video
from worldmill.errors import VideoError
from worldmill.metrics import score_controllability
from worldmill.metrics.controllability import ControlEstimators
from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.render import read_depth_m, render, render_samples
from worldmill.render.conditions import DEPTH_SATURATED
from worldmill.render.framing import framed_camera_path
from worldmill.scenes import build_scene
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy import load_taxonomy
from worldmill.taxonomy.classes import SemanticClasses

SETTINGS = RenderSettings(width=64, height=64, frames=8, fps=24)
MILLIMETRE_RANGE_M = 65.535


def aerial_orbit_plan():
    """The first high orbit the Shanghai downtown cell plans."""
    cell = load_taxonomy().cells(["Shanghai"], ["downtown"])[0]
    for index in range(64):
        plan = sample_plan(cell, seed_for(cell.key, 0, index), sample_id(cell.key, 0, index))
        if plan.archetype == "skyline" and plan.camera_motion == "orbit" and plan.camera_height_m > 150:
            return plan
    raise AssertionError("the downtown cell planned no high skyline orbit in 64 samples")


@pytest.fixture(scope="module")
def aerial(tmp_path_factory):
    """(sample dir, rendered float depth) of one aerial orbit."""
    plan = aerial_orbit_plan()
    out = tmp_path_factory.mktemp("aerial") / plan.sample_id
    render_samples([plan], SETTINGS, [out], workers=1)
    scene = build_scene(plan, SemanticClasses.load())
    path, _ = framed_camera_path(scene, plan, SETTINGS)  # the path render_samples rendered it along
    passes = render(scene, path, plan, SETTINGS, normals=False)
    return out, passes.depth


def test_aerial_depth_is_stored_in_a_unit_that_reaches_it(aerial):
    out, rendered = aerial
    hit = np.isfinite(rendered)
    assert (rendered[hit] > MILLIMETRE_RANGE_M).mean() > 0.9  # millimetres would saturate nearly every pixel
    unit = json.loads((out / "camera.json").read_text())["depth_unit_m"]
    assert unit > 0.001
    steps = video.read_gray16(out / "depth.mkv")
    assert (steps[hit] == DEPTH_SATURATED).mean() <= 0.02
    depth = read_depth_m(out)
    assert depth.dtype == np.float32 and depth.shape == rendered.shape
    np.testing.assert_array_equal(np.isinf(depth[~hit]), True)  # sky stays unknown
    stored = np.isfinite(depth)
    assert stored.sum() >= 0.98 * hit.sum() and not (stored & ~hit).any()
    error = np.abs(depth[stored].astype(np.float64) - rendered[stored])
    assert error.max() <= unit / 2 + 1e-6 * rendered[stored].max()


def test_aerial_controllability_scores_depth(aerial):
    out, rendered = aerial
    frames = video.read_frames(out / "input.mp4")
    exact = score_controllability(frames, out, footage_is_render=True)
    assert exact.depth_si_rmse == pytest.approx(0.0, abs=1e-9)
    estimated = score_controllability(frames, out, estimators=ControlEstimators(depth=lambda _: rendered * 2.0))
    assert estimated.depth_si_rmse is not None and 0.0 < estimated.depth_si_rmse < 1e-2
    shuffled = score_controllability(frames, out, estimators=ControlEstimators(depth=lambda _: rendered[:, ::-1]))
    assert shuffled.depth_si_rmse > 10 * estimated.depth_si_rmse


def test_depth_without_its_unit_is_refused(aerial, tmp_path):
    out, _ = aerial
    (tmp_path / "depth.mkv").write_bytes((out / "depth.mkv").read_bytes())
    with pytest.raises(VideoError, match="camera.json is missing"):
        read_depth_m(tmp_path)
    (tmp_path / "camera.json").write_text(json.dumps({"convention": "opencv"}))
    with pytest.raises(VideoError, match="depth_unit_m=None"):
        read_depth_m(tmp_path)
