"""Pin the KubeRay CRD schemas the manifests here are validated against (offline, in tests).

    python deploy/kuberay/pin_crd_schema.py ray.io_rayclusters.yaml ray.io_rayjobs.yaml

takes the CRD files of a KubeRay release (``ray-operator/config/crd/bases/`` of ray-project/kuberay) and writes
the ``v1`` ``openAPIV3Schema`` of each to ``schema/<plural>.<group>.v1.json``, trimmed of what validation does not
use: every ``description`` and the ``status`` subtree. Nothing else is changed.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent


def _strip_descriptions(node):
    if isinstance(node, dict):
        return {k: _strip_descriptions(v) for k, v in node.items() if k != "description"}
    if isinstance(node, list):
        return [_strip_descriptions(v) for v in node]
    return node


def pin(crd_path: Path, source: str) -> Path:
    crd = yaml.safe_load(crd_path.read_text())
    version = next(v for v in crd["spec"]["versions"] if v["name"] == "v1")
    schema = _strip_descriptions(version["schema"]["openAPIV3Schema"])
    schema["properties"].pop("status", None)
    schema["x-worldmill-source"] = source
    out = HERE / "schema" / f"{crd['spec']['names']['plural']}.{crd['spec']['group']}.v1.json"
    out.write_text(json.dumps(schema, separators=(",", ":"), sort_keys=True) + "\n")
    return out


if __name__ == "__main__":
    for arg in sys.argv[1:]:
        print(pin(Path(arg), f"ray-project/kuberay v1.7.0 (59d663aeec13760646da3db9c1cf8cfe883e30b7) {Path(arg).name}"))
