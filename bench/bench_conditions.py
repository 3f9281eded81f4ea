"""Condition-file benchmark: CPU per sample of writing a sample's condition files (every video, the control maps,
the JSON), on real plans rendered once, as one render worker does it (OpenCV on one thread, encoders on one).

    .venv/bin/python bench/bench_conditions.py [--samples 8] [--frames 48] [--size 256] [--reps 3]

Also prints one digest of the bytes of every file written: run it on two commits to show that a change to the
writers left the files byte-identical (the condition set's hashes feed lineage). CPU figures on a shared machine
are indicative; compare commits on the same machine, close in time. The last line is one JSON object with
``write_cpu_ms``, ``render_cpu_ms`` (per sample) and ``files_digest``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_render import real_plans

from worldmill.render.conditions import write_conditions
from worldmill.render.framing import job_shot
from worldmill.render.raycast import render, warm_up
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy.classes import default_classes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=8)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--reps", type=int, default=3)
    args = parser.parse_args()
    cv2.setNumThreads(1)  # as in a render worker or a footage lane
    settings = RenderSettings(width=args.size, height=args.size, frames=args.frames, fps=24)
    classes = default_classes()
    warm_up("cpu")
    rendered, render_cpu = [], []
    for plan in real_plans(args.samples):
        cpu0 = time.process_time()
        scene, path, _ = job_shot(plan, classes, settings, device="cpu")
        passes = render(scene, path, plan, settings, device="cpu", normals=False)
        render_cpu.append(time.process_time() - cpu0)
        rendered.append((scene, path, plan, passes))
    write_cpu: list[float] = []
    digest = hashlib.sha256()
    with tempfile.TemporaryDirectory(prefix="worldmill-bench-conditions-") as tmp:
        for rep in range(args.reps + 1):  # the first pass warms up (probes, allocator) and gives the digest
            cpu0 = time.process_time()
            for i, (scene, path, plan, passes) in enumerate(rendered):
                files = write_conditions(Path(tmp) / f"s{i}", scene, path, plan, passes, classes, settings.fps)
                if rep == 0:
                    for name, file in sorted(files.items()):
                        digest.update(f"{i}/{name}:".encode() + hashlib.sha256(file.read_bytes()).digest())
            if rep:
                write_cpu.append((time.process_time() - cpu0) / len(rendered))
    write_ms, render_ms = statistics.median(write_cpu) * 1000, statistics.mean(render_cpu) * 1000
    print(f"{len(rendered)} samples, {args.size}², {args.frames} frames; load average {os.getloadavg()[0]:.1f}")
    print(f"  scene + render:        {render_ms:7.1f} ms CPU per sample")
    print(
        f"  condition files:       {write_ms:7.1f} ms CPU per sample (median of {args.reps}: "
        f"{', '.join(f'{c * 1000:.0f}' for c in write_cpu)})"
    )
    print(f"  files digest:          {digest.hexdigest()[:16]}")
    print(
        json.dumps(
            {
                "write_cpu_ms": round(write_ms, 1),
                "render_cpu_ms": round(render_ms, 1),
                "files_digest": digest.hexdigest()[:16],
            }
        )
    )


if __name__ == "__main__":
    main()
