"""Records of the curation tables: captions, duplicates and the training-shard manifest.

The face guardrail's outcome is recorded on each clip (``ClipRow.guardrail``, ``ClipRow.faces_blurred``).

Importing this module registers the tables in ``worldmill.schemas.tables.TABLES``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import ClassVar

from worldmill.schemas.records import Record
from worldmill.schemas.tables import register


@register
@dataclasses.dataclass(frozen=True)
class CaptionRow(Record):
    """A clip's caption: exact, written from the scene graph and camera path that produced it."""

    table: ClassVar[str] = "captions"
    key: ClassVar[tuple[str, ...]] = ("clip_id",)

    clip_id: str
    sample_id: str
    cell_key: str
    caption: str
    word_count: int
    source: str  # "scene_graph"
    model_caption: str | None  # from a local vision-language model, when one is configured
    model_caption_reason: str | None  # why model_caption is null
    created_at: dt.datetime


@register
@dataclasses.dataclass(frozen=True)
class DuplicateRow(Record):
    """One row per clip that took part in dedup; ``kept_id`` is the representative of its duplicate group
    (the clip itself when it is kept)."""

    table: ClassVar[str] = "duplicates"
    key: ClassVar[tuple[str, ...]] = ("clip_id",)

    clip_id: str
    cell_key: str
    kept_id: str
    duplicate: bool  # clip_id != kept_id
    method: str  # "kept" | "phash" | "semantic" | "phash+semantic": what linked it to kept_id
    hamming_bits: float | None  # mean per-frame pHash distance to kept_id (null when kept)
    cosine: float | None  # embedding cosine similarity to kept_id (null when kept)
    cluster: int  # k-means cluster of the clip's embedding
    quality_score: float
    deduped_at: dt.datetime


@register
@dataclasses.dataclass(frozen=True)
class ShardRow(Record):
    """One WebDataset tar of the training shards; rebuilding from the versions it names gives the same bytes."""

    table: ClassVar[str] = "shards"
    key: ClassVar[tuple[str, ...]] = ("shard_id",)

    shard_id: str  # "{bucket}/{index:05d}"
    bucket: str  # "{width}x{height}_{frames}f": the resolution and length group
    path: str  # the tar's location (absolute path or URI)
    samples: int
    bytes: int
    sha256: str
    clip_ids: list[str]
    catalogue_version: int  # Delta version of the catalogue table it was built from
    duplicates_version: int | None  # ... of the duplicates table (null when dedup has not run)
    scores_version: int | None  # ... of the scores table (per-sample metadata)
    captions_version: int | None  # ... of the captions table (null when captioning has not run)
    created_at: dt.datetime
    clips_version: int | None = None  # ... of the clips table (which clips a newer release superseded)


CURATION_RECORDS: tuple[type[Record], ...] = (CaptionRow, DuplicateRow, ShardRow)
