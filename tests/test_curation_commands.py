"""`worldmill curate` and `worldmill shards` on footage made by the real generation chain (one tiny cell)."""

from __future__ import annotations

import tarfile

import pytest
from dagster import DagsterInstance, materialize

from worldmill.assets.clips import clips
from worldmill.assets.conditions import conditions
from worldmill.assets.prompts import prompts
from worldmill.assets.taxonomy import taxonomy
from worldmill.jobs.curation import cells_to_curate, curate, shards
from worldmill.lake import Catalogue
from worldmill.taxonomy import load_taxonomy


@pytest.mark.slow  # renders a cell and loads MiniLM: ~40 s on 2 cores
def test_curate_then_shards_on_generated_footage(tiny_resources, lake_uri, tmp_path):
    key = load_taxonomy().cells(["Shanghai"], ["hospital"])[0].key
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", [key])
    assert materialize([taxonomy], instance=instance, resources=tiny_resources).success
    assert materialize([prompts, conditions, clips], partition_key=key, instance=instance, resources=tiny_resources).success
    lake = Catalogue(lake_uri)
    assert cells_to_curate(lake) == [key]

    report = curate(lake_uri, instance=instance)
    assert report.cells == [key] and report.scored == 2 and report.captioned == 2
    assert report.checks_passed, {t: c.failures for t, c in report.checks.items() if not c.passed}
    rows = lake.sql("SELECT s.status, s.seg_miou, s.edge_f1, k.caption, c.accepted FROM scores s "
                    "JOIN captions k USING (clip_id) JOIN catalogue c USING (clip_id)").to_dicts()
    assert len(rows) == 2 and all(r["seg_miou"] > 0.99 and r["edge_f1"] > 0.99 for r in rows)  # the render is the footage
    assert all("Shanghai, China" in r["caption"] for r in rows)
    assert cells_to_curate(lake) == []  # nothing left to curate
    assert curate(lake_uri, instance=instance).cells == []

    built = shards(lake_uri, tmp_path / "shards", instance=instance)
    accepted = sum(r["accepted"] for r in rows) - report.duplicates
    assert built.samples == accepted and built.buckets == (["64x64_8f"] if accepted else [])
    for row in lake.read("shards").to_dicts():
        with tarfile.open(row["path"]) as tar:
            assert len([n for n in tar.getnames() if n.endswith(".json") and n.count(".") == 1]) == row["samples"]
