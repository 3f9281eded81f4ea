"""The command line is part of the product: generate, sql --json, and clear errors."""

from __future__ import annotations

import json

from worldmill.cli import main


def test_generate_then_sql_json(capsys, lake_uri):
    code = main(["generate", "--city", "Lagos", "--venue", "hospital", "--clips", "1", "--width", "64",
                 "--height", "64", "--frames", "8", "--workers", "1", "--quiet"])
    assert code == 0
    out = capsys.readouterr().out
    assert lake_uri in out and "footage" in out
    assert main(["sql", "SELECT city, venue, frames FROM clips", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows == [{"city": "Lagos", "venue": "hospital", "frames": 8}]


def test_unknown_city_names_the_value_and_suggests(capsys):
    code = main(["generate", "--city", "Shanghia", "--venue", "zoo", "--quiet"])
    assert code == 2
    err = capsys.readouterr().err
    assert "Shanghia" in err and "Shanghai" in err


def test_bad_resolution_is_rejected_before_work(capsys):
    code = main(["generate", "--city", "Lagos", "--venue", "zoo", "--width", "100", "--quiet"])
    assert code == 2
    assert "multiple of 16" in capsys.readouterr().err


def test_export_cosmos_transfer1_writes_specs_and_batch(capsys, tmp_path):
    assert main(["generate", "--city", "Paris", "--venue", "museum", "--clips", "1", "--width", "64", "--height", "64",
                 "--frames", "8", "--workers", "1", "--quiet"]) == 0
    out = tmp_path / "export"
    assert main(["export", "cosmos-transfer1", "--out", str(out), "--where", "venue = 'museum'"]) == 0
    lines = (out / "batch.jsonl").read_text().splitlines()
    assert len(lines) == 1 and "Paris" in json.loads(lines[0])["prompt"]


def test_command_line_and_runs_share_one_taxonomy_per_process(monkeypatch):
    """``generate`` loads the taxonomy through the cache the runs' ``TaxonomyResource`` reads: once per process."""
    from worldmill.resources import taxonomy as resource

    loads = []
    monkeypatch.setattr(resource, "_LOADED", {})
    monkeypatch.setattr(resource, "load_taxonomy", lambda **kw: loads.append(kw) or object())
    first = resource.cached_taxonomy(1_000_000, None)  # what `generate` does before it starts the runs
    assert resource.TaxonomyResource(min_population=1_000_000).load() is first
    assert len(loads) == 1
