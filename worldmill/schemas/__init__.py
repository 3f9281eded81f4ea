"""Declarations shared by every layer: records that cross boundaries, table schemas, taxonomy file models.

Pure data: no Dagster, no I/O.
"""
