"""Cosmos-Transfer1 through Dagster Pipes: export the catalogue's conditions, run Transfer1 as an external
command (a subprocess here; ``PipesK8sClient`` with ``deploy/k8s`` on a cluster), read the clips back.

Not a partitioned asset: one batch covers whatever ``where`` selects, as the CLI export does.
"""

import sys
import time
from pathlib import Path

from dagster import AssetExecutionContext, Config, MaterializeResult, PipesSubprocessClient, asset

from worldmill.assets._edge import at_edge
from worldmill.curation.guardrail import apply_guardrail
from worldmill.export import build_transfer1_command, clip_row_for, export_cosmos_transfer1, read_transfer1_results
from worldmill.export.transfer1_run import DEFAULT_TRANSFER1_COMMAND
from worldmill.lake.blobs import sha256_file
from worldmill.resources import LakeResource
from worldmill.schemas.records import clip_folder_key, sample_key_of


class Transfer1RunConfig(Config):
    export_dir: str  # where the specs, batch.jsonl and control files are written
    outputs_dir: str  # Transfer1's --video_save_folder
    where: str | None = None  # DuckDB SQL over the catalogue table's columns
    command: list[str] = list(DEFAULT_TRANSFER1_COMMAND)  # noqa: RUF012 - pydantic copies defaults; placeholders: specs, batch, outputs, checkpoint_dir, num_gpus
    checkpoint_dir: str = "checkpoints"
    num_gpus: int = 1
    cwd: str | None = None  # the Transfer1 checkout
    generator_version: str = "transfer1-7b"


@asset(group_name="generation", kinds={"delta", "pipes"}, pool="gpu")
@at_edge
def cosmos_transfer1_clips(
    context: AssetExecutionContext,
    config: Transfer1RunConfig,
    lake: LakeResource,
    pipes_subprocess_client: PipesSubprocessClient,
) -> MaterializeResult:
    """Sim2Real clips made by Cosmos-Transfer1 from the procedural conditions, registered as catalogue clips."""
    export = export_cosmos_transfer1(lake.catalogue, config.export_dir, config.where, blobs=lake.blobs)
    outputs = Path(config.outputs_dir)
    command = build_transfer1_command(
        export.out_dir, outputs, checkpoint_dir=config.checkpoint_dir, num_gpus=config.num_gpus, template=config.command
    )
    started = time.perf_counter()
    invocation = pipes_subprocess_client.run(
        context=context,
        command=[sys.executable, "-m", "worldmill.export.pipes_entry"],
        extras={"export_dir": str(export.out_dir), "outputs_dir": str(outputs), "command": command, "cwd": config.cwd},
    )
    seconds = time.perf_counter() - started
    results = [r for r in read_transfer1_results(export.out_dir, outputs) if r.video_path is not None]
    rows = []
    for result in results:
        key = clip_folder_key(sample_key_of(result.row["rgb_path"]), "cosmos-transfer1") + "/rgb.mp4"
        guard = apply_guardrail(result.video_path)  # never publish unblurred faces
        rgb_hash = sha256_file(result.video_path)
        lake.blobs.publish_file(result.video_path, key)
        rows.append(
            clip_row_for(
                result, key, rgb_hash, seconds / len(results),
                guardrail=guard.detector, faces_blurred=guard.faces, version=config.generator_version,
            )
        )
    reported = invocation.get_materialize_result().metadata or {}
    metadata = {
        **reported,
        "clips_registered": len(rows),
        "faces_blurred": sum(row.faces_blurred for row in rows),
        "export_dir": str(export.out_dir),
    }
    if rows:
        metadata["table_version"] = lake.catalogue.upsert(rows).version
    return MaterializeResult(metadata=metadata)
