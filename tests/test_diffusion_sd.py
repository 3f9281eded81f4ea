"""Multi-ControlNet SD backend on tiny random components (CPU, 32 px, 2 steps): real diffusers pipeline code."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

pytest.importorskip("diffusers")

from worldmill.errors import ConfigError, WeightsNotFoundError
from worldmill.generation.base import GenerationRequest
from worldmill.generation.diffusion.conditions import load_conditions
from worldmill.generation.diffusion.control_maps import ResidualMapHook, fuse_weights
from worldmill.generation.diffusion.device import torch_threads
from worldmill.generation.diffusion.sd_multicontrol import SDMultiControlConfig, SDMultiControlGenerator
from worldmill.generation.diffusion.synthetic import write_synthetic_conditions
from worldmill.generation.diffusion.tiny import tiny_sd_pipeline, write_tiny_sd_weights
from worldmill.schemas.plan import RenderSettings

MODALITIES = ("edge", "depth")
SETTINGS = RenderSettings(width=32, height=32, frames=4, fps=24)

@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    with torch_threads(1):  # tiny models on shared cores: more threads mostly spin
        yield



@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return write_synthetic_conditions(tmp_path_factory.mktemp("cond") / "sample", SETTINGS, motion="truck")


@pytest.fixture(scope="module")
def conditions(clip):
    return load_conditions(clip.directory, MODALITIES)


@pytest.fixture(scope="module")
def generator():
    return SDMultiControlGenerator(pipeline=tiny_sd_pipeline(MODALITIES), modalities=MODALITIES, steps=2, device="cpu", scheduler="ddim")


def ones(conditions):
    return np.ones(conditions.rgb.shape[:3], np.float32)


def stock(generator, conditions, frames, seed, scales):
    """The unmodified diffusers call (hooks inactive) with the backend's noise and prompt embeddings."""
    pipe, cfg = generator.pipe, generator.config
    pe, ne = pipe.encode_prompt(conditions.prompt, "cpu", 1, True, cfg.negative_prompt)
    n = len(frames)
    images = [torch.from_numpy(conditions.controls[m][frames]).permute(0, 3, 1, 2).float() / 255 for m in cfg.modalities]
    result = pipe(
        prompt_embeds=pe.repeat(n, 1, 1), negative_prompt_embeds=ne.repeat(n, 1, 1), image=images, height=32, width=32,
        num_inference_steps=cfg.steps, guidance_scale=cfg.guidance_scale, controlnet_conditioning_scale=scales,
        latents=generator.clip_noise(seed, 32, 32).expand(n, -1, -1, -1), output_type="np",
        generator=torch.Generator("cpu").manual_seed(seed & 0x7FFF_FFFF),
    )
    return np.clip(result.images * 255.0 + 0.5, 0, 255).astype(np.uint8)


def test_output_shape_and_determinism_by_seed(generator, conditions):
    a = generator.diffuse(conditions, range(4), seed=11)
    b = generator.diffuse(conditions, range(4), seed=11)
    c = generator.diffuse(conditions, range(4), seed=12)
    assert a.shape == (4, 32, 32, 3) and a.dtype == np.uint8
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)


def test_a_frame_does_not_depend_on_its_batch(generator, conditions):
    full = generator.diffuse(conditions, range(4), seed=5)
    part = generator.diffuse(conditions, [2, 3], seed=5)
    assert np.array_equal(full[2:], part)


def test_all_ones_maps_equal_the_stock_pipeline(generator, conditions):
    # two all-ones maps sum to 2 > 1, so Transfer1's rule halves each: stock pipeline at scale 0.5 + 0.5
    fused = fuse_weights({m: ones(conditions) for m in MODALITIES})
    ours = generator.diffuse(conditions, [0, 1], seed=3, maps=fused)
    assert np.array_equal(ours, stock(generator, conditions, [0, 1], 3, [0.5, 0.5]))
    # one full branch and one silent branch: exactly the stock pipeline at scales (1, 0)
    maps = {"edge": ones(conditions), "depth": np.zeros_like(ones(conditions))}
    ours = generator.diffuse(conditions, [0, 1], seed=3, maps=maps)
    assert np.array_equal(ours, stock(generator, conditions, [0, 1], 3, [1.0, 0.0]))
    assert not np.array_equal(ours, stock(generator, conditions, [0, 1], 3, [0.5, 0.5]))


def test_changing_one_modality_map_in_one_frame_changes_only_that_frame(generator, conditions):
    maps = fuse_weights({m: ones(conditions) * 0.5 for m in MODALITIES})
    base = generator.diffuse(conditions, range(4), seed=9, maps=maps)
    changed = {k: v.copy() for k, v in maps.items()}
    changed["depth"][2] = 0.0
    out = generator.diffuse(conditions, range(4), seed=9, maps=changed)
    differs = [not np.array_equal(base[t], out[t]) for t in range(4)]
    assert differs == [False, False, True, False]


def test_map_hook_scales_residuals_only_where_the_map_changes():
    hook = ResidualMapHook("edge")
    residual = torch.randn(4, 3, 8, 8)  # batch 4 = 2 frames x (uncond, cond)
    weight = torch.ones(2, 32, 32)
    hook.set_map(weight)
    (same,), mid = hook(None, (), ([residual], residual))
    assert torch.equal(same, residual) and torch.equal(mid, residual)
    weight = weight.clone()
    weight[1, :16, :16] = 0.0  # top-left quarter of frame 1
    hook.set_map(weight)
    (scaled,), _ = hook(None, (), ([residual], residual))
    changed = (scaled != residual).any(dim=1)
    expected = torch.zeros(4, 8, 8, dtype=torch.bool)
    expected[[1, 3], :4, :4] = True  # frame 1 in both CFG halves, the quarter at residual resolution
    assert torch.equal(changed, expected)
    assert torch.all(scaled[1, :, :4, :4] == 0)


def test_fuse_weights_follows_transfer1_normalisation():
    maps = {"vis": np.array([[0.8, 0.2]]), "seg": np.array([[0.8, 0.3]]), "edge": np.array([[-1.0, 0.1]])}
    fused = fuse_weights(maps)
    np.testing.assert_allclose(fused["vis"], [[0.5, 0.2]])  # 0.8 / 1.6 where the sum exceeds 1
    np.testing.assert_allclose(fused["seg"], [[0.5, 0.3]])  # unchanged where the sum is <= 1
    np.testing.assert_allclose(fused["edge"], [[0.0, 0.1]])  # negatives clamp to 0
    np.testing.assert_allclose(fuse_weights(maps, {"seg": 0.0})["vis"], [[0.8, 0.2]])


@pytest.mark.parametrize("scheduler", ["unipc", "lcm", "ddim", "euler"])
def test_schedulers_are_selectable(scheduler, conditions):
    from diffusers import DDIMScheduler, EulerDiscreteScheduler, LCMScheduler, UniPCMultistepScheduler

    gen = SDMultiControlGenerator(pipeline=tiny_sd_pipeline(MODALITIES), modalities=MODALITIES, steps=2, device="cpu", scheduler=scheduler)
    kinds = {"unipc": UniPCMultistepScheduler, "lcm": LCMScheduler, "ddim": DDIMScheduler, "euler": EulerDiscreteScheduler}
    assert isinstance(gen.pipe.scheduler, kinds[scheduler])
    assert gen.diffuse(conditions, [0], seed=1).shape == (1, 32, 32, 3)


def test_config_rejects_unknown_settings():
    with pytest.raises(ConfigError, match="scheduler"):
        SDMultiControlConfig(scheduler="turbo")
    with pytest.raises(ConfigError, match="modalities"):
        SDMultiControlConfig(modalities=("lidar",))
    with pytest.raises(ConfigError, match="Unknown sd-multicontrolnet settings"):
        SDMultiControlConfig.from_kwargs(stepz=3)


def test_missing_or_incomplete_weights_list_what_is_expected(tmp_path):
    with pytest.raises(WeightsNotFoundError, match="No weights directory configured") as err:
        SDMultiControlGenerator(modalities=MODALITIES, device="cpu").load()
    assert "controlnet/edge/" in str(err.value) and "base/unet/" in str(err.value)
    with pytest.raises(WeightsNotFoundError, match="hub ids and URLs are not accepted"):
        SDMultiControlGenerator(weights_dir="runwayml/stable-diffusion-v1-5", modalities=MODALITIES, device="cpu").load()
    root = write_tiny_sd_weights(tmp_path / "w", ("edge",))  # no depth ControlNet
    (root / "base" / "unet" / "diffusion_pytorch_model.safetensors").unlink()
    with pytest.raises(WeightsNotFoundError, match="incomplete") as err:
        SDMultiControlGenerator(weights_dir=str(root), modalities=MODALITIES, device="cpu").load()
    assert "controlnet/depth/ (directory missing)" in str(err.value)
    assert "base/unet/*.safetensors (no weight file)" in str(err.value)


def test_generate_from_a_local_weights_dir_writes_footage_and_report(tmp_path, clip):
    from worldmill import video

    root = write_tiny_sd_weights(tmp_path / "w", MODALITIES)
    gen = SDMultiControlGenerator(weights_dir=str(root), modalities=MODALITIES, steps=2, device="cpu", dtype="fp32")
    out = tmp_path / "clip" / "rgb.mp4"
    request = GenerationRequest(sample_id=clip.plan.sample_id, plan=clip.plan, prompt="", seed=4, settings=SETTINGS, conditions_dir=clip.directory, out_path=out)
    result = gen.generate(request)
    frames = video.read_frames(out)
    assert frames.shape == (4, 32, 32, 3) and (result.frames, result.width, result.height) == (4, 32, 32)
    report = json.loads((tmp_path / "clip" / "rgb.generation.json").read_text())
    assert report["guardrail"] == "none" and not report["blocked"]  # faces: the clips stage blurs them
    assert report["denoising_steps"] == 8 and report["steps_per_output_frame"] == 2.0


@pytest.mark.parametrize("name", ["sd-multicontrolnet", "sd-keyframe", "cosmos-transfer2.5"])
def test_backends_build_by_name_from_json_options(name, monkeypatch):
    from worldmill.generation import BACKENDS, get_generator
    from worldmill.generation.diffusion import DIFFUSION_BACKENDS

    for key, target in DIFFUSION_BACKENDS.items():
        monkeypatch.setitem(BACKENDS, key, target)
    options = json.loads('{"weights_dir": "/weights", "modalities": ["edge", "depth"], "device": "cpu", "dtype": "fp32", "steps": 3}')
    gen = get_generator(name, **options)
    assert gen.name == name
    config = getattr(gen, "diffuser", gen).config
    assert config.steps == 3 and config.modalities == ("edge", "depth") and config.device.dtype == "fp32"
