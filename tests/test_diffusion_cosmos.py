"""Cosmos-Transfer2.5 multi-control on tiny random components (CPU, 32 px, 2 steps, no downloads)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("diffusers")

from worldmill.errors import WeightsNotFoundError
from worldmill.generation.base import GenerationRequest
from worldmill.generation.diffusion.conditions import load_conditions
from worldmill.generation.diffusion.cosmos_transfer import CosmosTransferGenerator, transfer_multi_control
from worldmill.generation.diffusion.device import torch_threads
from worldmill.generation.diffusion.synthetic import write_synthetic_conditions
from worldmill.generation.diffusion.tiny import tiny_cosmos_transfer, write_tiny_cosmos_weights
from worldmill.schemas.plan import RenderSettings

SETTINGS = RenderSettings(width=32, height=32, frames=9, fps=24)
MODALITIES = ("edge", "depth")
RUN = {"steps": 2, "negative_prompt": "bad", "num_frames_per_chunk": 5, "num_ar_conditional_frames": 1, "max_sequence_length": 16}


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    with torch_threads(1):  # tiny models on shared cores: more threads mostly spin
        yield


@pytest.fixture(scope="module")
def tiny():
    return tiny_cosmos_transfer(MODALITIES)


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_synthetic_conditions(tmp_path_factory.mktemp("cosmos") / "sample", SETTINGS, motion="truck")


@pytest.fixture(scope="module")
def conditions(clip):
    return load_conditions(clip.directory, MODALITIES)


def ones(frames=9):
    return np.ones((frames, 32, 32), np.float32)


def run(tiny, conditions, maps, *, frames=9, seed=5, modalities=MODALITIES, shared_noise=False, controls=None):
    pipe, nets = tiny
    index = [MODALITIES.index(m) for m in modalities]
    controls = controls or [conditions.controls[m][:frames] for m in modalities]
    return transfer_multi_control(
        pipe, [nets[i] for i in index], controls, maps, "a zoo at noon", seed=seed, shared_noise=shared_noise,
        generator=torch.Generator().manual_seed(seed), **RUN,
    )


def test_one_control_with_an_all_ones_map_is_the_stock_pipeline(tiny, conditions):
    pipe, nets = tiny
    pipe.controlnet = nets[0]
    stock = pipe(
        controls=[torch.from_numpy(f).permute(2, 0, 1).float() / 255 for f in conditions.controls["edge"]],
        prompt="a zoo at noon", negative_prompt="bad", height=32, width=32, num_frames=9, num_frames_per_chunk=5,
        num_ar_conditional_frames=1, num_inference_steps=2, max_sequence_length=16, output_type="np",
        generator=torch.Generator().manual_seed(5),
    ).frames[0]
    ours = run(tiny, conditions, [ones()], modalities=("edge",))
    assert ours.shape == (9, 32, 32, 3)  # two chunks of 5 frames sharing one
    # the stock pipeline passes its output through uint8 once (for the safety checker): compare at that precision
    assert np.array_equal(np.floor(ours * 255), np.round(stock * 255))


def test_a_zero_map_silences_its_modality(tiny, conditions):
    alone = run(tiny, conditions, [ones(5)], frames=5, modalities=("edge",))
    silenced = run(tiny, conditions, [ones(5), np.zeros((5, 32, 32), np.float32)], frames=5)
    both = run(tiny, conditions, [ones(5) * 0.5, ones(5) * 0.5], frames=5)
    assert np.array_equal(alone, silenced)
    assert not np.allclose(alone, both)


def test_shared_noise_is_deterministic_by_seed(tiny, conditions):
    a = run(tiny, conditions, [ones() * 0.5, ones() * 0.5], shared_noise=True, seed=3)
    b = run(tiny, conditions, [ones() * 0.5, ones() * 0.5], shared_noise=True, seed=3)
    c = run(tiny, conditions, [ones() * 0.5, ones() * 0.5], shared_noise=True, seed=4)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_chunks_are_chained_across_the_seam(tiny, conditions):
    """Chunk 2 (frames 5..8) is conditioned on chunk 1's last frame: changing only chunk 1's controls must
    change chunk 2's output, while chunk 1 never depends on later controls (generation is causal)."""
    maps = [ones() * 0.5, ones() * 0.5]
    base = run(tiny, conditions, maps, shared_noise=True)
    early = [c.copy() for c in (conditions.controls["edge"], conditions.controls["depth"])]
    for c in early:
        c[:4] = 255 - c[:4]  # frames only chunk 1 sees
    changed_early = run(tiny, conditions, maps, shared_noise=True, controls=early)
    late = [c.copy() for c in (conditions.controls["edge"], conditions.controls["depth"])]
    for c in late:
        c[5:] = 255 - c[5:]  # frames only chunk 2 sees
    changed_late = run(tiny, conditions, maps, shared_noise=True, controls=late)
    assert not np.allclose(base[5:], changed_early[5:], atol=1e-4)  # information crosses the seam
    assert np.array_equal(base[:5], changed_late[:5])  # and only forwards


def test_generate_from_local_weights_writes_footage_and_report(tmp_path, clip):
    root = write_tiny_cosmos_weights(tmp_path / "w", MODALITIES)
    gen = CosmosTransferGenerator(
        weights_dir=str(root), modalities=MODALITIES, steps=2, num_frames_per_chunk=5, max_sequence_length=16, device="cpu"
    )
    out = tmp_path / "clip" / "rgb.mp4"
    result = gen.generate(GenerationRequest(clip.plan.sample_id, clip.plan, "", 2, SETTINGS, clip.directory, out))
    assert (result.frames, result.width, result.height) == (9, 32, 32) and out.is_file()
    report = json.loads((tmp_path / "clip" / "rgb.generation.json").read_text())
    assert report["backend"] == "cosmos-transfer2.5" and report["denoising_steps"] == 4  # 2 chunks x 2 steps
    assert report["guardrail"] == "none" and report["extra"]["pipeline_safety_checker"] == "PassThroughSafetyChecker"


def test_missing_weights_list_the_transfer25_layout(tmp_path):
    with pytest.raises(WeightsNotFoundError) as err:
        CosmosTransferGenerator(weights_dir=str(tmp_path), modalities=("seg",), device="cpu").load()
    assert "base/transformer/ (directory missing)" in str(err.value) and "controlnet/seg/" in str(err.value)


def test_predict_continues_a_clip_from_its_last_frames():
    from worldmill.generation.diffusion.cosmos_predict import continue_clip
    from worldmill.generation.diffusion.tiny import tiny_cosmos_predict

    pipe = tiny_cosmos_predict()
    frames = (np.random.default_rng(0).random((6, 32, 32, 3)) * 255).astype(np.uint8)
    kwargs = {"steps": 2, "chunk_frames": 9, "num_latent_conditional_frames": 2, "max_sequence_length": 16}
    longer = continue_clip(pipe, frames, "a zoo", 7, seed=1, **kwargs)  # 4 new frames per chunk: two chunks
    assert longer.shape == (13, 32, 32, 3) and np.array_equal(longer[:6], frames)
    assert np.array_equal(longer, continue_clip(pipe, frames, "a zoo", 7, seed=1, **kwargs))
    other_tail = frames.copy()
    other_tail[-1] = 255 - other_tail[-1]
    assert not np.array_equal(longer[6:], continue_clip(pipe, other_tail, "a zoo", 7, seed=1, **kwargs)[6:])


def test_prompt_upsampler_is_off_by_default_and_seeded(tmp_path):
    from worldmill.generation.diffusion.prompt_upsampler import maybe_upsample
    from worldmill.generation.diffusion.tiny import write_tiny_causal_lm

    assert maybe_upsample("a zoo at noon", 3, None) == "a zoo at noon"
    model = str(write_tiny_causal_lm(tmp_path / "lm"))
    first = maybe_upsample("a zoo at noon", 3, model)
    assert first == maybe_upsample("a zoo at noon", 3, model) and first != "a zoo at noon"
    assert first != maybe_upsample("a zoo at noon", 4, model)
    with pytest.raises(WeightsNotFoundError, match="no config.json"):
        maybe_upsample("a zoo", 1, str(tmp_path / "missing"))
