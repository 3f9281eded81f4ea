"""Long takes: continue a finished clip with Cosmos-Predict2.5 Video2World (diffusers
``Cosmos2_5_PredictBasePipeline``), each new chunk conditioned on the last frames generated so far."""

from __future__ import annotations

import numpy as np
import torch

from worldmill.errors import ConfigError, GenerationError
from worldmill.generation.diffusion.cosmos_transfer import COSMOS_NEGATIVE_PROMPT, install_torchvision_standin
from worldmill.generation.diffusion.device import DeviceSettings, place_pipeline
from worldmill.generation.diffusion.guardrail import make_safety_checker
from worldmill.generation.diffusion.weights import check_weights_dir, cosmos_predict_layout


def load_cosmos_predict(weights_dir: str | None, settings: DeviceSettings, guardrail: str = "auto", guardrail_dir: str | None = None):
    """The Predict2.5 pipeline from local files; the Cosmos guardrail only from a local ``guardrail_dir``."""
    from diffusers import Cosmos2_5_PredictBasePipeline

    install_torchvision_standin()
    root = check_weights_dir(weights_dir, cosmos_predict_layout(), backend="cosmos-predict2.5")
    try:
        pipe = Cosmos2_5_PredictBasePipeline.from_pretrained(
            root / "predict", safety_checker=make_safety_checker(guardrail, guardrail_dir), dtype=settings.torch_dtype(), local_files_only=True
        )
    except (OSError, ValueError) as exc:
        raise GenerationError(f"{root / 'predict'} is not a loadable Cosmos-Predict2.5 folder: {exc}", fix="copy the diffusers weights there") from exc
    pipe.set_progress_bar_config(disable=True)
    return place_pipeline(pipe, settings)


def continue_clip(
    pipe,
    frames: np.ndarray,
    prompt: str,
    extra_frames: int,
    *,
    seed: int,
    steps: int = 36,
    chunk_frames: int = 93,
    num_latent_conditional_frames: int = 2,
    guidance_scale: float = 7.0,
    negative_prompt: str = COSMOS_NEGATIVE_PROMPT,
    max_sequence_length: int = 512,
) -> np.ndarray:
    """``frames`` (uint8 [T, H, W, 3]) followed by ``extra_frames`` new ones. Each chunk of ``chunk_frames``
    starts from the last 1 (one latent frame) or 5 (two) frames so far; those are not repeated in the output."""
    if extra_frames < 1:
        raise ConfigError(f"extra_frames={extra_frames} must be >= 1.", fix="ask for at least one new frame")
    if num_latent_conditional_frames not in (1, 2):
        raise ConfigError(f"num_latent_conditional_frames={num_latent_conditional_frames}.", fix="use 1 (last frame) or 2 (last 5 frames)")
    context = 4 * (num_latent_conditional_frames - 1) + 1
    if chunk_frames <= context:
        raise ConfigError(f"chunk_frames={chunk_frames} leaves no new frames after {context} context frames.", fix="use a longer chunk (93 by default)")
    if frames.shape[0] < context:
        raise GenerationError(f"The clip has {frames.shape[0]} frames; continuing needs at least {context}.", fix="use num_latent_conditional_frames=1")
    height, width = frames.shape[1:3]
    generator = torch.Generator("cpu").manual_seed(seed & 0x7FFF_FFFF_FFFF_FFFF)
    clip = frames
    while clip.shape[0] < frames.shape[0] + extra_frames:
        tail = [torch.from_numpy(f).permute(2, 0, 1).float() / 255.0 for f in clip[-context:]]
        out = pipe(
            video=tail, prompt=prompt, negative_prompt=negative_prompt, height=height, width=width,
            num_frames=chunk_frames, num_inference_steps=steps, guidance_scale=guidance_scale, generator=generator,
            max_sequence_length=max_sequence_length, num_latent_conditional_frames=num_latent_conditional_frames,
            output_type="np",
        ).frames[0]
        new = np.clip(out[context:] * 255.0 + 0.5, 0, 255).astype(np.uint8)
        clip = np.concatenate([clip, new], axis=0)
    return clip[: frames.shape[0] + extra_frames]
