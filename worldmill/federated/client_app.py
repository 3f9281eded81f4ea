"""The Flower ClientApp: runs on each site's SuperNode and trains on that site's shard only.

Every message starts a fresh process (Flower's subprocess isolation), so the shard is read per message;
it is small (accepted clips, decoded at 64×64). The reply carries weights, the FedAvg weight
(``num-examples``) and a ``report`` ConfigRecord: the site's name, its clip counts, the catalogue version it
read and the held-out loss per stratum of the model it received (JSON).
"""

from __future__ import annotations

import json
import logging
import os
import time
import zlib
from typing import Any

from flwr.app import ArrayRecord, ConfigRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from flwr.clientapp.mod import fixedclipping_mod
from flwr.supercore.differential_privacy import KEY_CLIPPING_NORM

from worldmill.federated.config import FederationSettings
from worldmill.federated.data import ShardData, SiteShard, load_shard, write_access_log
from worldmill.federated.sites import site_from_node_config

log = logging.getLogger(__name__)


def evaluation_json(per_stratum: dict, val_clip_counts: dict[str, int]) -> str:
    """``{stratum: [loss_sum, transitions, val_clips]}``: sums, so the server can add them across sites."""
    return json.dumps(
        {
            name: [loss.loss_sum, loss.transitions, val_clip_counts.get(name, 0)]
            for name, loss in sorted(per_stratum.items())
        }
    )


def process_age_s() -> float:
    """Seconds since this process started: with Flower's process-per-message isolation, the start-up cost."""
    import psutil

    return time.time() - psutil.Process(os.getpid()).create_time()


def _prepare(context: Context) -> tuple[Any, FederationSettings, SiteShard, ShardData, float]:
    import torch

    started = time.perf_counter()

    settings = FederationSettings.from_run_config(context.run_config)
    torch.set_num_threads(settings.threads)
    site = site_from_node_config(context.node_config)
    shard = SiteShard(site)
    try:
        data = load_shard(shard, settings.model.size, settings.val_fraction, settings.frame_stride)
    finally:
        access_log = context.node_config.get("access-log")
        if access_log:
            write_access_log(str(access_log), site.name, shard.opened)
    return site, settings, shard, data, time.perf_counter() - started


def _model_from(msg: Message, settings: FederationSettings):
    from worldmill.federated.model import build_model, load_numpy_state

    model = build_model(settings.model, settings.seed)
    arrays: ArrayRecord = msg.content["arrays"]
    return load_numpy_state(model, dict(zip(arrays.keys(), arrays.to_numpy_ndarrays(), strict=True)))


def _report(site, shard: SiteShard, data: ShardData, evaluation: str, load_s: float, train_s: float) -> ConfigRecord:
    report: dict[str, Any] = {
        "process-age-s": process_age_s(),
        "load-s": load_s,
        "train-s": train_s,
        "site": site.name,
        "train-clips": data.train_clips,
        "val-clips": data.val_clips,
        "train-transitions": len(data.train),
        "val-transitions": len(data.val),
        "opened-uris": len(shard.opened),
        "evaluation": evaluation,
    }
    if data.catalogue_version is not None:
        report["catalogue-version"] = int(data.catalogue_version)
    return ConfigRecord(report)


def _optional_clipping(msg: Message, context: Context, call_next) -> Message:
    """Flower's client-side fixed clipping when the server asked for it (DP mode 'client'), else a no-op."""
    config = msg.content.config_records.get("config")
    if config is not None and KEY_CLIPPING_NORM in config:
        return fixedclipping_mod(msg, context, call_next)
    return call_next(msg, context)


app = ClientApp()


@app.train(mods=[_optional_clipping])
def train(msg: Message, context: Context) -> Message:
    """Evaluate the received model on the held-out clips, then train it on the site's clips."""
    from worldmill.federated.model import TrainSettings, evaluate, train_local

    site, settings, shard, data, load_s = _prepare(context)
    model = _model_from(msg, settings)
    config = msg.content["config"]
    server_round = int(config.get("server-round", 0))
    evaluation = evaluation_json(evaluate(model, data.val), data.val_clip_counts) if len(data.val) else "{}"
    local = TrainSettings(
        steps=settings.local_steps,
        batch_size=settings.batch_size,
        learning_rate=settings.learning_rate,
        proximal_mu=float(config.get("proximal-mu", 0.0)),
        seed=settings.seed + 1000 * server_round + zlib.crc32(site.name.encode()) % 1000,
    )
    result = train_local(model, data.train, local)
    log.info(
        "site %s round %d: loss %.4f -> %.4f in %.1fs",
        site.name,
        server_round,
        result.loss_first,
        result.loss_last,
        result.seconds,
    )
    metrics = MetricRecord(
        {"num-examples": result.examples, "train-loss": result.loss_last, "train-seconds": result.seconds}
    )
    return Message(
        content=RecordDict(
            {
                "arrays": ArrayRecord(model.state_dict()),
                "metrics": metrics,
                "report": _report(site, shard, data, evaluation, load_s, result.seconds),
            }
        ),
        reply_to=msg,
    )


@app.evaluate()
def evaluate_model(msg: Message, context: Context) -> Message:
    """Held-out loss per stratum of the received model on this site's clips."""
    from worldmill.federated.model import evaluate, overall_loss

    site, settings, shard, data, load_s = _prepare(context)
    model = _model_from(msg, settings)
    per_stratum = evaluate(model, data.val)
    metrics = MetricRecord({"num-examples": len(data.val), "val-loss": overall_loss(per_stratum)})
    report = _report(site, shard, data, evaluation_json(per_stratum, data.val_clip_counts), load_s, 0.0)
    return Message(content=RecordDict({"metrics": metrics, "report": report}), reply_to=msg)
