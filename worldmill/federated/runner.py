"""``run_federation``: train the world model across the sites with Flower and register the result.

The runner writes a tiny Flower app (``pyproject.toml`` with the run config, and a module pointing at
``worldmill.federated``'s ServerApp and ClientApp), starts a loopback deployment unless given a SuperLink,
submits the app with ``flwr run``, and registers the model only when the ServerApp reported success.
Training resumes from the latest registered version, so a failed run is simply run again.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from worldmill.errors import FederationError
from worldmill.federated.config import DPSettings, FederationSettings, WorldModelConfig
from worldmill.federated.deployment import LoopbackDeployment, SupernodeWrapper, flower_env, tail, write_connection
from worldmill.federated.registry import Candidate, Registry
from worldmill.federated.server_app import ERROR_FILE, RESULT_FILE, WEIGHTS_FILE, FederationOutcome, write_atomic
from worldmill.federated.sites import check_sites
from worldmill.federated.weights import weights_from_bytes, weights_to_bytes

log = logging.getLogger(__name__)

SERVER_MODULE = "worldmill_flower_server"
CLIENT_MODULE = "worldmill_flower_client"


@dataclasses.dataclass(frozen=True)
class FederationResult:
    """What ``worldmill federate`` prints (``to_json``) and the Dagster assets record."""

    model_version: str
    parent_version: str | None
    initial_val_loss: float
    final_val_loss: float
    sites: list[str]
    sites_dropped: list[str]
    rounds: int
    strategy: str
    weights_uri: str
    val_loss_by_round: list[float | None]  # held-out loss of the model each round started from
    round_seconds: list[float]  # wall time of each round at the ServerApp
    client_seconds: list[dict[str, list[float]]]  # per round, site -> [process age, data load, training]
    duration_s: float
    work_dir: str

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value))  # a JSON string is a valid TOML basic string


def write_flower_app(app_dir: Path, settings: FederationSettings) -> Path:
    """A Flower app directory whose run config is ``settings`` and whose components are worldmill's."""
    app_dir.mkdir(parents=True, exist_ok=True)
    config = "\n".join(f"{key} = {_toml_value(value)}" for key, value in settings.to_run_config().items())
    (app_dir / "pyproject.toml").write_text(
        f"""[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "worldmill-federated"
version = "1.0.0"
description = "worldmill world model, trained where the footage lives"
dependencies = []

[tool.flwr.app]
publisher = "worldmill"

[tool.flwr.app.components]
serverapp = "{SERVER_MODULE}:app"
clientapp = "{CLIENT_MODULE}:app"

[tool.flwr.app.config]
{config}
""",
        encoding="utf-8",
    )
    # Two entry modules, so that a ClientApp process imports only the client side.
    for module, side in ((SERVER_MODULE, "server"), (CLIENT_MODULE, "client")):
        (app_dir / f"{module}.py").write_text(
            f'"""The worldmill Flower {side} app (its code lives in the installed worldmill package)."""\n\n'
            f'from worldmill.federated.{side}_app import app\n\n__all__ = ["app"]\n',
            encoding="utf-8",
        )
    return app_dir


def _initial_weights(settings: FederationSettings, registry: Registry, resume: bool) -> tuple[dict, str | None]:
    from worldmill.federated.model import build_model, state_to_numpy

    parent = registry.latest() if resume else None
    if parent is not None:
        if parent.model_config_json != settings.model.to_json():
            raise FederationError(
                f"The latest version {parent.model_version} was trained with model config {parent.model_config_json}, "
                f"this run asks for {settings.model.to_json()}.",
                fix="train with the same WorldModelConfig to resume, or pass resume=False to start afresh.",
            )
        return registry.load_weights(parent), parent.model_version
    return state_to_numpy(build_model(settings.model, settings.seed)), None


def _flwr_run(app_dir: Path, flwr_home: Path, log_path: Path, timeout_s: float) -> None:
    argv = ["flwr", "run", str(app_dir), "worldmill", "--stream"]
    with open(log_path, "ab") as handle:
        try:
            process = subprocess.run(
                argv, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=flower_env(flwr_home),
                cwd=app_dir, timeout=timeout_s, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            raise FederationError(
                f"`flwr run` did not finish within {timeout_s:.0f}s. Last log lines:\n{tail(log_path)}",
                fix="raise timeout_s, or check the SuperLink and SuperNode logs next to this one.",
            ) from None
    if process.returncode != 0:
        log.warning("flwr run exited with %s", process.returncode)


def _outcome(out_dir: Path, log_path: Path, settle_s: float = 20.0) -> FederationOutcome:
    """The ServerApp's result, or its error as a ``FederationError``. ``flwr run --stream`` returns when the
    log stream ends, which can be a moment before the ServerApp's last write: wait ``settle_s`` for it."""
    error, result = out_dir / ERROR_FILE, out_dir / RESULT_FILE
    deadline = time.monotonic() + settle_s
    while not (error.exists() or result.exists()) and time.monotonic() < deadline:
        time.sleep(0.2)
    if error.exists():
        data = json.loads(error.read_text(encoding="utf-8"))
        raise FederationError(
            f"The federation failed: {data['message']} (ServerApp log: {log_path})",
            fix=data.get("fix") or "see the ServerApp log; no model version was registered.",
        )
    if not result.exists():
        raise FederationError(
            f"The ServerApp wrote no result. Last log lines:\n{tail(log_path)}",
            fix="check the SuperLink log next to it; no model version was registered.",
        )
    state, _ = weights_from_bytes((out_dir / WEIGHTS_FILE).read_bytes())
    return FederationOutcome.from_json(json.loads(result.read_text(encoding="utf-8")), state)


def candidate_from(
    outcome: FederationOutcome, settings: FederationSettings, parent: str | None, site_names: Sequence[str] = ()
) -> Candidate:
    """What to register. Sites are dropped if they are configured (``site_names``) but not in the final
    aggregate; a SuperNode that never answered is known to the ServerApp only by its node id."""
    dropped = set(site_names) - set(outcome.sites) if site_names else set(outcome.dropped)
    reports = [outcome.site_reports[s] for s in outcome.sites if s in outcome.site_reports]
    return Candidate(
        state=outcome.state,
        settings=settings,
        parent_version=parent,
        sites=[r.site for r in reports],
        sites_dropped=sorted(dropped),
        site_train_clips=[r.train_clips for r in reports],
        site_val_clips=[r.val_clips for r in reports],
        site_catalogue_versions=[r.catalogue_version for r in reports],
        initial_val_loss=outcome.loss("initial"),
        final_val_loss=outcome.loss("final"),
        initial_strata={k: v.mean for k, v in outcome.initial.items()},
        final_strata={k: (v.mean, v.transitions, v.val_clips, ",".join(v.sites)) for k, v in outcome.final.items()},
        duration_s=outcome.seconds,
    )


def run_federation(
    rounds: int,
    sites: Sequence[Any],
    *,
    registry: Registry,
    strategy: str = "fedavg",
    min_sites: int | None = None,
    resume: bool = True,
    seed: int = 0,
    local_steps: int = 30,
    model: WorldModelConfig | None = None,
    dp: DPSettings | None = None,
    settings: FederationSettings | None = None,
    work_dir: str | Path | None = None,
    deployment: LoopbackDeployment | None = None,
    supernode_wrapper: SupernodeWrapper | None = None,
    timeout_s: float | None = None,
) -> FederationResult:
    """Train for ``rounds`` rounds across ``sites`` (one SuperNode each) and register the model.

    Without ``deployment`` a loopback SuperLink and SuperNodes are started and stopped here; pass a
    started ``LoopbackDeployment`` to reuse one. ``settings`` overrides every training knob at once (its
    ``rounds``, ``expected_sites`` and paths are filled in from the other arguments). A temporary work
    directory is removed after success and kept after a failure (its logs are named in the error).
    """
    sites = check_sites(sites)
    base = settings or FederationSettings(
        strategy=strategy,
        min_sites=min_sites,
        seed=seed,
        local_steps=local_steps,
        model=model or WorldModelConfig(),
        dp=dp,
    )
    temporary = work_dir is None
    work = Path(tempfile.mkdtemp(prefix="worldmill-federation-") if work_dir is None else work_dir).resolve()
    out_dir = work / "out"
    started = time.monotonic()
    settings = dataclasses.replace(
        base,
        rounds=rounds,
        expected_sites=len(sites),
        output_dir=str(out_dir),
        initial_weights=str(work / "initial.safetensors"),
    )
    initial, parent = _initial_weights(settings, registry, resume)
    write_atomic(Path(settings.initial_weights), weights_to_bytes(initial))
    app_dir = write_flower_app(work / "app", settings)
    budget = timeout_s or settings.node_wait_s + (settings.rounds + 1) * settings.round_timeout_s + 120
    log_path = work / "flwr-run.log"
    log.info(
        "federation of %d site(s), %d round(s), from %s; logs in %s",
        len(sites),
        rounds,
        parent or "a seeded start",
        work,
    )
    if deployment is None:
        with LoopbackDeployment(sites, work / "deployment", supernode_wrapper=supernode_wrapper) as owned:
            _flwr_run(app_dir, owned.flwr_home, log_path, budget)
    else:
        flwr_home = work / "flwr_home"
        write_connection(flwr_home, deployment.address)
        _flwr_run(app_dir, flwr_home, log_path, budget)
    outcome = _outcome(out_dir, log_path)
    row = registry.register(candidate_from(outcome, settings, parent, [s.name for s in sites]))
    result = FederationResult(
        model_version=row.model_version,
        parent_version=parent,
        initial_val_loss=row.initial_val_loss,
        final_val_loss=row.final_val_loss,
        sites=list(row.sites),
        sites_dropped=list(row.sites_dropped),
        rounds=rounds,
        strategy=row.strategy,
        weights_uri=row.weights_uri,
        val_loss_by_round=[r.val_loss_before for r in outcome.rounds],
        round_seconds=[r.seconds for r in outcome.rounds],
        client_seconds=[r.client_seconds for r in outcome.rounds],
        duration_s=time.monotonic() - started,
        work_dir="" if temporary else str(work),
    )
    if temporary:
        shutil.rmtree(work, ignore_errors=True)
    return result


def federate(rounds: int, lake: Any, *, registry_site: str | None = None, **options: Any) -> FederationResult:
    """What ``worldmill federate --rounds N`` runs: one SuperNode per site of a ``worldmill.lake.sites.Lake``,
    the model registered on ``registry_site`` (default: the sites file's default site, else the first)."""
    from worldmill.federated.sites import sites_from_config

    home = registry_site or lake.config.default or lake.sites[0]
    registry = Registry(lake.catalogue(home), lake.storage[home].blob_store("models"))
    return run_federation(rounds, sites_from_config(lake.config), registry=registry, **options)
