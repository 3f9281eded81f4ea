"""Typed records that cross boundaries (domain -> lake -> SQL). Each Delta table's schema is derived from
its record class here, so a column is declared exactly once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from typing import Any, ClassVar

import pyarrow as pa

_SCALARS: dict[Any, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
    bytes: pa.binary(),
    dt.datetime: pa.timestamp("us", tz="UTC"),
}


def _arrow_type(hint: Any) -> tuple[pa.DataType, bool]:
    """Map a type hint to (arrow type, nullable)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        (inner,) = args
        return _arrow_type(inner)[0], True
    if origin is list:
        (inner,) = typing.get_args(hint)
        return pa.list_(_arrow_type(inner)[0]), False
    if hint in _SCALARS:
        return _SCALARS[hint], False
    raise TypeError(f"No arrow type for {hint!r}")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Footage layout under a site's footage root: one folder per sample (its conditions), one sub-folder per
# generator holding the clip. Rows record these keys (``ClipRow.rgb_path``); every reader derives from here.
def sample_key(venue: str, city_key: str, sample_id: str) -> str:
    """Blob key of a sample's folder: ``{venue}/{city_key}/{sample_id}``."""
    return f"{venue}/{city_key}/{sample_id}"


def clip_folder_key(sample: str, generator: str) -> str:
    """Blob key of the folder holding a generator's clip (``rgb.mp4``, ``contact_sheet.png``) of a sample."""
    return f"{sample}/{generator}"


def sample_key_of(rgb_path: str) -> str:
    """The sample folder's key from a clip's ``rgb_path`` (``{sample}/{generator}/rgb.mp4``)."""
    return rgb_path.rsplit("/", 2)[0]


@dataclasses.dataclass(frozen=True)
class Record:
    """Base of every catalogue row. Subclasses set ``table``, ``key`` and optionally ``partition_by``."""

    table: ClassVar[str]
    key: ClassVar[tuple[str, ...]]
    partition_by: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def arrow_schema(cls) -> pa.Schema:
        hints = typing.get_type_hints(cls)
        fields = []
        for f in dataclasses.fields(cls):
            typ, nullable = _arrow_type(hints[f.name])
            fields.append(pa.field(f.name, typ, nullable=nullable or f.name not in cls.key))
        return pa.schema(fields)

    def to_row(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def to_arrow(cls, records: typing.Sequence[Record]) -> pa.Table:
        return pa.Table.from_pylist([r.to_row() for r in records], schema=cls.arrow_schema())


@dataclasses.dataclass(frozen=True)
class CityRow(Record):
    table: ClassVar[str] = "cities"
    key: ClassVar[tuple[str, ...]] = ("city_key",)

    city_key: str
    geonameid: int
    name: str
    ascii_name: str
    country_code: str
    country: str
    continent: str
    latitude: float
    longitude: float
    timezone: str
    population: int
    languages: list[str]
    script: str
    driving_side: str
    climate_band: str
    architecture_style: str


@dataclasses.dataclass(frozen=True)
class VenueRow(Record):
    table: ClassVar[str] = "venues"
    key: ClassVar[tuple[str, ...]] = ("venue",)

    venue: str
    name: str
    osm_tag: str
    archetype: str
    spaces: list[str]
    decor_classes: list[str]


@dataclasses.dataclass(frozen=True)
class CellRow(Record):
    table: ClassVar[str] = "cells"
    key: ClassVar[tuple[str, ...]] = ("cell_key",)

    cell_key: str
    city_key: str
    venue: str
    city: str
    country_code: str
    continent: str
    registered_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class PromptRow(Record):
    table: ClassVar[str] = "prompts"
    key: ClassVar[tuple[str, ...]] = ("sample_id",)
    partition_by: ClassVar[tuple[str, ...]] = ("venue",)

    sample_id: str
    cell_key: str
    city_key: str
    venue: str
    round: int
    index: int
    seed: int
    prompt: str
    word_count: int
    camera_motion: str
    time_of_day: str
    weather: str
    season: str
    plan_json: str
    prompt_sha256: str
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ConditionRow(Record):
    table: ClassVar[str] = "conditions"
    key: ClassVar[tuple[str, ...]] = ("sample_id",)
    partition_by: ClassVar[tuple[str, ...]] = ("venue",)

    sample_id: str
    cell_key: str
    venue: str
    uri: str
    width: int
    height: int
    frames: int
    fps: int
    modalities: list[str]
    object_count: int
    primitive_count: int  # analytic boxes, cylinders and spheres ray-cast by the renderer
    files_sha256: str
    scene_s: float
    render_s: float
    encode_s: float
    created_at: dt.datetime
    sign_fonts: str = ""  # fonts and licences of the sign text the clip shows, "; "-joined ("" when it shows none)
    # The final prompt, written from what the render shows (``prompt.txt`` of the condition set); the
    # ``prompts`` table keeps the plan's draft. Null only on rows written before prompts were measured.
    prompt: str | None = None
    prompt_sha256: str | None = None
    lead_subject: str | None = None  # the kind the camera path was planned around
    lead_in_frame: float | None = None  # share of frames in which it covers >= 2 % of the image


@dataclasses.dataclass(frozen=True)
class VisibilityRow(Record):
    """What one sample's clip shows, per object kind (``worldmill.scenes.visibility``): planned and visible
    instances, coverage and frames. Rows exist for every kind the scene holds; ``visible`` = 0 means planned
    but never seen. ``named``: the final prompt names it."""

    table: ClassVar[str] = "visibility"
    key: ClassVar[tuple[str, ...]] = ("sample_id", "kind")
    partition_by: ClassVar[tuple[str, ...]] = ("venue",)

    sample_id: str
    cell_key: str
    city_key: str
    venue: str
    round: int
    kind: str  # decor name ("giraffe") or object label ("pedestrian", "car")
    class_name: str  # semantic class
    decor: bool  # a decor choice of the plan
    planned: int  # instances in the scene
    visible: int  # instances covering >= 0.5 % of the image in at least one frame
    moving: int  # visible instances that move
    instance_ids: list[int]  # the visible instances, most covered first
    coverage_max: float  # largest share of a frame the kind covers
    coverage_mean: float  # mean share over the frames (prominence)
    frames: int  # frames in the clip
    frames_visible: int  # frames in which the kind covers >= 0.5 %
    frames_subject: int  # frames in which it covers >= 2 %
    prominence_rank: int  # 1 = most prominent kind of the clip
    named: bool
    lead: bool  # the camera path was planned around it
    created_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class ClipRow(Record):
    table: ClassVar[str] = "clips"
    key: ClassVar[tuple[str, ...]] = ("clip_id",)
    partition_by: ClassVar[tuple[str, ...]] = ("venue",)

    clip_id: str
    sample_id: str
    cell_key: str
    city_key: str
    city: str
    country_code: str
    continent: str
    venue: str
    seed: int
    round: int
    generator: str
    generator_version: str
    uri: str
    rgb_path: str
    width: int
    height: int
    frames: int
    fps: int
    duration_s: float
    camera_motion: str
    time_of_day: str
    weather: str
    rgb_sha256: str
    conditions_sha256: str
    guardrail: str  # which face guardrail ran before publication
    faces_blurred: int  # face detections pixelated by it
    generate_s: float
    created_at: dt.datetime
    # the procedural asset library's version the clip's scene was built with (worldmill.library.VERSION)
    asset_library_version: str = dataclasses.field(default_factory=lambda: _asset_library_version())


def _asset_library_version() -> str:
    from worldmill.library import VERSION

    return VERSION


@dataclasses.dataclass(frozen=True)
class ScoreRow(Record):
    """One clip's curation scores (``worldmill.metrics.score_clip``). Metric columns are null only when
    ``status`` is "error" (``reason`` says why) or, for controllability, when ``control_reason`` says why."""

    table: ClassVar[str] = "scores"
    key: ClassVar[tuple[str, ...]] = ("clip_id",)

    clip_id: str
    cell_key: str
    status: str  # "pass" | "fail" | "error"
    reason: str | None  # "; "-joined failure reasons (fail) or the error (error); null on pass
    frames: int | None
    fps: float | None
    width: int | None
    height: int | None
    duration_s: float | None
    # quality, no learned weights (worldmill.metrics.quality)
    sharpness: float | None  # Laplacian variance of luma
    exposure_mean: float | None  # mean luma 0..1
    contrast: float | None  # luma std 0..1
    colourfulness: float | None  # Hasler-Süsstrunk M
    motion_mean: float | None  # Farneback flow magnitude, px/frame
    motion_max: float | None
    flicker: float | None  # mean |2nd difference| of frame mean luma, 8-bit levels
    black_ratio: float | None  # fraction of black frames
    frozen_ratio: float | None  # fraction of unchanged frame transitions
    overlay_text: float | None  # fraction of frame under static text-like regions
    quality_score: float | None  # composite 0..1
    # controllability against the sample's conditions (worldmill.metrics.controllability)
    blur_ssim: float | None
    edge_f1: float | None
    depth_si_rmse: float | None
    seg_miou: float | None
    control_reason: str | None  # why any controllability column is null
    # dedup signatures (worldmill.metrics.signatures), used by worldmill.metrics.dedup
    phash: list[int] | None  # per-frame 64-bit pHash (as signed int64) of aligned sampled frames
    visual_embedding: list[float] | None  # L2-normalised colour-layout embedding
    scored_at: dt.datetime


@dataclasses.dataclass(frozen=True)
class CatalogueRow(Record):
    """The published, denormalised index: one row per clip with its prompt, labels and curation verdict."""

    table: ClassVar[str] = "catalogue"
    key: ClassVar[tuple[str, ...]] = ("clip_id",)
    partition_by: ClassVar[tuple[str, ...]] = ("venue",)

    clip_id: str
    sample_id: str
    cell_key: str
    city: str
    country_code: str
    continent: str
    venue: str
    round: int
    seed: int
    generator: str
    prompt: str
    time_of_day: str
    weather: str
    season: str
    camera_motion: str
    width: int
    height: int
    frames: int
    fps: int
    duration_s: float
    uri: str
    rgb_path: str
    status: str
    reason: str | None
    accepted: bool
    published_at: dt.datetime
    shows: list[str] | None = None  # the visible kinds, most prominent first (`list_contains(shows, 'giraffe')`)


@dataclasses.dataclass(frozen=True)
class RoundClaimRow(Record):
    """Which run makes a round of a cell: claimed by a conditional commit, so concurrent runs of one cell
    get distinct rounds; a round is resumed by another run only once its claimant is no longer in progress."""

    table: ClassVar[str] = "rounds"
    key: ClassVar[tuple[str, ...]] = ("cell_key", "round")

    cell_key: str
    round: int
    run_id: str
    generator: str
    claimed_at: dt.datetime


ALL_RECORDS: tuple[type[Record], ...] = (
    CityRow,
    VenueRow,
    CellRow,
    PromptRow,
    ConditionRow,
    ClipRow,
    ScoreRow,
    CatalogueRow,
    VisibilityRow,
    RoundClaimRow,
)
