"""The scores asset through Dagster on a temporary lake: good, corrupt and missing clips in one batch."""

from __future__ import annotations

import dataclasses

import pytest
from conftest_curation import add_sample
from dagster import DagsterInstance, materialize

from worldmill.assets.scores import scores
from worldmill.lake import Catalogue, LocalBlobStore
from worldmill.resources.lake import LakeResource

CELL = "tokyo-1850147__zoo"


@pytest.fixture
def lake(tmp_path):
    root = tmp_path / "lake"
    return Catalogue(str(root)), LocalBlobStore(root / "footage"), str(root)


def _materialize(uri: str, config: dict | None = None):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", [CELL])
    run_config = {"ops": {"scores": {"config": config}}} if config else None
    return materialize([scores], partition_key=CELL, instance=instance, resources={"lake": LakeResource(uri=uri)},
                       run_config=run_config)


def test_scores_asset_scores_a_batch_and_records_per_clip_failures(lake):
    catalogue, blobs, uri = lake
    clips = [add_sample(catalogue, blobs, i)[1] for i in range(4)]
    blobs.path(clips[1].rgb_path).write_bytes(b"not a video")  # corrupt
    blobs.path(clips[2].rgb_path).unlink()  # missing footage
    blobs.path(clips[3].rgb_path).parent.parent.joinpath("seg.mp4").unlink()  # missing condition file
    catalogue.upsert(clips)

    result = _materialize(uri)
    assert result.success
    rows = {r["clip_id"]: r for r in catalogue.read("scores").to_dicts()}
    assert len(rows) == 4
    good, corrupt, missing, no_seg = (rows[c.clip_id] for c in clips)
    assert good["status"] == "pass", good["reason"]
    assert good["seg_miou"] == 1.0 and good["depth_si_rmse"] == 0.0 and good["edge_f1"] > 0.9
    assert corrupt["status"] == "error" and "cannot be opened" in corrupt["reason"]
    assert missing["status"] == "error" and "No blob" in missing["reason"]
    assert no_seg["status"] == "error" and "seg.mp4" in no_seg["reason"]
    metadata = result.asset_materializations_for_node("scores")[0].metadata
    assert metadata["scored"].value == 4 and metadata["pass"].value == 1 and metadata["error"].value == 3


def test_scores_asset_skips_scored_clips_and_takes_threshold_overrides(lake):
    catalogue, blobs, uri = lake
    clip = add_sample(catalogue, blobs, 0)[1]
    catalogue.upsert([clip])
    assert _materialize(uri).success
    first = catalogue.read("scores").to_dicts()[0]

    assert _materialize(uri).success  # nothing new: the row is untouched
    assert catalogue.read("scores").to_dicts()[0]["scored_at"] == first["scored_at"]

    assert _materialize(uri, {"thresholds": {"min_sharpness": 1e9}, "rescore": True}).success
    again = catalogue.read("scores").to_dicts()[0]
    assert again["status"] == "fail" and "min_sharpness" in again["reason"]

    catalogue.upsert([dataclasses.replace(clip, created_at=again["scored_at"].replace(year=2100))])  # regenerated
    assert _materialize(uri).success
    assert catalogue.read("scores").to_dicts()[0]["status"] == "pass"


def test_unknown_threshold_name_fails_the_step_with_the_known_names(lake):
    catalogue, blobs, uri = lake
    catalogue.upsert([add_sample(catalogue, blobs, 0)[1]])
    with pytest.raises(Exception, match="min_sharpnes.*known|Unknown quality thresholds"):
        _materialize(uri, {"thresholds": {"min_sharpnes": 5.0}})
