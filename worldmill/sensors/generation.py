"""Sensors that keep the cell partitions in step with the taxonomy and keep footage coming."""

from __future__ import annotations

import json

from dagster import (
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunsFilter,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    sensor,
)

from worldmill.assets.partitions import cells_partitions
from worldmill.jobs import footage_job, taxonomy_job
from worldmill.resources import TaxonomyResource

MAX_RUNS_PER_TICK = 4
IN_FLIGHT = [DagsterRunStatus.QUEUED, DagsterRunStatus.NOT_STARTED, DagsterRunStatus.STARTING, DagsterRunStatus.STARTED]


def cells_in_flight(context: SensorEvaluationContext) -> set[str]:
    """Cells with a footage run not yet finished: requesting another would redo the same round's seeds."""
    runs = context.instance.get_runs(filters=RunsFilter(job_name=footage_job.name, statuses=IN_FLIGHT))
    return {run.tags["dagster/partition"] for run in runs if "dagster/partition" in run.tags}


@sensor(job=taxonomy_job, minimum_interval_seconds=300, default_status=DefaultSensorStatus.RUNNING)
def taxonomy_sensor(context: SensorEvaluationContext, taxonomy_source: TaxonomyResource) -> SensorResult | SkipReason:
    """Registers a partition for every new (city, venue) cell and refreshes the taxonomy tables when it changes."""
    tax = taxonomy_source.load()
    known = set(context.instance.get_dynamic_partitions(cells_partitions.name))
    new = sorted({cell.key for cell in tax.cells(None, None)} - known)
    if not new and context.cursor == tax.fingerprint:
        return SkipReason("taxonomy unchanged")
    runs = [] if context.cursor == tax.fingerprint else [RunRequest(run_key=f"taxonomy-{tax.fingerprint[:16]}")]
    return SensorResult(
        run_requests=runs,
        dynamic_partitions_requests=[cells_partitions.build_add_request(new)] if new else [],
        cursor=tax.fingerprint,
    )


@sensor(job=footage_job, minimum_interval_seconds=60, default_status=DefaultSensorStatus.STOPPED)
def generation_sensor(context: SensorEvaluationContext) -> SensorResult | SkipReason:
    """Unending generation: walks the registered cells in order and requests a new round for a few per tick."""
    cells = sorted(context.instance.get_dynamic_partitions(cells_partitions.name))
    if not cells:
        return SkipReason("no cells registered yet: the taxonomy sensor registers them")
    state = json.loads(context.cursor) if context.cursor else {"position": 0, "lap": 0}
    busy = cells_in_flight(context)
    runs = []
    position, lap = state["position"], state["lap"]
    for _ in range(len(cells)):  # at most one lap per tick
        if len(runs) == MAX_RUNS_PER_TICK:
            break
        if position >= len(cells):
            position, lap = 0, lap + 1
        cell = cells[position]
        position += 1
        if cell not in busy:
            runs.append(RunRequest(run_key=f"{cell}@lap{lap}", partition_key=cell))
    if not runs:
        return SkipReason(f"all {len(busy)} cells in reach have a run in flight")
    return SensorResult(run_requests=runs, cursor=json.dumps({"position": position, "lap": lap}))
