"""The taxonomy: packaged data plus an optional user overlay directory (``WORLDMILL_TAXONOMY_DIR``)."""

from __future__ import annotations

import os
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


def cached_taxonomy(min_population: int, extra_dir: Path | None) -> Taxonomy:
    """The taxonomy of these inputs, loaded once per process (seconds) and again only when the overlay changes:
    the command line and the resource of the runs it starts in that process share it."""
    key = (min_population, str(extra_dir), _overlay_state(extra_dir))
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load_taxonomy(min_population=min_population, extra_dir=extra_dir)
    return _LOADED[key]


def environment_taxonomy() -> Taxonomy:
    """``cached_taxonomy`` of the settings the environment holds (the resource's ``EnvVar``s, or their embedded
    defaults): what the command line and its footage lanes load before any run starts."""
    from worldmill.settings import DEFAULTS

    def setting(name: str) -> str:
        return os.environ.get(name, DEFAULTS[name])

    extra = setting("WORLDMILL_TAXONOMY_DIR")
    return cached_taxonomy(int(setting("WORLDMILL_MIN_POPULATION")), Path(extra) if extra else None)


def loaded_taxonomies() -> dict[tuple, Taxonomy]:
    """This process's loaded taxonomies by their inputs, for processes it starts (``adopt_taxonomies``): a footage
    lane given them never loads GeoNames (~70 MB held for good, half a CPU-second)."""
    return dict(_LOADED)


def adopt_taxonomies(loaded: dict[tuple, Taxonomy]) -> None:
    """Take over taxonomies another process loaded (``loaded_taxonomies``); ``cached_taxonomy`` returns them for
    the same inputs, and loads anew when the inputs changed since."""
    _LOADED.update(loaded)


class TaxonomyResource(ConfigurableResource):
    """Cities above ``min_population``, the venue types, locale data; validated when the run starts."""

    extra_dir: str = ""
    min_population: int = 1_000_000

    _taxonomy: Taxonomy | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext | None) -> None:
        self._taxonomy = cached_taxonomy(self.min_population, Path(self.extra_dir) if self.extra_dir else None)

    def load(self) -> Taxonomy:
        if self._taxonomy is None:
            self.setup_for_execution(None)
        return self._taxonomy  # type: ignore[return-value]
