"""The generator interface: one backend turns a sample's conditions (and prompt) into footage.

The procedural backend returns the render itself; diffusion backends re-imagine it under the controls.
"""

from __future__ import annotations

import abc
import dataclasses
from pathlib import Path

from worldmill.schemas.plan import RenderSettings, ScenePlan


@dataclasses.dataclass(frozen=True)
class GenerationRequest:
    sample_id: str
    plan: ScenePlan
    prompt: str
    seed: int
    settings: RenderSettings
    conditions_dir: Path  # local directory holding the sample's condition files (see docs/architecture.md)
    out_path: Path  # where the backend writes the footage (H.264 mp4); the caller publishes it atomically


@dataclasses.dataclass(frozen=True)
class GeneratedClip:
    path: Path
    frames: int
    fps: int
    width: int
    height: int
    seconds: float  # wall time spent generating


class Generator(abc.ABC):
    """A footage backend. Heavy state (weights) loads in ``load``; ``generate`` is called per sample."""

    name: str
    version: str
    uses_device: bool = False  # runs on an accelerator: the clips stage holds a GPU slot around ``generate``
    footage_is_render: bool = False  # the footage is the render itself: its depth, segmentation and people are exact

    def load(self) -> None:
        """Load weights/devices once before many ``generate`` calls."""

    @abc.abstractmethod
    def generate(self, request: GenerationRequest) -> GeneratedClip: ...
