"""The loop back: when a new world-model version is registered, ask for footage where it is weakest."""

from __future__ import annotations

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from worldmill.assets.partitions import cells_partitions
from worldmill.federated.registry import Registry
from worldmill.federated.steering import weakest_strata
from worldmill.jobs import footage_job, steer_time_of_day
from worldmill.resources import LakeResource

WEAKEST_STRATA_PER_VERSION = 4


@sensor(job=footage_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.STOPPED)
def model_version_sensor(context: SensorEvaluationContext, lake: LakeResource) -> SensorResult | SkipReason:
    """Requests a footage round for each of the strata (cell × time of day) with the largest sampling
    weight under the newest model version; the cursor remembers the version already acted on."""
    registry = Registry(lake.catalogue)
    latest = registry.latest()
    if latest is None:
        return SkipReason("no world-model version registered yet: run `worldmill federate`")
    if context.cursor == latest.model_version:
        return SkipReason(f"{latest.model_version} already steered generation")
    weights = {row.stratum: row.sampling_weight for row in registry.evaluations(latest.model_version)}
    if not weights:
        return SensorResult(
            skip_reason=SkipReason(f"{latest.model_version} has no per-stratum evaluation"), cursor=latest.model_version
        )
    requests = weakest_strata(weights, WEAKEST_STRATA_PER_VERSION)
    known = set(context.instance.get_dynamic_partitions(cells_partitions.name))
    missing = sorted({r.cell_key for r in requests} - known)
    runs = [
        RunRequest(
            run_key=f"{latest.model_version}:{r.stratum}",
            partition_key=r.cell_key,
            tags={
                "worldmill/model_version": latest.model_version,
                "worldmill/stratum": r.stratum,
                "worldmill/time_of_day": r.time_of_day,
                "worldmill/sampling_weight": f"{r.weight:.4f}",
            },
            run_config=steer_time_of_day(r.time_of_day),
        )
        for r in requests
    ]
    return SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[cells_partitions.build_add_request(missing)] if missing else [],
        cursor=latest.model_version,
    )
