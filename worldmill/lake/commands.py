"""Plain functions behind ``worldmill maintain``, ``worldmill search`` and ``worldmill sql`` (the CLI parses
arguments and prints what these return). They read ``WORLDMILL_SITES`` / ``WORLDMILL_LAKE_URI`` when called,
never at import.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from worldmill.lake.maintenance import MaintenancePolicy, run_maintenance
from worldmill.lake.search import MiniLMEmbedder, SemanticSearch, TextEmbedder, index_embeddings
from worldmill.lake.sites import Lake, SitesConfig

DEFAULT_LAKE_URI = "./.worldmill/lake"


def open_lake(uri: str | None = None, *, sites_file: str | None = None, env: Mapping[str, str] | None = None) -> Lake:
    """The lake from a sites file (argument, else ``WORLDMILL_SITES``), else one local/remote root
    (argument, else ``WORLDMILL_LAKE_URI``, else ``./.worldmill/lake``)."""
    environ = os.environ if env is None else env
    path = sites_file or environ.get("WORLDMILL_SITES")
    if path:
        return Lake(SitesConfig.load(path), env=environ)
    return Lake(SitesConfig.single(uri or environ.get("WORLDMILL_LAKE_URI") or DEFAULT_LAKE_URI), env=environ)


def maintain(
    lake: Lake,
    *,
    sites: Sequence[str] | None = None,
    tables: Sequence[str] | None = None,
    dry_run: bool = False,
    policy: MaintenancePolicy | None = None,
) -> list[dict[str, Any]]:
    """Run the maintenance decision now on every (or the given) site and table; one dict per action."""
    rows = []
    for site in sites or lake.sites:
        rows.extend(run_maintenance(lake.catalogue(site), policy, tables=tables, dry_run=dry_run))
    return [r.to_row() for r in rows]


def search(
    lake: Lake,
    text: str,
    *,
    k: int = 10,
    where: str | None = None,
    embedder: TextEmbedder | None = None,
    index: bool = True,
) -> pl.DataFrame:
    """Clips ranked by cosine similarity to ``text`` across all sites; embeds new samples first if ``index``."""
    embedder = embedder or MiniLMEmbedder(device="cpu")
    if index:
        for site in lake.sites:
            index_embeddings(lake.catalogue(site), embedder)
    searcher = SemanticSearch(lake, embedder)
    try:
        return searcher.search(text, k=k, where=where)
    finally:
        searcher.close()


def sql(lake: Lake, query: str) -> pl.DataFrame:
    """SQL over the global view (every site's shard unioned, with a ``site`` column) and standard views."""
    return lake.sql(query)


SEARCH_COLUMNS = ("score", "clip_id", "city", "venue", "time_of_day", "generator", "uri", "site", "prompt")


def render(frame: pl.DataFrame, *, as_json: bool = False, columns: Sequence[str] | None = None) -> str:
    """Text for the terminal: a table, or one JSON object per line with ``as_json``."""
    if columns:
        frame = frame.select([c for c in columns if c in frame.columns])
    if as_json:
        return "\n".join(json.dumps(row, default=str, ensure_ascii=False) for row in frame.to_dicts())
    with pl.Config(tbl_rows=max(frame.height, 1), tbl_cols=-1, fmt_str_lengths=80, tbl_width_chars=200):
        return str(frame)


def render_rows(rows: list[dict[str, Any]], *, as_json: bool = False) -> str:
    if as_json:
        return "\n".join(json.dumps(row, default=str) for row in rows)
    if not rows:
        return "nothing to do: every table is within the maintenance policy"
    return "\n".join(
        f"{r['site']}/{r['table_name']}: {r['action']} {r['status']} ({r['reason']}) "
        f"files {r['files_before']}->{r['files_after']} in {r['duration_s']:.2f}s"
        for r in rows
    )
