"""The model registry: safetensors weights in a blob store and the ``model_versions`` Delta table.

Registration order makes partial versions impossible to observe: weights are published atomically (temp
then rename) under a key named by their hash, then the per-stratum evaluations are merged, and only then
is the ``model_versions`` row committed — the one Delta commit that makes the version exist.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from worldmill.errors import FederationError
from worldmill.federated.config import FederationSettings
from worldmill.federated.data import split_stratum
from worldmill.federated.steering import sampling_weights
from worldmill.federated.weights import weights_from_bytes, weights_to_bytes
from worldmill.lake import BlobStore, Catalogue
from worldmill.lake.catalogue import sql_literal
from worldmill.lake.uris import redact_uri
from worldmill.schemas.federated import ModelVersionRow, StratumEvaluationRow
from worldmill.schemas.records import utcnow

log = logging.getLogger(__name__)

WEIGHTS_NAME = "model.safetensors"
MODELS_PREFIX = "models"


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A trained model waiting to be registered (what a federation hands to the registry)."""

    state: Mapping[str, np.ndarray]
    settings: FederationSettings
    parent_version: str | None
    sites: Sequence[str]
    sites_dropped: Sequence[str]
    site_train_clips: Sequence[int]
    site_val_clips: Sequence[int]
    site_catalogue_versions: Sequence[int | None]
    initial_val_loss: float
    final_val_loss: float
    initial_strata: Mapping[str, float]  # stratum -> mean held-out loss of the starting weights
    final_strata: Mapping[str, tuple[float, int, int, str]]  # stratum -> (mean loss, transitions, val clips, site)
    duration_s: float


class Registry:
    """Model versions of one lake: rows in its catalogue, weights in ``weights`` under ``{version}/``.

    Without a weights store the registry can only read rows (what the loop-back sensor needs).
    """

    def __init__(self, catalogue: Catalogue, weights: BlobStore | None = None):
        self.catalogue = catalogue
        self._weights = weights

    @property
    def weights(self) -> BlobStore:
        if self._weights is None:
            raise FederationError(
                f"{self!r} was opened without a weights store.",
                fix="open it with Registry.at(lake_uri) to read or write weights.",
            )
        return self._weights

    @classmethod
    def at(cls, lake: Any) -> Registry:
        """The registry of a lake root (a URI, credentials from the environment) or of a site's
        ``StorageConfig``: tables under ``tables/``, weights under ``models/``."""
        if isinstance(lake, str):
            from worldmill.lake.storage import StorageConfig

            lake = StorageConfig.from_env(lake)
        return cls(lake.catalogue(), lake.blob_store(MODELS_PREFIX))

    def __repr__(self) -> str:
        return f"Registry({self.catalogue!r}, {self._weights!r})"

    # reads ---------------------------------------------------------------------------------------------
    def versions(self) -> list[ModelVersionRow]:
        """Registered versions, oldest first."""
        frame = self.catalogue.read(ModelVersionRow.table)
        rows = [ModelVersionRow(**row) for row in frame.to_dicts()]
        return sorted(rows, key=lambda r: (r.sequence, r.created_at))

    def latest(self) -> ModelVersionRow | None:
        versions = self.versions()
        return versions[-1] if versions else None

    def get(self, model_version: str) -> ModelVersionRow:
        for row in self.versions():
            if row.model_version == model_version:
                return row
        known = [r.model_version for r in self.versions()]
        raise FederationError(
            f"Model version {model_version!r} is not registered in {self.catalogue!r}.",
            fix=f"use one of {', '.join(known[-5:])}." if known else "run a federation first (worldmill federate).",
        )

    def load_weights(self, row: ModelVersionRow) -> dict[str, np.ndarray]:
        """The version's weights, checked against the registered hash."""

        data = self.weights.open_local(f"{row.model_version}/{WEIGHTS_NAME}").read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest != row.weights_sha256:
            raise FederationError(
                f"Weights of {row.model_version} at {redact_uri(row.weights_uri)} have sha256 {digest[:12]}…, "
                f"registered {row.weights_sha256[:12]}….",
                fix="the file was changed or truncated after registration; restore it or register a new version.",
            )
        state, _ = weights_from_bytes(data)
        return state

    def evaluations(self, model_version: str) -> list[StratumEvaluationRow]:
        frame = self.catalogue.read(StratumEvaluationRow.table, where=f"model_version = {sql_literal(model_version)}")
        return sorted((StratumEvaluationRow(**row) for row in frame.to_dicts()), key=lambda r: r.stratum)

    # writes --------------------------------------------------------------------------------------------
    def register(self, candidate: Candidate) -> ModelVersionRow:
        """Publish weights, evaluations, then the version row (the commit that makes it exist)."""

        settings = candidate.settings
        latest = self.latest()
        sequence = (latest.sequence if latest else 0) + 1
        data = weights_to_bytes(
            candidate.state,
            {"model_config": settings.model.to_json(), "parent_version": candidate.parent_version or ""},
        )
        digest = hashlib.sha256(data).hexdigest()
        version = f"wm-{sequence:04d}-{digest[:8]}"
        with tempfile.TemporaryDirectory(prefix="worldmill-weights-") as tmp:
            staged = Path(tmp) / WEIGHTS_NAME
            staged.write_bytes(data)
            weights_uri = self.weights.publish_file(staged, f"{version}/{WEIGHTS_NAME}")
        now = utcnow()
        weights = sampling_weights({k: v[0] for k, v in candidate.final_strata.items()})
        evaluations = []
        for stratum, (loss, transitions, val_clips, site) in sorted(candidate.final_strata.items()):
            cell_key, time_of_day = split_stratum(stratum)
            city_key, _, venue = cell_key.partition("__")
            evaluations.append(
                StratumEvaluationRow(
                    model_version=version,
                    stratum=stratum,
                    cell_key=cell_key,
                    city_key=city_key,
                    venue=venue,
                    time_of_day=time_of_day,
                    site=site,
                    val_clips=val_clips,
                    val_transitions=transitions,
                    initial_loss=candidate.initial_strata.get(stratum),
                    final_loss=loss,
                    sampling_weight=weights[stratum],
                    evaluated_at=now,
                )
            )
        self.catalogue.upsert(evaluations, record_type=StratumEvaluationRow)
        row = ModelVersionRow(
            model_version=version,
            sequence=sequence,
            parent_version=candidate.parent_version,
            architecture=settings.model.architecture,
            model_config_json=settings.model.to_json(),
            training_config_json=json.dumps(settings.training_json(), sort_keys=True),
            strategy=settings.strategy_label,
            rounds=settings.rounds,
            sites=list(candidate.sites),
            sites_dropped=sorted(candidate.sites_dropped),
            site_train_clips=list(candidate.site_train_clips),
            site_val_clips=list(candidate.site_val_clips),
            site_catalogue_versions=list(candidate.site_catalogue_versions),
            train_clips=int(sum(candidate.site_train_clips)),
            val_clips=int(sum(candidate.site_val_clips)),
            initial_val_loss=candidate.initial_val_loss,
            final_val_loss=candidate.final_val_loss,
            weights_uri=weights_uri,
            weights_sha256=digest,
            weights_bytes=len(data),
            seed=settings.seed,
            duration_s=candidate.duration_s,
            created_at=now,
        )
        self.catalogue.upsert([row])
        log.info("registered %s (parent %s, %d sites)", version, candidate.parent_version, len(candidate.sites))
        return row

