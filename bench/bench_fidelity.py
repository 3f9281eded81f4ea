"""Fidelity of the procedural footage over real plans of every archetype: share of near-flat pixels (before
any encoding) over every sampled plan of each venue (``flat_share_plans``; the headline ``flat_share_mean``
averages the venues) and on the plan its contact sheet shows (``flat_share``), distinct instances and library
triangles per frame, render ms per frame; writes a contact sheet per venue to out/. Prints figures and ends
with one JSON line. Timings on a shared machine are indicative only."""

from __future__ import annotations

import argparse
import json
import pathlib
import time

import numpy as np

FLAT = 1.0 / 255.0  # a pixel is flat when its luma steps to both neighbours stay under one grey level
CITIES = ("Shanghai", "Lagos", "São Paulo", "Paris")  # the demo's cities
OUTDOOR_FIRST = {"zoo", "amusement_park", "downtown"}  # sheets show these venues' open-air plans when sampled
VENUES = ("zoo", "hospital", "museum", "amusement_park", "railway_station", "downtown", "aquarium", "stadium")


def flat_share(rgb: np.ndarray) -> float:
    luma = rgb.astype(np.float32) @ np.array([0.2126, 0.7152, 0.0722], np.float32) / 255.0
    gx = np.abs(np.diff(luma, axis=2))[:, :-1, :]
    gy = np.abs(np.diff(luma, axis=1))[:, :, :-1]
    return float(((gx < FLAT) & (gy < FLAT)).mean())


def _shot(plan, classes, settings):
    """(scene, camera path) as the job makes them (``job_shot``: checked path, missed decor staged, walkers)."""
    from worldmill.render.framing import job_shot

    scene, path, _ = job_shot(plan, classes, settings)
    return scene, path


def _library_share(plan, classes) -> float:
    """Share of a small preview's pixels on library meshes (animals, vehicles, rides; people and trees weigh 0.3)."""
    from worldmill.render import render
    from worldmill.schemas.plan import RenderSettings

    preview = RenderSettings(width=64, height=64, frames=4, fps=24)
    scene, path = _shot(plan, classes, preview)
    # people and trees count for less: every venue has them, the sheet should show what the venue has besides
    weight = {
        o.instance_id: (0.3 if o.class_name in ("person", "vegetation") else 1.0)
        for o in scene.objects
        if any(p.shape == "mesh" for p in o.parts)
    }
    instance = render(scene, path, plan, preview, normals=False).instance
    ids, counts = np.unique(instance, return_counts=True)
    return float(sum(weight.get(int(i), 0.0) * c for i, c in zip(ids, counts, strict=True)) / instance.size)


def _plan_flat_share(plan, classes, size: int, frames: int = 12) -> float:
    """Flat share of one plan's clip as the job renders it (checked path, walkers), on a few frames."""
    from worldmill.render import render
    from worldmill.schemas.plan import RenderSettings

    settings = RenderSettings(width=size, height=size, frames=frames, fps=24)
    scene, path = _shot(plan, classes, settings)
    return flat_share(render(scene, path, plan, settings, normals=False).rgb)


GALLERY = (
    ("giraffe:0", "zebra:1", "elephant:0", "lion:0", "tiger:1"),
    ("flamingo:0", "penguin:0", "gorilla:0", "bear:0", "seal:0"),
    (
        "person_walk:0:summer",
        "person_walk:5:winter",
        "person_stand:3:mild",
        "person_walk:9:summer",
        "person_sit:2:mild",
    ),
    ("tree_broadleaf:0:summer", "tree_conifer:1", "tree_palm:0", "tree_broadleaf:2:autumn", "shrub:1"),
    ("car:0", "car:1:taxi", "bus:0", "bus:1:tram", "car:3"),
)


def gallery(classes, out: pathlib.Path, size: int = 256) -> None:
    """One row per family of the library, each model in its own frame at mid-cycle: out/gallery.png."""
    import cv2

    from worldmill import library
    from worldmill.prompts import sample_id, sample_plan, seed_for  # noqa: F401 - plan fields come from a real plan
    from worldmill.render import render
    from worldmill.scenes import CameraPath, CameraZone, Primitive, Scene, SceneObject, look_at
    from worldmill.schemas.plan import RenderSettings

    rows = []
    fx = size / 2 / np.tan(np.radians(25.0))
    plan = None
    for keys in GALLERY:
        tiles = []
        for key in keys:
            lo, hi = library.bounds(key)
            ext = hi - lo
            centre = (lo + hi) / 2
            a = library.asset(key)
            rate = len(a.poses) / a.cycle_s if a.cycle_s else 0.0
            prim = Primitive(
                "mesh", tuple(centre), tuple(ext), (1.0, 1.0, 1.0), yaw_deg=-55.0, mesh=key, pose_rate=rate
            )
            obj = SceneObject(1, classes.id("animal"), "animal", key, (prim,))
            reach = float(np.linalg.norm(ext)) * 1.1 + 1.0
            eye = np.array([0.0, -reach, max(1.2, centre[2] + 0.25 * reach)])
            zone = CameraZone("ground", tuple(eye - 0.5), tuple(eye + 0.5), (0.0, 1.0))
            scene = Scene(
                "gallery-1__open_air__r00001-000",
                1,
                "open_air",
                "park",
                False,
                "right",
                (obj,),
                classes.id("ground"),
                tuple(centre),
                (zone,),
            )
            if plan is None:
                from worldmill.schemas.plan import ScenePlan  # noqa: F401

                plan = _gallery_plan()
            eyes = np.tile(eye, (2, 1))
            path = CameraPath(
                "static", "ground", size, size, fx, fx, size / 2, size / 2, 24, look_at(eyes, np.tile(centre, (2, 1)))
            )
            passes = render(scene, path, plan, RenderSettings(width=size, height=size, frames=2, fps=24))
            tiles.append(passes.rgb[0])
        rows.append(np.concatenate(tiles, axis=1))
    cv2.imwrite(str(out / "gallery.png"), cv2.cvtColor(np.concatenate(rows, axis=0), cv2.COLOR_RGB2BGR))


def _gallery_plan():
    """A clear late-morning plan for the gallery's lighting (its other fields do not matter to the render)."""
    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    cell = taxonomy.cells(cities=["Paris"], venues=["zoo"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 0, 0), sample_id(cell.key, 0, 0))
    import dataclasses

    return dataclasses.replace(
        plan,
        time_of_day="morning",
        sun_elevation_deg=40.0,
        sun_azimuth_deg=140.0,
        weather="clear",
        colour_grade="natural",
        indoor=False,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--frames", type=int, default=24)
    ap.add_argument("--out", default="out")
    ap.add_argument("--samples", type=int, default=3, help="plans sampled per venue (the sheet takes one)")
    ap.add_argument(
        "--first-plan",
        dest="pick_subjects",
        action="store_false",
        help="measure each venue's first plan instead of the one showing most library subjects",
    )
    args = ap.parse_args()
    import cv2

    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.render import kernels, render
    from worldmill.render.raycast import _warp, mesh_struct, primitive_arrays
    from worldmill.schemas.plan import RenderSettings
    from worldmill.taxonomy import load_taxonomy

    taxonomy = load_taxonomy()
    settings = RenderSettings(width=args.size, height=args.size, frames=args.frames, fps=24)
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for venue in VENUES:
        cells = taxonomy.cells(cities=list(CITIES), venues=[venue]) or taxonomy.cells(venues=[venue])[:1]
        if not cells:
            continue
        plans = [
            sample_plan(cell, seed_for(cell.key, 0, i), sample_id(cell.key, 0, i))
            for cell in cells
            for i in range(args.samples)
        ]
        every_plan = [_plan_flat_share(p, taxonomy.classes, args.size) for p in plans]  # the venue's real mix
        outdoor = [p for p in plans if not p.indoor]
        if venue in OUTDOOR_FIRST and outdoor:
            plans = outdoor
        plan = max(plans, key=lambda p: _library_share(p, taxonomy.classes)) if args.pick_subjects else plans[0]
        t0 = time.perf_counter()
        scene, path = _shot(plan, taxonomy.classes, settings)
        shot_s = time.perf_counter() - t0
        render(scene, path, plan, settings, normals=False)  # warm: library meshes built once per process
        t0 = time.perf_counter()
        passes = render(scene, path, plan, settings, normals=False)
        ms = (time.perf_counter() - t0) * 1000 / settings.frames
        t0 = time.perf_counter()
        flat = render(scene, path, plan, settings, normals=False, textures=False)
        flat_ms = (time.perf_counter() - t0) * 1000 / settings.frames
        wp = _warp()
        arrays = primitive_arrays(scene, settings.frames / settings.fps)
        _, triangles = mesh_struct(
            kernels, wp, wp.get_device("cpu"), arrays, path, np.arange(settings.frames) / settings.fps
        )
        inst = float(np.mean([len(np.unique(f)) - 1 for f in passes.instance]))
        row = {
            "venue": venue,
            "archetype": plan.archetype,
            "flat_share_plans": round(float(np.mean(every_plan)), 3),
            "plans": len(every_plan),
            "flat_share": round(flat_share(passes.rgb), 3),
            "flat_share_untextured": round(flat_share(flat.rgb), 3),
            "instances_per_frame": round(inst, 1),
            "library_triangles": int(triangles),
            "render_ms_per_frame": round(ms, 1),
            "texture_ms_per_frame": round(ms - flat_ms, 1),  # materials, weathering (same render, flat colours)
            "shot_s": round(shot_s, 3),
        }
        rows.append(row)
        print(row)
        palette = np.random.default_rng(7).integers(40, 255, size=(256, 3), dtype=np.uint8)
        sheet = np.concatenate(
            [passes.rgb[0], passes.rgb[settings.frames // 2], passes.rgb[-1], palette[passes.seg[0]]], axis=1
        )
        cv2.imwrite(str(out / f"sheet_{venue}.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    gallery(taxonomy.classes, out)
    summary = {
        "flat_share_mean": round(float(np.mean([r["flat_share_plans"] for r in rows])), 3),
        "flat_share_sheet_mean": round(float(np.mean([r["flat_share"] for r in rows])), 3),
        "rows": rows,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
