"""From held-out loss per stratum to how much footage each stratum gets next: the loop back into generation.

Pure functions: the sensor and the generation side call them; the weights are stored with each model
version (``model_evaluations.sampling_weight``) so a decision can be traced to the model that made it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from worldmill.errors import ConfigError
from worldmill.federated.data import split_stratum


def sampling_weights(losses: Mapping[str, float], *, temperature: float = 1.0, floor: float = 0.1) -> dict[str, float]:
    """Share of the next round per stratum, summing to 1: proportional to ``loss ** (1/temperature)``,
    mixed with a uniform ``floor`` so that no stratum stops getting footage. Higher loss, higher weight."""
    if not losses:
        raise ConfigError("No per-stratum losses to weight.", fix="evaluate a model version on at least one stratum.")
    if not temperature > 0 or not 0 <= floor <= 1:
        raise ConfigError(
            f"temperature={temperature}, floor={floor} are invalid.", fix="temperature > 0 and 0 ≤ floor ≤ 1."
        )
    bad = {k: v for k, v in losses.items() if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0)}
    if bad:
        raise ConfigError(f"Losses must be finite and ≥ 0; got {bad}.", fix="drop strata whose evaluation failed.")
    powered = {k: float(v) ** (1.0 / temperature) for k, v in losses.items()}
    total = sum(powered.values())
    n = len(losses)
    if total == 0:
        return {k: 1.0 / n for k in losses}
    return {k: floor / n + (1.0 - floor) * p / total for k, p in powered.items()}


@dataclasses.dataclass(frozen=True)
class StratumRequest:
    """Ask the generation side for more footage of a cell at a time of day."""

    stratum: str
    cell_key: str
    time_of_day: str
    weight: float


def weakest_strata(weights: Mapping[str, float], k: int) -> list[StratumRequest]:
    """The ``k`` strata with the largest weights (ties by name), as generation requests."""
    if k < 1:
        raise ConfigError(f"k={k} asks for no strata.", fix="pass k ≥ 1.")
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [StratumRequest(name, *split_stratum(name), weight) for name, weight in ranked]
