"""Legibility of sign text as the footage shows it: one sign facing the camera, rendered by the ray caster
through the atlas, encoded to H.264 like the footage, decoded, cropped by the sign's instance mask and read
back with Tesseract. Used by ``bench/bench_signs.py`` and the tests."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path

import numpy as np

from worldmill.prompts.signage import signage_table
from worldmill.render.atlas import LINE_PX, _raster_size
from worldmill.signage.board import MARGIN, SignFace, _font
from worldmill.signage.fonts import font_for
from worldmill.signage.ocr import char_accuracy, read_text

SIGN_HEIGHT_M = 0.6
FRAMES = 6
FOV_DEG = 65.0


@dataclasses.dataclass(frozen=True)
class Reading:
    language: str
    script: str
    text: str
    read: str
    accuracy: float
    text_px: float  # the font's em on screen


def _plan(language: str, script: str):
    from worldmill.schemas.plan import ScenePlan

    return ScenePlan(
        sample_id="legibility", seed=1, cell_key="legibility", city_key="legibility", city_name="Legibility",
        country="", venue="museum", venue_name="Museum", archetype="open_air", space="forecourt", indoor=False,
        time_of_day="noon", sun_elevation_deg=50.0, sun_azimuth_deg=160.0, weather="clear", season="summer",
        camera_motion="dolly", camera_height_m=1.6, architecture_style="modern", driving_side="right",
        language=language, script=script, signage_text="", colour_grade="natural", people_density=0.0,
        vehicle_density=0.0, decor=(),
    )  # fmt: skip


def sign_frames(
    face: SignFace, text_px: float, size: int, *, dolly_m_s: float = 0.2, frames: int = FRAMES
) -> tuple[np.ndarray, np.ndarray, float]:
    """(decoded H.264 frames [T, H, W, 3], the sign's instance mask [H, W] in the first frame, em px on screen)
    for ``face`` on a board that shows its text with an em of about ``text_px`` pixels at ``size``²."""
    from worldmill import video
    from worldmill.render import H264_SETTINGS, render
    from worldmill.scenes.camera import CameraPath, look_at
    from worldmill.scenes.model import CameraZone, Primitive, Scene, SceneObject
    from worldmill.schemas.plan import RenderSettings

    font = _font(font_for(face.script, face.language), 100)
    length = font.getlength(face.lines[0], direction="rtl" if face.rtl else "ltr", language=face.language.split("_")[0])
    line_box = 1.0 - 2 * MARGIN - 0.12  # of the board height (draw_sign's label layout)
    em_of_board = 0.85 * line_box
    width_m = SIGN_HEIGHT_M * (em_of_board * length / 100 + 2 * MARGIN + 0.1)
    raster_h = _raster_size(face, width_m, SIGN_HEIGHT_M)[1]
    em_m = SIGN_HEIGHT_M * min(em_of_board, 0.85 * (LINE_PX * 1.3 - 2 * MARGIN * LINE_PX) / raster_h)
    fx = size / 2 / np.tan(np.radians(FOV_DEG) / 2)
    distance = fx * em_m / text_px
    board = Primitive(
        "box", (0.0, 0.0, 1.6), (width_m, 0.05, SIGN_HEIGHT_M), (0.1, 0.2, 0.4), texture=face.to_spec(), emissive=0.2
    )
    wall = Primitive("box", (0.0, -1.0, 2.0), (max(width_m * 3, 8.0), 0.2, 4.0), (0.6, 0.58, 0.55))
    scene = Scene(
        sample_id="legibility", seed=1, archetype="open_air", venue="museum", indoor=False, driving_side="right",
        objects=(SceneObject(1, 16, "signage", "sign", (board,)), SceneObject(2, 5, "wall", "wall", (wall,))),
        ground_class_id=1, focus=(0.0, 0.0, 1.6), zones=(CameraZone("ground", (-1, 1, 1), (1, 30, 3), (0.0, 1.0)),),
    )  # fmt: skip
    t = np.arange(frames) / 24.0
    eyes = np.stack([0.25 * dolly_m_s * t, distance - dolly_m_s * t, np.full_like(t, 1.6)], axis=1)  # towards it
    targets = np.tile([0.0, 0.0, 1.6], (frames, 1))
    path = CameraPath("dolly", "ground", size, size, fx, fx, size / 2, size / 2, 24, look_at(eyes, targets))
    settings = RenderSettings(width=size, height=size, frames=frames, fps=24)
    passes = render(scene, path, _plan(face.language, face.script), settings, normals=False)
    with tempfile.TemporaryDirectory(prefix="worldmill-signs-") as tmp:
        mp4 = Path(tmp) / "input.mp4"
        video.write_rgb(mp4, passes.rgb, 24, **H264_SETTINGS["input.mp4"])  # type: ignore[arg-type]
        decoded = video.read_frames(mp4)
    return decoded, passes.instance[0] == 1, float(fx * em_m / distance)


def crop(frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    if len(ys) == 0:
        return frame[:1, :1]
    return frame[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]


def measure(language: str, text: str, text_px: float, size: int) -> Reading:
    """Render ``text`` in ``language`` at about ``text_px`` em on a ``size``² frame and read it back."""
    entry = signage_table()[language]
    face = SignFace(language=language, script=entry.script, lines=(text,), board=(16, 62, 138), ink=(255, 255, 255))
    frames, mask, em_px = sign_frames(face, text_px, size)
    read = read_text(crop(frames[0], mask), language, text_px=em_px)
    return Reading(language, entry.script, text, read, char_accuracy(text, read), em_px)


def sample_text(language: str) -> str:
    """A sign a visitor would read, from the phrase table: the zoo's name and the welcome phrase."""
    entry = signage_table()[language]
    return f"{entry.venues.get('zoo', entry.phrases.entrance)} {entry.phrases.welcome}"
