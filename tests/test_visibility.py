"""What a clip shows, measured once from the instance pass, and the prompt and caption written from it: only
visible kinds are named, with the number of visible instances in words, by prominence, deterministically."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from conftest_scenes import make_plan

from worldmill.curation.captions import caption
from worldmill.prompts import build_prompt, write_prompt
from worldmill.prompts.text import counted
from worldmill.scenes import build_scene, camera_path
from worldmill.scenes.visibility import (
    VISIBLE_COVERAGE,
    Visibility,
    measure_visibility,
    object_kind,
    sign_words,
    visibility_rows,
)
from worldmill.schemas.plan import RenderSettings
from worldmill.schemas.records import PromptRow, utcnow
from worldmill.taxonomy.classes import SemanticClasses

SETTINGS = RenderSettings(width=64, height=64, frames=8, fps=24)
PIXELS = SETTINGS.width * SETTINGS.height
STYLE = "chinese_contemporary"  # a packaged architecture style (the hand-built plans name none)


@pytest.fixture(scope="module")
def zoo():
    plan = make_plan("zoo", seed=11, people_density=0.6, vehicle_density=0.0, architecture_style=STYLE)
    scene = build_scene(plan, SemanticClasses.load())
    return plan, scene


def paint(scene, shown: dict[int, int], frames: int = SETTINGS.frames) -> np.ndarray:
    """Instance video [T, 64, 64]: object index -> pixels it covers in frame 0 (and no other frame)."""
    ids = np.zeros((frames, SETTINGS.height, SETTINGS.width), np.int32)
    flat = ids[0].reshape(-1)
    start = 0
    for index, pixels in shown.items():
        flat[start : start + pixels] = scene.objects[index].instance_id
        start += pixels
    return ids


def indices(scene, kind: str) -> list[int]:
    return [i for i, o in enumerate(scene.objects) if object_kind(o) == kind]


def prompt_row(plan) -> PromptRow:
    text = build_prompt(plan)
    return PromptRow(
        sample_id=plan.sample_id, cell_key=plan.cell_key, city_key=plan.city_key, venue=plan.venue, round=1, index=0,
        seed=plan.seed, prompt=text, word_count=len(text.split()), camera_motion=plan.camera_motion,
        time_of_day=plan.time_of_day, weather=plan.weather, season=plan.season, plan_json=plan.to_json(),
        prompt_sha256="", created_at=utcnow(),
    )  # fmt: skip


def test_one_rule_half_a_percent_in_at_least_one_frame(zoo):
    _, scene = zoo
    giraffes = indices(scene, "giraffe")
    at_rule = int(np.ceil(VISIBLE_COVERAGE * PIXELS))
    vis = measure_visibility(scene, paint(scene, {giraffes[0]: at_rule, giraffes[1]: at_rule - 1}))
    (giraffe,) = [k for k in vis.by_kind() if k.kind == "giraffe"]
    assert giraffe.visible == 1 and giraffe.instance_ids == (scene.objects[giraffes[0]].instance_id,)
    assert giraffe.planned == len(giraffes) and giraffe.frames_visible == 1
    assert giraffe.coverage_max == pytest.approx((2 * at_rule - 1) / PIXELS)
    assert vis.coverage.shape == (SETTINGS.frames, 2)  # instances with pixels only


def test_measurement_round_trips_through_json(zoo):
    _, scene = zoo
    vis = measure_visibility(scene, paint(scene, {3: 200, 5: 40}), lead="giraffe")
    again = Visibility.from_json(vis.to_json())
    assert again.by_kind() == vis.by_kind() and again.lead == "giraffe"
    assert np.allclose(again.coverage, vis.coverage, atol=1e-6)


def test_prompt_names_only_visible_kinds_with_visible_counts_by_prominence(zoo):
    plan, scene = zoo
    giraffes, zebras, kiosks = indices(scene, "giraffe"), indices(scene, "zebra"), indices(scene, "kiosk")
    assert len(giraffes) == 3 and len(zebras) == 5 and kiosks  # planned
    shown = {zebras[0]: 300, zebras[1]: 300, giraffes[0]: 100, giraffes[1]: 90}  # zebras most prominent
    vis = measure_visibility(scene, paint(scene, shown))
    written = write_prompt(plan, vis)
    text = written.text
    assert "two zebras" in text and "two giraffes" in text
    assert text.index("two zebras") < text.index("two giraffes")  # prominence order
    for hidden in ("kiosk", "acacia", "three giraffes", "five zebras"):
        assert hidden not in text
    assert written.named == ("zebra", "giraffe")
    assert not re.search(r"\b(visitors|families|crowds?)\b", text)  # no person is visible
    assert plan.signage_text not in text  # no sign is visible
    assert 100 <= len(text.split()) <= 150
    assert text == build_prompt(plan, measure_visibility(scene, paint(scene, shown)))  # deterministic


def test_people_are_counted_one_instance_each(zoo):
    plan, scene = zoo
    people = [i for i, o in enumerate(scene.objects) if o.class_name == "person" and o.decor is None]
    assert len(people) >= 14
    text = build_prompt(plan, measure_visibility(scene, paint(scene, dict.fromkeys(people[:3], 30))))
    assert "three visitors" in text.lower()
    crowd = build_prompt(plan, measure_visibility(scene, paint(scene, dict.fromkeys(people[:14], 30))))
    assert "more than a dozen visitors" in crowd.lower()


def test_counts_in_words():
    assert counted("giraffe", 1) == "a giraffe" and counted("elephant", 1) == "an elephant"
    assert counted("flamingo", 12) == "twelve flamingos"
    assert counted("flamingo", 13) == "more than a dozen flamingos" and counted("flamingo", 30) == "dozens of flamingos"


def test_nothing_seen_still_gives_a_cosmos_style_prompt(zoo):
    plan, scene = zoo
    written = write_prompt(plan, measure_visibility(scene, paint(scene, {})))
    assert written.named == () and 100 <= len(written.text.split()) <= 150
    assert plan.city_name in written.text and plan.space in written.text
    for choice in plan.decor:
        assert choice.name not in written.text


def test_caption_reads_the_same_measurement(zoo):
    plan, scene = zoo
    path = camera_path(scene, plan, SETTINGS)
    giraffes = indices(scene, "giraffe")
    vis = measure_visibility(scene, paint(scene, {giraffes[0]: 300, giraffes[1]: 300, indices(scene, "kiosk")[0]: 10}))
    text = caption(plan, scene, path, vis)
    assert re.search(r"In view: 2 giraffes( \(moving\))?\.", text) and "kiosk" not in text  # library animals roam


def test_visibility_rows_say_planned_seen_and_named(zoo):
    plan, scene = zoo
    giraffes = indices(scene, "giraffe")
    vis = measure_visibility(scene, paint(scene, {giraffes[0]: 300}), lead="giraffe")
    rows = visibility_rows(vis, prompt_row(plan), named=write_prompt(plan, vis).named, created_at=utcnow())
    by_kind = {r.kind: r for r in rows}
    assert by_kind["giraffe"].visible == 1 and by_kind["giraffe"].named and by_kind["giraffe"].lead
    assert by_kind["giraffe"].prominence_rank == 1
    assert by_kind["zebra"].planned == 5 and by_kind["zebra"].visible == 0 and not by_kind["zebra"].named


# -- rendered: a subject hidden behind a wall is re-planned away from, and not named -------------------------


def walled_scene(classes: SemanticClasses, *, kiosk: bool):
    """A walkway along x; a giraffe north of it behind a wall that hides it from everywhere on the walkway;
    optionally a kiosk south of it in plain view."""
    from worldmill.scenes import CameraZone, Primitive, Scene, SceneObject

    def thing(iid, cls, label, center, size, decor=None, color=(0.6, 0.5, 0.3)):
        return SceneObject(iid, classes.id(cls), cls, label, (Primitive("box", center, size, color),), decor=decor,
                           salient=decor is not None)  # fmt: skip

    objects = [
        thing(1, "animal", "giraffe", (0.0, 12.0, 2.5), (2.0, 2.0, 5.0), decor="giraffe"),
        thing(2, "wall", "wall", (0.0, 7.0, 4.0), (80.0, 0.4, 8.0), color=(0.5, 0.5, 0.5)),
    ]
    if kiosk:
        objects.append(thing(3, "stall", "kiosk", (0.0, -9.0, 1.5), (3.0, 2.0, 3.0), decor="kiosk"))
    zone = CameraZone("ground", (-20.0, -2.0, 0.0), (20.0, 2.0, 3.0), (1.0, 0.0))
    return Scene("testville-1__open_air__r00001-001", 1, "open_air", "open_air", False, "right", tuple(objects),
                 classes.id("ground"), (0.0, 0.0, 1.5), (zone,))  # fmt: skip


def walled_plan():
    from worldmill.schemas.plan import DecorChoice

    decor = (
        DecorChoice("giraffe", "animal", 1, (2, 5, 2), (2, 5, 2), "floor"),
        DecorChoice("kiosk", "stall", 1, (3, 3, 2), (3, 3, 2), "floor"),
    )
    return make_plan("open_air", seed=1, camera_motion="static", camera_height_m=1.6, decor=decor,
                     architecture_style=STYLE, people_density=0.0, vehicle_density=0.0)  # fmt: skip


@pytest.mark.parametrize("kiosk", [True, False])
def test_a_subject_hidden_behind_a_wall_is_replanned_or_not_named(kiosk):
    from worldmill.render import render
    from worldmill.render.framing import SUBJECTS_TRIED, VARIANTS_TRIED, framed_camera_path

    classes = SemanticClasses.load()
    scene, plan = walled_scene(classes, kiosk=kiosk), walled_plan()
    path, framing = framed_camera_path(scene, plan, SETTINGS)
    passes = render(scene, path, plan, SETTINGS, normals=False)
    vis = measure_visibility(scene, passes.instance, lead=framing.subject)
    written = write_prompt(plan, vis)
    text = caption(plan, scene, path, vis)
    assert "giraffe" not in written.text and "giraffe" not in text  # never seen, never named
    if kiosk:  # the giraffe's paths all fail the check; the path is re-planned around the kiosk, which reads
        assert framing.subject == "kiosk" and framing.checked == SUBJECTS_TRIED * VARIANTS_TRIED + 1
        assert framing.share >= 0.8 and framing.decor_seen == 1
        assert vis.subject_share() >= 0.8 and "a kiosk" in written.text and written.named == ("kiosk",)
    else:  # nothing else to show: the best failing path is kept, and the prompt names no decor
        assert framing.subject == "giraffe" and framing.share == 0.0 and framing.checked == VARIANTS_TRIED + 1
        assert written.named == ()


def test_same_cell_and_round_give_the_same_final_prompt(tmp_path):
    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.render import render_samples
    from worldmill.taxonomy import load_taxonomy

    cell = load_taxonomy().cells(["Lagos"], ["amusement_park"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 3, 0), sample_id(cell.key, 3, 0), 3)
    first, again = (render_samples([plan], SETTINGS, [tmp_path / name], workers=1)[0] for name in ("a", "b"))
    assert first.visibility.to_json() == again.visibility.to_json()
    assert write_prompt(plan, first.visibility) == write_prompt(plan, again.visibility)


def test_the_skyline_landmark_is_named_only_when_seen():
    from worldmill.prompts.text import LANDMARKS

    plan = make_plan("skyline", seed=3, architecture_style=STYLE)
    scene = build_scene(plan, SemanticClasses.load())
    (tower,) = [i for i, o in enumerate(scene.objects) if o.class_name == "landmark"]
    phrase = LANDMARKS[plan.landmark]
    shown = write_prompt(plan, measure_visibility(scene, paint(scene, {tower: 400})))
    hidden = write_prompt(plan, measure_visibility(scene, paint(scene, {tower: 10})))
    assert phrase in shown.text.lower() and scene.objects[tower].label in shown.named
    assert phrase not in hidden.text.lower() and not hidden.named


def test_a_single_item_takes_a_singular_verb(zoo):
    plan, scene = zoo
    for seed in range(12):  # the decor sentence is drawn per seed; every form must agree
        varied = dataclasses.replace(plan, seed=seed)
        text = build_prompt(varied, measure_visibility(scene, paint(scene, {indices(scene, "kiosk")[0]: 300})))
        assert "a kiosk" in text and not re.search(r"\bare an? ", text), text


def test_prompt_quotes_the_words_of_a_sign_it_shows_and_no_other(zoo):
    """The sign sentence quotes the most covered visible sign in its own words (not the plan's venue phrase),
    and is left out when no sign with words is visible; the measurement carries the words through its JSON."""
    plan, scene = zoo
    signs = [i for i, o in enumerate(scene.objects) if sign_words(o)]
    assert len({sign_words(scene.objects[i]) for i in signs}) >= 2  # panels and the venue's sign differ
    other = next(i for i in signs if sign_words(scene.objects[i]) != plan.signage_text)
    words = sign_words(scene.objects[other])
    giraffe = indices(scene, "giraffe")[0]
    vis = measure_visibility(scene, paint(scene, {giraffe: 200, other: 60}))
    assert vis.sign_text() == words == Visibility.from_json(vis.to_json()).sign_text()
    text = write_prompt(plan, vis).text
    assert f'"{words}"' in text and plan.signage_text not in text
    assert f"\u201c{words}\u201d" in caption(plan, scene, camera_path(scene, plan, SETTINGS), vis)
    hidden = measure_visibility(scene, paint(scene, {giraffe: 200, other: int(VISIBLE_COVERAGE * PIXELS) // 2}))
    assert hidden.sign_text() is None  # below the one rule: not quoted
    assert '"' not in write_prompt(plan, hidden).text
