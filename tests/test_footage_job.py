"""Tier 2: the whole graph for one tiny cell through Dagster, tables read back with DuckDB."""

from __future__ import annotations

from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize

from worldmill.assets.catalogue import catalogue
from worldmill.assets.clips import clips
from worldmill.assets.conditions import conditions
from worldmill.assets.prompts import prompts
from worldmill.assets.scores import scores
from worldmill.assets.taxonomy import taxonomy
from worldmill.lake import Catalogue
from worldmill.taxonomy import load_taxonomy

CHAIN = [prompts, conditions, clips, scores, catalogue]


@pytest.fixture(scope="module")
def cell_key() -> str:
    return load_taxonomy().cells(["Shanghai"], ["zoo"])[0].key


def _run(instance, resources, key, round_=None):
    config = {"ops": {"prompts": {"config": {"round": round_}}}}
    return materialize(CHAIN, partition_key=key, instance=instance, resources=resources, run_config=config)


def test_one_cell_end_to_end(tiny_resources, lake_uri, cell_key):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", [cell_key])
    assert materialize([taxonomy], instance=instance, resources=tiny_resources).success
    assert _run(instance, tiny_resources, cell_key).success

    lake = Catalogue(lake_uri)
    rows = lake.sql(
        """SELECT c.clip_id, c.frames, c.width, c.uri, c.rgb_path, p.prompt, s.status, k.accepted
           FROM clips c JOIN prompts p USING (sample_id) JOIN scores s USING (clip_id)
           JOIN catalogue k USING (clip_id) ORDER BY c.clip_id"""
    ).to_dicts()
    assert len(rows) == 2
    assert all(r["frames"] == 8 and r["width"] == 64 for r in rows)
    assert "Shanghai" in rows[0]["prompt"]
    footage = Path(lake_uri) / "footage"
    for row in rows:
        sample_dir = footage / row["rgb_path"].rsplit("/", 2)[0]
        for name in ("input.mp4", "depth.mkv", "depth.mp4", "seg.mp4", "edge.mp4", "vis.mp4",
                     "control_weights.npz", "camera.json", "scene.json", "prompt.txt"):
            assert (sample_dir / name).is_file(), name
        assert (footage / row["rgb_path"]).is_file()
        assert (sample_dir / "procedural" / "contact_sheet.png").is_file()
    cells = lake.sql(f"SELECT count(*) AS n FROM cells WHERE cell_key = '{cell_key}'")["n"][0]
    assert cells == 1


def test_rerun_of_a_round_is_idempotent_and_next_round_is_new(tiny_resources, lake_uri, cell_key):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", [cell_key])
    lake = Catalogue(lake_uri)
    query = "SELECT clip_id, round, seed, rgb_sha256, created_at FROM clips ORDER BY clip_id"
    assert _run(instance, tiny_resources, cell_key).success
    assert _run(instance, tiny_resources, cell_key).success  # next round
    before = lake.sql(query).to_dicts()
    assert [r["round"] for r in before] == [1, 1, 2, 2]
    assert len({r["seed"] for r in before}) == 4  # seeds never repeat across rounds

    assert _run(instance, tiny_resources, cell_key, round_=1).success  # replay round 1 while round 2 is newest
    after = lake.sql(query).to_dicts()
    strip = lambda rows: [{k: v for k, v in r.items() if k != "created_at"} for r in rows]
    assert strip(after) == strip(before)  # same ids, same seeds, same bytes, no duplicate rows
    assert [r["created_at"] for r in after[2:]] == [r["created_at"] for r in before[2:]]  # round 2 untouched
    assert [r["created_at"] for r in after[:2]] != [r["created_at"] for r in before[:2]]  # round 1 was remade
    for table, key in (("prompts", "sample_id"), ("conditions", "sample_id"), ("clips", "clip_id"),
                       ("scores", "clip_id"), ("catalogue", "clip_id")):
        dupes = lake.sql(f"SELECT count(*) - count(DISTINCT {key}) AS d FROM {table}")
        assert dupes["d"][0] == 0, table


def test_unknown_cell_fails_with_a_clear_message(tiny_resources):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", ["atlantis-1__zoo"])
    result = materialize(CHAIN, partition_key="atlantis-1__zoo", instance=instance, resources=tiny_resources,
                         raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    text = failure.step_failure_data.user_failure_data.description
    assert "atlantis-1" in text


def test_a_run_killed_before_clips_resumes_its_round(tiny_resources, lake_uri, cell_key):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", [cell_key])
    partial = materialize([prompts, conditions], partition_key=cell_key, instance=instance, resources=tiny_resources)
    assert partial.success  # the run "dies" here: prompts and conditions written, no clips

    assert _run(instance, tiny_resources, cell_key).success
    lake = Catalogue(lake_uri)
    assert lake.sql("SELECT DISTINCT round FROM prompts")["round"].to_list() == [1]
    orphans = lake.sql(
        "SELECT count(*) AS n FROM prompts p WHERE NOT EXISTS (SELECT 1 FROM clips c WHERE c.sample_id = p.sample_id)"
    )["n"][0]
    assert orphans == 0


def test_a_steered_round_makes_the_asked_time_of_day(tiny_resources, lake_uri, cell_key):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", [cell_key])
    config = {"ops": {"prompts": {"config": {"time_of_day": "night"}}}}
    result = materialize(CHAIN, partition_key=cell_key, instance=instance, resources=tiny_resources, run_config=config)
    assert result.success
    lake = Catalogue(lake_uri)
    assert lake.sql("SELECT DISTINCT time_of_day FROM catalogue")["time_of_day"].to_list() == ["night"]
    plans = lake.sql("SELECT prompt FROM prompts")["prompt"].to_list()
    assert all("night" in p.lower() for p in plans)
