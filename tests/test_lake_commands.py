"""`worldmill maintain` / `search` / `sql` functions and the Dagster maintenance sensor and job."""

from __future__ import annotations

import json

from conftest_lake import BagOfWordsEmbedder, catalogue_row
from dagster import Definitions, SkipReason, build_sensor_context

from worldmill.lake.commands import maintain, open_lake, render, render_rows, search, sql
from worldmill.resources.lake import LakeResource
from worldmill.sensors.lake import lake_maintenance_job, lake_maintenance_sensor


def _small_batches(lake, batches: int = 10) -> None:
    for b in range(batches):
        lake.upsert([catalogue_row(b * 3 + i, venue="zoo", city=["Tokyo", "Lagos", "Paris"][i]) for i in range(3)])


def test_open_lake_from_env_and_sites_file(tmp_path):
    lake = open_lake(env={"WORLDMILL_LAKE_URI": str(tmp_path / "a")})
    assert lake.sites == ["local"] and lake.catalogue("local").root_uri == str(tmp_path / "a")
    sites = tmp_path / "sites.yaml"
    sites.write_text(
        f"sites:\n  eu: {{root: {tmp_path / 'eu'}}}\n  us: {{root: {tmp_path / 'us'}}}\n"
        "continents: {EU: eu, NA: us}\ndefault: us\n"
    )
    assert open_lake(env={"WORLDMILL_SITES": str(sites)}).sites == ["eu", "us"]


def test_maintain_search_and_sql_functions(tmp_path):
    lake = open_lake(str(tmp_path / "lake"), env={})
    _small_batches(lake)
    rows = maintain(lake, dry_run=True)
    assert [r["action"] for r in rows] == ["compact", "checkpoint"] and {r["status"] for r in rows} == {"planned"}
    done = maintain(lake)
    assert [r["status"] for r in done] == ["done", "done"]
    assert "local/catalogue: compact done" in render_rows(done)
    assert maintain(lake) == [] and "nothing to do" in render_rows([])
    hits = search(lake, "night zoo in Lagos", k=2, embedder=BagOfWordsEmbedder())
    assert hits["city"][0] == "Lagos" and hits["site"][0] == "local"
    lines = render(hits, as_json=True, columns=("score", "clip_id", "city")).splitlines()
    assert len(lines) == 2 and set(json.loads(lines[0])) == {"score", "clip_id", "city"}
    assert sql(lake, "SELECT sum(clips) AS n FROM coverage").item() == 30


def test_maintenance_sensor_requests_a_run_only_when_due(tmp_path):
    lake = open_lake(str(tmp_path / "lake"), env={})
    _small_batches(lake)
    resource = LakeResource(uri=str(tmp_path / "lake"))
    request = lake_maintenance_sensor(build_sensor_context(resources={"lake": resource}))
    assert request.run_key and request.tags == {"worldmill/maintenance": "sensor"}
    defs = Definitions(jobs=[lake_maintenance_job], resources={"lake": resource})
    assert defs.get_job_def("lake_maintenance_job").execute_in_process().success
    recorded = lake.catalogue("local").read("maintenance")
    assert sorted(recorded["action"].to_list()) == ["checkpoint", "compact"]
    assert isinstance(lake_maintenance_sensor(build_sensor_context(resources={"lake": resource})), SkipReason)
