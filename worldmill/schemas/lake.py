"""Records of the lake's own tables: replicas, maintenance actions and prompt embeddings.

Registered in ``schemas.tables.TABLES`` on import (``worldmill.lake`` imports this module).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import ClassVar

import pyarrow as pa

from worldmill.schemas.records import Record
from worldmill.schemas.tables import register

EMBEDDING_DIM = 384


@dataclasses.dataclass(frozen=True)
class ReplicaRow(Record):
    """A clip copied to another site; written in the target site so replication can resume."""

    table: ClassVar[str] = "replicas"
    key: ClassVar[tuple[str, ...]] = ("clip_id", "target_site")

    clip_id: str
    target_site: str
    source_site: str
    key_path: str
    source_uri: str
    target_uri: str
    replicated_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class MaintenanceRow(Record):
    """One maintenance action on one table of one site, with the statistics that led to it."""

    table: ClassVar[str] = "maintenance"
    key: ClassVar[tuple[str, ...]] = ("action_id",)

    action_id: str  # f"{site}/{table_name}/v{version_before}/{action}/{started_at:%Y%m%dT%H%M%S%f}"
    site: str
    table_name: str
    action: str  # compact | zorder | checkpoint | vacuum
    reason: str
    status: str  # done | failed | planned (dry run)
    version_before: int
    version_after: int | None
    files_before: int
    files_after: int | None
    small_file_ratio: float
    versions_since_checkpoint: int
    detail_json: str  # metrics returned by deltalake, or the error
    duration_s: float
    started_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class EmbeddingRow(Record):
    """A text embedding (L2-normalised MiniLM, 384 float32) of one sample's prompt or scene description."""

    table: ClassVar[str] = "embeddings"
    key: ClassVar[tuple[str, ...]] = ("sample_id", "kind")

    sample_id: str
    kind: str  # "prompt" | "scene"
    model: str
    text_sha256: str
    embedding: list[float]
    created_at: dt.datetime

    @classmethod
    def arrow_schema(cls) -> pa.Schema:
        """float32 vectors (half the bytes of the default float64; DuckDB casts to FLOAT[384])."""
        schema = super().arrow_schema()
        index = schema.get_field_index("embedding")
        return schema.set(index, pa.field("embedding", pa.list_(pa.float32()), nullable=False))


for _record in (ReplicaRow, MaintenanceRow, EmbeddingRow):
    register(_record)
