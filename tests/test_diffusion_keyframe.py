"""The sd-keyframe backend end to end: tiny SD diffuses keyframes, geometry carries them to the rest."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("diffusers")

from worldmill.generation.base import GenerationRequest
from worldmill.generation.diffusion.conditions import load_conditions
from worldmill.generation.diffusion.device import torch_threads
from worldmill.generation.diffusion.sd_multicontrol import SDMultiControlGenerator
from worldmill.generation.diffusion.synthetic import write_synthetic_conditions
from worldmill.generation.diffusion.tiny import tiny_sd_pipeline
from worldmill.generation.propagation import KeyframeGenerator, PropagationSettings, keyframe_video, warping_error
from worldmill.schemas.plan import RenderSettings

MODALITIES = ("edge", "depth")
SETTINGS = RenderSettings(width=32, height=32, frames=10, fps=24)

@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    with torch_threads(1):  # tiny models on shared cores: more threads mostly spin
        yield



@pytest.fixture(scope="module")
def diffuser():
    return SDMultiControlGenerator(pipeline=tiny_sd_pipeline(MODALITIES), modalities=MODALITIES, steps=2, device="cpu")


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("kf")
    return {m: write_synthetic_conditions(root / m, SETTINGS, motion=m) for m in ("static", "truck")}


def test_static_camera_copies_the_keyframe_exactly(diffuser, clips):
    conditions = load_conditions(clips["static"].directory, MODALITIES)
    frames, stats = keyframe_video(diffuser, conditions, 3, PropagationSettings(keyframe_interval=8))
    assert stats.keyframes == (0, 8, 9)
    first, last = diffuser.diffuse(conditions, [0, 8], 3).astype(np.float64)
    for t in range(1, 8):  # the identity reprojection: each frame is the time-weighted blend of its keyframes
        w0, w8 = 1 / t, 1 / (8 - t)
        expected = np.clip(np.round((w0 * first + w8 * last) / (w0 + w8)), 0, 255).astype(np.uint8)
        # one level of slack: keyframes diffused in a batch of 3 vs 2 can differ by a float ulp before rounding
        assert np.abs(frames[t].astype(int) - expected.astype(int)).max() <= 1
    assert stats.steps_per_output_frame == pytest.approx(2 * 3 / 10)


def test_fewer_steps_and_steadier_than_per_frame_diffusion(diffuser, clips):
    conditions = load_conditions(clips["truck"].directory, MODALITIES)
    per_frame = diffuser.diffuse(conditions, range(SETTINGS.frames), 3)
    frames, stats = keyframe_video(diffuser, conditions, 3, PropagationSettings(keyframe_interval=6, max_hole_fraction=0.2))
    assert stats.steps_per_output_frame < diffuser.config.steps
    for k in stats.keyframes:  # keyframes are exactly what per-frame diffusion makes of them
        assert np.array_equal(frames[k], per_frame[k])
    ours = warping_error(frames, conditions.depth_m, conditions.camera)
    theirs = warping_error(per_frame, conditions.depth_m, conditions.camera)
    assert ours < theirs


def test_generate_writes_footage_and_a_report_with_the_savings(diffuser, clips, tmp_path):
    clip = clips["truck"]
    gen = KeyframeGenerator(diffuser=diffuser, propagation=PropagationSettings(keyframe_interval=6, max_hole_fraction=0.2))
    out = tmp_path / "rgb.mp4"
    request = GenerationRequest(clip.plan.sample_id, clip.plan, "", 3, SETTINGS, clip.directory, out)
    result = gen.generate(request)
    assert (result.frames, result.width, result.height) == (10, 32, 32) and out.is_file()
    report = json.loads((tmp_path / "rgb.generation.json").read_text())
    assert report["backend"] == "sd-keyframe"
    assert report["steps_per_output_frame"] < 2.0
    assert report["extra"]["keyframes"][0] == 0 and report["extra"]["keyframes"][-1] == 9


def test_keyframe_backend_builds_from_flat_options():
    gen = KeyframeGenerator(weights_dir="/nonexistent", modalities=["edge"], keyframe_interval=4, steps=3, device="cpu")
    assert gen.propagation.keyframe_interval == 4
    assert gen.diffuser.config.steps == 3 and gen.diffuser.config.modalities == ("edge",)
