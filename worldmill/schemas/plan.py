"""The scene plan: every random choice for one sample, drawn once from its seed.

The prompt describes the plan and the scene generator realises it, so what the prompt names is what is
rendered. Plans are serialised into the ``prompts`` table (``plan_json``) and ``scene.json``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

TIMES_OF_DAY = ("dawn", "morning", "noon", "afternoon", "golden_hour", "dusk", "night")
WEATHERS = ("clear", "partly_cloudy", "overcast", "fog", "rain", "snow", "haze")
CAMERA_MOTIONS = ("orbit", "glide", "flyover", "walkthrough", "dolly", "pan", "static")
LANDMARK_KINDS = ("circular_tower", "needle_tower", "twin_towers", "dome", "arch", "stepped_pyramid")
COLOUR_GRADES = ("natural", "warm filmic", "cool teal-orange", "soft pastel", "high-contrast", "desaturated documentary")


@dataclasses.dataclass(frozen=True)
class DecorChoice:
    name: str
    semantic_class: str
    count: int
    size_min: tuple[float, float, float]
    size_max: tuple[float, float, float]
    placement: str


@dataclasses.dataclass(frozen=True)
class ScenePlan:
    sample_id: str
    seed: int
    cell_key: str
    city_key: str
    city_name: str
    country: str
    venue: str
    venue_name: str
    archetype: str
    space: str  # the named indoor/outdoor space, e.g. "paediatric ward"
    indoor: bool
    time_of_day: str  # dawn | morning | noon | afternoon | golden_hour | dusk | night
    sun_elevation_deg: float
    sun_azimuth_deg: float
    weather: str  # clear | partly_cloudy | overcast | fog | rain | snow | haze
    season: str
    camera_motion: str
    camera_height_m: float
    architecture_style: str
    driving_side: str
    language: str
    script: str
    signage_text: str
    colour_grade: str
    people_density: float  # 0..1
    vehicle_density: float  # 0..1
    decor: tuple[DecorChoice, ...]
    landmark: str | None = None  # one of LANDMARK_KINDS for skyline scenes

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ScenePlan:
        data = dict(data)
        data["decor"] = tuple(
            DecorChoice(**{**d, "size_min": tuple(d["size_min"]), "size_max": tuple(d["size_max"])}) for d in data["decor"]
        )
        return cls(**data)

    @classmethod
    def from_json(cls, text: str) -> ScenePlan:
        return cls.from_dict(json.loads(text))


@dataclasses.dataclass(frozen=True)
class RenderSettings:
    width: int = 256
    height: int = 256
    frames: int = 48
    fps: int = 24

    def __post_init__(self) -> None:
        from worldmill.errors import ConfigError

        for name in ("width", "height", "frames", "fps"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ConfigError(f"Render setting {name}={value!r} is not a positive integer.", fix=f"pass a positive integer {name}")
        if self.width % 16 or self.height % 16:
            raise ConfigError(
                f"Resolution {self.width}x{self.height} is not a multiple of 16.",
                fix="choose width and height divisible by 16 (video codecs and diffusion latents need it)",
            )
