"""Diffusion backends: frames/s, steps per output frame, temporal consistency and memory, per backend.

On CPU (no weights) it builds tiny random components and reports step timings of the real pipeline code;
with ``--weights-dir`` on a GPU it measures the real models at 512x512 and 1280x704 (720p class; SD latents
need multiples of 64). The scene is the analytic synthetic one (exact depth and poses), so both backends see
the same clip.

    python bench/bench_diffusion.py                       # CPU, tiny models, 64x64
    python bench/bench_diffusion.py --weights-dir /weights/sd --sizes 512x512,1280x704 --frames 48 --steps 8
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worldmill.generation.diffusion.conditions import load_conditions
from worldmill.generation.diffusion.device import DeviceSettings, memory_report, reset_peak_memory
from worldmill.generation.diffusion.sd_multicontrol import SDMultiControlConfig, SDMultiControlGenerator
from worldmill.generation.diffusion.synthetic import write_synthetic_conditions
from worldmill.generation.diffusion.tiny import tiny_sd_pipeline
from worldmill.generation.propagation import (
    PropagationSettings,
    keyframe_video,
    propagate,
    select_keyframes,
    warping_error,
)
from worldmill.schemas.plan import RenderSettings

MODALITIES = ("vis", "edge", "depth", "seg")


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def bench_size(width: int, height: int, args, device_settings: DeviceSettings, workdir: Path, pipeline=None) -> dict:
    """``pipeline``: an assembled SD multi-ControlNet pipeline to measure (default: ``--weights-dir`` or tiny)."""
    settings = RenderSettings(width=width, height=height, frames=args.frames, fps=24)
    clip = write_synthetic_conditions(workdir / f"{width}x{height}", settings, motion=args.motion)
    conditions = load_conditions(clip.directory, MODALITIES)
    config = SDMultiControlConfig(
        weights_dir=args.weights_dir, modalities=MODALITIES, steps=args.steps, scheduler=args.scheduler,
        frames_per_batch=args.batch, guardrail="off", device=device_settings,
    )
    if pipeline is None and not args.weights_dir:
        pipeline = tiny_sd_pipeline(MODALITIES)
        pipeline.to(device_settings.torch_device())
    gen = SDMultiControlGenerator(config, pipeline=pipeline)
    gen.load()
    device = gen.pipe._execution_device
    gen.diffuse(conditions, [0], seed=1)  # warm-up (kernels, allocator)
    out: dict = {"size": f"{width}x{height}", "frames": args.frames, "steps": args.steps, "device": str(device)}

    reset_peak_memory(device)
    _sync(device)
    t0 = time.perf_counter()
    per_frame = gen.diffuse(conditions, range(args.frames), seed=1)
    _sync(device)
    seconds = time.perf_counter() - t0
    out["sd-multicontrolnet"] = {
        "seconds": round(seconds, 3),
        "frames_per_s": round(args.frames / seconds, 3),
        "seconds_per_step_per_frame": round(seconds / (args.frames * args.steps), 5),
        "steps_per_output_frame": float(args.steps),
        "warping_error": round(warping_error(per_frame, conditions.depth_m, conditions.camera, device=device), 3),
        "memory": memory_report(device).as_metadata(),
    }

    prop = PropagationSettings(keyframe_interval=args.keyframe_interval, max_hole_fraction=args.max_hole_fraction)
    reset_peak_memory(device)
    _sync(device)
    t0 = time.perf_counter()
    frames, stats = keyframe_video(gen, conditions, seed=1, settings=prop, device=device)
    _sync(device)
    seconds = time.perf_counter() - t0
    t1 = time.perf_counter()
    keys = select_keyframes(conditions.depth_m, conditions.camera, prop, conditions.instance, device=device)
    propagate({k: per_frame[k] for k in keys}, conditions.depth_m, conditions.camera, prop, ids=conditions.instance, device=device)
    _sync(device)
    geometry_s = time.perf_counter() - t1
    out["sd-keyframe"] = {
        "seconds": round(seconds, 3),
        "frames_per_s": round(args.frames / seconds, 3),
        "keyframes": list(stats.keyframes),
        "steps_per_output_frame": round(stats.steps_per_output_frame, 3),
        "warping_error": round(warping_error(frames, conditions.depth_m, conditions.camera, device=device), 3),
        "mean_hole_fraction": round(stats.mean_hole_fraction, 4),
        "propagation_ms_per_frame": round(1000 * geometry_s / args.frames, 2),
        "memory": memory_report(device).as_metadata(),
    }
    out["speedup"] = round(out["sd-keyframe"]["frames_per_s"] / out["sd-multicontrolnet"]["frames_per_s"], 2)
    out["render_warping_error"] = round(warping_error(conditions.rgb, conditions.depth_m, conditions.camera, device=device), 3)
    return out


def bench_cosmos(args, device_settings: DeviceSettings, workdir: Path, components=None, size=None) -> dict:
    """Cosmos-Transfer2.5 multi-control: tiny components at 32x32 (their position tables stop there) unless
    ``--cosmos-weights-dir`` names real weights, then at the first size in ``--sizes``; ``components``
    (pipeline, ControlNets) are measured at ``size`` (width, height) over ``args.frames`` in 93-frame chunks."""
    from worldmill.generation.diffusion.cosmos_transfer import CosmosTransferConfig, CosmosTransferGenerator
    from worldmill.generation.diffusion.tiny import tiny_cosmos_transfer

    mods = ("edge", "depth", "seg", "vis")
    if components is not None:
        (width, height), (pipe, nets) = size, components
        chunk, frames = 93, args.frames
    elif args.cosmos_weights_dir:
        width, height = (int(v) for v in args.sizes.split(",")[0].lower().split("x"))
        chunk, frames, pipe, nets = 93, args.frames, None, None
    else:
        width = height = 32
        chunk, frames = 5, 9
        pipe, nets = tiny_cosmos_transfer(mods)
        pipe.to(device_settings.torch_device())
        nets = [n.to(device_settings.torch_device()) for n in nets]
    clip = write_synthetic_conditions(workdir / "cosmos", RenderSettings(width=width, height=height, frames=frames, fps=24), motion=args.motion)
    conditions = load_conditions(clip.directory, mods)
    config = CosmosTransferConfig(
        weights_dir=args.cosmos_weights_dir, modalities=mods, steps=args.steps, num_frames_per_chunk=chunk,
        max_sequence_length=512 if args.cosmos_weights_dir or components else 16, guardrail="off", device=device_settings,
    )
    gen = CosmosTransferGenerator(config, pipeline=pipe, controlnets=nets)
    gen.load()
    device = gen.pipe._execution_device
    reset_peak_memory(device)
    _sync(device)
    t0 = time.perf_counter()
    out = gen.transfer(conditions, seed=1)
    _sync(device)
    seconds = time.perf_counter() - t0
    chunks = gen.denoising_steps // args.steps
    return {
        "cosmos-transfer2.5": {
            "size": f"{width}x{height}", "frames": frames, "chunk_frames": chunk, "chunks": chunks, "steps": args.steps,
            "seconds": round(seconds, 3), "frames_per_s": round(frames / seconds, 3),
            "seconds_per_step_per_chunk": round(seconds / (chunks * args.steps), 4),
            "warping_error": round(warping_error(out, conditions.depth_m, conditions.camera, device=device), 3),
            "memory": memory_report(device).as_metadata(),
        }
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights-dir", default=None, help="local SD + ControlNet weights (default: tiny random models)")
    parser.add_argument("--sizes", default="64x64", help="comma-separated WxH list")
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--scheduler", default="unipc")
    parser.add_argument("--motion", default="truck", choices=("static", "dolly", "truck", "pan"))
    parser.add_argument("--keyframe-interval", type=int, default=8)
    parser.add_argument("--max-hole-fraction", type=float, default=0.05)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dtype", default="auto")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: leave as is)")
    parser.add_argument("--cosmos", action="store_true", help="also run Cosmos-Transfer2.5 (tiny unless weights given)")
    parser.add_argument("--cosmos-weights-dir", default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device_settings = DeviceSettings(device=args.device, dtype=args.dtype)
    results = {"torch": torch.__version__, "weights": args.weights_dir or "tiny-random", "runs": []}
    with tempfile.TemporaryDirectory(prefix="wm-bench-") as tmp:
        for size in args.sizes.split(","):
            width, height = (int(v) for v in size.lower().split("x"))
            results["runs"].append(bench_size(width, height, args, device_settings, Path(tmp)))
            print(json.dumps(results["runs"][-1]), flush=True)
        if args.cosmos or args.cosmos_weights_dir:
            results["runs"].append(bench_cosmos(args, device_settings, Path(tmp)))
            print(json.dumps(results["runs"][-1]), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
