"""Signs in the city's script: phrase table, sign faces drawn with real fonts (shaped, right to left), the
renderer's sign atlas, signs dressed into scenes, OCR legibility through render + H.264, and the quality
filter leaving scene text out."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from worldmill.prompts.signage import signage_table
from worldmill.signage import SignFace, draw_sign
from worldmill.signage.ocr import TESSERACT_LANGS, char_accuracy, tesseract_languages

needs_fonts = pytest.mark.skipif(
    not __import__("pathlib").Path("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf").is_file(),
    reason="Noto fonts are not installed (make install installs fonts-noto-core)",
)


def _needs_ocr(language: str):
    if TESSERACT_LANGS[language] not in tesseract_languages():
        pytest.skip(f"tesseract or its {TESSERACT_LANGS[language]} pack is absent (make install installs them)")


def test_phrase_table_has_sign_sections_for_every_script():
    table = signage_table()
    scripts = {e.script for e in table.values()}
    assert {
        "Latn",
        "Cyrl",
        "Grek",
        "Hans",
        "Hant",
        "Jpan",
        "Kore",
        "Arab",
        "Deva",
        "Beng",
        "Taml",
        "Thai",
        "Hebr",
    } <= scripts
    for code, entry in table.items():
        assert entry.species and entry.departments and entry.shops and entry.exhibits, code
        assert entry.transport is not None and "{n}" in entry.transport.platform, code
    assert table["ja"].destinations_for("JP")[0] == "大阪"
    assert table["fr"].destinations_for("XX") == []


def _ink_columns(image: np.ndarray, board) -> np.ndarray:
    ink = np.abs(image.astype(int) - np.asarray(board)).sum(axis=-1) > 200
    return np.flatnonzero(ink.any(axis=0))


def _centroid_x(image: np.ndarray, board) -> float:
    return float(_ink_columns(image, board).mean())


@needs_fonts
def test_hebrew_runs_right_to_left():
    """The first letter of a Hebrew word is drawn rightmost: without FriBiDi (raqm) it would be leftmost."""
    board = (18, 64, 140)
    word = draw_sign(SignFace("he", "Hebr", ("שלום",)), 256, 64)
    first = draw_sign(SignFace("he", "Hebr", ("ש",)), 256, 64)  # centred alone
    # match the first letter's glyph against the word: it must sit in the right half
    glyph = first[:, _ink_columns(first, board).min() : _ink_columns(first, board).max() + 1]
    score = cv2.matchTemplate(word, glyph, cv2.TM_SQDIFF)
    x = int(np.unravel_index(np.argmin(score), score.shape)[1])
    assert x + glyph.shape[1] / 2 > _centroid_x(word, board)


@needs_fonts
def test_arabic_letters_join_into_one_shaped_run():
    """Four beh in a row join into one connected stroke (their dots apart); unshaped they stay four glyphs."""
    board = (18, 64, 140)
    image = draw_sign(SignFace("ar", "Arab", ("ببببب",)), 512, 96)
    ink = (np.abs(image.astype(int) - np.asarray(board)).sum(axis=-1) > 200).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink)
    big = [s for s in stats[1:] if s[cv2.CC_STAT_AREA] > 0.2 * ink.sum()]
    assert len(big) == 1


@needs_fonts
def test_sign_atlas_holds_each_face_once_with_exact_mip_rectangles():
    from worldmill.render.atlas import ALIGN, LEVELS, build_sign_atlas

    spec = SignFace("zh", "Hans", ("动物园",)).to_spec()
    built = build_sign_atlas(["", spec, spec], np.array([[1, 1, 1], [2.0, 0.05, 0.5], [2.0, 0.05, 0.5]]))
    assert built.rects[0, 2] == 0 and (built.rects[1] == built.rects[2]).all()
    assert (built.rects[1] % ALIGN == 0).all() and built.levels == LEVELS
    assert built.fonts == ("Noto Sans CJK SC Bold (OFL-1.1)",)


@needs_fonts
def test_scenes_carry_signs_in_the_plan_language(tax):
    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.scenes import build_scene
    from worldmill.scenes.model import Scene

    cell = tax.cells(["Shanghai"], ["hospital"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 0, 0), sample_id(cell.key, 0, 0))
    plan = dataclasses.replace(plan, indoor=True, space="inpatient ward")
    scene = build_scene(plan, tax.classes)
    faces = [SignFace.from_spec(p.texture) for o in scene.objects for p in o.parts if p.texture]
    assert faces and all(f.language == plan.language for f in faces)
    assert any(f.lines == (plan.signage_text,) for f in faces)  # the venue sign says what the prompt quotes
    assert any(f.lines[0] in signage_table()[plan.language].departments.values() for f in faces)
    again = Scene.from_json(scene.to_json())
    assert [p.texture for o in again.objects for p in o.parts] == [p.texture for o in scene.objects for p in o.parts]


@pytest.fixture(scope="module")
def tax():
    from worldmill.taxonomy import load_taxonomy

    return load_taxonomy()


@needs_fonts
@pytest.mark.parametrize("language", ["fr", "zh", "ar"])
def test_sign_text_reads_back_through_render_and_h264_at_512(language):
    """A sign facing the camera with a 16 px em at 512², rendered and H.264-encoded, reads back at >= 0.8."""
    _needs_ocr(language)
    from worldmill.signage.legibility import measure, sample_text

    reading = measure(language, sample_text(language), 16.0, 512)
    assert reading.accuracy >= 0.8, reading


def test_char_accuracy_ignores_spacing_and_counts_edits():
    assert char_accuracy("动物园 · 入口", "动物园入口") == 1.0
    assert char_accuracy("Sortie", "Sorte") == pytest.approx(5 / 6)
    assert char_accuracy("abc", "") == 0.0


def test_overlay_text_leaves_scene_signs_out():
    """A static shot of a board full of text: an overlay unless the sign's mask says it belongs to the scene."""
    from worldmill.metrics import quality as q

    rng = np.random.default_rng(0)
    frames = np.repeat(rng.integers(60, 90, (1, 128, 128, 3), dtype=np.uint8), 12, axis=0)
    for frame in frames:
        cv2.rectangle(frame, (4, 40), (124, 90), (10, 10, 12), -1)
        cv2.putText(frame, "DEPARTURES 10:15", (8, 60), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 190, 40), 1)
        cv2.putText(frame, "LYON 3 MARSEILLE", (8, 80), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 190, 40), 1)
    gray = q.luma(frames)
    sign = np.zeros((12, 128, 128), dtype=bool)
    sign[:, 40:91, 4:125] = True
    assert q.overlay_text(gray) > q.QualityThresholds().max_overlay_text
    assert q.overlay_text(gray, scene_text=sign) == 0.0


@needs_fonts
def test_conditions_record_the_fonts_of_the_signs_the_clip_shows(tax, tmp_path):
    """The clip that films a sign records its font and licence; an instance pass without signs records none."""
    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.render.atlas import shown_sign_fonts
    from worldmill.render.pool import render_sample
    from worldmill.schemas.plan import RenderSettings

    cell = tax.cells(["Shanghai"], ["hospital"])[0]
    plan = sample_plan(cell, seed_for(cell.key, 0, 0), sample_id(cell.key, 0, 0))
    result = render_sample(plan, RenderSettings(64, 64, 4, 24), tmp_path / "s", tax.classes)
    from worldmill.scenes import build_scene
    from worldmill.scenes.visibility import measure_visibility

    scene = build_scene(plan, tax.classes)
    signs = [o.instance_id for o in scene.objects if any(p.texture for p in o.parts)]
    shown = np.full((4, 8, 8), signs[0], dtype=np.int32)
    assert shown_sign_fonts(scene, measure_visibility(scene, shown)) == ("Noto Sans CJK SC Bold (OFL-1.1)",)
    assert shown_sign_fonts(scene, measure_visibility(scene, np.zeros((4, 8, 8), dtype=np.int32))) == ()
    assert set(result.sign_fonts) <= {"Noto Sans CJK SC Bold (OFL-1.1)", "Noto Sans Bold (OFL-1.1)"}


@needs_fonts
def test_a_static_shot_of_a_departures_board_is_not_overlaid_text(tmp_path):
    """Rendered and encoded like footage, a still departures board looks like an overlay to the text measure;
    with the sample's segmentation (seg.mp4) the board is scene text and the clip passes."""
    from worldmill import video
    from worldmill.metrics.quality import QualityThresholds, measure_quality
    from worldmill.metrics.score import scene_text_mask
    from worldmill.signage.legibility import sign_frames
    from worldmill.taxonomy.classes import SemanticClasses

    board = SignFace(
        "fr", "Latn", ("Départs",), layout="board", board=(12, 12, 14), ink=(255, 186, 40),
        rows=(("10:15", "Lyon", "3"), ("10:42", "Marseille", "12"), ("11:05", "Lille", "7")),
    )  # fmt: skip
    frames, mask, _ = sign_frames(board, 28.0, 256, dolly_m_s=0.0, frames=24)  # the board fills the frame
    classes = SemanticClasses.load()
    seg = np.where(mask, classes.id("signage"), classes.id("wall")).astype(np.uint8)
    video.write_rgb(tmp_path / "seg.mp4", np.repeat(classes.colorize(seg)[None], len(frames), axis=0), 24, crf=12)
    limit = QualityThresholds().max_overlay_text
    assert measure_quality(frames, 24).overlay_text > limit
    assert measure_quality(frames, 24, scene_text=scene_text_mask(tmp_path)).overlay_text <= limit
