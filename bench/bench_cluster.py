"""The same cells on the local default and on a two-node loopback Ray cluster (`worldmill generate` both times).

Figures: wall time and frames/s of each run; the scheduling overhead per partition on Ray (for each cell, the
wall time of its Ray batches minus the busiest node's work in them: dispatch, transfer and waiting, not rendering),
for the first partition (Ray starts its worker processes then) and the warm ones after it, also as a share of
the partition's local wall time; and the share of units each node ran. Goal: overhead
< 1 s per partition and < 10 % of a 4-clip partition at 256x256, 48 frames.

Each node has one CPU (``--num-cpus 1``); the local run uses one render process per core (2 here), so on this
2-core machine both runs have two render slots. The nodes get this checkout on PYTHONPATH.

    python bench/bench_cluster.py                               # 8 cells x 4 clips, 256x256, 48 frames
    python bench/bench_cluster.py --size 64 --frames 16         # quick
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from worldmill.cluster.loopback import start_loopback_cluster

CITIES = ["Shanghai", "Lagos", "São Paulo", "Paris"]
VENUES = ["hospital", "zoo"]
RAY_STAGES = ("conditions", "clips")


def _run(workdir: Path, address: str, args) -> dict:
    from worldmill.cli import generate
    from worldmill.settings import apply_defaults

    apply_defaults()
    os.environ.update({
        "WORLDMILL_LAKE_URI": str(workdir / "lake"), "DAGSTER_HOME": str(workdir / "home"),
        "WORLDMILL_RAY_ADDRESS": address, "WORLDMILL_RAY_SAME_HOST": "true" if address else "false",
    })
    t0 = time.perf_counter()
    keys = generate(CITIES, VENUES, clips=args.clips, width=args.size, height=args.size, frames=args.frames,
                    workers=0, progress=False)
    wall = time.perf_counter() - t0
    frames = len(keys) * args.clips * args.frames
    return {"cells": len(keys), "wall_s": round(wall, 2), "frames_per_s": round(frames / wall, 2), "keys": keys}


def _partition_walls(home: Path) -> dict[str, tuple[float, float]]:
    """Each cell's footage_job run (start time, wall time), from the run records."""
    from dagster import DagsterInstance, RunsFilter

    os.environ["DAGSTER_HOME"] = str(home)
    instance = DagsterInstance.get()
    walls = {}
    for record in instance.get_run_records(RunsFilter(job_name="footage_job")):
        key = record.dagster_run.tags.get("dagster/partition")
        if record.start_time and record.end_time:
            walls[key] = (record.start_time, record.end_time - record.start_time)
    return walls


def _ray_figures(home: Path) -> dict:
    from dagster import AssetKey, AssetRecordsFilter, DagsterInstance

    os.environ["DAGSTER_HOME"] = str(home)
    instance = DagsterInstance.get()
    overhead: dict[str, float] = {}
    per_node: dict[str, int] = {}
    for stage in RAY_STAGES:
        records = instance.fetch_materializations(AssetRecordsFilter(asset_key=AssetKey(stage)), limit=1000).records
        for record in records:
            meta = {k: v.value for k, v in record.asset_materialization.metadata.items()}
            busy: dict[str, float] = {}
            for placement in meta["cluster_placements"]:
                busy[placement["node"]] = busy.get(placement["node"], 0.0) + placement["seconds"]
                per_node[placement["node"]] = per_node.get(placement["node"], 0) + 1
            key = record.partition_key
            overhead[key] = overhead.get(key, 0.0) + meta["cluster_batch_wall_s"] - max(busy.values())
    total = sum(per_node.values())
    return {"overhead_s": overhead, "unit_share_per_node": {n[:12]: round(c / total, 3) for n, c in per_node.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--clips", type=int, default=4, help="clips per cell (a partition)")
    args = parser.parse_args()
    results: dict = {"cells": len(CITIES) * len(VENUES), "clips_per_cell": args.clips,
                     "size": f"{args.size}x{args.size}", "frames": args.frames, "cpus": os.cpu_count()}
    with tempfile.TemporaryDirectory(prefix="wm-bench-cluster-") as tmp:
        local = _run(Path(tmp) / "local", "", args)
        local_walls = _partition_walls(Path(tmp) / "local" / "home")
        results["local"] = {k: v for k, v in local.items() if k != "keys"}
        print(json.dumps({"local": results["local"]}), flush=True)

        t0 = time.perf_counter()
        env = {"PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)}
        with start_loopback_cluster(env=env) as cluster:
            results["cluster_start_s"] = round(time.perf_counter() - t0, 1)
            ray_run = _run(Path(tmp) / "ray", cluster.address, args)
            import ray

            ray.shutdown()
        ray_walls = _partition_walls(Path(tmp) / "ray" / "home")
        figures = _ray_figures(Path(tmp) / "ray" / "home")
        order = sorted(ray_walls, key=lambda k: ray_walls[k][0])  # the first partition meets cold Ray workers
        overhead = figures["overhead_s"]
        warm = [overhead[k] for k in order[1:]]
        shares = [overhead[k] / local_walls[k][1] for k in order[1:]]
        results["ray"] = {
            **{k: v for k, v in ray_run.items() if k != "keys"},
            "overhead_per_partition_s": {"first_cold": round(overhead[order[0]], 3),
                                         "warm_mean": round(sum(warm) / len(warm), 3), "warm_max": round(max(warm), 3)},
            "overhead_share_of_local_partition": {"warm_mean": round(sum(shares) / len(shares), 4),
                                                  "warm_max": round(max(shares), 4)},
            "partition_wall_s": {"local_mean": round(sum(w for _, w in local_walls.values()) / len(local_walls), 2),
                                 "ray_mean": round(sum(w for _, w in ray_walls.values()) / len(ray_walls), 2)},
            "unit_share_per_node": figures["unit_share_per_node"],
        }
        print(json.dumps({"ray": results["ray"]}), flush=True)
    results["ray_over_local_wall"] = round(results["ray"]["wall_s"] / results["local"]["wall_s"], 3)
    results["goal_met_warm"] = (results["ray"]["overhead_per_partition_s"]["warm_max"] < 1.0
                                and results["ray"]["overhead_share_of_local_partition"]["warm_max"] < 0.10)
    print(json.dumps(results), flush=True)


if __name__ == "__main__":
    main()
