"""Running Cosmos-Transfer1 on an export and reading its results back as catalogue clips.

The inference itself is an external command (Transfer1's own environment, on a GPU node); worldmill only
builds the command line, and afterwards maps ``video_{i}/output.mp4`` back to the clip of line i.
"""

from __future__ import annotations

import dataclasses
import json
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from worldmill.errors import GenerationError
from worldmill.export.cosmos_transfer1 import TRANSFER1_GENERATOR
from worldmill.schemas.records import ClipRow, utcnow

DEFAULT_TRANSFER1_COMMAND: tuple[str, ...] = (
    "python", "cosmos_transfer1/diffusion/inference/transfer.py",
    "--checkpoint_dir", "{checkpoint_dir}",
    "--controlnet_specs", "{specs}",
    "--batch_input_path", "{batch}",
    "--video_save_folder", "{outputs}",
    "--offload_text_encoder_model",
    "--num_gpus", "{num_gpus}",
)


def build_transfer1_command(
    export_dir: Path,
    outputs_dir: Path,
    *,
    checkpoint_dir: str = "checkpoints",
    num_gpus: int = 1,
    template: Sequence[str] = DEFAULT_TRANSFER1_COMMAND,
    extra_args: Sequence[str] = (),
) -> list[str]:
    """The command line for one batch run; ``template`` placeholders: specs, batch, outputs, checkpoint_dir,
    num_gpus, export_dir. Run it from a Transfer1 checkout (its cwd)."""
    values = {
        "specs": str(Path(export_dir) / "controlnet_specs.json"),
        "batch": str(Path(export_dir) / "batch.jsonl"),
        "outputs": str(outputs_dir),
        "checkpoint_dir": checkpoint_dir,
        "num_gpus": str(num_gpus),
        "export_dir": str(export_dir),
    }
    try:
        return [part.format(**values) for part in template] + list(extra_args)
    except KeyError as exc:
        raise GenerationError(
            f"Transfer1 command template {shlex.join(template)!r} uses unknown placeholder {exc}.",
            fix=f"use only {{{', '.join(sorted(values))}}}",
        ) from None


@dataclasses.dataclass(frozen=True)
class Transfer1Result:
    index: int
    clip_id: str
    sample_id: str
    video_path: Path | None  # None when Transfer1 produced nothing (e.g. its guardrail blocked the clip)
    row: dict[str, Any]


def read_transfer1_results(export_dir: Path, outputs_dir: Path) -> list[Transfer1Result]:
    """Pair each exported clip with ``{outputs}/video_{index}/output.mp4`` (Transfer1's batch layout)."""
    manifest_path = Path(export_dir) / "manifest.json"
    if not manifest_path.is_file():
        raise GenerationError(f"{manifest_path} is missing.", fix="export with worldmill export cosmos-transfer1 first")
    manifest = json.loads(manifest_path.read_text())
    results = []
    for clip in manifest["clips"]:
        video = Path(outputs_dir) / f"video_{clip['index']}" / "output.mp4"
        results.append(
            Transfer1Result(clip["index"], clip["clip_id"], clip["sample_id"], video if video.is_file() else None, clip["row"])
        )
    return results


def clip_row_for(
    result: Transfer1Result,
    rgb_path: str,
    rgb_sha256: str,
    seconds: float,
    *,
    guardrail: str,
    faces_blurred: int,
    version: str = "transfer1-7b",
) -> ClipRow:
    """The catalogue row of a Transfer1 clip, labels copied from the catalogue row it was exported from.

    ``guardrail`` and ``faces_blurred`` come from the face guardrail the caller ran on the file before hashing and
    publishing it (``worldmill.curation.guardrail.apply_guardrail``)."""
    from worldmill import video

    if result.video_path is None:
        raise GenerationError(f"Transfer1 made no video for {result.clip_id}.", fix="check the run's log (guardrail or failure)")
    info = video.probe(result.video_path)
    row = result.row
    fps = round(info.fps) or int(row["fps"])
    return ClipRow(
        clip_id=result.clip_id,
        sample_id=result.sample_id,
        cell_key=row["cell_key"],
        city_key=row["cell_key"].split("__", 1)[0],
        city=row["city"],
        country_code=row["country_code"],
        continent=row["continent"],
        venue=row["venue"],
        seed=int(row["seed"]),
        round=int(row["round"]),
        generator=TRANSFER1_GENERATOR,
        generator_version=version,
        uri=row["uri"],
        rgb_path=rgb_path,
        width=info.width,
        height=info.height,
        frames=info.frames,
        fps=fps,
        duration_s=info.frames / fps,
        camera_motion=row["camera_motion"],
        time_of_day=row["time_of_day"],
        weather=row["weather"],
        rgb_sha256=rgb_sha256,
        conditions_sha256=row.get("conditions_sha256") or "",
        guardrail=guardrail,
        faces_blurred=faces_blurred,
        generate_s=seconds,
        created_at=utcnow(),
    )
