"""Records of the federated loop: registered world-model versions and their held-out loss per stratum.

A version is registered by its ``model_versions`` row, written last (after the weights and the evaluation
rows), so a reader that starts from ``model_versions`` never sees a partial version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import ClassVar

from worldmill.schemas.records import Record
from worldmill.schemas.tables import register


@register
@dataclasses.dataclass(frozen=True)
class ModelVersionRow(Record):
    """One registered world model with its lineage: where it came from and what it was trained on."""

    table: ClassVar[str] = "model_versions"
    key: ClassVar[tuple[str, ...]] = ("model_version",)

    model_version: str  # "wm-{sequence:04d}-{weights_sha256[:8]}"
    sequence: int  # 1, 2, ... per registry; the latest version has the largest
    parent_version: str | None  # the version training resumed from (None: seeded initialisation)
    architecture: str  # e.g. "latent-dynamics-v1"
    model_config_json: str  # WorldModelConfig as JSON (shapes the weights)
    training_config_json: str  # rounds, strategy, local steps, learning rate, DP settings, seed
    strategy: str  # "fedavg" | "fedprox" (+ "+dp-server" / "+dp-client")
    rounds: int
    sites: list[str]  # sites whose updates entered the final aggregate, sorted
    sites_dropped: list[str]  # sites that failed or timed out in some round
    site_train_clips: list[int]  # aligned with ``sites``
    site_val_clips: list[int]  # aligned with ``sites``
    site_catalogue_versions: list[int | None]  # Delta version of each site's catalogue table that was read
    train_clips: int
    val_clips: int
    initial_val_loss: float  # held-out loss of the starting weights, weighted over all val transitions
    final_val_loss: float  # held-out loss of the registered weights
    weights_uri: str
    weights_sha256: str
    weights_bytes: int
    seed: int
    duration_s: float
    created_at: dt.datetime


@register
@dataclasses.dataclass(frozen=True)
class StratumEvaluationRow(Record):
    """Held-out loss of one model version on one stratum (cell × time of day) and the weight it earns."""

    table: ClassVar[str] = "model_evaluations"
    key: ClassVar[tuple[str, ...]] = ("model_version", "stratum")

    model_version: str
    stratum: str  # "{cell_key}@{time_of_day}"
    cell_key: str
    city_key: str
    venue: str
    time_of_day: str
    site: str
    val_clips: int
    val_transitions: int
    initial_loss: float | None  # loss of the starting weights (None when the stratum was not evaluated then)
    final_loss: float
    sampling_weight: float  # share of the next generation round (sums to 1 over the version's strata)
    evaluated_at: dt.datetime


FEDERATED_RECORDS: tuple[type[Record], ...] = (ModelVersionRow, StratumEvaluationRow)
