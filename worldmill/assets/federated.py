"""Assets of the federated loop: a federated training round across the sites and the model version it
registers (with its held-out loss per stratum, which the model-version sensor turns into generation)."""

import json

from dagster import AssetExecutionContext, Config, MaterializeResult, MetadataValue, Output, asset

from worldmill.assets._edge import at_edge
from worldmill.resources import LakeResource


class FederatedRoundConfig(Config):
    """``sites_json``: ``[{"name": "aws-us", "root_uri": "s3://..."}, ...]``; empty means one site, the lake."""

    rounds: int = 2
    strategy: str = "fedavg"
    min_sites: int | None = None  # None: every site must take part in every round
    local_steps: int = 30
    seed: int = 0
    sites_json: str = ""


@asset(group_name="federated", kinds={"pytorch", "flower"})
@at_edge
def federated_round(context: AssetExecutionContext, config: FederatedRoundConfig, lake: LakeResource) -> Output:
    """Trains the world model where the footage lives (one Flower SuperNode per site) and registers it."""
    from worldmill.federated import Registry, SiteSpec, run_federation
    from worldmill.federated.sites import sites_from_config

    sites = (
        [SiteSpec(s["name"], s["root_uri"]) for s in json.loads(config.sites_json)]
        if config.sites_json
        else sites_from_config(lake.lake.config)  # one SuperNode per catalogue site
    )
    registry = Registry.at(lake.lake.config.sites[lake.home_site].root)
    result = run_federation(
        config.rounds,
        sites,
        registry=registry,
        strategy=config.strategy,
        min_sites=config.min_sites,
        seed=config.seed,
        local_steps=config.local_steps,
    )
    return Output(
        result,
        metadata={
            "model_version": result.model_version,
            "parent_version": result.parent_version or "",
            "initial_val_loss": result.initial_val_loss,
            "final_val_loss": result.final_val_loss,
            "sites": ", ".join(result.sites),
            "sites_dropped": ", ".join(result.sites_dropped),
            "val_loss_by_round": MetadataValue.json(result.val_loss_by_round),
            "duration_s": result.duration_s,
        },
    )


@asset(group_name="federated", kinds={"delta", "safetensors"})
@at_edge
def world_model(context: AssetExecutionContext, federated_round, lake: LakeResource) -> MaterializeResult:
    """The registered model version: weights URI, lineage and where it is weakest (its sampling weights)."""
    from worldmill.federated import Registry

    registry = Registry(lake.catalogue)
    row = registry.get(federated_round.model_version)
    evaluations = registry.evaluations(row.model_version)
    table = "| stratum | site | held-out loss | weight |\n|---|---|---|---|\n" + "\n".join(
        f"| {e.stratum} | {e.site} | {e.final_loss:.5f} | {e.sampling_weight:.3f} |"
        for e in sorted(evaluations, key=lambda e: -e.sampling_weight)
    )
    return MaterializeResult(
        metadata={
            "model_version": row.model_version,
            "weights_uri": MetadataValue.url(row.weights_uri),
            "weights_sha256": row.weights_sha256,
            "sites": ", ".join(row.sites),
            "site_catalogue_versions": MetadataValue.json(
                dict(zip(row.sites, row.site_catalogue_versions, strict=True))
            ),
            "train_clips": row.train_clips,
            "val_clips": row.val_clips,
            "final_val_loss": row.final_val_loss,
            "strata": MetadataValue.md(table),
        }
    )
