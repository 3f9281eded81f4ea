"""Benchmark: what Flower's deployment mode costs per round, against the local training it wraps.

Builds synthetic site lakes (64×64 clips with camera paths), trains each site's shard in this process
for the same number of local steps (the "local" baseline), then runs the same federation through a
loopback SuperLink and one SuperNode per site (``flwr run``) and splits each round's wall time into
ClientApp start-up (a new process per message: imports, FAB), data loading, training, and the rest
(polling, transfer, aggregation). Prints one line per round and, last, one JSON object.

Run: .venv/bin/python bench/bench_federated.py [--rounds 2] [--clips 3] [--local-steps 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import torch

from worldmill.federated import FederationSettings, Registry, run_federation
from worldmill.federated.data import SiteShard, load_shard
from worldmill.federated.model import TrainSettings, build_model, evaluate, overall_loss, train_local
from worldmill.federated.synthetic import synthetic_sites


def local_baseline(sites, settings: FederationSettings, rounds: int) -> dict[str, float]:
    """Each site's shard loaded and trained in this (warm) process: no Flower, no new processes."""
    torch.set_num_threads(1)
    load_s, train_s = [], []
    for site in sites:
        start = time.perf_counter()
        data = load_shard(SiteShard(site), settings.model.size, settings.val_fraction)
        load_s.append(time.perf_counter() - start)
        model = build_model(settings.model, settings.seed)
        for r in range(rounds):
            report = train_local(
                model,
                data.train,
                TrainSettings(settings.local_steps, settings.batch_size, settings.learning_rate, seed=r),
            )
            train_s.append(report.seconds)
        overall_loss(evaluate(model, data.val))
    return {"load_s": statistics.mean(load_s), "train_s": statistics.mean(train_s)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clips", type=int, default=3, help="accepted clips per stratum (2 strata per site)")
    parser.add_argument("--local-steps", type=int, default=30)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="worldmill-bench-fed-") as tmp:
        base = Path(tmp)
        sites = synthetic_sites(base / "sites", clips=args.clips)
        settings = FederationSettings(local_steps=args.local_steps)
        local = local_baseline(sites, settings, args.rounds)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        result = run_federation(args.rounds, sites, registry=Registry.at(str(base / "registry")), settings=settings)
        total_s = time.perf_counter() - started

    rows = []
    for index, (round_s, clients) in enumerate(zip(result.round_seconds, result.client_seconds, strict=True), start=1):
        ages, loads, trains = zip(*clients.values(), strict=True)
        row = {
            "round": index,
            "round_s": round_s,
            "client_startup_s": statistics.mean(
                age - load - train for age, load, train in zip(ages, loads, trains, strict=True)
            ),
            "client_load_s": statistics.mean(loads),
            "client_train_s": statistics.mean(trains),
            "slowest_client_train_s": max(trains),
        }
        row["overhead_s"] = round_s - row["slowest_client_train_s"]
        rows.append(row)
        print(
            f"round {index}: {round_s:6.1f}s wall | per client: start-up {row['client_startup_s']:5.1f}s, "
            f"load {row['client_load_s']:4.1f}s, train {row['client_train_s']:5.1f}s | "
            f"local (warm, in-process) train {local['train_s']:4.1f}s"
        )
    round_s = statistics.mean(r["round_s"] for r in rows)
    summary = {
        "rounds": args.rounds,
        "sites": len(result.sites),
        "local_steps": args.local_steps,
        "round_s_mean": round_s,
        "client_startup_s_mean": statistics.mean(r["client_startup_s"] for r in rows),
        "client_load_s_mean": statistics.mean(r["client_load_s"] for r in rows),
        "client_train_s_mean": statistics.mean(r["client_train_s"] for r in rows),
        "round_overhead_s_mean": statistics.mean(r["overhead_s"] for r in rows),
        "local_train_s_per_round": local["train_s"],
        "local_load_s": local["load_s"],
        "overhead_ratio": round_s / local["train_s"],
        "federation_total_s": total_s,
        "initial_val_loss": result.initial_val_loss,
        "final_val_loss": result.final_val_loss,
        "cores": os.cpu_count(),
        "load_average_at_start": load_before,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
