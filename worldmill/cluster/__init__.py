"""Running the heavy footage stages beyond one machine. ``work`` declares requests and the engine interface
(no Dagster, no Ray); ``ray_engine`` runs units on a Ray cluster; ``tasks`` is what a worker executes."""

from worldmill.cluster.config import check_cluster_storage
from worldmill.cluster.work import (
    GeneratorSpec,
    LocalEngine,
    Placement,
    SampleEngine,
    StageRequests,
    WorkRequest,
    placement_summary,
)

__all__ = [
    "GeneratorSpec",
    "LocalEngine",
    "Placement",
    "SampleEngine",
    "StageRequests",
    "WorkRequest",
    "check_cluster_storage",
    "placement_summary",
]
