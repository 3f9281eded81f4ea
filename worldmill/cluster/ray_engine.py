"""The footage stages on a Ray cluster: one Ray task per sample and stage, each reserving its ``WorkRequest``.

The driver is the Dagster step's own process (``ray.init(address=...)``, ~0.03 s); tasks spread over the nodes,
a task whose node dies is retried by Ray on another one, and every unit publishes its files atomically, so a
retried unit converges on the same files and rows. Worker processes are reused between tasks of one driver, so
Warp kernels, semantic classes and a loaded generator stay warm across the samples and cells of a run.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Sequence
from typing import Any

from worldmill import stages
from worldmill.cluster import tasks
from worldmill.cluster.work import GeneratorSpec, Placement, StageRequests, WorkRequest
from worldmill.errors import ConfigError
from worldmill.generation import get_generator
from worldmill.lake import BlobStore
from worldmill.schemas.plan import RenderSettings
from worldmill.schemas.records import ClipRow, ConditionRow, PromptRow
from worldmill.schemas.taxonomy import Cell

log = logging.getLogger(__name__)


def _run_unit(stage: str, item: str, fn: Callable[..., Any], *args: Any) -> tuple[Any, Placement]:
    """Executed on a worker: run one unit and record the node, host, process and GPUs it ran on."""
    import ray

    t0 = time.perf_counter()
    row = fn(*args)
    context = ray.get_runtime_context()
    gpus = tuple(str(g) for g in context.get_accelerator_ids().get("GPU", []))
    return row, Placement(stage, item, context.get_node_id(), socket.gethostname(), os.getpid(), time.perf_counter() - t0, gpus)


def ray_options(request: WorkRequest, *, retries: int) -> dict[str, Any]:
    """Ray ``.options(...)`` for a request (the remote function itself keeps its workers: ``max_calls=0``)."""
    options: dict[str, Any] = {
        "num_cpus": request.num_cpus,
        "num_gpus": request.num_gpus,
        "max_retries": retries,
        "retry_exceptions": False,  # a worldmill error is a verdict, not a crash: only lost workers retry
        "scheduling_strategy": "SPREAD",
    }
    if request.memory_mb:
        options["memory"] = request.memory_mb * 1024 * 1024
    return options


@dataclasses.dataclass
class RayEngine:
    """``address`` as ``ray.init`` takes it (``host:port`` of a head this machine can reach, ``ray://host:10001``
    for Ray Client, ``auto``); ``lake`` is (lake URI, sites file) exactly as the Dagster resource has them."""

    address: str
    lake_uri: str
    sites_file: str = ""
    namespace: str = "worldmill"
    requests: StageRequests = dataclasses.field(default_factory=StageRequests)
    retries: int = 3
    device: str = "cpu"

    _remote: Any = dataclasses.field(default=None, init=False, repr=False)

    def connect(self) -> None:
        """Join the cluster as a driver (once per process); the tasks' code is worldmill as the nodes have it."""
        import ray

        if not ray.is_initialized():
            try:
                ray.init(address=self.address, namespace=self.namespace, log_to_driver=False, logging_level=logging.WARNING)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ConfigError(
                    f"Could not join the Ray cluster at {self.address!r}: {exc}",
                    fix="start the head (`ray start --head ...`) or correct WORLDMILL_RAY_ADDRESS",
                ) from exc
        if self._remote is None:
            # max_calls=0: a worker process is never recycled after a task, not even a GPU one (Ray's default
            # for GPU tasks is 1), so a loaded generator and warm Warp kernels serve every later unit.
            self._remote = ray.remote(max_calls=0)(_run_unit)

    def nodes(self) -> list[dict[str, Any]]:
        import ray

        self.connect()
        return [n for n in ray.nodes() if n.get("Alive")]

    def _map(self, stage: str, request: WorkRequest, items: Sequence[tuple[str, Callable[..., Any], tuple]]) -> tuple[list, list[Placement]]:
        import ray

        self.connect()
        remote = self._remote.options(**ray_options(request, retries=self.retries))
        t0 = time.perf_counter()
        refs = [remote.remote(stage, item, fn, *args) for item, fn, args in items]
        results = ray.get(refs)
        wall = time.perf_counter() - t0
        return [r for r, _ in results], [dataclasses.replace(p, batch_wall_s=wall) for _, p in results]

    def _lake(self, site: str) -> tuple[str, str, str]:
        return (self.lake_uri, self.sites_file, site)

    def conditions(
        self, rows: Sequence[PromptRow], settings: RenderSettings, blobs: BlobStore, site: str
    ) -> tuple[stages.ConditionsMade, list[Placement]]:
        lake = self._lake(site)
        made, placements = self._map(
            "conditions", self.requests.render,
            [(r.sample_id, tasks.render_unit, (r, settings, lake, self.device)) for r in rows],
        )
        return stages.ConditionsMade.combine(made), placements

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
        load: Callable[[], Any] | None = None,
        device_slot: Callable[[], Any] | None = None,
    ) -> tuple[list[ClipRow], list[Placement]]:
        """Each sample on a worker that builds and loads the generator itself; a device backend's request
        reserves the GPU (Ray's reservation is the device slot), so ``load`` and ``device_slot`` are unused."""
        by_sample = stages.conditions_by_sample(rows, conditions)
        backend = get_generator(spec.backend, **json.loads(spec.options_json))  # not loaded: only its kind
        lake = self._lake(site)
        return self._map(
            "clips", self.requests.generate(backend),
            [(r.sample_id, tasks.clip_unit, (r, by_sample[r.sample_id], cell, spec, settings, lake)) for r in rows],
        )
