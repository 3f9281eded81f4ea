"""The taxonomy: packaged data plus an optional user overlay directory (``WORLDMILL_TAXONOMY_DIR``)."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from worldmill.taxonomy import Taxonomy, load_taxonomy


class TaxonomyResource(ConfigurableResource):
    """Cities above ``min_population``, the venue types, locale data; validated when the run starts."""

    extra_dir: str = ""
    min_population: int = 1_000_000

    _taxonomy: Taxonomy | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext | None) -> None:
        self._taxonomy = load_taxonomy(
            min_population=self.min_population, extra_dir=Path(self.extra_dir) if self.extra_dir else None
        )

    def load(self) -> Taxonomy:
        if self._taxonomy is None:
            self.setup_for_execution(None)
        return self._taxonomy  # type: ignore[return-value]
