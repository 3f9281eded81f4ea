"""Sampling a ScenePlan: every random choice for one sample, drawn from ``numpy.random.default_rng(seed)``
in a fixed order, so one seed gives one plan on every machine."""

from __future__ import annotations

import builtins  # `round` is a parameter of sample_plan
import math
from collections.abc import Sequence

import numpy as np

from worldmill.errors import ConfigError
from worldmill.prompts.ids import parse_sample_id
from worldmill.prompts.signage import choose_signage
from worldmill.prompts.sun import declination_deg, hour_angle_for, sun_position
from worldmill.schemas.plan import COLOUR_GRADES, LANDMARK_KINDS, TIMES_OF_DAY, WEATHERS, DecorChoice, ScenePlan
from worldmill.schemas.taxonomy import Cell, City, DecorItem
from worldmill.taxonomy.venues import decor_for_side, held_in_space, motions_for_side

# How often each time of day is drawn (daytime slightly favoured: most footage is shot by day).
TIME_WEIGHTS = {
    "dawn": 0.10,
    "morning": 0.18,
    "noon": 0.13,
    "afternoon": 0.18,
    "golden_hour": 0.16,
    "dusk": 0.12,
    "night": 0.13,
}

# Weather weights in WEATHERS order: clear, partly_cloudy, overcast, fog, rain, snow, haze.
# Snow has weight 0 wherever it does not fall: the tropics, the subtropics, and arid summers.
WEATHER_WEIGHTS: dict[tuple[str, str], tuple[float, ...]] = {
    ("tropical", "wet season"): (0.12, 0.25, 0.22, 0.04, 0.30, 0.0, 0.07),
    ("tropical", "dry season"): (0.38, 0.30, 0.08, 0.04, 0.05, 0.0, 0.15),
    ("subtropical", "spring"): (0.32, 0.30, 0.13, 0.06, 0.14, 0.0, 0.05),
    ("subtropical", "summer"): (0.35, 0.28, 0.10, 0.02, 0.17, 0.0, 0.08),
    ("subtropical", "autumn"): (0.38, 0.28, 0.12, 0.05, 0.10, 0.0, 0.07),
    ("subtropical", "winter"): (0.30, 0.25, 0.20, 0.08, 0.14, 0.0, 0.03),
    ("arid", "spring"): (0.55, 0.18, 0.04, 0.01, 0.02, 0.0, 0.20),
    ("arid", "summer"): (0.60, 0.12, 0.02, 0.0, 0.01, 0.0, 0.25),
    ("arid", "autumn"): (0.58, 0.16, 0.04, 0.01, 0.02, 0.0, 0.19),
    ("arid", "winter"): (0.50, 0.20, 0.10, 0.03, 0.05, 0.02, 0.10),
    ("temperate", "spring"): (0.25, 0.30, 0.20, 0.06, 0.18, 0.0, 0.01),
    ("temperate", "summer"): (0.40, 0.30, 0.10, 0.02, 0.14, 0.0, 0.04),
    ("temperate", "autumn"): (0.20, 0.25, 0.25, 0.10, 0.20, 0.0, 0.00),
    ("temperate", "winter"): (0.20, 0.20, 0.25, 0.10, 0.15, 0.10, 0.00),
    ("continental", "spring"): (0.25, 0.30, 0.20, 0.05, 0.15, 0.05, 0.00),
    ("continental", "summer"): (0.40, 0.30, 0.10, 0.02, 0.15, 0.0, 0.03),
    ("continental", "autumn"): (0.20, 0.25, 0.25, 0.08, 0.18, 0.04, 0.00),
    ("continental", "winter"): (0.18, 0.17, 0.22, 0.08, 0.03, 0.32, 0.00),
    ("polar", "spring"): (0.20, 0.20, 0.25, 0.05, 0.05, 0.25, 0.00),
    ("polar", "summer"): (0.30, 0.30, 0.20, 0.08, 0.12, 0.0, 0.00),
    ("polar", "autumn"): (0.15, 0.20, 0.30, 0.05, 0.10, 0.20, 0.00),
    ("polar", "winter"): (0.15, 0.15, 0.20, 0.05, 0.0, 0.45, 0.00),
}

NORTHERN_SEASONS = {12: "winter", 1: "winter", 2: "winter", 3: "spring", 4: "spring", 5: "spring",
                    6: "summer", 7: "summer", 8: "summer", 9: "autumn", 10: "autumn", 11: "autumn"}  # fmt: skip
NORTHERN_WET_MONTHS = frozenset(range(5, 11))  # the tropical rains follow the sun: May-October north, Nov-April south
SEASON_FLIP = {"winter": "summer", "summer": "winter", "spring": "autumn", "autumn": "spring"}

# Camera height ranges (metres) by (setting, motion); the setting is "skyline", "indoor" or "outdoor".
CAMERA_HEIGHTS: dict[str, dict[str, tuple[float, float]]] = {
    "skyline": {"flyover": (150, 450), "orbit": (120, 350), "glide": (80, 250), "pan": (60, 250), "static": (80, 300),
                "walkthrough": (1.6, 1.8), "dolly": (1.4, 2.0)},
    "indoor": {"flyover": (4, 8), "orbit": (2.5, 6), "glide": (1.6, 3.5), "walkthrough": (1.5, 1.8), "dolly": (1.2, 2.0),
               "pan": (1.5, 3.0), "static": (1.8, 4.0)},
    "outdoor": {"flyover": (40, 150), "orbit": (10, 60), "glide": (2, 15), "walkthrough": (1.5, 1.8), "dolly": (1.2, 2.5),
                "pan": (1.6, 12), "static": (1.8, 20)},
}  # fmt: skip
# Vehicle density ranges outdoors by archetype (indoors there is no traffic).
VEHICLE_DENSITY = {"skyline": (0.35, 0.95), "stadium": (0.05, 0.5), "interior_hall": (0.05, 0.6), "hospital": (0.05, 0.5),
                   "open_air": (0.0, 0.3), "zoo": (0.0, 0.1), "museum": (0.0, 0.3), "amusement_park": (0.0, 0.1)}  # fmt: skip
PEOPLE_FACTOR = {"night": 0.45, "dawn": 0.5, "dusk": 0.8}
WEATHER_PEOPLE_FACTOR = {"rain": 0.65, "snow": 0.6, "fog": 0.8}
DECOR_PER_PLAN = (5, 8)  # how many decor kinds a scene holds (fewer when the space offers fewer)
AERIAL_HEIGHT_M = 20.0  # a camera this high films from the scene's aerial zone (it starts at AERIAL_FLOOR_M)
AERIAL_FLOOR_M = 35.0
GROUND_ONLY = frozenset({"zoo"})  # archetypes filmed from the ground only: animals do not read from 35 m up
GROUND_TOP_M = 4.0  # the top of an outdoor site's walkway camera zone (``scenes.archetypes.open_ground``)
AERIAL_REACH = 1.6  # an aerial shot's subject lies about this many camera heights away (a 35-40 degree look down)
AERIAL_LEAST_SHARE = 0.005  # decor an aerial plan holds covers about this share of the frame from there
SHOT_REACH_M = {True: 3.0, False: 5.0}  # a ground shot's nearest decor stands this far off, indoors and out
SHOT_FOV_DEG = {True: 75.0, False: 65.0}  # ... filmed at this field of view (``scenes.camera.FOV_DEG``)
ANIMAL_LENS_AREA = 0.25  # an animal lead's long lens (about half the field of view) reads a quarter of the face
DECOR_FILL = 0.5  # share of its face's box a decor object's pixels cover (legs, gaps, rounded shapes)
INDOOR_LONGEST_M = 64.0  # the longest hall ``scenes.archetypes.interior_hall`` builds
INDOOR_WIDEST_M = 34.0  # ... and its widest (for decor longer than 25 m it grows no wider)
CEILING_REACH_M = 4.0  # the nearest an interior shot sees a ceiling fitting (on a drop over the heads)
CEILING_FILL = 0.5  # share of its box face a fitting's pixels cover (a lamp's shade, a basket's bowl)


def season_for(month: int, city: City) -> str:
    """Season of ``month`` where the city is: wet or dry season in the tropics, four seasons elsewhere."""
    north = city.locale.hemisphere == "north"
    if city.locale.climate_band == "tropical":
        wet = (month in NORTHERN_WET_MONTHS) == north
        return "wet season" if wet else "dry season"
    season = NORTHERN_SEASONS[month]
    return season if north else SEASON_FLIP[season]


def weather_weights(climate_band: str, season: str) -> np.ndarray:
    weights = np.asarray(WEATHER_WEIGHTS[(climate_band, season)], dtype=float)
    return weights / weights.sum()


def seen_from_air(items: list[DecorItem], camera_height_m: float) -> list[DecorItem]:
    """The decor an aerial shot from ``camera_height_m`` shows (an instance covers about ``AERIAL_LEAST_SHARE``
    of the frame from the shot's distance); at least the two largest items. Ground and interior shots keep all."""
    if camera_height_m < AERIAL_HEIGHT_M:
        return items
    reach = AERIAL_REACH * max(camera_height_m, AERIAL_FLOOR_M)
    least = AERIAL_LEAST_SHARE * (2 * math.tan(math.radians(30.0)) * reach) ** 2  # m² at 60 degrees across

    largest = set(sorted(range(len(items)), key=lambda i: -_face_area(items[i]))[:2])
    return [item for i, item in enumerate(items) if _face_area(item) >= least or i in largest]


def seen_up_close(items: list[DecorItem], indoor: bool, camera_height_m: float) -> list[DecorItem]:
    """The decor a ground or interior shot can show: a typical instance covers ``AERIAL_LEAST_SHARE`` of the
    frame from ``SHOT_REACH_M`` (a plant label or a floor uplight never does from where a walking camera stands).
    Animals need a quarter of that face: a shot about an animal takes a long lens (about half the field of view),
    so a tortoise or a duck reads, a starfish does not. Aerial shots keep all (``seen_from_air``)."""
    if camera_height_m >= AERIAL_HEIGHT_M:
        return items
    across = 2 * math.tan(math.radians(SHOT_FOV_DEG[indoor] / 2)) * SHOT_REACH_M[indoor]
    least = AERIAL_LEAST_SHARE * across**2 / DECOR_FILL
    return [
        item
        for item in items
        if _face_area(item, typical=True) >= least * (ANIMAL_LENS_AREA if item.semantic_class == "animal" else 1.0)
    ]


def seen_indoors(items: list[DecorItem], indoor: bool) -> list[DecorItem]:
    """The decor an interior shot can show: no ceiling fitting that covers less than ``AERIAL_LEAST_SHARE`` of the
    frame from ``CEILING_REACH_M`` (a 15 cm track spotlight is a few pixels however it hangs). Outdoors keeps all."""
    if not indoor:
        return items
    least = AERIAL_LEAST_SHARE * (2 * math.tan(math.radians(30.0)) * CEILING_REACH_M) ** 2 / CEILING_FILL
    return [item for item in items if item.placement not in ("ceiling", "overhead") or _face_area(item) >= least]


def fits_indoors(items: list[DecorItem], indoor: bool) -> list[DecorItem]:
    """The decor an interior holds: nothing whose typical length exceeds the longest hall the scenes build
    (``INDOOR_LONGEST_M``: a 130 m train or platform canopy would stand outside the walls, unseen), nor whose
    typical footprint is wider than the widest (``INDOOR_WIDEST_M``: a parked airliner stands outside the terminal,
    and the renderer's windows show no apron). Outdoors keeps all."""
    if not indoor:
        return items
    kept = []
    for item in items:
        width, length = sorted((item.size_min[i] + item.size_max[i]) / 2 for i in (0, 2))
        if length <= INDOOR_LONGEST_M and width <= INDOOR_WIDEST_M:
            kept.append(item)
    return kept


def _face_area(item: DecorItem, *, typical: bool = False) -> float:
    """The largest face of the item's largest size (m²), or with ``typical`` of its middle size (instances are
    drawn uniformly between the bounds): from above or below, or from the side."""
    w, h, d = ((a + b) / 2 for a, b in zip(item.size_min, item.size_max, strict=True)) if typical else item.size_max
    return max(w * d, max(w, d) * h)


def _choose_decor(items: list[DecorItem], rng: np.random.Generator, archetype: str) -> tuple[DecorChoice, ...]:
    low, high = min(DECOR_PER_PLAN[0], len(items)), min(DECOR_PER_PLAN[1], len(items))
    k = int(rng.integers(low, high + 1))
    picked = {int(i) for i in rng.choice(len(items), size=k, replace=False)}
    if archetype == "skyline" and not any(items[i].semantic_class == "building" for i in picked):
        buildings = [i for i, d in enumerate(items) if d.semantic_class == "building"]
        if buildings:
            picked.add(buildings[int(rng.integers(len(buildings)))])
    choices = []
    for i in sorted(picked):
        item = items[i]
        choices.append(_decor_choice(item, int(rng.integers(max(1, item.count[0]), item.count[1] + 1))))
    return tuple(choices)


def _decor_choice(item: DecorItem, count: int) -> DecorChoice:
    return DecorChoice(
        item.name, item.semantic_class, count, tuple(item.size_min), tuple(item.size_max), item.placement
    )


def _with_promised_animal(
    decor: tuple[DecorChoice, ...], items: list[DecorItem], promised: Sequence[str], seed: int
) -> tuple[DecorChoice, ...]:
    """``decor`` with one of the animals a space's name promises (a primate island shows primates) where it drew
    none: which one and how many follow the seed, without a draw from the plan's stream."""
    if not promised or any(d.semantic_class == "animal" for d in decor):
        return decor
    fits = [d for d in items if d.semantic_class == "animal" and d.name in promised]
    if not fits:
        return decor
    item = fits[seed % len(fits)]
    count = max(1, item.count[0]) + (seed // len(fits)) % max(1, item.count[1] - max(1, item.count[0]) + 1)
    return (*decor, _decor_choice(item, count))


def sample_plan(cell: Cell, seed: int, sample_id: str, round: int = 0, *, time_of_day: str | None = None) -> ScenePlan:
    """Every random choice of one sample. ``sample_id`` must belong to ``cell``; a non-zero ``round`` must
    match the round in it (a guard against mixing up rounds; the seed carries the randomness).

    ``time_of_day`` steers the sample (the sensors ask for the strata the catalogue or the model lacks); the
    draw it replaces is still made, so every other choice stays what the seed gives."""
    if time_of_day is not None and time_of_day not in TIMES_OF_DAY:
        raise ConfigError(f"time_of_day {time_of_day!r} is not known.", fix=f"use one of {', '.join(TIMES_OF_DAY)}")
    id_cell, id_round, _ = parse_sample_id(sample_id)
    if id_cell != cell.key:
        raise ConfigError(
            f"Sample id {sample_id!r} belongs to cell {id_cell!r}, not {cell.key!r}.",
            fix="build it with sample_id(cell.key, round, index)",
        )
    if round and id_round != round:
        raise ConfigError(
            f"Sample id {sample_id!r} is of round {id_round}, not round {round}.",
            fix="pass the round the id was made for",
        )
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(
            f"Seed {seed!r} is not a non-negative integer.",
            fix="use worldmill.prompts.seed_for(cell_key, round, index)",
        )

    rng = np.random.default_rng(int(seed))
    city, venue = cell.city, cell.venue
    spaces = [(s, True) for s in venue.indoor_spaces] + [(s, False) for s in venue.outdoor_spaces]
    space, indoor = spaces[int(rng.integers(len(spaces)))]

    month = int(rng.integers(1, 13))
    season = season_for(month, city)
    drawn_time = str(rng.choice(TIMES_OF_DAY, p=[TIME_WEIGHTS[t] for t in TIMES_OF_DAY]))
    time_of_day = time_of_day or drawn_time
    declination = declination_deg(int(30.44 * (month - 0.5)))  # mid-month day of year
    hour_angle = hour_angle_for(time_of_day, city.latitude, declination, rng)
    elevation, azimuth = sun_position(city.latitude, declination, hour_angle)
    weather = str(rng.choice(WEATHERS, p=weather_weights(city.locale.climate_band, season)))

    motions = motions_for_side(venue, indoor)
    if venue.archetype in GROUND_ONLY:  # its subjects are specks from the air
        motions = [m for m in motions if m != "flyover"] or motions
    motion = motions[int(rng.integers(len(motions)))]
    setting = "skyline" if venue.archetype == "skyline" else ("indoor" if indoor else "outdoor")
    low, high = CAMERA_HEIGHTS[setting][motion]
    if venue.archetype in GROUND_ONLY:
        low, high = min(low, GROUND_TOP_M - 1.5), min(high, GROUND_TOP_M)  # as high as its walkway's camera goes
    camera_height = float(rng.uniform(low, high))

    side = fits_indoors(decor_for_side(venue, indoor), indoor)
    readable = seen_up_close(seen_indoors(seen_from_air(side, camera_height), indoor), indoor, camera_height)
    readable = held_in_space(venue, space, readable)
    decor = _choose_decor(readable, rng, venue.archetype)
    decor = _with_promised_animal(decor, readable, venue.space_animals.get(space, ()), int(seed))
    landmark = str(rng.choice(LANDMARK_KINDS)) if venue.archetype == "skyline" else None
    language, signage, signage_text = choose_signage(city, venue.id, rng)
    colour_grade = str(rng.choice(COLOUR_GRADES))
    people = (
        float(rng.uniform(0.1, 0.95)) * PEOPLE_FACTOR.get(time_of_day, 1.0) * WEATHER_PEOPLE_FACTOR.get(weather, 1.0)
    )
    v_low, v_high = VEHICLE_DENSITY.get(venue.archetype, (0.0, 0.3))
    vehicles = 0.0 if indoor else float(rng.uniform(v_low, v_high))

    return ScenePlan(
        sample_id=sample_id,
        seed=int(seed),
        cell_key=cell.key,
        city_key=city.key,
        city_name=city.name,
        country=city.country,
        venue=venue.id,
        venue_name=venue.name,
        archetype=venue.archetype,
        space=space,
        indoor=indoor,
        time_of_day=time_of_day,
        sun_elevation_deg=builtins.round(elevation, 2),
        sun_azimuth_deg=builtins.round(azimuth, 2),
        weather=weather,
        season=season,
        camera_motion=motion,
        camera_height_m=builtins.round(camera_height, 2),
        architecture_style=city.locale.architecture_style,
        driving_side=city.locale.driving_side,
        language=language,
        script=signage.script,
        signage_text=signage_text,
        colour_grade=colour_grade,
        people_density=builtins.round(people, 3),
        vehicle_density=builtins.round(vehicles, 3),
        decor=decor,
        landmark=landmark,
    )
