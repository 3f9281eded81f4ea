"""The lake: Delta catalogue tables queried by DuckDB, and blob stores for clip files.

Domain code: no Dagster here.
"""

from worldmill.lake.blobs import BlobStore, FsspecBlobStore, LocalBlobStore
from worldmill.lake.catalogue import Catalogue, TableWrite, sql_list, sql_literal

__all__ = ["BlobStore", "Catalogue", "FsspecBlobStore", "LocalBlobStore", "TableWrite", "sql_list", "sql_literal"]
