"""The Flower ServerApp: rounds of train → aggregate across the site SuperNodes, then one held-out
evaluation of the result, with a quorum so that a dead SuperNode does not hang or spoil the run.

Each train reply also carries the held-out loss of the model the site *received*, so round 1 measures the
starting weights and a final ``evaluate`` message measures the result: rounds + 1 client calls in all.
The app writes ``final.safetensors`` and then ``result.json`` (last, atomically) into the run's output
directory; on failure it writes ``error.json`` instead, and the runner registers nothing.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context, Message
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import (
    DifferentialPrivacyClientSideFixedClipping,
    DifferentialPrivacyServerSideFixedClipping,
    FedAvg,
    FedProx,
    Strategy,
)

from worldmill.errors import FederationError
from worldmill.federated.config import FederationSettings
from worldmill.federated.weights import weights_from_bytes, weights_to_bytes

log = logging.getLogger(__name__)

RESULT_FILE = "result.json"
ERROR_FILE = "error.json"
WEIGHTS_FILE = "final.safetensors"
PROGRESS_FILE = "progress.jsonl"
POLL_S = 0.25


# -- outcome -------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class StratumResult:
    """Held-out loss of one stratum summed over the sites holding it."""

    loss_sum: float
    transitions: int
    val_clips: int
    sites: tuple[str, ...]

    @property
    def mean(self) -> float:
        return self.loss_sum / self.transitions


@dataclasses.dataclass(frozen=True)
class SiteReport:
    site: str
    train_clips: int
    val_clips: int
    catalogue_version: int | None
    opened_uris: int


@dataclasses.dataclass(frozen=True)
class RoundRecord:
    round: int
    sites: tuple[str, ...]  # sites whose updates were aggregated
    failed: dict[str, str]  # site (or node) -> why it was left out
    val_loss_before: float | None  # held-out loss of the model the sites received
    train_loss: float  # mean last-step training loss, weighted by examples
    seconds: float  # wall time of the round at the server
    client_seconds: dict[str, list[float]] = dataclasses.field(
        default_factory=dict
    )  # site -> [process age, load, train]


@dataclasses.dataclass
class FederationOutcome:
    """What a federation produced, before it is registered."""

    rounds: list[RoundRecord]
    initial: dict[str, StratumResult]
    final: dict[str, StratumResult]
    sites: list[str]
    dropped: dict[str, str]
    site_reports: dict[str, SiteReport]
    seconds: float
    state: dict[str, np.ndarray] = dataclasses.field(repr=False, default_factory=dict)

    @property
    def common_strata(self) -> list[str]:
        return sorted(set(self.initial) & set(self.final))

    def loss(self, which: str) -> float:
        """Held-out loss over the strata evaluated both initially and finally (a like-for-like comparison)."""
        strata = self.common_strata
        if not strata:
            raise FederationError(
                "No stratum was evaluated both before and after training.",
                fix="check that the sites kept their held-out clips and that the final evaluation reached a quorum.",
            )
        results = [getattr(self, which)[s] for s in strata]
        return sum(r.loss_sum for r in results) / sum(r.transitions for r in results)

    def to_json(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data.pop("state")
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], state: dict[str, np.ndarray] | None = None) -> FederationOutcome:
        def strata(d: Mapping[str, Any]) -> dict[str, StratumResult]:
            return {
                k: StratumResult(v["loss_sum"], v["transitions"], v["val_clips"], tuple(v["sites"]))
                for k, v in d.items()
            }

        return cls(
            rounds=[RoundRecord(**{**r, "sites": tuple(r["sites"])}) for r in data["rounds"]],
            initial=strata(data["initial"]),
            final=strata(data["final"]),
            sites=list(data["sites"]),
            dropped=dict(data["dropped"]),
            site_reports={k: SiteReport(**v) for k, v in data["site_reports"].items()},
            seconds=float(data["seconds"]),
            state=state or {},
        )


# -- strategy ------------------------------------------------------------------------------------------


def make_strategy(settings: FederationSettings) -> Strategy:
    """FedAvg (default) or FedProx over every connected site, optionally wrapped for differential privacy."""
    quorum = settings.quorum
    common = {
        "fraction_train": 1.0,
        "fraction_evaluate": 1.0,
        "min_train_nodes": quorum,
        "min_evaluate_nodes": quorum,
        "min_available_nodes": quorum,
    }
    base: Strategy = (
        FedProx(proximal_mu=settings.proximal_mu, **common) if settings.strategy == "fedprox" else FedAvg(**common)
    )
    if settings.dp is None:
        return base
    wrapper = (
        DifferentialPrivacyServerSideFixedClipping
        if settings.dp.mode == "server"
        else DifferentialPrivacyClientSideFixedClipping
    )
    return wrapper(base, settings.dp.noise_multiplier, settings.dp.clipping_norm, settings.expected_sites)


# -- message exchange with a quorum ----------------------------------------------------------------------


class NodeView(Grid):
    """The run's grid without the nodes that already failed in this run (dead SuperNodes stay listed by
    the SuperLink until their heartbeat expires, about a minute)."""

    def __init__(self, grid: Grid, excluded: Iterable[int]):
        self._grid = grid
        self._excluded = set(excluded)

    def set_run(self, run) -> None:  # pragma: no cover - the SuperLink sets the run on the real grid
        self._grid.set_run(run)

    @property
    def run(self):  # pragma: no cover
        return self._grid.run

    def create_message(self, *args, **kwargs):  # pragma: no cover - deprecated in Flower
        return self._grid.create_message(*args, **kwargs)

    def get_node_ids(self) -> list[int]:
        return [n for n in self._grid.get_node_ids() if n not in self._excluded]

    def push_messages(self, messages):
        return self._grid.push_messages(messages)

    def pull_messages(self, message_ids):
        return self._grid.pull_messages(message_ids)

    def send_and_receive(self, messages, *, timeout=None):  # pragma: no cover - we use exchange()
        return self._grid.send_and_receive(messages, timeout=timeout)


@dataclasses.dataclass
class Exchange:
    replies: list[Message]  # replies without error
    failed: dict[int, str]  # node id -> reason (error reply, or no reply in time)


def exchange(
    grid: Grid,
    messages: Iterable[Message],
    *,
    quorum: int,
    round_timeout_s: float,
    straggler_timeout_s: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Exchange:
    """Push messages and pull replies until all are in, or the quorum is in and stragglers had
    ``straggler_timeout_s`` more, or the quorum cannot be reached anymore, or ``round_timeout_s`` passed."""
    messages = list(messages)
    ids = list(grid.push_messages(messages))
    node_of = {mid: msg.metadata.dst_node_id for mid, msg in zip(ids, messages, strict=True) if mid}
    failed: dict[int, str] = {
        msg.metadata.dst_node_id: "the SuperLink did not accept the message"
        for mid, msg in zip(ids, messages, strict=True)
        if not mid
    }
    pending = set(node_of)
    replies: list[Message] = []
    start, quorum_at = clock(), None
    while pending:
        for reply in grid.pull_messages(sorted(pending)):
            mid = reply.metadata.reply_to_message_id
            if mid not in pending:
                continue
            pending.discard(mid)
            if reply.has_error():
                failed[node_of[mid]] = f"error reply: {reply.error.reason.strip()[:500]}"
            else:
                replies.append(reply)
        now = clock()
        if quorum_at is None and len(replies) >= quorum:
            quorum_at = now
        if not pending:
            break
        if len(replies) + len(pending) < quorum:
            break
        if quorum_at is not None and now - quorum_at >= straggler_timeout_s:
            break
        if now - start >= round_timeout_s:
            break
        sleep(POLL_S)
    waited = clock() - start
    for mid in pending:
        failed[node_of[mid]] = f"no reply after {waited:.0f}s"
    return Exchange(replies, failed)


# -- the rounds ------------------------------------------------------------------------------------------


def _report(reply: Message) -> ConfigRecord:
    return reply.content["report"]


def _merge_evaluations(replies: Iterable[Message]) -> dict[str, StratumResult]:
    merged: dict[str, StratumResult] = {}
    for reply in replies:
        report = _report(reply)
        for stratum, (loss_sum, transitions, val_clips) in json.loads(str(report["evaluation"])).items():
            old = merged.get(stratum, StratumResult(0.0, 0, 0, ()))
            merged[stratum] = StratumResult(
                old.loss_sum + float(loss_sum),
                old.transitions + int(transitions),
                old.val_clips + int(val_clips),
                tuple(sorted({*old.sites, str(report["site"])})),
            )
    return merged


def _pooled(results: Mapping[str, StratumResult]) -> float | None:
    total = sum(r.transitions for r in results.values())
    return sum(r.loss_sum for r in results.values()) / total if total else None


def wait_for_nodes(grid: Grid, settings: FederationSettings, *, clock=time.monotonic, sleep=time.sleep) -> list[int]:
    """Wait up to ``node_wait_s`` for every expected SuperNode; fail if fewer than the quorum came."""
    deadline = clock() + settings.node_wait_s
    nodes = list(grid.get_node_ids())
    while len(nodes) < settings.expected_sites and clock() < deadline:
        sleep(POLL_S)
        nodes = list(grid.get_node_ids())
    if len(nodes) < settings.quorum:
        raise FederationError(
            f"Only {len(nodes)} of {settings.expected_sites} SuperNodes connected within {settings.node_wait_s:.0f}s; "
            f"the quorum is {settings.quorum}.",
            fix="start a SuperNode for each site (flower-supernode --node-config 'site=... root-uri=...') "
            "or lower min_sites.",
        )
    if len(nodes) < settings.expected_sites:
        log.warning(
            "%d of %d SuperNodes connected; going on with the quorum of %d",
            len(nodes),
            settings.expected_sites,
            settings.quorum,
        )
    return nodes


def run_rounds(
    grid: Grid,
    settings: FederationSettings,
    initial: Mapping[str, np.ndarray],
    *,
    on_round: Callable[[RoundRecord], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> FederationOutcome:
    """The federation proper: ``settings.rounds`` train rounds and a final held-out evaluation."""
    start = clock()
    strategy = make_strategy(settings)
    wait_for_nodes(grid, settings, clock=clock, sleep=sleep)
    arrays = ArrayRecord({k: _array(v) for k, v in initial.items()})
    excluded: dict[int, str] = {}
    site_of: dict[int, str] = {}
    reports: dict[str, SiteReport] = {}
    history: list[RoundRecord] = []
    initial_eval: dict[str, StratumResult] = {}
    dropped: dict[str, str] = {}

    def label(node: int) -> str:
        return site_of.get(node, f"node-{node}")

    def run_phase(phase: str, make: Callable[[Grid], Iterable[Message]]) -> Exchange:
        view = NodeView(grid, excluded)
        alive = view.get_node_ids()
        if len(alive) < settings.quorum:
            raise FederationError(
                f"{phase}: only {len(alive)} site(s) left ({', '.join(label(n) for n in alive) or 'none'}); "
                f"the quorum is {settings.quorum}. Dropped: {_describe(dropped)}.",
                fix="restart the failed SuperNodes and run again (training resumes from the last registered "
                "version), or lower min_sites.",
            )
        result = exchange(
            grid,
            make(view),
            quorum=settings.quorum,
            round_timeout_s=settings.round_timeout_s,
            straggler_timeout_s=settings.straggler_timeout_s,
            clock=clock,
            sleep=sleep,
        )
        for reply in result.replies:
            site_of[reply.metadata.src_node_id] = str(_report(reply)["site"])
        for node, reason in result.failed.items():
            excluded[node] = reason
            dropped[label(node)] = f"{phase}: {reason}"
            log.warning("%s: site %s left out: %s", phase, label(node), reason)
        if len(result.replies) < settings.quorum:
            raise FederationError(
                f"{phase}: {len(result.replies)} of {settings.quorum} required sites replied. "
                f"Failed: {_describe({label(n): r for n, r in result.failed.items()})}.",
                fix="check the failed sites' SuperNode logs, restart them and run again (training resumes from "
                "the last registered version), or lower min_sites.",
            )
        return result

    sites_last: list[str] = []
    for server_round in range(1, settings.rounds + 1):
        round_start = clock()
        result = run_phase(
            f"round {server_round}",
            lambda view, r=server_round, a=arrays: strategy.configure_train(r, a, ConfigRecord(), view),
        )
        aggregated, _ = strategy.aggregate_train(server_round, result.replies)
        if aggregated is None:
            raise FederationError(
                f"round {server_round}: the strategy could not aggregate {len(result.replies)} replies.",
                fix="check the ServerApp log: replies must carry one ArrayRecord and num-examples.",
            )
        arrays = aggregated
        before = _merge_evaluations(result.replies)
        if server_round == 1:
            initial_eval = before
        for reply in result.replies:
            report = _report(reply)
            reports[str(report["site"])] = SiteReport(
                site=str(report["site"]),
                train_clips=int(report["train-clips"]),
                val_clips=int(report["val-clips"]),
                catalogue_version=int(report["catalogue-version"]) if "catalogue-version" in report else None,
                opened_uris=int(report["opened-uris"]),
            )
        weights = [float(r.content["metrics"]["num-examples"]) for r in result.replies]
        losses = [float(r.content["metrics"]["train-loss"]) for r in result.replies]
        sites_last = sorted(str(_report(r)["site"]) for r in result.replies)
        record = RoundRecord(
            round=server_round,
            sites=tuple(sites_last),
            failed={label(n): r for n, r in result.failed.items()},
            val_loss_before=_pooled(before),
            train_loss=float(np.average(losses, weights=weights)),
            seconds=clock() - round_start,
            client_seconds={
                str(_report(r)["site"]): [float(_report(r)[k]) for k in ("process-age-s", "load-s", "train-s")]
                for r in result.replies
            },
        )
        history.append(record)
        log.info(
            "round %d: sites %s, held-out loss before %.5f",
            server_round,
            ",".join(record.sites),
            record.val_loss_before or float("nan"),
        )
        if on_round is not None:
            on_round(record)

    final_result = run_phase(
        "final evaluation", lambda view: strategy.configure_evaluate(settings.rounds, arrays, ConfigRecord(), view)
    )
    final_eval = _merge_evaluations(final_result.replies)
    state = {k: v.numpy() for k, v in arrays.items()}
    return FederationOutcome(
        rounds=history,
        initial=initial_eval,
        final=final_eval,
        sites=sites_last,
        dropped=dropped,
        site_reports={k: v for k, v in reports.items() if k in sites_last},
        seconds=clock() - start,
        state=state,
    )


def _array(value: np.ndarray):
    from flwr.app import Array

    return Array(np.ascontiguousarray(value))


def _describe(failures: Mapping[str, str]) -> str:
    return "; ".join(f"{k} ({v})" for k, v in sorted(failures.items())) or "none"


# -- files -----------------------------------------------------------------------------------------------


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary sibling, then rename: readers see the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        temp.write_bytes(data)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _append_progress(out: Path, record: RoundRecord) -> None:
    with open(out / PROGRESS_FILE, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(dataclasses.asdict(record)) + "\n")


# -- the app ---------------------------------------------------------------------------------------------

app = ServerApp()


@app.main()
def main(grid: Grid, context: Context) -> None:

    settings = FederationSettings.from_run_config(context.run_config)
    out = Path(settings.output_dir)
    out.mkdir(parents=True, exist_ok=True)
    try:
        initial, _ = weights_from_bytes(Path(settings.initial_weights).read_bytes())
        outcome = run_rounds(grid, settings, initial, on_round=lambda r: _append_progress(out, r))
        write_atomic(out / WEIGHTS_FILE, weights_to_bytes(outcome.state, {"model_config": settings.model.to_json()}))
        write_atomic(out / RESULT_FILE, json.dumps(outcome.to_json()).encode())
    except Exception as exc:
        fix = getattr(exc, "fix", None)
        write_atomic(
            out / ERROR_FILE,
            json.dumps(
                {"error": type(exc).__name__, "message": getattr(exc, "message", str(exc)), "fix": fix}
            ).encode(),
        )
        raise
