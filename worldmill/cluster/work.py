"""What a cluster engine needs to know about the footage stages: resource requests as data, where a unit of work
ran, and the engine interface that both the local worker pool and a Ray cluster satisfy.

Nothing here imports Dagster or Ray: the local engine is the code path worldmill always had, and the Ray engine
(``worldmill.cluster.ray_engine``) is imported only when a cluster is configured.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol

from worldmill import stages
from worldmill.errors import ConfigError
from worldmill.generation import Generator
from worldmill.lake import BlobStore
from worldmill.schemas.plan import RenderSettings
from worldmill.schemas.records import ClipRow, ConditionRow, PromptRow
from worldmill.schemas.taxonomy import Cell


@dataclasses.dataclass(frozen=True)
class WorkRequest:
    """Resources one unit of work (one sample of one stage) reserves on a node: CPUs, GPUs and memory."""

    num_cpus: float = 1.0
    num_gpus: float = 0.0
    memory_mb: int = 0  # 0: no memory reservation

    def __post_init__(self) -> None:
        if self.num_cpus < 0 or self.num_gpus < 0 or self.memory_mb < 0:
            raise ConfigError(
                f"WorkRequest(num_cpus={self.num_cpus}, num_gpus={self.num_gpus}, memory_mb={self.memory_mb}) "
                "has a negative amount.",
                fix="request zero or more of each resource",
            )
        if self.num_cpus == 0 and self.num_gpus == 0:
            raise ConfigError("A WorkRequest asks for no CPU and no GPU.", fix="request at least part of one")


@dataclasses.dataclass(frozen=True)
class StageRequests:
    """The request of each heavy stage. ``generate_device`` applies to backends that run on a device (diffusion);
    the procedural generator renders on CPUs and uses ``generate_cpu``."""

    render: WorkRequest = WorkRequest(num_cpus=1.0)
    generate_cpu: WorkRequest = WorkRequest(num_cpus=1.0)
    generate_device: WorkRequest = WorkRequest(num_cpus=1.0, num_gpus=1.0, memory_mb=16_000)

    def generate(self, generator: Generator) -> WorkRequest:
        return self.generate_device if generator.uses_device else self.generate_cpu


@dataclasses.dataclass(frozen=True)
class Placement:
    """Where one unit of work ran and how long it took there (run metadata, never table columns)."""

    stage: str
    item: str  # sample id or clip id
    node: str  # the cluster's node id ("local" for the local engine)
    host: str
    pid: int
    seconds: float
    gpu_ids: tuple[str, ...] = ()
    batch_wall_s: float = 0.0  # wall time of the whole batch this unit was dispatched in, seen by the driver


def local_placement(stage: str, item: str, seconds: float, node: str = "local") -> Placement:
    return Placement(stage, item, node, socket.gethostname(), os.getpid(), seconds)


def placement_summary(placements: Sequence[Placement]) -> dict[str, Any]:
    """Run metadata: units per node, the node ids, and GPU ids seen (for placement checks)."""
    per_node: dict[str, int] = {}
    for p in placements:
        per_node[p.node] = per_node.get(p.node, 0) + 1
    return {
        "nodes": sorted(per_node),
        "units_per_node": per_node,
        "gpu_ids": sorted({g for p in placements for g in p.gpu_ids}),
        "work_s": round(sum(p.seconds for p in placements), 3),
        "batch_wall_s": round(max((p.batch_wall_s for p in placements), default=0.0), 3),
    }


@dataclasses.dataclass(frozen=True)
class GeneratorSpec:
    """How a worker builds the generator backend itself (weights load once per worker process)."""

    backend: str
    options_json: str = "{}"


class SampleEngine(Protocol):
    """Runs the heavy per-sample stages of one cell. Rows come back in the order asked, with where each ran."""

    def conditions(
        self, rows: Sequence[PromptRow], settings: RenderSettings, blobs: BlobStore, site: str
    ) -> tuple[stages.ConditionsMade, list[Placement]]: ...

    def clips(
        self,
        rows: Sequence[PromptRow],
        conditions: Sequence[ConditionRow],
        cell: Cell,
        spec: GeneratorSpec,
        blobs: BlobStore,
        settings: RenderSettings,
        site: str,
        *,
        load: Callable[[], Generator],
        device_slot: Callable[[], AbstractContextManager],
    ) -> tuple[list[ClipRow], list[Placement]]:
        """``load`` gives this process's loaded generator (the local engine uses it; cluster workers build their
        own from ``spec``); ``device_slot`` is held around each local generation on a device."""
        ...


@dataclasses.dataclass
class LocalEngine:
    """This machine: the render worker pool (one process per core) and in-process generation and scoring,
    exactly the calls the assets always made."""

    workers: int
    device: str = "cpu"

    def conditions(self, rows, settings, blobs, site):
        t0 = time.perf_counter()
        made = stages.produce_conditions(rows, settings, blobs, workers=self.workers, device=self.device)
        return made, [local_placement("conditions", "*", time.perf_counter() - t0)]

    def clips(self, rows, conditions, cell, spec, blobs, settings, site, *, load, device_slot):
        t0 = time.perf_counter()
        generator = load()
        slot = device_slot if generator.uses_device else nullcontext
        made = stages.produce_clips(rows, conditions, cell, generator, blobs, settings, device_slot=slot)
        return made, [local_placement("clips", "*", time.perf_counter() - t0)]
