"""The lake: every site's catalogue (Delta tables) and blob store, and the rule that routes a cell to its site."""

from __future__ import annotations

import dataclasses

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from worldmill.errors import ConfigError
from worldmill.lake import BlobStore, Catalogue
from worldmill.lake.commands import open_lake
from worldmill.lake.sites import Lake


@dataclasses.dataclass(frozen=True)
class SiteStores:
    """Where one cell's rows and files live."""

    site: str
    catalogue: Catalogue
    blobs: BlobStore


class LakeResource(ConfigurableResource):
    """``uri`` is a path or an ``s3://``, ``gs://``, ``abfs://`` or ``az://`` URI (``WORLDMILL_LAKE_URI``);
    ``sites_file`` (``WORLDMILL_SITES``) names several sites instead, each cell stored on its continent's site.
    Credentials come from the environment when the run starts and are never logged."""

    uri: str
    sites_file: str = ""

    _lake: Lake | None = PrivateAttr(default=None)
    _continents: dict[str, str] = PrivateAttr(default_factory=dict)

    def setup_for_execution(self, context: InitResourceContext | None) -> None:
        self._lake = open_lake(self.uri, sites_file=self.sites_file or None)

    @property
    def lake(self) -> Lake:
        if self._lake is None:  # used directly, outside a run (sensors, the CLI)
            self.setup_for_execution(None)
        return self._lake  # type: ignore[return-value]

    @property
    def home_site(self) -> str:
        """The site of lake-wide tables (taxonomy, dedup, shards, models): the sites file's default."""
        return self.lake.config.default or self.lake.sites[0]

    @property
    def catalogue(self) -> Catalogue:
        return self.lake.catalogue(self.home_site)

    @property
    def blobs(self) -> BlobStore:
        return self.lake.blobs(self.home_site)

    def for_cell(self, cell_key: str) -> SiteStores:
        """The site that holds a cell's shard: overrides, else its continent (from the ``cells`` table)."""
        lake = self.lake
        if len(lake.sites) == 1:
            site = lake.sites[0]
        else:
            if cell_key not in self._continents:
                frame = self.catalogue.read("cells", columns=["cell_key", "continent"])
                self._continents.update(zip(frame["cell_key"], frame["continent"], strict=True))
            if cell_key not in self._continents:
                raise ConfigError(
                    f"Cell {cell_key} is not in the `cells` table of site {self.home_site}.",
                    fix="materialize the `taxonomy` asset first",
                )
            site = lake.site_for(self._continents[cell_key], cell_key=cell_key)
        return SiteStores(site, lake.catalogue(site), lake.blobs(site))
