"""Autonomous table maintenance: read each table's statistics, decide what it needs, do it, record it.

``plan_maintenance`` is a pure function of ``TableStats`` and ``MaintenancePolicy`` (unit-tested from
synthetic statistics); ``collect_stats`` reads the statistics from Delta; ``run_maintenance`` executes a plan
and appends every action to the ``maintenance`` table. A Dagster schedule and sensor
(``worldmill.sensors.lake``) and ``worldmill maintain`` call the same functions.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import time
from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from worldmill.errors import ConfigError
from worldmill.lake.catalogue import Catalogue
from worldmill.lake.uris import fsspec_path, join
from worldmill.schemas.lake import MaintenanceRow

log = logging.getLogger(__name__)

ACTIONS = ("compact", "zorder", "checkpoint", "vacuum")
MiB = 1 << 20


@dataclasses.dataclass(frozen=True)
class MaintenancePolicy:
    """Thresholds for the decisions. Defaults suit tables written by many small per-cell batches."""

    small_file_bytes: int = 16 * MiB  # a data file below this is "small"
    min_small_files: int = 8  # compact when at least this many files are small ...
    small_file_ratio: float = 0.3  # ... and they are at least this share of all files
    # z-order by the columns analytics filter on; each group lists alternative names, first present wins
    zorder_columns: tuple[tuple[str, ...], ...] = (("city", "city_key"), ("venue",), ("created_at", "published_at"))
    zorder_after_versions: int = 20  # re-cluster once this many commits landed since the last z-order
    zorder_min_rows: int = 10_000  # below this a table is scanned whole anyway: compacting is enough
    checkpoint_interval: int = 10  # versions since the last checkpoint
    vacuum_retention_hours: float = 168.0  # keep time travel to versions of the last 7 days
    min_vacuumable_files: int = 1
    target_file_bytes: int | None = None  # deltalake's default (100 MiB) when None

    def __post_init__(self) -> None:
        if self.vacuum_retention_hours < 0 or not 0 <= self.small_file_ratio <= 1:
            raise ConfigError(
                f"Invalid maintenance policy (retention {self.vacuum_retention_hours} h, "
                f"small-file ratio {self.small_file_ratio}).",
                fix="use a retention >= 0 hours and a ratio between 0 and 1.",
            )


@dataclasses.dataclass(frozen=True)
class TableStats:
    """What maintenance decides from, per table and site."""

    site: str
    table: str
    version: int
    file_count: int
    small_file_count: int
    total_bytes: int
    rows: int
    columns: tuple[str, ...]
    partition_columns: tuple[str, ...]
    versions_since_checkpoint: int
    versions_since_zorder: int | None  # None: never z-ordered
    vacuumable_files: int

    @property
    def small_file_ratio(self) -> float:
        return self.small_file_count / self.file_count if self.file_count else 0.0


@dataclasses.dataclass(frozen=True)
class Action:
    kind: str  # one of ACTIONS
    site: str
    table: str
    reason: str
    columns: tuple[str, ...] = ()


def zorder_columns_for(stats: TableStats, policy: MaintenancePolicy) -> tuple[str, ...]:
    """The policy's z-order columns present in the table (first alternative of each group), excluding
    partition columns (Delta cannot z-order by them)."""
    chosen = []
    for group in policy.zorder_columns:
        for name in group:
            if name in stats.columns and name not in stats.partition_columns:
                chosen.append(name)
                break
    return tuple(chosen)


def plan_maintenance(stats: TableStats, policy: MaintenancePolicy) -> list[Action]:
    """Decide the actions for one table, in the order they should run: rewrite, checkpoint, vacuum."""
    actions: list[Action] = []
    many_small = stats.small_file_count >= policy.min_small_files and stats.small_file_ratio >= policy.small_file_ratio
    columns = zorder_columns_for(stats, policy)
    clusterable = bool(columns) and stats.rows >= policy.zorder_min_rows and stats.file_count > 1
    stale_order = stats.versions_since_zorder is None or stats.versions_since_zorder >= policy.zorder_after_versions
    small = f"{stats.small_file_count}/{stats.file_count} files below {policy.small_file_bytes // MiB} MiB"
    if clusterable and (many_small or stale_order):
        since = (
            "never z-ordered"
            if stats.versions_since_zorder is None
            else (f"{stats.versions_since_zorder} versions since the last z-order")
        )
        why = f"{small}; {since}" if many_small else since
        actions.append(Action("zorder", stats.site, stats.table, why, columns))
    elif many_small:
        actions.append(Action("compact", stats.site, stats.table, small))
    rewrote = bool(actions)
    if stats.versions_since_checkpoint >= policy.checkpoint_interval or (rewrote and stats.versions_since_checkpoint):
        why = f"{stats.versions_since_checkpoint} versions since the last checkpoint"
        actions.append(Action("checkpoint", stats.site, stats.table, why + ("; after rewrite" if rewrote else "")))
    if stats.vacuumable_files >= policy.min_vacuumable_files:
        why = f"{stats.vacuumable_files} unreferenced files older than {policy.vacuum_retention_hours:g} h"
        actions.append(Action("vacuum", stats.site, stats.table, why))
    return actions


# -- statistics from Delta ----------------------------------------------------------------------------------
def _last_checkpoint_version(catalogue: Catalogue, table: str) -> int | None:
    fs = catalogue.filesystem
    if fs is None:
        return None
    path = fsspec_path(join(catalogue.table_uri(table), "_delta_log", "_last_checkpoint"))
    try:
        return int(json.loads(fs.cat_file(path))["version"])
    except FileNotFoundError:
        return None


def collect_stats(catalogue: Catalogue, table: str, policy: MaintenancePolicy) -> TableStats:
    dt_ = catalogue.delta_table(table)
    version = dt_.version()
    adds = pa.table(dt_.get_add_actions(flatten=True))
    sizes = adds.column("size_bytes").to_pylist() if adds.num_rows else []
    rows = adds.column("num_records").to_pylist() if adds.num_rows and "num_records" in adds.column_names else []
    checkpoint = _last_checkpoint_version(catalogue, table)
    zorder_at = None
    for entry in dt_.history(limit=200):
        metrics = entry.get("operationMetrics") or {}
        if entry.get("operation") == "OPTIMIZE" and metrics.get("plannerStrategy") == "zOrder":
            zorder_at = int(entry["version"])
            break
    vacuumable = dt_.vacuum(
        retention_hours=int(policy.vacuum_retention_hours), dry_run=True, enforce_retention_duration=False
    )
    schema = pa.schema(dt_.schema().to_arrow())
    return TableStats(
        site=catalogue.site or "local",
        table=table,
        version=version,
        file_count=len(sizes),
        small_file_count=sum(1 for s in sizes if s < policy.small_file_bytes),
        total_bytes=int(sum(sizes)),
        rows=int(sum(r or 0 for r in rows)),
        columns=tuple(schema.names),
        partition_columns=tuple(dt_.metadata().partition_columns),
        versions_since_checkpoint=version - checkpoint if checkpoint is not None else version + 1,
        versions_since_zorder=None if zorder_at is None else version - zorder_at,
        vacuumable_files=len(vacuumable),
    )


# -- execution ----------------------------------------------------------------------------------------------
def _execute(catalogue: Catalogue, action: Action, policy: MaintenancePolicy) -> dict[str, Any]:
    dt_ = catalogue.delta_table(action.table)
    if action.kind == "compact":
        return dt_.optimize.compact(target_size=policy.target_file_bytes)
    if action.kind == "zorder":
        return dt_.optimize.z_order(list(action.columns), target_size=policy.target_file_bytes)
    if action.kind == "checkpoint":
        dt_.create_checkpoint()
        return {"checkpoint_version": dt_.version()}
    if action.kind == "vacuum":
        removed = dt_.vacuum(
            retention_hours=int(policy.vacuum_retention_hours), dry_run=False, enforce_retention_duration=False
        )
        return {"files_removed": len(removed)}
    raise ConfigError(f"Unknown maintenance action {action.kind!r}.", fix=f"use one of {ACTIONS}.")


def run_maintenance(
    catalogue: Catalogue,
    policy: MaintenancePolicy | None = None,
    *,
    tables: Sequence[str] | None = None,
    dry_run: bool = False,
) -> list[MaintenanceRow]:
    """Collect stats, plan and (unless ``dry_run``) execute per table; record every action in ``maintenance``.

    A failing action is recorded with status "failed" and the error, and the other tables still run.
    """
    policy = policy or MaintenancePolicy()
    names = list(tables) if tables is not None else [t for t in catalogue.tables() if t != MaintenanceRow.table]
    rows: list[MaintenanceRow] = []
    for table in names:
        stats = collect_stats(catalogue, table, policy)
        for action in plan_maintenance(stats, policy):
            rows.append(_run_one(catalogue, stats, action, policy, dry_run))
    if rows and not dry_run:
        catalogue.upsert(rows)
    return rows


def _run_one(
    catalogue: Catalogue, stats: TableStats, action: Action, policy: MaintenancePolicy, dry_run: bool
) -> MaintenanceRow:
    started = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    version_before = catalogue.version(action.table) if not dry_run else stats.version
    status, detail, files_after, version_after = "planned", {}, None, None
    if not dry_run:
        try:
            detail = _execute(catalogue, action, policy)
            status = "done"
            version_after = catalogue.version(action.table)
            files_after = len(catalogue.delta_table(action.table).file_uris())
        except Exception as exc:  # noqa: BLE001 - recorded, the other actions go on
            status, detail = "failed", {"error": f"{type(exc).__name__}: {str(exc)[:500]}"}
            log.warning("maintenance %s on %s/%s failed: %s", action.kind, stats.site, action.table, exc)
    return MaintenanceRow(
        action_id=f"{stats.site}/{action.table}/v{version_before}/{action.kind}/{started:%Y%m%dT%H%M%S%f}",
        site=stats.site,
        table_name=action.table,
        action=action.kind,
        reason=action.reason + (f" (columns {', '.join(action.columns)})" if action.columns else ""),
        status=status,
        version_before=int(version_before if version_before is not None else -1),
        version_after=version_after,
        files_before=stats.file_count,
        files_after=files_after,
        small_file_ratio=stats.small_file_ratio,
        versions_since_checkpoint=stats.versions_since_checkpoint,
        detail_json=json.dumps(detail, default=str, sort_keys=True),
        duration_s=time.perf_counter() - t0,
        started_at=started,
    )


def needs_maintenance(catalogue: Catalogue, policy: MaintenancePolicy | None = None) -> dict[str, list[Action]]:
    """Tables with a non-empty plan (the sensor's cheap check; nothing is changed)."""
    policy = policy or MaintenancePolicy()
    out = {}
    for table in catalogue.tables():
        if table == MaintenanceRow.table:
            continue
        plan = plan_maintenance(collect_stats(catalogue, table, policy), policy)
        if plan:
            out[table] = plan
    return out
