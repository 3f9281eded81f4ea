"""deploy/kuberay manifests validate offline against the pinned KubeRay v1 CRD schemas (jsonschema)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import yaml

jsonschema = pytest.importorskip("jsonschema")

KUBERAY = Path(__file__).resolve().parents[1] / "deploy" / "kuberay"
MANIFESTS = {"raycluster.yaml": "rayclusters.ray.io.v1.json", "rayjob.yaml": "rayjobs.ray.io.v1.json"}


def _errors(doc: dict, schema_name: str) -> list[str]:
    schema = json.loads((KUBERAY / "schema" / schema_name).read_text())
    return [f"{list(e.absolute_path)}: {e.message}" for e in jsonschema.Draft7Validator(schema).iter_errors(doc)]


def _load(name: str) -> dict:
    return yaml.safe_load((KUBERAY / name).read_text())


@pytest.mark.parametrize("manifest", sorted(MANIFESTS))
def test_manifest_matches_the_pinned_crd(manifest):
    doc = _load(manifest)
    assert doc["apiVersion"] == "ray.io/v1"
    assert _errors(doc, MANIFESTS[manifest]) == []


def test_schema_is_the_pinned_upstream_one():
    for schema_name in MANIFESTS.values():
        schema = json.loads((KUBERAY / "schema" / schema_name).read_text())
        assert schema["x-worldmill-source"].startswith("ray-project/kuberay v1.7.0")
        assert "headGroupSpec" in json.dumps(schema)


@pytest.mark.parametrize(
    ("path", "value"),
    [(("spec", "workerGroupSpecs", 0, "replicas"), "four"), (("spec", "headGroupSpec", "rayStartParams"), ["num-cpus"])],
)
def test_a_broken_cluster_manifest_is_refused(path, value):
    doc = copy.deepcopy(_load("raycluster.yaml"))
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    assert _errors(doc, MANIFESTS["raycluster.yaml"])


def test_a_worker_group_without_its_required_fields_is_refused():
    doc = copy.deepcopy(_load("raycluster.yaml"))
    del doc["spec"]["workerGroupSpecs"][0]["groupName"]
    assert any("groupName" in e for e in _errors(doc, MANIFESTS["raycluster.yaml"]))


def test_gpu_group_reserves_what_ray_is_told():
    """The diffusion group's pods request as many GPUs as its Ray nodes declare."""
    group = next(g for g in _load("raycluster.yaml")["spec"]["workerGroupSpecs"] if g["groupName"] == "diffusion-gpu")
    limits = group["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["nvidia.com/gpu"] == group["rayStartParams"]["num-gpus"]
