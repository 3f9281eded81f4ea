"""World-construction prompts in the Cosmos style: one paragraph of 100-150 words that names the shot,
the place, its architecture, light, weather, the decor the scene holds, people, signage and grade.

Two steps write it. Before the render, ``build_prompt(plan)`` drafts it from the plan (the ``prompts``
table). After the render, ``write_prompt(plan, visibility)`` writes the final text from what the clip's
instance pass shows (``worldmill.scenes.visibility``): every kind it names is visible, counts in words are
the numbers of visible instances, kinds are named by prominence, people, traffic, a landmark and signs only
when they are seen, and the sign quoted is the most covered visible one, in its own words. Template choices come from the plan's seed, so the same plan and render give the same
text; decor vocabulary appears nowhere else.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence

import numpy as np

from worldmill.errors import ConfigError
from worldmill.prompts.signage import signage_table
from worldmill.scenes.visibility import KindVisibility, Visibility
from worldmill.schemas.plan import ScenePlan
from worldmill.taxonomy.locale import architecture_style

MIN_WORDS, MAX_WORDS = 100, 150
PROMPT_STREAM = 0x5EED_7E47  # template choices use their own stream of the plan's seed

SHOTS = {
    "flyover": (
        "An aerial drone flyover",
        "A sweeping aerial flyover shot",
        "A high drone shot flying steadily forward",
        "A bird's-eye drone pass",
    ),
    "orbit": (
        "A slow orbiting shot",
        "A smooth orbit shot that circles the subject",
        "A wide arcing shot circling slowly",
        "A gentle circular camera move",
    ),
    "glide": (
        "A smooth gliding shot",
        "A slow stabilised glide",
        "A floating gimbal shot drifting forward",
        "A silky tracking glide",
    ),
    "walkthrough": (
        "A first-person walkthrough shot",
        "A steady walkthrough",
        "A stabilised walking shot",
        "A handheld-smooth stroll",
    ),
    "dolly": (
        "A steady dolly shot pushing forward",
        "A slow dolly-in shot",
        "A smooth tracking dolly shot",
        "A measured push-in on a dolly",
    ),
    "pan": (
        "A wide panning shot",
        "A slow horizontal pan",
        "A sweeping pan from left to right",
        "A patient panoramic pan",
    ),
    "static": (
        "A locked-off static wide shot",
        "A still tripod shot",
        "A fixed wide-angle shot",
        "An unmoving establishing shot",
    ),
}
PLACE = {
    "indoor": (
        "inside the {space} of {a_venue} in {city}, {country}",
        "within the {space} of {a_venue} in {city}, {country}",
        "in the {space} of {a_venue} in {city}, {country}",
    ),
    "outdoor": (
        "across the {space} of {a_venue} in {city}, {country}",
        "in the {space} of {a_venue} in {city}, {country}",
        "around the {space} of {a_venue} in {city}, {country}",
    ),
    "skyline": (
        "above the {space} of downtown {city}, {country}",
        "across the {space} of downtown {city}, {country}",
        "over the {space} in the heart of {city}, {country}",
    ),
}
OPENINGS = (
    "{shot} {height} {place}.",
    "{shot} {place}, filmed {height}.",
    "{shot}, {height}, takes in the scene {place}.",
    "{shot} {height} shows the view {place}.",
)
ARCHITECTURE = (
    "The architecture is {style}, with {materials}{extra}.",
    "Built in {a_style} idiom, the setting shows {materials}{extra}.",
    "{Style} architecture frames the view: {materials}{extra}.",
    "Surfaces are {materials}, typical of {style} design{extra}.",
    "The design language is {style}: {materials}{extra}.",
)
# The architecture sentence of the final prompt names the materials the render draws on the surfaces it shows
# (``Visibility.surfaces``): a surface class's noun, with the words for its materials in front.
SURFACE_NOUNS = {
    "floor": "floors", "wall": "walls", "ceiling": "ceilings", "building": "facades", "pavement": "walkways",
    "road": "roads", "column": "columns", "stairs": "stairs",
}  # fmt: skip
MATERIAL_WORDS = {
    "plaster": "plastered", "concrete": "concrete", "brick": "red brick", "brick_yellow": "yellow brick",
    "stone": "stone", "marble": "marble", "marble_floor": "marble", "floor_tiles": "tiled",
    "checker_tiles": "chequered tile", "wood": "wooden", "asphalt": "asphalt", "paving": "paved",
    "cobbles": "cobbled", "ceiling_panels": "panelled",
}  # fmt: skip
SURFACES_NAMED = 2  # surface classes the sentence names, most covered first
COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")
LIGHT_OUTDOOR = {
    "dawn": ("It is dawn; the sun sits on the {dir} horizon and the sky glows pale pink and orange.",
             "At dawn, faint light rises from the {dir}, leaving soft blue shadows everywhere.",
             "First light breaks in the {dir}, tinting the sky rose and lavender."),
    "morning": ("Fresh morning sunlight comes from the {dir} at about {elev} degrees, casting crisp shadows.",
                "It is mid-morning, the sun {elev} degrees up in the {dir}, the light clean and bright.",
                "Clear morning light slants in from the {dir}, the sun some {elev} degrees high."),
    "noon": ("Midday sun stands high at about {elev} degrees in the {dir}, giving short, hard shadows.",
             "At noon the light is bright from {elev} degrees up, shadows tucked under every object.",
             "Near midday, strong overhead light from {elev} degrees flattens the shadows."),
    "afternoon": ("Afternoon sun shines from the {dir} at about {elev} degrees, warm and even.",
                  "It is afternoon; sunlight from the {dir}, {elev} degrees up, draws clear diagonal shadows.",
                  "Mellow afternoon light arrives from the {dir}, with the sun at roughly {elev} degrees."),
    "golden_hour": ("Golden-hour light rakes in low from the {dir}, about {elev} degrees up, throwing long warm shadows.",
                    "In the golden hour the sun hangs {elev} degrees above the {dir} horizon, gilding every edge.",
                    "A low amber sun in the {dir} stretches long shadows across the ground."),
    "dusk": ("It is dusk: the sun has just set in the {dir}, the sky fades from amber to deep blue and artificial lights flicker on.",
             "At dusk the afterglow lingers in the {dir} while the first artificial lights come on.",
             "Twilight settles; a fading orange band in the {dir} gives way to an indigo sky."),
    "night": ("It is night; the sky is black-blue and warm artificial light pools on surfaces, with deep shadows between.",
              "At night, artificial lighting picks out surfaces against a dark sky, with glowing windows and deep shadows.",
              "Deep in the night, pockets of warm and cool artificial light punctuate the darkness."),
}  # fmt: skip
LIGHT_INDOOR = {
    "dawn": ("At dawn, pale light from the {dir} seeps through the windows and the interior lighting is still on.",
             "Early dawn light, faint and blue, creeps in from the {dir}."),
    "morning": ("Morning daylight from the {dir} slants through the windows, mixing with the interior lighting.",
                "Soft morning light enters from the {dir}, brightening the room."),
    "noon": ("Bright midday daylight fills the room from above, softened by the interior lighting.",
             "At midday, even daylight floods the interior with few shadows."),
    "afternoon": ("Afternoon sunlight from the {dir} falls through the windows in long bright patches.",
                  "Warm afternoon light from the {dir} lies in bright shapes on the floor."),
    "golden_hour": ("Low golden-hour sun from the {dir} pours through the windows, warming the interior.",
                    "Golden evening light streams in sideways from the {dir}, glowing on every surface."),
    "dusk": ("At dusk, the windows glow deep blue and warm interior lighting takes over.",
             "As dusk falls, interior lighting warms the room against blue windows."),
    "night": ("It is night; the windows are dark and the interior is lit by warm artificial light.",
              "At night the interior glows under artificial light, the windows black."),
}  # fmt: skip
# Under cloud, rain, snow or fog the renderer dims the sun to a fifth (a third in fog) and lights from the sky: no
# sun direction, no crisp shadows, no coloured horizon — what the light sentence says then.
SUN_HIDDEN = frozenset({"overcast", "rain", "snow", "fog"})
LIGHT_DIFFUSE_OUTDOOR = {
    "dawn": ("It is dawn; a dim grey light spreads evenly, the sun hidden below the cloud.",
             "At dawn the first light is faint and even, with barely a shadow anywhere."),
    "morning": ("Morning daylight is soft and even, the sun hidden, the shadows faint.",
                "It is morning; diffuse light falls evenly from the sky, with no hard shadows."),
    "noon": ("At midday the light is bright but diffuse, with soft shadows only under objects.",
             "Near noon, even daylight from the whole sky leaves the shadows faint."),
    "afternoon": ("Afternoon light is soft and even, the sun hidden, the shadows faint.",
                  "It is afternoon; diffuse daylight from the sky leaves only soft shadows."),
    "golden_hour": ("Late in the day the light is low and muted, the sun hidden behind the sky's grey.",
                    "Evening daylight is dim and even, the sun hidden, the shadows faint."),
    "dusk": ("It is dusk: the grey light fades and artificial lights come on.",
             "At dusk the dull daylight drains away while the first artificial lights come on."),
}  # fmt: skip
LIGHT_DIFFUSE_INDOOR = {
    "dawn": ("At dawn, dim grey light seeps through the windows and the interior lighting is still on.",),
    "morning": ("Soft grey morning daylight from the windows mixes with the interior lighting.",),
    "noon": ("Even, diffuse midday daylight from the windows mixes with the interior lighting.",),
    "afternoon": ("Soft, even afternoon daylight from the windows mixes with the interior lighting.",),
    "golden_hour": ("Muted evening daylight from the windows gives way to the interior lighting.",),
    "dusk": ("At dusk, the windows turn dull grey and warm interior lighting takes over.",),
}  # fmt: skip
# Indoors with no window in view the light is the room's own, and the weather outside goes unsaid.
LIGHT_WINDOWLESS = {
    "dawn": "Early in the day, the interior lighting is on and the room is quiet.",
    "morning": "Bright interior lighting evenly fills the room.",
    "noon": "Bright interior lighting evenly fills the room.",
    "afternoon": "Even interior lighting fills the room, with soft shadows under the furniture.",
    "golden_hour": "Warm interior lighting fills the room with a soft glow.",
    "dusk": "Warm interior lighting glows across the room.",
    "night": "The interior is lit by warm artificial light, with deep shadows between the lamps.",
}  # fmt: skip
WINDOW_CLASS = "window"  # a visible instance of this class lets the prompt speak of windows and the weather
WEATHER = {
    "clear": ("under a clear sky", "beneath a cloudless sky"),
    "partly_cloudy": ("with scattered clouds drifting across the sky", "under a sky of broken white clouds"),
    "overcast": ("under a flat overcast sky", "beneath a uniform grey cloud cover"),
    "fog": ("in soft fog that hides distant details", "in a pale mist that swallows the distance"),
    "rain": ("in steady rain, wet ground reflecting the light", "in falling rain, with glistening puddles"),
    "snow": ("as snow falls gently and settles on ledges", "in drifting snowfall that whitens every surface"),
    "haze": ("through a warm, dusty haze", "in a hazy, sun-bleached atmosphere"),
}  # fmt: skip
WEATHER_SENTENCES = (
    "It is {a_season}, {weather}.",
    "On this {season} {daypart} the scene sits {weather}.",
    "It is {season_name}, and the scene sits {weather}.",
    "The weather of this {season} {daypart}: {weather_bare}.",
)
WEATHER_INDOOR = (
    "Outside the windows it is {a_season}, {weather}.",
    "Beyond the glass, {a_season} goes on {weather}.",
    "Through the glass, {a_season} can be seen, {weather}.",
)
DECOR_SENTENCES = (
    "The frame holds {items}.",
    "Visible in the scene are {items}.",
    "Details include {items}.",
    "Arranged around the space are {items}.",
    "Around the scene are {items}.",
    "In view are {items}.",
)
LANDMARKS = {
    "circular_tower": "a prominent circular tower", "needle_tower": "a slender needle-like tower",
    "twin_towers": "a pair of twin towers", "dome": "a great domed building", "arch": "a monumental arch",
    "stepped_pyramid": "a stepped pyramid tower",
}  # fmt: skip
LANDMARK_SENTENCES = (
    "{landmark} rises at the centre of the frame.",
    "At the centre stands {landmark}, dominating the skyline.",
    "The eye is drawn to {landmark} in the middle of the view.",
)
PEOPLE_NOUNS = {
    "hospital": "patients, nurses and visitors", "zoo": "families and visitors", "museum": "visitors",
    "amusement_park": "families and thrill-seekers", "airport_terminal": "travellers", "railway_station": "commuters",
    "shopping_mall": "shoppers", "street_market": "shoppers and traders", "stadium": "spectators",
    "university_campus": "students", "public_library": "readers", "theatre": "theatregoers", "downtown": "pedestrians",
}  # fmt: skip
PEOPLE_LEVELS = (
    (0.12, ("The place is almost empty, with only a few {people} in sight.", "Only a handful of {people} pass through.",
            "Hardly anyone is about; a lone few {people} drift past.")),
    (0.35, ("A few {people} move calmly through the frame.", "Scattered {people} walk at an easy pace.",
            "Small groups of {people} wander unhurriedly.")),
    (0.65, ("A steady flow of {people} moves through the scene.", "Groups of {people} walk and pause naturally.",
            "Plenty of {people} come and go at a relaxed rhythm.")),
    (1.01, ("Crowds of {people} fill the scene, moving in every direction.", "Busy crowds of {people} stream past the camera.",
            "A dense throng of {people} bustles through the space.")),
)  # fmt: skip
TRAFFIC = (
    (0.15, ()),
    (0.5, ("Light traffic moves along the nearby roads.", "A trickle of traffic passes on the surrounding streets.")),
    (1.01, ("Dense traffic streams along the roads, headlights and brake lights weaving through the grid.",
            "Heavy traffic crawls along the avenues in long glinting lines.")),
)  # fmt: skip
SIGNAGE = (
    'Signs are written in {language} ({script}), one reading "{text}".',
    'Signage uses {language} in {script}; one sign reads "{text}".',
    'Lettering on the signs is {language}, in {script}, such as "{text}".',
    'A sign in {language}, written in {script}, says "{text}".',
)
GRADES = {
    "natural": ("natural, true-to-life", "calm and observational"), "warm filmic": ("warm filmic", "nostalgic and inviting"),
    "cool teal-orange": ("cool teal-and-orange", "cinematic"), "soft pastel": ("soft pastel", "gentle and dreamy"),
    "high-contrast": ("punchy high-contrast", "dramatic"), "desaturated documentary": ("desaturated documentary", "sober and realistic"),
}  # fmt: skip
GRADE_SENTENCES = (
    "The colour grade is {grade}, with a {mood} mood.",
    "A {grade} colour grade makes the footage feel {mood}.",
    "Graded {grade}, the clip feels {mood}.",
    "The look is {grade}, and the mood {mood}.",
)
FILLERS = (
    "The camera moves smoothly and continuously, with no cuts.",
    "Everything is sharp from foreground to background, with realistic scale and perspective.",
    "The footage is photorealistic, like professional 4K stock video.",
    "The horizon stays level and the motion is steady throughout.",
    "Exposure is balanced, with detail kept in both highlights and shadows.",
    "Textures and materials read clearly, with natural reflections and soft ambient occlusion.",
)
# Seen people: the venue's word for one person (counted), and what they do.
PERSON_NOUNS = {
    "hospital": "visitor", "zoo": "visitor", "museum": "visitor", "amusement_park": "visitor",
    "airport_terminal": "traveller", "railway_station": "commuter", "shopping_mall": "shopper",
    "street_market": "shopper", "stadium": "spectator", "university_campus": "student", "public_library": "reader",
    "theatre": "theatregoer", "downtown": "pedestrian",
}  # fmt: skip
SEEN_PEOPLE = (
    "{People} {act} in view.",
    "In the frame, {people} {act}.",
    "{People} {act} as the shot goes on.",
)
PEOPLE_ACTS = {  # (all walk, none walk, some walk) x (one, several)
    "walk": ("walks past", "walk past"), "stand": ("stands still", "stand about"),
    "mixed": ("walks past", "walk and pause"),
    "watch": ("watches from the stands", "watch from the stands"),  # a stadium's seated spectators
}  # fmt: skip
SEEN_TRAFFIC = (
    "{Vehicles} {act} along the nearby roads.",
    "On the surrounding streets, {vehicles} {act}.",
)
VEHICLE_ACTS = {"drive": ("drives", "drive"), "park": ("stands parked", "stand parked")}
PEOPLE_CLASS, VEHICLE_CLASS, LANDMARK_CLASS = "person", "vehicle", "landmark"
NAMED_OUTSIDE_DECOR = frozenset({"animal"})  # classes named in the decor sentence even when no decor choice made them
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")  # fmt: skip


def _article(phrase: str) -> str:
    return ("an " if phrase[:1].lower() in "aeiou" else "a ") + phrase


def plural(noun: str) -> str:
    """English plural of a decor name (its last word inflects)."""
    head, _, last = noun.rpartition(" ")
    lower = last.lower()
    if lower.endswith("fish"):
        word = last
    elif lower.endswith("shelf"):
        word = last[:-1] + "ves"
    elif lower.endswith(("s", "x", "z", "ch", "sh")):
        word = last + "es"
    elif lower.endswith("y") and lower[-2:-1] not in tuple("aeiou"):
        word = last[:-1] + "ies"
    else:
        word = last + "s"
    return f"{head} {word}" if head else word


def counted(name: str, count: int) -> str:
    if count == 1:
        return _article(name)
    if count < len(NUMBER_WORDS):
        return f"{NUMBER_WORDS[count]} {plural(name)}"
    return f"{'more than a dozen' if count < 20 else 'dozens of'} {plural(name)}"


def _join(parts: Sequence[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _compass(azimuth_deg: float) -> str:
    return COMPASS[int((azimuth_deg % 360.0) / 45.0 + 0.5) % 8]


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(len(options)))]


def _height(plan: ScenePlan) -> str:
    h = plan.camera_height_m
    if h < 2.2:
        return "at eye level"
    if h < 30:
        return f"from about {h:.0f} metres up"
    return f"from about {int(round(h, -1))} metres up"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _seen_group(kinds: Sequence[KindVisibility], noun: str | None = None) -> tuple[str, int, int]:
    """(counted words, visible instances, moving ones) for kinds named together (e.g. "two cars and a bus")."""
    if noun is not None:
        total = sum(k.visible for k in kinds)
        return counted(noun, total), total, sum(k.moving for k in kinds)
    return _join([counted(k.kind, k.visible) for k in kinds]), sum(k.visible for k in kinds), sum(k.moving for k in kinds)


def _act(table: dict[str, tuple[str, str]], total: int, moving: int, modes: tuple[str, str, str]) -> str:
    mode = modes[0] if moving == total else modes[1] if moving == 0 else modes[2]
    return table[mode][0 if total == 1 else 1]


@dataclasses.dataclass(frozen=True)
class _Seen:
    """What the render shows, grouped the way the prompt names it."""

    items: list[KindVisibility]  # decor (and animals), most prominent first
    people: list[KindVisibility]
    vehicles: list[KindVisibility]
    landmark: bool
    sign_text: str | None  # the words of the most covered visible sign, the one the prompt quotes
    surfaces: list[str] = dataclasses.field(default_factory=list)  # "tiled floors", ... (``surface_phrases``)
    windows: bool = True  # a window is seen (the light and weather sentences may speak of them)

    @classmethod
    def of(cls, visibility: Visibility) -> _Seen:
        seen = visibility.seen()
        return cls(
            items=[k for k in seen if (k.decor or k.class_name in NAMED_OUTSIDE_DECOR)],
            people=[k for k in seen if not k.decor and k.class_name == PEOPLE_CLASS],
            vehicles=[k for k in seen if not k.decor and k.class_name == VEHICLE_CLASS],
            landmark=any(not k.decor and k.class_name == LANDMARK_CLASS for k in seen),
            sign_text=visibility.sign_text(),
            surfaces=surface_phrases(visibility),
            windows=any(k.class_name == WINDOW_CLASS for k in seen),
        )


def surface_phrases(visibility: Visibility) -> list[str]:
    """The shown surfaces in words, most covered class first, each with its materials (at most two):
    ["red brick and plastered walls", "tiled floors"]; materials without words are left out."""
    words: dict[str, list[str]] = {}
    for class_name, material, _ in visibility.surfaces():
        if class_name in SURFACE_NOUNS and material in MATERIAL_WORDS:
            kinds = words.setdefault(class_name, [])
            if MATERIAL_WORDS[material] not in kinds and len(kinds) < 2:
                kinds.append(MATERIAL_WORDS[material])
    return [f"{_join(kinds)} {SURFACE_NOUNS[c]}" for c, kinds in list(words.items())[:SURFACES_NAMED]]


def _sentences(
    plan: ScenePlan, rng: np.random.Generator, seen: _Seen | None = None
) -> tuple[list[str], list[str], str | None, str]:
    """(sentences before the decor, after it, the optional traffic sentence, the decor template); each
    slot's template is drawn once, in a fixed order. With ``seen``, people, traffic, the landmark and signs
    are written from what the render shows (and left out when it shows none)."""
    setting = "skyline" if plan.archetype == "skyline" else ("indoor" if plan.indoor else "outdoor")
    place = _pick(rng, PLACE[setting]).format(
        space=plan.space, a_venue=_article(plan.venue_name.lower()), city=plan.city_name, country=plan.country
    )
    opening = _pick(rng, OPENINGS).format(shot=_pick(rng, SHOTS[plan.camera_motion]), height=_height(plan), place=place)

    style = architecture_style(plan.architecture_style)
    materials = list(style.interior if plan.indoor else style.exterior)
    order = rng.permutation(len(materials))
    named = f"{materials[order[0]]} and {materials[order[1]]}"
    extra = "" if plan.indoor else f", amid {style.features[int(rng.integers(len(style.features)))]}"
    template = _pick(rng, ARCHITECTURE)
    if seen is not None:  # the surfaces the render shows, in the materials it drew (none seen: no sentence)
        named, extra = (_join(seen.surfaces) if seen.surfaces else ""), ""
    architecture = template.format(
        style=style.name,
        a_style=_article(style.name),
        Style=style.name[:1].upper() + style.name[1:],
        materials=named,
        extra=extra,
    )

    light_table = LIGHT_INDOOR if plan.indoor else LIGHT_OUTDOOR
    if plan.weather in SUN_HIDDEN and plan.time_of_day in LIGHT_DIFFUSE_OUTDOOR:
        light_table = LIGHT_DIFFUSE_INDOOR if plan.indoor else LIGHT_DIFFUSE_OUTDOOR
    light = _pick(rng, light_table[plan.time_of_day]).format(
        dir=_compass(plan.sun_azimuth_deg), elev=max(1, round(plan.sun_elevation_deg))
    )

    daypart = (
        "night"
        if plan.time_of_day in ("night", "dusk")
        else ("morning" if plan.time_of_day in ("dawn", "morning") else "day")
    )
    season = plan.season.replace(" season", "-season") if "season" in plan.season else plan.season
    weather_phrase = _pick(rng, WEATHER[plan.weather])
    weather = _pick(rng, WEATHER_INDOOR if plan.indoor else WEATHER_SENTENCES).format(
        season=season,
        a_season=_article(f"{season} {daypart}"),
        season_name=f"the {plan.season}" if "season" in plan.season else plan.season,
        daypart=daypart,
        weather=weather_phrase,
        weather_bare=weather_phrase.split(" ", 1)[1],
    )

    if seen is not None and plan.indoor and not seen.windows:
        light, weather = LIGHT_WINDOWLESS[plan.time_of_day], ""
    before = [opening, *([architecture] if seen is None or seen.surfaces else []), light, *([weather] if weather else [])]
    if plan.landmark:
        landmark = _pick(rng, LANDMARK_SENTENCES).format(landmark=LANDMARKS[plan.landmark]).capitalize()
        if seen is None or seen.landmark:
            before.append(landmark)

    people_noun = PEOPLE_NOUNS.get(plan.venue, "visitors")
    people = next(_pick(rng, options) for limit, options in PEOPLE_LEVELS if plan.people_density < limit).format(
        people=people_noun
    )
    traffic_options = next(options for limit, options in TRAFFIC if plan.vehicle_density < limit)
    traffic = _pick(rng, traffic_options) if traffic_options else None
    entry = signage_table()[plan.language]
    quoted = plan.signage_text if seen is None else seen.sign_text  # the final prompt quotes a sign it shows
    signage = _pick(rng, SIGNAGE).format(language=entry.name, script=entry.script_name, text=quoted)
    grade, mood = GRADES[plan.colour_grade]
    graded = _pick(rng, GRADE_SENTENCES).format(grade=grade, mood=mood)
    decor_template = _pick(rng, DECOR_SENTENCES)
    if seen is None:
        return before, [people, signage, graded], (traffic if traffic and not plan.indoor else None), decor_template
    after = []
    people_template, traffic_template = _pick(rng, SEEN_PEOPLE), _pick(rng, SEEN_TRAFFIC)
    if seen.people:
        words, total, moving = _seen_group(seen.people, PERSON_NOUNS.get(plan.venue, "visitor"))
        seated = all(k.kind == "spectator" for k in seen.people)  # the stadium's spectators, in their seats
        act = _act(PEOPLE_ACTS, total, moving, ("walk", "watch" if seated else "stand", "mixed"))
        after.append(people_template.format(People=_capital(words), people=words, act=act))
    traffic = None
    if seen.vehicles:
        words, total, moving = _seen_group(seen.vehicles)
        act = _act(VEHICLE_ACTS, total, moving, ("drive", "park", "drive"))
        traffic = traffic_template.format(Vehicles=_capital(words), vehicles=words, act=act)
    if seen.sign_text:
        after.append(signage)
    after.append(graded)
    return before, after, traffic, decor_template


@dataclasses.dataclass(frozen=True)
class WrittenPrompt:
    text: str
    named: tuple[str, ...]  # the object kinds the text names (decor, people, vehicles, landmark), in order


def build_prompt(plan: ScenePlan, visibility: Visibility | None = None) -> str:
    """The prompt for ``plan``: 100-150 words, deterministic; from the render's ``visibility`` when given
    (the final prompt), else from the plan alone (the draft of the ``prompts`` table)."""
    return write_prompt(plan, visibility).text


def write_prompt(plan: ScenePlan, visibility: Visibility | None = None) -> WrittenPrompt:
    """The prompt and the kinds it names.

    Without ``visibility`` decor is named in plan order with the plan's counts; with it, the visible decor
    kinds by prominence with their visible counts. As many items as the word budget allows are named (at
    least two where there are two); a long prompt then drops its traffic sentence, a short one gains camera
    and quality sentences."""
    rng = np.random.default_rng([plan.seed, PROMPT_STREAM])
    seen = _Seen.of(visibility) if visibility is not None else None
    before, after, traffic, decor_template = _sentences(plan, rng, seen)
    fillers = [FILLERS[i] for i in rng.permutation(len(FILLERS))]
    if seen is None:
        kinds = [d.name for d in plan.decor]
        items = [counted(d.name, d.count) for d in plan.decor]
        counts = [d.count for d in plan.decor]
        others: list[str] = []
    else:
        kinds = [k.kind for k in seen.items]
        items = [counted(k.kind, k.visible) for k in seen.items]
        counts = [k.visible for k in seen.items]
        others = [k.kind for k in seen.people] + [k.kind for k in seen.vehicles]
        if plan.landmark:  # the landmark sentence names it when it is seen
            others += [k.kind for k in visibility.seen() if not k.decor and k.class_name == LANDMARK_CLASS]

    def assemble(n_items: int, with_traffic: bool, n_fillers: int = 0) -> str:
        one = n_items == 1 and counts[0] == 1  # "In view is a kiosk.", not "In view are a kiosk."
        template = decor_template.replace(" are {items}", " is {items}") if one else decor_template
        decor = [template.format(items=_join(items[:n_items]))] if n_items else []
        extra = [traffic] if traffic and with_traffic else []
        tail = [*after[:1], *extra, *after[1:]] if seen is None else [*extra, *after]
        return " ".join([*before, *decor, *tail, *fillers[:n_fillers]])

    # Longest first: all decor with traffic, then fewer items, then no traffic, then a single item.
    budgets = [(n, True) for n in range(len(items), min(2, len(items)) - 1, -1)] + [
        (min(2, len(items)), False),
        (min(1, len(items)), False),
    ]
    for n_items, with_traffic in budgets:
        text = assemble(n_items, with_traffic)
        if len(text.split()) <= MAX_WORDS:
            break
    n_fillers = 0
    while len(text.split()) < MIN_WORDS and n_fillers < len(fillers):
        n_fillers += 1
        text = assemble(n_items, with_traffic, n_fillers)
    words = len(text.split())
    if not MIN_WORDS <= words <= MAX_WORDS:
        raise ConfigError(
            f"The prompt for {plan.sample_id} has {words} words, outside {MIN_WORDS}-{MAX_WORDS}.",
            fix="shorten (or lengthen) the space, decor or signage phrases in the taxonomy data",
        )
    vehicle_kinds = {k.kind for k in seen.vehicles} if seen is not None else set()
    named = [*kinds[:n_items], *(k for k in others if k not in vehicle_kinds or (traffic and with_traffic))]
    return WrittenPrompt(text, tuple(dict.fromkeys(named)))


_WORD = re.compile(r"\w+", re.UNICODE)


def distinct_ngram_ratio(prompts: Sequence[str], n: int = 3) -> float:
    """Distinct word n-grams over all n-grams in ``prompts`` (case-folded): 1.0 when no n-gram repeats."""
    if n < 1:
        raise ConfigError(f"n={n} is not a positive n-gram length.", fix="pass n >= 1")
    grams: list[tuple[str, ...]] = []
    for text in prompts:
        tokens = _WORD.findall(text.casefold())
        grams.extend(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    if not grams:
        raise ConfigError(f"No {n}-grams in {len(prompts)} prompt(s).", fix=f"pass prompts of at least {n} words")
    return len(set(grams)) / len(grams)
