"""Do the words and the pixels agree? Prompts against what the render's instance pass shows, before and after
prompts were written from the visibility measurement and camera paths were checked for their subject.

    .venv/bin/python bench/bench_truth.py [--cities Paris,Shanghai,Lagos,São Paulo] [--venues zoo,...] [--samples 1]
        [--size 128] [--unseen]

``--unseen`` prints, per venue, the plan's decor kinds the final render does not show (with the shot, the kind's
class and placement, its peak coverage and whether staging moved it), to target the largest groups.

Plans are real ones (taxonomy + prompt sampler) of every venue in each city. "Before" is the plan's draft
prompt (``build_prompt(plan)``, what the ``prompts`` table holds and what clips used to get) against a render
along the unchecked camera path; "after" is the final prompt (``write_prompt(plan, visibility)``) against a
render along the checked path with the decor it missed staged into its view (``framed_shot``), as the
conditions step now makes them. Visibility is
the one rule of ``worldmill.scenes.visibility``: >= 0.5 % of the image in at least one frame.

Figures (goal in brackets):
- named kinds visible: of the object kinds a prompt names (decor, people, traffic, landmark), the share seen (>= 0.95)
- decor kinds visible and named: of the plan's decor kinds, the share the prompt names and the clip shows (>= 0.8)
- named items visible: of the instances a prompt claims by count ("three giraffes" claims 3), the share seen (>= 0.8)
- lead subject framed: share of clips whose lead subject covers >= 2 % of the image in >= 80 % of the frames
The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from worldmill.prompts import build_prompt, sample_id, sample_plan, seed_for, write_prompt
from worldmill.prompts.text import TRAFFIC, counted
from worldmill.render import render, warm_up
from worldmill.render.framing import framed_shot
from worldmill.scenes import build_scene, camera_path
from worldmill.scenes.camera import camera_zone, subject_kinds
from worldmill.scenes.visibility import SUBJECT_FRAME_SHARE, Visibility, measure_visibility
from worldmill.schemas.plan import RenderSettings, ScenePlan
from worldmill.taxonomy import load_taxonomy

DEFAULT_CITIES = "Paris,Shanghai,Lagos,São Paulo"


class Tally:
    """Running numerators and denominators of the four figures."""

    def __init__(self) -> None:
        self.counts = {k: [0, 0] for k in ("named_kinds", "decor_kinds", "decor_seen", "named_items", "lead_framed")}

    def add(self, figure: str, hits: int, total: int) -> None:
        self.counts[figure][0] += hits
        self.counts[figure][1] += total

    def share(self, figure: str) -> float:
        hits, total = self.counts[figure]
        return hits / total if total else float("nan")


def _seen(visibility: Visibility) -> dict[str, int]:
    return {k.kind: k.visible for k in visibility.seen()}


def _class_seen(visibility: Visibility, class_name: str, *, decor: bool = False) -> bool:
    return any(k.class_name == class_name and k.decor == decor for k in visibility.seen())


def before(plan: ScenePlan, visibility: Visibility, tally: Tally, lead: str | None) -> None:
    """The draft prompt against the render along the unchecked path."""
    text = build_prompt(plan)
    seen = _seen(visibility)
    named = [d for d in plan.decor if counted(d.name, d.count) in text]
    claims = [(d.name in seen) for d in named]
    claims.append(_class_seen(visibility, "person"))  # every draft has a people sentence
    if any(s in text for _, options in TRAFFIC for s in options):
        claims.append(_class_seen(visibility, "vehicle"))
    if plan.landmark:
        claims.append(_class_seen(visibility, "landmark"))
    tally.add("named_kinds", sum(claims), len(claims))
    tally.add("decor_kinds", sum(d.name in seen for d in named), len(plan.decor))
    tally.add("decor_seen", sum(d.name in seen for d in plan.decor), len(plan.decor))
    tally.add("named_items", sum(min(d.count, seen.get(d.name, 0)) for d in named), sum(d.count for d in named))
    tally.add("lead_framed", int(lead is not None and visibility.subject_share(lead) >= SUBJECT_FRAME_SHARE), 1)


def after(plan: ScenePlan, visibility: Visibility, tally: Tally) -> None:
    """The final prompt against the render along the checked path."""
    written = write_prompt(plan, visibility)
    seen = _seen(visibility)
    tally.add("named_kinds", sum(k in seen for k in written.named), len(written.named))
    decor = {d.name for d in plan.decor}
    tally.add("decor_kinds", sum(k in seen for k in written.named if k in decor), len(plan.decor))
    tally.add("decor_seen", sum(k in seen for k in decor), len(plan.decor))
    claimed = {k.kind: k.visible for k in visibility.seen() if k.kind in written.named and k.kind in decor}
    tally.add("named_items", sum(min(n, seen.get(k, 0)) for k, n in claimed.items()), sum(claimed.values()))
    lead = visibility.lead
    tally.add("lead_framed", int(lead is not None and visibility.subject_share(lead) >= SUBJECT_FRAME_SHARE), 1)


def _unseen(plan: ScenePlan, visibility: Visibility, framing, city: str) -> list[str]:
    """One line per decor kind of the plan that the final render does not show."""
    peak = {k.kind: k.coverage_max for k in visibility.by_kind()}
    staged = {s.kind for s in framing.staged}
    shot = f"{city} {'in' if plan.indoor else 'out'} {plan.space!r} {plan.camera_motion} {plan.camera_height_m:.0f}m"
    seen = {k.kind for k in visibility.seen()}
    return [
        f"{d.name:24s} {d.semantic_class:14s} {d.placement:12s} x{d.count:<3d} peak {peak.get(d.name, 0.0):.4f}"
        f"{' staged' if d.name in staged else ''}  [{shot}, lead {framing.subject}]"
        for d in plan.decor
        if d.name not in seen
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cities", default=DEFAULT_CITIES)
    parser.add_argument("--samples", type=int, default=1, help="samples per cell")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--frames", type=int, default=24)
    parser.add_argument("--fps", type=int, default=12)
    parser.add_argument("--venues", default="", help="comma-separated venue ids (default: all)")
    parser.add_argument("--unseen", action="store_true", help="print the unseen decor kinds per venue")
    args = parser.parse_args()

    settings = RenderSettings(args.size, args.size, args.frames, args.fps)
    taxonomy = load_taxonomy()
    venues = [v.strip() for v in args.venues.split(",") if v.strip()] or None
    cells = taxonomy.cells([c.strip() for c in args.cities.split(",")], venues)
    warm_up()
    print(f"worldmill truth benchmark: {len(cells)} cells x {args.samples} samples at {args.size}², {args.frames} "
          f"frames, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    old, new = Tally(), Tally()
    plain_s = framed_s = render_s = 0.0
    checks = 0
    per_venue: dict[str, list[int]] = {}
    venue_decor: dict[str, Tally] = {}  # the plan-decor figure of each venue
    unseen: dict[str, list[str]] = {}
    for cell in cells:
        for index in range(args.samples):
            plan = sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)
            scene = build_scene(plan, taxonomy.classes)
            t0 = time.perf_counter()
            plain = camera_path(scene, plan, settings)
            t1 = time.perf_counter()
            shot_scene, framed, framing = framed_shot(scene, plan, settings)
            t2 = time.perf_counter()
            plain_s, framed_s, checks = plain_s + t1 - t0, framed_s + t2 - t1, checks + framing.checked
            candidates = subject_kinds(scene, aerial=camera_zone(scene, plan).kind == "aerial")
            old_vis = measure_visibility(scene, render(scene, plain, plan, settings, normals=False).instance)
            t3 = time.perf_counter()
            new_passes = render(shot_scene, framed, plan, settings, normals=False)
            render_s += time.perf_counter() - t3
            new_vis = measure_visibility(shot_scene, new_passes.instance, lead=framing.subject)
            before(plan, old_vis, old, candidates[0] if candidates else None)
            after(plan, new_vis, new)
            after(plan, new_vis, venue_decor.setdefault(cell.venue.id, Tally()))
            if args.unseen:
                unseen.setdefault(cell.venue.id, []).extend(_unseen(plan, new_vis, framing, cell.city.key))
            framed_ok = int(new_vis.subject_share() >= SUBJECT_FRAME_SHARE)
            per_venue.setdefault(cell.venue.id, [0, 0])
            per_venue[cell.venue.id][0] += framed_ok
            per_venue[cell.venue.id][1] += 1
    samples = len(cells) * args.samples
    if args.unseen:
        print(f"unseen decor kinds: {sum(map(len, unseen.values()))}")
        for venue, rows in sorted(unseen.items(), key=lambda kv: -len(kv[1])):
            print(f"  {venue} ({len(rows)}):")
            for row in rows:
                print(f"    {row}")
    print(f"{'figure':42s} {'before':>8s} {'after':>8s}  goal")
    goals = {"named_kinds": ">= 0.95", "decor_kinds": ">= 0.8", "decor_seen": "", "named_items": ">= 0.8",
             "lead_framed": "most"}  # fmt: skip
    labels = {"named_kinds": "named kinds visible", "decor_kinds": "plan decor kinds visible and named",
              "decor_seen": "plan decor kinds visible (named or not)", "named_items": "named items visible",
              "lead_framed": "lead subject >= 2 % in >= 80 % of frames"}  # fmt: skip
    for key, label in labels.items():
        print(f"{label:42s} {old.share(key):8.3f} {new.share(key):8.3f}  {goals[key]}")
    print("lead subject framed by venue: " + ", ".join(f"{v} {a}/{b}" for v, (a, b) in sorted(per_venue.items())))
    print("plan decor kinds visible and named by venue: "
          + ", ".join(f"{v} {t.share('decor_kinds'):.2f}" for v, t in sorted(venue_decor.items())))
    print(f"camera path: {1000 * plain_s / samples:.0f} ms unchecked, {1000 * framed_s / samples:.0f} ms checked "
          f"({checks / samples:.1f} check renders a sample), against {1000 * render_s / samples:.0f} ms for the "
          f"sample's own render at {args.size}²; indicative, shared machine")  # fmt: skip
    summary = {f"{k}_{when}": round(t.share(k), 3) for when, t in (("before", old), ("after", new)) for k in labels}
    summary["decor_kinds_after_by_venue"] = {v: round(t.share("decor_kinds"), 3) for v, t in sorted(venue_decor.items())}
    summary.update(samples=samples, size=args.size, frames=args.frames, load_avg=round(os.getloadavg()[0], 2),
                   checked_path_ms=round(1000 * framed_s / samples, 1), render_ms=round(1000 * render_s / samples, 1))  # fmt: skip
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
