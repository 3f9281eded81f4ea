"""The taxonomy: cities × venue types = cells, the unit of partitioning and generation.

``load_taxonomy`` reads the packaged data (or ``data_dir``) and an optional user overlay (``extra_dir``):
a venues.yaml there adds (or replaces, by id) venue types and a cities.yaml adds cities, so registering a
new entry adds cells with no code change.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from collections.abc import Sequence
from pathlib import Path

from worldmill.errors import TaxonomyError, UnknownNameError
from worldmill.schemas.records import CellRow, CityRow, VenueRow, utcnow
from worldmill.schemas.taxonomy import Cell, City, VenueType
from worldmill.taxonomy.cities import geonames, geonames_cities, lookup_form, overlay_cities
from worldmill.taxonomy.classes import SemanticClasses
from worldmill.taxonomy.files import DEFAULT_DATA_DIR
from worldmill.taxonomy.locale import LocaleTables
from worldmill.taxonomy.venues import load_venues

CELL_SEPARATOR = "__"
_CITY_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_VENUE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
OVERLAY_FILES = ("venues.yaml", "cities.yaml")


def cell_key(city_key: str, venue_id: str) -> str:
    """``{city_key}__{venue}``: a Dagster partition key and a path component."""
    if not _CITY_KEY.match(city_key):
        raise TaxonomyError(
            f"City key {city_key!r} is not an ASCII slug with its GeoNames id.",
            fix="take keys from Taxonomy.cities or Taxonomy.city(name).key",
        )
    if not _VENUE_ID.match(venue_id):
        raise TaxonomyError(f"Venue id {venue_id!r} is not snake_case.", fix="take ids from Taxonomy.venues")
    return f"{city_key}{CELL_SEPARATOR}{venue_id}"


def parse_cell_key(key: str) -> tuple[str, str]:
    """``shanghai-1796236__zoo`` → ``("shanghai-1796236", "zoo")``. City keys hold no underscore, so the first
    ``__`` is the separator."""
    city, sep, venue = key.partition(CELL_SEPARATOR)
    if not sep or not _CITY_KEY.match(city) or not _VENUE_ID.match(venue):
        raise TaxonomyError(
            f"Cell key {key!r} is not of the form '{{city_key}}__{{venue}}'.",
            fix="build it with worldmill.taxonomy.cell_key(city_key, venue_id)",
        )
    return city, venue


class Taxonomy:
    """Validated cities, venue types and semantic classes, with look-ups that accept what people type."""

    def __init__(
        self,
        classes: SemanticClasses,
        venues: Sequence[VenueType],
        cities: Sequence[City],
        *,
        sources: Sequence[str],
        min_population: int,
    ):
        self.classes = classes
        self.venues: dict[str, VenueType] = {v.id: v for v in venues}
        ordered = sorted(cities, key=lambda c: (-c.population, c.key))
        self.cities: dict[str, City] = {c.key: c for c in ordered}
        self.sources = tuple(sources)
        self.min_population = min_population
        self._names: dict[str, list[City]] = {}
        self._alternates: dict[str, list[City]] = {}
        for city in ordered:  # most populous first, so ambiguity resolves to the largest city
            for name in {lookup_form(city.name), lookup_form(city.ascii_name)}:
                self._names.setdefault(name, []).append(city)
            for alt in city.alternate_names:
                self._alternates.setdefault(lookup_form(alt), []).append(city)

    def __repr__(self) -> str:
        return f"Taxonomy({len(self.cities)} cities, {len(self.venues)} venues, {len(self.classes.names)} classes)"

    # -- look-ups ---------------------------------------------------------------------------------------

    def city(self, name_or_key: str) -> City:
        """By key, GeoNames id, name, ASCII name or alternate name, in any script, case and accents;
        when several cities share the name, the most populous (primary names before alternates)."""
        if name_or_key in self.cities:
            return self.cities[name_or_key]
        text = str(name_or_key).strip()
        if text.isdigit():
            for city in self.cities.values():
                if city.geonameid == int(text):
                    return city
        form = lookup_form(text)
        found = self._names.get(form) or self._alternates.get(form)
        if found:
            return found[0]
        raise self._unknown_city(text)

    def _unknown_city(self, text: str) -> UnknownNameError:
        source = f"the taxonomy (GeoNames cities of at least {self.min_population:,} people, plus overlays {', '.join(self.sources[1:]) or 'none'})"
        error = UnknownNameError("city", text, [c.name for c in self.cities.values()], source=source)
        form = lookup_form(text)
        below = [r for r in geonames().cities.values() if form and lookup_form(r["name"]) == form]
        if below:
            best = max(below, key=lambda r: r["population"])
            error.fix = (
                f"{best['name']} (GeoNames {best['geonameid']}, {best['population']:,} people) is below min_population="
                f"{self.min_population:,}: lower min_population or list {{geonameid: {best['geonameid']}}} in cities.yaml of the overlay directory"
            )
            error.args = (f"{error.message} Fix: {error.fix}",)
        return error

    def venue(self, venue_id: str) -> VenueType:
        """By id (``amusement_park``) or name (``Amusement park``), case-insensitive."""
        if venue_id in self.venues:
            return self.venues[venue_id]
        form = lookup_form(venue_id).replace(" ", "_")
        for venue in self.venues.values():
            if form in (venue.id, lookup_form(venue.name).replace(" ", "_")):
                return venue
        raise UnknownNameError("venue", venue_id, self.venues, source=" and ".join(self.sources))

    def cell(self, key: str) -> Cell:
        city_key, venue_id = parse_cell_key(key)
        if city_key not in self.cities:
            raise UnknownNameError("city key", city_key, self.cities, source=f"cell key {key!r}")
        return Cell(key=key, city=self.cities[city_key], venue=self.venue(venue_id))

    def cells(self, cities: Sequence[str] | None = None, venues: Sequence[str] | None = None) -> list[Cell]:
        """Every (city, venue) pair of the selection, cities first; ``None`` or empty selects all."""
        chosen_cities = (
            list({c.key: c for c in map(self.city, cities)}.values()) if cities else list(self.cities.values())
        )
        chosen_venues = (
            list({v.id: v for v in map(self.venue, venues)}.values()) if venues else list(self.venues.values())
        )
        return [Cell(key=cell_key(c.key, v.id), city=c, venue=v) for c in chosen_cities for v in chosen_venues]

    # -- lineage and rows -------------------------------------------------------------------------------

    @functools.cached_property
    def fingerprint(self) -> str:
        """sha256 of the taxonomy's content (classes, venues, cities with locales): equal content, equal hash."""
        content = {
            "classes": [c.model_dump(mode="json") for c in self.classes.classes],
            "venues": [v.model_dump(mode="json") for v in sorted(self.venues.values(), key=lambda v: v.id)],
            "cities": [c.model_dump(mode="json") for c in sorted(self.cities.values(), key=lambda c: c.key)],
        }
        return hashlib.sha256(json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()

    def city_rows(self) -> list[CityRow]:
        return [
            CityRow(
                city_key=c.key,
                geonameid=c.geonameid,
                name=c.name,
                ascii_name=c.ascii_name,
                country_code=c.country_code,
                country=c.country,
                continent=c.continent,
                latitude=c.latitude,
                longitude=c.longitude,
                timezone=c.timezone,
                population=c.population,
                languages=list(c.locale.languages),
                script=c.locale.script,
                driving_side=c.locale.driving_side,
                climate_band=c.locale.climate_band,
                architecture_style=c.locale.architecture_style,
            )
            for c in self.cities.values()
        ]

    def venue_rows(self) -> list[VenueRow]:
        return [
            VenueRow(
                venue=v.id,
                name=v.name,
                osm_tag=v.osm_tag,
                archetype=v.archetype,
                spaces=[*v.indoor_spaces, *v.outdoor_spaces],
                decor_classes=sorted({d.semantic_class for d in v.decor}),
            )
            for v in self.venues.values()
        ]

    def cell_rows(self, cells: Sequence[Cell], registered_at: dt.datetime | None = None) -> list[CellRow]:
        when = registered_at or utcnow()
        return [
            CellRow(
                cell_key=c.key,
                city_key=c.city.key,
                venue=c.venue.id,
                city=c.city.name,
                country_code=c.city.country_code,
                continent=c.city.continent,
                registered_at=when,
            )
            for c in cells
        ]


def load_taxonomy(
    data_dir: Path | None = None, *, min_population: int = 1_000_000, extra_dir: Path | None = None
) -> Taxonomy:
    """Validate and assemble the taxonomy. ``data_dir`` holds semantic_classes.yaml, venues.yaml,
    locale.yaml and architecture.yaml (default: the packaged data); ``extra_dir`` is a user overlay with
    venues.yaml and/or cities.yaml. Malformed or inconsistent files raise ``TaxonomyError``."""
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    if not data_dir.is_dir():
        raise TaxonomyError(
            f"Taxonomy data directory {data_dir} does not exist.",
            fix="pass an existing directory, or None for the packaged data",
        )
    if isinstance(min_population, bool) or not isinstance(min_population, int) or min_population < 0:
        raise TaxonomyError(
            f"min_population={min_population!r} is not a non-negative integer.", fix="pass e.g. 1_000_000"
        )
    classes = SemanticClasses.load(data_dir / "semantic_classes.yaml")
    tables = LocaleTables.load(data_dir)
    venues = {v.id: v for v in load_venues(data_dir / "venues.yaml", classes)}
    cities = {c.geonameid: c for c in geonames_cities(min_population, tables)}
    sources = [str(data_dir)]
    if extra_dir is not None:
        extra_dir = Path(extra_dir)
        present = [name for name in OVERLAY_FILES if (extra_dir / name).is_file()]
        if not present:
            raise TaxonomyError(
                f"Taxonomy overlay directory {extra_dir} has neither {' nor '.join(OVERLAY_FILES)}.",
                fix="create one of them there, or unset the overlay (extra_dir / WORLDMILL_TAXONOMY_DIR)",
            )
        if "venues.yaml" in present:
            venues.update({v.id: v for v in load_venues(extra_dir / "venues.yaml", classes)})
        if "cities.yaml" in present:
            cities.update({c.geonameid: c for c in overlay_cities(extra_dir / "cities.yaml", tables)})
        sources += [str(extra_dir / name) for name in present]
    return Taxonomy(
        classes, list(venues.values()), list(cities.values()), sources=sources, min_population=min_population
    )
