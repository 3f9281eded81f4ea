"""Settings of one federation, shared by the runner, the ServerApp and the ClientApps.

They travel as Flower's run config (TOML scalars in the generated app's ``pyproject.toml``), so every
process of a run — on this machine or on a remote SuperNode — reads the same values.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from worldmill.errors import ConfigError

STRATEGIES = ("fedavg", "fedprox")
DP_MODES = ("off", "server", "client")

ARCHITECTURE = "latent-dynamics-v1"
ACTION_DIM = 6  # translation (3, camera frame of the earlier frame) + rotation vector (3, radians)


@dataclasses.dataclass(frozen=True)
class WorldModelConfig:
    """Shapes of the network; the weights only load into a model built from the same config."""

    size: int = 64  # frames are square, size × size RGB
    hidden: int = 16  # channels of the first encoder layer (the second has twice as many)
    latent_channels: int = 8  # latent is latent_channels × size/8 × size/8
    dynamics_hidden: int = 32
    action_dim: int = ACTION_DIM
    architecture: str = ARCHITECTURE

    def __post_init__(self) -> None:
        if self.size <= 0 or self.size % 8:
            raise ConfigError(
                f"World model size={self.size} is not a positive multiple of 8.", fix="use 64 (or 32, 128)."
            )
        for name in ("hidden", "latent_channels", "dynamics_hidden", "action_dim"):
            if getattr(self, name) <= 0:
                raise ConfigError(
                    f"World model {name}={getattr(self, name)} is not positive.", fix=f"pass a positive {name}."
                )
        if self.architecture != ARCHITECTURE:
            raise ConfigError(
                f"Unknown world model architecture {self.architecture!r}.",
                fix=f"this version of worldmill builds {ARCHITECTURE!r}.",
            )

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> WorldModelConfig:
        try:
            return cls(**json.loads(text))
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"Invalid world model config {text[:200]!r}: {exc}.", fix="pass WorldModelConfig().to_json()."
            ) from exc


@dataclasses.dataclass(frozen=True)
class DPSettings:
    """Differential privacy through Flower's fixed-clipping wrappers: updates are clipped to
    ``clipping_norm`` (on the server or on each client) and Gaussian noise is added to the aggregate."""

    mode: str = "server"  # "server" | "client"
    noise_multiplier: float = 0.1
    clipping_norm: float = 10.0

    def __post_init__(self) -> None:
        if self.mode not in ("server", "client"):
            raise ConfigError(f"DP mode {self.mode!r} is unknown.", fix="use 'server' or 'client'.")
        if self.noise_multiplier < 0 or self.clipping_norm <= 0:
            raise ConfigError(
                f"DP noise_multiplier={self.noise_multiplier}, clipping_norm={self.clipping_norm} are invalid.",
                fix="noise_multiplier ≥ 0 and clipping_norm > 0.",
            )


@dataclasses.dataclass(frozen=True)
class FederationSettings:
    """Everything a run needs besides the sites. Defaults suit tiny CPU runs (64×64, a few clips)."""

    rounds: int = 2
    strategy: str = "fedavg"
    proximal_mu: float = 0.01  # FedProx only
    min_sites: int | None = None  # quorum per round; None = every expected site
    expected_sites: int = 0  # how many SuperNodes to wait for before round 1 (run_federation: one per site)
    node_wait_s: float = 120.0  # how long to wait for them
    round_timeout_s: float = 900.0  # give up on a round whose quorum has not replied by then
    straggler_timeout_s: float = 60.0  # once the quorum has replied, wait this long for the rest
    local_steps: int = 30
    batch_size: int = 16
    learning_rate: float = 2e-3
    val_fraction: float = 0.25
    frame_stride: int = 1
    seed: int = 0
    threads: int = 1  # torch threads per ClientApp process
    model: WorldModelConfig = dataclasses.field(default_factory=WorldModelConfig)
    dp: DPSettings | None = None
    output_dir: str = ""  # where the ServerApp writes result.json and the final weights
    initial_weights: str = ""  # safetensors the ServerApp starts from

    def __post_init__(self) -> None:
        if self.rounds < 1:
            raise ConfigError(f"rounds={self.rounds} is below 1.", fix="pass --rounds 1 or more.")
        if self.strategy not in STRATEGIES:
            raise ConfigError(f"Unknown strategy {self.strategy!r}.", fix=f"use one of {', '.join(STRATEGIES)}.")
        if self.expected_sites < 0:
            raise ConfigError(f"expected_sites={self.expected_sites} is negative.", fix="configure at least one site.")
        if self.min_sites is not None and not 1 <= self.min_sites <= (self.expected_sites or self.min_sites):
            raise ConfigError(
                f"min_sites={self.min_sites} is outside 1..{self.expected_sites} (the number of sites).",
                fix="choose a quorum between 1 and the number of sites.",
            )
        for name in ("node_wait_s", "round_timeout_s", "straggler_timeout_s"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"{name}={getattr(self, name)} is not positive.", fix=f"pass a positive {name}.")
        if self.frame_stride < 1 or self.threads < 1:
            raise ConfigError(
                f"frame_stride={self.frame_stride}, threads={self.threads} must be ≥ 1.", fix="pass positive integers."
            )

    @property
    def quorum(self) -> int:
        if self.expected_sites < 1:
            raise ConfigError(
                "The number of sites (expected_sites) is not set.", fix="run through run_federation(), which sets it."
            )
        return self.expected_sites if self.min_sites is None else self.min_sites

    @property
    def strategy_label(self) -> str:
        return self.strategy + (f"+dp-{self.dp.mode}" if self.dp else "")

    def training_json(self) -> dict[str, Any]:
        """The settings that shape the weights, for lineage (no paths)."""
        out = dataclasses.asdict(self)
        for key in ("output_dir", "initial_weights", "model", "node_wait_s", "round_timeout_s", "straggler_timeout_s"):
            out.pop(key)
        return out

    def to_run_config(self) -> dict[str, str | int | float | bool]:
        """Flower run config: flat TOML scalars with dashed keys."""
        dp = self.dp
        return {
            "rounds": self.rounds,
            "strategy": self.strategy,
            "proximal-mu": self.proximal_mu,
            "min-sites": self.quorum,
            "expected-sites": self.expected_sites,
            "node-wait-s": self.node_wait_s,
            "round-timeout-s": self.round_timeout_s,
            "straggler-timeout-s": self.straggler_timeout_s,
            "local-steps": self.local_steps,
            "batch-size": self.batch_size,
            "learning-rate": self.learning_rate,
            "val-fraction": self.val_fraction,
            "frame-stride": self.frame_stride,
            "seed": self.seed,
            "threads": self.threads,
            "model-config": self.model.to_json(),
            "dp-mode": dp.mode if dp else "off",
            "dp-noise-multiplier": dp.noise_multiplier if dp else 0.0,
            "dp-clipping-norm": dp.clipping_norm if dp else 1.0,
            "output-dir": self.output_dir,
            "initial-weights": self.initial_weights,
        }

    @classmethod
    def from_run_config(cls, config: Mapping[str, Any]) -> FederationSettings:
        try:
            mode = str(config["dp-mode"])
            if mode not in DP_MODES:
                raise ConfigError(f"dp-mode {mode!r} is unknown.", fix=f"use one of {', '.join(DP_MODES)}.")
            dp = (
                None
                if mode == "off"
                else DPSettings(mode, float(config["dp-noise-multiplier"]), float(config["dp-clipping-norm"]))
            )
            return cls(
                rounds=int(config["rounds"]),
                strategy=str(config["strategy"]),
                proximal_mu=float(config["proximal-mu"]),
                min_sites=int(config["min-sites"]),
                expected_sites=int(config["expected-sites"]),
                node_wait_s=float(config["node-wait-s"]),
                round_timeout_s=float(config["round-timeout-s"]),
                straggler_timeout_s=float(config["straggler-timeout-s"]),
                local_steps=int(config["local-steps"]),
                batch_size=int(config["batch-size"]),
                learning_rate=float(config["learning-rate"]),
                val_fraction=float(config["val-fraction"]),
                frame_stride=int(config["frame-stride"]),
                seed=int(config["seed"]),
                threads=int(config["threads"]),
                model=WorldModelConfig.from_json(str(config["model-config"])),
                dp=dp,
                output_dir=str(config["output-dir"]),
                initial_weights=str(config["initial-weights"]),
            )
        except KeyError as exc:
            raise ConfigError(
                f"Flower run config lacks {exc.args[0]!r} (keys: {sorted(config)}).",
                fix="run the app generated by worldmill.federated.runner (write_flower_app).",
            ) from None
