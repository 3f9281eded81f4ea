"""Shot benchmark: CPU seconds of ``job_shot`` (scene build, checked camera path, staging, walkers) per sample,
and a digest of what it chose, so that a faster check can be shown to choose the same shots.

    .venv/bin/python bench/bench_shots.py [--samples 16] [--warm 8] [--size 256] [--frames 48] [--hashes out.json]
        [--compare base.json] [--profile]

Plans are real ones (``bench_render.real_plans``). The first ``--warm`` plans are shot and rendered untimed (a
worker's kernel, library and mesh bank warm after its first samples); then each plan's ``job_shot`` is timed with
``time.process_time`` and its clip rendered (timed apart), once each, as in the job. The digest hashes each
sample's ``scene.to_json()``, its camera path's ``camera_to_world`` and its ``Framing``; ``--hashes`` writes them
per sample, ``--compare`` counts the samples whose shot differs from such a file (a faster shot must choose the
same). Timings depend on what else runs on the machine: compare runs taken close together. The last line is one
JSON object.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_render import real_plans

from worldmill.render import render, warm_up
from worldmill.render.framing import job_shot
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy.classes import default_classes


def shot_digest(scene, path, framing) -> str:
    """What ``job_shot`` chose, as one hash: the staged scene, the camera's poses and the framing."""
    h = hashlib.sha256(scene.to_json().encode())
    h.update(path.camera_to_world.astype("<f8").tobytes())
    fields = {k: sorted(v) if isinstance(v, frozenset) else v for k, v in vars(framing).items()}  # sets: sorted
    h.update(repr(sorted(fields.items())).encode())
    return h.hexdigest()[:16]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=16)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--warm", type=int, default=8, help="plans shot and rendered first, untimed")
    parser.add_argument("--hashes", type=Path, help="write each sample's shot digest to this JSON file")
    parser.add_argument("--compare", type=Path, help="count the samples whose shot differs from this JSON file")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one timed pass")
    args = parser.parse_args()
    settings = RenderSettings(width=args.size, height=args.size, frames=args.frames, fps=24)
    classes = default_classes()
    plans = real_plans(args.warm + args.samples)
    warm_up("cpu")
    for plan in plans[: args.warm]:  # a worker after its first samples: kernel, library and mesh bank warm
        scene, path, _ = job_shot(plan, classes, settings)
        render(scene, path, plan, settings, normals=False)
    digests, shot_cpu, final_cpu = {}, [], []
    profiler = cProfile.Profile() if args.profile else None
    for plan in plans[args.warm :]:  # each plan once, then its clip's render, as in the job
        cpu0 = time.process_time()
        if profiler:
            profiler.enable()
        scene, path, framing = job_shot(plan, classes, settings)
        if profiler:
            profiler.disable()
        cpu1 = time.process_time()
        render(scene, path, plan, settings, normals=False)
        shot_cpu.append(cpu1 - cpu0)
        final_cpu.append(time.process_time() - cpu1)
        digests[plan.sample_id] = shot_digest(scene, path, framing)
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    differ = None
    if args.compare:
        base = json.loads(args.compare.read_text())
        differ = sorted(k for k, v in digests.items() if base.get(k) != v)
    if args.hashes:
        args.hashes.write_text(json.dumps(digests, indent=1))
    shot_ms, final_ms = statistics.mean(shot_cpu) * 1000, statistics.mean(final_cpu) * 1000
    print(
        f"{args.samples} plans after {args.warm}, {args.size}², {args.frames} frames; load average {os.getloadavg()[0]:.1f}"
    )
    print(f"  job_shot:     {shot_ms:7.1f} ms CPU per sample")
    print(f"  final render: {final_ms:7.1f} ms CPU per sample")
    if differ is not None:
        print(f"  shots that differ from {args.compare}: {len(differ)} of {args.samples} {differ[:8]}")
    digest = hashlib.sha256("".join(digests[p.sample_id] for p in plans[args.warm :]).encode()).hexdigest()[:16]
    print(json.dumps({"shot_cpu_ms": round(shot_ms, 1), "final_cpu_ms": round(final_ms, 1), "samples": args.samples, "digest": digest,
                      "differ": None if differ is None else len(differ)}))  # fmt: skip


if __name__ == "__main__":
    main()
