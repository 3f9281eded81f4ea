from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from worldmill import stages
from worldmill.assets._edge import at_edge
from worldmill.assets.partitions import cells_partitions
from worldmill.assets.taxonomy import taxonomy
from worldmill.jobs.instance import liveness
from worldmill.resources import GeneratorResource, LakeResource, RenderResource, TaxonomyResource


class PromptsConfig(Config):
    """``round`` reproduces a given round bit for bit; unset, the run claims a round of the cell: the one it
    already claimed (a retried step), else an unfinished one whose run is over, else the next (see
    ``stages.claim_round``).
    ``time_of_day`` steers a new round to a stratum (set by the coverage and model-version sensors)."""

    round: int | None = None
    time_of_day: str | None = None


@asset(partitions_def=cells_partitions, deps=[taxonomy], group_name="generation", kinds={"delta"})
@at_edge
def prompts(
    context: AssetExecutionContext,
    config: PromptsConfig,
    taxonomy_source: TaxonomyResource,
    lake: LakeResource,
    render: RenderResource,
    generator: GeneratorResource,
) -> MaterializeResult:
    """Seeded scene plans and world-construction prompts for the cell's next round of clips."""
    site = lake.for_cell(context.partition_key)
    cell = taxonomy_source.load().cell(context.partition_key)
    round_ = config.round or stages.claim_round(
        site.catalogue, cell.key, generator.backend, context.run.run_id, in_progress=liveness(context.instance)
    )
    rows = stages.stored_round(site.catalogue, cell.key, round_) or stages.prompt_rows(
        cell, round_, render.clips_per_cell, time_of_day=config.time_of_day
    )
    write = site.catalogue.upsert(rows)
    return MaterializeResult(
        metadata={
            "round": round_,
            "samples": len(rows),
            "table_version": write.version,
            "mean_words": sum(r.word_count for r in rows) / len(rows),
            "example": MetadataValue.md(rows[0].prompt),
        }
    )
