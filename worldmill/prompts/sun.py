"""Where the sun is: elevation and azimuth from latitude, day of year and time of day (solar time).

Accurate to a degree or two (declination by the cosine approximation, no equation of time), which is
ample for lighting a scene consistently with its prompt.
"""

from __future__ import annotations

import math

import numpy as np

AXIAL_TILT_DEG = 23.44


def declination_deg(day_of_year: int) -> float:
    return -AXIAL_TILT_DEG * math.cos(math.radians(360.0 / 365.0 * (day_of_year + 10)))


def sun_position(latitude_deg: float, declination: float, hour_angle_deg: float) -> tuple[float, float]:
    """``(elevation, azimuth)`` in degrees; azimuth clockwise from north (90 = east). Hour angle 0 is
    solar noon, negative before it (15 degrees per hour)."""
    phi, delta, h = (math.radians(v) for v in (latitude_deg, declination, hour_angle_deg))
    sin_elev = math.sin(phi) * math.sin(delta) + math.cos(phi) * math.cos(delta) * math.cos(h)
    elevation = math.degrees(math.asin(max(-1.0, min(1.0, sin_elev))))
    azimuth = (
        math.degrees(math.atan2(math.sin(h), math.cos(h) * math.sin(phi) - math.tan(delta) * math.cos(phi))) + 180.0
    )
    return elevation, azimuth % 360.0


def hour_angle_at(latitude_deg: float, declination: float, elevation_deg: float) -> float:
    """The afternoon hour angle (0..180) at which the sun reaches ``elevation_deg``; clamped to noon or
    midnight where it never does (polar day or night)."""
    phi, delta = math.radians(latitude_deg), math.radians(declination)
    denom = math.cos(phi) * math.cos(delta)
    if abs(denom) < 1e-9:
        return 90.0
    cos_h = (math.sin(math.radians(elevation_deg)) - math.sin(phi) * math.sin(delta)) / denom
    return math.degrees(math.acos(max(-1.0, min(1.0, cos_h))))


def hour_angle_for(time_of_day: str, latitude_deg: float, declination: float, rng: np.random.Generator) -> float:
    """A solar hour angle for a named time of day: dawn and dusk by the sun's depth below the horizon,
    golden hour by a low elevation, the rest by clock time."""

    def at(elevation: float) -> float:
        return hour_angle_at(latitude_deg, declination, elevation)

    if time_of_day == "dawn":
        return -at(float(rng.uniform(-4.0, 3.0)))
    if time_of_day == "morning":
        earliest = max(at(12.0), 30.0)  # at least 12 degrees up, and after 10:00 if the sun never gets there
        return -float(rng.uniform(20.0, max(earliest, 21.0)))
    if time_of_day == "noon":
        return float(rng.uniform(-7.5, 7.5))
    if time_of_day == "afternoon":
        latest = max(at(15.0), 30.0)
        return float(rng.uniform(20.0, max(latest, 21.0)))
    if time_of_day == "golden_hour":
        return at(float(rng.uniform(1.5, 8.0)))
    if time_of_day == "dusk":
        return at(float(rng.uniform(-6.0, -0.8)))
    if time_of_day == "night":
        return float(rng.uniform(160.0, 200.0))  # about 22:40 to 01:20 solar time
    from worldmill.errors import ConfigError

    raise ConfigError(f"Time of day {time_of_day!r} is unknown.", fix="use one of worldmill.schemas.plan.TIMES_OF_DAY")
