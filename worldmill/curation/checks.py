"""Great Expectations 1.x suites over the catalogue tables (not ``dagster-ge``: it pins GX < 1).

Each table gets unique non-null ids, value ranges and sets, referential integrity to its parent tables and,
where rows name files, that the files exist. Derived columns (``*_ok``) carry rules GX has no single
expectation for (a width that is a multiple of 16, a file that exists). The Dagster asset checks in
``worldmill.assets.curation`` run these; an ephemeral GX context never touches the network.
"""

from __future__ import annotations

import dataclasses
import functools
import importlib
import logging
import sys
import types
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd

from worldmill.lake import Catalogue, sql_literal
from worldmill.lake.blobs import BlobStore
from worldmill.lake.uris import scheme_of

log = logging.getLogger(__name__)

TABLE_PARENTS = {  # table -> [(column, parent table, parent column)]
    "prompts": [("cell_key", "cells", "cell_key")],
    "conditions": [("sample_id", "prompts", "sample_id")],
    "clips": [("sample_id", "prompts", "sample_id"), ("cell_key", "cells", "cell_key")],
    "scores": [("clip_id", "clips", "clip_id")],
    "catalogue": [("clip_id", "clips", "clip_id")],
    "captions": [("clip_id", "clips", "clip_id")],
    "duplicates": [("clip_id", "clips", "clip_id"), ("kept_id", "clips", "clip_id")],
}
ID_COLUMNS = {"cells": "cell_key", "prompts": "sample_id", "conditions": "sample_id", "clips": "clip_id",
              "scores": "clip_id", "catalogue": "clip_id", "captions": "clip_id", "duplicates": "clip_id",
              "shards": "shard_id"}
CHECKED_TABLES = tuple(ID_COLUMNS)


@dataclasses.dataclass(frozen=True)
class CheckRules:
    allowed_fps: tuple[int, ...] = (8, 10, 12, 15, 16, 24, 25, 30, 48, 50, 60)
    min_side: int = 16
    max_side: int = 4096
    side_multiple: int = 16


@dataclasses.dataclass(frozen=True)
class CheckOutcome:
    table: str
    rows: int
    expectations: int
    failures: tuple[str, ...]  # one line per failed expectation, with examples

    @property
    def passed(self) -> bool:
        return not self.failures


# Optional back-ends GX imports when they are installed, for data sources the checks never use (pandas frames
# only): Spark, SQL, the cloud SDKs. Kept out of GX's import they cost a process ~80 MB and ~0.9 CPU-s.
GX_UNUSED_BACKENDS = ("pyspark", "sqlalchemy", "boto3", "botocore", "azure", "google", "grpc")


# Modules GX imports unconditionally for one expectation the checks never use (KL divergence: its chart and its
# statistics): GX's import sees empty stand-ins, which saves a process ~75 MB and ~0.6 CPU-s. Only that
# expectation's code holds them; anything imported later gets the real modules.
GX_UNUSED_MODULES = ("altair", "scipy", "scipy.stats")


@functools.cache
def _gx():
    """``great_expectations``, imported without ``GX_UNUSED_BACKENDS`` (GX tests each with try/except
    ImportError and carries on without it) and with stand-ins for ``GX_UNUSED_MODULES``. Only GX's import sees
    them missing: a module already loaded stays, and anything imported later gets them as usual."""
    if "great_expectations" in sys.modules:
        return sys.modules["great_expectations"]
    hidden = [name for name in GX_UNUSED_BACKENDS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # an ``import name`` in GX's import raises ImportError
    stand_ins = _stand_ins([name for name in GX_UNUSED_MODULES if name not in sys.modules])
    sys.modules.update(stand_ins)
    try:
        return importlib.import_module("great_expectations")
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
        for name, module in stand_ins.items():
            if sys.modules.get(name) is module:
                del sys.modules[name]


def _stand_ins(names: list[str]) -> dict[str, types.ModuleType]:
    """Empty modules for ``names``, each submodule an attribute of its parent (``from scipy import stats``)."""
    modules = {name: types.ModuleType(name, "stand-in during the GX import (worldmill.curation.checks)") for name in names}
    for name, module in modules.items():
        module.__path__ = []  # a package, so that its submodules import
        parent, _, child = name.rpartition(".")
        if parent in modules:
            setattr(modules[parent], child, module)
    return modules


@functools.cache
def _context():
    """One in-memory context per process (building it costs seconds; a validation, milliseconds): no docs site,
    no analytics, no progress bars. It holds one data asset per table, whatever the number of validations."""
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def load_context() -> None:
    """Import Great Expectations and build this process's context now (a footage lane does it while its parent
    prepares the batch, not during its first cell's checks)."""
    _context()


@functools.cache
def _whole_frame(name: str):
    """The batch definition of table ``name``'s rows in the process's context (made once)."""
    source = _context().data_sources.add_pandas(f"worldmill_{name}")
    return source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("whole")


def validate_frame(name: str, frame: pd.DataFrame, expectations: list) -> CheckOutcome:
    """Run GX expectations on a pandas frame, every row in one validation; failures say which and give
    examples."""
    gx = _gx()

    batch = _whole_frame(name).get_batch(batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=f"{name}_suite")
    for expectation in expectations:
        suite.add_expectation(expectation)
    result = batch.validate(suite)
    failures = []
    for r in result.results:
        if r.success:
            continue
        config = r.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k not in ("batch_id", "value_set")}
        examples = (r.result or {}).get("partial_unexpected_list") or (r.result or {}).get("observed_value")
        count = (r.result or {}).get("unexpected_count")
        failures.append(f"{config.type}({kwargs}): {count if count is not None else '?'} unexpected, e.g. {str(examples)[:200]}")
    return CheckOutcome(table=name, rows=len(frame), expectations=len(expectations), failures=tuple(failures))


def _local_path(uri: str) -> Path | None:
    if scheme_of(uri) != "file":
        return None
    return Path(unquote(urlparse(uri).path)) if uri.startswith("file://") else Path(uri)


def _exists_column(values: pd.Series, exists: Callable[[str], bool]) -> pd.Series:
    return values.map(lambda v: bool(v) and exists(v))


def _cell_filter(catalogue: Catalogue, table: str, cell_key: str | None) -> str | None:
    """``cell_key = '...'`` when a cell is given and the table has that column, else None (every row)."""
    if cell_key is None or "cell_key" not in {f.name for f in dataclasses.fields(catalogue.record_type(table))}:
        return None
    return f"cell_key = {sql_literal(cell_key)}"


def _in_range(values: pd.Series, low: float | None, high: float | None, *, strict_min: bool = False) -> pd.Series:
    """True where a value is null (as GX's between-expectations skip nulls) or inside [low, high]."""
    ok = values.isna()
    inside = pd.Series(True, index=values.index)
    if low is not None:
        inside &= values > low if strict_min else values >= low
    if high is not None:
        inside &= values <= high
    return ok | inside.fillna(False)


RULES_COLUMN = "violations"


def _fold_rules(frame: pd.DataFrame, rules: dict[str, pd.Series]) -> list:
    """Row rules (True = fine) as one column, true where a row breaks any, checked by ONE expectation: GX
    costs tens of milliseconds per expectation, whatever the rows, so a dozen rules folded into one validate
    in the time of one (``_rule_failures`` names the rules and rows)."""
    if not rules:
        return []
    gx = _gx()
    frame[RULES_COLUMN] = ~pd.concat([ok.astype(bool) for ok in rules.values()], axis=1).all(axis=1)
    return [gx.expectations.ExpectColumnValuesToBeInSet(column=RULES_COLUMN, value_set=[False])]


def _rule_failures(
    frame: pd.DataFrame, ident: str, rules: dict[str, pd.Series], shown: dict[str, str] | None = None
) -> list[str]:
    """One failure line per broken rule: its name, how many rows break it and some of their ids (or of their
    values in the column ``shown[rule]``, e.g. the unknown references)."""
    lines = []
    for name, ok in rules.items():
        if ok.astype(bool).all():
            continue
        bad = frame.loc[~ok.astype(bool), (shown or {}).get(name, ident)]
        if len(bad):
            lines.append(f"rule {name}: {len(bad)} unexpected, e.g. {str(bad.head(5).tolist())[:200]}")
    return lines


_REFERENCE = "__worldmill_reference_"  # + k: whether the row's k-th reference names a row of its parent


def _rows_with_references(
    catalogue: Catalogue, table: str, parents: list[tuple[str, str, str]], cell_key: str | None
) -> pd.DataFrame:
    """The rows to check (the cell's, with ``cell_key``) and, per parent, whether each row's reference names one
    of the parent's rows (of the same cell): one query instead of a read of each table."""
    where = _cell_filter(catalogue, table, cell_key)
    found = [
        f'coalesce(t."{column}" IN (SELECT "{parent_column}" FROM "{parent}"'
        + (f" WHERE {inner})" if (inner := _cell_filter(catalogue, parent, cell_key)) else ")")
        + f', false) AS "{_REFERENCE}{k}"'
        for k, (column, parent, parent_column) in enumerate(parents)
    ]
    query = f'SELECT {", ".join(["t.*", *found])} FROM "{table}" t' + (f" WHERE t.{where}" if where else "")
    return catalogue.sql(query).to_pandas()


def check_table(
    catalogue: Catalogue,
    table: str,
    blobs: BlobStore | None = None,
    rules: CheckRules = CheckRules(),
    *,
    cell_key: str | None = None,
) -> CheckOutcome:
    """Validate one catalogue table (an absent table passes with 0 rows: nothing to poison). ``cell_key``
    validates only that cell's rows against that cell's parents (what a cell's run just wrote; ids embed the
    cell key, so uniqueness within the cell is uniqueness in the table), so a check costs the same however
    large the lake grows."""
    existing = set(catalogue.tables())
    if table not in existing:
        return CheckOutcome(table, 0, 0, ())
    parents = [(column, parent, parent_column) for column, parent, parent_column in TABLE_PARENTS.get(table, [])
               if parent in existing]
    frame = _rows_with_references(catalogue, table, parents, cell_key)
    ident = ID_COLUMNS[table]
    exps: list = []
    # rule name -> True where the row keeps it. Ids, references, allowed values and required columns are row
    # rules too (as GX's not-null, unique and in-set expectations judge them: nulls are left to the not-null
    # rule): GX's cost per expectation grows with the size of its value set, and each costs ~6 ms whatever it
    # checks, so every table's rules go to GX as its one expectation.
    row_rules: dict[str, pd.Series] = {
        f"{ident} not null": frame[ident].notna(),
        f"{ident} unique": ~(frame[ident].duplicated(keep=False) & frame[ident].notna()),
    }
    shown: dict[str, str] = {}  # rule -> the column whose values its failure line shows (default: the id)
    for k, (column, parent, parent_column) in enumerate(parents):
        rule = f"{column} in {parent}.{parent_column}"
        row_rules[rule] = frame[column].isna() | frame.pop(f"{_REFERENCE}{k}").astype(bool)
        shown[rule] = column
    if table in ("clips", "conditions"):
        row_rules["fps_ok"] = frame["fps"].isin(rules.allowed_fps)
        row_rules["size_ok"] = pd.Series([
            rules.min_side <= w <= rules.max_side and rules.min_side <= h <= rules.max_side
            and w % rules.side_multiple == 0 and h % rules.side_multiple == 0
            for w, h in zip(frame["width"], frame["height"], strict=True)
        ], index=frame.index, dtype=bool)
        row_rules["frames >= 1"] = _in_range(frame["frames"], 1, None)
        row_rules["files_ok"] = _exists_column(frame["uri"], lambda u: (p := _local_path(u)) is None or p.is_dir())
    if table == "clips":
        row_rules["duration_s > 0"] = _in_range(frame["duration_s"], 0, None, strict_min=True)
        if "guardrail" in frame:  # the face guardrail ran before publication
            row_rules["guarded"] = frame["guardrail"].fillna("").str.len() > 0
            row_rules["faces_blurred >= 0"] = _in_range(frame["faces_blurred"], 0, None)
        if blobs is not None:
            row_rules["rgb_exists"] = _exists_column(frame["rgb_path"], blobs.exists)
    if table == "scores":
        statuses = ["pass", "fail", "error"]
        row_rules[f"status in {statuses}"] = frame["status"].isna() | frame["status"].isin(statuses)
        shown[f"status in {statuses}"] = "status"
        for column, low, high in (("quality_score", 0, 1), ("edge_f1", 0, 1), ("seg_miou", 0, 1), ("blur_ssim", -1, 1),
                                  ("black_ratio", 0, 1), ("frozen_ratio", 0, 1), ("overlay_text", 0, 1),
                                  ("exposure_mean", 0, 1), ("depth_si_rmse", 0, None), ("motion_mean", 0, None)):
            row_rules[f"{column} in [{low}, {'' if high is None else high}]"] = _in_range(frame[column], low, high)
        row_rules["reason_ok"] = (frame["status"] == "pass") | frame["reason"].notna()
        row_rules["nulls_explained"] = frame["status"].eq("error") | frame["quality_score"].notna()
        row_rules["control_nulls_explained"] = frame["control_reason"].notna() | frame[["blur_ssim", "edge_f1", "depth_si_rmse", "seg_miou"]].notna().all(axis=1)
    if table == "catalogue":
        row_rules["accepted_ok"] = ~frame["accepted"] | (frame["status"] == "pass")
    if table == "captions":
        row_rules["caption not null"] = frame["caption"].notna()
        row_rules["word_count >= 5"] = _in_range(frame["word_count"], 5, None)
    if table == "duplicates":
        row_rules["kept_ok"] = frame["duplicate"] == (frame["clip_id"] != frame["kept_id"])
    if table == "shards":
        row_rules["file_ok"] = _exists_column(frame["path"], lambda u: (p := _local_path(u)) is None or p.is_file())
        row_rules["samples >= 1"] = _in_range(frame["samples"], 1, None)
    exps += _fold_rules(frame, row_rules)
    # GX gets only the columns its expectations read: it walks every column of the frame it is given (half of
    # a validation's cost on a wide table), and the row rules have read theirs already
    outcome = validate_frame(table, frame[list(dict.fromkeys(e.column for e in exps))], exps)
    failures = [f for f in outcome.failures if f"'column': '{RULES_COLUMN}'" not in f]
    failures += _rule_failures(frame, ident, row_rules, shown)
    return dataclasses.replace(outcome, expectations=len(exps) - bool(row_rules) + len(row_rules), failures=tuple(failures))
