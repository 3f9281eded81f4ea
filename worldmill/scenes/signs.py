"""Real text on a scene's signs, in the plan's signage language: species panels, department and wayfinding
signs, platform signs and departure boards, stall names, exhibit labels, and the venue's own sign (the text
the prompt quotes) at both ends of the camera's walkway.

Each sign board is a box whose ``texture`` holds a ``SignFace`` spec; the renderer draws it into its atlas and
shows it on the board's front face. Sign contents come from ``data/signage.yaml``; nothing is translated here.
Draws use their own random stream, so signs never shift where the rest of the scene goes.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from worldmill.prompts.signage import SignageLanguage, country_code, signage_table
from worldmill.scenes import shapes
from worldmill.scenes.layout import SiteBuilder, parts_box
from worldmill.scenes.model import Primitive, SceneObject
from worldmill.signage.board import SignFace

_SIGN_STREAM = 0x5167  # the random stream of sign contents, apart from the layout's
WHITE, BLACK, AMBER = (255, 255, 255), (20, 20, 22), (255, 186, 40)
BOARDS = {  # (board, ink) in sRGB per kind of sign
    "wayfinding": ((16, 62, 138), WHITE),
    "hospital": ((0, 104, 90), WHITE),
    "species": ((38, 74, 40), (250, 244, 220)),
    "platform": ((20, 40, 96), WHITE),
    "departures": ((12, 12, 14), AMBER),
    "exhibit": ((238, 234, 226), BLACK),
    "shop": ((250, 242, 222), (120, 30, 20)),
    "venue": ((24, 56, 110), WHITE),
    "screen": ((14, 30, 60), WHITE),
}
TEXT_SCREENS = ("information", "kiosk", "computer")  # screens that show words rather than a picture
HOUSE_WINDOWS = frozenset({"viewing window"})  # a zoo house's windows onto a lit enclosure (not flat dark glass)
HOUSE_WINDOW_GLOW = 0.8  # the enclosure behind the glass is lit, so it reads at night
HABITATS = {"reptile": "desert", "nocturnal": "night"}  # a house's enclosure by a word of its space (else jungle)
NO_TEXT = ("flag", "clock", "plant label")  # signage that carries no words
VENUE_SIGN_M = (4.0, 1.1)  # width, height of the venue's own board


def _species_keys(site: SiteBuilder, entry: SignageLanguage) -> list[str]:
    keys = [c.name.replace(" ", "_") for c in site.plan.decor if c.semantic_class == "animal"]
    return [k for k in keys if k in entry.species]


def _destinations(entry: SignageLanguage, country: str) -> list[str]:
    own = entry.destinations_for(country)
    if own:
        return own
    return next(iter(entry.destinations.values()), [])


class SignWriter:
    """Chooses what each sign says, in one language, from one random stream."""

    def __init__(self, site: SiteBuilder):
        plan = site.plan
        self.plan = plan
        self.code = plan.language if plan.language in signage_table() else "en"
        self.entry = signage_table()[self.code]
        self.script = self.entry.script
        self.rng = np.random.default_rng([plan.seed & ((1 << 63) - 1), _SIGN_STREAM])
        self.country = country_code(plan.country)
        self.species = _species_keys(site, self.entry)
        self.animals = [c.name for c in plan.decor if c.semantic_class == "animal"]
        self.count = 0

    def _pick(self, values: list[str]) -> str:
        self.count += 1
        return values[(self.count + int(self.rng.integers(len(values)))) % len(values)]

    def face(self, kind: str, lines: tuple[str, ...], **kw) -> SignFace:
        board, ink = BOARDS[kind]
        return SignFace(language=self.code, script=self.script, lines=lines, board=board, ink=ink, **kw)

    def venue_text(self) -> str:
        return self.plan.signage_text

    def for_sign(self, class_name: str, label: str) -> SignFace | None:
        """The face of a sign or screen (by its label), or None for those without words."""
        label, e = label.lower(), self.entry
        if "clock" in label:
            return self.picture("clock", f"{int(self.rng.integers(6, 22)):02d}:{int(self.rng.integers(60)):02d}")
        if any(k in label for k in NO_TEXT):
            return None
        if "species" in label:
            if self.species:
                return self.face("species", (e.species[self._pick(self.species)],))
            return self.face("species", (e.venues.get(self.plan.venue, e.phrases.welcome),))
        if "departure" in label:
            return self.departures()
        if "platform" in label and e.transport:
            before, _, after = e.transport.platform.partition("{n}")
            word = (before or after).strip()
            number = str(int(self.rng.integers(1, 13)))
            return self.face(
                "platform", (word,), layout="platform", number=number, number_first=not before.strip(), sides=2
            )
        if "wayfinding" in label:
            arrow = ("left", "right", "up")[int(self.rng.integers(3))]
            if self.plan.venue == "hospital" and e.departments:
                return self.face("hospital", (self._pick(list(e.departments.values())),), arrow=arrow, sides=2)
            phrases = [e.phrases.entrance, e.phrases.exit, e.phrases.information]
            return self.face("wayfinding", (self._pick(phrases),), arrow=arrow, sides=2)
        if (
            any(k in label for k in ("wall label", "exhibition", "banner"))
            and e.exhibits
            and self.plan.venue == "museum"
        ):
            return self.face("exhibit", (self._pick(list(e.exhibits.values())),), sides=2 if "banner" in label else 1)
        if any(k in label for k in ("shop", "chalkboard")) and e.shops:
            return self.face("shop", (self._pick(list(e.shops.values())),), sides=2 if "banner" in label else 1)
        if class_name == "signage":
            words = [w for w in (e.venues.get(self.plan.venue), e.phrases.welcome) if w]
            return self.face("venue", (self._pick(words),), sides=2 if "banner" in label else 1)
        if class_name == "screen":
            return self.screen(label)
        return None

    def picture(self, kind: str, subject: str = "", sides: int = 1) -> SignFace:
        board, ink = BOARDS["screen"]
        seed = int(self.rng.integers(1 << 31))
        return SignFace(
            language=self.code,
            script=self.script,
            lines=(),
            layout="picture",
            picture=kind,
            seed=seed,
            subject=subject,
            board=board,
            ink=ink,
            sides=sides,
        )

    def habitat(self) -> str:
        return next((v for k, v in HABITATS.items() if k in self.plan.space), "jungle")

    def screen(self, label: str) -> SignFace:
        """What a video screen shows: the score on a stadium's boards, a game on an arcade machine, the venue's
        words on information screens and kiosks, else a picture of what the venue is about."""
        venue, e = self.plan.venue, self.entry
        if "scoreboard" in label or venue == "stadium":
            score = f"{int(self.rng.integers(4))} {int(self.rng.integers(4))} {int(self.rng.integers(1, 91))}"
            return self.picture("scoreboard", score, sides=2)
        if "arcade" in label:
            return self.picture("game")
        if any(k in label for k in TEXT_SCREENS):
            if venue == "hospital" and e.departments:
                return self.face("screen", (self._pick(list(e.departments.values())),), arrow="right")
            words = [w for w in (e.venues.get(venue), e.phrases.welcome, e.phrases.information) if w]
            return self.face("screen", (self._pick(words),))
        if venue == "aquarium":
            return self.picture("fish")
        if venue == "science_centre":
            return self.picture("planet")
        if self.animals:
            return self.picture("animal", self._pick(self.animals))
        return self.picture("landscape")

    def departures(self) -> SignFace | None:
        e = self.entry
        if e.transport is None:
            return None
        places = _destinations(e, self.country)
        rows = []
        minute = int(self.rng.integers(6 * 60, 21 * 60))
        for place in places[: 3 + int(self.rng.integers(2))]:
            minute += int(self.rng.integers(4, 25))
            rows.append((f"{minute // 60:02d}:{minute % 60:02d}", place, str(int(self.rng.integers(1, 13)))))
        return self.face("departures", (e.transport.departures,), layout="board", rows=tuple(rows), sides=2)

    def shop_name(self) -> str | None:
        return self._pick(list(self.entry.shops.values())) if self.entry.shops else None


def _board_index(parts: tuple[Primitive, ...]) -> int | None:
    """The sign's board: its largest box face-on to local y (kits build the board first)."""
    boxes = [
        (p.size[0] * p.size[2], i)
        for i, p in enumerate(parts)
        if p.shape == "box" and p.size[1] < min(p.size[0], p.size[2])
    ]
    return max(boxes)[1] if boxes else None


def _linear(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    r, g, b = ((c / 255.0) ** 2 for c in rgb)  # the renderer's gamma 2
    return (r, g, b)


def textured(prim: Primitive, face: SignFace) -> Primitive:
    """``prim`` showing ``face``: a plain board of the face's colour on its other sides."""
    return dataclasses.replace(prim, texture=face.to_spec(), pattern="plain", color=_linear(face.board))


def _with_texture(obj: SceneObject, index: int, face: SignFace, emissive: float | None = None) -> SceneObject:
    """``obj`` with its part ``index`` showing ``face`` (and glowing ``emissive`` where given)."""
    parts = list(obj.parts)
    parts[index] = textured(parts[index], face)
    if emissive is not None:
        parts[index] = dataclasses.replace(parts[index], emissive=emissive)
    return dataclasses.replace(obj, parts=tuple(parts))


def _stall_fascia(obj: SceneObject, face: SignFace) -> SceneObject | None:
    """A name board along the front of a stall's roof (the kit's +y side faces the walkway)."""
    counter, roof = obj.parts[0], max(obj.parts, key=lambda p: p.center[2])
    w = counter.size[0]
    if w < 1.8:
        return None
    rot = shapes.rotation_matrix(counter.yaw_deg)
    height = min(0.45, 0.35 * w / 3.0 + 0.2)
    local = np.array([0.0, roof.size[1] / 2 + 0.03, 0.0])
    centre = np.asarray(roof.center) + rot @ local - np.array([0.0, 0.0, roof.size[2] / 2 + height / 2])
    fascia = Primitive(
        shape="box",
        center=(float(centre[0]), float(centre[1]), float(centre[2])),
        size=(w * 0.95, 0.04, height),
        color=_linear(face.board),
        yaw_deg=counter.yaw_deg,
        emissive=0.3,
        casts_shadow=False,
    )
    fascia = textured(fascia, face)
    return dataclasses.replace(obj, parts=(*obj.parts, fascia))


def dress_signs(site: SiteBuilder) -> None:
    """Give every sign board in the site its text, name the stalls, and put up the venue's own sign."""
    writer = SignWriter(site)
    for k, obj in enumerate(site.objects):
        if obj.class_name in ("signage", "screen"):
            face = writer.for_sign(obj.class_name, obj.label)
            index = _board_index(obj.parts)
            if face is not None and index is not None:
                site.objects[k] = _with_texture(obj, index, face)
        elif obj.class_name == "window" and obj.label in HOUSE_WINDOWS and writer.plan.indoor:
            index = _board_index(obj.parts)
            if index is not None:
                face = writer.picture("habitat", writer.habitat(), sides=2)
                site.objects[k] = _with_texture(obj, index, face, HOUSE_WINDOW_GLOW)
        elif obj.class_name == "stall":
            name = writer.shop_name()
            dressed = _stall_fascia(obj, writer.face("shop", (name,))) if name else None
            if dressed is not None:
                site.objects[k] = dressed
    venue_signs(site, writer.face("venue", (writer.venue_text(),)))
    if site.venue_building is not None:
        facade_sign(site, site.venue_building, writer.face("venue", (writer.venue_text(),)))
        if site.plan.venue in FACADE_CLOCK_VENUES:
            facade_clock(site, site.venue_building, writer.for_sign("signage", "station clock"))
    if site.enclosures:
        species_panels(site, writer)
    aisle_signs(site, writer)


AISLE_SIGNS = {  # what the signs beside the walkway are, by venue (default: wayfinding)
    "railway_station": "platform sign",
    "museum": "exhibition banner",
    "shopping_mall": "shop banner",
    "street_market": "shop banner",
}


def aisle_signs(site: SiteBuilder, writer: SignWriter, count: int = 3) -> None:
    """Signs along the camera's walkway, facing along it (read from both sides): hung beside the aisle indoors,
    on a post beside the path outdoors; never inside the camera's keep-out."""
    w, h = 1.4, 0.4
    for zone in site.zones:
        if zone.kind not in ("ground", "interior"):
            continue
        axis = np.array([zone.axis[0], zone.axis[1]])
        across = np.array([-axis[1], axis[0]])
        lo, hi = np.asarray(zone.lo), np.asarray(zone.hi)
        centre = (lo[:2] + hi[:2]) / 2
        reach = abs(float((hi[:2] - centre) @ axis))
        half = abs(float((hi[:2] - centre) @ across))
        yaw = math.degrees(math.atan2(axis[1], axis[0])) - 90.0
        label = AISLE_SIGNS.get(writer.plan.venue, "wayfinding sign")
        for k in range(count):
            face = writer.for_sign("signage", label)
            if face is None:
                continue
            side = 1.0 if k % 2 == 0 else -1.0
            x, y = centre + axis * reach * (-0.6 + 0.6 * k) + across * side * (half + 0.3 + w / 2 + 0.4)
            p = shapes.Placer(float(x), float(y), 0.0, yaw)
            if zone.kind == "interior":
                z = min(hi[2] + 0.25, (site.ceiling_z or 4.0) - h - 0.15)
                parts = [
                    p.part(
                        "box", (0.0, 0.0, z + h / 2), (w, 0.04, h), (0.5, 0.5, 0.5), casts_shadow=False, emissive=0.4
                    )
                ]
                parts.append(
                    p.part(
                        "box",
                        (0.0, 0.0, (z + h + (site.ceiling_z or z + h)) / 2),
                        (0.03, 0.03, max((site.ceiling_z or z + h) - z - h, 0.02)),
                        (0.3, 0.3, 0.3),
                        casts_shadow=False,
                    )
                )
            else:
                post = 2.2
                parts = [p.part("box", (0.0, 0.0, post + h / 2), (w, 0.06, h), (0.5, 0.5, 0.5), emissive=0.2)]
                parts.append(
                    p.part(
                        "cylinder",
                        (side * (w / 2 + 0.05), 0.0, (post + h) / 2),
                        (0.08, 0.08, post + h),
                        (0.3, 0.3, 0.32),
                    )
                )
            if not site.free(parts_box(parts)):
                continue
            parts[0] = textured(parts[0], face)
            site.add("signage", label, parts, salient=False, occupy=True)


def species_panels(site: SiteBuilder, writer: SignWriter) -> None:
    """A panel naming the animals of each enclosure, on the enclosure's side that faces the walkway, at its corner
    nearer the zoo's middle (where the cross path meets the promenade)."""
    animals = [o for o in site.objects if o.class_name == "animal" and o.decor]
    for rect in site.enclosures:
        inside = [
            o.decor
            for o in animals
            if rect.x0 <= o.parts[0].center[0] <= rect.x1 and rect.y0 <= o.parts[0].center[1] <= rect.y1
        ]
        keys = [k.replace(" ", "_") for k in dict.fromkeys(inside) if k.replace(" ", "_") in writer.entry.species]
        if not keys:
            continue
        lines = tuple(writer.entry.species[k] for k in keys[:2])
        face = writer.face("species", lines)
        south = rect.y1 < 0  # enclosures south of the promenade show their north side
        y = rect.y1 + 2.3 if south else rect.y0 - 2.3
        x = rect.x0 + 1.8 if abs(rect.x0) < abs(rect.x1) else rect.x1 - 1.8  # the corner by the zoo's middle, not
        # before the middle of the pen, where a shot of its animals looks
        p = shapes.Placer(x, y, 0.0, 0.0 if south else 180.0)
        w, board = 2.0, 0.55 * len(lines) + 0.25
        parts = [p.part("box", (0.0, 0.0, 0.9 + board / 2), (w, 0.08, board), (0.5, 0.5, 0.5), emissive=0.15)] + [
            p.part("box", (sx * w * 0.42, 0.0, 0.45), (0.08, 0.08, 0.9), (0.3, 0.25, 0.2)) for sx in (-1, 1)
        ]
        if not site.free(parts_box(parts), ignore_occupied=True):
            continue
        parts[0] = textured(parts[0], face)
        site.add("signage", "species panel", parts, salient=False, occupy=True)


def venue_signs(site: SiteBuilder, face: SignFace) -> None:
    """The venue's sign at each end of the walkway the camera follows, facing along it: on the end wall
    indoors, on two legs outdoors (beyond the zone's keep-out, so the camera's clearance is untouched)."""
    w, h = VENUE_SIGN_M
    for zone in site.zones:
        if zone.kind not in ("ground", "interior"):
            continue
        axis = np.array([zone.axis[0], zone.axis[1]])
        lo, hi = np.asarray(zone.lo), np.asarray(zone.hi)
        centre = (lo[:2] + hi[:2]) / 2
        reach = abs(float((hi[:2] - centre) @ axis))
        for direction in (1.0, -1.0):
            facing = -axis * direction  # the board looks back along the walkway
            yaw = math.degrees(math.atan2(facing[1], facing[0])) - 90.0
            if zone.kind == "interior":
                wall = _end_wall(site, centre, axis * direction)
                if wall is None:
                    continue
                x, y = wall + facing * 0.03
                z0 = max(lo[2], min(hi[2] + 0.2, (site.ceiling_z or 4.0) - h - 0.2))
                parts = [
                    shapes.Placer(float(x), float(y), z0, yaw).part(
                        "box", (0.0, 0.0, h / 2), (w, 0.05, h), (0.1, 0.22, 0.43), emissive=0.4, casts_shadow=False
                    )
                ]
            else:
                x, y = centre + axis * direction * (reach + 2.5)
                p = shapes.Placer(float(x), float(y), 0.0, yaw)
                legs = 2.0
                parts = [p.part("box", (0.0, 0.0, legs + h / 2), (w, 0.12, h), (0.1, 0.22, 0.43), emissive=0.2)] + [
                    p.part("box", (sx * w * 0.42, 0.0, legs / 2), (0.1, 0.1, legs), (0.3, 0.3, 0.32)) for sx in (-1, 1)
                ]
                if not site.free(parts_box(parts), ignore_occupied=True):
                    continue
            parts[0] = textured(parts[0], face)
            site.add("signage", "venue sign", parts, salient=False, occupy=zone.kind == "ground")


FACADE_SIGN_M = (12.0, 2.6)  # the widest (m) a venue building's name board over its door gets, and its height
FACADE_SIGN_Z = 6.0  # the board's centre height (m): over the door, in view of a camera on the promenade


def facade_sign(site: SiteBuilder, box, face: SignFace) -> None:
    """The venue's name on its building's front (the side facing -y, towards the promenade), over the door."""
    x0, y0, _, x1, _, z1 = box
    w, h = min(FACADE_SIGN_M[0], 0.45 * (x1 - x0)), FACADE_SIGN_M[1]
    z = min(FACADE_SIGN_Z, z1 - h)
    board = shapes.Placer((x0 + x1) / 2, y0 - 0.08, 0.0, 180.0).part("box", (0.0, 0.0, z), (w, 0.12, h), (0.1, 0.22, 0.43), emissive=0.2)
    site.add("signage", "venue sign", [textured(board, face)], salient=False)


FACADE_CLOCK_VENUES = frozenset({"railway_station"})  # venue buildings with a clock over their name board
FACADE_CLOCK_M = 3.0  # the clock face's side


def facade_clock(site: SiteBuilder, box, face: SignFace) -> None:
    """A clock face on the building's front over its name board (a station's clock)."""
    x0, y0, _, x1, _, z1 = box
    z = min(FACADE_SIGN_Z + FACADE_SIGN_M[1] / 2 + 0.4 + FACADE_CLOCK_M / 2, z1 - FACADE_CLOCK_M / 2 - 0.3)
    dial = shapes.Placer((x0 + x1) / 2, y0 - 0.08, 0.0, 180.0).part(
        "box", (0.0, 0.0, z), (FACADE_CLOCK_M, 0.12, FACADE_CLOCK_M), (0.05, 0.05, 0.05), emissive=0.4
    )
    site.add("signage", "station clock", [textured(dial, face)], salient=False)


def _end_wall(site: SiteBuilder, origin: np.ndarray, direction: np.ndarray) -> np.ndarray | None:
    """Where a ray along the floor from ``origin`` meets the first wall facing back at it."""
    best: tuple[float, np.ndarray] | None = None
    for span in site.walls:
        normal = np.asarray(span.normal)
        if normal @ direction > -0.9:
            continue
        a, b = np.asarray(span.a), np.asarray(span.b)
        denom = normal @ direction
        t = float(normal @ (a - origin)) / denom
        hit = origin + direction * t
        along = (hit - a) @ (b - a) / max(float((b - a) @ (b - a)), 1e-9)
        if t > 0 and 0.0 <= along <= 1.0 and (best is None or t < best[0]):
            best = (t, hit)
    return None if best is None else best[1]
