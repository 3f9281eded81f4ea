"""Where and how a diffusion backend runs: device, dtype, offloading, memory figures.

Plain settings (no Dagster): ``worldmill.resources.gpu.GPUResource`` builds them from run configuration.
torch is imported inside the functions that need it, so loading the code location does not import it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import resource
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from worldmill.errors import ConfigError, GenerationError

if TYPE_CHECKING:
    import torch

Offload = Literal["none", "model", "sequential"]
DTYPES: dict[str, str] = {"bf16": "bfloat16", "fp16": "float16", "fp32": "float32"}  # setting -> torch attribute
OFFLOADS: tuple[str, ...] = ("none", "model", "sequential")


@dataclasses.dataclass(frozen=True)
class DeviceSettings:
    device: str = "auto"  # "auto" | "cpu" | "cuda" | "cuda:N"
    dtype: str = "auto"  # "auto" | "bf16" | "fp16" | "fp32"; auto: bf16 on CUDA, fp32 on CPU
    offload: str = "none"  # "none" | "model" (whole models to CPU between uses) | "sequential" (layer by layer)

    def __post_init__(self) -> None:
        if self.dtype != "auto" and self.dtype not in DTYPES:
            raise ConfigError(f"dtype={self.dtype!r} is not supported.", fix=f"use 'auto' or one of {sorted(DTYPES)}")
        if self.offload not in OFFLOADS:
            raise ConfigError(f"offload={self.offload!r} is not supported.", fix=f"use one of {OFFLOADS}")
        if not (self.device in ("auto", "cpu", "cuda") or self.device.startswith("cuda:")):
            raise ConfigError(f"device={self.device!r} is not supported.", fix="use 'auto', 'cpu', 'cuda' or 'cuda:N'")

    def torch_device(self) -> torch.device:
        import torch

        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        if self.device.startswith("cuda") and not torch.cuda.is_available():
            raise GenerationError(
                f"device={self.device!r} was asked for but this torch ({torch.__version__}) sees no CUDA device.",
                fix="run on a GPU node, or set device='cpu' (slow) or 'auto'",
            )
        return torch.device(self.device)

    def torch_dtype(self) -> torch.dtype:
        import torch

        if self.dtype != "auto":
            if self.dtype == "fp16" and self.torch_device().type == "cpu":
                raise ConfigError("dtype='fp16' on CPU is not supported by most kernels.", fix="use 'fp32' or 'bf16' on CPU")
            return getattr(torch, DTYPES[self.dtype])
        return torch.bfloat16 if self.torch_device().type == "cuda" else torch.float32


def place_pipeline(pipe, settings: DeviceSettings):
    """Move a diffusers pipeline to the device in the chosen dtype, or set up CPU offloading."""
    device = settings.torch_device()
    pipe.to(dtype=settings.torch_dtype())
    if settings.offload == "none" or device.type == "cpu":
        return pipe.to(device)
    gpu_id = device.index or 0
    if settings.offload == "model":
        pipe.enable_model_cpu_offload(gpu_id=gpu_id)
    else:
        pipe.enable_sequential_cpu_offload(gpu_id=gpu_id)
    return pipe


@dataclasses.dataclass(frozen=True)
class MemoryReport:
    device: str
    allocated_bytes: int  # live tensors now (CUDA) / resident set size (CPU)
    peak_bytes: int  # peak since the last reset (CUDA) / peak RSS of the process (CPU)
    total_bytes: int | None  # device memory (CUDA); None on CPU

    def as_metadata(self) -> dict[str, float | str]:
        gib = 1024**3
        out: dict[str, float | str] = {
            "device": self.device,
            "allocated_gib": round(self.allocated_bytes / gib, 3),
            "peak_gib": round(self.peak_bytes / gib, 3),
        }
        if self.total_bytes:
            out["total_gib"] = round(self.total_bytes / gib, 3)
        return out


def memory_report(device: torch.device) -> MemoryReport:
    if device.type == "cuda":
        import torch

        index = device.index if device.index is not None else torch.cuda.current_device()
        return MemoryReport(
            device=torch.cuda.get_device_name(index),
            allocated_bytes=int(torch.cuda.memory_allocated(index)),
            peak_bytes=int(torch.cuda.max_memory_allocated(index)),
            total_bytes=int(torch.cuda.get_device_properties(index).total_memory),
        )
    import psutil

    rss = int(psutil.Process().memory_info().rss)
    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) * 1024  # Linux reports KiB
    return MemoryReport(device="cpu", allocated_bytes=rss, peak_bytes=max(peak, rss), total_bytes=None)


def reset_peak_memory(device: torch.device) -> None:
    if device.type == "cuda":
        import torch

        torch.cuda.reset_peak_memory_stats(device)


class DevicePool:
    """At most ``slots`` holders per device across every process on this host (flock on slot files), so one
    GPU runs one generation at a time by default. Cluster-wide, Dagster's ``pool="gpu"`` limit does the same
    across runs (see deploy/README.md)."""

    def __init__(self, lock_dir: str | Path, device: str, slots: int = 1):
        if slots < 1:
            raise ConfigError(f"GPU concurrency slots={slots} must be >= 1.", fix="use 1 (one generation per GPU)")
        self.lock_dir = Path(lock_dir)
        self.device = device.replace(":", "-")
        self.slots = slots

    @contextlib.contextmanager
    def claim(self, timeout_s: float | None = None, poll_s: float = 0.05) -> Iterator[int]:
        """Hold one slot for the duration of the block; yields the slot index."""
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while True:
            for slot in range(self.slots):
                handle = open(self.lock_dir / f"{self.device}.slot{slot}.lock", "a+")  # noqa: SIM115 - held below
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    handle.close()
                    continue
                try:
                    yield slot
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)
                    handle.close()
                return
            if deadline is not None and time.monotonic() >= deadline:
                raise GenerationError(
                    f"All {self.slots} slot(s) of device {self.device} stayed busy for {timeout_s} s.",
                    fix="wait for the running generation, raise the timeout, or raise concurrency if memory allows",
                )
            time.sleep(poll_s)


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """Run a block with ``count`` torch CPU threads (tiny models on shared cores are fastest on one)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
