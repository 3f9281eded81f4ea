"""Staging screens every spot of a key frame at once and tries only those that may pass: on real plans of several
archetypes it takes exactly the spot that trying every spot one by one (the reference) takes, and it never
rejects a spot that the one-by-one tests accept."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.render.framing import STAGING_COVERAGE, framed_camera_path
from worldmill.scenes import build_scene, staging
from worldmill.scenes.layout import parts_box
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy import load_taxonomy

SETTINGS = RenderSettings(width=128, height=128, frames=24, fps=12)
CITIES = ("Paris", "Lima")
VENUES = ("hospital", "zoo", "museum", "stadium", "amusement_park", "street_market")


@pytest.fixture(scope="module")
def tax():
    return load_taxonomy()


@functools.cache
def _staging_calls(tax, venue: str):
    """The ``_spot`` calls that staging makes for the first ground or interior plans of ``venue`` (a few cities)
    whose checked path misses a decor kind (two instances of each kind it misses)."""
    calls = []
    for city in CITIES:
        cell = tax.cells([city], [venue])[0]
        for index in range(2):
            plan = sample_plan(cell, seed_for(cell.key, 1, index), sample_id(cell.key, 1, index), 1)
            scene = build_scene(plan, tax.classes)
            path, framing = framed_camera_path(scene, plan, SETTINGS)
            unseen = [d.name for d in plan.decor if d.count and d.name not in framing.seen_kinds]
            if path.zone not in staging.MIN_DISTANCE_M or framing.subject is None or not unseen:
                continue
            parts = staging._parts(scene, path.frames / path.fps)
            pens = staging._pens(scene)
            shot = staging._Shot(scene, path, framing.subject)
            choices = {d.name: d for d in plan.decor}
            for kind in unseen:
                choice = choices[kind]
                if choice.semantic_class in staging.FIXED_CLASSES and choice.semantic_class != "animal":
                    continue
                for i in staging._instances(list(scene.objects), kind)[:2]:
                    mount = (
                        "pen" if pens and choice.semantic_class in staging.PEN_FURNITURE
                        else staging._mount(choice, plan.indoor)
                    )  # fmt: skip
                    calls.append((scene, parts, pens, shot, scene.objects[i], i, mount))
    return calls


@pytest.mark.parametrize("venue", VENUES)
def test_the_screened_search_takes_the_spot_of_the_one_by_one_search(tax, venue):
    calls = _staging_calls(tax, venue)
    assert calls, f"no {venue} plan misses a decor kind"
    found = 0
    for scene, parts, pens, shot, obj, index, mount in calls:
        taken = []
        for target in STAGING_COVERAGE:
            fast = staging._spot(scene, parts, pens, shot, obj, index, mount, taken, target)
            slow = staging._spot(scene, parts, pens, shot, obj, index, mount, taken, target, screened=False)
            assert (fast is None) == (slow is None)
            if fast is not None:
                assert fast[1] == slow[1]
                assert fast[0] == slow[0]  # the same object, moved to the same place, to the bit
                found += 1
                taken = [np.asarray(parts_box(fast[0].parts))]  # the next try must keep clear of it
    assert found, f"staging found no spot in any {venue} plan"


@pytest.mark.parametrize("venue", ("hospital", "zoo", "museum"))
def test_the_screen_rejects_only_spots_that_fail_one_by_one(tax, venue):
    rejected = tried = 0
    for scene, parts, pens, shot, obj, index, mount in _staging_calls(tax, venue)[:6]:
        main_yaw = max(obj.parts, key=lambda p: p.size[0] * p.size[1] * p.size[2]).yaw_deg
        old = np.asarray(parts_box(obj.parts))
        search = staging._Search(scene, parts, pens, shot, obj, index, [], old, staging._local_extent(obj), main_yaw)
        how = "floor" if mount == "against_wall" else mount
        grid = [(c, r) for c in staging.COLUMNS for r in staging.ROWS[how]]
        frames = (0, shot.path.frames // 2)
        for f, cover in zip(frames, staging._screen(search, how, frames, grid), strict=True):
            for (column, row), bound in zip(grid, cover, strict=True):
                tried += 1
                spot = staging._place(scene, parts, old, search.extent, how, shot.eyes[f], shot.ray(f, column, row))
                one = spot and staging._try(search, how, spot, staging.LEAST_COVERAGE)
                rejected += bound == -np.inf
                if one:  # accepted one by one: the screen let it through, with a cover no lower than its own
                    assert bound >= one[0] - 1e-9, (column, row, bound, one[0])
    assert tried and rejected > tried / 2  # the screen does its job: most spots never reach the one-by-one tests
