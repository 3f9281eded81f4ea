"""The one partitioning of the graph: a cell is a (city, venue) pair, registered by the taxonomy sensor."""

from dagster import DynamicPartitionsDefinition

cells_partitions = DynamicPartitionsDefinition(name="cells")
