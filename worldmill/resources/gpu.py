"""The GPU a diffusion backend runs on: device, dtype, offloading, memory figures and a concurrency pool.

Assets that generate on a GPU take this resource, pass ``generator_options()`` to the backend and wrap each
generation in ``claim()``; they also declare ``pool="gpu"`` so Dagster limits GPU steps across runs.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from dagster import ConfigurableResource
from pydantic import Field

from worldmill.generation.diffusion.device import (
    DevicePool,
    DeviceSettings,
    MemoryReport,
    memory_report,
    reset_peak_memory,
)


class GPUResource(ConfigurableResource):
    """``device``: auto | cpu | cuda | cuda:N; ``dtype``: auto | bf16 | fp16 | fp32; ``offload``: none | model |
    sequential; ``concurrency``: generations at once per device on this host (1 = one at a time)."""

    device: str = "auto"
    dtype: str = "auto"
    offload: str = "none"
    concurrency: int = Field(default=1, ge=1)
    lock_dir: str = "/tmp/worldmill-gpu-locks"
    claim_timeout_s: float | None = None

    def settings(self) -> DeviceSettings:
        return DeviceSettings(device=self.device, dtype=self.dtype, offload=self.offload)

    def generator_options(self) -> dict[str, str]:
        """Settings to merge into a diffusion backend's options (``get_generator(name, **options)``)."""
        settings = self.settings()
        return {"device": settings.device, "dtype": settings.dtype, "offload": settings.offload}

    def pool(self) -> DevicePool:
        return DevicePool(self.lock_dir, str(self.settings().torch_device()), self.concurrency)

    @contextlib.contextmanager
    def claim(self) -> Iterator[int]:
        """Hold a slot of this device (and reset its peak-memory counter) while generating."""
        with self.pool().claim(self.claim_timeout_s) as slot:
            reset_peak_memory(self.settings().torch_device())
            yield slot

    def memory(self) -> MemoryReport:
        return memory_report(self.settings().torch_device())

    def memory_metadata(self) -> dict[str, float | str]:
        """Memory figures for ``MaterializeResult(metadata=...)``."""
        return self.memory().as_metadata()
