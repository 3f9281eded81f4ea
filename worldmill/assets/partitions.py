"""The one partitioning of the graph: a cell is a (city, venue) pair, registered by the taxonomy sensor."""

from dagster import AssetExecutionContext, AssetKey, AssetRecordsFilter, DynamicPartitionsDefinition

from worldmill.errors import CatalogueError

cells_partitions = DynamicPartitionsDefinition(name="cells")


def prompts_round(context: AssetExecutionContext) -> int:
    """The round that the cell's latest ``prompts`` materialization made: the downstream stages work on it."""
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("prompts"), asset_partitions=[context.partition_key]), limit=1
    ).records
    if not records:
        raise CatalogueError(
            f"Cell {context.partition_key} has no `prompts` materialization.", fix="materialize `prompts` for it first"
        )
    return int(records[0].asset_materialization.metadata["round"].value)
