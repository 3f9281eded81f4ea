"""Tiny randomly initialised diffusion components, written in the same local layouts as real weights.

Used by tests and by the CPU benchmark: they run the real pipeline code end to end in well under a second,
with no download. Nothing here is meant to make good pictures.
"""

from __future__ import annotations

import json
import string
from collections.abc import Sequence
from pathlib import Path

import torch

TINY_CROSS_DIM = 16


def write_clip_tokenizer(directory: Path, max_length: int = 16) -> Path:
    """A character-level CLIP BPE vocabulary (no merges): every prompt tokenizes, nothing is downloaded."""
    from transformers import CLIPTokenizer

    directory.mkdir(parents=True, exist_ok=True)
    chars = list(string.ascii_lowercase + string.digits + ".,'-")
    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for suffix in ("", "</w>"):
        for c in chars:
            vocab[c + suffix] = len(vocab)
    (directory / "vocab.json").write_text(json.dumps(vocab))
    (directory / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = CLIPTokenizer(str(directory / "vocab.json"), str(directory / "merges.txt"), model_max_length=max_length)
    tokenizer.save_pretrained(directory)
    return directory


def tiny_controlnet(seed: int):
    """A tiny ControlNet whose zero-initialised output layers are randomised, so the control has an effect."""
    from diffusers import ControlNetModel

    torch.manual_seed(seed)
    net = ControlNetModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        in_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        cross_attention_dim=TINY_CROSS_DIM,
        attention_head_dim=2,
        norm_num_groups=4,
        conditioning_embedding_out_channels=(4, 8),  # downsamples x2, like the tiny VAE
    )
    with torch.no_grad():
        for layer in [*net.controlnet_down_blocks, net.controlnet_mid_block, net.controlnet_cond_embedding.conv_out]:
            layer.weight.normal_(0.0, 0.3)
    return net


def tiny_sd_pipeline(modalities: Sequence[str], seed: int = 0):
    """An in-memory ``StableDiffusionControlNetPipeline`` with one tiny ControlNet per modality."""
    import tempfile

    from diffusers import (
        AutoencoderKL,
        DDIMScheduler,
        MultiControlNetModel,
        StableDiffusionControlNetPipeline,
        UNet2DConditionModel,
    )
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    torch.manual_seed(seed)
    unet = UNet2DConditionModel(
        block_out_channels=(8, 16),
        layers_per_block=1,
        sample_size=16,
        in_channels=4,
        out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"),
        up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=TINY_CROSS_DIM,
        attention_head_dim=2,
        norm_num_groups=4,
    )
    vae = AutoencoderKL(
        block_out_channels=(8, 16),
        in_channels=3,
        out_channels=3,
        down_block_types=("DownEncoderBlock2D",) * 2,
        up_block_types=("UpDecoderBlock2D",) * 2,
        latent_channels=4,
        norm_num_groups=4,
        sample_size=32,
    )
    text_encoder = CLIPTextModel(
        CLIPTextConfig(
            bos_token_id=0,
            eos_token_id=1,
            pad_token_id=1,
            hidden_size=TINY_CROSS_DIM,
            intermediate_size=16,
            layer_norm_eps=1e-5,
            num_attention_heads=2,
            num_hidden_layers=1,
            vocab_size=100,
            projection_dim=TINY_CROSS_DIM,
        )
    )
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = CLIPTokenizer.from_pretrained(write_clip_tokenizer(Path(tmp)), local_files_only=True)
    scheduler = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False, set_alpha_to_one=False, steps_offset=1)
    nets = [tiny_controlnet(seed + 1 + i) for i in range(len(modalities))]
    pipe = StableDiffusionControlNetPipeline(
        vae=vae,
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        unet=unet,
        controlnet=MultiControlNetModel(nets),
        scheduler=scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def write_tiny_sd_weights(root: Path, modalities: Sequence[str], seed: int = 0) -> Path:
    """Save a tiny pipeline as ``root/base`` (diffusers SD layout) + ``root/controlnet/{modality}``."""
    from diffusers import StableDiffusionPipeline

    pipe = tiny_sd_pipeline(modalities, seed)
    root = Path(root)
    base = StableDiffusionPipeline(
        vae=pipe.vae,
        text_encoder=pipe.text_encoder,
        tokenizer=pipe.tokenizer,
        unet=pipe.unet,
        scheduler=pipe.scheduler,
        safety_checker=None,
        feature_extractor=None,
        requires_safety_checker=False,
    )
    base.save_pretrained(root / "base")
    for modality, net in zip(modalities, pipe.controlnet.nets, strict=True):
        net.save_pretrained(root / "controlnet" / modality)
    return root
