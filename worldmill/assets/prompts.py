from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, asset

from worldmill import stages
from worldmill.assets._edge import at_edge
from worldmill.assets.partitions import cells_partitions
from worldmill.assets.taxonomy import taxonomy
from worldmill.resources import GeneratorResource, LakeResource, RenderResource, TaxonomyResource


class PromptsConfig(Config):
    """``round`` reproduces a given round bit for bit; unset, the cell's next (or unfinished) round is made.
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
    round_ = config.round or stages.next_round(site.catalogue, cell.key, generator.backend)
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
