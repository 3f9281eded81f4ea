"""Benchmark: semantic + pHash dedup of 10k..100k synthetic clip signatures (target: 100k in <= 60 s on 2 cores).

Signatures mimic the catalogue's: 8 aligned-frame 64-bit pHashes and a 576-d embedding (384 MiniLM prompt +
192 visual) per clip, drawn around 2,000 topics; 10% of clips are planted near-duplicates of another clip (a
few hash bits flipped, a little embedding noise). Prints one line per size and, last, one JSON object.

Run: .venv/bin/python bench/bench_dedup.py [--sizes 10000,20000,50000,100000]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import numpy as np

from worldmill.metrics.dedup import DedupThresholds, Signatures, deduplicate, normalise_rows

FRAMES, DIM, TOPICS, PLANTED = 8, 576, 2000, 0.10


def synthetic(n: int, seed: int = 0) -> tuple[Signatures, np.ndarray]:
    """Signatures of n clips and, per clip, the index it was copied from (-1 for originals)."""
    rng = np.random.default_rng(seed)
    topics = rng.standard_normal((TOPICS, DIM)).astype(np.float32)
    embedding = topics[rng.integers(0, TOPICS, n)] + 0.8 * rng.standard_normal((n, DIM)).astype(np.float32)
    phash = rng.integers(0, 2**63, (n, FRAMES), dtype=np.int64).view(np.uint64) ^ (
        rng.integers(0, 2, (n, FRAMES), dtype=np.int64).view(np.uint64) << np.uint64(63))
    source = np.full(n, -1)
    copies = rng.choice(n, size=int(PLANTED * n), replace=False)
    originals = rng.choice(np.setdiff1d(np.arange(n), copies), size=len(copies))
    source[copies] = originals
    embedding[copies] = embedding[originals] + 0.05 * rng.standard_normal((len(copies), DIM)).astype(np.float32)
    flips = np.zeros((len(copies), FRAMES), dtype=np.uint64)
    for _ in range(3):  # up to 3 flipped bits per frame
        flips |= np.uint64(1) << rng.integers(0, 64, (len(copies), FRAMES)).astype(np.uint64)
    phash[copies] = phash[originals] ^ flips
    quality = rng.random(n)
    return Signatures(phash=phash, embedding=normalise_rows(embedding), quality=quality), source


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,20000,50000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    report: dict[str, object] = {"cores": os.cpu_count(), "thresholds": DedupThresholds().__dict__}
    for n in sizes:
        sig, source = synthetic(n)
        start = time.perf_counter()
        result = deduplicate(sig)
        seconds = time.perf_counter() - start
        copies = np.flatnonzero(source >= 0)
        # a planted copy is found when it and its original end in the same group
        found = float(np.mean(result.kept[copies] == result.kept[source[copies]])) if len(copies) else 1.0
        label = f"{n // 1000}k"
        report[f"dedup_s_{label}"] = round(seconds, 3)
        report[f"recall_{label}"] = round(found, 4)
        report[f"removed_{label}"] = result.duplicates
        print(f"n={n:>7}  {seconds:7.2f} s  clusters={result.clusters}  pairs={result.candidate_pairs}  "
              f"removed={result.duplicates} (planted {len(copies)})  planted found={found:.1%}", flush=True)
    if len(sizes) > 1:
        first, last = sizes[0], sizes[-1]
        report["scaling"] = round(report[f"dedup_s_{last // 1000}k"] / max(report[f"dedup_s_{first // 1000}k"], 1e-9), 2)
        report["size_ratio"] = last / first
    print(json.dumps(report))


if __name__ == "__main__":
    main()
