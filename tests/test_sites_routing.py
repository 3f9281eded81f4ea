"""Each cell's rows and files go to its continent's site; SQL sees all sites through the global view."""

from __future__ import annotations

import yaml
from dagster import DagsterInstance, materialize

from worldmill.assets.catalogue import catalogue
from worldmill.assets.clips import clips
from worldmill.assets.conditions import conditions
from worldmill.assets.prompts import prompts
from worldmill.assets.scores import scores
from worldmill.assets.taxonomy import taxonomy
from worldmill.cli import sql
from worldmill.lake import Catalogue
from worldmill.resources import LakeResource
from worldmill.taxonomy import load_taxonomy


def test_cells_are_written_to_their_continents_site(tiny_resources, tmp_path, monkeypatch):
    sites = {
        "sites": {"eu-site": {"root": str(tmp_path / "eu")}, "af-site": {"root": str(tmp_path / "af")}},
        "continents": {"EU": "eu-site", "AF": "af-site"},
        "default": "eu-site",
    }
    sites_file = tmp_path / "sites.yaml"
    sites_file.write_text(yaml.safe_dump(sites))
    resources = {**tiny_resources, "lake": LakeResource(uri=str(tmp_path / "unused"), sites_file=str(sites_file))}
    keys = [c.key for c in load_taxonomy().cells(["Paris", "Lagos"], ["museum"])]
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("cells", keys)
    assert materialize([taxonomy], instance=instance, resources=resources).success
    for key in keys:
        chain = [prompts, conditions, clips, scores, catalogue]
        assert materialize(chain, partition_key=key, instance=instance, resources=resources).success

    eu = Catalogue(str(tmp_path / "eu")).sql("SELECT DISTINCT city FROM clips")["city"].to_list()
    af = Catalogue(str(tmp_path / "af")).sql("SELECT DISTINCT city FROM clips")["city"].to_list()
    assert eu == ["Paris"] and af == ["Lagos"]
    assert next((tmp_path / "af" / "footage" / "museum").iterdir()).name.startswith("lagos-")

    monkeypatch.setenv("WORLDMILL_SITES", str(sites_file))
    both = sql("SELECT site, city, count(*) AS clips FROM clips GROUP BY ALL ORDER BY city").to_dicts()
    assert both == [{"site": "af-site", "city": "Lagos", "clips": 2}, {"site": "eu-site", "city": "Paris", "clips": 2}]

    from worldmill.jobs.curation import curate

    report = curate(str(tmp_path / "unused"), sites_file=str(sites_file), instance=instance)
    assert sorted(report.cells) == sorted(keys)  # uncaptioned clips on both sites are curated
    assert report.captioned == 4
    captions_af = Catalogue(str(tmp_path / "af")).sql("SELECT count(*) AS n FROM captions")["n"][0]
    assert captions_af == 2  # each site's captions stay on that site
