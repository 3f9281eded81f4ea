"""The federated loop: a video world model trained where the footage lives (one Flower SuperNode per
catalogue site), registered with lineage, and its per-stratum held-out loss steering the next round of
generation. Domain code: no Dagster here.

Names are imported on first use: Flower starts a fresh process for every ClientApp message, and those
processes should import only the client side (``worldmill.federated.client_app``), not the runner.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "DPSettings": "worldmill.federated.config",
    "FederationSettings": "worldmill.federated.config",
    "WorldModelConfig": "worldmill.federated.config",
    "Registry": "worldmill.federated.registry",
    "FederationResult": "worldmill.federated.runner",
    "run_federation": "worldmill.federated.runner",
    "SiteSpec": "worldmill.federated.sites",
    "StratumRequest": "worldmill.federated.steering",
    "sampling_weights": "worldmill.federated.steering",
    "weakest_strata": "worldmill.federated.steering",
}

__all__ = sorted(_EXPORTS)  # noqa: PLE0605 - the lazy exports below, in one place


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'worldmill.federated' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
