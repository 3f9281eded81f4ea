"""Curation assets after scoring: captions, dedup, training shards, and the Great Expectations asset checks."""

from pathlib import Path

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
    asset_check,
)
from pydantic import Field

from worldmill.assets._edge import at_edge
from worldmill.assets.partitions import cells_partitions
from worldmill.curation.captions import caption_clips, load_local_vlm
from worldmill.curation.checks import check_table
from worldmill.curation.dedup import deduplicate_catalogue
from worldmill.curation.shards import ShardPolicy, write_shards
from worldmill.errors import ConfigError
from worldmill.lake import LocalBlobStore, sql_literal
from worldmill.metrics.dedup import DedupThresholds
from worldmill.resources.lake import LakeResource
from worldmill.schemas.curation import CaptionRow, DuplicateRow, ShardRow
from worldmill.schemas.records import ClipRow


class CaptionsConfig(Config):
    """``vlm_path``: a local vision-language checkpoint for model captions (empty: scene-graph captions only)."""

    vlm_path: str = ""
    recaption: bool = False


@asset(partitions_def=cells_partitions, deps=["clips"], group_name="curation", kinds={"delta"})
@at_edge
def captions(context: AssetExecutionContext, config: CaptionsConfig, lake: LakeResource) -> MaterializeResult:
    """Exact captions of the cell's clips from their scene graph, camera path and plan."""
    site = lake.for_cell(context.partition_key)
    where = f"cell_key = {sql_literal(context.partition_key)}"
    if not config.recaption and site.catalogue.exists("captions"):
        where += " AND clip_id NOT IN (SELECT clip_id FROM captions)"
    clips = [ClipRow(**r) for r in site.catalogue.sql(f"SELECT * FROM clips WHERE {where} ORDER BY clip_id").to_dicts()]
    vlm = load_local_vlm(config.vlm_path) if config.vlm_path else None
    rows, failed = caption_clips(clips, site.blobs, vlm)
    write = site.catalogue.upsert(rows, record_type=CaptionRow)
    return MaterializeResult(metadata={
        "captioned": len(rows), "failed": len(failed), "table_version": write.version,
        "failures": MetadataValue.json(failed), "example": MetadataValue.md(rows[0].caption if rows else "(none)"),
    })


class DedupConfig(Config):
    """Overrides of ``worldmill.metrics.dedup.DedupThresholds`` fields."""

    thresholds: dict[str, float] = Field(default_factory=dict)


def _dedup_thresholds(overrides: dict[str, float]) -> DedupThresholds:
    fields = DedupThresholds.__dataclass_fields__
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ConfigError(f"Unknown dedup thresholds {unknown}.", fix=f"use some of: {', '.join(fields)}")
    ints = {"cluster_size", "probes", "seed"}
    return DedupThresholds(**{k: int(v) if k in ints else v for k, v in overrides.items()})


@asset(deps=["scores"], group_name="curation", kinds={"delta", "duckdb"})
@at_edge
def duplicates(context: AssetExecutionContext, config: DedupConfig, lake: LakeResource) -> MaterializeResult:
    """pHash near-duplicates and MiniLM + visual semantic duplicates over every accepted clip; keeps the best."""
    rows = deduplicate_catalogue(lake.catalogue, _dedup_thresholds(config.thresholds))
    write = lake.catalogue.upsert(rows, record_type=DuplicateRow)
    removed = sum(r.duplicate for r in rows)
    return MaterializeResult(metadata={
        "clips": len(rows), "duplicates": removed, "kept": len(rows) - removed, "table_version": write.version,
    })


class ShardsConfig(Config):
    """``out_dir`` defaults to ``{lake}/shards``."""

    out_dir: str = ""
    max_samples: int = 1000
    max_bytes: int = 1 << 30


@asset(deps=["catalogue", "duplicates", "captions"], group_name="curation", kinds={"webdataset", "delta"})
@at_edge
def training_shards(context: AssetExecutionContext, config: ShardsConfig, lake: LakeResource) -> MaterializeResult:
    """Accepted, deduplicated clips as WebDataset tars grouped by resolution and length, with a manifest."""
    if not config.out_dir and not isinstance(lake.blobs, LocalBlobStore):
        raise ConfigError("training_shards has no out_dir and the lake is not local.", fix="set config out_dir to a local directory")
    out = Path(config.out_dir) if config.out_dir else lake.blobs.root.parent / "shards"
    rows = write_shards(lake.catalogue, lake.blobs, out, policy=ShardPolicy(config.max_samples, config.max_bytes))
    write = lake.catalogue.upsert(rows, record_type=ShardRow)
    return MaterializeResult(metadata={
        "shards": len(rows), "samples": sum(r.samples for r in rows), "bytes": sum(r.bytes for r in rows),
        "buckets": sorted({r.bucket for r in rows}), "out_dir": str(out), "table_version": write.version,
    })


def _table_check(table: str, asset: str, blocking: bool, description: str):
    @asset_check(asset=AssetKey(asset), name=f"{table}_expectations", blocking=blocking, description=description)
    def _check(context: AssetCheckExecutionContext, lake: LakeResource) -> AssetCheckResult:
        # a cell's run checks that cell's rows on its site; an unpartitioned run, the whole table
        cell = context.partition_key if context.has_partition_key else None
        site = lake.for_cell(cell) if cell else lake
        outcome = check_table(site.catalogue, table, site.blobs, cell_key=cell)
        return AssetCheckResult(
            passed=outcome.passed,
            severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
            description=None if outcome.passed else "; ".join(outcome.failures)[:2000],
            metadata={"rows": outcome.rows, "expectations": outcome.expectations,
                      "failures": MetadataValue.json(list(outcome.failures))},
        )

    return _check


# Blocking where a bad row would poison what is built from it.
curation_checks = [
    _table_check("prompts", "prompts", True, "unique sample ids; every prompt's cell exists"),
    _table_check("conditions", "conditions", True, "unique ids; allowed fps and sizes; condition files exist"),
    _table_check("clips", "clips", True,
                 "unique ids; clips → prompts → cells; allowed fps and sizes; files exist; face guardrail ran"),
    _table_check("scores", "scores", True, "unique ids; status set; metric ranges; every null and failure explained"),
    _table_check("catalogue", "catalogue", True, "unique ids; known clips; accepted only if scored pass"),
    _table_check("duplicates", "duplicates", True, "unique ids; kept ids are known clips"),
    _table_check("captions", "captions", False, "unique ids; known clips; non-empty captions"),
    _table_check("shards", "training_shards", False, "unique shard ids; the tars exist"),
]
curation_assets = [captions, duplicates, training_shards]
