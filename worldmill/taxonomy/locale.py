"""What makes a city look and read like itself: signage languages and script (CLDR via babel), driving
side, climate band, hemisphere and architecture style (``data/locale.yaml``, ``data/architecture.yaml``)."""

from __future__ import annotations

import dataclasses
import functools
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from worldmill.errors import TaxonomyError, UnknownNameError
from worldmill.schemas.taxonomy import CityLocale, Continent
from worldmill.taxonomy.files import DEFAULT_DATA_DIR, validate_file

TROPIC_DEG = 23.44
POLAR_CIRCLE_DEG = 66.5
SUBTROPICAL_LIMIT_DEG = 35.0
CONTINENTS: tuple[str, ...] = ("AF", "AN", "AS", "EU", "NA", "OC", "SA")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Region(_Strict):
    """A latitude/longitude box (degrees); coarse on purpose: it only moves a city between climate bands."""

    name: str
    latitude: tuple[float, float]
    longitude: tuple[float, float]

    @model_validator(mode="after")
    def _ordered(self) -> Region:
        if self.latitude[0] > self.latitude[1] or self.longitude[0] > self.longitude[1]:
            raise ValueError(f"region {self.name!r} needs [min, max] ranges")
        return self

    def contains(self, latitude: float, longitude: float) -> bool:
        return self.latitude[0] <= latitude <= self.latitude[1] and self.longitude[0] <= longitude <= self.longitude[1]


class LocaleFile(_Strict):
    version: int
    left_driving: list[str]
    arid_countries: list[str]
    arid_regions: list[Region] = []
    continental_regions: list[Region] = []


class ArchitectureStyle(_Strict):
    """A regional look: prompts name it and some of its materials; scene generators may read it too."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    exterior: list[str] = Field(min_length=2)
    interior: list[str] = Field(min_length=2)
    features: list[str] = Field(min_length=1)


class ArchitectureFile(_Strict):
    version: int
    styles: list[ArchitectureStyle] = Field(min_length=1)
    countries: dict[str, str]
    continents: dict[Continent, str]

    @model_validator(mode="after")
    def _references(self) -> ArchitectureFile:
        ids = {s.id for s in self.styles}
        for where, mapping in (("countries", self.countries), ("continents", self.continents)):
            for code, style in mapping.items():
                if style not in ids:
                    raise ValueError(f"{where}.{code} names style {style!r}, which is not in styles")
        missing = [c for c in CONTINENTS if c not in self.continents]
        if missing:
            raise ValueError(f"continents lacks a fallback style for {', '.join(missing)}")
        return self


@dataclasses.dataclass(frozen=True)
class LocaleTables:
    """The locale data files of one data directory, validated."""

    locale: LocaleFile
    architecture: ArchitectureFile

    @functools.cached_property
    def styles(self) -> dict[str, ArchitectureStyle]:
        return {s.id: s for s in self.architecture.styles}

    @classmethod
    def load(cls, data_dir: Path) -> LocaleTables:
        locale = validate_file(
            data_dir / "locale.yaml",
            LocaleFile,
            fix="give version, left_driving and arid_countries (ISO alpha-2 lists) and regions as {name, latitude: [min, max], longitude: [min, max]}",
        )
        architecture = validate_file(
            data_dir / "architecture.yaml",
            ArchitectureFile,
            fix="each style needs id, name, exterior, interior and features; countries and continents map codes to style ids",
        )
        return cls(locale, architecture)


@functools.lru_cache(maxsize=1)
def packaged_locale_tables() -> LocaleTables:
    """The packaged tables, read once per process (prompts look architecture styles up here)."""
    return LocaleTables.load(DEFAULT_DATA_DIR)


def architecture_style(style_id: str) -> ArchitectureStyle:
    """A packaged architecture style by id."""
    styles = packaged_locale_tables().styles
    try:
        return styles[style_id]
    except KeyError:
        raise UnknownNameError(
            "architecture style", style_id, styles, source=str(DEFAULT_DATA_DIR / "architecture.yaml")
        ) from None


def official_languages(country_code: str, geonames_languages: str = "") -> tuple[str, ...]:
    """CLDR official (and de facto) languages, most widely spoken first; GeoNames' list if CLDR has none."""
    from babel.languages import get_official_languages, get_territory_language_info

    langs = get_official_languages(country_code, de_facto=True)
    if langs:
        info = get_territory_language_info(country_code)
        ranked = sorted(
            range(len(langs)), key=lambda i: (-float(info.get(langs[i], {}).get("population_percent", 0.0)), i)
        )
        return tuple(langs[i] for i in ranked)
    fallback = tuple(dict.fromkeys(code.split("-")[0] for code in geonames_languages.split(",") if code.strip()))
    return fallback or ("en",)


def script_of(language: str, country_code: str) -> str:
    """ISO 15924 script of ``language`` as written in ``country_code`` (CLDR likely subtags)."""
    from babel.core import get_global

    parts = language.split("_")
    if len(parts) > 1 and len(parts[1]) == 4:
        return parts[1]
    likely = get_global("likely_subtags")
    for key in (f"{language}_{country_code}", language):
        full = likely.get(key)
        if full:
            subtags = full.split("_")
            if len(subtags) > 1 and len(subtags[1]) == 4:
                return subtags[1]
    return "Zyyy"  # ISO 15924 "undetermined script"


def climate_band(latitude: float, longitude: float, country_code: str, tables: LocaleTables) -> str:
    """A coarse band from latitude; arid and continental (Koppen B and D) come from the regions in locale.yaml."""
    lat = abs(latitude)
    if lat >= POLAR_CIRCLE_DEG:
        return "polar"
    if country_code in tables.locale.arid_countries or any(
        r.contains(latitude, longitude) for r in tables.locale.arid_regions
    ):
        return "arid"
    if lat < TROPIC_DEG:
        return "tropical"
    if lat < SUBTROPICAL_LIMIT_DEG:
        return "subtropical"
    if any(r.contains(latitude, longitude) for r in tables.locale.continental_regions):
        return "continental"
    return "temperate"


def style_for(country_code: str, continent: str, tables: LocaleTables) -> str:
    mapping = tables.architecture
    return mapping.countries.get(country_code) or mapping.continents[continent]  # type: ignore[index]


def build_locale(
    country_code: str,
    continent: str,
    latitude: float,
    longitude: float,
    tables: LocaleTables,
    *,
    geonames_languages: str = "",
    overrides: dict[str, Any] | None = None,
) -> CityLocale:
    """The locale of a place; ``overrides`` (from a user's cities.yaml) replace derived fields."""
    languages = official_languages(country_code, geonames_languages)
    derived: dict[str, Any] = {
        "languages": languages,
        "script": script_of(languages[0], country_code),
        "driving_side": "left" if country_code in tables.locale.left_driving else "right",
        "climate_band": climate_band(latitude, longitude, country_code, tables),
        "hemisphere": "south" if latitude < 0 else "north",
        "architecture_style": style_for(country_code, continent, tables),
    }
    if overrides:
        if "languages" in overrides and "script" not in overrides:
            derived["script"] = script_of(next(iter(overrides["languages"])), country_code)
        derived.update(overrides)
    if derived["architecture_style"] not in tables.styles:
        raise TaxonomyError(
            f"Architecture style {derived['architecture_style']!r} is not defined.",
            fix=f"use one of {', '.join(sorted(tables.styles))} or add it to architecture.yaml",
        )
    return CityLocale(**derived)
