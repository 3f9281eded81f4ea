"""Footage-job benchmark: ``worldmill generate`` end to end over a fixed set of cells, as a user runs it.

    .venv/bin/python bench/bench_job.py [--cells 16] [--clips 4] [--size 256] [--frames 48] [--lanes N]

Cells are the demo's grid (Shanghai, Lagos, São Paulo, Paris × hospital, zoo, museum, amusement park),
``--cells`` of them, every stage included (taxonomy, prompts, render, clips with guardrail and contact sheet,
scores, captions, catalogue, the Great Expectations checks), in a fresh lake and Dagster home. Printed:
frames/s end to end; seconds per step summed over the runs (from Dagster's step events); the CPU time of the
whole process tree against ``wall × cores`` (utilisation of every core); the peak memory of each process; and
the render alone over the same samples in the same session (a warm pool, one worker per core), so that the
ratio job/render is free of the machine's drift. The last line is one JSON object with ``job_fps_256`` (or
``job_fps_<size>``) and ``render_fps_256``.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CITIES = ("Shanghai", "Lagos", "São Paulo", "Paris", "Cairo", "Mumbai", "Tokyo", "Lima")
VENUES = ("hospital", "zoo", "museum", "amusement_park")


def grid(cells: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The cities × venues grid with at least ``cells`` cells (venues first, then more cities)."""
    venues = VENUES[: max(1, min(len(VENUES), cells))]
    cities = CITIES[: max(1, math.ceil(cells / len(venues)))]
    return cities, venues


def cpu_seconds() -> float:
    """CPU time of this process and of every child it has waited for (pool and lane processes)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def step_seconds(instance) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds per step key summed over the runs (from STEP_START to STEP_SUCCESS/FAILURE), and per job the
    summed run time (first to last event of each run)."""
    from dagster import DagsterEventType

    kinds = {DagsterEventType.STEP_START, DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE}
    steps: dict[str, float] = defaultdict(float)
    jobs: dict[str, float] = defaultdict(float)
    for record in instance.get_run_records():
        run = record.dagster_run
        logs = instance.all_logs(run.run_id)
        if logs:
            jobs[run.job_name] += logs[-1].timestamp - logs[0].timestamp
        started: dict[str, float] = {}
        for entry in logs:
            event = entry.dagster_event
            if event is None or event.event_type not in kinds:
                continue
            if event.event_type == DagsterEventType.STEP_START:
                started[entry.step_key] = entry.timestamp
            elif entry.step_key in started:
                steps[entry.step_key] += entry.timestamp - started.pop(entry.step_key)
    return dict(steps), dict(jobs)


def render_only(catalogue, workers: int, settings, workdir: Path) -> tuple[float, int]:
    """Frames/s of the render alone (scene, passes, every condition file) over the job's own samples, on a
    warm pool of ``workers`` processes: the figure ``bench_render.py`` reports, for the same plans."""
    from worldmill.render import RenderPool
    from worldmill.schemas.plan import RenderSettings, ScenePlan

    plans = [ScenePlan.from_json(p) for p in catalogue.read("prompts").sort("sample_id")["plan_json"].to_list()]
    with RenderPool(workers) as pool:
        pool.render(plans[:workers], RenderSettings(width=16, height=16, frames=2, fps=24),
                    [workdir / f"warm-{i}" for i in range(workers)])
        start = time.perf_counter()
        pool.render(plans, settings, [workdir / f"render-{i}" for i in range(len(plans))])
        wall = time.perf_counter() - start
    return len(plans) * settings.frames / wall, len(plans)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=16)
    parser.add_argument("--clips", type=int, default=4, help="clips per cell")
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--lanes", type=int, default=0, help="cells in flight at once (0: the CLI's choice)")
    parser.add_argument("--no-render-only", action="store_true", help="skip the render-only comparison")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    cities, venues = grid(args.cells)
    with tempfile.TemporaryDirectory(prefix="worldmill-bench-job-") as tmp:
        os.environ["WORLDMILL_LAKE_URI"] = str(Path(tmp) / "lake")
        os.environ["DAGSTER_HOME"] = str(Path(tmp) / "dagster_home")
        from worldmill.settings import apply_defaults

        apply_defaults()
        from dagster import DagsterInstance

        from worldmill.cli import generate
        from worldmill.lake import Catalogue
        from worldmill.schemas.plan import RenderSettings

        options = {"clips": args.clips, "width": args.size, "height": args.size, "frames": args.frames,
                   "progress": False}
        if args.lanes and "lanes" in inspect.signature(generate).parameters:
            options["lanes"] = args.lanes
        load_before = os.getloadavg()[0]
        cpu0, start = cpu_seconds(), time.perf_counter()
        keys = generate(cities, venues, **options)
        wall = time.perf_counter() - start
        cpu = cpu_seconds() - cpu0
        load_after = os.getloadavg()[0]
        child_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        self_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        catalogue = Catalogue(os.environ["WORLDMILL_LAKE_URI"])
        clips = catalogue.sql("SELECT count(*) AS n, sum(frames) AS f FROM clips").to_dicts()[0]
        accepted = catalogue.sql("SELECT sum(frames) AS f FROM catalogue WHERE accepted").to_dicts()[0]["f"] or 0
        frames = int(clips["f"])
        job_fps = frames / wall
        steps, jobs = step_seconds(DagsterInstance.get())

        print(f"worldmill footage-job benchmark: {cores} cores, load average {load_before:.1f} before, "
              f"{load_after:.1f} after (a shared machine: figures are indicative)")
        print(f"  {len(keys)} cells × {args.clips} clips = {clips['n']} clips, {frames} frames at {args.size}², "
              f"{args.frames} frames each")
        print(f"  end to end:   {wall:7.1f} s wall   {job_fps:6.1f} frames/s   ({accepted} frames accepted)")
        print(f"  CPU:          {cpu:7.1f} s over the process tree = {cpu / (wall * cores):5.0%} of {cores} cores "
              f"({frames / cpu:5.1f} frames per CPU second)")
        print(f"  peak RSS:     {self_rss_mb:7.0f} MB this process, {child_rss_mb:5.0f} MB largest child")
        total = sum(steps.values())
        print(f"  seconds per step, summed over the runs ({total:.1f} s; runs: "
              + ", ".join(f"{job} {s:.1f} s" for job, s in sorted(jobs.items())) + "):")
        for key, seconds in sorted(steps.items(), key=lambda kv: -kv[1]):
            print(f"    {key:<42} {seconds:7.2f} s  {seconds / max(1, len(keys)):6.2f} s/cell")
        summary: dict[str, float | int | str] = {
            "cells": len(keys), "clips_per_cell": args.clips, "frames": frames, "wall_s": round(wall, 2),
            f"job_fps_{args.size}": round(job_fps, 2), "cpu_utilisation": round(cpu / (wall * cores), 3),
            "frames_per_cpu_s": round(frames / cpu, 2), "peak_rss_mb_child": round(child_rss_mb, 1),
            "peak_rss_mb_self": round(self_rss_mb, 1),
            "step_s": {k: round(v, 2) for k, v in sorted(steps.items())},
        }
        if not args.no_render_only:
            settings = RenderSettings(width=args.size, height=args.size, frames=args.frames, fps=24)
            render_fps, samples = render_only(catalogue, cores, settings, Path(tmp))
            print(f"  render only:  {render_fps:6.1f} frames/s over the same {samples} samples, {cores} workers; "
                  f"job/render = {job_fps / render_fps:4.2f}")
            summary[f"render_fps_{args.size}"] = round(render_fps, 2)
            summary["job_to_render"] = round(job_fps / render_fps, 3)
        summary["load_avg"] = round(os.getloadavg()[0], 2)
        print(json.dumps(summary))


if __name__ == "__main__":
    main()
