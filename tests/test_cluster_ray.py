"""A real two-node Ray cluster on loopback (head 127.0.0.2, worker 127.0.0.3 with a declared fake GPU) running
`worldmill generate` for several tiny cells: both nodes work, the lake equals a local run of the same cells and
rounds file for file and value for value, and killing the worker mid-run still ends with a complete catalogue.

The lake is a local path that both nodes see: the cluster is declared same-host (WORLDMILL_RAY_SAME_HOST=true),
the one configuration in which a local lake and Dagster's SQLite instance are allowed.
"""

from __future__ import annotations

import hashlib
import os
import signal
import threading
import time
from pathlib import Path

import pytest

ray = pytest.importorskip("ray")

from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

from worldmill.cli import generate
from worldmill.cluster.loopback import start_loopback_cluster
from worldmill.lake import Catalogue
from worldmill.schemas.tables import TABLES

pytestmark = pytest.mark.slow

CITIES, VENUES = ["Shanghai", "Lagos"], ["zoo", "museum"]  # 4 cells
SIZE = {"clips": 2, "width": 32, "height": 32, "frames": 8, "progress": False}
VOLATILE = {"created_at", "published_at", "scored_at", "registered_at", "claimed_at", "uri", "site", "run_id",
            "scene_s", "render_s", "encode_s", "generate_s"}  # timestamps, URIs, site, run ids, measured durations


@pytest.fixture(scope="module")
def cluster():
    root = str(Path(__file__).resolve().parents[1])
    env = {"PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    with start_loopback_cluster(worker_gpus=1, env=env) as running:
        yield running
        ray.shutdown()


def _use(monkeypatch, tmp: Path, address: str = "") -> Path:
    monkeypatch.setenv("WORLDMILL_LAKE_URI", str(tmp / "lake"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp / "home"))
    monkeypatch.setenv("WORLDMILL_RAY_ADDRESS", address)
    monkeypatch.setenv("WORLDMILL_RAY_SAME_HOST", "true" if address else "false")
    return tmp / "lake"


def _file_hashes(lake: Path) -> dict[str, str]:
    root = lake / "footage"
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _table_values(lake: Path) -> dict[str, list[dict]]:
    catalogue = Catalogue(str(lake))
    out = {}
    for name in sorted(catalogue.tables()):
        key = TABLES[name].key
        frame = catalogue.read(name)
        rows = [{k: v for k, v in row.items() if k not in VOLATILE} for row in frame.sort(list(key)).to_dicts()]
        out[name] = rows
    return out


def _cluster_metadata(home: Path, asset: str) -> list[dict]:
    os.environ["DAGSTER_HOME"] = str(home)
    instance = DagsterInstance.get()
    records = instance.fetch_materializations(AssetRecordsFilter(asset_key=AssetKey(asset)), limit=100).records
    return [{k: v.value for k, v in r.asset_materialization.metadata.items()} for r in records]


def test_cells_on_two_nodes_equal_a_local_run(cluster, tmp_path, monkeypatch):
    local = _use(monkeypatch, tmp_path / "local")
    generate(CITIES, VENUES, workers=1, **SIZE)

    remote = _use(monkeypatch, tmp_path / "ray", cluster.address)
    generate(CITIES, VENUES, **SIZE)

    nodes = set()
    for asset in ("conditions", "clips"):
        for meta in _cluster_metadata(tmp_path / "ray" / "home", asset):
            nodes |= set(meta["cluster_nodes"])
    assert len(nodes) == 2, f"work ran on {nodes}: expected both nodes"

    assert _file_hashes(remote) == _file_hashes(local)
    local_values, remote_values = _table_values(local), _table_values(remote)
    assert remote_values.keys() == local_values.keys()
    for table in local_values:
        assert remote_values[table] == local_values[table], table
    assert len(remote_values["catalogue"]) == len(CITIES) * len(VENUES) * SIZE["clips"]


def test_a_gpu_request_lands_on_the_node_that_declares_one(cluster):
    from worldmill.cluster.ray_engine import RayEngine
    from worldmill.cluster.work import WorkRequest

    engine = RayEngine(address=cluster.address, lake_uri="/unused")
    _, placements = engine._map("probe", WorkRequest(num_cpus=0.5, num_gpus=1), [("gpu", os.getpid, ())])
    worker_node = next(n["NodeID"] for n in engine.nodes() if n["NodeManagerAddress"] == cluster.worker.ip)
    assert placements[0].node == worker_node
    assert placements[0].gpu_ids == ("0",)


def test_killing_the_worker_mid_run_still_completes_the_catalogue(cluster, tmp_path, monkeypatch):
    """Run last: the worker node does not come back."""
    lake = _use(monkeypatch, tmp_path, cluster.address)
    size = {**SIZE, "clips": 4}
    errors: list[BaseException] = []

    def run() -> None:
        try:
            generate(CITIES, VENUES, **size)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 300
    while not list((lake / "footage").rglob("camera.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert thread.is_alive(), "the run ended before the worker could be killed"
    cluster.worker.stop(signal.SIGKILL)  # the whole node: raylet and its workers
    thread.join(600)
    assert not errors, errors

    catalogue = Catalogue(str(lake))
    expected = len(CITIES) * len(VENUES) * size["clips"]
    for table, key in (("conditions", "sample_id"), ("clips", "clip_id"), ("catalogue", "clip_id")):
        frame = catalogue.read(table)
        assert frame.height == expected, table
        assert frame[key].n_unique() == expected, table
    leftovers = [p for p in (lake / "footage").rglob("*") if ".tmp-" in p.name or ".old-" in p.name]
    assert not leftovers
    for row in catalogue.read("clips").to_dicts():
        assert (lake / "footage" / row["rgb_path"]).stat().st_size > 0
