"""WebDataset shards: accepted, deduplicated clips grouped by size, reproducible from the versions they name."""

from __future__ import annotations

import dataclasses
import json
import tarfile

import pytest
from conftest_curation import add_sample, panning_clip
from conftest_lake import make_record

from worldmill.curation.shards import ShardPolicy, ShardVersions, current_versions, write_shards
from worldmill.errors import CatalogueError
from worldmill.lake import Catalogue, LocalBlobStore
from worldmill.schemas.curation import DuplicateRow
from worldmill.schemas.records import CatalogueRow, utcnow


def catalogue_row(clip, accepted=True, prompt="a prompt"):
    fields = {f.name for f in dataclasses.fields(CatalogueRow)}
    values = {k: v for k, v in dataclasses.asdict(clip).items() if k in fields}
    return make_record(CatalogueRow, **values, prompt=prompt, status="pass" if accepted else "fail", accepted=accepted)


def duplicate_row(clip, kept):
    return DuplicateRow(clip_id=clip.clip_id, cell_key=clip.cell_key, kept_id=kept.clip_id, duplicate=clip is not kept,
                        method="kept" if clip is kept else "phash", hamming_bits=None if clip is kept else 1.0,
                        cosine=None, cluster=0, quality_score=0.5, deduped_at=utcnow())


@pytest.fixture
def lake(tmp_path):
    root = tmp_path / "lake"
    catalogue, blobs = Catalogue(str(root)), LocalBlobStore(root / "footage")
    clips = [add_sample(catalogue, blobs, i)[1] for i in range(4)]
    clips.append(add_sample(catalogue, blobs, 4, frames=panning_clip(4, frames=8, size=32))[1])  # another bucket
    catalogue.upsert([catalogue_row(c, accepted=i != 1, prompt=f"prompt {i}") for i, c in enumerate(clips)])
    catalogue.upsert([duplicate_row(clips[2], clips[0]), duplicate_row(clips[0], clips[0])])
    return catalogue, blobs, clips


def test_shards_hold_accepted_unique_clips_grouped_by_resolution_and_length(lake, tmp_path):
    catalogue, blobs, clips = lake
    rows = write_shards(catalogue, blobs, tmp_path / "out", policy=ShardPolicy(max_samples=1))
    assert sorted(r.bucket for r in rows) == ["32x32_8f", "64x64_16f", "64x64_16f"]
    shipped = sorted(c for r in rows for c in r.clip_ids)
    assert shipped == sorted([clips[0].clip_id, clips[3].clip_id, clips[4].clip_id])  # 1 rejected, 2 a duplicate
    first = next(r for r in rows if clips[0].clip_id in r.clip_ids)
    with tarfile.open(first.path) as tar:
        names = tar.getnames()
        key = clips[0].clip_id
        assert names[:3] == [f"{key}.json", f"{key}.mp4", f"{key}.txt"]
        assert {f"{key}.depth.mkv", f"{key}.seg.mp4", f"{key}.input.mp4"} <= set(names)
        meta = json.loads(tar.extractfile(f"{key}.json").read())
        assert meta["clip_id"] == key and meta["accepted"] is True and "depth.mkv" in meta["conditions"]
        assert tar.extractfile(f"{key}.txt").read().decode() == "prompt 0"
        assert tar.extractfile(f"{key}.mp4").read() == blobs.path(clips[0].rgb_path).read_bytes()
    assert first.catalogue_version == catalogue.version("catalogue") and first.duplicates_version == 0
    assert first.shard_id == "c0-d0/64x64_16f/00000"


def test_shards_rebuilt_from_the_same_versions_are_byte_identical(lake, tmp_path):
    catalogue, blobs, clips = lake
    versions = current_versions(catalogue)
    before = write_shards(catalogue, blobs, tmp_path / "a")
    catalogue.upsert([catalogue_row(clips[3], accepted=False)])  # the catalogue moves on
    again = write_shards(catalogue, blobs, tmp_path / "b", versions=versions)
    assert [(r.shard_id, r.sha256, r.clip_ids) for r in again] == [(r.shard_id, r.sha256, r.clip_ids) for r in before]
    latest = write_shards(catalogue, blobs, tmp_path / "c")
    assert clips[3].clip_id not in {c for r in latest for c in r.clip_ids}
    assert latest[0].catalogue_version == versions.catalogue + 1


def test_shard_size_limit_splits_a_bucket(lake, tmp_path):
    catalogue, blobs, _ = lake
    rows = write_shards(catalogue, blobs, tmp_path / "out", policy=ShardPolicy(max_bytes=1))
    assert all(r.samples == 1 for r in rows) and len(rows) == 3
    assert [r.shard_id.rsplit("/", 1)[1] for r in rows if r.bucket == "64x64_16f"] == ["00000", "00001"]


def test_no_catalogue_and_vacuumed_versions_are_clear_errors(tmp_path, lake):
    with pytest.raises(CatalogueError, match="catalogue table does not exist"):
        current_versions(Catalogue(str(tmp_path / "empty")))
    catalogue, blobs, _ = lake
    with pytest.raises(CatalogueError, match="version 99"):
        write_shards(catalogue, blobs, tmp_path / "out", versions=ShardVersions(99, None, None, None))
