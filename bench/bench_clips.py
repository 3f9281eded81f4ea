"""Clips-step benchmark: CPU per clip of the work inside the `clips`, `captions`, `catalogue` steps and the six
asset checks of a cell, in one process, as a footage lane runs them (OpenCV on one thread).

    .venv/bin/python bench/bench_clips.py [--city Paris] [--venue zoo] [--clips 4] [--repeats 5] [--lake DIR]

One cell is made once by ``worldmill generate`` (one lane) in a fresh lake (or ``--lake``: one already made);
then each step's body runs ``--repeats`` times on it (the clip folders are removed before each clips run and
the frames that the clips step keeps for the scores step are dropped, so every run decodes what a real one
decodes): the clips step is ``stages.produce_clips`` + the Delta upsert + the preview markdown. CPU seconds
are this process's (``time.process_time``), the best of the repeats: on a shared machine wall time is not a
measure. The outputs are hashed (clip rows, contact sheets, preview), so two commits can be compared for
identical bytes. The last line is one JSON object with ``clips_ms_per_clip`` and ``checks_ms_per_cell``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def best_cpu_ms(fn, repeats: int) -> float:
    fn()  # warm: caches, cascades, GX suites
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return best * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city", default="Paris")
    parser.add_argument("--venue", default="zoo")
    parser.add_argument("--clips", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lake", default="", help="a lake (with its .dagster_home beside it) where the cell is made")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="worldmill-bench-clips-") as tmp:
        root = Path(args.lake or tmp)
        os.environ["WORLDMILL_LAKE_URI"] = str(root / "lake")
        os.environ["DAGSTER_HOME"] = str(root / "dagster_home")
        from worldmill.settings import apply_defaults

        apply_defaults()
        import cv2

        from worldmill import stages, video
        from worldmill.cli import generate
        from worldmill.curation.captions import caption_clips
        from worldmill.curation.checks import check_table, load_context
        from worldmill.generation import get_generator
        from worldmill.lake import sql_literal
        from worldmill.lake.commands import open_lake
        from worldmill.schemas.curation import CaptionRow
        from worldmill.schemas.plan import RenderSettings
        from worldmill.schemas.records import ClipRow, clip_folder_key, sample_key
        from worldmill.taxonomy import load_taxonomy

        tax = load_taxonomy()
        cell = tax.cells([args.city], [args.venue])[0]
        lake = open_lake(os.environ["WORLDMILL_LAKE_URI"])
        if not (root / "lake" / "tables" / "clips").is_dir():
            generate([args.city], [args.venue], clips=args.clips, lanes=1, progress=False)
            lake = open_lake(os.environ["WORLDMILL_LAKE_URI"])
        cv2.setNumThreads(1)  # as in a lane
        site = lake.site_for(cell.city.continent, cell_key=cell.key)
        catalogue, blobs = lake.catalogue(site), lake.blobs(site)
        round_ = catalogue.sql(f"SELECT max(round) AS r FROM prompts WHERE cell_key = {sql_literal(cell.key)}")["r"][0]
        generator = get_generator("procedural")
        generator.load()
        load_context()
        rows = stages.round_prompts(catalogue, cell.key, round_)
        conds = stages.round_conditions(catalogue, cell.key, [r.sample_id for r in rows])
        first = conds[0]
        settings = RenderSettings(width=first.width, height=first.height, frames=first.frames, fps=first.fps)
        made: list = []
        preview = [""]

        def clips_step() -> None:
            for row in rows:
                blobs.delete(clip_folder_key(sample_key(row.venue, row.city_key, row.sample_id), generator.name))
            video._KEPT.clear()
            prompts = stages.round_prompts(catalogue, cell.key, round_)
            made[:] = stages.produce_clips(prompts, stages.round_conditions(catalogue, cell.key, [r.sample_id for r in prompts]),
                                           cell, generator, blobs, settings)
            catalogue.upsert(made)
            preview[0] = stages.previews_markdown(made, blobs)

        def captions_step() -> None:
            where = f"cell_key = {sql_literal(cell.key)} ORDER BY clip_id"
            clips = [ClipRow(**r) for r in catalogue.sql(f"SELECT * FROM clips WHERE {where}").to_dicts()]
            catalogue.upsert(caption_clips(clips, blobs, None)[0], record_type=CaptionRow)

        def catalogue_step() -> None:
            catalogue.upsert(stages.catalogue_rows(catalogue, cell.key))

        def checks() -> None:
            for table in ("prompts", "conditions", "clips", "scores", "catalogue", "captions"):
                outcome = check_table(catalogue, table, blobs, cell_key=cell.key)
                if not outcome.passed:
                    raise SystemExit(f"check of {table} failed: {outcome.failures}")

        figures = {name: best_cpu_ms(fn, args.repeats) for name, fn in
                   (("clips", clips_step), ("captions", captions_step), ("catalogue", catalogue_step), ("checks", checks))}
        clips_n = len(rows)
        print(f"worldmill clips-step benchmark: cell {cell.key}, {clips_n} clips of {settings.width}² × {settings.frames}, "
              f"best CPU of {args.repeats} (load average {os.getloadavg()[0]:.1f}; a shared machine: indicative)")
        print(f"  clips step:   {figures['clips']:7.1f} ms per cell  {figures['clips'] / clips_n:6.1f} ms per clip")
        for name in ("captions", "catalogue", "checks"):
            print(f"  {name + ':':<13} {figures[name]:7.1f} ms per cell")
        digest = hashlib.sha256()
        for clip in made:
            sheet = blobs.open_local(stages.contact_sheet_key(clip)).read_bytes()
            digest.update(f"{clip.clip_id} {clip.rgb_sha256} {clip.guardrail} {clip.faces_blurred} ".encode())
            digest.update(hashlib.sha256(sheet).digest())
        outputs = digest.hexdigest()[:16]
        preview_sha = hashlib.sha256(preview[0].encode()).hexdigest()[:16]
        print(f"  outputs:      clip rows + contact sheets {outputs}, preview markdown {preview_sha}")
        print(json.dumps({
            "cell": cell.key, "clips": clips_n, "clips_ms_per_clip": round(figures["clips"] / clips_n, 1),
            "clips_ms_per_cell": round(figures["clips"], 1), "captions_ms_per_cell": round(figures["captions"], 1),
            "catalogue_ms_per_cell": round(figures["catalogue"], 1), "checks_ms_per_cell": round(figures["checks"], 1),
            "outputs_sha": outputs, "preview_sha": preview_sha, "load_avg": round(os.getloadavg()[0], 2),
        }))


if __name__ == "__main__":
    main()
