"""The asset edge: domain errors become Dagster failures here and nowhere else."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

from dagster import Failure, MetadataValue

from worldmill.errors import WorldmillError

F = TypeVar("F", bound=Callable)


def at_edge(fn: F) -> F:
    """Wrap an asset body: a ``WorldmillError`` fails the step with its message and fix, without retries."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except WorldmillError as exc:
            raise Failure(
                description=str(exc),
                metadata={"error": MetadataValue.text(type(exc).__name__), "fix": MetadataValue.text(exc.fix or "")},
                allow_retries=False,
            ) from exc

    return wrapper  # type: ignore[return-value]
