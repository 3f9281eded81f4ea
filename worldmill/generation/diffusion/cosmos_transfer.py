"""Cosmos-Transfer2.5 (diffusers ``Cosmos2_5_TransferPipeline``) with several controls at once.

diffusers runs one ``CosmosControlNetModel`` per call. Transfer2.5 ships one ControlNet per modality (edge,
depth, seg, blur), so this module runs the pipeline's own denoising loop with every modality's ControlNet and
fuses their block outputs Transfer1-style: each branch's tokens are weighted by its spatiotemporal map
(pooled to the latent token grid) and the maps are normalised where they sum past 1. With one modality and
an all-ones map the loop is the stock pipeline's, bit for bit (tested).

Clips longer than one chunk are generated autoregressively, as the stock pipeline does: each chunk is
conditioned on the last ``num_ar_conditional_frames`` output frames of the previous one. ``shared_noise``
additionally reuses one noise tensor for every chunk, which removes the per-chunk change of "texture seed"
that shows as a jump at chunk seams.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from worldmill.errors import ConfigError, GenerationError
from worldmill.generation.diffusion.common import DiffusionConfig, DiffusionGenerator
from worldmill.generation.diffusion.conditions import ConditionSet
from worldmill.generation.diffusion.control_maps import fuse_weights
from worldmill.generation.diffusion.device import DeviceSettings, place_pipeline
from worldmill.generation.diffusion.guardrail import make_safety_checker
from worldmill.generation.diffusion.weights import check_weights_dir, cosmos_transfer_layout

COSMOS_NEGATIVE_PROMPT = (
    "The video captures a series of frames showing ugly scenes, static with no motion, motion blur, "
    "over-saturation, shaky footage, low resolution, grainy texture, pixelated images, poorly lit areas, "
    "underexposed and overexposed scenes, poor color balance, washed out colors, choppy sequences, jerky "
    "movements, low frame rate, artifacting, color banding, unnatural transitions, outdated special effects, "
    "fake elements, unconvincing visuals, poorly edited content, jump cuts, visual noise, and flickering."
)


def install_torchvision_standin() -> None:
    """The Cosmos transformer and ControlNet call ``transforms.functional.resize`` (torchvision) on the
    padding mask; without torchvision that name is missing. Give those modules a nearest-neighbour stand-in
    (only where torchvision did not provide the name)."""
    import diffusers.models.controlnets.controlnet_cosmos as controlnet_module
    import diffusers.models.transformers.transformer_cosmos as transformer_module

    def resize(tensor: torch.Tensor, size: Sequence[int], interpolation: Any = None) -> torch.Tensor:
        return F.interpolate(tensor, size=tuple(size), mode="nearest")

    standin = types.SimpleNamespace(
        functional=types.SimpleNamespace(resize=resize), InterpolationMode=types.SimpleNamespace(NEAREST="nearest")
    )
    for module in (controlnet_module, transformer_module):
        if not hasattr(module, "transforms"):
            module.transforms = standin


@dataclasses.dataclass(frozen=True)
class CosmosTransferConfig(DiffusionConfig):
    """``weights_dir`` holds base/ (diffusers Cosmos2_5_TransferPipeline) + controlnet/{modality}/."""

    backend: ClassVar[str] = "cosmos-transfer2.5"

    modalities: tuple[str, ...] = ("edge", "depth", "seg", "vis")
    steps: int = 36
    guidance_scale: float = 3.0
    negative_prompt: str = COSMOS_NEGATIVE_PROMPT
    num_frames_per_chunk: int = 93
    num_ar_conditional_frames: int = 1
    conditional_frame_timestep: float = 0.1
    shared_noise: bool = True
    max_sequence_length: int = 512

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.num_ar_conditional_frames >= self.num_frames_per_chunk:
            raise ConfigError(
                f"num_ar_conditional_frames={self.num_ar_conditional_frames} must be below num_frames_per_chunk={self.num_frames_per_chunk}.",
                fix="use 1 (stock) to a few conditional frames per chunk",
            )


def load_cosmos_transfer(
    weights_dir: str | None, modalities: Sequence[str], settings: DeviceSettings, guardrail: str = "auto", guardrail_dir: str | None = None
):
    """(pipeline, ControlNets in modality order) from local files only."""
    from diffusers import Cosmos2_5_TransferPipeline, CosmosControlNetModel

    install_torchvision_standin()
    root = check_weights_dir(weights_dir, cosmos_transfer_layout(modalities), backend="cosmos-transfer2.5")
    dtype = settings.torch_dtype()
    try:
        nets = [CosmosControlNetModel.from_pretrained(root / "controlnet" / m, dtype=dtype, local_files_only=True) for m in modalities]
        pipe = Cosmos2_5_TransferPipeline.from_pretrained(
            root / "base", controlnet=nets[0], safety_checker=make_safety_checker(guardrail, guardrail_dir), dtype=dtype, local_files_only=True
        )
    except (OSError, ValueError) as exc:
        raise GenerationError(
            f"Weights in {root} could not be loaded as Cosmos-Transfer2.5: {exc}",
            fix="base/ must be a diffusers Cosmos2_5_TransferPipeline folder, controlnet/<modality>/ CosmosControlNetModels",
        ) from exc
    pipe.set_progress_bar_config(disable=True)
    pipe = place_pipeline(pipe, settings)
    device = pipe._execution_device
    nets = [net.to(device=device, dtype=dtype) for net in nets]
    return pipe, nets


def token_weights(weight: np.ndarray, latent_frames: int, grid: tuple[int, int], temporal_factor: int) -> torch.Tensor:
    """A chunk's [T, H, W] map pooled to the token grid [1, T' * h * w, 1]: latent frame 0 is frame 0 alone
    (the Wan VAE encodes the first frame by itself), each later latent frame averages its ``temporal_factor``
    frames, and space is area-averaged."""
    w = torch.from_numpy(np.ascontiguousarray(weight, dtype=np.float32))
    first = F.adaptive_avg_pool2d(w[:1][None], grid)[0]
    parts = [first]
    if latent_frames > 1:
        rest = w[1:][None, None]
        parts.append(F.adaptive_avg_pool3d(rest, (latent_frames - 1, *grid))[0, 0])
    pooled = torch.cat(parts, dim=0)
    return pooled.reshape(1, -1, 1)


def _pad_frames(array: np.ndarray, frames: int) -> np.ndarray:
    if array.shape[0] >= frames:
        return array[:frames]
    return np.concatenate([array, np.repeat(array[-1:], frames - array.shape[0], axis=0)], axis=0)


def _fused_velocity(pipe, controlnets, *, control_latents, weights, in_latents, in_timestep, hidden, cond_mask, padding_mask, gt_velocity):
    """One transformer evaluation with every ControlNet's blocks, each weighted by its token map, summed."""
    blocks = None
    for i, (net, control) in enumerate(zip(controlnets, control_latents, strict=True)):
        out = net(controls_latents=control, latents=in_latents, timestep=in_timestep, encoder_hidden_states=hidden,
                  condition_mask=cond_mask, conditioning_scale=1.0, padding_mask=padding_mask, return_dict=False)[0]
        if weights is not None:
            out = [block * weights[i] for block in out]
        blocks = out if blocks is None else [a + b for a, b in zip(blocks, out, strict=True)]
    pred = pipe.transformer(hidden_states=in_latents, timestep=in_timestep, encoder_hidden_states=hidden,
                            block_controlnet_hidden_states=blocks, condition_mask=cond_mask,
                            padding_mask=padding_mask, return_dict=False)[0]
    return gt_velocity + pred * (1 - cond_mask)


@torch.no_grad()
def transfer_multi_control(
    pipe,
    controlnets: Sequence[torch.nn.Module],
    controls: Sequence[np.ndarray],
    maps: Sequence[np.ndarray] | None,
    prompt: str,
    *,
    seed: int,
    steps: int,
    guidance_scale: float = 3.0,
    negative_prompt: str = COSMOS_NEGATIVE_PROMPT,
    num_frames_per_chunk: int = 93,
    num_ar_conditional_frames: int = 1,
    conditional_frame_timestep: float = 0.1,
    shared_noise: bool = True,
    max_sequence_length: int = 512,
    generator: torch.Generator | None = None,
    return_latents: bool = False,
):
    """Cosmos-Transfer2.5 with one ControlNet per control video ``controls[i]`` (uint8 [T, H, W, 3]) weighted
    by ``maps[i]`` ([T, H, W], already fused; None = every map 1). Returns float [T, H, W, 3] in [0, 1]
    (and the final latents of every chunk when ``return_latents``)."""
    from diffusers.pipelines.cosmos.pipeline_cosmos2_5_transfer import _maybe_pad_or_trim_video, retrieve_latents

    if len(controls) != len(controlnets) or (maps is not None and len(maps) != len(controls)):
        raise GenerationError(
            f"{len(controls)} control videos, {len(controlnets)} ControlNets and {0 if maps is None else len(maps)} maps.",
            fix="pass one control video and one map per ControlNet",
        )
    frames, height, width = controls[0].shape[:3]
    device = pipe._execution_device
    checker = getattr(pipe, "safety_checker", None)
    if checker is not None and not checker.check_text_safety(prompt):
        raise GenerationError(f"The Cosmos guardrail rejected the prompt {prompt[:80]!r}.", fix="rewrite the prompt")
    generator = generator or torch.Generator("cpu").manual_seed(seed & 0x7FFF_FFFF_FFFF_FFFF)
    pipe._guidance_scale = guidance_scale
    do_cfg = guidance_scale > 1.0
    n_ar = num_ar_conditional_frames
    vae_t = pipe.vae_scale_factor_temporal
    num_cond_latent_frames = max(0, (n_ar - 1) // vae_t + 1)
    prompt_embeds, negative_embeds = pipe.encode_prompt(
        prompt=prompt, negative_prompt=negative_prompt, do_classifier_free_guidance=do_cfg,
        num_videos_per_prompt=1, device=device, max_sequence_length=max_sequence_length,
    )
    transformer_dtype = pipe.transformer.dtype
    vae_dtype = pipe.vae.dtype
    if getattr(pipe.transformer.config, "img_context_dim_in", None):
        img_context = torch.zeros(1, pipe.transformer.config.img_context_num_tokens, pipe.transformer.config.img_context_dim_in, device=device, dtype=transformer_dtype)
        context, negative_context = (prompt_embeds, img_context), (negative_embeds, img_context)
    else:
        context, negative_context = prompt_embeds, negative_embeds
    videos = [
        pipe.video_processor.preprocess_video([torch.from_numpy(f).permute(2, 0, 1).float() / 255.0 for f in c], height, width)
        for c in controls
    ]
    chunk_stride = num_frames_per_chunk - n_ar
    chunks = [(s, min(s + num_frames_per_chunk, frames)) for s in range(0, max(frames - n_ar, 1), chunk_stride)]
    latents_mean = pipe.latents_mean.to(dtype=vae_dtype, device=device)
    latents_std = pipe.latents_std.to(dtype=vae_dtype, device=device)
    latent_frames = (num_frames_per_chunk - 1) // vae_t + 1
    grid = (height // pipe.vae_scale_factor_spatial // pipe.transformer.config.patch_size[1],
            width // pipe.vae_scale_factor_spatial // pipe.transformer.config.patch_size[2])
    noise = None
    if shared_noise:
        shape = (1, pipe.transformer.config.in_channels - 1, latent_frames, height // pipe.vae_scale_factor_spatial, width // pipe.vae_scale_factor_spatial)
        noise = torch.randn(shape, generator=torch.Generator("cpu").manual_seed((seed + 1) & 0x7FFF_FFFF_FFFF_FFFF)).to(device)
    decoded: list[torch.Tensor] = []
    final_latents: list[torch.Tensor] = []
    for index, (start, end) in enumerate(chunks):
        if index == 0:
            previous = pipe.video_processor.preprocess_video(torch.zeros((1, num_frames_per_chunk, 3, height, width), dtype=vae_dtype), height, width)
        else:
            previous = decoded[-1].clone()
            if n_ar > 0:
                previous[:, :, :n_ar] = previous[:, :, -n_ar:]
                previous[:, :, n_ar:] = -1
            else:
                previous.fill_(-1)
        chunk_video = _maybe_pad_or_trim_video(previous.to(device=device, dtype=vae_dtype), num_frames_per_chunk)
        latents, cond_latent, cond_mask, cond_indicator = pipe.prepare_latents(
            video=chunk_video, batch_size=1, num_channels_latents=pipe.transformer.config.in_channels - 1,
            height=height, width=width, num_frames_in=chunk_video.shape[2], num_frames_out=num_frames_per_chunk,
            do_classifier_free_guidance=do_cfg, dtype=torch.float32, device=device, generator=generator,
            num_cond_latent_frames=0 if index == 0 else num_cond_latent_frames, latents=noise,
        )
        cond_mask = cond_mask.to(transformer_dtype)
        cond_timestep = torch.ones_like(cond_indicator) * conditional_frame_timestep
        padding_mask = latents.new_zeros(1, 1, height, width, dtype=transformer_dtype)
        control_latents = []
        for video in videos:
            piece = _maybe_pad_or_trim_video(video[:, :, start:end].to(device=device, dtype=vae_dtype), num_frames_per_chunk)
            encoded = torch.cat([retrieve_latents(pipe.vae.encode(v.unsqueeze(0)), generator=generator) for v in piece], dim=0)
            control_latents.append((encoded.to(transformer_dtype) - latents_mean) / latents_std)
        weights = None
        if maps is not None:
            weights = [
                token_weights(_pad_frames(m[start:end], num_frames_per_chunk), latent_frames, grid, vae_t).to(device=device, dtype=transformer_dtype)
                for m in maps
            ]
        pipe.scheduler.set_timesteps(steps, device=device)
        gt_velocity = (latents - cond_latent) * cond_mask

        for i, t in enumerate(pipe.scheduler.timesteps):
            sigma_t = torch.tensor(pipe.scheduler.sigmas[i].item()).unsqueeze(0).to(device=device, dtype=transformer_dtype)
            in_latents = (cond_mask * cond_latent + (1 - cond_mask) * latents).to(transformer_dtype)
            in_timestep = cond_indicator * cond_timestep + (1 - cond_indicator) * sigma_t
            step = {"control_latents": control_latents, "weights": weights, "in_latents": in_latents, "in_timestep": in_timestep,
                    "cond_mask": cond_mask, "padding_mask": padding_mask, "gt_velocity": gt_velocity}
            pred = _fused_velocity(pipe, controlnets, hidden=context, **step)
            if do_cfg:
                pred_negative = _fused_velocity(pipe, controlnets, hidden=negative_context, **step)
                pred = pred + guidance_scale * (pred - pred_negative)
            latents = pipe.scheduler.step(pred, t, latents, return_dict=False)[0]
        final_latents.append(latents.detach().cpu())
        video_out = pipe.vae.decode((latents * latents_std + latents_mean).to(dtype=vae_dtype, device=device), return_dict=False)[0]
        decoded.append(video_out.detach().cpu())
    pieces = [chunk[:, :, n_ar:] if i else chunk for i, chunk in enumerate(decoded)]
    video = torch.cat(pieces, dim=2)[:, :, :frames]
    frames_np = pipe.video_processor.postprocess_video(video, output_type="np")[0]
    return (frames_np, final_latents) if return_latents else frames_np


class CosmosTransferGenerator(DiffusionGenerator):
    """``cosmos-transfer2.5``: Cosmos-Transfer2.5 with one ControlNet per modality and Transfer1-style maps."""

    name = "cosmos-transfer2.5"
    version = "1"

    def __init__(self, config: CosmosTransferConfig | None = None, *, pipeline=None, controlnets=None, **kwargs: Any):
        self.config = config or CosmosTransferConfig.from_kwargs(**kwargs)
        self.pipe = pipeline
        self.controlnets = list(controlnets) if controlnets is not None else None
        self.denoising_steps = 0
        if pipeline is not None:
            install_torchvision_standin()

    def load(self) -> None:
        if self.pipe is None:
            self.pipe, self.controlnets = load_cosmos_transfer(
                self.config.weights_dir, self.config.modalities, self.config.device, self.config.guardrail, self.config.guardrail_dir
            )

    def fused_maps(self, conditions: ConditionSet) -> list[np.ndarray]:
        mods = self.config.modalities
        raw = {m: conditions.weights[m] for m in mods} if self.config.use_maps else {m: np.ones(conditions.rgb.shape[:3], np.float32) for m in mods}
        fused = fuse_weights(raw, self.config.control_scales)
        return [fused[m] for m in mods]

    def transfer(self, conditions: ConditionSet, seed: int, maps: Sequence[np.ndarray] | None = None) -> np.ndarray:
        """uint8 [T, H, W, 3] for the whole clip."""
        self.load()
        cfg = self.config
        frames = transfer_multi_control(
            self.pipe, self.controlnets, [conditions.controls[m] for m in cfg.modalities],
            list(maps) if maps is not None else self.fused_maps(conditions), conditions.prompt, seed=seed, steps=cfg.steps,
            guidance_scale=cfg.guidance_scale, negative_prompt=cfg.negative_prompt,
            num_frames_per_chunk=cfg.num_frames_per_chunk, num_ar_conditional_frames=cfg.num_ar_conditional_frames,
            conditional_frame_timestep=cfg.conditional_frame_timestep, shared_noise=cfg.shared_noise,
            max_sequence_length=cfg.max_sequence_length,
        )
        chunks = max(1, len(range(0, max(conditions.frames - cfg.num_ar_conditional_frames, 1), cfg.num_frames_per_chunk - cfg.num_ar_conditional_frames)))
        self.denoising_steps += cfg.steps * chunks
        return np.clip(frames * 255.0 + 0.5, 0, 255).astype(np.uint8)

    def denoise(self, conditions: ConditionSet, seed: int) -> np.ndarray:
        return self.transfer(conditions, seed)

    def report_extra(self) -> dict[str, Any]:
        cfg = self.config
        return {"modalities": list(cfg.modalities), "chunk_frames": cfg.num_frames_per_chunk,
                "conditional_frames": cfg.num_ar_conditional_frames, "shared_noise": cfg.shared_noise,
                "pipeline_safety_checker": type(self.pipe.safety_checker).__name__}
