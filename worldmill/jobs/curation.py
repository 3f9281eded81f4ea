"""``worldmill curate`` and ``worldmill shards``: plain functions the CLI calls.

They materialize the same Dagster assets (and run the same asset checks) that the UI does, in process, so the
runs show up in the instance's history. Dagster is imported inside the functions: importing this module stays
cheap and free of Dagster for the rest of the curation package.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from worldmill.curation.checks import CHECKED_TABLES, CheckOutcome, check_table
from worldmill.errors import WorldmillError
from worldmill.jobs import failure_text
from worldmill.lake import Catalogue


@dataclasses.dataclass(frozen=True)
class CurateReport:
    cells: list[str]  # cells whose clips were scored/captioned in this call
    scored: int
    captioned: int
    deduplicated: int  # accepted clips that went through dedup
    duplicates: int
    checks: dict[str, CheckOutcome]

    @property
    def checks_passed(self) -> bool:
        return all(c.passed for c in self.checks.values())


@dataclasses.dataclass(frozen=True)
class ShardsReport:
    out_dir: Path
    shards: int
    samples: int
    bytes: int
    buckets: list[str]


def cells_to_curate(catalogue: Catalogue) -> list[str]:
    """Cells with a clip that has no score or caption newer than the clip itself."""
    if not catalogue.exists("clips"):
        return []
    if not {"scores", "captions"} <= set(catalogue.tables()):
        where = "TRUE"  # a curation table is still empty: every clip needs it
    else:
        where = """c.clip_id NOT IN (SELECT s.clip_id FROM scores s JOIN clips k USING (clip_id) WHERE s.scored_at >= k.created_at)
                   OR c.clip_id NOT IN (SELECT clip_id FROM captions)"""
    frame = catalogue.sql(f"SELECT DISTINCT c.cell_key FROM clips c WHERE {where} ORDER BY c.cell_key")
    return frame["cell_key"].to_list()


def _metadata(result: Any, asset: str) -> dict[str, Any]:
    events = result.asset_materializations_for_node(asset)
    return {k: v.value for k, v in events[0].metadata.items()} if events else {}


def _materialize(assets: list, checks: list, instance: Any, lake: Any, what: str, **kwargs: Any) -> Any:
    from dagster import materialize

    keys = {a.key for a in assets}
    chosen = [c for c in checks if all(k.asset_key in keys for k in c.check_keys)]
    result = materialize([*assets, *chosen], instance=instance, resources={"lake": lake},
                         raise_on_error=False, **kwargs)
    if not result.success:
        raise WorldmillError(f"Curation of {what} failed:\n{failure_text(result)}",
                             fix="see the failing step above; `worldmill sql` shows the tables")
    return result


def curate(lake_uri: str, *, sites_file: str = "", instance: Any = None) -> CurateReport:
    """Score and caption every cell's uncurated clips (on every site), republish those cells' catalogue rows,
    deduplicate all accepted clips, then run every table's checks. ``instance``: a ``DagsterInstance``
    (default: ephemeral)."""
    from dagster import DagsterInstance

    from worldmill.assets.catalogue import catalogue as catalogue_asset
    from worldmill.assets.curation import captions, curation_checks, duplicates
    from worldmill.assets.partitions import cells_partitions
    from worldmill.assets.scores import scores
    from worldmill.resources.lake import LakeResource

    instance = instance or DagsterInstance.ephemeral()
    resource = LakeResource(uri=lake_uri, sites_file=sites_file)
    cells = sorted({c for site in resource.lake.sites for c in cells_to_curate(resource.lake.catalogue(site))})
    if cells:
        instance.add_dynamic_partitions(cells_partitions.name, cells)
    scored = captioned = 0
    for cell in cells:
        result = _materialize([scores, captions, catalogue_asset], curation_checks, instance, resource,
                              f"cell {cell}", partition_key=cell)
        scored += int(_metadata(result, "scores").get("scored", 0))
        captioned += int(_metadata(result, "captions").get("captioned", 0))
    dedup = _metadata(_materialize([duplicates], curation_checks, instance, resource, "dedup"), "duplicates")
    checks = {table: check_table(resource.catalogue, table, resource.blobs) for table in CHECKED_TABLES}
    return CurateReport(cells=cells, scored=scored, captioned=captioned, deduplicated=int(dedup.get("clips", 0)),
                        duplicates=int(dedup.get("duplicates", 0)), checks=checks)


def shards(lake_uri: str, out_dir: Path, *, sites_file: str = "", instance: Any = None, max_samples: int = 1000,
           max_bytes: int = 1 << 30) -> ShardsReport:
    """Write the training shards of the catalogue's current versions under ``out_dir`` (the ``training_shards``
    asset) and their manifest rows into the ``shards`` table."""
    from dagster import DagsterInstance

    from worldmill.assets.curation import curation_checks, training_shards
    from worldmill.resources.lake import LakeResource

    out_dir = Path(out_dir).expanduser().resolve()
    config = {"ops": {"training_shards": {"config": {"out_dir": str(out_dir), "max_samples": max_samples, "max_bytes": max_bytes}}}}
    lake = LakeResource(uri=lake_uri, sites_file=sites_file)
    result = _materialize([training_shards], curation_checks, instance or DagsterInstance.ephemeral(), lake,
                          "training shards", run_config=config)
    meta = _metadata(result, "training_shards")
    return ShardsReport(out_dir=out_dir, shards=int(meta["shards"]), samples=int(meta["samples"]),
                        bytes=int(meta["bytes"]), buckets=list(meta["buckets"]))
