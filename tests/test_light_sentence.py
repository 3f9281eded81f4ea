"""The light sentence says what the renderer lights: under cloud, rain, snow or fog there is no sun direction and
no crisp shadow (the renderer dims the sun to a fifth), under a clear sky there is."""

from __future__ import annotations

import dataclasses

import pytest
from conftest_scenes import make_plan

from worldmill.prompts import build_prompt
from worldmill.prompts.text import LIGHT_DIFFUSE_INDOOR, LIGHT_DIFFUSE_OUTDOOR, LIGHT_INDOOR, LIGHT_OUTDOOR

STYLE = "chinese_contemporary"  # a packaged architecture style (the hand-built plans name none)


def _sentences(table: dict) -> set[str]:
    return {sentence.split("{")[0] for options in table.values() for sentence in options}


@pytest.mark.parametrize("weather", ["overcast", "rain", "snow", "fog"])
@pytest.mark.parametrize("time_of_day", ["morning", "afternoon", "golden_hour", "dusk"])
def test_a_hidden_sun_casts_no_sunlight_in_the_prompt(weather, time_of_day):
    for archetype, diffuse, sunny in (
        ("zoo", LIGHT_DIFFUSE_OUTDOOR, LIGHT_OUTDOOR), ("hospital", LIGHT_DIFFUSE_INDOOR, LIGHT_INDOOR)
    ):
        plan = dataclasses.replace(make_plan(archetype, architecture_style=STYLE), weather=weather, time_of_day=time_of_day)
        prompt = build_prompt(plan)
        assert any(sentence in prompt for sentence in diffuse[time_of_day])
        assert not any(start and start in prompt for start in _sentences(sunny))


def test_a_clear_sky_keeps_the_sun_and_its_direction():
    plan = dataclasses.replace(make_plan("zoo", architecture_style=STYLE), weather="clear", time_of_day="afternoon")
    prompt = build_prompt(plan)
    assert any(sentence.split("{")[0] in prompt for sentence in LIGHT_OUTDOOR["afternoon"])
    assert not any(sentence in prompt for options in LIGHT_DIFFUSE_OUTDOOR.values() for sentence in options)
