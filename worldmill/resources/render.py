"""How much footage to make per cell and at what size, and how many render workers to use."""

from __future__ import annotations

import os

from dagster import ConfigurableResource
from pydantic import Field

from worldmill.schemas.plan import RenderSettings


class RenderResource(ConfigurableResource):
    """Clip size and batch size. ``workers=0`` means one render process per core."""

    width: int = 256
    height: int = 256
    frames: int = 48
    fps: int = 24
    clips_per_cell: int = Field(default=2, ge=1)
    workers: int = Field(default=0, ge=0)
    device: str = "cpu"

    def settings(self) -> RenderSettings:
        return RenderSettings(width=self.width, height=self.height, frames=self.frames, fps=self.fps)

    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1
