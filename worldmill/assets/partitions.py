"""The one partitioning of the graph: a cell is a (city, venue) pair, registered by the taxonomy sensor."""

from dagster import AssetExecutionContext, AssetKey, AssetRecordsFilter, DagsterEventType, DynamicPartitionsDefinition

from worldmill.errors import CatalogueError

cells_partitions = DynamicPartitionsDefinition(name="cells")


def prompts_round(context: AssetExecutionContext) -> int:
    """The round that this run's ``prompts`` step made (concurrent runs of a cell make different rounds);
    in a re-execution without that step, its parent run's; else the cell's latest ``prompts`` round."""
    instance, run = context.instance, context.run
    while run is not None:
        for entry in instance.all_logs(run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION):
            made = entry.asset_materialization
            if made and made.asset_key == AssetKey("prompts") and made.partition == context.partition_key:
                return int(made.metadata["round"].value)
        run = instance.get_run_by_id(run.parent_run_id) if run.parent_run_id else None
    records = context.instance.fetch_materializations(
        AssetRecordsFilter(asset_key=AssetKey("prompts"), asset_partitions=[context.partition_key]), limit=1
    ).records
    if not records:
        raise CatalogueError(
            f"Cell {context.partition_key} has no `prompts` materialization.", fix="materialize `prompts` for it first"
        )
    return int(records[0].asset_materialization.metadata["round"].value)
