"""Cosmos-Transfer1 interop: each clip's conditions as the ``controlnet_specs`` JSON and batch JSONL that
Transfer1's ``transfer.py`` reads, with control videos and ``.pt`` spatiotemporal weight maps [T, H, W].

Layout written under ``out_dir`` (paths inside specs are absolute, or start with ``path_prefix`` when the
directory will be mounted elsewhere, e.g. in a Kubernetes pod)::

    controlnet_specs.json     shared spec for the batch run: the first clip's spec without its prompt
    batch.jsonl               one line per clip: prompt, visual_input, control_overrides per modality
    manifest.json             row i of batch.jsonl -> clip metadata, to read results back into the catalogue
    clips/{sample_id}/        spec.json (standalone single-clip spec), input.mp4, {modality}.mp4,
                              {modality}_weight.pt, prompt.txt

Transfer1 writes batch results to ``{video_save_folder}/video_{i}/output.mp4`` (see ``transfer1_run``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from worldmill.errors import GenerationError, StorageError
from worldmill.generation.diffusion.conditions import (
    CONTROL_FILES,
    MODALITIES,
    depth_control_image,
    require_modalities,
)
from worldmill.generation.diffusion.control_maps import fuse_weights
from worldmill.lake.uris import is_local
from worldmill.schemas.records import sample_key_of

# What Transfer1's inference accepts (cosmos_transfer1/diffusion/inference/inference_utils.py, transfer.py).
TRANSFER1_HINT_KEYS: frozenset[str] = frozenset({"vis", "seg", "edge", "depth", "keypoint", "upscale", "hdmap", "lidar"})
TRANSFER1_CONTROL_KEYS: frozenset[str] = frozenset({"input_control", "control_weight", "control_weight_prompt", "ckpt_path"})
TRANSFER1_ARGS: dict[str, type | tuple[type, ...]] = {
    "prompt": str,
    "negative_prompt": str,
    "input_video_path": str,
    "sigma_max": (int, float),
    "guidance": (int, float),
    "num_steps": int,
    "seed": int,
    "fps": int,
    "num_input_frames": int,
    "blur_strength": str,
    "canny_threshold": str,
}
STRENGTHS = ("very_low", "low", "medium", "high", "very_high")
BATCH_KEYS: frozenset[str] = frozenset({"prompt", "visual_input", "control_overrides"})
TRANSFER1_GENERATOR = "cosmos-transfer1"
DEFAULT_SIGMA_MAX = 70.0  # Transfer1's default: partial denoising from the input video (80 ignores it)


@dataclasses.dataclass(frozen=True)
class ExportedClip:
    index: int  # line in batch.jsonl; Transfer1 writes video_{index}/output.mp4
    clip_id: str  # the clip Transfer1 will make: {sample_id}__cosmos-transfer1
    sample_id: str
    spec_path: str
    row: dict[str, Any]  # the catalogue row it came from (labels for the ClipRow read back)


@dataclasses.dataclass(frozen=True)
class Transfer1Export:
    out_dir: Path
    specs_path: Path
    batch_path: Path
    manifest_path: Path
    clips: tuple[ExportedClip, ...]


# ---------------------------------------------------------------------------------------------------------
# schema checks
# ---------------------------------------------------------------------------------------------------------
def _fail(where: str, message: str, fix: str) -> GenerationError:
    return GenerationError(f"Transfer1 spec {where}: {message}", fix=fix)


def _check_weight(where: str, key: str, weight: Any, check_files: bool, frames: int | None) -> None:
    if isinstance(weight, str) and weight.endswith(".pt"):
        if check_files:
            import torch

            if not Path(weight).is_file():
                raise _fail(where, f"{key}.control_weight file {weight!r} does not exist.", "re-run the export")
            tensor = torch.load(weight, weights_only=True)
            if not torch.is_tensor(tensor) or tensor.ndim not in (2, 3) or bool((tensor < 0).any()):
                raise _fail(where, f"{key}.control_weight {weight!r} is not a non-negative [T, H, W] or [H, W] tensor.", "write float maps >= 0")
            if frames is not None and tensor.ndim == 3 and tensor.shape[0] != frames:
                raise _fail(where, f"{key}.control_weight has {tensor.shape[0]} frames, the video {frames}.", "export maps of the clip's length")
        return
    try:
        value = float(weight)
    except (TypeError, ValueError):
        raise _fail(where, f"{key}.control_weight={weight!r} is neither a number nor a .pt path.", "use a number >= 0 or a path to a .pt map") from None
    if not np.isfinite(value) or value < 0:
        raise _fail(where, f"{key}.control_weight={weight!r} is negative or not finite.", "use a number >= 0")


def validate_transfer1_spec(spec: Mapping[str, Any], *, check_files: bool = True, where: str = "") -> None:
    """Check a ``controlnet_specs`` object against what Transfer1 documents and enforces: hint keys only from
    its list, unknown keys may not hold objects, control objects hold only the documented keys, weights are
    non-negative numbers or ``.pt`` maps, and without ``input_video_path`` every control has ``input_control``
    (and ``sigma_max`` must be 80)."""
    where = where or "object"
    if not isinstance(spec, Mapping):
        raise _fail(where, f"is a {type(spec).__name__}, not a JSON object.", "write one JSON object per spec")
    controls = {k: v for k, v in spec.items() if k in TRANSFER1_HINT_KEYS}
    for key, value in spec.items():
        if key in TRANSFER1_HINT_KEYS:
            continue
        if isinstance(value, Mapping):
            raise _fail(where, f"unknown control key {key!r} holds an object.", f"use only {sorted(TRANSFER1_HINT_KEYS)}")
        expected = TRANSFER1_ARGS.get(key)
        if expected is not None and (not isinstance(value, expected) or isinstance(value, bool)):
            raise _fail(where, f"{key}={value!r} has the wrong type.", f"{key} must be {expected}")
    if not controls:
        raise _fail(where, "names no control modality.", f"add at least one of {sorted(TRANSFER1_HINT_KEYS)}")
    for key in ("blur_strength", "canny_threshold"):
        if key in spec and spec[key] not in STRENGTHS:
            raise _fail(where, f"{key}={spec[key]!r}.", f"use one of {STRENGTHS}")
    if "sigma_max" in spec and not 0 < float(spec["sigma_max"]) <= 80:
        raise _fail(where, f"sigma_max={spec['sigma_max']!r} is outside (0, 80].", "use 70 (default) or 80 to ignore the input video")
    video = spec.get("input_video_path") or ""
    frames = None
    if video and check_files:
        if not Path(video).is_file():
            raise _fail(where, f"input_video_path {video!r} does not exist.", "re-run the export")
        from worldmill import video as videos

        frames = videos.probe(Path(video)).frames
    if not video and float(spec.get("sigma_max", DEFAULT_SIGMA_MAX)) < 80:
        raise _fail(where, "has no input_video_path but sigma_max < 80.", "add input_video_path or set sigma_max to 80")
    for key, control in controls.items():
        if not isinstance(control, Mapping):
            raise _fail(where, f"{key} is a {type(control).__name__}, not an object.", "write each control as an object")
        extra = sorted(set(control) - TRANSFER1_CONTROL_KEYS)
        if extra:
            raise _fail(where, f"{key} has unknown keys {extra}.", f"use only {sorted(TRANSFER1_CONTROL_KEYS)}")
        if not video and "input_control" not in control:
            raise _fail(where, f"{key} has no input_control and the spec no input_video_path.", "give every control a video")
        if "input_control" in control and check_files and not Path(control["input_control"]).is_file():
            raise _fail(where, f"{key}.input_control {control['input_control']!r} does not exist.", "re-run the export")
        if "control_weight" in control:
            _check_weight(where, key, control["control_weight"], check_files, frames)


def validate_transfer1_batch(batch_path: Path, specs_path: Path, *, check_files: bool = True) -> int:
    """Check ``batch.jsonl`` line by line (each merged with the shared spec); returns the number of lines."""
    shared = json.loads(Path(specs_path).read_text())
    validate_transfer1_spec(shared, check_files=False, where=str(specs_path))
    count = 0
    for number, line in enumerate(Path(batch_path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{batch_path}:{number}"
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as exc:
            raise _fail(where, f"is not JSON ({exc}).", "write one JSON object per line") from exc
        extra = sorted(set(entry) - BATCH_KEYS)
        if extra or not isinstance(entry.get("prompt"), str) or not isinstance(entry.get("visual_input"), str):
            raise _fail(where, f"needs string prompt and visual_input, only {sorted(BATCH_KEYS)} (extra {extra}).", "re-run the export")
        merged = {k: (dict(v) if isinstance(v, Mapping) else v) for k, v in shared.items()}
        for key, override in entry.get("control_overrides", {}).items():
            if key not in merged:
                raise _fail(where, f"overrides control {key!r} that the shared spec lacks (Transfer1 ignores it).", "add it to controlnet_specs.json")
            merged[key].update(override)
        merged.update(prompt=entry["prompt"], input_video_path=entry["visual_input"])
        validate_transfer1_spec(merged, check_files=check_files, where=where)
        count += 1
    return count


# ---------------------------------------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------------------------------------
def _conditions_dir(row: Mapping[str, Any], blobs: Any | None) -> Path:
    """The local directory of a row's conditions: through the blob store when given, else a local URI."""
    if blobs is not None:
        key = sample_key_of(str(row["rgb_path"]))  # {venue}/{city_key}/{sample_id}/{generator}/rgb.mp4
        return Path(blobs.open_local(key))
    uri = str(row["uri"])
    if not is_local(uri):
        raise StorageError(
            f"Conditions of {row['sample_id']} live at {uri!r}, which is not local.",
            fix="pass the lake's blob store (blobs=...) so remote conditions are fetched to a local cache",
        )
    from urllib.parse import unquote, urlparse

    return Path(unquote(urlparse(uri).path) if uri.startswith("file://") else uri)


def _export_rows(catalogue: Any, where: str | None) -> list[dict[str, Any]]:
    tables = set(catalogue.tables())
    if "catalogue" not in tables:
        raise GenerationError(
            f"The lake at {catalogue!r} has no 'catalogue' table to export from.",
            fix="materialize the catalogue asset first (taxonomy -> prompts -> conditions -> clips -> catalogue)",
        )
    sha = "cond.files_sha256" if "conditions" in tables else "CAST(NULL AS VARCHAR)"
    join = "LEFT JOIN conditions cond USING (sample_id)" if "conditions" in tables else ""
    inner = f"SELECT cat.*, {sha} AS conditions_sha256 FROM catalogue cat {join}"
    query = (
        f"SELECT * FROM ({inner}) AS clips" + (f" WHERE ({where})" if where and where.strip() else "")
        + " QUALIFY row_number() OVER (PARTITION BY sample_id ORDER BY clip_id) = 1 ORDER BY sample_id"
    )
    return catalogue.sql(query).to_dicts()


def _write_pt(path: Path, weights: np.ndarray) -> None:
    import torch

    tmp = path.with_name(f".{path.name}.tmp")
    torch.save(torch.from_numpy(np.ascontiguousarray(weights, dtype=np.float32)), tmp)
    os.replace(tmp, path)


def export_sample(
    conditions_dir: Path,
    clip_dir: Path,
    prompt: str,
    *,
    modalities: Sequence[str] = MODALITIES,
    path_prefix: str | None = None,
    export_root: Path | None = None,
    sigma_max: float = DEFAULT_SIGMA_MAX,
    negative_prompt: str | None = None,
) -> dict[str, Any]:
    """Write one clip's control videos, weight maps and standalone ``spec.json``; return the spec."""
    from worldmill import video
    from worldmill.render.conditions import read_depth_m

    clip_dir.mkdir(parents=True, exist_ok=True)

    def ref(path: Path) -> str:
        if path_prefix is None or export_root is None:
            return str(path.resolve())
        return f"{path_prefix.rstrip('/')}/{path.relative_to(export_root).as_posix()}"

    shutil.copyfile(conditions_dir / "input.mp4", clip_dir / "input.mp4")
    with np.load(conditions_dir / "control_weights.npz") as npz:
        missing = [m for m in modalities if m not in npz.files]
        if missing:
            raise GenerationError(f"{conditions_dir / 'control_weights.npz'} lacks maps {missing}.", fix="re-render the conditions")
        fused = fuse_weights({m: npz[m].astype(np.float32) for m in modalities})
    spec: dict[str, Any] = {"prompt": prompt, "input_video_path": ref(clip_dir / "input.mp4"), "sigma_max": float(sigma_max)}
    if negative_prompt:
        spec["negative_prompt"] = negative_prompt
    for modality in modalities:
        target = clip_dir / f"{modality}.mp4"
        if modality == "depth":
            depth_m = read_depth_m(conditions_dir)
            video.write_rgb(target, depth_control_image(depth_m), round(video.probe(conditions_dir / "input.mp4").fps))
        else:
            shutil.copyfile(conditions_dir / CONTROL_FILES[modality], target)
        _write_pt(clip_dir / f"{modality}_weight.pt", fused[modality])
        spec[modality] = {"input_control": ref(target), "control_weight": ref(clip_dir / f"{modality}_weight.pt")}
    (clip_dir / "prompt.txt").write_text(prompt, encoding="utf-8")
    (clip_dir / "spec.json").write_text(json.dumps(spec, indent=2, ensure_ascii=False), encoding="utf-8")
    return spec


def export_cosmos_transfer1(
    catalogue: Any,
    out_dir: str | Path,
    where: str | None = None,
    *,
    blobs: Any | None = None,
    modalities: Sequence[str] = MODALITIES,
    path_prefix: str | None = None,
    sigma_max: float = DEFAULT_SIGMA_MAX,
    negative_prompt: str | None = None,
) -> Transfer1Export:
    """``worldmill export cosmos-transfer1 --out DIR [--where SQL]``: one Transfer1 clip per sample in the
    ``catalogue`` table matching ``where`` (DuckDB SQL over its columns, e.g. ``venue = 'zoo' AND accepted``).

    The directory is built in a temporary sibling and renamed into place, so a reader never sees half an export.
    """
    out_dir = Path(out_dir).resolve()
    require_modalities(modalities)
    rows = _export_rows(catalogue, where)
    if not rows:
        raise GenerationError(
            f"No catalogue rows match where={where!r}; nothing to export.",
            fix="loosen the --where filter or materialize more clips",
        )
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        clips: list[ExportedClip] = []
        lines: list[str] = []
        first_spec: dict[str, Any] = {}
        for index, row in enumerate(rows):
            sample_id = row["sample_id"]
            clip_dir = staging / "clips" / sample_id
            spec = export_sample(
                _conditions_dir(row, blobs),
                clip_dir,
                row["prompt"],
                modalities=modalities,
                path_prefix=path_prefix or str(out_dir),
                export_root=staging,
                sigma_max=sigma_max,
                negative_prompt=negative_prompt,
            )
            first_spec = first_spec if index else spec
            overrides = {m: {"input_control": spec[m]["input_control"], "control_weight": spec[m]["control_weight"]} for m in modalities}
            lines.append(json.dumps({"prompt": row["prompt"], "visual_input": spec["input_video_path"], "control_overrides": overrides}, ensure_ascii=False))
            clean_row = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}
            clips.append(ExportedClip(index, f"{sample_id}__{TRANSFER1_GENERATOR}", sample_id, f"clips/{sample_id}/spec.json", clean_row))
        # Transfer1 validates the shared spec on its own (input_video_path, or input_control per modality,
        # when sigma_max < 80), so it is the first clip's spec; control_overrides replace it per clip.
        shared = {k: v for k, v in first_spec.items() if k != "prompt"}
        (staging / "controlnet_specs.json").write_text(json.dumps(shared, indent=2))
        (staging / "batch.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        manifest = {"generator": TRANSFER1_GENERATOR, "modalities": list(modalities), "clips": [dataclasses.asdict(c) for c in clips]}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(out_dir, old)
            os.replace(staging, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Transfer1Export(out_dir, out_dir / "controlnet_specs.json", out_dir / "batch.jsonl", out_dir / "manifest.json", tuple(clips))
