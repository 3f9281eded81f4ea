"""One error hierarchy for worldmill.

Every error names the input, the value it had and the fix. Domain code raises these; the asset layer
converts them to Dagster failures (see ``worldmill.assets._edge``).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class WorldmillError(Exception):
    """Base class: a problem a user can fix, explained so they can."""

    def __init__(self, message: str, *, fix: str | None = None):
        self.message = message
        self.fix = fix
        super().__init__(f"{message} Fix: {fix}" if fix else message)


class ConfigError(WorldmillError):
    """A setting (environment variable, resource config, CLI option) is missing or invalid."""


class TaxonomyError(WorldmillError):
    """A taxonomy file is malformed or names something that does not exist."""


class UnknownNameError(TaxonomyError):
    """A city, venue or class name that the taxonomy does not hold."""

    def __init__(self, kind: str, value: str, known: Iterable[str], *, source: str = "the taxonomy"):
        known = list(known)
        close = difflib.get_close_matches(value, known, n=3, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else f"see {source} for the {len(known)} known names"
        self.kind, self.value, self.suggestions = kind, value, close
        super().__init__(f"Unknown {kind} {value!r} in {source}.", fix=hint)


class SceneError(WorldmillError):
    """A scene or camera path cannot be built from its plan."""


class RenderError(WorldmillError):
    """Rendering failed (kernel, device, or invalid scene data)."""


class VideoError(WorldmillError):
    """A video file is missing, corrupt, truncated or has no frames."""


class GenerationError(WorldmillError):
    """A generator backend failed or is misconfigured (missing weights, bad device)."""


class WeightsNotFoundError(GenerationError):
    """A local weights directory is missing or incomplete. Weights are never downloaded."""


class StorageError(WorldmillError):
    """A blob store or Delta table could not be read or written (unreachable bucket, bad URI)."""


class CatalogueError(WorldmillError):
    """A catalogue table or query is invalid."""


class FederationError(WorldmillError):
    """A federated round could not complete."""
