"""The catalogue's tables by name: each is declared by its record class in ``records``."""

from __future__ import annotations

from worldmill.schemas.records import ALL_RECORDS, Record

TABLES: dict[str, type[Record]] = {r.table: r for r in ALL_RECORDS}


def register(record: type[Record]) -> type[Record]:
    """Add a table declared by a later module (curation, lake maintenance, federation)."""
    TABLES[record.table] = record
    return record


# Later layers declare their tables beside their records; importing them here makes every table known
# wherever TABLES is (the catalogue, SQL views, checks), whichever module was imported first.
from worldmill.schemas import curation, federated, lake  # noqa: F401
