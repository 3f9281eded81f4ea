"""What every diffusion backend shares: the ``generate`` steps around denoising, then the Cosmos guardrail
(when configured), encoding, and the record of how the clip was made. Faces are blurred later, by the clips
stage, before the clip is published."""

from __future__ import annotations

import abc
import dataclasses
import json
import os
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from worldmill.errors import ConfigError
from worldmill.generation.base import GeneratedClip, GenerationRequest, Generator
from worldmill.generation.diffusion.conditions import MODALITIES, ConditionSet, load_conditions, require_modalities
from worldmill.generation.diffusion.device import DeviceSettings
from worldmill.generation.diffusion.guardrail import GuardrailResult, check_guardrail_settings, run_guardrail

DEFAULT_NEGATIVE_PROMPT = (
    "cartoon, computer graphics, flat shading, primitive geometry, low resolution, blurry, watermark, text, "
    "oversaturated, flicker, distorted"
)


def device_settings_from(config: dict[str, Any]) -> DeviceSettings:
    """Pop ``device`` (a DeviceSettings, a dict, or a name) with optional flat ``dtype`` and ``offload``."""
    device = config.pop("device", None)
    dtype, offload = config.pop("dtype", None), config.pop("offload", None)
    if isinstance(device, DeviceSettings):
        return device
    base = dict(device) if isinstance(device, dict) else ({"device": device} if device is not None else {})
    if dtype is not None:
        base["dtype"] = dtype
    if offload is not None:
        base["offload"] = offload
    return DeviceSettings(**base)


@dataclasses.dataclass(frozen=True)
class DiffusionConfig:
    """Settings every diffusion backend shares; a backend subclasses it with its own fields and defaults."""

    backend: ClassVar[str]

    weights_dir: str | None = None  # local weights; the backend's layout says what it expects inside
    modalities: tuple[str, ...] = MODALITIES
    control_scales: Mapping[str, float] = dataclasses.field(default_factory=dict)  # per-modality weight (default 1)
    use_maps: bool = True  # False: uniform maps (ones) instead of control_weights.npz
    steps: int = 8
    guidance_scale: float = 5.0
    negative_prompt: str = ""
    guardrail: str = "auto"  # auto | cosmos | off: the Cosmos guardrail (see guardrail.py)
    guardrail_dir: str | None = None  # local Cosmos guardrail checkpoint; without it no backend guardrail runs
    prompt_upsampler_dir: str | None = None  # local causal LM that rewrites prompts (off when None)
    device: DeviceSettings = dataclasses.field(default_factory=DeviceSettings)

    def __post_init__(self) -> None:
        require_modalities(self.modalities)
        check_guardrail_settings(self.guardrail, self.guardrail_dir)

    @classmethod
    def from_kwargs(cls, **options: Any) -> DiffusionConfig:
        """The config from flat JSON-style options (``WORLDMILL_GENERATOR_OPTIONS``)."""
        config = dict(options)
        config["device"] = device_settings_from(config)
        if "modalities" in config:
            config["modalities"] = tuple(config["modalities"])
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(config) - known)
        if unknown:
            raise ConfigError(f"Unknown {cls.backend} settings {unknown}.", fix=f"use only {sorted(known)}")
        return cls(**config)


@dataclasses.dataclass(frozen=True)
class GenerationReport:
    """How one clip was made; written beside the footage as ``{stem}.generation.json``."""

    backend: str
    version: str
    frames: int
    diffused_frames: int  # frames that went through the denoiser
    denoising_steps: int  # scheduler steps summed over diffused frames
    steps_per_output_frame: float
    guardrail: str  # "cosmos-guardrail" when it ran in the backend, else "none" (faces: see ClipRow.guardrail)
    blocked: bool
    seconds: float
    device: str
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)


def report_path(out_path: Path) -> Path:
    return out_path.with_name(out_path.stem + ".generation.json")


def write_json_atomic(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(payload, fh, indent=2, sort_keys=True, default=str)
    os.replace(tmp, path)


def finish_clip(
    request: GenerationRequest,
    frames: np.ndarray,
    fps: int,
    *,
    guardrail_mode: str,
    report_fields: dict[str, Any],
    seconds: float,
    guardrail_dir: str | None = None,
) -> tuple[GeneratedClip, GenerationReport]:
    """Run the Cosmos guardrail if configured, write ``request.out_path`` (H.264) and its report, return the clip."""
    from worldmill import video

    safe, guard = run_guardrail(frames, guardrail_mode, guardrail_dir)
    request.out_path.parent.mkdir(parents=True, exist_ok=True)
    video.write_rgb(request.out_path, safe, fps)
    report = GenerationReport(
        frames=int(safe.shape[0]),
        guardrail=guard.name,
        blocked=guard.blocked,
        seconds=round(seconds, 4),
        **report_fields,
    )
    write_json_atomic(report_path(request.out_path), dataclasses.asdict(report))
    clip = GeneratedClip(
        path=request.out_path,
        frames=int(safe.shape[0]),
        fps=fps,
        width=int(safe.shape[2]),
        height=int(safe.shape[1]),
        seconds=seconds,
    )
    return clip, report


class DiffusionGenerator(Generator):
    """One ``generate`` for the diffusion backends: load, read the conditions, upsample the prompt, denoise
    (``denoise``, per backend), then ``finish_clip``. ``config`` carries modalities, prompt_upsampler_dir,
    guardrail and guardrail_dir; ``denoise`` adds the scheduler steps it runs to ``denoising_steps``."""
    uses_device = True

    config: Any
    pipe: Any
    denoising_steps: int

    @abc.abstractmethod
    def denoise(self, conditions: ConditionSet, seed: int) -> np.ndarray:
        """uint8 [T, H, W, 3] footage for the whole clip."""

    def report_extra(self) -> dict[str, Any]:
        """Backend-specific facts for the clip's ``generation.json``."""
        return {"modalities": list(self.config.modalities)}

    def generate(self, request: GenerationRequest) -> GeneratedClip:
        from worldmill.generation.diffusion.prompt_upsampler import maybe_upsample

        started = time.perf_counter()
        self.load()
        conditions = load_conditions(request.conditions_dir, self.config.modalities, fps=request.settings.fps)
        prompt = maybe_upsample(request.prompt or conditions.prompt, request.seed, self.config.prompt_upsampler_dir)
        conditions = dataclasses.replace(conditions, prompt=prompt)
        steps_before = self.denoising_steps
        frames = self.denoise(conditions, request.seed)
        steps = self.denoising_steps - steps_before
        clip, _ = finish_clip(
            request,
            frames,
            request.settings.fps,
            guardrail_mode=self.config.guardrail,
            guardrail_dir=self.config.guardrail_dir,
            seconds=time.perf_counter() - started,
            report_fields={
                "backend": self.name,
                "version": self.version,
                "diffused_frames": conditions.frames,
                "denoising_steps": steps,
                "steps_per_output_frame": steps / conditions.frames,
                "device": str(self.pipe._execution_device),
                "extra": self.report_extra(),
            },
        )
        return clip


__all__ = [
    "DEFAULT_NEGATIVE_PROMPT",
    "DiffusionGenerator",
    "GenerationReport",
    "GuardrailResult",
    "finish_clip",
    "report_path",
    "write_json_atomic",
]
