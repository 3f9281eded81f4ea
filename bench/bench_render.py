"""Render benchmark: scene build, ray casting, derived controls, encoding and end-to-end frames per second,
in one process and with one worker process per core, at 256² and 512².

    .venv/bin/python bench/bench_render.py [--frames 48] [--sizes 256,512] [--samples 16] [--workers N]

Plans are real ones (taxonomy + prompt sampler), one per venue archetype in turn, so the mix covers
skylines, interiors and outdoor venues. Wall-clock figures depend on what else runs on the machine: the
load average is printed, and CPU-time figures (frames per CPU second) are given beside them. The last
line is one JSON object with ``fps_256``, ``fps_512`` (end to end, one process per core) and ``peak_rss_mb``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worldmill import video
from worldmill.render import (
    H264_SETTINGS,
    RenderPool,
    choose_depth_unit,
    control_maps,
    depth_colours,
    edges,
    encode_depth,
    render,
    render_samples,
    vis,
    warm_up,
)
from worldmill.scenes import build_scene, camera_path
from worldmill.schemas.plan import RenderSettings, ScenePlan

ARCHETYPE_ORDER = ("skyline", "hospital", "zoo", "museum", "amusement_park", "interior_hall", "open_air", "stadium")


def real_plans(count: int) -> list[ScenePlan]:
    """``count`` plans from real cells, cycling through the archetypes (and through venues of each)."""
    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.taxonomy.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    cells = taxonomy.cells()
    by_archetype: dict[str, list] = {}
    for cell in cells:
        by_archetype.setdefault(cell.venue.archetype, []).append(cell)
    plans = []
    for i in range(count):
        options = by_archetype[ARCHETYPE_ORDER[i % len(ARCHETYPE_ORDER)]]
        cell = options[(i * 7919) % len(options)]
        plans.append(sample_plan(cell, seed_for(cell.key, 1, i), sample_id(cell.key, 1, i), 1))
    return plans


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def encoders(out: Path, passes, edge: np.ndarray, blurred: np.ndarray, classes, fps: int) -> list[tuple[str, object]]:
    """(name, zero-argument call) for every condition video, with the settings and the single-threaded encoders
    the pool uses."""

    def h264(name: str, frames: np.ndarray):
        return partial(video.write_rgb, out / name, frames, fps, threads=1, **H264_SETTINGS[name])

    def h264_gray(name: str, frames: np.ndarray) -> None:  # gray frames, as write_conditions gives edge.mp4
        with video.rgb_writer(out / name, frames.shape[2], frames.shape[1], fps, threads=1, **H264_SETTINGS[name]) as w:
            for frame in frames:
                w.write(frame)

    return [
        ("encode: input.mp4", h264("input.mp4", passes.rgb)),
        (
            "encode: depth.mkv (FFV1)",
            lambda: video.write_gray16(
                out / "depth.mkv", encode_depth(passes.depth, choose_depth_unit(passes.depth)), fps, threads=1
            ),
        ),
        ("encode: depth.mp4 (+ turbo colours)", lambda: h264("depth.mp4", depth_colours(passes.depth))()),
        ("encode: seg.mp4 (+ palette)", lambda: h264("seg.mp4", classes.colorize(passes.seg))()),
        (
            "encode: instance.mkv (FFV1)",
            partial(video.write_gray16, out / "instance.mkv", passes.instance.astype(np.uint16), fps, threads=1),
        ),
        ("encode: edge.mp4 (gray)", partial(h264_gray, "edge.mp4", edge)),
        ("encode: vis.mp4", h264("vis.mp4", blurred)),
    ]


def stage_breakdown(plans: list[ScenePlan], settings: RenderSettings, classes, workdir: Path) -> dict[str, float]:
    """Mean seconds per stage over the plans, in this process, encoders single-threaded (as in the pool)."""
    stages: dict[str, list[float]] = {}

    def add(name: str, seconds: float) -> None:
        stages.setdefault(name, []).append(seconds)

    for plan in plans:
        scene, s = timed(build_scene, plan, classes)
        add("scene build", s)
        path, s = timed(camera_path, scene, plan, settings)
        add("camera path", s)
        passes, s = timed(render, scene, path, plan, settings)
        add("render: rgb+depth+seg+instance+normals (one launch)", s)
        edge, s = timed(edges, passes.rgb)
        add("derive: edges (Canny)", s)
        blurred, s = timed(vis, passes.rgb)
        add("derive: vis (bilateral)", s)
        _, s = timed(control_maps, passes, dtype=np.float16)
        add("derive: control maps", s)
        out = workdir / "stages"
        out.mkdir(exist_ok=True)
        for name, fn in encoders(out, passes, edge, blurred, classes, settings.fps):
            _, s = timed(fn)
            add(name, s)
    return {name: statistics.mean(values) for name, values in stages.items()}


def bench_size(size: int, frames: int, samples: int, workers: int, classes, workdir: Path) -> dict[str, float]:
    settings = RenderSettings(width=size, height=size, frames=frames, fps=24)
    plans = real_plans(samples)
    print(
        f"\n== {size}x{size}, {frames} frames at 24 fps, {samples} samples ({', '.join(sorted({p.archetype for p in plans}))}) =="
    )
    breakdown = stage_breakdown(plans[: min(len(plans), len(ARCHETYPE_ORDER))], settings, classes, workdir)
    for name, seconds in breakdown.items():
        print(f"  {name:<52} {seconds * 1000 / frames:7.2f} ms/frame  ({seconds:6.3f} s/sample)")
    # end to end, one process (this one)
    load_before = os.getloadavg()[0]
    cpu0 = time.process_time()
    results, wall = timed(render_samples, plans, settings, [workdir / f"one-{size}-{i}" for i in range(len(plans))], 1)
    cpu = time.process_time() - cpu0
    fps_one = len(plans) * frames / wall
    print(
        f"  end to end, 1 process:            {fps_one:6.1f} frames/s wall, {len(plans) * frames / cpu:6.1f} frames per CPU second"
    )
    # end to end, one worker process per core (pool started and warmed first, as a long-running job would have it)
    with RenderPool(workers) as pool:
        pool.render(
            plans[:workers],
            RenderSettings(width=16, height=16, frames=2, fps=24),
            [workdir / f"warm-{i}" for i in range(workers)],
        )
        results, wall = timed(pool.render, plans, settings, [workdir / f"pool-{size}-{i}" for i in range(len(plans))])
    load_after = os.getloadavg()[0]
    fps_pool = len(plans) * frames / wall
    cpu_fps = len(plans) * frames / sum(r.cpu_s for r in results) * workers
    rss = max(r.peak_rss_mb for r in results)
    for plan, r in zip(plans, results, strict=True):
        print(
            f"    {plan.archetype:<15} {r.primitive_count:5d} primitives  scene {r.scene_s:5.2f} s  render {r.render_s:6.2f} s  "
            f"encode {r.encode_s:5.2f} s  cpu {r.cpu_s:6.2f} s  rss {r.peak_rss_mb:5.0f} MB  pid {r.pid}"
        )
    print(
        f"  end to end, {workers} processes:           {fps_pool:6.1f} frames/s wall ({cpu_fps:6.1f} if each worker had its core to itself)"
    )
    print(
        f"  peak RSS per worker:               {rss:6.0f} MB;  load average {load_before:.1f} before, {load_after:.1f} after"
    )
    return {"fps": fps_pool, "fps_1proc": fps_one, "fps_cpu_bound": cpu_fps, "peak_rss_mb": rss}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--sizes", default="256,512")
    parser.add_argument(
        "--samples", type=int, default=16, help="samples per size, spread over the archetypes (16: two of each)"
    )
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    from worldmill.taxonomy.classes import SemanticClasses

    classes = SemanticClasses.load()
    warm_up()
    print(
        f"worldmill render benchmark: {os.cpu_count()} cores, {args.workers} workers, load average {os.getloadavg()[0]:.1f}"
    )
    summary: dict[str, float | int] = {"frames": args.frames, "workers": args.workers}
    with tempfile.TemporaryDirectory(prefix="worldmill-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            result = bench_size(size, args.frames, args.samples, args.workers, classes, Path(tmp))
            summary[f"fps_{size}"] = round(result["fps"], 2)
            summary[f"fps_{size}_1proc"] = round(result["fps_1proc"], 2)
            summary[f"fps_{size}_cpu_bound"] = round(result["fps_cpu_bound"], 2)
            summary["peak_rss_mb"] = round(max(float(summary.get("peak_rss_mb", 0.0)), result["peak_rss_mb"]), 1)
    summary["load_avg"] = round(os.getloadavg()[0], 2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
