"""Footage backends behind one interface, built by name."""

from __future__ import annotations

import importlib
from typing import Any

from worldmill.errors import ConfigError
from worldmill.generation.base import GeneratedClip, GenerationRequest, Generator
from worldmill.generation.diffusion import DIFFUSION_BACKENDS

# name -> "module:Class"; imported lazily so the CPU default never imports torch.
BACKENDS: dict[str, str] = {
    "procedural": "worldmill.generation.procedural:ProceduralGenerator",
    **DIFFUSION_BACKENDS,  # sd-multicontrolnet, sd-keyframe, cosmos-transfer2.5 (GPU; local weights only)
}


def get_generator(name: str, **options: Any) -> Generator:
    """Build the backend ``name`` with its options (weights load later, in ``Generator.load``)."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown generator backend {name!r}.", fix=f"choose one of {', '.join(sorted(BACKENDS))}"
        ) from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)(**options)


__all__ = ["BACKENDS", "GeneratedClip", "GenerationRequest", "Generator", "get_generator"]
