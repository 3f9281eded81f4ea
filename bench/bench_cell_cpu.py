"""Where a footage cell's CPU goes outside the render: CPU-seconds per cell by part, measured in one process.

    .venv/bin/python bench/bench_cell_cpu.py [--venues hospital zoo museum amusement_park] [--clips 4]

Runs ``worldmill generate`` with one lane rendering in process (what each lane of a batch does), first one
warm-up cell (imports, instance, kernels: a lane's fixed cost, printed apart), then one cell per venue of the
bench grid's first city. Each part's CPU time (this process: user + system) is summed over those cells by
wrapping the functions that do it, before the definitions are imported (a benchmark-only instrument): the render
(``render.pool.render_sample``), every asset body (``assets._edge.at_edge``), the table checks
(``curation.checks.check_table``), the face guardrail (``stages.guard_file``), the contact sheet
(``stages.write_contact_sheet``) and the scores' optical flow (``metrics.quality.motion``). What is left of a
cell's CPU is Dagster's (run and step machinery, event log writes). The wall-clock step times of
``bench_job.py`` count waits for the other lane's core; these do not. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CPU: collections.Counter[str] = collections.Counter()


def cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def timed(name: str, fn):
    @functools.wraps(fn)
    def inner(*args, **kwargs):
        start = cpu_seconds()
        try:
            return fn(*args, **kwargs)
        finally:
            CPU[name] += cpu_seconds() - start

    return inner


def instrument() -> None:
    """Wrap the measured functions where their callers look them up (before the assets are defined)."""
    import worldmill.assets._edge as edge
    from worldmill import stages
    from worldmill.curation import checks
    from worldmill.metrics import quality
    from worldmill.render import pool

    at_edge = edge.at_edge
    edge.at_edge = lambda fn: timed(f"asset {fn.__name__}", at_edge(fn))
    checks.check_table = timed("checks (6 tables)", checks.check_table)
    pool.render_sample = timed("render", pool.render_sample)
    stages.guard_file = timed("  clips: face guardrail", stages.guard_file)
    stages.write_contact_sheet = timed("  clips: contact sheet", stages.write_contact_sheet)
    quality.motion = timed("  scores: optical flow", quality.motion)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city", default="Shanghai")
    parser.add_argument("--venues", nargs="+", default=["hospital", "zoo", "museum", "amusement_park"])
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--frames", type=int, default=48)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="worldmill-bench-cell-cpu-") as tmp:
        os.environ["WORLDMILL_LAKE_URI"] = str(Path(tmp) / "lake")
        os.environ["DAGSTER_HOME"] = str(Path(tmp) / "dagster_home")
        from worldmill.settings import apply_defaults

        apply_defaults()
        instrument()
        import cv2

        from worldmill.cli import generate

        cv2.setNumThreads(1)  # as in a lane (``jobs.footage._init_lane``)
        options = {"clips": args.clips, "width": args.size, "height": args.size, "frames": args.frames,
                   "lanes": 1, "workers": 1, "progress": False}
        start = cpu_seconds()
        generate(["Lagos"], [args.venues[0]], **options)  # warm-up: another city, so no cell repeats
        boot = cpu_seconds() - start
        CPU.clear()
        start = cpu_seconds()
        generate([args.city], args.venues, **options)
        total = cpu_seconds() - start
    cells = len(args.venues)
    parts = dict(CPU)
    bodies = sum(v for k, v in parts.items() if k.startswith("asset ")) + parts.get("checks (6 tables)", 0.0)
    outside = total - parts.get("render", 0.0)
    print("worldmill cell CPU benchmark (one process, one core; a shared machine: figures are indicative)")
    print(f"  warm-up cell with imports and kernels: {boot:6.2f} CPU-s")
    print(f"  {cells} cells × {args.clips} clips at {args.size}², {args.frames} frames: {total:6.2f} CPU-s "
          f"= {total / cells:5.2f} a cell, {outside / cells:5.2f} of it outside the render")
    for name, seconds in sorted(parts.items(), key=lambda kv: -kv[1]):
        print(f"    {name:<34} {seconds / cells:6.3f} CPU-s a cell")
    print(f"    {'Dagster and the rest':<34} {(total - bodies) / cells:6.3f} CPU-s a cell")
    summary = {"cells": cells, "clips_per_cell": args.clips, "cpu_s_per_cell": round(total / cells, 3),
               "outside_render_cpu_s_per_cell": round(outside / cells, 3), "warm_up_cpu_s": round(boot, 2),
               "dagster_and_rest_cpu_s_per_cell": round((total - bodies) / cells, 3),
               "parts_cpu_s_per_cell": {k.strip(): round(v / cells, 3) for k, v in sorted(parts.items())}}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
