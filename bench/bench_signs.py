"""Sign legibility benchmark: per script, the character accuracy with which Tesseract reads back a sign that
went through the renderer (atlas on the board's front face) and the footage's H.264 encode.

    .venv/bin/python bench/bench_signs.py [--sizes 256,512] [--em-px 16] [--languages fr,zh,ar,...]

The sign faces the camera with its text's em ``--em-px`` pixels tall at 512²; at other sizes the same shot is
rendered (so at 256² the text is half as tall). Also times drawing a sign face and building a clip's atlas.
The last line is one JSON object: ``accuracy[size][language]``, ``min_512`` and the timings.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worldmill.signage.ocr import TESSERACT_LANGS, tesseract_languages

DEMO_CITIES = ("Shanghai", "Lagos", "São Paulo", "Paris")
DEMO_VENUES = ("hospital", "zoo", "museum", "amusement_park", "railway_station", "street_market")
LANGUAGES = (
    "en",
    "fr",
    "vi",
    "ru",
    "uk",
    "el",
    "zh",
    "zh_Hant",
    "ja",
    "ko",
    "ar",
    "fa",
    "ur",
    "hi",
    "bn",
    "ta",
    "th",
    "he",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="256,512")
    parser.add_argument("--em-px", type=float, default=16.0)
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--scenes", type=int, default=1, help="also render the demo cities' venues (round 0) at 256²")
    args = parser.parse_args()
    from worldmill.prompts.signage import signage_table
    from worldmill.render.atlas import build_sign_atlas
    from worldmill.signage import SignFace, draw_sign
    from worldmill.signage.legibility import measure, sample_text

    sizes = [int(s) for s in args.sizes.split(",")]
    available = tesseract_languages()
    accuracy: dict[str, dict[str, float]] = {str(s): {} for s in sizes}
    for language in args.languages.split(","):
        if TESSERACT_LANGS.get(language) not in available:
            print(f"{language:8s} skipped: no Tesseract pack {TESSERACT_LANGS.get(language)}")
            continue
        text = sample_text(language)
        for size in sizes:
            r = measure(language, text, args.em_px * size / 512, size)
            accuracy[str(size)][language] = round(r.accuracy, 3)
            print(
                f"{language:8s} {r.script} {size}²  em {r.text_px:4.1f} px  accuracy {r.accuracy:.2f}  {text!r} -> {r.read!r}"
            )
    table = signage_table()
    faces = [SignFace(c, table[c].script, (sample_text(c),)) for c in ("fr", "zh", "ar", "hi")]
    t0 = time.perf_counter()
    for face in faces * 5:
        draw_sign(face, 256, 64)
    draw_ms = (time.perf_counter() - t0) / (len(faces) * 5) * 1000
    specs = [f.to_spec() for f in faces] * 3
    import numpy as np

    t0 = time.perf_counter()
    build_sign_atlas(specs, np.tile([[2.0, 0.05, 0.5]], (len(specs), 1)))
    atlas_ms = (time.perf_counter() - t0) * 1000
    print(
        f"draw one 256x64 sign face: {draw_ms:.2f} ms; atlas of {len(faces)} distinct faces (mips): {atlas_ms:.1f} ms"
    )
    shown = signs_in_view() if args.scenes else None
    scores_512 = list(accuracy.get("512", {}).values())
    print(json.dumps({
        "em_px_at_512": args.em_px, "accuracy": accuracy, "min_512": min(scores_512) if scores_512 else None,
        "draw_sign_ms": round(draw_ms, 2), "atlas_ms": round(atlas_ms, 1), "clips_showing_signs": shown,
    }, ensure_ascii=False))  # fmt: skip


def signs_in_view(min_share: float = 0.005) -> str:
    """How many demo clips show a sign with text covering ``min_share`` of the image in some frame."""
    import numpy as np

    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.render import render
    from worldmill.scenes import build_scene, camera_path
    from worldmill.schemas.plan import RenderSettings
    from worldmill.taxonomy import load_taxonomy

    tax = load_taxonomy()
    settings = RenderSettings(width=256, height=256, frames=24, fps=24)
    showing = total = 0
    for cell in tax.cells(list(DEMO_CITIES), list(DEMO_VENUES)):
        plan = sample_plan(cell, seed_for(cell.key, 0, 0), sample_id(cell.key, 0, 0))
        scene = build_scene(plan, tax.classes)
        ids = [o.instance_id for o in scene.objects if any(p.texture for p in o.parts)]
        passes = render(scene, camera_path(scene, plan, settings), plan, settings, normals=False)
        share = float(np.isin(passes.instance, ids).mean(axis=(1, 2)).max()) if ids else 0.0
        total += 1
        showing += share >= min_share
        print(
            f"{cell.key:40s} {plan.language:7s} {'indoor' if plan.indoor else 'outdoor':7s} signs {len(ids):2d}  largest share {share:.2%}"
        )
    print(f"clips showing sign text (>= {min_share:.1%} of the image in a frame): {showing}/{total}")
    return f"{showing}/{total}"


if __name__ == "__main__":
    main()
