"""Where the heavy per-sample stages run: this machine (default) or a Ray cluster (``WORLDMILL_RAY_ADDRESS``).

The assets ask this resource for an engine and hand it their samples; the engine is the local worker pool when
no address is set, so the default is the code path worldmill always had.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from worldmill.cluster import (
    LocalEngine,
    Placement,
    SampleEngine,
    StageRequests,
    WorkRequest,
    check_cluster_storage,
    placement_summary,
)
from worldmill.errors import ConfigError
from worldmill.resources.lake import LakeResource


class ClusterResource(ConfigurableResource):
    """``address``: the Ray head (``host:port``, ``ray://host:10001``); empty: run on this machine.
    ``same_host`` ("true"/"false", a string so that an ``EnvVar`` can set it): every node runs on this machine,
    so a local-path lake and a SQLite instance are allowed.
    The ``*_cpus``/``*_gpus``/``*_memory_mb`` fields are what one sample of each stage reserves on a node."""

    address: str = ""
    same_host: str = "false"
    namespace: str = "worldmill"
    render_cpus: float = Field(default=1.0, ge=0)
    generate_cpus: float = Field(default=1.0, ge=0)
    generate_gpus: float = Field(default=1.0, ge=0)
    generate_memory_mb: int = Field(default=16_000, ge=0)
    retries: int = Field(default=3, ge=0)

    _instance_storage: str = PrivateAttr(default="")

    def setup_for_execution(self, context: InitResourceContext | None) -> None:
        instance = context.instance if context is not None else None
        self._instance_storage = type(instance.run_storage).__name__ if instance is not None else ""

    @property
    def is_same_host(self) -> bool:
        value = self.same_host.strip().lower()
        if value not in ("true", "false", "1", "0", "yes", "no", ""):
            raise ConfigError(f"WORLDMILL_RAY_SAME_HOST={self.same_host!r} is not a yes/no value.", fix="use true or false")
        return value in ("true", "1", "yes")

    @property
    def enabled(self) -> bool:
        return bool(self.address.strip())

    def requests(self) -> StageRequests:
        return StageRequests(
            render=WorkRequest(num_cpus=self.render_cpus),
            generate_cpu=WorkRequest(num_cpus=self.generate_cpus),
            generate_device=WorkRequest(num_cpus=self.generate_cpus, num_gpus=self.generate_gpus, memory_mb=self.generate_memory_mb),
        )

    def engine(self, lake: LakeResource, *, workers: int, device: str = "cpu") -> SampleEngine:
        """The local worker pool, or the Ray engine after checking that every node can share lake and instance."""
        if not self.enabled:
            return LocalEngine(workers=workers, device=device)
        from worldmill.cluster.ray_engine import RayEngine

        roots = {site: storage.root_uri for site, storage in lake.lake.storage.items()}
        check_cluster_storage(self.address, roots, self._instance_storage, same_host=self.is_same_host)
        # Workers open the lake themselves: a single lake travels as its absolute root, several as the sites file.
        lake_uri = lake.uri if lake.sites_file else next(iter(roots.values()))
        return RayEngine(
            address=self.address.strip(), lake_uri=lake_uri, sites_file=lake.sites_file, namespace=self.namespace,
            requests=self.requests(), retries=self.retries, device=device,
        )

    def metadata(self, placements: list[Placement]) -> dict[str, Any]:
        """Where the units ran (cluster only: a local run's metadata stays as it was)."""
        if not self.enabled:
            return {}
        summary = placement_summary(placements)
        return {
            "cluster_nodes": summary["nodes"],
            "cluster_units_per_node": summary["units_per_node"],
            "cluster_gpu_ids": summary["gpu_ids"],
            "cluster_work_s": summary["work_s"],
            "cluster_batch_wall_s": summary["batch_wall_s"],
            "cluster_placements": [dataclasses.asdict(p) for p in placements],
        }
