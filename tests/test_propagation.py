"""Keyframe diffusion + geometry-aware propagation on an analytic scene with exact depth and poses."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from worldmill.errors import ConfigError, GenerationError
from worldmill.generation.diffusion.conditions import CameraTrack, parse_camera
from worldmill.generation.diffusion.device import torch_threads
from worldmill.generation.diffusion.synthetic import render_synthetic
from worldmill.generation.propagation import (
    PropagationSettings,
    _Scene,
    propagate,
    select_keyframes,
    warping_error,
    z_depth,
)
from worldmill.schemas.plan import RenderSettings

SIZE = RenderSettings(width=64, height=48, frames=12, fps=24)

@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    with torch_threads(1):  # tiny models on shared cores: more threads mostly spin
        yield



@pytest.fixture(scope="module")
def scenes():
    return {m: render_synthetic(SIZE, m) for m in ("static", "truck", "pan")}


def test_static_camera_reproduces_exactly(scenes):
    rgb, depth, _, camera = scenes["static"]
    settings = PropagationSettings(keyframe_interval=5)
    keys = select_keyframes(depth, camera, settings)
    assert keys == [0, 5, 10, 11]
    result = propagate({k: rgb[k] for k in keys}, depth, camera, settings)
    assert np.array_equal(result.frames, rgb)
    assert result.hole_fraction.max() == 0.0
    # one keyframe carried over the whole clip is copied bit for bit
    single = propagate({0: rgb[0]}, depth, camera, settings)
    assert all(np.array_equal(single.frames[t], rgb[0]) for t in range(SIZE.frames))


@pytest.mark.parametrize("motion", ["truck", "pan"])
def test_reprojection_matches_the_true_render_where_the_keyframe_sees(scenes, motion):
    rgb, depth, _, camera = scenes[motion]
    scene = _Scene(depth, camera, None)
    warped, valid = scene.warp(0, rgb[0], 3, 0.02)
    valid = valid.numpy()
    error = np.abs(warped.numpy() - rgb[3]).mean(axis=-1)[valid]
    assert 0.8 < valid.mean() < 1.0  # some pixels are new in frame 3 (disocclusion or frame border)
    assert np.median(error) < 3.0 and error.mean() < 10.0
    shuffled = np.abs(np.roll(rgb[0], 7, axis=1).astype(float) - rgb[3]).mean(axis=-1)[valid]
    assert shuffled.mean() > 3 * error.mean()


def test_disocclusion_behind_the_box_is_detected(scenes):
    rgb, depth, seg, camera = scenes["truck"]
    _, valid = _Scene(depth, camera, None).warp(0, rgb[0], 11, 0.02)
    hidden = ~valid.numpy()
    # pixels of the back wall / floor right beside the box that frame 0 could not see
    assert hidden.any()
    assert (seg[11][hidden] != 3).mean() > 0.5


def test_keyframes_follow_the_motion(scenes):
    settings = PropagationSettings(keyframe_interval=6, max_hole_fraction=0.0)
    static = select_keyframes(scenes["static"][1], scenes["static"][3], settings)
    moving = select_keyframes(scenes["truck"][1], scenes["truck"][3], settings)
    assert static[0] == moving[0] == 0 and static[-1] == moving[-1] == SIZE.frames - 1
    assert len(moving) > len(static)
    assert all(b - a <= 6 for a, b in itertools.pairwise(moving))


def test_propagated_frames_are_steadier_than_independent_noise(scenes):
    rgb, depth, _, camera = scenes["truck"]
    rng = np.random.default_rng(0)
    # stand-in for per-frame diffusion: each frame gets its own appearance perturbation
    per_frame = np.clip(rgb.astype(int) + rng.integers(-25, 26, rgb.shape), 0, 255).astype(np.uint8)
    settings = PropagationSettings(keyframe_interval=4)
    keys = select_keyframes(depth, camera, settings)
    propagated = propagate({k: per_frame[k] for k in keys}, depth, camera, settings).frames
    assert warping_error(propagated, depth, camera) < 0.6 * warping_error(per_frame, depth, camera)


def test_holes_are_filled_by_diffusion_when_asked(scenes):
    rgb, depth, _, camera = scenes["truck"]
    calls = []

    def diffuse(indices):
        calls.append(list(indices))
        return np.full((len(indices), *rgb.shape[1:]), 200, np.uint8)

    settings = PropagationSettings(keyframe_interval=11, max_hole_fraction=1.0, hole_fill="diffuse", diffuse_min_hole_fraction=0.0)
    result = propagate({0: rgb[0], 11: rgb[11]}, depth, camera, settings, diffuse_frames=diffuse)
    assert calls and calls[0] == list(result.filled_by_diffusion)
    t = result.filled_by_diffusion[0]
    assert result.hole_fraction[t] > 0
    assert (result.frames[t] == 200).all(axis=-1).mean() >= result.hole_fraction[t] - 1e-9


def test_opengl_camera_and_range_depth_are_converted(scenes):
    _, depth, _, camera = scenes["truck"]
    flip = np.diag([1.0, -1.0, -1.0, 1.0])
    intr = {"fx": camera.K[0, 0], "fy": camera.K[1, 1], "cx": camera.K[0, 2], "cy": camera.K[1, 2], "width": 64, "height": 48}
    gl = parse_camera({"intrinsics": intr, "camera_to_world": (camera.camera_to_world @ flip).tolist(), "convention": "opengl"})
    np.testing.assert_allclose(gl.camera_to_world, camera.camera_to_world, atol=1e-12)
    x, y = np.meshgrid((np.arange(64) + 0.5 - camera.K[0, 2]) / camera.K[0, 0], (np.arange(48) + 0.5 - camera.K[1, 2]) / camera.K[1, 1])
    rays = np.sqrt(x**2 + y**2 + 1.0)
    ranged = CameraTrack(camera.K, camera.camera_to_world, 64, 48, depth_kind="range")
    np.testing.assert_allclose(z_depth(depth[0] * rays, ranged), depth[0], rtol=1e-5)
    with pytest.raises(GenerationError, match="convention"):
        parse_camera({"intrinsics": intr, "camera_to_world": [np.eye(4).tolist()], "convention": "blender"})


def test_settings_are_validated():
    with pytest.raises(ConfigError, match="hole_fill"):
        PropagationSettings(hole_fill="magic")
    with pytest.raises(ConfigError, match="keyframe_interval"):
        PropagationSettings(keyframe_interval=0)
