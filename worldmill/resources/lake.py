"""The catalogue (Delta tables) and the blob store for clip files, from one root URI and its credentials."""

from __future__ import annotations

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from worldmill.lake import BlobStore, Catalogue
from worldmill.lake.storage import StorageConfig


class LakeResource(ConfigurableResource):
    """Where the catalogue and the footage live: ``uri`` is a path or an ``s3://``, ``gs://``, ``abfs://`` or
    ``az://`` URI (``WORLDMILL_LAKE_URI``); credentials come from the provider's usual environment variables,
    read when the run starts and never logged."""

    uri: str
    env_prefix: str = ""

    _catalogue: Catalogue | None = PrivateAttr(default=None)
    _blobs: BlobStore | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext | None) -> None:
        storage = StorageConfig.from_env(self.uri, env_prefix=self.env_prefix)
        self._catalogue = storage.catalogue()
        self._blobs = storage.blob_store("footage")

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:  # used directly, outside a run (sensors, the CLI)
            self.setup_for_execution(None)
        return self._catalogue  # type: ignore[return-value]

    @property
    def blobs(self) -> BlobStore:
        if self._blobs is None:
            self.setup_for_execution(None)
        return self._blobs  # type: ignore[return-value]
