"""Curation sensors: regenerate cells whose clips fail curation or were made by an older release, and fill the
thinnest cells first."""

from __future__ import annotations

import json

from dagster import DefaultSensorStatus, RunRequest, SensorEvaluationContext, SensorResult, SkipReason, sensor

from worldmill.assets.partitions import cells_partitions
from worldmill.curation.regeneration import (
    CoveragePolicy,
    RegenerationPolicy,
    cell_coverage,
    cell_quality,
    cells_to_regenerate,
    load_state,
    outdated_cells,
    thinnest_cells,
)
from worldmill.generation.procedural import current_made_by
from worldmill.jobs import footage_job, steer_time_of_day
from worldmill.resources.lake import LakeResource
from worldmill.schemas.records import utcnow
from worldmill.sensors.generation import MAX_RUNS_PER_TICK, cells_in_flight

REGENERATION = RegenerationPolicy()
COVERAGE = CoveragePolicy()


@sensor(job=footage_job, minimum_interval_seconds=120, default_status=DefaultSensorStatus.STOPPED)
def quality_regeneration_sensor(context: SensorEvaluationContext, lake: LakeResource) -> SensorResult | SkipReason:
    """Cells whose scored pass rate is below the threshold get a new round (the next round's seeds are new)."""
    chosen, state = cells_to_regenerate(cell_quality(lake.catalogue), load_state(context.cursor), REGENERATION)
    if not chosen:
        return SkipReason(f"no cell below a {REGENERATION.min_pass_rate:.0%} pass rate with new scores")
    runs = [
        RunRequest(
            run_key=f"regenerate-{s.cell_key}-{s.latest_scored_at.isoformat()}",
            partition_key=s.cell_key,
            tags={"worldmill/reason": "quality", "worldmill/pass_rate": f"{s.pass_rate:.2f}"},
        )
        for s in chosen
    ]
    return SensorResult(run_requests=runs, cursor=json.dumps(state, sort_keys=True))


@sensor(job=footage_job, minimum_interval_seconds=300, default_status=DefaultSensorStatus.STOPPED)
def coverage_gap_sensor(context: SensorEvaluationContext, lake: LakeResource) -> SensorResult | SkipReason:
    """Counts accepted clips per cell × time of day × weather × camera motion and asks for the thinnest cells."""
    cells = sorted(context.instance.get_dynamic_partitions(cells_partitions.name))
    if not cells:
        return SkipReason("no cells registered yet")
    now = utcnow()
    chosen, state = thinnest_cells(cell_coverage(lake.catalogue, cells), load_state(context.cursor), COVERAGE, now)
    if not chosen:
        return SkipReason(f"every cell has {COVERAGE.target_accepted} accepted clips or was asked for recently")
    runs = [
        RunRequest(
            run_key=f"coverage-{c.cell_key}-{c.accepted}-{now.isoformat()}",
            partition_key=c.cell_key,
            tags={"worldmill/reason": "coverage", "worldmill/accepted": str(c.accepted),
                  "worldmill/thinnest": c.thinnest or "none"},
            run_config=steer_time_of_day(c.thinnest.split("/")[0] if c.thinnest else None),
        )
        for c in chosen
    ]
    return SensorResult(run_requests=runs, cursor=json.dumps(state, sort_keys=True))


@sensor(job=footage_job, minimum_interval_seconds=300, default_status=DefaultSensorStatus.STOPPED)
def outdated_footage_sensor(context: SensorEvaluationContext, lake: LakeResource) -> SensorResult | SkipReason:
    """Cells whose footage all predates this release's generator or asset library get one new round each (per
    release: the run key names the versions); the old clips stay, marked superseded in ``clip_versions``."""
    generator_version, library_version = current_made_by()
    made_by = f"g{generator_version}-l{library_version}"
    state = load_state(context.cursor)
    asked = set(state.get("asked", [])) if state.get("made_by") == made_by else set()
    busy = cells_in_flight(context) | asked
    due = [c for c in outdated_cells(lake.catalogue, (generator_version, library_version)) if c not in busy]
    if not due:
        return SkipReason(f"no cell waits for its first footage of generator {generator_version}, library {library_version}")
    chosen = due[:MAX_RUNS_PER_TICK]
    runs = [
        RunRequest(run_key=f"outdated-{cell}-{made_by}", partition_key=cell,
                   tags={"worldmill/reason": "outdated", "worldmill/made_by": made_by})
        for cell in chosen
    ]
    cursor = json.dumps({"made_by": made_by, "asked": sorted(asked | set(chosen))})
    return SensorResult(run_requests=runs, cursor=cursor)
