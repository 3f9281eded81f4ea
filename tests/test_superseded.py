"""Footage of an older release stays queryable, is marked superseded once its cell has newer footage, is left
out of training shards, and its cells are asked for again once per release."""

from __future__ import annotations

import dataclasses
import json

import pytest
from conftest_curation import add_sample
from conftest_lake import clip_row, make_record
from dagster import DagsterInstance, SkipReason, build_sensor_context

from worldmill.curation.regeneration import outdated_cells
from worldmill.curation.shards import current_versions, write_shards
from worldmill.generation.procedural import current_made_by
from worldmill.lake import Catalogue, LocalBlobStore
from worldmill.resources.lake import LakeResource
from worldmill.schemas.records import CatalogueRow
from worldmill.sensors.curation import outdated_footage_sensor

NOW = tuple(str(v) for v in current_made_by())
OLDER = (str(current_made_by()[0] - 1), None)


def made(i: int, versions: tuple[str, str | None], *, city_key: str = "tokyo-1850147", generator: str = "procedural"):
    clip = clip_row(i, city_key=city_key, generator=generator)
    return dataclasses.replace(clip, generator_version=versions[0], asset_library_version=versions[1])


def test_a_clip_is_superseded_only_once_its_cell_has_newer_footage_of_its_generator(tmp_path):
    catalogue = Catalogue(str(tmp_path / "lake"))
    catalogue.upsert([
        made(0, OLDER), made(1, (NOW[0], "0")), made(2, NOW),  # Tokyo zoo: two old, one new
        made(3, OLDER, city_key="lima-3936456"),  # Lima zoo: only old footage, nothing supersedes it yet
        made(4, ("7b", None), generator="transfer1"),  # another generator is compared with itself only
    ])
    rows = catalogue.sql("SELECT clip_id, superseded FROM clip_versions ORDER BY clip_id").to_dicts()
    marked = {r["clip_id"].split("__r00000-")[1]: r["superseded"] for r in rows}
    assert marked == {"000__procedural": True, "001__procedural": True, "002__procedural": False,
                      "003__procedural": False, "004__transfer1": False}
    assert catalogue.sql("SELECT count(*) AS n FROM clips")["n"][0] == 5  # nothing deleted
    assert outdated_cells(catalogue, current_made_by()) == ["lima-3936456__zoo"]


def test_shards_leave_out_superseded_clips(tmp_path):
    root = tmp_path / "lake"
    catalogue, blobs = Catalogue(str(root)), LocalBlobStore(root / "footage")
    old, new = (add_sample(catalogue, blobs, i)[1] for i in range(2))
    old = dataclasses.replace(old, generator_version=OLDER[0], asset_library_version=OLDER[1])
    new = dataclasses.replace(new, generator_version=NOW[0], asset_library_version=NOW[1])
    fields = {f.name for f in dataclasses.fields(CatalogueRow)}
    catalogue.upsert([old, new])
    catalogue.upsert([
        make_record(CatalogueRow, **{k: v for k, v in dataclasses.asdict(c).items() if k in fields},
                    prompt="p", status="pass", accepted=True)
        for c in (old, new)
    ])
    versions = current_versions(catalogue)
    rows = write_shards(catalogue, blobs, tmp_path / "out")
    assert [c for r in rows for c in r.clip_ids] == [new.clip_id]
    assert rows[0].clips_version == versions.clips == catalogue.version("clips")
    assert rows[0].shard_id.split("/")[0].endswith(f"-g{versions.clips}")


@pytest.fixture
def lake(tmp_path):
    uri = str(tmp_path / "lake")
    return DagsterInstance.ephemeral(), Catalogue(uri), {"lake": LakeResource(uri=uri)}


def tick(instance, resources, cursor=None):
    return outdated_footage_sensor(build_sensor_context(instance=instance, cursor=cursor, resources=resources))


def test_outdated_sensor_asks_once_per_release_for_each_cell_with_only_old_footage(lake):
    instance, catalogue, resources = lake
    assert isinstance(tick(instance, resources), SkipReason)  # no clips table yet
    cities = [f"city{i}-{100 + i}" for i in range(6)]
    catalogue.upsert([made(i, OLDER, city_key=c) for i, c in enumerate(cities)] + [made(9, NOW, city_key=cities[0])])
    first = tick(instance, resources)
    asked = [r.partition_key for r in first.run_requests]
    assert asked == [f"{c}__zoo" for c in cities[1:5]]  # city0 already has this release's footage; 4 per tick
    made_by = f"g{NOW[0]}-l{NOW[1]}"
    assert all(r.run_key.endswith(made_by) and r.tags["worldmill/reason"] == "outdated" for r in first.run_requests)
    second = tick(instance, resources, first.cursor)
    assert [r.partition_key for r in second.run_requests] == [f"{cities[5]}__zoo"]
    assert isinstance(tick(instance, resources, second.cursor), SkipReason)  # each cell once per release
    stale = json.dumps({"made_by": "g1-l0", "asked": [f"{c}__zoo" for c in cities]})
    assert len(tick(instance, resources, stale).run_requests) == 4  # a new release asks again
