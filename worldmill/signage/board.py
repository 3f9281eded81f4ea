"""Lay out one sign face (board colour, text in the city's script, an arrow or a platform number, or the rows
of a departures board) into an RGB image with real fonts.

Text goes through Pillow's raqm layout (HarfBuzz shaping, FriBiDi ordering): Arabic joins and runs right to
left, Devanagari forms its conjuncts, Thai stacks its marks. Without raqm those scripts come out reversed or
broken, so drawing refuses to run without it rather than paint wrong text.
"""

from __future__ import annotations

import dataclasses
import functools
import json
from typing import Any

import numpy as np

from worldmill.errors import RenderError
from worldmill.signage.fonts import SignFont, digits_font, font_for

RGB = tuple[int, int, int]
LAYOUTS = ("label", "platform", "board", "picture")
ARROWS = ("", "left", "right", "up")
RTL_SCRIPTS = frozenset({"Arab", "Hebr"})
MARGIN = 0.08  # of the board's height, around the text


@dataclasses.dataclass(frozen=True)
class SignFace:
    """What one sign face shows. ``lines`` are in reading order (the layout engine orders them visually).

    ``label``: centred lines, an optional arrow. ``platform``: a number in a square beside the word (``lines[0]``;
    ``number_first`` puts the number where the reader meets it first, as in 3番線). ``board``: a header line
    then ``rows`` of (time, destination, platform), as on a departures board. ``picture``: a video screen's or
    clock's procedural image (``signage.pictures``), of kind ``picture`` drawn from ``seed`` about ``subject``.
    """

    language: str  # phrase-table code (``fr``, ``zh_Hant``, ``ur``, ...)
    script: str  # ISO 15924
    lines: tuple[str, ...]
    layout: str = "label"
    arrow: str = ""
    number: str = ""
    number_first: bool = False
    rows: tuple[tuple[str, str, str], ...] = ()
    board: RGB = (18, 64, 140)  # sRGB
    ink: RGB = (255, 255, 255)
    sides: int = 1  # 2: hung signs read from both sides
    picture: str = ""  # layout "picture": the kind of image (``signage.pictures.PICTURES``)
    seed: int = 0
    subject: str = ""  # the animal, clock time "HH:MM" or score "home away minute" a picture shows

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS or self.arrow not in ARROWS or self.sides not in (1, 2):
            raise RenderError(
                f"Sign face has layout={self.layout!r}, arrow={self.arrow!r}, sides={self.sides}.",
                fix=f"layout is one of {LAYOUTS}, arrow one of {ARROWS}, sides 1 or 2",
            )
        from worldmill.signage.pictures import PICTURES

        if (self.layout == "picture") != (self.picture in PICTURES):
            raise RenderError(
                f"Sign face has layout={self.layout!r} with picture={self.picture!r}.",
                fix=f"a picture layout names one of {PICTURES}; other layouts name none",
            )

    @property
    def rtl(self) -> bool:
        return self.script in RTL_SCRIPTS

    @property
    def text(self) -> str:
        """Everything the face says, in reading order, one line per line (what OCR should read back)."""
        if self.layout == "picture":
            return " ".join(self.subject.split()[:2]) if self.picture == "scoreboard" else ""
        rows = [" ".join(r) for r in self.rows]
        head = list(self.lines)
        if self.layout == "platform" and self.number:
            head = [f"{self.number} {self.lines[0]}" if self.number_first else f"{self.lines[0]} {self.number}"]
        return "\n".join(head + rows)

    def fonts(self) -> tuple[SignFont, ...]:
        """The faces this sign draws with (script face, plus Noto Sans for numbers and times)."""
        if self.layout == "picture":
            return (digits_font(),) if self.picture == "scoreboard" else ()
        faces = [font_for(self.script, self.language)]
        if self.number or self.rows:
            faces.append(digits_font())
        return tuple(dict.fromkeys(faces))

    def to_spec(self) -> str:
        """Compact JSON, stored in ``Primitive.texture`` so ``scene.json`` reproduces the sign."""
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, separators=(",", ":"), sort_keys=True)

    @classmethod
    def from_spec(cls, spec: str) -> SignFace:
        try:
            data: dict[str, Any] = json.loads(spec)
            data["lines"] = tuple(data["lines"])
            data["rows"] = tuple(tuple(r) for r in data.get("rows", ()))
            data["board"], data["ink"] = tuple(data["board"]), tuple(data["ink"])
            return cls(**data)
        except (ValueError, KeyError, TypeError) as exc:
            raise RenderError(
                f"Sign spec {spec[:80]!r} is not a sign face: {exc}.", fix="write textures with SignFace.to_spec()"
            ) from exc


def _require_raqm() -> None:
    from PIL import features

    if not features.check("raqm"):
        raise RenderError(
            "Pillow has no raqm layout: Arabic and Hebrew would print reversed, Indic scripts without conjuncts.",
            fix="install Pillow's wheel (it bundles raqm/HarfBuzz) and Debian libfribidi0",
        )


@functools.cache
def _font(face: SignFont, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(str(face.path), size, index=face.index, layout_engine=ImageFont.Layout.RAQM)


def _lang_tag(language: str) -> str:
    return language.split("_")[0]


def _fit(draw, text: str, face: SignFont, box_w: float, box_h: float, *, rtl: bool, language: str):
    """The largest font size whose ink fits ``box_w`` x ``box_h``, with that font and its bounding box."""
    size = max(int(box_h * 0.85), 6)  # about an em per line: words without ascenders do not balloon
    direction = "rtl" if rtl else "ltr"
    for _ in range(40):
        font = _font(face, size)
        bbox = draw.textbbox((0, 0), text, font=font, direction=direction, language=_lang_tag(language))
        w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
        if (w <= box_w and h <= box_h) or size <= 6:
            return font, bbox
        size = max(6, int(size * min(box_w / max(w, 1), box_h / max(h, 1), 0.95)))
    return font, bbox


def _text(
    draw,
    text: str,
    face: SignFont,
    box: tuple[float, float, float, float],
    ink: RGB,
    *,
    rtl: bool,
    language: str,
    align: str = "centre",
) -> None:
    """Draw ``text`` as large as fits ``box`` (x0, y0, x1, y1), centred vertically on its ink."""
    x0, y0, x1, y1 = box
    font, bbox = _fit(draw, text, face, x1 - x0, y1 - y0, rtl=rtl, language=language)
    w, h = bbox[2] - bbox[0], bbox[3] - bbox[1]
    if align == "start":
        x = x1 - w if rtl else x0
    elif align == "end":
        x = x0 if rtl else x1 - w
    else:
        x = (x0 + x1 - w) / 2
    y = (y0 + y1 - h) / 2
    draw.text(
        (x - bbox[0], y - bbox[1]),
        text,
        font=font,
        fill=ink,
        direction="rtl" if rtl else "ltr",
        language=_lang_tag(language),
    )


def _arrow(draw, box: tuple[float, float, float, float], direction: str, ink: RGB) -> None:
    x0, y0, x1, y1 = box
    s = min(x1 - x0, y1 - y0)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    shaft, head = 0.16 * s, 0.42 * s
    pts = [
        (-0.45, -shaft / s),
        (0.05, -shaft / s),
        (0.05, -head / s),
        (0.45, 0.0),
        (0.05, head / s),
        (0.05, shaft / s),
        (-0.45, shaft / s),
    ]
    if direction == "left":
        pts = [(-x, y) for x, y in pts]
    elif direction == "up":
        pts = [(y, -x) for x, y in pts]
    draw.polygon([(cx + x * s, cy + y * s) for x, y in pts], fill=ink)


def draw_sign(face: SignFace, width: int, height: int) -> np.ndarray:
    """uint8 [height, width, 3]: the sign face drawn at this resolution (sRGB)."""
    from PIL import Image, ImageDraw

    _require_raqm()
    if width < 8 or height < 8:
        raise RenderError(
            f"Sign image {width}x{height} is too small to hold text.", fix="draw signs at least 8x8 pixels"
        )
    if face.layout == "picture":
        from worldmill.signage.pictures import draw_picture

        return draw_picture(face.picture, face.seed, width, height, face.subject)
    image = Image.new("RGB", (width, height), face.board)
    draw = ImageDraw.Draw(image)
    script_face = font_for(face.script, face.language)
    m = MARGIN * min(height, width)
    x0, y0, x1, y1 = m, m, width - m, height - m
    opts = {"rtl": face.rtl, "language": face.language}
    if face.layout == "board":
        n = len(face.rows) + 1
        row_h = (y1 - y0) / n
        _text(draw, face.lines[0], script_face, (x0, y0, x1, y0 + row_h * 0.9), face.ink, align="start", **opts)
        draw.line([(x0, y0 + row_h * 0.95), (x1, y0 + row_h * 0.95)], fill=face.ink, width=max(1, int(row_h * 0.04)))
        w = x1 - x0
        # columns in reading order: time, destination, platform (mirrored for right-to-left scripts)
        cols = ((0.0, 0.24), (0.28, 0.84), (0.88, 1.0))
        for i, (when, where, platform) in enumerate(face.rows):
            top = y0 + row_h * (i + 1.1)
            for (a, b), text, font, align in zip(
                cols,
                (when, where, platform),
                (digits_font(), script_face, digits_font()),
                ("start", "start", "end"),
                strict=True,
            ):
                ca, cb = (x1 - b * w, x1 - a * w) if face.rtl else (x0 + a * w, x0 + b * w)
                rtl = face.rtl and font is script_face
                _text(
                    draw,
                    text,
                    font,
                    (ca, top, cb, top + row_h * 0.72),
                    face.ink,
                    rtl=rtl,
                    language=face.language,
                    align=align if font is script_face else "centre",
                )
    elif face.layout == "platform":
        side = y1 - y0
        number_left = face.number_first != face.rtl  # the number where the reader meets it first
        nx0 = x0 if number_left else x1 - side
        draw.rectangle([nx0, y0, nx0 + side, y1], fill=face.ink)
        _text(
            draw,
            face.number,
            digits_font(),
            (nx0 + 0.12 * side, y0 + 0.12 * side, nx0 + 0.88 * side, y1 - 0.12 * side),
            face.board,
            rtl=False,
            language="en",
        )
        tx0, tx1 = (x0 + side * 1.15, x1) if number_left else (x0, x1 - side * 1.15)
        _text(draw, face.lines[0], script_face, (tx0, y0 + 0.1 * side, tx1, y1 - 0.1 * side), face.ink, **opts)
    else:
        tx0, tx1 = x0, x1
        if face.arrow:
            side = y1 - y0
            arrow_left = face.arrow == "left" or (face.arrow == "up" and not face.rtl)
            box = (x0, y0, x0 + side, y1) if arrow_left else (x1 - side, y0, x1, y1)
            _arrow(draw, box, face.arrow, face.ink)
            tx0, tx1 = (x0 + side * 1.1, x1) if arrow_left else (x0, x1 - side * 1.1)
        n = max(len(face.lines), 1)
        line_h = (y1 - y0) / n
        for i, line in enumerate(face.lines):
            _text(
                draw,
                line,
                script_face,
                (tx0, y0 + i * line_h + 0.06 * line_h, tx1, y0 + (i + 1) * line_h - 0.06 * line_h),
                face.ink,
                **opts,
            )
    return np.asarray(image, dtype=np.uint8)
