"""The Cosmos guardrail inside the diffusion backends, from a local checkpoint folder only.

NVIDIA's Cosmos licence expects its guardrail (prompt blocklist/LLM check, unsafe-frame filter, RetinaFace face
pixelation). It runs only when a local ``guardrail_dir`` is configured: ``CosmosSafetyChecker`` is otherwise
never built, because its default checkpoint is a hub id it would download. Face blurring without it is not done
here: the clips stage runs ``worldmill.curation.guardrail.apply_guardrail`` on every clip before publishing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from worldmill.errors import ConfigError, GenerationError

# auto: the Cosmos guardrail when guardrail_dir is set; cosmos: it must run (guardrail_dir required); off: never.
GUARDRAIL_MODES: tuple[str, ...] = ("auto", "cosmos", "off")
COSMOS_GUARDRAIL = "cosmos-guardrail"
NO_GUARDRAIL = "none"  # the backend ran none; the clips stage still blurs faces before publication


@dataclasses.dataclass(frozen=True)
class GuardrailResult:
    name: str  # COSMOS_GUARDRAIL | NO_GUARDRAIL
    blocked: bool  # the Cosmos guardrail judged the footage unsafe (it is then replaced by black frames)


def check_guardrail_settings(mode: str, guardrail_dir: str | None) -> None:
    """Reject an unknown mode, and 'cosmos' without a local checkpoint folder, when a config is built."""
    if mode == "face_blur":
        raise ConfigError(
            "guardrail='face_blur' is no longer a backend option.",
            fix="use 'auto': the clips stage blurs faces in every clip (worldmill.curation.guardrail)",
        )
    if mode not in GUARDRAIL_MODES:
        raise ConfigError(f"guardrail={mode!r} is not supported.", fix=f"use one of {GUARDRAIL_MODES}")
    if mode == "cosmos" and not guardrail_dir:
        raise ConfigError(
            "guardrail='cosmos' but no guardrail_dir is configured.",
            fix="set guardrail_dir to a local copy of the Cosmos guardrail checkpoint, or use guardrail='auto'",
        )


def cosmos_guardrail_wanted(mode: str, guardrail_dir: str | None) -> bool:
    check_guardrail_settings(mode, guardrail_dir)
    return mode != "off" and bool(guardrail_dir)


def cosmos_guardrail_installed() -> bool:
    return importlib.util.find_spec("cosmos_guardrail") is not None


@contextlib.contextmanager
def hub_offline() -> Iterator[None]:
    """Make every Hugging Face Hub request fail for the duration of the block (a download becomes an error)."""
    from huggingface_hub import constants

    before = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = before


@functools.lru_cache(maxsize=1)
def _load_checker(root: str) -> Any:
    from cosmos_guardrail import CosmosSafetyChecker

    with hub_offline():
        return CosmosSafetyChecker(checkpoint_id=root)


def load_cosmos_guardrail(guardrail_dir: str) -> Any:
    """``cosmos_guardrail.CosmosSafetyChecker`` from a local folder (one instance per folder, reused)."""
    root = Path(guardrail_dir).expanduser()
    if not root.is_dir():
        raise ConfigError(
            f"guardrail_dir={guardrail_dir!r} is not a local directory.",
            fix="copy the Cosmos guardrail checkpoint there (hub ids are not accepted: nothing is downloaded)",
        )
    if not cosmos_guardrail_installed():
        raise ConfigError(
            f"guardrail_dir={guardrail_dir!r} is set but the cosmos_guardrail package is not installed.",
            fix="pip install cosmos_guardrail, or unset guardrail_dir",
        )
    try:
        return _load_checker(str(root.resolve()))
    except Exception as exc:  # the package raises whatever its loaders raise (hub offline, missing files)
        raise ConfigError(
            f"The Cosmos guardrail could not be loaded from guardrail_dir={guardrail_dir!r} without network: {exc}",
            fix="the folder must hold the whole guardrail checkpoint, including the models it names",
        ) from exc


class PassThroughSafetyChecker:
    """Stands in for ``CosmosSafetyChecker`` in Cosmos pipelines when the guardrail is not configured (diffusers
    would otherwise build one with its hub default); the clip's report then says no backend guardrail ran."""

    def to(self, *args: Any, **kwargs: Any) -> PassThroughSafetyChecker:
        return self

    def check_text_safety(self, prompt: str) -> bool:
        return True

    def check_video_safety(self, frames: np.ndarray) -> np.ndarray:
        return frames


def make_safety_checker(mode: str, guardrail_dir: str | None) -> Any:
    """The ``safety_checker`` for a Cosmos pipeline: the local Cosmos guardrail when wanted, else a pass-through."""
    if cosmos_guardrail_wanted(mode, guardrail_dir):
        return load_cosmos_guardrail(guardrail_dir)
    return PassThroughSafetyChecker()


def run_guardrail(frames: np.ndarray, mode: str = "auto", guardrail_dir: str | None = None) -> tuple[np.ndarray, GuardrailResult]:
    """The Cosmos guardrail over uint8 [T, H, W, 3] frames when configured, else the frames unchanged; a clip it
    blocks comes back as black frames."""
    if not cosmos_guardrail_wanted(mode, guardrail_dir):
        return frames, GuardrailResult(NO_GUARDRAIL, False)
    checked = load_cosmos_guardrail(guardrail_dir).check_video_safety(frames)
    if checked is None:
        return np.zeros_like(frames), GuardrailResult(COSMOS_GUARDRAIL, True)
    checked = np.asarray(checked, dtype=np.uint8)
    if checked.shape != frames.shape:
        raise GenerationError(
            f"The Cosmos guardrail returned frames of shape {checked.shape} for {frames.shape}.",
            fix="use a cosmos_guardrail version whose check_video_safety returns uint8 [T, H, W, 3] frames",
        )
    return checked, GuardrailResult(COSMOS_GUARDRAIL, False)
