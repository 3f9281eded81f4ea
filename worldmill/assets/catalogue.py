from dagster import AssetExecutionContext, MaterializeResult, asset

from worldmill import stages
from worldmill.assets._edge import at_edge
from worldmill.assets.partitions import cells_partitions
from worldmill.assets.scores import scores
from worldmill.resources import LakeResource


@asset(partitions_def=cells_partitions, deps=[scores], group_name="catalogue", kinds={"delta", "duckdb"})
@at_edge
def catalogue(context: AssetExecutionContext, lake: LakeResource) -> MaterializeResult:
    """The published index: every clip of the cell with its prompt, labels and curation verdict."""
    site = lake.for_cell(context.partition_key)
    rows = stages.catalogue_rows(site.catalogue, context.partition_key)
    write = site.catalogue.upsert(rows)
    return MaterializeResult(
        metadata={
            "clips": len(rows),
            "accepted": sum(r.accepted for r in rows),
            "accepted_seconds": sum(r.duration_s for r in rows if r.accepted),
            "table_version": write.version,
        }
    )
