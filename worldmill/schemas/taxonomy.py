"""Pydantic models of the taxonomy files (``worldmill/data/*.yaml``) and of the records built from them.

Loading and validation with friendly errors live in ``worldmill.taxonomy``; these are only the shapes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Placement = Literal["wall", "floor", "ceiling", "grouped", "along_path", "center", "perimeter", "scattered", "overhead"]
Archetype = Literal["skyline", "hospital", "zoo", "museum", "amusement_park", "interior_hall", "open_air", "stadium"]
CameraMotion = Literal["orbit", "glide", "flyover", "walkthrough", "dolly", "pan", "static"]
Continent = Literal["AF", "AN", "AS", "EU", "NA", "OC", "SA"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SemanticClass(_Strict):
    id: int = Field(ge=0, le=255)
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    color: tuple[int, int, int]
    description: str

    @field_validator("color")
    @classmethod
    def _rgb(cls, v: tuple[int, int, int]) -> tuple[int, int, int]:
        if any(not 0 <= c <= 255 for c in v):
            raise ValueError("each colour channel must be 0..255")
        return v


class SemanticClassFile(_Strict):
    version: int
    classes: list[SemanticClass]

    @model_validator(mode="after")
    def _unique(self) -> SemanticClassFile:
        for attr in ("id", "name", "color"):
            values = [getattr(c, attr) for c in self.classes]
            dupes = sorted({str(v) for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate class {attr}: {', '.join(dupes)}")
        return self


class DecorItem(_Strict):
    """One kind of object that belongs in a venue, with its size range in metres (width, height, depth)."""

    name: str
    semantic_class: str
    size_min: tuple[float, float, float]
    size_max: tuple[float, float, float]
    placement: Placement
    count: tuple[int, int] = (1, 4)
    space: Literal["indoor", "outdoor", "any"] = "any"

    @model_validator(mode="after")
    def _ranges(self) -> DecorItem:
        if any(a <= 0 or a > b for a, b in zip(self.size_min, self.size_max, strict=True)):
            raise ValueError(f"size_min {self.size_min} must be positive and <= size_max {self.size_max}")
        if not 0 <= self.count[0] <= self.count[1]:
            raise ValueError(f"count {self.count} must be an increasing pair of non-negative integers")
        return self


class VenueType(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    osm_tag: str = Field(pattern=r"^[a-z_:]+=[a-z_;]+$")
    archetype: Archetype
    indoor_spaces: list[str] = []
    outdoor_spaces: list[str] = []
    camera_motions: list[CameraMotion] = Field(min_length=1)
    decor: list[DecorItem] = Field(min_length=15)
    space_animals: dict[str, list[str]] = {}  # the animals a space's name promises ("primate island"); others hold any


class VenueFile(_Strict):
    version: int
    venues: list[VenueType]


class CityLocale(_Strict):
    """What makes a place look and read like itself."""

    languages: tuple[str, ...]
    script: str
    driving_side: Literal["left", "right"]
    climate_band: Literal["tropical", "subtropical", "temperate", "continental", "polar", "arid"]
    hemisphere: Literal["north", "south"]
    architecture_style: str


class City(_Strict):
    key: str = Field(pattern=r"^[a-z0-9-]+$")
    geonameid: int
    name: str
    ascii_name: str
    alternate_names: tuple[str, ...] = ()
    country_code: str = Field(min_length=2, max_length=2)
    country: str
    continent: Continent
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    timezone: str
    population: int = Field(ge=0)
    locale: CityLocale


class Cell(_Strict):
    """A (city, venue) pair: the unit of partitioning and of generation."""

    key: str
    city: City
    venue: VenueType
