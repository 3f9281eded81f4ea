"""Which cells need more footage: pure decisions over catalogue statistics, used by the curation sensors.

Both decisions are bounded (at most ``max_cells`` per call) and remember what they asked for in a small JSON
state (the sensor cursor), so a cell is not asked for again while its last request has not changed anything.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from worldmill.errors import ConfigError
from worldmill.lake import Catalogue
from worldmill.lake.catalogue import sql_list
from worldmill.lake.views import MADE_BY


@dataclasses.dataclass(frozen=True)
class CellQuality:
    cell_key: str
    scored: int
    passed: int
    latest_scored_at: dt.datetime

    @property
    def pass_rate(self) -> float:
        return self.passed / self.scored if self.scored else 0.0


@dataclasses.dataclass(frozen=True)
class CellCoverage:
    cell_key: str
    accepted: int  # accepted, non-duplicate clips
    combinations: int  # distinct (time of day, weather, camera motion) among them
    thinnest: str  # the least covered (time of day, weather, camera motion) values, for the run's tags


@dataclasses.dataclass(frozen=True)
class RegenerationPolicy:
    min_pass_rate: float = 0.5
    min_scored: int = 2  # judge a cell only once it has this many scored clips
    max_regenerations: int = 3  # per cell, so a cell that cannot pass does not loop forever
    max_cells: int = 4  # per sensor tick

    def __post_init__(self) -> None:
        if not 0 <= self.min_pass_rate <= 1 or self.min_scored < 1 or self.max_cells < 1 or self.max_regenerations < 0:
            raise ConfigError(f"Invalid regeneration policy {self}.", fix="min_pass_rate 0..1, min_scored >= 1, max_cells >= 1")


@dataclasses.dataclass(frozen=True)
class CoveragePolicy:
    target_accepted: int = 20  # accepted clips per cell before it stops asking
    cooldown_s: float = 3600.0  # wait before asking again for a cell whose count has not moved
    max_cells: int = 4

    def __post_init__(self) -> None:
        if self.target_accepted < 1 or self.cooldown_s < 0 or self.max_cells < 1:
            raise ConfigError(f"Invalid coverage policy {self}.", fix="target_accepted >= 1, cooldown_s >= 0, max_cells >= 1")


def cell_quality(catalogue: Catalogue) -> list[CellQuality]:
    """Pass counts per cell from the ``scores`` table (DuckDB)."""
    if not catalogue.exists("scores"):
        return []
    frame = catalogue.sql(
        """SELECT cell_key, count(*) AS scored, count(*) FILTER (WHERE status = 'pass') AS passed,
                  max(scored_at) AS latest_scored_at
           FROM scores GROUP BY cell_key ORDER BY cell_key"""
    )
    return [CellQuality(**row) for row in frame.to_dicts()]


def cell_coverage(catalogue: Catalogue, cells: Sequence[str]) -> list[CellCoverage]:
    """Accepted, non-duplicate clips per cell × time of day × weather × camera motion (DuckDB over the
    catalogue), summarised per cell; registered cells without any clip count as empty."""
    counts: dict[str, list[dict[str, Any]]] = {c: [] for c in cells}
    if catalogue.exists("catalogue"):
        not_duplicate = (
            "AND clip_id NOT IN (SELECT clip_id FROM duplicates WHERE duplicate)" if catalogue.exists("duplicates") else ""
        )
        frame = catalogue.sql(
            f"""SELECT cell_key, time_of_day, weather, camera_motion, count(*) AS n
                FROM catalogue WHERE accepted {not_duplicate} AND cell_key IN ({sql_list(cells)})
                GROUP BY ALL ORDER BY cell_key, n, time_of_day, weather, camera_motion"""
        )
        for row in frame.to_dicts():
            counts[row["cell_key"]].append(row)
    out = []
    for cell, rows in counts.items():
        thinnest = rows[0] if rows else None
        out.append(CellCoverage(
            cell_key=cell,
            accepted=sum(r["n"] for r in rows),
            combinations=len(rows),
            thinnest="" if thinnest is None else f"{thinnest['time_of_day']}/{thinnest['weather']}/{thinnest['camera_motion']}",
        ))
    return out


def load_state(cursor: str | None) -> dict[str, Any]:
    try:
        state = json.loads(cursor) if cursor else {}
    except json.JSONDecodeError:
        state = {}
    return state if isinstance(state, dict) else {}


def cells_to_regenerate(stats: Sequence[CellQuality], state: dict[str, Any], policy: RegenerationPolicy) -> tuple[list[CellQuality], dict[str, Any]]:
    """Cells whose pass rate is below the threshold, worst first, skipping cells with no score newer than their
    last request and cells that reached ``max_regenerations``. Returns the chosen cells and the new state
    (``{cell: {"at": latest scored_at requested on, "n": requests so far}}``)."""
    state = {k: dict(v) for k, v in state.items()}
    due = []
    for s in stats:
        previous = state.get(s.cell_key, {})
        if s.scored < policy.min_scored or s.pass_rate >= policy.min_pass_rate:
            continue
        if previous.get("n", 0) >= policy.max_regenerations:
            continue
        if "at" in previous and dt.datetime.fromisoformat(previous["at"]) >= s.latest_scored_at:
            continue  # nothing scored since the last request: its run has not landed yet
        due.append(s)
    chosen = sorted(due, key=lambda s: (s.pass_rate, -s.scored, s.cell_key))[: policy.max_cells]
    for s in chosen:
        state[s.cell_key] = {"at": s.latest_scored_at.isoformat(), "n": state.get(s.cell_key, {}).get("n", 0) + 1}
    return chosen, state


def thinnest_cells(coverage: Sequence[CellCoverage], state: dict[str, Any], policy: CoveragePolicy, now: dt.datetime) -> tuple[list[CellCoverage], dict[str, Any]]:
    """Cells under the target, thinnest first (fewest accepted clips, then fewest combinations), skipping a cell
    asked for within ``cooldown_s`` whose count has not changed since. State: ``{cell: {"at": iso, "n": count}}``."""
    state = {k: dict(v) for k, v in state.items()}
    due = []
    for c in coverage:
        if c.accepted >= policy.target_accepted:
            continue
        previous = state.get(c.cell_key)
        if previous and previous.get("n") == c.accepted:
            asked = dt.datetime.fromisoformat(previous["at"])
            if (now - asked).total_seconds() < policy.cooldown_s:
                continue
        due.append(c)
    chosen = sorted(due, key=lambda c: (c.accepted, c.combinations, c.cell_key))[: policy.max_cells]
    for c in chosen:
        state[c.cell_key] = {"at": now.isoformat(), "n": c.accepted}
    return chosen, state


def outdated_cells(catalogue: Catalogue, current: tuple[int, int]) -> list[str]:
    """Cells whose procedural clips were all made by a generator or asset library older than ``current``
    (``MADE_BY``): a new round there supersedes them, and the ``clip_versions`` view marks the old rows."""
    if not catalogue.exists("clips"):
        return []
    made_by = MADE_BY if "asset_library_version" in catalogue.arrow_schema("clips").names else "[0, 0]"
    frame = catalogue.sql(
        f"""SELECT cell_key FROM clips WHERE generator = 'procedural' GROUP BY cell_key
            HAVING max({made_by}) < {list(current)} ORDER BY cell_key"""
    )
    return frame["cell_key"].to_list()
