"""Weights as safetensors bytes (numpy only, so the ServerApp and the registry need no torch)."""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping

import numpy as np

from worldmill.errors import FederationError


def weights_to_bytes(state: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None) -> bytes:
    """safetensors bytes of a numpy state dict (metadata: config and lineage, strings only)."""
    from safetensors.numpy import save

    return save({k: np.ascontiguousarray(v) for k, v in state.items()}, metadata=dict(metadata or {}))


def weights_from_bytes(data: bytes) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Tensors and string metadata of safetensors bytes."""
    from safetensors.numpy import load

    try:
        state = load(data)
        (header_len,) = struct.unpack("<Q", data[:8])
        metadata = json.loads(data[8 : 8 + header_len]).get("__metadata__") or {}
    except Exception as exc:  # safetensors raises its own error types
        raise FederationError(
            f"Weights are not a readable safetensors file ({type(exc).__name__}: {exc}).",
            fix="re-register the model version, or check that the file was copied whole.",
        ) from exc
    return state, dict(metadata)
