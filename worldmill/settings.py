"""The environment variables worldmill reads (through Dagster ``EnvVar``s) and their embedded defaults.

``.env`` holds the same defaults for ``dagster dev``; the CLI applies them before it builds a run.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

DEFAULTS: dict[str, str] = {
    "WORLDMILL_LAKE_URI": ".worldmill/lake",  # a path, or s3:// gs:// abfs:// az:// URI
    "WORLDMILL_SITES": "",  # optional sites file: several lakes on several clouds, cells routed by continent
    "WORLDMILL_TAXONOMY_DIR": "",  # optional overlay with extra venues.yaml / cities.yaml
    "WORLDMILL_MIN_POPULATION": "1000000",  # cities at or above this population become cells
    "WORLDMILL_GENERATOR": "procedural",  # footage backend (see worldmill.generation.BACKENDS)
    "WORLDMILL_GENERATOR_OPTIONS": "{}",  # JSON options for the backend (weights_dir, device, ...)
    "WORLDMILL_RAY_ADDRESS": "",  # Ray head (host:port or ray://host:10001) for the heavy stages; empty: this machine
    "WORLDMILL_RAY_SAME_HOST": "false",  # every Ray node on this machine: a local lake and SQLite instance are allowed
}


def apply_defaults(environ: MutableMapping[str, str] | None = None) -> None:
    """Fill unset variables with the embedded defaults (called by entry points, never at import)."""
    env = os.environ if environ is None else environ
    for name, value in DEFAULTS.items():
        env.setdefault(name, value)
