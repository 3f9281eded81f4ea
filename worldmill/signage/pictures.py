"""Procedural pictures for a scene's video screens and clock faces, so that a screen shows content (fish in
blue water, an animal on a savanna, a landscape, a game, a scoreboard's score) rather than colour blocks.

Each picture is drawn from its kind and a seed with Pillow, into the same sign atlas as the text signs
(``SignFace(layout="picture")``); the same (kind, seed, size) always draws the same image.
"""

from __future__ import annotations

import math

import numpy as np

from worldmill.errors import RenderError

RGB = tuple[int, int, int]
PICTURES = ("fish", "animal", "landscape", "planet", "game", "scoreboard", "clock", "habitat")
GRAIN = 5.0  # sd of the grain on a picture's background (grey levels)
TALL_NECKED = frozenset({"giraffe"})
TRUNKED = frozenset({"elephant"})
BIRDS = frozenset({"flamingo", "penguin", "ostrich", "parrot", "peacock", "pelican", "owl", "eagle"})


def _vertical_gradient(width: int, height: int, top: RGB, bottom: RGB) -> np.ndarray:
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    rows = (1.0 - t) * np.asarray(top, np.float32) + t * np.asarray(bottom, np.float32)
    return np.broadcast_to(rows, (height, width, 3)).astype(np.uint8)


def _fish(draw, w: int, h: int, rng: np.random.Generator) -> None:
    for _ in range(int(rng.integers(4, 8))):  # light shafts from the surface
        x = float(rng.uniform(0, w))
        draw.polygon([(x, 0), (x + 0.06 * w, 0), (x + 0.2 * w, h), (x + 0.1 * w, h)], fill=(60, 140, 190))
    draw.rectangle([0, 0.86 * h, w, h], fill=(196, 170, 110))  # sand
    for _ in range(int(rng.integers(3, 6))):  # weed
        x = float(rng.uniform(0, w))
        draw.line(
            [(x, h), (x + rng.uniform(-0.05, 0.05) * w, h * rng.uniform(0.45, 0.7))],
            fill=(40, 120, 50),
            width=max(2, w // 60),
        )
    palette = [(255, 140, 0), (250, 220, 40), (240, 70, 60), (250, 250, 250), (90, 200, 230)]
    for _ in range(int(rng.integers(3, 7))):
        s = float(rng.uniform(0.08, 0.16)) * h
        cx, cy = float(rng.uniform(0.15, 0.85)) * w, float(rng.uniform(0.2, 0.75)) * h
        facing = 1 if rng.random() < 0.5 else -1
        colour = palette[int(rng.integers(len(palette)))]
        draw.ellipse([cx - 1.3 * s, cy - 0.6 * s, cx + 1.3 * s, cy + 0.6 * s], fill=colour)
        tail = cx - facing * 1.2 * s
        draw.polygon(
            [(tail, cy), (tail - facing * 0.8 * s, cy - 0.6 * s), (tail - facing * 0.8 * s, cy + 0.6 * s)], fill=colour
        )
        eye = cx + facing * 0.8 * s
        draw.ellipse([eye - 0.12 * s, cy - 0.2 * s, eye + 0.12 * s, cy + 0.04 * s], fill=(10, 10, 20))


def _neck_and_head(draw, ink: RGB, cx: float, ground: float, s: float, neck, head) -> None:
    """A neck (four (across, up) corners) and a head (left, top, right, bottom), in body units ``s`` from the
    body's middle ``cx`` at the ground line."""
    draw.polygon([(cx + a * s, ground - b * s) for a, b in neck], fill=ink)
    draw.ellipse([cx + head[0] * s, ground - head[1] * s, cx + head[2] * s, ground - head[3] * s], fill=ink)


def _quadruped(draw, w: int, h: int, species: str, ground: float) -> None:
    """A dark silhouette of ``species`` standing on the ground line (giraffe, elephant, bird or a generic beast)."""
    ink = (40, 30, 24)
    s = 0.2 * h
    cx = 0.55 * w
    if species in BIRDS:
        draw.ellipse([cx - s, ground - 2.4 * s, cx + s, ground - 1.4 * s], fill=ink)  # body
        draw.line(
            [(cx + 0.6 * s, ground - 2.0 * s), (cx + 0.8 * s, ground - 3.4 * s)], fill=ink, width=max(2, int(s / 5))
        )
        draw.ellipse([cx + 0.55 * s, ground - 3.7 * s, cx + 1.1 * s, ground - 3.3 * s], fill=ink)
        for dx in (-0.2, 0.2):
            draw.line([(cx + dx * s, ground - 1.5 * s), (cx + dx * s, ground)], fill=ink, width=max(2, int(s / 8)))
        return
    big = 1.5 if species in TRUNKED else 1.0
    body = (cx - 1.2 * s * big, ground - 1.9 * s * big, cx + 1.2 * s * big, ground - 0.9 * s * big)
    draw.ellipse(body, fill=ink)
    leg = max(2, int(0.25 * s * big))
    for dx in (-0.9, -0.55, 0.55, 0.9):
        x = cx + dx * s * big
        draw.rectangle([x - leg / 2, ground - 1.3 * s * big, x + leg / 2, ground], fill=ink)
    if species in TALL_NECKED:
        _neck_and_head(draw, ink, cx, ground, s, ((0.8, 1.7), (1.1, 1.5), (1.9, 4.0), (1.6, 4.1)), (1.5, 4.4, 2.3, 3.9))
    elif species in TRUNKED:
        draw.ellipse([cx + 1.0 * s, ground - 3.0 * s, cx + 2.0 * s, ground - 1.9 * s], fill=ink)  # head
        draw.rectangle([cx + 1.75 * s, ground - 2.3 * s, cx + 2.0 * s, ground - 0.8 * s], fill=ink)  # trunk
        draw.ellipse([cx + 0.7 * s, ground - 3.0 * s, cx + 1.3 * s, ground - 2.0 * s], fill=(60, 48, 40))  # ear
    else:
        _neck_and_head(draw, ink, cx, ground, s, ((1.0, 1.8), (1.3, 1.4), (1.8, 2.4), (1.5, 2.7)), (1.4, 2.9, 2.1, 2.3))
        draw.line(
            [(cx - 1.2 * s, ground - 1.6 * s), (cx - 1.6 * s, ground - 1.0 * s)], fill=ink, width=max(2, leg // 2)
        )


def _landscape(draw, w: int, h: int, rng: np.random.Generator, horizon: float) -> None:
    sun = (float(rng.uniform(0.15, 0.85)) * w, float(rng.uniform(0.12, 0.3)) * h)
    r = 0.09 * h
    draw.ellipse([sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r], fill=(255, 236, 170))
    for layer, colour in enumerate(((110, 120, 150), (80, 110, 90))):
        pts = [(0.0, float(horizon * h))]
        for x in np.linspace(0, w, 7):
            pts.append((float(x), float(h * (horizon - rng.uniform(0.08, 0.3) / (layer + 1)))))
        pts.append((float(w), float(horizon * h)))
        draw.polygon(pts, fill=colour)


def _game(draw, w: int, h: int, rng: np.random.Generator) -> None:
    cell = max(2, h // 24)
    colours = [(80, 250, 80), (250, 80, 200), (90, 200, 255), (255, 220, 60)]
    for row in range(3):
        for col in range(6):
            x, y = (0.12 + 0.13 * col) * w, (0.12 + 0.14 * row) * h
            colour = colours[row % len(colours)]
            for dx, dy in ((0, 0), (2, 0), (1, 1), (0, 2), (2, 2), (1, 0)):
                draw.rectangle(
                    [x + dx * cell, y + dy * cell, x + (dx + 1) * cell - 1, y + (dy + 1) * cell - 1], fill=colour
                )
    px = float(rng.uniform(0.2, 0.8)) * w
    draw.polygon([(px, 0.82 * h), (px - 3 * cell, 0.92 * h), (px + 3 * cell, 0.92 * h)], fill=(240, 240, 240))
    draw.line([(0, 0.95 * h), (w, 0.95 * h)], fill=(80, 250, 80), width=max(1, cell // 2))


HABITAT_SKIES = {  # (top, bottom, ground, leaves) of an enclosure seen through a zoo house's window, by its subject
    "jungle": ((70, 120, 80), (150, 170, 110), (90, 70, 45), (40, 110, 50)),
    "desert": ((200, 180, 140), (230, 200, 150), (200, 160, 110), (120, 130, 70)),
    "night": ((20, 34, 64), (50, 70, 100), (40, 44, 50), (30, 60, 55)),
}


def _habitat(draw, w: int, h: int, rng: np.random.Generator, subject: str) -> None:
    """The planted enclosure behind the glass: trunks, leaves or rocks over a floor of earth or sand."""
    _, _, ground, leaves = HABITAT_SKIES.get(subject, HABITAT_SKIES["jungle"])
    draw.rectangle([0, 0.78 * h, w, h], fill=ground)
    for _ in range(int(rng.integers(3, 6))):  # rocks
        x, s = float(rng.uniform(0, w)), float(rng.uniform(0.08, 0.2)) * h
        shade = tuple(int(c * 0.75) for c in ground)
        draw.ellipse([x - s, 0.8 * h - s * 0.6, x + s, 0.8 * h + s * 0.5], fill=shade)
    for _ in range(int(rng.integers(5, 9))):  # trunks with leaf crowns
        x = float(rng.uniform(0.05, 0.95)) * w
        draw.rectangle([x - 0.015 * w, 0.25 * h, x + 0.015 * w, 0.82 * h], fill=(70, 52, 36))
        for _ in range(7):
            cx, cy, r = (
                x + rng.uniform(-0.1, 0.1) * w,
                float(rng.uniform(0.1, 0.4)) * h,
                float(rng.uniform(0.06, 0.12)) * h,
            )
            tint = tuple(int(min(255, c * rng.uniform(0.8, 1.25))) for c in leaves)
            draw.ellipse([cx - 1.4 * r, cy - r, cx + 1.4 * r, cy + r], fill=tint)


def _clock(draw, w: int, h: int, when: str) -> None:
    hours, minutes = (int(v) for v in when.split(":"))
    cx, cy, r = w / 2, h / 2, 0.46 * min(w, h)
    draw.ellipse(
        [cx - r, cy - r, cx + r, cy + r], fill=(246, 244, 236), outline=(30, 30, 32), width=max(2, int(r / 12))
    )
    for k in range(12):
        a = k * math.pi / 6
        inner = 0.78 if k % 3 == 0 else 0.86
        draw.line(
            [
                (cx + inner * r * math.sin(a), cy - inner * r * math.cos(a)),
                (cx + 0.94 * r * math.sin(a), cy - 0.94 * r * math.cos(a)),
            ],
            fill=(30, 30, 32),
            width=max(1, int(r / 18)),
        )
    for length, angle, width in (
        (0.5, (hours % 12 + minutes / 60) * math.pi / 6, r / 9),
        (0.78, minutes * math.pi / 30, r / 14),
    ):
        draw.line(
            [(cx, cy), (cx + length * r * math.sin(angle), cy - length * r * math.cos(angle))],
            fill=(20, 20, 22),
            width=max(2, int(width)),
        )


def _scoreboard(draw, w: int, h: int, score: str, rng: np.random.Generator) -> None:
    from worldmill.signage.board import _font
    from worldmill.signage.fonts import digits_font

    home, away, minute = score.split(" ")
    colours = [(200, 30, 40), (30, 80, 200), (250, 250, 250), (30, 150, 60), (250, 200, 0)]
    a, b = rng.choice(len(colours), size=2, replace=False)
    band = 0.16 * h
    draw.rectangle([0.05 * w, 0.1 * h, 0.45 * w, 0.1 * h + band], fill=colours[int(a)])
    draw.rectangle([0.55 * w, 0.1 * h, 0.95 * w, 0.1 * h + band], fill=colours[int(b)])
    face = digits_font()
    big = _font(face, max(8, int(0.42 * h)))
    small = _font(face, max(8, int(0.16 * h)))
    for text, x, font, y in (
        (home, 0.25, big, 0.55),
        (away, 0.75, big, 0.55),
        ("-", 0.5, big, 0.55),
        (minute + "'", 0.5, small, 0.88),
    ):
        draw.text((x * w, y * h), text, font=font, fill=(255, 200, 40), anchor="mm")


def draw_picture(kind: str, seed: int, width: int, height: int, subject: str = "") -> np.ndarray:
    """uint8 [height, width, 3] sRGB: the picture ``kind`` (one of ``PICTURES``) for ``seed``; ``subject`` is the
    animal of an ``animal`` picture, the time ("HH:MM") of a ``clock``, "home away minute" of a ``scoreboard``, the
    ``HABITAT_SKIES`` key of a ``habitat``."""
    from PIL import Image, ImageDraw

    if kind not in PICTURES:
        raise RenderError(f"Screen picture kind {kind!r} is unknown.", fix=f"use one of {PICTURES}")
    rng = np.random.default_rng(seed)
    w, h = width, height
    if kind == "fish":
        base = _vertical_gradient(w, h, (40, 150, 200), (8, 40, 90))
    elif kind in ("animal", "landscape"):
        base = _vertical_gradient(w, h, (110, 170, 230), (230, 210, 170))
    elif kind == "planet":
        base = _vertical_gradient(w, h, (4, 6, 20), (14, 16, 40))
    elif kind == "clock":
        base = np.full((h, w, 3), 30, np.uint8)
    elif kind == "habitat":
        top, bottom, _, _ = HABITAT_SKIES.get(subject, HABITAT_SKIES["jungle"])
        base = _vertical_gradient(w, h, top, bottom)
    else:
        base = np.full((h, w, 3), (10, 10, 16), np.uint8)
    grain = rng.normal(0.0, GRAIN, (h, w, 1)).astype(np.float32)  # a little grain: a screen's picture is never flat
    image = Image.fromarray(np.clip(base.astype(np.float32) + grain, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    if kind == "fish":
        _fish(draw, w, h, rng)
    elif kind == "animal":
        _landscape(draw, w, h, rng, 0.7)
        draw.rectangle([0, 0.7 * h, w, h], fill=(170, 150, 70))
        tx = float(rng.uniform(0.08, 0.25)) * w  # an acacia
        draw.rectangle([tx - 0.01 * w, 0.4 * h, tx + 0.01 * w, 0.72 * h], fill=(70, 50, 30))
        draw.ellipse([tx - 0.12 * w, 0.32 * h, tx + 0.12 * w, 0.44 * h], fill=(60, 100, 40))
        _quadruped(draw, w, h, subject, 0.86 * h)
    elif kind == "landscape":
        _landscape(draw, w, h, rng, 0.62)
        draw.rectangle([0, 0.62 * h, w, h], fill=(60, 120, 170))  # a lake
        for k in range(6):
            y = (0.66 + 0.05 * k) * h
            draw.line([(0.1 * w + k * 9, y), (0.9 * w - k * 7, y)], fill=(110, 170, 210), width=max(1, h // 90))
    elif kind == "planet":
        for _ in range(60):
            x, y = float(rng.uniform(0, w)), float(rng.uniform(0, h))
            draw.point((x, y), fill=(230, 230, 240))
        r = 0.36 * h
        cx, cy = 0.55 * w, 0.55 * h
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=(40, 100, 200))
        for _ in range(5):  # continents
            x, y, s = cx + rng.uniform(-0.6, 0.4) * r, cy + rng.uniform(-0.6, 0.5) * r, rng.uniform(0.2, 0.4) * r
            draw.ellipse([x, y, x + s * 1.4, y + s], fill=(70, 150, 70))
        draw.arc([cx - r, cy - r, cx + r, cy + r], 200, 340, fill=(200, 230, 255), width=max(1, int(r / 15)))
    elif kind == "game":
        _game(draw, w, h, rng)
    elif kind == "clock":
        _clock(draw, w, h, subject)
    elif kind == "habitat":
        _habitat(draw, w, h, rng, subject)
    else:
        _scoreboard(draw, w, h, subject, rng)
    return np.asarray(image, dtype=np.uint8)
