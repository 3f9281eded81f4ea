"""The footage backend behind the ``Generator`` interface; weights (if any) load once per run."""

from __future__ import annotations

import json

from dagster import ConfigurableResource, InitResourceContext
from pydantic import PrivateAttr

from worldmill.generation import Generator, get_generator


class GeneratorResource(ConfigurableResource):
    """``backend`` names a registered generator (``procedural`` by default); ``options_json`` its settings."""

    backend: str = "procedural"
    options_json: str = "{}"

    _generator: Generator | None = PrivateAttr(default=None)

    def setup_for_execution(self, context: InitResourceContext) -> None:
        self._generator = get_generator(self.backend, **json.loads(self.options_json))
        self._generator.load()

    def generator(self) -> Generator:
        if self._generator is None:
            self.setup_for_execution(None)  # type: ignore[arg-type]
        return self._generator  # type: ignore[return-value]
