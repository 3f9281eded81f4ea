"""What every diffusion backend does after denoising: guardrail, encode, and record how the clip was made."""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from worldmill.generation.base import GeneratedClip, GenerationRequest
from worldmill.generation.diffusion.guardrail import GuardrailResult, run_guardrail

DEFAULT_NEGATIVE_PROMPT = (
    "cartoon, computer graphics, flat shading, primitive geometry, low resolution, blurry, watermark, text, "
    "oversaturated, flicker, distorted"
)


@dataclasses.dataclass(frozen=True)
class GenerationReport:
    """How one clip was made; written beside the footage as ``{stem}.generation.json``."""

    backend: str
    version: str
    frames: int
    diffused_frames: int  # frames that went through the denoiser
    denoising_steps: int  # scheduler steps summed over diffused frames
    steps_per_output_frame: float
    guardrail: str
    faces_pixelated: int
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
) -> tuple[GeneratedClip, GenerationReport]:
    """Guardrail the frames, write ``request.out_path`` (H.264) and its report, return the clip record."""
    from worldmill import video

    safe, guard = run_guardrail(frames, guardrail_mode)
    request.out_path.parent.mkdir(parents=True, exist_ok=True)
    video.write_rgb(request.out_path, safe, fps)
    report = GenerationReport(
        frames=int(safe.shape[0]),
        guardrail=guard.name,
        faces_pixelated=guard.faces_pixelated,
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


__all__ = ["DEFAULT_NEGATIVE_PROMPT", "GenerationReport", "GuardrailResult", "finish_clip", "report_path", "write_json_atomic"]
