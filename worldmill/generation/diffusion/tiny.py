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


def _byte_level_alphabet() -> list[str]:
    """GPT-2's byte-to-unicode alphabet: a byte-level BPE vocabulary without merges covers every text."""
    kept = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAC + 1)) + list(range(0xAE, 0xFF + 1))
    codes, extra = kept[:], 0
    for b in range(256):
        if b not in kept:
            kept.append(b)
            codes.append(256 + extra)
            extra += 1
    return [chr(c) for c in codes]


def write_qwen_tokenizer(directory: Path) -> Path:
    """A byte-level Qwen2 tokenizer (no merges) with a minimal chat template, written to ``directory``."""
    from transformers import Qwen2Tokenizer

    directory.mkdir(parents=True, exist_ok=True)
    vocab = {c: i for i, c in enumerate(_byte_level_alphabet())}
    for token in ("<|endoftext|>", "<|im_start|>", "<|im_end|>"):
        vocab[token] = len(vocab)
    (directory / "vocab.json").write_text(json.dumps(vocab))
    (directory / "merges.txt").write_text("#version: 0.2\n")
    tokenizer = Qwen2Tokenizer(
        str(directory / "vocab.json"), str(directory / "merges.txt"),
        unk_token="<|endoftext|>", pad_token="<|endoftext|>", eos_token="<|im_end|>",
    )
    tokenizer.chat_template = (
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{% for c in m['content'] %}{{ c['text'] }}{% endfor %}"
        "<|im_end|>\n{% endfor %}"
    )
    tokenizer.save_pretrained(directory)
    return directory


def tiny_cosmos_controlnet(seed: int):
    from diffusers import CosmosControlNetModel

    torch.manual_seed(seed)
    return CosmosControlNetModel(
        n_controlnet_blocks=2, in_channels=18, latent_channels=18, model_channels=32, num_attention_heads=2,
        attention_head_dim=16, mlp_ratio=2, text_embed_dim=32, adaln_lora_dim=4, patch_size=(1, 2, 2),
        max_size=(4, 32, 32), rope_scale=(2.0, 1.0, 1.0), extra_pos_embed_type="learnable", img_context_dim_in=32,
        img_context_dim_out=32, use_crossattn_projection=False,
    )


def tiny_cosmos_transformer(img_context: bool):
    """Transfer2.5's transformer takes an image context (zeros for text prompts); Predict2.5's base does not."""
    from diffusers import CosmosTransformer3DModel

    extra = {"img_context_dim_in": 32, "img_context_num_tokens": 4, "img_context_dim_out": 32} if img_context else {}
    return CosmosTransformer3DModel(
        in_channels=17, out_channels=16, num_attention_heads=2, attention_head_dim=16, num_layers=2, mlp_ratio=2,
        text_embed_dim=32, adaln_lora_dim=4, max_size=(4, 32, 32), patch_size=(1, 2, 2), rope_scale=(2.0, 1.0, 1.0),
        concat_padding_mask=True, extra_pos_embed_type="learnable", controlnet_block_every_n=1, **extra,
    )


def tiny_cosmos_transfer(modalities: Sequence[str], seed: int = 0):
    """(``Cosmos2_5_TransferPipeline``, ControlNets in modality order): tiny random transformer, ControlNets,
    Wan VAE and Qwen2.5-VL text encoder; a pass-through safety checker (no Cosmos guardrail configured)."""
    import tempfile

    from diffusers import AutoencoderKLWan, Cosmos2_5_TransferPipeline, UniPCMultistepScheduler
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration, Qwen2Tokenizer

    from worldmill.generation.diffusion.cosmos_transfer import install_torchvision_standin
    from worldmill.generation.diffusion.guardrail import PassThroughSafetyChecker

    install_torchvision_standin()
    torch.manual_seed(seed)
    transformer = tiny_cosmos_transformer(img_context=True)
    vae = AutoencoderKLWan(base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1, temperal_downsample=[False, True, True])
    text_config = {
        "hidden_size": 16, "intermediate_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
        "num_key_value_heads": 2, "rope_theta": 1000000.0,
        "rope_scaling": {"mrope_section": [1, 1, 2], "rope_type": "default", "type": "default"},
    }
    vision_config = {"depth": 2, "hidden_size": 16, "intermediate_size": 16, "num_heads": 2, "out_hidden_size": 16}
    config = Qwen2_5_VLConfig(
        text_config=text_config, vision_config=vision_config, hidden_size=16, vocab_size=300,
        vision_start_token_id=297, vision_end_token_id=298, vision_token_id=299,
    )
    text_encoder = Qwen2_5_VLForConditionalGeneration(config)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = Qwen2Tokenizer.from_pretrained(write_qwen_tokenizer(Path(tmp)), local_files_only=True)
    nets = [tiny_cosmos_controlnet(seed + 1 + i) for i in range(len(modalities))]
    pipe = Cosmos2_5_TransferPipeline(
        text_encoder=text_encoder, tokenizer=tokenizer, transformer=transformer, vae=vae,
        scheduler=UniPCMultistepScheduler(), controlnet=nets[0], safety_checker=PassThroughSafetyChecker(),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe, nets


def write_tiny_cosmos_weights(root: Path, modalities: Sequence[str], seed: int = 0) -> Path:
    """Save a tiny Transfer2.5 as ``root/base`` + ``root/controlnet/{modality}`` (safety checker not saved)."""
    pipe, nets = tiny_cosmos_transfer(modalities, seed)
    root = Path(root)
    checker = pipe.safety_checker
    pipe.safety_checker = None
    pipe.register_to_config(safety_checker=(None, None))
    pipe.save_pretrained(root / "base")
    pipe.safety_checker = checker
    for modality, net in zip(modalities, nets, strict=True):
        net.save_pretrained(root / "controlnet" / modality)
    return root


def tiny_cosmos_predict(seed: int = 0):
    """A tiny ``Cosmos2_5_PredictBasePipeline`` (shares the Transfer2.5 tiny components' shapes)."""
    from diffusers import Cosmos2_5_PredictBasePipeline

    transfer, _ = tiny_cosmos_transfer(("edge",), seed)
    torch.manual_seed(seed)
    pipe = Cosmos2_5_PredictBasePipeline(
        text_encoder=transfer.text_encoder, tokenizer=transfer.tokenizer, transformer=tiny_cosmos_transformer(img_context=False),
        vae=transfer.vae, scheduler=transfer.scheduler, safety_checker=transfer.safety_checker,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe


def write_tiny_causal_lm(directory: Path, seed: int = 0) -> Path:
    """A tiny random Qwen2 causal LM with the byte-level tokenizer, for the prompt upsampler's tests."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(seed)
    write_qwen_tokenizer(directory)
    model = Qwen2ForCausalLM(Qwen2Config(vocab_size=300, hidden_size=16, intermediate_size=16, num_hidden_layers=1,
                                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=512))
    model.save_pretrained(directory)
    return directory
