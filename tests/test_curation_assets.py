"""Curation assets and checks through Dagster on a temporary lake: captions, duplicates, shards, checks."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import tarfile

import pytest
from conftest_curation import add_sample, panning_clip
from conftest_lake import make_record
from dagster import DagsterInstance, materialize

from worldmill.assets.curation import captions, curation_checks, duplicates, training_shards
from worldmill.assets.scores import scores
from worldmill.errors import SceneError
from worldmill.lake import Catalogue, LocalBlobStore
from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.render import render
from worldmill.render.conditions import depth_camera_fields
from worldmill.resources.lake import LakeResource
from worldmill.scenes import build_scene, camera_path
from worldmill.scenes.visibility import measure_visibility
from worldmill.schemas.plan import RenderSettings
from worldmill.schemas.records import CatalogueRow, CellRow
from worldmill.taxonomy import load_taxonomy

CELL = "tokyo-1850147__zoo"


def checks_for(*assets):
    keys = {a.key for a in assets}
    return [c for c in curation_checks if all(k.asset_key in keys for k in c.check_keys)]


@pytest.fixture(scope="module")
def scene_files():
    tax = load_taxonomy()
    cell = tax.cells(["Tokyo"], ["zoo"])[0]
    for index in range(20):  # the first sample whose decor fits
        plan = sample_plan(cell, seed_for(cell.key, 0, index), sample_id(cell.key, 0, index))
        with contextlib.suppress(SceneError):  # some seeds cannot place every decor item; try the next
            scene = build_scene(plan, tax.classes)
            settings = RenderSettings(width=64, height=64, frames=16, fps=24)
            camera = camera_path(scene, plan, settings)
            camera_json = json.dumps({**json.loads(camera.to_json()), **depth_camera_fields(0.001)})  # as written
            seen = measure_visibility(scene, render(scene, camera, plan, settings, normals=False).instance)
            return {"plan.json": plan.to_json(), "scene.json": scene.to_json(), "camera.json": camera_json,
                    "visibility.json": seen.to_json()}  # fmt: skip
    raise RuntimeError("no buildable Tokyo zoo sample")


@pytest.fixture
def lake(tmp_path, scene_files):
    root = tmp_path / "lake"
    catalogue, blobs = Catalogue(str(root)), LocalBlobStore(root / "footage")
    copy = panning_clip(7)
    pairs = [add_sample(catalogue, blobs, 0, frames=copy), add_sample(catalogue, blobs, 1, frames=copy),  # duplicates
             add_sample(catalogue, blobs, 2), add_sample(catalogue, blobs, 3)]
    for _, clip in pairs:
        for name, text in scene_files.items():
            (blobs.path(clip.rgb_path).parent.parent / name).write_text(text)
    catalogue.upsert([make_record(CellRow, cell_key=CELL, city_key="tokyo-1850147", venue="zoo")])
    catalogue.upsert([p for p, _ in pairs])
    catalogue.upsert([c for _, c in pairs])
    return catalogue, str(root), [c for _, c in pairs]


@pytest.mark.slow  # ~25 s: loads the MiniLM model for semantic dedup
def test_curation_assets_caption_dedup_and_shard_a_cell(lake, tmp_path):
    catalogue, uri, clips = lake
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", [CELL])
    resources = {"lake": LakeResource(uri=uri)}
    per_cell = [scores, captions]
    result = materialize([*per_cell, *checks_for(*per_cell)], partition_key=CELL, instance=instance, resources=resources)
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    statuses = catalogue.sql("SELECT clip_id, status, reason FROM scores ORDER BY clip_id").to_dicts()
    assert [s["status"] for s in statuses] == ["pass"] * len(clips), statuses
    caps = catalogue.read("captions").sort("clip_id").to_dicts()
    assert [c["clip_id"] for c in caps] == [c.clip_id for c in clips]
    assert caps[0]["caption"].startswith(("Aerial", "Ground-level", "Interior")) and "Tokyo, Japan" in caps[0]["caption"]

    fields = {f.name for f in dataclasses.fields(CatalogueRow)}
    catalogue.upsert([make_record(CatalogueRow, **{k: v for k, v in dataclasses.asdict(c).items() if k in fields},
                                  prompt="p", status="pass", accepted=True) for c in clips])
    rest = [duplicates, training_shards]
    config = {"ops": {"training_shards": {"config": {"out_dir": str(tmp_path / "shards")}}}}
    result = materialize([*rest, *checks_for(*rest)], instance=instance, resources=resources, run_config=config)
    assert result.success, result
    dupes = {r["clip_id"]: r for r in catalogue.read("duplicates").to_dicts()}
    assert len(dupes) == 4
    pair = [dupes[clips[0].clip_id], dupes[clips[1].clip_id]]
    assert sorted(d["duplicate"] for d in pair) == [False, True] and pair[0]["kept_id"] == pair[1]["kept_id"]
    assert "phash" in next(d for d in pair if d["duplicate"])["method"]
    assert not dupes[clips[2].clip_id]["duplicate"] and not dupes[clips[3].clip_id]["duplicate"]

    manifest = catalogue.read("shards").to_dicts()
    assert len(manifest) == 1 and manifest[0]["samples"] == 3 and manifest[0]["bucket"] == "64x64_16f"
    with tarfile.open(manifest[0]["path"]) as tar:
        assert sum(n.endswith(".mp4") and n.count(".") == 1 for n in tar.getnames()) == 3


def test_a_blocking_check_stops_downstream_assets(lake):
    catalogue, uri, clips = lake
    catalogue.upsert([dataclasses.replace(clips[0], fps=7)])  # not an allowed frame rate
    from worldmill.assets.curation import _table_check

    clips_check = _table_check("clips", "clips", True, "test")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", [CELL])
    from dagster import AssetKey, asset

    @asset(name="clips", partitions_def=scores.partitions_def)
    def clips_stub() -> None:
        """Stands in for the generation asset so that its check runs before ``scores``."""

    result = materialize([clips_stub, clips_check, scores], partition_key=CELL, instance=instance,
                         resources={"lake": LakeResource(uri=uri)}, raise_on_error=False)
    evaluation = result.get_asset_check_evaluations()[0]
    assert not evaluation.passed and "fps_ok" in evaluation.description
    assert AssetKey("scores") not in {m.asset_key for m in result.get_asset_materialization_events()}
