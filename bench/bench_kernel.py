"""Render kernel benchmark: CPU time per frame of ``render`` and of its Warp launch alone, on real plans in one
process, at 256² (and 512²), and of the framing checks' instance-only launch against a full check render.

    .venv/bin/python bench/bench_kernel.py [--samples 8] [--frames 24] [--sizes 256,512] [--reps 2]

CPU time (``time.process_time``) rather than wall time: the figures hold on a loaded machine as long as the
process gets its share of a core. Scenes and camera paths are built first and not timed. The last line is one
JSON object with ``render_ms_per_frame_256``, ``launch_ms_per_frame_256`` (likewise for the other sizes) and
``check_instance_ratio`` (CPU of ``render_instance`` over ``render(...).instance`` for 48² checks).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_render import real_plans

from worldmill.render import render, render_instance, warm_up
from worldmill.scenes import build_scene, camera_path
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy.classes import SemanticClasses

CHECK = {"normals": False, "textures": False, "signs": False}  # what the framing checks ask of the full render


class LaunchClock:
    """CPU seconds spent inside ``warp.launch`` (the kernel: CPU launches run synchronously)."""

    def __init__(self) -> None:
        import warp

        self.seconds = 0.0
        self._warp, self._launch = warp, warp.launch

        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return self._launch(*args, **kwargs)
            finally:
                self.seconds += time.process_time() - start

        warp.launch = timed


def scenes(plans, settings: RenderSettings, classes):
    out = []
    for plan in plans:
        scene = build_scene(plan, classes)
        out.append((plan, scene, camera_path(scene, plan, settings)))
    return out


def bench_size(size: int, items, frames: int, reps: int, clock: LaunchClock) -> tuple[float, float]:
    settings = RenderSettings(width=size, height=size, frames=frames, fps=24)
    for plan, scene, path in items:  # warm: kernel loaded, meshes in the bank
        render(scene, path, plan, settings, normals=False)
    cpu, launch0 = 0.0, clock.seconds
    for _ in range(reps):
        for plan, scene, path in items:
            start = time.process_time()
            render(scene, path, plan, settings, normals=False)
            cpu += time.process_time() - start
    count = reps * len(items) * frames
    return cpu * 1000 / count, (clock.seconds - launch0) * 1000 / count


def bench_checks(items, frames: int, reps: int) -> tuple[float, float, bool]:
    settings = RenderSettings(width=48, height=48, frames=frames, fps=24)
    for plan, scene, path in items:  # warm: the far levels of detail the small frames use, in the bank
        render_instance(scene, path, settings)
    full = only = 0.0
    same = True
    for _ in range(reps):
        for plan, scene, path in items:
            start = time.process_time()
            a = render(scene, path, plan, settings, **CHECK).instance
            full += time.process_time() - start
            start = time.process_time()
            b = render_instance(scene, path, settings)
            only += time.process_time() - start
            same &= bool(np.array_equal(a, b))
    calls = reps * len(items)
    return full * 1000 / calls, only * 1000 / calls, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=8, help="real plans, one per archetype in turn")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--sizes", default="256,512")
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args()
    classes = SemanticClasses.load()
    warm_up()
    clock = LaunchClock()
    plans = real_plans(args.samples)
    summary: dict[str, float | bool | int] = {"samples": args.samples, "frames": args.frames}
    for size in (int(s) for s in args.sizes.split(",")):
        items = scenes(plans, RenderSettings(width=size, height=size, frames=args.frames, fps=24), classes)
        render_ms, launch_ms = bench_size(size, items, args.frames, args.reps, clock)
        print(
            f"{size}x{size}: render {render_ms:6.2f} ms CPU per frame, of which the kernel launch {launch_ms:6.2f} ms"
        )
        summary[f"render_ms_per_frame_{size}"] = round(render_ms, 2)
        summary[f"launch_ms_per_frame_{size}"] = round(launch_ms, 2)
    items = scenes(plans, RenderSettings(width=48, height=48, frames=args.frames, fps=24), classes)
    full, only, same = bench_checks(items, args.frames, args.reps)
    print(
        f"48x48 check of {args.frames} frames: render(...).instance {full:6.2f} ms CPU, render_instance {only:6.2f} ms"
        f" ({only / full:.2f}x), identical: {same}"
    )
    summary.update(check_full_ms=round(full, 2), check_instance_ms=round(only, 2))
    summary.update(check_instance_ratio=round(only / full, 3), check_identical=same)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
