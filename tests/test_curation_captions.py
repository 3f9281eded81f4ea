"""Exact captions from a real plan, scene graph and camera path, with visibility from the instance video."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from conftest_lake import clip_row

from worldmill.curation.captions import caption, caption_clips, caption_sample_dir, load_local_vlm, plural
from worldmill.errors import WeightsNotFoundError
from worldmill.lake import LocalBlobStore
from worldmill.prompts import sample_id, sample_plan, seed_for
from worldmill.scenes import build_scene, camera_path
from worldmill.scenes.visibility import measure_visibility, sign_words
from worldmill.schemas.plan import RenderSettings
from worldmill.taxonomy import load_taxonomy
from worldmill.video import write_gray16

SETTINGS = RenderSettings(width=64, height=64, frames=12, fps=24)


@pytest.fixture(scope="module")
def sample():
    tax = load_taxonomy()
    cell = tax.cells(["Shanghai"], ["hospital"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 0, 1), sample_id(cell.key, 0, 1))
    scene = build_scene(plan, tax.classes)
    return plan, scene, camera_path(scene, plan, SETTINGS)


def instance_video(scene, visible: dict[int, tuple[slice, slice]]) -> np.ndarray:
    """Instance ids [T, H, W]: each given object index painted into its (rows, cols) region."""
    ids = np.zeros((SETTINGS.frames, SETTINGS.height, SETTINGS.width), np.uint16)
    for index, (rows, cols) in visible.items():
        ids[:, rows, cols] = scene.objects[index].instance_id
    return ids


def test_caption_names_place_camera_light_and_every_visible_object(sample):
    plan, scene, camera = sample
    signs = [i for i, o in enumerate(scene.objects) if o.class_name == "signage"]
    label = scene.objects[0].label
    same = [i for i, o in enumerate(scene.objects) if o.label == label and o.decor is None][:3]
    regions = {i: (slice(8 * n, 8 * n + 4), slice(0, 64)) for n, i in enumerate(same + signs[:1])}
    text = caption(plan, scene, camera, measure_visibility(scene, instance_video(scene, regions)))
    assert text.startswith(f"Interior {plan.camera_motion} shot of the {plan.space} of a hospital in Shanghai, China.")
    assert f"{plan.season} day" in text and plan.colour_grade in text
    words = sign_words(scene.objects[signs[0]]) if signs else ""
    assert (f"\u201c{words}\u201d" in text) == bool(words)  # a seen sign is quoted in its own words
    assert "Indoors " in text  # the Shanghai hospital sample is an interior
    assert "field of view" in text and f"for {SETTINGS.frames / SETTINGS.fps:.1f} s" in text
    assert plural(label, len(same)) in text  # the count of visible instances, not of the scene's


def test_caption_without_visible_signs_does_not_quote_them(sample):
    plan, scene, camera = sample
    text = caption(plan, scene, camera, measure_visibility(scene, instance_video(scene, {0: (slice(0, 64), slice(0, 64))})))
    assert plan.signage_text not in text


def test_caption_lists_only_visible_objects_and_where_they_are(sample):
    plan, scene, camera = sample
    salient = next(i for i, o in enumerate(scene.objects) if o.salient)
    hidden = next(i for i, o in enumerate(scene.objects) if o.label != scene.objects[salient].label)
    ids = instance_video(scene, {salient: (slice(44, 64), slice(0, 20))})  # lower left
    ids[:, 0, :20] = scene.objects[hidden].instance_id  # 20 pixels (0.49 %) a frame: below the visibility rule
    text = caption(plan, scene, camera, measure_visibility(scene, ids))
    label = scene.objects[salient].label
    assert f"In view: a {label}." in text or f"In view: an {label}." in text
    assert f"{label} is in the lower left of the frame" in text
    assert scene.objects[hidden].label not in text.split("In view:")[1].split(".")[0]


def test_camera_sentence_follows_the_poses(sample):
    plan, scene, camera = sample
    still = dataclasses.replace(camera, motion="static", camera_to_world=np.repeat(camera.camera_to_world[:1], 12, axis=0))
    text = caption(plan, scene, still, measure_visibility(scene, instance_video(scene, {})))
    assert "The camera holds still at about" in text and " over " not in text.split("The camera")[1].split(".")[0]


def test_plurals():
    assert plural("hospital bed", 3) == "3 hospital beds"
    assert plural("bench", 2) == "2 benches"
    assert plural("person", 4) == "4 people"
    assert plural("information screen", 1) == "an information screen"
    assert plural("balcony", 2) == "2 balconies"


def test_caption_clips_reads_the_sample_dir_and_reports_missing_files(sample, tmp_path):
    plan, scene, camera = sample
    blobs = LocalBlobStore(tmp_path / "footage")
    good, broken = clip_row(0), clip_row(1)
    for clip in (good, broken):
        folder = blobs.path(f"{clip.venue}/{clip.city_key}/{clip.sample_id}")
        folder.mkdir(parents=True)
        (folder / "plan.json").write_text(plan.to_json())
        (folder / "scene.json").write_text(scene.to_json())
        (folder / "camera.json").write_text(camera.to_json())
        write_gray16(folder / "instance.mkv", instance_video(scene, {0: (slice(0, 32), slice(0, 64))}))
    (blobs.path(f"{broken.venue}/{broken.city_key}/{broken.sample_id}") / "camera.json").unlink()
    clips = [dataclasses.replace(c, rgb_path=f"{c.venue}/{c.city_key}/{c.sample_id}/procedural/rgb.mp4") for c in (good, broken)]

    rows, failed = caption_clips(clips, blobs)
    assert [r.clip_id for r in rows] == [good.clip_id]
    assert "camera.json" in failed[broken.clip_id] and "missing" in failed[broken.clip_id]
    row = rows[0]
    assert row.caption == caption_sample_dir(blobs.path(f"{good.venue}/{good.city_key}/{good.sample_id}"))
    assert row.word_count == len(row.caption.split()) and row.source == "scene_graph"
    assert row.model_caption is None and "no local vision-language model" in row.model_caption_reason
    assert json.loads((blobs.path(f"{good.venue}/{good.city_key}/{good.sample_id}") / "plan.json").read_text())["city_name"] in row.caption


def test_a_configured_vlm_adds_a_model_caption(sample, tmp_path):
    from conftest_curation import panning_clip

    from worldmill.video import write_rgb

    plan, scene, camera = sample
    blobs = LocalBlobStore(tmp_path / "footage")
    clip = clip_row(0)
    folder = blobs.path(f"{clip.venue}/{clip.city_key}/{clip.sample_id}")
    for name, text in (("plan.json", plan.to_json()), ("scene.json", scene.to_json()), ("camera.json", camera.to_json())):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    (folder / "visibility.json").write_text(measure_visibility(scene, instance_video(scene, {})).to_json())
    write_rgb(folder / "procedural" / "rgb.mp4", panning_clip(0, frames=6), fps=24)
    clip = dataclasses.replace(clip, rgb_path=f"{clip.venue}/{clip.city_key}/{clip.sample_id}/procedural/rgb.mp4")
    rows, failed = caption_clips([clip], blobs, vlm=lambda frames: f"a clip of {len(frames)} frames")
    assert not failed and rows[0].model_caption == "a clip of 6 frames" and rows[0].model_caption_reason is None


def test_a_missing_vlm_checkpoint_is_an_error_not_a_download(tmp_path):
    with pytest.raises(WeightsNotFoundError, match="config.json"):
        load_local_vlm(tmp_path / "qwen-vl")
