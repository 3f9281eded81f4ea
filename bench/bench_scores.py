"""Scores benchmark: CPU time of ``score_clip`` per real clip, this tree against a baseline checkout, and how
closely the production flow estimator agrees with the flow of every frame pair.

    .venv/bin/python bench/bench_scores.py [--cells 16] [--clips 2] [--samples DIR] [--baseline TREE] [--rounds 3]

Samples are the bench_job grid's (Shanghai, Lagos, ... × hospital, zoo, museum, amusement park) rendered at 256²,
48 frames, into ``--samples`` (kept and reused when given); the footage is the render, as the procedural
generator publishes it. Each round scores every clip in a fresh process as a lane does: the clips step's
guardrail and contact sheet first (untimed; they leave the decoded clip and ``seg.mp4`` in the process), then
``score_clip`` (timed, CPU seconds of the process). With ``--baseline`` (a checkout of another commit, e.g.
``git worktree add /tmp/base main``) the two trees are timed in alternating processes, so the ratio is free of
the machine's drift; their rows' pass/fail status and reasons are compared. Last line: one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if "--score-only" not in sys.argv:  # a timed child imports worldmill from the tree on its PYTHONPATH
    sys.path.insert(0, str(ROOT))

FRAMES, SIZE = 48, 256


def prepare(samples: Path, cells: int, clips: int) -> list[Path]:
    """Sample folders with their condition files and ``procedural/rgb.mp4``; rendered unless already there."""
    from bench_job import CITIES, VENUES

    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.render import render_samples
    from worldmill.schemas.plan import RenderSettings
    from worldmill.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    plans = []
    for k in range(cells):
        cell = taxonomy.cells([CITIES[k // len(VENUES) % len(CITIES)]], [VENUES[k % len(VENUES)]])[0]
        plans.extend(sample_plan(cell, seed_for(cell.key, 1, i), sample_id(cell.key, 1, i), 1) for i in range(clips))
    folders = [samples / p.sample_id for p in plans]
    todo = [(p, f) for p, f in zip(plans, folders, strict=True) if not (f / "procedural" / "rgb.mp4").is_file()]
    if todo:
        start = time.perf_counter()
        settings = RenderSettings(width=SIZE, height=SIZE, frames=FRAMES, fps=24)
        render_samples([p for p, _ in todo], settings, [f for _, f in todo])
        for _, folder in todo:
            (folder / "procedural").mkdir(exist_ok=True)
            shutil.copyfile(folder / "input.mp4", folder / "procedural" / "rgb.mp4")
        print(f"  rendered {len(todo)} samples in {time.perf_counter() - start:.0f} s")
    return folders


def score_all(folders: list[Path]) -> dict:
    """In this process: each clip's clips-step decode (untimed), then its score (CPU and wall seconds)."""
    from worldmill.metrics import score_clip
    from worldmill.stages import guard_and_preview

    cpu = wall = 0.0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for folder in folders:
            clip = Path(tmp) / "rgb.mp4"
            shutil.copyfile(folder / "procedural" / "rgb.mp4", clip)
            guard_and_preview(folder, clip, Path(tmp) / "sheet.png", footage_is_render=True)
            c0, w0 = time.process_time(), time.perf_counter()
            row = score_clip(clip, folder, clip_id=folder.name, cell_key="bench", footage_is_render=True)
            cpu += time.process_time() - c0
            wall += time.perf_counter() - w0
            rows.append({"clip": folder.name, "status": row.status, "reason": row.reason,
                         "motion_mean": row.motion_mean, "motion_max": row.motion_max,
                         "depth_si_rmse": row.depth_si_rmse, "quality_score": row.quality_score})
    return {"cpu_s": cpu, "wall_s": wall, "rows": rows}


def timed_run(tree: Path, folders: list[Path]) -> dict:
    """``score_all`` in a fresh process importing worldmill from ``tree``."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, __file__, "--score-only", *map(str, folders)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def flow_agreement(folders: list[Path]) -> dict[str, float]:
    """Relative differences of the production motion estimate from the flow of every consecutive pair and
    from the 16-pair estimate (the previous production one): max and 90th percentile over the clips."""
    import numpy as np

    from worldmill.metrics import quality as q
    from worldmill.video import read_frames

    errors: dict[str, list[float]] = {}
    for folder in folders:
        gray = q.luma(read_frames(folder / "input.mp4"))
        prod, every, sixteen = q.motion(gray), q.motion(gray, pairs=len(gray) - 1), q.motion(gray, pairs=16)
        for name, ref in (("all_pairs", every), ("16_pairs", sixteen)):
            for k, what in enumerate(("mean", "peak")):
                err = abs(prod[k] - ref[k]) / max(ref[k], q.QualityThresholds().min_motion)
                errors.setdefault(f"{what}_vs_{name}", []).append(err)
            if name == "all_pairs":
                for k, what in enumerate(("mean", "peak")):
                    err = abs(sixteen[k] - ref[k]) / max(ref[k], q.QualityThresholds().min_motion)
                    errors.setdefault(f"{what}_16_pairs_vs_all_pairs", []).append(err)
    summary = {}
    for key, values in errors.items():
        summary[f"{key}_max"] = round(float(np.max(values)), 4)
        summary[f"{key}_p90"] = round(float(np.percentile(values, 90)), 4)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=16)
    parser.add_argument("--clips", type=int, default=2, help="samples per cell")
    parser.add_argument("--samples", type=Path, default=None, help="folder to render into and reuse")
    parser.add_argument("--baseline", type=Path, default=None, help="a checkout of the commit to compare with")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--score-only", nargs="+", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.score_only:
        print(json.dumps(score_all(args.score_only)))
        return
    with tempfile.TemporaryDirectory(prefix="worldmill-bench-scores-") as tmp:
        samples = args.samples or Path(tmp)
        folders = prepare(samples, args.cells, args.clips)
        trees = {"this tree": ROOT} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
        runs: dict[str, list[dict]] = {name: [] for name in trees}
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for name, tree in trees.items():
                runs[name].append(timed_run(tree, folders))
        load_after = os.getloadavg()[0]
        agreement = flow_agreement(folders)
    n = len(folders)
    per_clip = {name: statistics.median(r["cpu_s"] for r in rs) / n for name, rs in runs.items()}
    print(f"worldmill scores benchmark: {n} real clips at {SIZE}², {FRAMES} frames, {args.rounds} rounds; load "
          f"average {load_before:.1f} before, {load_after:.1f} after (a shared machine: figures are indicative)")
    for name, rs in runs.items():
        print(f"  {name:<10} {per_clip[name] * 1000:7.1f} ms CPU per clip (median of rounds; rounds: "
              + ", ".join(f"{r['cpu_s'] / n * 1000:.0f}" for r in rs) + ")")
    summary: dict = {"clips": n, "cpu_ms_per_clip": round(per_clip["this tree"] * 1000, 1)}
    if args.baseline:
        ratio = per_clip["this tree"] / per_clip["baseline"]
        ours, theirs = runs["this tree"][0]["rows"], runs["baseline"][0]["rows"]
        same = sum((a["status"], a["reason"]) == (b["status"], b["reason"]) for a, b in zip(ours, theirs, strict=True))
        print(f"  ratio this tree / baseline: {ratio:.2f} (CPU cut {1 - ratio:.0%}); status and reasons identical "
              f"on {same}/{n} clips")
        summary |= {"baseline_cpu_ms_per_clip": round(per_clip["baseline"] * 1000, 1), "cpu_ratio": round(ratio, 3),
                    "same_status": same}
    print("  production motion estimate against the flow of every pair and the 16-pair estimate (relative):")
    for key, value in agreement.items():
        print(f"    {key:<36} {value:6.1%}")
    statuses = [r["status"] for r in runs["this tree"][0]["rows"]]
    summary |= {"pass": statuses.count("pass"), "fail": statuses.count("fail"), "error": statuses.count("error"),
                **agreement}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
