"""The catalogue (Delta tables) and the blob store for clip files, from one root URI."""

from __future__ import annotations

import json

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from worldmill.lake import Catalogue, LocalBlobStore


class LakeResource(ConfigurableResource):
    """Where the catalogue and the footage live. ``uri`` is a path or a URI (``WORLDMILL_LAKE_URI``)."""

    uri: str
    storage_options_json: str = "{}"

    _catalogue: Catalogue | None = PrivateAttr(default=None)
    _blobs: LocalBlobStore | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        options = json.loads(self.storage_options_json)
        self._catalogue = Catalogue(self.uri, storage_options=options or None)
        self._blobs = LocalBlobStore(f"{self.uri.rstrip('/')}/footage")

    @property
    def catalogue(self) -> Catalogue:
        if self._catalogue is None:
            self.setup_for_execution(None)  # type: ignore[arg-type]  # direct use outside a run
        return self._catalogue  # type: ignore[return-value]

    @property
    def blobs(self) -> LocalBlobStore:
        if self._blobs is None:
            self.setup_for_execution(None)  # type: ignore[arg-type]
        return self._blobs  # type: ignore[return-value]
