"""The compact video world model: a convolutional autoencoder and a latent next-frame predictor that is
conditioned on the camera motion between frames (the action stream recorded in ``camera.json``).

Small enough to train on CPU at 64×64 in minutes, real enough that its held-out loss says which strata
(city × venue × time of day) it has not learned yet. Everything is seeded: the same seed gives the same
initial weights and the same sequence of minibatches.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from worldmill.errors import ConfigError, FederationError
from worldmill.federated.config import ACTION_DIM, ARCHITECTURE, WorldModelConfig


class _FiLM(nn.Module):
    """Scales and shifts feature maps by amounts predicted from the action (identity at zero action)."""

    def __init__(self, action_dim: int, channels: int):
        super().__init__()
        self.proj = nn.Linear(action_dim, 2 * channels)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, h: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.proj(action).chunk(2, dim=1)
        return h * (1 + gamma[:, :, None, None]) + beta[:, :, None, None]


class WorldModel(nn.Module):
    """``encode`` frames to latents, ``step`` a latent forward under an action, ``decode`` back to pixels."""

    def __init__(self, config: WorldModelConfig):
        super().__init__()
        self.config = config
        h, z, d = config.hidden, config.latent_channels, config.dynamics_hidden
        self.encoder = nn.Sequential(
            nn.Conv2d(3, h, 4, 2, 1), nn.SiLU(),
            nn.Conv2d(h, 2 * h, 4, 2, 1), nn.SiLU(),
            nn.Conv2d(2 * h, z, 4, 2, 1),
        )  # fmt: skip
        self.decoder = nn.Sequential(
            nn.ConvTranspose2d(z, 2 * h, 4, 2, 1), nn.SiLU(),
            nn.ConvTranspose2d(2 * h, h, 4, 2, 1), nn.SiLU(),
            nn.ConvTranspose2d(h, 3, 4, 2, 1),
        )  # fmt: skip
        self.dyn_in = nn.Conv2d(z, d, 3, 1, 1)
        self.dyn_film = _FiLM(config.action_dim, d)
        self.dyn_mid = nn.Conv2d(d, d, 3, 1, 1)
        self.dyn_out = nn.Conv2d(d, z, 3, 1, 1)

    def encode(self, frames: torch.Tensor) -> torch.Tensor:
        return self.encoder(frames * 2 - 1)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(latent))

    def step(self, latent: torch.Tensor, action: torch.Tensor) -> torch.Tensor:
        h = F.silu(self.dyn_film(self.dyn_in(latent), action))
        h = F.silu(self.dyn_mid(h))
        return latent + self.dyn_out(h)

    def forward(self, frames: torch.Tensor, actions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Reconstruction of ``frames`` and prediction of the frames one step later."""
        latent = self.encode(frames)
        return self.decode(latent), self.decode(self.step(latent, actions))


def build_model(config: WorldModelConfig, seed: int) -> WorldModel:
    """A freshly initialised model; the same (config, seed) gives bit-identical weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return WorldModel(config)


@dataclasses.dataclass
class Transitions:
    """Frame pairs (t, t+1) with the camera action between them, and the stratum each belongs to.

    Frames stay uint8 [N, 3, S, S] until a batch is drawn, to keep a site's shard small in memory.
    """

    frames: torch.Tensor  # uint8 [N, 3, S, S]
    next_frames: torch.Tensor  # uint8 [N, 3, S, S]
    actions: torch.Tensor  # float32 [N, action_dim]
    strata: torch.Tensor  # int64 [N], index into ``stratum_names``
    stratum_names: list[str]

    def __len__(self) -> int:
        return int(self.frames.shape[0])

    @classmethod
    def empty(cls, size: int, action_dim: int = ACTION_DIM) -> Transitions:
        frames = torch.zeros((0, 3, size, size), dtype=torch.uint8)
        return cls(frames, frames.clone(), torch.zeros((0, action_dim)), torch.zeros(0, dtype=torch.int64), [])

    @classmethod
    def concat(cls, parts: Sequence[Transitions], size: int) -> Transitions:
        """Join per-clip transitions, re-indexing strata by name."""
        names: list[str] = []
        for part in parts:
            names.extend(n for n in part.stratum_names if n not in names)
        if not parts:
            return cls.empty(size)
        index = {n: i for i, n in enumerate(names)}
        strata = [torch.tensor([index[p.stratum_names[int(s)]] for s in p.strata], dtype=torch.int64) for p in parts]
        return cls(
            torch.cat([p.frames for p in parts]),
            torch.cat([p.next_frames for p in parts]),
            torch.cat([p.actions for p in parts]),
            torch.cat(strata),
            names,
        )


@dataclasses.dataclass(frozen=True)
class TrainSettings:
    steps: int = 30
    batch_size: int = 16
    learning_rate: float = 2e-3
    proximal_mu: float = 0.0  # FedProx: weight of (mu/2)·||w - w_global||² added to the loss
    seed: int = 0

    def __post_init__(self) -> None:
        if self.steps < 1 or self.batch_size < 1 or not self.learning_rate > 0 or self.proximal_mu < 0:
            raise ConfigError(
                f"Invalid training settings {self}.",
                fix="steps and batch_size ≥ 1, learning_rate > 0, proximal_mu ≥ 0.",
            )


def _as_float(frames: torch.Tensor) -> torch.Tensor:
    return frames.float() / 255.0


def per_sample_losses(
    model: WorldModel, frames: torch.Tensor, next_frames: torch.Tensor, actions: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Reconstruction and next-frame prediction MSE per transition (each float32 [N]); frames uint8."""
    x, y = _as_float(frames), _as_float(next_frames)
    recon, pred = model(x, actions)
    return (recon - x).pow(2).mean(dim=(1, 2, 3)), (pred - y).pow(2).mean(dim=(1, 2, 3))


@dataclasses.dataclass(frozen=True)
class TrainReport:
    steps: int
    examples: int  # transitions in the training set (the FedAvg weight)
    loss_first: float
    loss_last: float
    seconds: float


def train_local(model: WorldModel, data: Transitions, settings: TrainSettings) -> TrainReport:
    """Adam on random minibatches of transitions; with ``proximal_mu`` > 0 the FedProx proximal term
    keeps the weights near those the model started from (the global model)."""
    import time

    if len(data) == 0:
        raise FederationError(
            "No training transitions on this site.", fix="give the site accepted clips with ≥ 2 frames."
        )
    start = time.perf_counter()
    generator = torch.Generator().manual_seed(settings.seed)
    anchor = [p.detach().clone() for p in model.parameters()] if settings.proximal_mu > 0 else None
    optimiser = torch.optim.Adam(model.parameters(), lr=settings.learning_rate)
    model.train()
    losses: list[float] = []
    for _ in range(settings.steps):
        idx = torch.randint(len(data), (min(settings.batch_size, len(data)),), generator=generator)
        recon, pred = per_sample_losses(model, data.frames[idx], data.next_frames[idx], data.actions[idx])
        loss = (recon + pred).mean()
        if anchor is not None:
            prox = sum((p - a).pow(2).sum() for p, a in zip(model.parameters(), anchor, strict=True))
            loss = loss + settings.proximal_mu / 2 * prox
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    model.eval()
    return TrainReport(settings.steps, len(data), losses[0], losses[-1], time.perf_counter() - start)


@dataclasses.dataclass(frozen=True)
class StratumLoss:
    """Summed held-out loss over a stratum's transitions: sums add across sites, means do not."""

    loss_sum: float
    transitions: int
    clips: int = 0

    @property
    def mean(self) -> float:
        return self.loss_sum / self.transitions if self.transitions else float("nan")


@torch.no_grad()
def evaluate(model: WorldModel, data: Transitions, *, batch_size: int = 128) -> dict[str, StratumLoss]:
    """Held-out loss (reconstruction + next-frame MSE) summed per stratum."""
    model.eval()
    sums = torch.zeros(len(data.stratum_names), dtype=torch.float64)
    counts = torch.zeros(len(data.stratum_names), dtype=torch.int64)
    for lo in range(0, len(data), batch_size):
        hi = min(lo + batch_size, len(data))
        recon, pred = per_sample_losses(model, data.frames[lo:hi], data.next_frames[lo:hi], data.actions[lo:hi])
        strata = data.strata[lo:hi]
        sums.index_add_(0, strata, (recon + pred).double())
        counts.index_add_(0, strata, torch.ones_like(strata))
    return {name: StratumLoss(float(sums[i]), int(counts[i])) for i, name in enumerate(data.stratum_names)}


def overall_loss(per_stratum: Mapping[str, StratumLoss]) -> float:
    """Loss over all held-out transitions (each transition weighs the same)."""
    total = sum(s.transitions for s in per_stratum.values())
    if total == 0:
        raise FederationError(
            "No held-out transitions were evaluated.", fix="give each site accepted clips to hold out."
        )
    return sum(s.loss_sum for s in per_stratum.values()) / total


# -- weights ---------------------------------------------------------------------------------------------


def state_to_numpy(model: WorldModel) -> dict[str, np.ndarray]:
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def load_numpy_state(model: WorldModel, state: Mapping[str, np.ndarray]) -> WorldModel:
    expected = model.state_dict()
    if set(state) != set(expected) or any(tuple(state[k].shape) != tuple(expected[k].shape) for k in expected):
        raise FederationError(
            f"Weights do not fit world model {model.config.to_json()} "
            f"(got {len(state)} tensors, expected {len(expected)} with matching shapes).",
            fix="load weights saved for the same WorldModelConfig, or start from a seeded initialisation.",
        )
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    return model


__all__ = [
    "ACTION_DIM",
    "ARCHITECTURE",
    "StratumLoss",
    "TrainReport",
    "TrainSettings",
    "Transitions",
    "WorldModel",
    "WorldModelConfig",
    "build_model",
    "evaluate",
    "load_numpy_state",
    "overall_loss",
    "per_sample_losses",
    "state_to_numpy",
    "train_local",
]
