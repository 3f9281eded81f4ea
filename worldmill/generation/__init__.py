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


def generator_class(name: str) -> type[Generator]:
    """The class of backend ``name`` (its module imported now)."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ConfigError(
            f"Unknown generator backend {name!r}.", fix=f"choose one of {', '.join(sorted(BACKENDS))}"
        ) from None
    module, cls = target.split(":")
    return getattr(importlib.import_module(module), cls)


def get_generator(name: str, **options: Any) -> Generator:
    """Build the backend ``name`` with its options (weights load later, in ``Generator.load``)."""
    return generator_class(name)(**options)


def footage_is_render(name: str) -> bool:
    """Whether backend ``name``'s footage is the render itself (``Generator.footage_is_render``); False for a
    name no backend has (footage of a removed backend is scored as generated footage)."""
    return name in BACKENDS and generator_class(name).footage_is_render


__all__ = ["BACKENDS", "GeneratedClip", "GenerationRequest", "Generator", "footage_is_render", "generator_class", "get_generator"]
