"""The taxonomy: packaged data plus an optional user overlay directory (``WORLDMILL_TAXONOMY_DIR``)."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from worldmill.taxonomy import Taxonomy, load_taxonomy

_LOADED: dict[tuple, Taxonomy] = {}  # the last taxonomy this process loaded, by its inputs


def _overlay_state(extra: Path | None) -> tuple:
    """Name, size and modification time of every overlay file: an edited overlay is loaded again."""
    if extra is None or not extra.is_dir():
        return ()
    return tuple(sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in extra.rglob("*") if p.is_file()))


class TaxonomyResource(ConfigurableResource):
    """Cities above ``min_population``, the venue types, locale data; validated when the run starts."""

    extra_dir: str = ""
    min_population: int = 1_000_000

    _taxonomy: Taxonomy | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext | None) -> None:
        extra = Path(self.extra_dir) if self.extra_dir else None
        key = (self.min_population, str(extra), _overlay_state(extra))
        if key not in _LOADED:  # a process that runs cell after cell loads the taxonomy once (seconds)
            _LOADED.clear()
            _LOADED[key] = load_taxonomy(min_population=self.min_population, extra_dir=extra)
        self._taxonomy = _LOADED[key]

    def load(self) -> Taxonomy:
        if self._taxonomy is None:
            self.setup_for_execution(None)
        return self._taxonomy  # type: ignore[return-value]
