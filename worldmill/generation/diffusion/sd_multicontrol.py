"""Multi-ControlNet Stable Diffusion: one ControlNet per modality, fused with per-modality spatiotemporal maps.

Frames are diffused independently (image model) with one noise tensor per clip, so a frame's output depends
only on its own controls, the prompt and the clip seed; temporal consistency comes from the controls and from
keyframe propagation (``worldmill.generation.propagation``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch

from worldmill.errors import ConfigError, GenerationError
from worldmill.generation.diffusion.common import DEFAULT_NEGATIVE_PROMPT, DiffusionConfig, DiffusionGenerator
from worldmill.generation.diffusion.conditions import ConditionSet
from worldmill.generation.diffusion.control_maps import ResidualMapHook, attach_map_hooks, fuse_weights
from worldmill.generation.diffusion.device import DeviceSettings, place_pipeline
from worldmill.generation.diffusion.weights import check_weights_dir, sd_multicontrol_layout

SCHEDULERS: tuple[str, ...] = ("unipc", "lcm", "ddim", "euler")


def make_scheduler(name: str, base_config: Mapping[str, Any]):
    """A few-step scheduler built from the base model's scheduler config. LCM needs LCM-distilled weights."""
    from diffusers import DDIMScheduler, EulerDiscreteScheduler, LCMScheduler, UniPCMultistepScheduler

    classes = {"unipc": UniPCMultistepScheduler, "lcm": LCMScheduler, "ddim": DDIMScheduler, "euler": EulerDiscreteScheduler}
    if name not in classes:
        raise ConfigError(f"scheduler={name!r} is not supported.", fix=f"use one of {SCHEDULERS}")
    return classes[name].from_config(dict(base_config))


@dataclasses.dataclass(frozen=True)
class SDMultiControlConfig(DiffusionConfig):
    """``weights_dir`` holds base/ (SD, diffusers layout) + controlnet/{modality}/."""

    backend: ClassVar[str] = "sd-multicontrolnet"

    negative_prompt: str = DEFAULT_NEGATIVE_PROMPT
    scheduler: str = "unipc"
    frames_per_batch: int = 8

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.scheduler not in SCHEDULERS:
            raise ConfigError(f"scheduler={self.scheduler!r} is not supported.", fix=f"use one of {SCHEDULERS}")
        for name in ("steps", "frames_per_batch"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r} must be >= 1.", fix=f"set {name} to a positive integer")


def load_sd_multicontrol_pipeline(weights_dir: str | Path | None, modalities: Sequence[str], settings: DeviceSettings):
    """Build a ``StableDiffusionControlNetPipeline`` with a ``MultiControlNetModel`` from local files only."""
    from diffusers import ControlNetModel, MultiControlNetModel, StableDiffusionControlNetPipeline

    root = check_weights_dir(weights_dir, sd_multicontrol_layout(modalities), backend="sd-multicontrolnet")
    dtype = settings.torch_dtype()
    try:
        nets = [ControlNetModel.from_pretrained(root / "controlnet" / m, dtype=dtype, local_files_only=True) for m in modalities]
        pipe = StableDiffusionControlNetPipeline.from_pretrained(
            root / "base",
            controlnet=MultiControlNetModel(nets),
            safety_checker=None,
            feature_extractor=None,
            requires_safety_checker=False,
            dtype=dtype,
            local_files_only=True,
        )
    except (OSError, ValueError) as exc:
        raise GenerationError(
            f"Weights in {root} could not be loaded as Stable Diffusion + ControlNets: {exc}",
            fix="check that base/ is a diffusers Stable Diffusion folder and controlnet/<modality>/ diffusers ControlNets",
        ) from exc
    pipe.set_progress_bar_config(disable=True)
    return place_pipeline(pipe, settings)


class SDMultiControlGenerator(DiffusionGenerator):
    """``sd-multicontrolnet``: per-frame SD with one ControlNet per modality and Transfer1-style maps."""

    name = "sd-multicontrolnet"
    version = "1"

    def __init__(self, config: SDMultiControlConfig | None = None, *, pipeline=None, **kwargs: Any):
        self.config = config or SDMultiControlConfig.from_kwargs(**kwargs)
        self.pipe = pipeline
        self.hooks: list[ResidualMapHook] = []
        self.denoising_steps = 0  # scheduler steps run so far, summed over frames
        if pipeline is not None:
            self._prepare(pipeline)

    # -- setup -----------------------------------------------------------------------------------------
    def load(self) -> None:
        if self.pipe is None:
            pipe = load_sd_multicontrol_pipeline(self.config.weights_dir, self.config.modalities, self.config.device)
            self._prepare(pipe)

    def _prepare(self, pipe) -> None:
        from diffusers import MultiControlNetModel

        if not isinstance(pipe.controlnet, MultiControlNetModel):
            raise GenerationError(
                f"The pipeline's controlnet is a {type(pipe.controlnet).__name__}, not a MultiControlNetModel.",
                fix="wrap the ControlNets (one per modality) in diffusers.MultiControlNetModel",
            )
        pipe.scheduler = make_scheduler(self.config.scheduler, pipe.scheduler.config)
        pipe.set_progress_bar_config(disable=True)
        self.hooks = attach_map_hooks(list(pipe.controlnet.nets), self.config.modalities)
        self.pipe = pipe

    # -- denoising -------------------------------------------------------------------------------------
    def fused_maps(self, conditions: ConditionSet) -> dict[str, np.ndarray]:
        """The per-modality maps this backend applies: file maps (or ones) times scales, Transfer1-normalised."""
        modalities = self.config.modalities
        if self.config.use_maps:
            maps = {m: conditions.weights[m] for m in modalities}
        else:
            ones = np.ones(conditions.rgb.shape[:3], np.float32)
            maps = {m: ones for m in modalities}
        return fuse_weights(maps, self.config.control_scales)

    def clip_noise(self, seed: int, height: int, width: int) -> torch.Tensor:
        """One latent noise tensor per clip, drawn on CPU so it is the same on every device."""
        pipe = self.pipe
        channels = pipe.unet.config.in_channels
        shape = (1, channels, height // pipe.vae_scale_factor, width // pipe.vae_scale_factor)
        return torch.randn(shape, generator=torch.Generator("cpu").manual_seed(seed & 0x7FFF_FFFF_FFFF_FFFF))

    @torch.inference_mode()
    def diffuse(
        self,
        conditions: ConditionSet,
        frame_indices: Sequence[int],
        seed: int,
        *,
        maps: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Diffuse the given frames; uint8 [N, H, W, 3]. ``maps`` overrides ``fused_maps`` (already fused)."""
        if self.pipe is None:
            self.load()
        pipe, cfg = self.pipe, self.config
        device = pipe._execution_device
        dtype = pipe.unet.dtype
        maps = dict(maps) if maps is not None else self.fused_maps(conditions)
        height, width = conditions.height, conditions.width
        noise = self.clip_noise(seed, height, width)
        do_cfg = cfg.guidance_scale > 1.0
        prompt_embeds, negative_embeds = pipe.encode_prompt(
            conditions.prompt, device, 1, do_cfg, cfg.negative_prompt if do_cfg else None
        )
        frame_indices = list(frame_indices)
        out = np.empty((len(frame_indices), height, width, 3), np.uint8)
        for start in range(0, len(frame_indices), cfg.frames_per_batch):
            batch = frame_indices[start : start + cfg.frames_per_batch]
            n = len(batch)
            images = [
                torch.from_numpy(conditions.controls[m][batch]).permute(0, 3, 1, 2).float().div(255.0)
                for m in cfg.modalities
            ]
            for hook, modality in zip(self.hooks, cfg.modalities, strict=True):
                hook.set_map(torch.from_numpy(np.ascontiguousarray(maps[modality][batch])).to(device))
            try:
                result = pipe(
                    prompt_embeds=prompt_embeds.repeat(n, 1, 1),
                    negative_prompt_embeds=negative_embeds.repeat(n, 1, 1) if do_cfg else None,
                    image=images,
                    height=height,
                    width=width,
                    num_inference_steps=cfg.steps,
                    guidance_scale=cfg.guidance_scale,
                    controlnet_conditioning_scale=[1.0] * len(cfg.modalities),
                    latents=noise.expand(n, -1, -1, -1).to(device=device, dtype=dtype),
                    generator=torch.Generator("cpu").manual_seed(seed & 0x7FFF_FFFF),
                    output_type="np",
                )
            finally:
                for hook in self.hooks:
                    hook.set_map(None)
            out[start : start + n] = np.clip(result.images * 255.0 + 0.5, 0, 255).astype(np.uint8)
            self.denoising_steps += cfg.steps * n
        return out

    # -- DiffusionGenerator ----------------------------------------------------------------------------
    def denoise(self, conditions: ConditionSet, seed: int) -> np.ndarray:
        return self.diffuse(conditions, range(conditions.frames), seed)

    def report_extra(self) -> dict[str, Any]:
        return {"scheduler": self.config.scheduler, "modalities": list(self.config.modalities)}
