"""Maintenance: decisions from synthetic statistics, and a real run on a table written in small batches."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest_lake import catalogue_row

from worldmill.errors import ConfigError
from worldmill.lake.maintenance import (
    MaintenancePolicy,
    TableStats,
    collect_stats,
    needs_maintenance,
    plan_maintenance,
    run_maintenance,
)

POLICY = MaintenancePolicy()
HEALTHY = TableStats(
    site="aws-us",
    table="catalogue",
    version=5,
    file_count=4,
    small_file_count=0,
    total_bytes=4 << 27,
    rows=2_000_000,
    columns=("clip_id", "city", "venue", "published_at"),
    partition_columns=("venue",),
    versions_since_checkpoint=3,
    versions_since_zorder=2,
    vacuumable_files=0,
)

pytest_plugins = ("fixtures.lake",)  # fixtures: catalogue


def kinds(stats: TableStats, policy: MaintenancePolicy = POLICY) -> list[str]:
    return [a.kind for a in plan_maintenance(stats, policy)]


def test_a_healthy_table_needs_nothing():
    assert plan_maintenance(HEALTHY, POLICY) == []


def test_many_small_files_on_a_large_table_get_z_ordered_by_non_partition_columns():
    stats = dataclasses.replace(HEALTHY, file_count=200, small_file_count=190)
    (zorder, checkpoint) = plan_maintenance(stats, POLICY)
    assert zorder.kind == "zorder" and zorder.columns == ("city", "published_at")  # venue is a partition column
    assert "190/200 files below 16 MiB" in zorder.reason
    assert checkpoint.kind == "checkpoint" and "after rewrite" in checkpoint.reason


def test_small_tables_are_compacted_not_z_ordered():
    stats = dataclasses.replace(HEALTHY, rows=500, file_count=40, small_file_count=40)
    assert kinds(stats) == ["compact", "checkpoint"]


def test_z_order_alternatives_and_tables_without_filter_columns():
    stats = dataclasses.replace(
        HEALTHY, columns=("clip_id", "city_key", "created_at"), partition_columns=(), file_count=50, small_file_count=50
    )
    assert plan_maintenance(stats, POLICY)[0].columns == ("city_key", "created_at")
    plain = dataclasses.replace(stats, columns=("clip_id", "status"))
    assert kinds(plain) == ["compact", "checkpoint"]


def test_small_file_thresholds_are_both_required():
    few = dataclasses.replace(HEALTHY, file_count=7, small_file_count=7, rows=100)  # fewer than min_small_files
    assert kinds(few) == []
    diluted = dataclasses.replace(HEALTHY, file_count=100, small_file_count=20, rows=100)  # ratio 0.2 < 0.3
    assert kinds(diluted) == []


def test_stale_clustering_triggers_z_order_even_without_small_files():
    assert kinds(dataclasses.replace(HEALTHY, versions_since_zorder=25)) == ["zorder", "checkpoint"]
    assert kinds(dataclasses.replace(HEALTHY, versions_since_zorder=None)) == ["zorder", "checkpoint"]
    assert kinds(dataclasses.replace(HEALTHY, versions_since_zorder=None, file_count=1)) == []


def test_checkpoint_and_vacuum_thresholds():
    assert kinds(dataclasses.replace(HEALTHY, versions_since_checkpoint=10)) == ["checkpoint"]
    assert kinds(dataclasses.replace(HEALTHY, versions_since_checkpoint=9)) == []
    assert kinds(dataclasses.replace(HEALTHY, vacuumable_files=3)) == ["vacuum"]
    eager = MaintenancePolicy(checkpoint_interval=2, min_vacuumable_files=5)
    assert kinds(dataclasses.replace(HEALTHY, vacuumable_files=3), eager) == ["checkpoint"]


def test_invalid_policy_is_rejected():
    with pytest.raises(ConfigError, match="retention -1"):
        MaintenancePolicy(vacuum_retention_hours=-1)


def _many_small_batches(catalogue, batches: int = 12, per_batch: int = 5) -> None:
    for b in range(batches):
        catalogue.upsert(
            [
                catalogue_row(
                    b * per_batch + i, venue="zoo" if i % 2 else "museum", city=["Tokyo", "Lagos", "Paris"][i % 3]
                )
                for i in range(per_batch)
            ]
        )


def test_run_maintenance_compacts_checkpoints_records_and_keeps_results(catalogue):
    _many_small_batches(catalogue)
    query = "SELECT city, venue, count(*) AS n FROM catalogue GROUP BY ALL ORDER BY ALL"
    before = catalogue.sql(query)
    stats = collect_stats(catalogue, "catalogue", POLICY)
    assert stats.version == 11 and stats.file_count == 24 and stats.small_file_count == 24
    assert stats.versions_since_checkpoint == 12 and stats.versions_since_zorder is None and stats.rows == 60
    rows = run_maintenance(catalogue, MaintenancePolicy(zorder_min_rows=10))
    assert [(r.action, r.status) for r in rows] == [("zorder", "done"), ("checkpoint", "done")]
    assert rows[0].files_before == 24 and rows[0].files_after == 2  # one file per venue partition
    assert json.loads(rows[0].detail_json)["numFilesRemoved"] == 24
    assert catalogue.sql(query).equals(before)
    recorded = catalogue.read("maintenance").sort("started_at")
    assert recorded["action"].to_list() == ["zorder", "checkpoint"] and set(recorded["site"]) == {"local"}
    after = collect_stats(catalogue, "catalogue", POLICY)
    assert after.versions_since_checkpoint == 0 and after.versions_since_zorder == 0
    # time travel to a version before maintenance still works while within the retention
    old = catalogue.delta_table("catalogue")
    old.load_as_version(5)
    assert old.to_pyarrow_table().num_rows == 30
    # nothing left to do: a second run plans nothing
    assert needs_maintenance(catalogue, MaintenancePolicy(zorder_min_rows=10)) == {}


def test_vacuum_respects_retention(catalogue):
    _many_small_batches(catalogue, batches=10)
    policy = MaintenancePolicy(zorder_min_rows=10**9)  # compact only
    run_maintenance(catalogue, policy)
    kept = collect_stats(catalogue, "catalogue", policy)
    assert kept.vacuumable_files == 0  # the replaced files are younger than 7 days
    eager = MaintenancePolicy(zorder_min_rows=10**9, vacuum_retention_hours=0)
    assert collect_stats(catalogue, "catalogue", eager).vacuumable_files == 20
    rows = run_maintenance(catalogue, eager)
    assert [r.action for r in rows] == ["vacuum"] and json.loads(rows[0].detail_json) == {"files_removed": 20}
    assert catalogue.read("catalogue").height == 50


def test_dry_run_plans_without_changing_anything(catalogue):
    _many_small_batches(catalogue, batches=10)
    rows = run_maintenance(catalogue, dry_run=True)
    assert {r.status for r in rows} == {"planned"} and catalogue.version("catalogue") == 9
    assert not catalogue.exists("maintenance")
