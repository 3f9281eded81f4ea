"""Great Expectations 1.x suites over the catalogue tables (not ``dagster-ge``: it pins GX < 1).

Each table gets unique non-null ids, value ranges and sets, referential integrity to its parent tables and,
where rows name files, that the files exist. Derived columns (``*_ok``) carry rules GX has no single
expectation for (a width that is a multiple of 16, a file that exists). The Dagster asset checks in
``worldmill.assets.curation`` run these; an ephemeral GX context never touches the network.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlparse

import pandas as pd

from worldmill.lake import Catalogue
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


def _context():
    """A fresh in-memory context per validation (a long-running process accumulates no assets): no docs site,
    no analytics, no progress bars."""
    import great_expectations as gx
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


def validate_frame(name: str, frame: pd.DataFrame, expectations: list) -> CheckOutcome:
    """Run GX expectations on a pandas frame in an ephemeral context; failures say which and give examples."""
    import great_expectations as gx

    context = _context()
    asset = context.data_sources.add_pandas(f"worldmill_{name}").add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("whole").get_batch(batch_parameters={"dataframe": frame})
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


def check_table(catalogue: Catalogue, table: str, blobs: BlobStore | None = None, rules: CheckRules = CheckRules()) -> CheckOutcome:
    """Validate one catalogue table (an absent table passes with 0 rows: nothing to poison)."""
    import great_expectations as gx

    E = gx.expectations
    if not catalogue.exists(table):
        return CheckOutcome(table, 0, 0, ())
    frame = catalogue.read(table).to_pandas()
    ident = ID_COLUMNS[table]
    exps: list = [E.ExpectColumnValuesToNotBeNull(column=ident), E.ExpectColumnValuesToBeUnique(column=ident)]
    for column, parent, parent_column in TABLE_PARENTS.get(table, []):
        if catalogue.exists(parent):
            known = catalogue.read(parent, columns=[parent_column])[parent_column].to_list()
            exps.append(E.ExpectColumnValuesToBeInSet(column=column, value_set=known))
    if table in ("clips", "conditions"):
        frame["fps_ok"] = frame["fps"].isin(rules.allowed_fps)
        frame["size_ok"] = [
            rules.min_side <= w <= rules.max_side and rules.min_side <= h <= rules.max_side
            and w % rules.side_multiple == 0 and h % rules.side_multiple == 0
            for w, h in zip(frame["width"], frame["height"], strict=True)
        ]
        exps += [E.ExpectColumnValuesToBeInSet(column="fps_ok", value_set=[True]),
                 E.ExpectColumnValuesToBeInSet(column="size_ok", value_set=[True]),
                 E.ExpectColumnValuesToBeBetween(column="frames", min_value=1)]
        frame["files_ok"] = _exists_column(frame["uri"], lambda u: (p := _local_path(u)) is None or p.is_dir())
        exps.append(E.ExpectColumnValuesToBeInSet(column="files_ok", value_set=[True]))
    if table == "clips":
        exps.append(E.ExpectColumnValuesToBeBetween(column="duration_s", min_value=0, strict_min=True))
        if "guardrail" in frame:  # the face guardrail ran before publication
            frame["guarded"] = frame["guardrail"].fillna("").str.len() > 0
            exps += [E.ExpectColumnValuesToBeInSet(column="guarded", value_set=[True]),
                     E.ExpectColumnValuesToBeBetween(column="faces_blurred", min_value=0)]
        if blobs is not None:
            frame["rgb_exists"] = _exists_column(frame["rgb_path"], blobs.exists)
            exps.append(E.ExpectColumnValuesToBeInSet(column="rgb_exists", value_set=[True]))
    if table == "scores":
        exps.append(E.ExpectColumnValuesToBeInSet(column="status", value_set=["pass", "fail", "error"]))
        for column, low, high in (("quality_score", 0, 1), ("edge_f1", 0, 1), ("seg_miou", 0, 1), ("blur_ssim", -1, 1),
                                  ("black_ratio", 0, 1), ("frozen_ratio", 0, 1), ("overlay_text", 0, 1),
                                  ("exposure_mean", 0, 1), ("depth_si_rmse", 0, None), ("motion_mean", 0, None)):
            exps.append(E.ExpectColumnValuesToBeBetween(column=column, min_value=low, max_value=high))
        frame["reason_ok"] = (frame["status"] == "pass") | frame["reason"].notna()
        frame["nulls_explained"] = frame["status"].eq("error") | frame["quality_score"].notna()
        frame["control_nulls_explained"] = frame["control_reason"].notna() | frame[["blur_ssim", "edge_f1", "depth_si_rmse", "seg_miou"]].notna().all(axis=1)
        exps += [E.ExpectColumnValuesToBeInSet(column=c, value_set=[True]) for c in ("reason_ok", "nulls_explained", "control_nulls_explained")]
    if table == "catalogue":
        frame["accepted_ok"] = ~frame["accepted"] | (frame["status"] == "pass")
        exps.append(E.ExpectColumnValuesToBeInSet(column="accepted_ok", value_set=[True]))
    if table == "captions":
        exps += [E.ExpectColumnValuesToNotBeNull(column="caption"), E.ExpectColumnValuesToBeBetween(column="word_count", min_value=5)]
    if table == "duplicates":
        frame["kept_ok"] = frame["duplicate"] == (frame["clip_id"] != frame["kept_id"])
        exps.append(E.ExpectColumnValuesToBeInSet(column="kept_ok", value_set=[True]))
    if table == "shards":
        frame["file_ok"] = _exists_column(frame["path"], lambda u: (p := _local_path(u)) is None or p.is_file())
        exps += [E.ExpectColumnValuesToBeInSet(column="file_ok", value_set=[True]),
                 E.ExpectColumnValuesToBeBetween(column="samples", min_value=1)]
    return validate_frame(table, frame, exps)
