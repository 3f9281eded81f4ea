"""Video screens and clocks show content: a picture of what the venue is about, a score, a clock face, or a
timetable on a station's departure board, never a flat board of colour blocks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from worldmill.signage import SignFace, draw_sign
from worldmill.signage.pictures import PICTURES

needs_fonts = pytest.mark.skipif(
    not __import__("pathlib").Path("/usr/share/fonts/truetype/noto/NotoSans-Bold.ttf").is_file(),
    reason="Noto fonts are not installed (make install installs fonts-noto-core)",
)


@pytest.fixture(scope="module")
def tax():
    from worldmill.taxonomy import load_taxonomy

    return load_taxonomy()


def _scene(tax, city: str, venue: str, space: str, indoor: bool = True, holding: str = ""):
    """A scene of the first sampled plan of ``venue`` whose decor has ``holding``, set in ``space``."""
    from worldmill.prompts import sample_id, sample_plan, seed_for
    from worldmill.scenes import build_scene

    cell = tax.cells([city], [venue])[0]
    plans = (sample_plan(cell, seed_for(cell.key, 0, i), sample_id(cell.key, 0, i)) for i in range(40))
    plan = next(p for p in plans if not holding or any(d.name == holding for d in p.decor))
    plan = dataclasses.replace(plan, indoor=indoor, space=space)
    return plan, build_scene(plan, tax.classes)


def _faces(scene, label: str) -> list[SignFace]:
    return [SignFace.from_spec(p.texture) for o in scene.objects if o.label == label for p in o.parts if p.texture]


@needs_fonts
@pytest.mark.parametrize("kind", PICTURES)
def test_every_picture_draws_a_detailed_image(kind):
    subject = {"animal": "giraffe", "clock": "10:10", "scoreboard": "2 1 67"}.get(kind, "")
    face = SignFace("en", "Latn", (), layout="picture", picture=kind, seed=3, subject=subject)
    image = draw_sign(face, 192, 128)
    colours = len(np.unique(image.reshape(-1, 3), axis=0))
    assert image.shape == (128, 192, 3) and colours >= 4 and image.std() > 15
    assert np.array_equal(image, draw_sign(face, 192, 128))  # the same face always draws the same picture
    assert SignFace.from_spec(face.to_spec()) == face


def test_a_picture_face_names_a_known_picture():
    from worldmill.errors import RenderError

    with pytest.raises(RenderError):
        SignFace("en", "Latn", (), layout="picture", picture="mural")
    with pytest.raises(RenderError):
        SignFace("en", "Latn", ("x",), picture="fish")


@needs_fonts
def test_aquarium_video_screens_show_fish(tax):
    _, scene = _scene(tax, "Lima", "aquarium", "coral reef gallery", holding="video screen")
    faces = _faces(scene, "video screen")
    screens = [o for o in scene.objects if o.label == "video screen"]
    assert screens and len(faces) == len(screens)
    assert {f.picture for f in faces} == {"fish"} and all(f.text == "" for f in faces)


@needs_fonts
def test_stadium_screens_show_a_score_in_digits(tax):
    _, scene = _scene(tax, "Lima", "stadium", "main bowl", indoor=False)
    faces = _faces(scene, "scoreboard")
    assert faces and {f.picture for f in faces} == {"scoreboard"}
    assert all(f.text.replace(" ", "").isdigit() for f in faces)  # OCR reads back the score


@needs_fonts
def test_a_station_clock_has_a_face_and_its_board_a_timetable(tax):
    _, scene = _scene(tax, "Tokyo", "railway_station", "ticket hall", holding="hanging clock")
    clocks = _faces(scene, "hanging clock")
    assert clocks and all(f.picture == "clock" and ":" in f.subject for f in clocks)
    _, scene = _scene(tax, "Tokyo", "railway_station", "platform hall", holding="departure board")
    boards = _faces(scene, "departure board")
    assert boards and all(f.layout == "board" and len(f.rows) >= 3 and f.language == "ja" for f in boards)


@needs_fonts
def test_a_station_forecourt_is_paved_and_its_building_reads_as_a_station(tax):
    from worldmill.scenes.layout import parts_box

    _, scene = _scene(tax, "Tokyo", "railway_station", "station forecourt", indoor=False)
    station = next(o for o in scene.objects if o.class_name == "building" and o.salient)
    assert any(p.shape == "cylinder" and p.pattern == "glass" and p.pitch_deg == 90.0 for p in station.parts)  # shed
    front = parts_box(station.parts)[1]
    paving = next(o for o in scene.objects if o.label == "forecourt paving")
    x0, y0, _, x1, y1, _ = parts_box(paving.parts)
    assert y0 <= -6.0 and y1 >= front - 0.5 and x1 - x0 > 30.0  # from the promenade to the door
    clock = _faces(scene, "station clock")
    assert clock and clock[0].picture == "clock"


@needs_fonts
def test_a_zoo_house_window_shows_its_lit_enclosure(tax):
    _, scene = _scene(tax, "Lima", "zoo", "reptile house", holding="viewing window")
    windows = [o for o in scene.objects if o.label == "viewing window"]
    faces = _faces(scene, "viewing window")
    assert windows and len(faces) == len(windows)
    assert {(f.picture, f.subject) for f in faces} == {("habitat", "desert")}
    assert all(max(p.emissive for p in o.parts if p.texture) > 0.0 for o in windows)  # it reads at night
