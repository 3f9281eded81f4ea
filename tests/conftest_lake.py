"""Record factories and fixtures shared by the lake tests (imported explicitly by tests/test_lake*.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from worldmill.lake import Catalogue
from worldmill.schemas.records import ClipRow, PromptRow, ScoreRow

T0 = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)


def prompt_row(i: int, *, venue: str = "zoo", city_key: str = "tokyo-1850147", prompt: str | None = None,
               time_of_day: str = "night") -> PromptRow:
    cell = f"{city_key}__{venue}"
    return PromptRow(
        sample_id=f"{cell}__r00000-{i:03d}", cell_key=cell, city_key=city_key, venue=venue, round=0, index=i,
        seed=1000 + i, prompt=prompt if prompt is not None else f"prompt number {i}", word_count=3,
        camera_motion="dolly", time_of_day=time_of_day, weather="clear", season="spring", plan_json="{}",
        prompt_sha256=f"{i:064x}", created_at=T0 + dt.timedelta(seconds=i),
    )


def clip_row(i: int, *, venue: str = "zoo", city_key: str = "tokyo-1850147", city: str = "Tokyo",
             continent: str = "AS", generator: str = "procedural", time_of_day: str = "night",
             duration_s: float = 2.0, generate_s: float = 1.0) -> ClipRow:
    cell = f"{city_key}__{venue}"
    sample = f"{cell}__r00000-{i:03d}"
    return ClipRow(
        clip_id=f"{sample}__{generator}", sample_id=sample, cell_key=cell, city_key=city_key, city=city,
        country_code="JP", continent=continent, venue=venue, seed=1000 + i, round=0, generator=generator,
        generator_version="1", uri=f"file:///lake/footage/{venue}/{city_key}/{sample}", rgb_path="rgb.mp4",
        width=256, height=256, frames=48, fps=24, duration_s=duration_s, camera_motion="dolly",
        time_of_day=time_of_day, weather="clear", rgb_sha256=f"{i:064x}", conditions_sha256=f"{i:064x}",
        generate_s=generate_s, created_at=T0 + dt.timedelta(minutes=i),
    )


def score_row(clip: ClipRow, status: str = "pass") -> ScoreRow:
    return ScoreRow(
        clip_id=clip.clip_id, cell_key=clip.cell_key, status=status, reason=None if status == "pass" else "blurry",
        frames=clip.frames, sharpness=1.0, exposure_mean=0.5, contrast=0.2, motion_mean=0.1, scored_at=T0,
    )


@pytest.fixture
def catalogue(tmp_path) -> Catalogue:
    return Catalogue(str(tmp_path / "lake"))
