"""Per-modality spatiotemporal control maps, applied the way Cosmos-Transfer1 fuses its ControlNet branches.

Each branch's residuals are multiplied by its map w_i (resized to the residual's size); where the maps sum to
more than 1 at a location they are divided by that sum, so the fused control never exceeds one full branch.
``fuse_weights`` is numpy only; torch is imported where a tensor is touched, so exports need no torch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from worldmill.errors import GenerationError

if TYPE_CHECKING:
    import torch


def fuse_weights(maps: Mapping[str, np.ndarray], scales: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Transfer1's rule: w_i = max(scale_i * map_i, 0); then w_i / max(sum_j w_j, 1) per location.

    ``maps`` hold float arrays of one shape ([T, H, W]); ``scales`` default to 1 per modality.
    """
    if not maps:
        raise GenerationError("No control maps to fuse (an empty modality list).", fix="enable at least one modality")
    names = list(maps)
    shapes = {n: np.shape(maps[n]) for n in names}
    if len(set(shapes.values())) != 1:
        raise GenerationError(f"Control maps differ in shape: {shapes}.", fix="give every modality a [T, H, W] map of one shape")
    scales = scales or {}
    for name, scale in scales.items():
        if not np.isfinite(scale) or scale < 0:
            raise GenerationError(f"Control weight {name}={scale!r} is negative or not finite.", fix="use a weight >= 0")
    stacked = np.stack([np.clip(np.asarray(maps[n], np.float32) * float(scales.get(n, 1.0)), 0.0, None) for n in names])
    total = np.maximum(stacked.sum(axis=0, keepdims=True), 1.0)
    fused = stacked / total
    return {n: fused[i] for i, n in enumerate(names)}


def resize_map(weight: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """[B, H, W] map to [B, 1, h, w] by area averaging (the mean weight over the pixels a residual cell covers)."""
    import torch.nn.functional as F

    if tuple(weight.shape[-2:]) == tuple(size):
        return weight[:, None]
    return F.interpolate(weight[:, None].float(), size=size, mode="area").to(weight.dtype)


class ResidualMapHook:
    """Forward hook on one ControlNet: multiplies its down and mid residuals by this branch's map.

    The map for the frames in the current batch is set with ``set_map`` before each pipeline call; under
    classifier-free guidance the residual batch is the frame batch repeated (unconditional, conditional), so the
    map is tiled to match.
    """

    def __init__(self, modality: str):
        self.modality = modality
        self.weight: torch.Tensor | None = None  # [B, H, W]
        self._resized: dict[tuple[int, int, int, torch.dtype, torch.device], torch.Tensor] = {}

    def set_map(self, weight: torch.Tensor | None) -> None:
        self.weight = weight
        self._resized = {}

    def _scale(self, residual: torch.Tensor) -> torch.Tensor:
        batch, _, h, w = residual.shape
        frames = self.weight.shape[0]
        if batch % frames:
            raise GenerationError(
                f"ControlNet {self.modality!r} residual batch {batch} is not a multiple of the map's {frames} frames.",
                fix="set the map for exactly the frames in the pipeline call",
            )
        key = (batch, h, w, residual.dtype, residual.device)
        scaled = self._resized.get(key)
        if scaled is None:
            scaled = resize_map(self.weight.to(residual.device), (h, w)).to(residual.dtype).repeat(batch // frames, 1, 1, 1)
            self._resized[key] = scaled
        return residual * scaled

    def __call__(self, module: torch.nn.Module, args: tuple, output):
        if self.weight is None:
            return output
        if isinstance(output, tuple):
            down, mid = output
            return ([self._scale(d) for d in down], self._scale(mid))
        output.down_block_res_samples = tuple(self._scale(d) for d in output.down_block_res_samples)
        output.mid_block_res_sample = self._scale(output.mid_block_res_sample)
        return output


def attach_map_hooks(controlnets: Sequence[torch.nn.Module], modalities: Sequence[str]) -> list[ResidualMapHook]:
    """One hook per ControlNet, in modality order; returns them so the caller can set maps per batch."""
    if len(controlnets) != len(modalities):
        raise GenerationError(
            f"{len(controlnets)} ControlNets for {len(modalities)} modalities {list(modalities)}.",
            fix="load one ControlNet per enabled modality",
        )
    hooks = []
    for net, modality in zip(controlnets, modalities, strict=True):
        hook = ResidualMapHook(modality)
        net.register_forward_hook(hook)
        hooks.append(hook)
    return hooks
