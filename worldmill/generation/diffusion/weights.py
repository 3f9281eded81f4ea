"""Local weights layouts and their checks. Weights are never downloaded: a missing or incomplete directory
raises ``WeightsNotFoundError`` listing every file that is expected, so the fix is one copy away."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path

from worldmill.errors import WeightsNotFoundError

WEIGHT_SUFFIXES: tuple[str, ...] = (".safetensors", ".bin")


@dataclasses.dataclass(frozen=True)
class Requirement:
    """One component directory (relative to the weights root) and the files it must hold."""

    component: str  # e.g. "base/unet"
    files: tuple[str, ...] = ()  # exact names
    weights: bool = True  # needs at least one *.safetensors / *.bin file
    any_of: tuple[tuple[str, ...], ...] = ()  # groups: at least one group must be present in full

    def problems(self, root: Path) -> list[str]:
        folder = root / self.component
        if not folder.is_dir():
            return [f"{self.component}/ (directory missing)"]
        found = []
        found += [f"{self.component}/{name}" for name in self.files if not (folder / name).is_file()]
        if self.weights and not any(p.suffix in WEIGHT_SUFFIXES for p in folder.iterdir() if p.is_file()):
            found.append(f"{self.component}/*.safetensors (no weight file)")
        if self.any_of and not any(all((folder / n).is_file() for n in group) for group in self.any_of):
            found.append(f"{self.component}/ one of " + " | ".join("+".join(g) for g in self.any_of))
        return found

    def describe(self) -> str:
        parts = list(self.files) + (["*.safetensors"] if self.weights else [])
        parts += [" | ".join("+".join(g) for g in self.any_of)] if self.any_of else []
        return f"{self.component}/: {', '.join(parts)}"


def pipeline_layout(folder: str, denoiser: str, tokenizer: Requirement) -> list[Requirement]:
    """A diffusers pipeline folder: model_index.json, the denoiser, VAE, text encoder, tokenizer, scheduler."""
    return [
        Requirement(folder, files=("model_index.json",), weights=False),
        Requirement(f"{folder}/{denoiser}", files=("config.json",)),
        Requirement(f"{folder}/vae", files=("config.json",)),
        Requirement(f"{folder}/text_encoder", files=("config.json",)),
        tokenizer,
        Requirement(f"{folder}/scheduler", files=("scheduler_config.json",), weights=False),
    ]


def _tokenizer(folder: str) -> Requirement:
    return Requirement(f"{folder}/tokenizer", weights=False, any_of=(("tokenizer.json",), ("vocab.json", "merges.txt")))


def sd_multicontrol_layout(modalities: Sequence[str]) -> list[Requirement]:
    """Stable Diffusion (diffusers layout) under ``base/`` and one ControlNet per modality under ``controlnet/``."""
    return pipeline_layout("base", "unet", _tokenizer("base")) + [
        Requirement(f"controlnet/{m}", files=("config.json",)) for m in modalities
    ]


def cosmos_transfer_layout(modalities: Sequence[str]) -> list[Requirement]:
    """Cosmos-Transfer2.5 (diffusers layout) under ``base/`` and one CosmosControlNetModel per modality."""
    return pipeline_layout("base", "transformer", _tokenizer("base")) + [
        Requirement(f"controlnet/{m}", files=("config.json",)) for m in modalities
    ]


def cosmos_predict_layout() -> list[Requirement]:
    """Cosmos-Predict2.5 (diffusers layout) under ``predict/``."""
    return pipeline_layout("predict", "transformer", _tokenizer("predict"))


def check_weights_dir(root: Path | str | None, layout: Sequence[Requirement], *, backend: str) -> Path:
    """Return the root as a Path when every requirement holds; otherwise raise with the full expected layout."""
    expected = "\n  ".join(r.describe() for r in layout)
    if root is None or str(root).strip() == "":
        raise WeightsNotFoundError(
            f"No weights directory configured for the {backend!r} backend.",
            fix=f"set weights_dir to a local directory holding:\n  {expected}\n(weights are never downloaded)",
        )
    root = Path(root).expanduser()
    if "://" in str(root) or not root.is_dir():
        raise WeightsNotFoundError(
            f"Weights directory {str(root)!r} for the {backend!r} backend does not exist locally.",
            fix=f"copy the weights to a local directory holding:\n  {expected}\n(hub ids and URLs are not accepted)",
        )
    missing = [problem for r in layout for problem in r.problems(root)]
    if missing:
        raise WeightsNotFoundError(
            f"Weights directory {str(root)!r} for the {backend!r} backend is incomplete: missing {missing}.",
            fix=f"complete it so that it holds:\n  {expected}",
        )
    return root
