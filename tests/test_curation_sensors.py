"""The curation sensors on a real (ephemeral) Dagster instance and a temporary catalogue."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest_lake import T0, make_record
from dagster import DagsterInstance, SkipReason, build_sensor_context

from worldmill.lake import Catalogue
from worldmill.resources.lake import LakeResource
from worldmill.schemas.curation import DuplicateRow
from worldmill.schemas.records import CatalogueRow, ScoreRow
from worldmill.sensors.curation import COVERAGE, REGENERATION, coverage_gap_sensor, quality_regeneration_sensor


def cell(i: int) -> str:
    return f"city{i}-{1000 + i}__zoo"


def scores(cell_key: str, passed: int, failed: int, at: dt.datetime = T0) -> list[ScoreRow]:
    return [
        make_record(ScoreRow, clip_id=f"{cell_key}__r00000-{k:03d}__procedural", cell_key=cell_key,
                    status="pass" if k < passed else "fail", reason=None if k < passed else "blurry", scored_at=at)
        for k in range(passed + failed)
    ]


def accepted(cell_key: str, n: int, *, time_of_day: str = "noon", start: int = 0) -> list[CatalogueRow]:
    return [
        make_record(CatalogueRow, clip_id=f"{cell_key}__r00000-{k:03d}__procedural", cell_key=cell_key, venue="zoo",
                    time_of_day=time_of_day, weather="clear", camera_motion="orbit", status="pass", accepted=True)
        for k in range(start, start + n)
    ]


@pytest.fixture
def env(tmp_path):
    instance = DagsterInstance.ephemeral()
    uri = str(tmp_path / "lake")
    return instance, Catalogue(uri), {"lake": LakeResource(uri=uri)}


def tick(sensor, instance, resources, cursor=None):
    result = sensor(build_sensor_context(instance=instance, cursor=cursor, resources=resources))
    if isinstance(result, SkipReason):
        return [], cursor, result
    return [r.partition_key for r in result.run_requests], result.cursor, result


def test_quality_sensor_requests_the_worst_cells_first_and_bounded(env):
    instance, catalogue, resources = env
    catalogue.upsert([row for i, (p, f) in enumerate([(4, 0), (0, 4), (1, 3), (2, 2), (1, 4), (0, 5), (0, 1)])
                      for row in scores(cell(i), p, f)])
    cells, cursor, _ = tick(quality_regeneration_sensor, instance, resources)
    # pass rates: c1 0, c5 0, c6 0 (only 1 scored: below min_scored=2), c4 .2, c2 .25, c3 .5 (not below), c0 1
    assert cells == [cell(5), cell(1), cell(4), cell(2)][: REGENERATION.max_cells]
    assert set(json.loads(cursor)) == set(cells)


def test_quality_sensor_waits_for_new_scores_and_stops_after_the_cap(env):
    instance, catalogue, resources = env
    catalogue.upsert(scores(cell(1), 0, 3))
    cells, cursor, _ = tick(quality_regeneration_sensor, instance, resources)
    assert cells == [cell(1)]
    assert tick(quality_regeneration_sensor, instance, resources, cursor)[0] == []  # its run has not landed
    for n in range(1, REGENERATION.max_regenerations):
        catalogue.upsert(scores(cell(1), 0, 3, at=T0 + dt.timedelta(hours=n)))  # the new round fails too
        cells, cursor, _ = tick(quality_regeneration_sensor, instance, resources, cursor)
        assert cells == [cell(1)]
    catalogue.upsert(scores(cell(1), 0, 3, at=T0 + dt.timedelta(days=9)))
    cells, _, skip = tick(quality_regeneration_sensor, instance, resources, cursor)
    assert cells == [] and "pass rate" in skip.skip_message


def test_coverage_sensor_fills_the_thinnest_cells_first(env):
    instance, catalogue, resources = env
    instance.add_dynamic_partitions("cells", [cell(i) for i in range(6)])
    catalogue.upsert(accepted(cell(0), 30) + accepted(cell(1), 5) + accepted(cell(2), 2)
                     + accepted(cell(3), 2, time_of_day="night") + accepted(cell(3), 1, start=2)
                     + accepted(cell(4), 3))
    catalogue.upsert([DuplicateRow(clip_id=f"{cell(4)}__r00000-{k:03d}__procedural", cell_key=cell(4),
                                   kept_id=f"{cell(4)}__r00000-000__procedural", duplicate=k > 0, method="phash",
                                   hamming_bits=0.0, cosine=None, cluster=0, quality_score=0.5, deduped_at=T0)
                      for k in range(3)])
    cells, cursor, result = tick(coverage_gap_sensor, instance, resources)
    # accepted: c5 0, c4 1 (two duplicates), c2 2, c3 3 (2 combos), c1 5, c0 30 (full)
    assert cells == [cell(5), cell(4), cell(2), cell(3)][: COVERAGE.max_cells]
    tags = {r.partition_key: r.tags for r in result.run_requests}
    assert tags[cell(3)]["worldmill/thinnest"] == "noon/clear/orbit" and tags[cell(5)]["worldmill/accepted"] == "0"
    steer = {r.partition_key: r.run_config for r in result.run_requests}
    assert steer[cell(3)] == {"ops": {"prompts": {"config": {"time_of_day": "noon"}}}}  # the run makes that stratum

    again, cursor2, _ = tick(coverage_gap_sensor, instance, resources, cursor)
    assert again == [cell(1)]  # the others are cooling down; c0 is full
    catalogue.upsert(accepted(cell(2), 1, start=10))  # a run landed for c2: its count moved
    assert tick(coverage_gap_sensor, instance, resources, cursor2)[0] == [cell(2)]


def test_coverage_sensor_skips_without_cells(env):
    instance, _, resources = env
    cells, _, skip = tick(coverage_gap_sensor, instance, resources)
    assert cells == [] and "no cells" in skip.skip_message
