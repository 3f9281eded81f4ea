"""GPU benchmark: diffusion frames/s and peak GPU memory of the full-size architectures, with random weights.

Speed does not depend on trained weights, so every model is built from its published configuration (never
downloaded): the SD-1.5-sized multi-ControlNet backend (UNet, CLIP ViT-L text encoder, VAE, one ControlNet per
modality) per frame and with keyframes + propagation, at 512x512 and 1280x704 (720p class; SD latents need
multiples of 64), and the Cosmos-Transfer2.5-2B-sized model (2B DiT, one ControlNet per modality, Wan 2.1 VAE,
Qwen2.5-VL-7B text encoder) over one 93-frame chunk at 720p. Cosmos runs ``--cosmos-steps`` denoising steps and
also reports frames/s extrapolated to ``--cosmos-ref-steps`` (the paper's ~0.35 frames/s on an H100).

On a machine without CUDA the same sections run at toy sizes with the tiny random components of
``worldmill.generation.diffusion.tiny``, and the full-size models are built on the meta device to print their
parameter counts. Each section's figures are printed and appended to ``--out`` (JSON lines) as soon as it
finishes; the last line is one JSON summary.

    python bench/bench_gpu.py                         # CUDA if present, else the CPU toy run
    python bench/bench_gpu.py --out $OUT/bench_gpu.jsonl --budget-s 220
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_diffusion import MODALITIES, bench_cosmos, bench_size

from worldmill.generation.diffusion.device import DeviceSettings

COSMOS_MODALITIES = ("edge", "depth", "seg", "vis")
PAPER_COSMOS_FPS_H100 = 0.35

# Stable Diffusion 1.5 (runwayml/stable-diffusion-v1-5 model_index configs).
SD15_UNET = {
    "sample_size": 64, "in_channels": 4, "out_channels": 4, "layers_per_block": 2,
    "block_out_channels": (320, 640, 1280, 1280),
    "down_block_types": ("CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"),
    "up_block_types": ("UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"),
    "cross_attention_dim": 768, "attention_head_dim": 8,
}
SD15_VAE = {
    "in_channels": 3, "out_channels": 3, "latent_channels": 4, "layers_per_block": 2, "sample_size": 512,
    "block_out_channels": (128, 256, 512, 512),
    "down_block_types": ("DownEncoderBlock2D",) * 4, "up_block_types": ("UpDecoderBlock2D",) * 4,
}
CLIP_VIT_L_TEXT = {
    "vocab_size": 49408, "hidden_size": 768, "intermediate_size": 3072, "num_hidden_layers": 12,
    "num_attention_heads": 12, "max_position_embeddings": 77, "projection_dim": 768, "hidden_act": "quick_gelu",
    "bos_token_id": 0, "eos_token_id": 1, "pad_token_id": 1,
}
# Cosmos-Transfer2.5-2B (diffusers scripts/convert_cosmos_to_diffusers.py, "Cosmos-2.5-Transfer-General-2B").
COSMOS_TRANSFER_2B = {
    "in_channels": 17, "out_channels": 16, "num_attention_heads": 16, "attention_head_dim": 128, "num_layers": 28,
    "mlp_ratio": 4.0, "text_embed_dim": 1024, "adaln_lora_dim": 256, "max_size": (128, 240, 240),
    "patch_size": (1, 2, 2), "rope_scale": (1.0, 3.0, 3.0), "concat_padding_mask": True, "extra_pos_embed_type": None,
    "use_crossattn_projection": True, "crossattn_proj_in_channels": 100352, "encoder_hidden_states_channels": 1024,
    "controlnet_block_every_n": 7, "img_context_dim_in": 1152, "img_context_num_tokens": 256, "img_context_dim_out": 2048,
}
COSMOS_CONTROLNET_2B = {
    "n_controlnet_blocks": 4, "in_channels": 130, "latent_channels": 18, "model_channels": 2048,
    "num_attention_heads": 16, "attention_head_dim": 128, "mlp_ratio": 4.0, "text_embed_dim": 1024,
    "adaln_lora_dim": 256, "patch_size": (1, 2, 2), "max_size": (128, 240, 240), "rope_scale": (1.0, 3.0, 3.0),
    "img_context_dim_in": 1152, "img_context_dim_out": 2048, "use_crossattn_projection": True,
    "crossattn_proj_in_channels": 100352, "encoder_hidden_states_channels": 1024,
}
# Qwen2.5-VL-7B-Instruct (Cosmos-Reason1's base; 28 layers x 3584 = the 100352 channels above).
QWEN25_VL_7B_TEXT = {
    "vocab_size": 152064, "hidden_size": 3584, "intermediate_size": 18944, "num_hidden_layers": 28,
    "num_attention_heads": 28, "num_key_value_heads": 4, "max_position_embeddings": 128000, "rope_theta": 1000000.0,
    "rope_scaling": {"mrope_section": [16, 24, 24], "rope_type": "default", "type": "default"},
}
QWEN25_VL_7B_VISION = {
    "depth": 32, "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16, "out_hidden_size": 3584,
    "patch_size": 14, "spatial_merge_size": 2, "temporal_patch_size": 2, "window_size": 112,
    "fullatt_block_indexes": [7, 15, 23, 31],
}


def sd15_modules(device: str | torch.device, modalities: Sequence[str] = MODALITIES) -> dict:
    """SD-1.5-sized UNet, VAE, CLIP text encoder and one ControlNet (from the UNet) per modality, on ``device``."""
    from diffusers import AutoencoderKL, ControlNetModel, UNet2DConditionModel
    from transformers import CLIPTextConfig, CLIPTextModel

    with torch.device(device):
        unet = UNet2DConditionModel(**SD15_UNET)
        modules = {
            "unet": unet,
            "vae": AutoencoderKL(**SD15_VAE),
            "text_encoder": CLIPTextModel(CLIPTextConfig(**CLIP_VIT_L_TEXT)),
        }
        for modality in modalities:
            modules[f"controlnet_{modality}"] = ControlNetModel.from_unet(unet)
    return modules


def cosmos_modules(device: str | torch.device, modalities: Sequence[str] = COSMOS_MODALITIES) -> dict:
    """Cosmos-Transfer2.5-2B-sized DiT, one ControlNet per modality, Wan 2.1 VAE and Qwen2.5-VL-7B, on ``device``."""
    from diffusers import AutoencoderKLWan, CosmosControlNetModel, CosmosTransformer3DModel
    from transformers import Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration

    config = Qwen2_5_VLConfig(text_config=QWEN25_VL_7B_TEXT, vision_config=QWEN25_VL_7B_VISION, hidden_size=3584,
                              vocab_size=152064)
    with torch.device(device):
        modules = {"transformer": CosmosTransformer3DModel(**COSMOS_TRANSFER_2B), "vae": AutoencoderKLWan()}
        for modality in modalities:
            modules[f"controlnet_{modality}"] = CosmosControlNetModel(**COSMOS_CONTROLNET_2B)
        modules["text_encoder"] = Qwen2_5_VLForConditionalGeneration(config)
    return modules


def parameter_counts() -> dict:
    """Parameters of every full-size module, built on the meta device (no memory, no weights)."""
    out = {}
    for family, build in (("sd15_multicontrolnet", sd15_modules), ("cosmos_transfer2.5_2b", cosmos_modules)):
        modules = build("meta")
        counts = {name: sum(p.numel() for p in m.parameters()) for name, m in modules.items()}
        out[family] = {"millions": {k: round(v / 1e6, 1) for k, v in counts.items()},
                       "total_billions": round(sum(counts.values()) / 1e9, 3)}
        del modules
    return out


def sd15_pipeline(device: torch.device, dtype: torch.dtype):
    """The SD-1.5-sized multi-ControlNet pipeline with random weights, assembled as the backend loads one."""
    from diffusers import DDIMScheduler, MultiControlNetModel, StableDiffusionControlNetPipeline
    from transformers import CLIPTokenizer

    from worldmill.generation.diffusion.tiny import write_clip_tokenizer

    modules = sd15_modules(device)
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = CLIPTokenizer.from_pretrained(write_clip_tokenizer(Path(tmp), max_length=77), local_files_only=True)
    pipe = StableDiffusionControlNetPipeline(
        vae=modules["vae"], text_encoder=modules["text_encoder"], tokenizer=tokenizer, unet=modules["unet"],
        controlnet=MultiControlNetModel([modules[f"controlnet_{m}"] for m in MODALITIES]),
        scheduler=DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                                set_alpha_to_one=False, steps_offset=1),
        safety_checker=None, feature_extractor=None, requires_safety_checker=False,
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe.to(dtype=dtype)


def cosmos_components(device: torch.device, dtype: torch.dtype):
    """(Cosmos2_5_TransferPipeline, ControlNets) of the 2B-sized model with random weights."""
    from diffusers import Cosmos2_5_TransferPipeline, UniPCMultistepScheduler
    from transformers import Qwen2Tokenizer

    from worldmill.generation.diffusion.cosmos_transfer import install_torchvision_standin
    from worldmill.generation.diffusion.guardrail import PassThroughSafetyChecker
    from worldmill.generation.diffusion.tiny import write_qwen_tokenizer

    install_torchvision_standin()
    modules = {name: module.to(dtype=dtype) for name, module in cosmos_modules(device).items()}
    with tempfile.TemporaryDirectory() as tmp:
        tokenizer = Qwen2Tokenizer.from_pretrained(write_qwen_tokenizer(Path(tmp)), local_files_only=True)
    nets = [modules[f"controlnet_{m}"] for m in COSMOS_MODALITIES]
    pipe = Cosmos2_5_TransferPipeline(
        text_encoder=modules["text_encoder"], tokenizer=tokenizer, transformer=modules["transformer"],
        vae=modules["vae"], scheduler=UniPCMultistepScheduler(), controlnet=nets[0],
        safety_checker=PassThroughSafetyChecker(),
    )
    pipe.set_progress_bar_config(disable=True)
    return pipe, nets


def _free(device: torch.device) -> None:
    gc.collect()
    if device.type == "cuda":
        torch.cuda.empty_cache()


def main(argv: Sequence[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="auto", help="auto | cuda | cpu (cpu: toy sizes, tiny models)")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--frames", type=int, default=48, help="SD clip length (the CPU toy run takes at most 8)")
    parser.add_argument("--steps", type=int, default=4, help="SD denoising steps per diffused frame")
    parser.add_argument("--cosmos-steps", type=int, default=2, help="Cosmos denoising steps measured")
    parser.add_argument("--cosmos-ref-steps", type=int, default=35, help="steps the frames/s are extrapolated to")
    parser.add_argument("--budget-s", type=float, default=220.0, help="skip sections that would start after this")
    parser.add_argument("--out", type=Path, default=Path("bench_gpu.jsonl"))
    args = parser.parse_args(argv)

    settings = DeviceSettings(device=args.device, dtype=args.dtype)
    device, dtype = settings.torch_device(), settings.torch_dtype()
    cuda = device.type == "cuda"
    t_start = time.perf_counter()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("")
    summary: dict = {"device": torch.cuda.get_device_name(device) if cuda else "cpu", "torch": torch.__version__,
                     "dtype": str(dtype), "weights": "random", "sections": {}}

    def section(name: str, run: Callable[[], dict]) -> None:
        elapsed = time.perf_counter() - t_start
        if elapsed > args.budget_s:
            result = {"skipped": f"budget of {args.budget_s} s spent ({elapsed:.0f} s)"}
        else:
            t0 = time.perf_counter()
            try:
                result = run()
            except torch.OutOfMemoryError as exc:  # a figure in itself: record it and go on
                result = {"error": f"out of memory: {exc}"[:400]}
            result["section_s"] = round(time.perf_counter() - t0, 1)
            _free(device)
        summary["sections"][name] = result
        line = json.dumps({"section": name, **result})
        print(line, flush=True)
        with args.out.open("a") as handle:
            handle.write(line + "\n")

    section("parameters_full_size", parameter_counts)

    base = {"frames": args.frames if cuda else min(args.frames, 8), "steps": args.steps if cuda else 2, "batch": 8, "scheduler": "ddim",
            "weights_dir": None, "motion": "truck", "keyframe_interval": 8, "max_hole_fraction": 0.05,
            "cosmos_weights_dir": None, "sizes": "64x64"}
    sd_sizes = [(512, 512), (1280, 704)] if cuda else [(64, 64)]
    with tempfile.TemporaryDirectory(prefix="wm-bench-gpu-") as tmp:
        pipe = sd15_pipeline(device, dtype) if cuda else None
        for width, height in sd_sizes:
            label = f"sd15_multicontrolnet_{width}x{height}" if cuda else f"sd_tiny_{width}x{height}"
            section(label, lambda w=width, h=height, p=pipe: bench_size(w, h, argparse.Namespace(**base), settings, Path(tmp), pipeline=p))
        del pipe
        _free(device)

        cosmos_args = argparse.Namespace(**{**base, "frames": 93 if cuda else 9, "steps": args.cosmos_steps if cuda else 2})

        def cosmos() -> dict:
            components = cosmos_components(device, dtype) if cuda else None
            out = bench_cosmos(cosmos_args, settings, Path(tmp), components=components, size=(1280, 704))["cosmos-transfer2.5"]
            per_step = out["seconds_per_step_per_chunk"]
            out["frames_per_s_at_ref_steps"] = round(out["frames"] / (out["chunks"] * per_step * args.cosmos_ref_steps), 4)
            out["ref_steps"] = args.cosmos_ref_steps
            out["paper_frames_per_s_h100"] = PAPER_COSMOS_FPS_H100
            return out

        section("cosmos_transfer2.5_2b_1280x704" if cuda else "cosmos_tiny_32x32", cosmos)

    summary["wall_s"] = round(time.perf_counter() - t_start, 1)
    print(json.dumps(summary), flush=True)
    return summary


if __name__ == "__main__":
    main()
