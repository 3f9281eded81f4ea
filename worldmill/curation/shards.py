"""Training shards: accepted, deduplicated clips as WebDataset tars, grouped by resolution and length.

Each sample is a run of tar members sharing a key (the clip id): ``.mp4`` (footage), ``.txt`` (prompt),
``.json`` (labels, scores, caption) and its conditions (``.depth.mkv``, ``.seg.mp4``, ...). Shards are
reproducible: they are built from the Delta versions they name (the catalogue, duplicates, scores and captions
tables read at those versions, and the clips table for which clips a newer release superseded), members are written in a fixed order with fixed tar headers, so rebuilding from
the same versions gives byte-identical tars.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from worldmill.errors import CatalogueError, ConfigError, StorageError
from worldmill.lake import Catalogue
from worldmill.lake.blobs import BlobStore
from worldmill.lake.views import create_standard_views
from worldmill.schemas.curation import ShardRow
from worldmill.schemas.records import sample_key_of, utcnow

CONDITION_FILES = ("input.mp4", "vis.mp4", "edge.mp4", "depth.mkv", "seg.mp4", "instance.mkv", "control_weights.npz", "camera.json")
_SCORE_COLUMNS = ("quality_score", "sharpness", "exposure_mean", "contrast", "colourfulness", "motion_mean", "flicker",
                  "blur_ssim", "edge_f1", "depth_si_rmse", "seg_miou")


@dataclasses.dataclass(frozen=True)
class ShardVersions:
    """The table versions a shard set is built from (None: the table does not exist / is not used)."""

    catalogue: int
    duplicates: int | None
    scores: int | None
    captions: int | None
    clips: int | None = None  # for superseded clips (left out)

    @property
    def label(self) -> str:
        """``c{catalogue}-d{duplicates}-s{scores}-k{captions}-g{clips}``, leaving out tables that are not used."""
        parts = zip("cdskg", (self.catalogue, self.duplicates, self.scores, self.captions, self.clips), strict=True)
        return "-".join(f"{letter}{version}" for letter, version in parts if version is not None)


@dataclasses.dataclass(frozen=True)
class ShardPolicy:
    max_samples: int = 1000
    max_bytes: int = 1 << 30

    def __post_init__(self) -> None:
        if self.max_samples < 1 or self.max_bytes < 1:
            raise ConfigError(f"Shard limits {self}: both must be >= 1.", fix="pass positive max_samples and max_bytes")


def current_versions(catalogue: Catalogue) -> ShardVersions:
    version = catalogue.version("catalogue")
    if version is None:
        raise CatalogueError(
            "The catalogue table does not exist yet, so there is nothing to shard.",
            fix="materialize the catalogue asset for at least one cell first",
        )
    return ShardVersions(version, catalogue.version("duplicates"), catalogue.version("scores"),
                         catalogue.version("captions"), catalogue.version("clips"))


def _read_at(catalogue: Catalogue, table: str, version: int | None) -> pl.DataFrame | None:
    if version is None:
        return None
    delta = catalogue.delta_table(table)
    try:
        delta.load_as_version(version)
    except Exception as exc:  # deltalake raises several types for a missing/vacuumed version
        raise CatalogueError(
            f"Table {table!r} cannot be read at version {version}: {exc}.",
            fix="pick a version that has not been vacuumed (see the table's history)",
        ) from exc
    return pl.from_arrow(delta.to_pyarrow_table())


def select_samples(catalogue: Catalogue, versions: ShardVersions) -> list[dict[str, Any]]:
    """Accepted clips that are neither duplicates nor superseded by a newer release's footage of their cell, with
    scores and caption, ordered by bucket then clip id."""
    rows = _read_at(catalogue, "catalogue", versions.catalogue).filter(pl.col("accepted"))
    duplicates = _read_at(catalogue, "duplicates", versions.duplicates)
    if duplicates is not None:
        dropped = duplicates.filter(pl.col("duplicate")).select("clip_id")
        rows = rows.join(dropped, on="clip_id", how="anti")
    clips = _read_at(catalogue, "clips", versions.clips)
    if clips is not None:
        with duckdb.connect() as con:
            con.register("clips", clips.to_arrow())
            if "clip_versions" in create_standard_views(con, ["clips"]):  # not on clips of an older release
                superseded = con.sql("SELECT clip_id FROM clip_versions WHERE superseded").pl()
                rows = rows.join(superseded, on="clip_id", how="anti")
    scores = _read_at(catalogue, "scores", versions.scores)
    if scores is not None:
        rows = rows.join(scores.select("clip_id", *_SCORE_COLUMNS), on="clip_id", how="left")
    captions = _read_at(catalogue, "captions", versions.captions)
    if captions is not None:
        rows = rows.join(captions.select("clip_id", "caption"), on="clip_id", how="left")
    rows = rows.with_columns(bucket=pl.format("{}x{}_{}f", "width", "height", "frames"))
    return rows.sort("bucket", "clip_id").to_dicts()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return value


def sample_members(sample: dict[str, Any], blobs: BlobStore) -> list[tuple[str, bytes | Path]]:
    """The tar members of one sample, in a fixed order: metadata, footage, prompt, then conditions."""
    key = sample["clip_id"]
    if "." in key or "/" in key:
        raise CatalogueError(f"Clip id {key!r} contains '.' or '/', which WebDataset keys cannot.", fix="use worldmill clip ids")
    sample_dir = blobs.open_local(sample_key_of(sample["rgb_path"]))
    conditions = [(name, sample_dir / name) for name in CONDITION_FILES if (sample_dir / name).is_file()]
    metadata = {k: _jsonable(v) for k, v in sample.items() if k not in ("prompt",)}
    metadata["conditions"] = [name for name, _ in conditions]
    return [
        (f"{key}.json", json.dumps(metadata, sort_keys=True, ensure_ascii=False).encode()),
        (f"{key}.mp4", blobs.open_local(sample["rgb_path"])),
        (f"{key}.txt", str(sample.get("prompt") or "").encode()),
        *((f"{key}.{name}", path) for name, path in conditions),
    ]


def _size(content: bytes | Path) -> int:
    return len(content) if isinstance(content, bytes) else content.stat().st_size


def write_tar(path: Path, members: Iterable[tuple[str, bytes | Path]]) -> tuple[int, str]:
    """Write a tar with fixed headers (mtime 0, root owner, mode 644) atomically; return (bytes, sha256)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with tarfile.open(temp, "w", format=tarfile.PAX_FORMAT) as tar:
            for name, content in members:
                data = content if isinstance(content, bytes) else content.read_bytes()
                info = tarfile.TarInfo(name)
                info.size, info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = len(data), 0, 0o644, 0, 0, "", ""
                tar.addfile(info, io.BytesIO(data))
        os.replace(temp, path)
    except OSError as exc:
        raise StorageError(f"Cannot write shard {path}: {exc}.", fix="check the output directory and free disk space") from exc
    finally:
        temp.unlink(missing_ok=True)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return path.stat().st_size, digest


def _write_shard(out_dir: Path, versions: ShardVersions, bucket: str, index: int,
                 shard: list[tuple[str, list[tuple[str, bytes | Path]]]], now: dt.datetime) -> ShardRow:
    shard_id = f"{versions.label}/{bucket}/{index:05d}"
    path = Path(out_dir) / f"{shard_id}.tar"
    nbytes, digest = write_tar(path, (m for _, members in shard for m in members))
    return ShardRow(
        shard_id=shard_id, bucket=bucket, path=str(path), samples=len(shard), bytes=nbytes, sha256=digest,
        clip_ids=[clip_id for clip_id, _ in shard], catalogue_version=versions.catalogue,
        duplicates_version=versions.duplicates, scores_version=versions.scores, captions_version=versions.captions,
        created_at=now, clips_version=versions.clips,
    )


def write_shards(
    catalogue: Catalogue,
    blobs: BlobStore,
    out_dir: Path,
    versions: ShardVersions | None = None,
    policy: ShardPolicy = ShardPolicy(),
) -> list[ShardRow]:
    """Write the shards of ``versions`` (default: the tables' current versions) under
    ``out_dir/{versions.label}/{bucket}/{index:05d}.tar`` and return their manifest rows."""
    versions = versions or current_versions(catalogue)
    samples = select_samples(catalogue, versions)
    rows: list[ShardRow] = []
    now = utcnow()
    by_bucket: dict[str, list[dict[str, Any]]] = {}
    for sample in samples:
        by_bucket.setdefault(sample["bucket"], []).append(sample)
    for bucket, members in by_bucket.items():
        shard: list[tuple[str, list[tuple[str, bytes | Path]]]] = []
        size = index = 0
        for sample in members:
            parts = sample_members(sample, blobs)
            sample_bytes = sum(_size(c) for _, c in parts)
            if shard and (len(shard) >= policy.max_samples or size + sample_bytes > policy.max_bytes):
                rows.append(_write_shard(out_dir, versions, bucket, index, shard, now))
                shard, size, index = [], 0, index + 1
            shard.append((sample["clip_id"], parts))
            size += sample_bytes
        if shard:
            rows.append(_write_shard(out_dir, versions, bucket, index, shard, now))
    return rows
