"""Autonomous lake maintenance in Dagster: a nightly schedule and a sensor that runs the same decision
(``worldmill.lake.maintenance``) as soon as some table's statistics call for it.

Add to ``Definitions``: ``jobs=[lake_maintenance_job]``, ``schedules=[lake_maintenance_schedule]``,
``sensors=[lake_maintenance_sensor]`` (resource key ``lake``: ``LakeResource``).
"""

import hashlib
import json

from dagster import (
    DefaultScheduleStatus,
    DefaultSensorStatus,
    MetadataValue,
    OpExecutionContext,
    Output,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    job,
    op,
    schedule,
    sensor,
)

from worldmill.lake.commands import maintain
from worldmill.lake.maintenance import needs_maintenance
from worldmill.resources.lake import LakeResource


@op(description="Compact / z-order / checkpoint / vacuum each table of each site as its statistics require.")
def lake_maintenance_op(context: OpExecutionContext, lake: LakeResource) -> Output[int]:
    target = lake.lake
    rows = maintain(target)
    for row in rows:
        context.log.info(f"{row['site']}/{row['table_name']}: {row['action']} {row['status']} - {row['reason']}")
    failed = [r for r in rows if r["status"] == "failed"]
    metadata = {
        "actions": len(rows),
        "failed": len(failed),
        "by_action": MetadataValue.json(
            {a: sum(r["action"] == a for r in rows) for a in sorted({r["action"] for r in rows})}
        ),
        "sites": MetadataValue.json(target.describe()),  # no secret values: names of variables only
    }
    if failed:
        context.log.warning(f"{len(failed)} maintenance actions failed; see the maintenance table")
    return Output(len(rows), metadata=metadata)


@job(description="Run the lake maintenance decision now (also: `worldmill maintain`).")
def lake_maintenance_job() -> None:
    lake_maintenance_op()


@schedule(
    job=lake_maintenance_job,
    cron_schedule="0 3 * * *",
    execution_timezone="UTC",
    default_status=DefaultScheduleStatus.RUNNING,
)
def lake_maintenance_schedule() -> RunRequest:
    """Nightly pass: checkpoints and vacuums happen even on tables the sensor found quiet."""
    return RunRequest()


@sensor(job=lake_maintenance_job, minimum_interval_seconds=900, default_status=DefaultSensorStatus.RUNNING)
def lake_maintenance_sensor(context: SensorEvaluationContext, lake: LakeResource) -> RunRequest | SkipReason:
    """Requests a maintenance run when any table's plan is non-empty (one run per distinct table state)."""
    target = lake.lake
    due = {}
    for site in target.sites:
        for table, actions in needs_maintenance(target.catalogue(site)).items():
            due[f"{site}/{table}"] = {
                "version": target.catalogue(site).version(table),
                "actions": [a.kind for a in actions],
            }
    if not due:
        return SkipReason("every table is within the maintenance policy")
    state = json.dumps(due, sort_keys=True)
    context.log.info(f"maintenance due: {state}")
    return RunRequest(run_key=hashlib.sha256(state.encode()).hexdigest()[:16], tags={"worldmill/maintenance": "sensor"})
