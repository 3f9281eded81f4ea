"""Tier 3: the code location loads and every job resolves."""

from dagster import Definitions

from worldmill.definitions import defs


def test_definitions_load():
    Definitions.validate_loadable(defs)


def test_every_job_resolves():
    names = [job.name for job in defs.resolve_all_job_defs()]
    assert {"taxonomy_job", "footage_job"} <= set(names)
    for name in names:
        job = defs.resolve_job_def(name)
        assert job.graph.node_defs, f"{name} has no steps"


def test_footage_job_covers_the_chain_in_order():
    job = defs.resolve_job_def("footage_job")
    keys = {k.to_user_string() for k in job.asset_layer.executable_asset_keys}
    assert {"prompts", "conditions", "clips", "scores", "catalogue"} <= keys


def test_assets_have_descriptions():
    for spec in defs.resolve_all_asset_specs():
        assert spec.description, f"{spec.key} has no description for the UI"
