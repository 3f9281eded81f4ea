"""Shared fixtures: a temporary lake, an ephemeral Dagster instance, tiny render settings."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path, monkeypatch):
    """Each test gets its own lake and Dagster home; nothing touches the developer's files."""
    monkeypatch.setenv("WORLDMILL_LAKE_URI", str(tmp_path / "lake"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.setenv("WORLDMILL_TAXONOMY_DIR", "")
    monkeypatch.setenv("WORLDMILL_SITES", "")
    monkeypatch.setenv("WORLDMILL_MIN_POPULATION", "1000000")
    monkeypatch.setenv("WORLDMILL_GENERATOR", "procedural")
    monkeypatch.setenv("WORLDMILL_GENERATOR_OPTIONS", "{}")
    monkeypatch.setenv("WORLDMILL_RAY_ADDRESS", "")
    monkeypatch.setenv("WORLDMILL_RAY_SAME_HOST", "false")


@pytest.fixture
def lake_uri(tmp_path) -> str:
    return str(tmp_path / "lake")


@pytest.fixture
def tiny_resources(lake_uri):
    """The embedded default at 64x64, 8 frames, two clips per cell, one render worker."""
    from worldmill.resources import GeneratorResource, LakeResource, RenderResource, TaxonomyResource
    from worldmill.resources.cluster import ClusterResource
    from worldmill.resources.gpu import GPUResource

    return {
        "lake": LakeResource(uri=lake_uri),
        "taxonomy_source": TaxonomyResource(),
        "render": RenderResource(width=64, height=64, frames=8, fps=24, clips_per_cell=2, workers=1),
        "generator": GeneratorResource(),
        "gpu": GPUResource(lock_dir=str(lake_uri) + "-gpu-locks"),
        "cluster": ClusterResource(),
    }
