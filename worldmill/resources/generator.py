"""The footage backend behind the ``Generator`` interface; weights (if any) load once per run."""

from __future__ import annotations

import json

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from worldmill.cluster.work import GeneratorSpec
from worldmill.generation import Generator, get_generator


class GeneratorResource(ConfigurableResource):
    """``backend`` names a registered generator (``procedural`` by default); ``options_json`` its settings."""

    backend: str = "procedural"
    options_json: str = "{}"

    _generator: Generator | None = PrivateAttr(default=None)
    _loaded: bool = PrivateAttr(default=False)

    def setup_for_execution(self, context: InitResourceContext | None) -> None:
        self._generator = get_generator(self.backend, **json.loads(self.options_json))  # validates the name early

    def generator(self) -> Generator:
        """The backend with its weights loaded (once, on first use: steps that only read ``backend`` never pay)."""
        if self._generator is None:
            self.setup_for_execution(None)
        if not self._loaded:
            self._generator.load()  # type: ignore[union-attr]
            self._loaded = True
        return self._generator  # type: ignore[return-value]

    def spec(self) -> GeneratorSpec:
        """What a cluster worker needs to build and load this backend itself."""
        return GeneratorSpec(self.backend, self.options_json)
