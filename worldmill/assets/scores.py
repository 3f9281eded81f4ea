import os

from dagster import AssetExecutionContext, Config, MaterializeResult, asset
from pydantic import Field

from worldmill.assets._edge import at_edge
from worldmill.assets.partitions import cells_partitions
from worldmill.curation.scoring import score_clips, thresholds_from, unscored_clips
from worldmill.resources.lake import LakeResource
from worldmill.schemas.records import ScoreRow


class ScoresConfig(Config):
    """``thresholds`` overrides fields of ``worldmill.metrics.QualityThresholds``; ``rescore`` scores every clip;
    ``workers``: clips scored at once (0: one per core; ``worldmill generate`` gives each lane its share)."""

    thresholds: dict[str, float] = Field(default_factory=dict)
    rescore: bool = False
    workers: int = Field(default=0, ge=0)


@asset(partitions_def=cells_partitions, deps=["clips"], group_name="curation", kinds={"delta", "opencv"})
@at_edge
def scores(context: AssetExecutionContext, config: ScoresConfig, lake: LakeResource) -> MaterializeResult:
    """Quality, controllability and dedup signatures of each clip of the cell not yet scored."""
    site = lake.for_cell(context.partition_key)
    todo = unscored_clips(site.catalogue, context.partition_key, rescore=config.rescore)
    workers = config.workers or os.cpu_count() or 1
    rows = score_clips(todo, site.blobs, thresholds_from(config.thresholds), workers=workers)
    write = site.catalogue.upsert(rows, record_type=ScoreRow)
    counts = {s: sum(r.status == s for r in rows) for s in ("pass", "fail", "error")}
    reasons = sorted({r.reason for r in rows if r.reason})[:10]
    return MaterializeResult(
        metadata={"scored": len(rows), **counts, "table_version": write.version, "reasons": "\n".join(reasons)}
    )
