"""The work of each generation stage for one cell, as plain functions that the assets call.

Every function is idempotent: it derives its outputs from stable ids and seeds, writes files atomically
through the blob store and rows through Delta MERGE, so a re-run converges on the same state.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import cv2
import numpy as np

from worldmill.curation.guardrail import GuardrailResult, guard_file
from worldmill.errors import CatalogueError, GenerationError
from worldmill.generation import GenerationRequest, Generator
from worldmill.lake import BlobStore, Catalogue, sql_literal
from worldmill.lake.blobs import sha256_file, tree_manifest
from worldmill.prompts import build_prompt, sample_id, sample_plan, seed_for
from worldmill.render import MODALITIES, contact_sheet, render_samples
from worldmill.schemas.plan import RenderSettings, ScenePlan
from worldmill.schemas.records import (
    CatalogueRow,
    ClipRow,
    ConditionRow,
    PromptRow,
    clip_folder_key,
    sample_key,
    utcnow,
)
from worldmill.schemas.taxonomy import Cell
from worldmill.video import read_frames

_SAFE_KEY = re.compile(r"^[a-z0-9_-]+$")


def _checked_key(cell_key: str) -> str:
    """Cell keys go into SQL text; they are ASCII slugs by construction, checked here anyway."""
    if not _SAFE_KEY.match(cell_key):
        raise CatalogueError(f"Cell key {cell_key!r} has characters outside [a-z0-9_-].", fix="use Taxonomy.cell_key()")
    return cell_key


def sha256_tree(root: Path) -> str:
    """One hash over every file's relative path and content: lineage for a condition set."""
    return hashlib.sha256(json.dumps(tree_manifest(root), sort_keys=True).encode()).hexdigest()


# -- prompts ---------------------------------------------------------------------------------------------


def next_round(catalogue: Catalogue, cell_key: str, generator: str) -> int:
    """The round this materialization makes: the newest one again if it has samples without a clip
    (a killed or failed run resumes with the same seeds), otherwise the one after it."""
    key = _checked_key(cell_key)
    if not catalogue.exists("prompts"):
        return 1
    latest = catalogue.sql(f"SELECT max(round) AS r FROM prompts WHERE cell_key = '{key}'")["r"][0]
    if latest is None:
        return 1
    if not catalogue.exists("clips"):
        return int(latest)
    missing = catalogue.sql(
        f"""SELECT count(*) AS n FROM prompts p
            WHERE p.cell_key = '{key}' AND p.round = {int(latest)}
              AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.sample_id = p.sample_id AND c.generator = {sql_literal(generator)})"""
    )["n"][0]
    return int(latest) if missing else int(latest) + 1


def prompt_rows(cell: Cell, round_: int, count: int, *, time_of_day: str | None = None) -> list[PromptRow]:
    """Scene plans and their prompts for ``count`` samples of one round of a cell (same round and steering →
    same rows); ``time_of_day`` steers every sample to that stratum."""
    rows = []
    now = utcnow()
    for index in range(count):
        seed = seed_for(cell.key, round_, index)
        plan = sample_plan(cell, seed, sample_id(cell.key, round_, index), round_, time_of_day=time_of_day)
        text = build_prompt(plan)
        rows.append(
            PromptRow(
                sample_id=plan.sample_id,
                cell_key=cell.key,
                city_key=cell.city.key,
                venue=cell.venue.id,
                round=round_,
                index=index,
                seed=seed,
                prompt=text,
                word_count=len(text.split()),
                camera_motion=plan.camera_motion,
                time_of_day=plan.time_of_day,
                weather=plan.weather,
                season=plan.season,
                plan_json=plan.to_json(),
                prompt_sha256=hashlib.sha256(text.encode()).hexdigest(),
                created_at=now,
            )
        )
    return rows


def stored_round(catalogue: Catalogue, cell_key: str, round_: int) -> list[PromptRow]:
    """The prompt rows a round already has (empty if it was never made): a replay reuses them as they are."""
    if not catalogue.exists("prompts"):
        return []
    key = _checked_key(cell_key)
    frame = catalogue.sql(f"SELECT * FROM prompts WHERE cell_key = '{key}' AND round = {int(round_)} ORDER BY index")
    return [PromptRow(**row) for row in frame.to_dicts()]


def round_prompts(catalogue: Catalogue, cell_key: str, round_: int) -> list[PromptRow]:
    """The prompt rows of one round of a cell, in index order; the round must exist."""
    rows = stored_round(catalogue, cell_key, round_)
    if not rows:
        raise CatalogueError(
            f"Cell {cell_key} has no prompts for round {round_}.", fix="materialize the `prompts` asset for this cell first"
        )
    return rows


# -- conditions ------------------------------------------------------------------------------------------


def produce_conditions(
    rows: Sequence[PromptRow],
    settings: RenderSettings,
    blobs: BlobStore,
    *,
    workers: int,
    device: str = "cpu",
) -> list[ConditionRow]:
    """Render each sample's scene into its control videos (one process per core) and publish the folders."""
    plans = [ScenePlan.from_json(r.plan_json) for r in rows]
    out = []
    with tempfile.TemporaryDirectory(prefix="worldmill-conditions-") as tmp:
        dirs = [Path(tmp) / r.sample_id for r in rows]
        results = render_samples(plans, settings, dirs, workers=workers, device=device)
        for row, folder, result in zip(rows, dirs, results, strict=True):
            (folder / "prompt.txt").write_text(row.prompt + "\n", encoding="utf-8")
            files_hash = sha256_tree(folder)
            uri = blobs.publish_dir(folder, sample_key(row.venue, row.city_key, row.sample_id), move=True)
            out.append(
                ConditionRow(
                    sample_id=row.sample_id,
                    cell_key=row.cell_key,
                    venue=row.venue,
                    uri=uri,
                    width=settings.width,
                    height=settings.height,
                    frames=settings.frames,
                    fps=settings.fps,
                    modalities=list(MODALITIES),
                    object_count=result.object_count,
                    primitive_count=result.primitive_count,
                    files_sha256=files_hash,
                    scene_s=result.scene_s,
                    render_s=result.render_s,
                    encode_s=result.encode_s,
                    created_at=utcnow(),
                )
            )
    return out


# -- clips -----------------------------------------------------------------------------------------------


def write_contact_sheet(conditions_dir: Path, rgb_path: Path, out_path: Path, rgb: np.ndarray | None = None) -> None:
    """RGB, depth, segmentation, edge and vis side by side over a few frames (the UI preview); ``rgb``: the
    clip's frames when already decoded."""
    sheet = contact_sheet(
        read_frames(rgb_path) if rgb is None else rgb,
        read_frames(conditions_dir / "depth.mp4"),
        read_frames(conditions_dir / "seg.mp4"),
        read_frames(conditions_dir / "edge.mp4")[..., 0],
        read_frames(conditions_dir / "vis.mp4"),
    )
    cv2.imwrite(str(out_path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))


def guard_and_preview(conditions_dir: Path, rgb_path: Path, sheet_path: Path) -> GuardrailResult:
    """The face guardrail on a generated clip, then its contact sheet, decoding the clip once."""
    frames, guard = guard_file(rgb_path)
    write_contact_sheet(conditions_dir, rgb_path, sheet_path, rgb=frames)
    return guard


def produce_clips(
    rows: Sequence[PromptRow],
    conditions: Sequence[ConditionRow],
    cell: Cell,
    generator: Generator,
    blobs: BlobStore,
    settings: RenderSettings,
    device_slot: Callable[[], AbstractContextManager] = nullcontext,
) -> list[ClipRow]:
    """Run the generator on each sample's conditions and publish ``{generator}/rgb.mp4`` with its preview.

    ``device_slot`` is held around each generation (a GPU claim, so one device runs one generation at a time).
    """
    by_sample = {c.sample_id: c for c in conditions}
    missing = [r.sample_id for r in rows if r.sample_id not in by_sample]
    if missing:
        raise GenerationError(
            f"Samples {', '.join(missing)} have no conditions in the catalogue.",
            fix="materialize the `conditions` asset for this cell first",
        )
    out = []
    for row in rows:
        cond = by_sample[row.sample_id]
        key = sample_key(row.venue, row.city_key, row.sample_id)
        conditions_dir = blobs.open_local(key)
        plan = ScenePlan.from_json(row.plan_json)
        with tempfile.TemporaryDirectory(prefix="worldmill-clip-") as tmp:
            folder = Path(tmp) / generator.name
            folder.mkdir()
            request = GenerationRequest(
                row.sample_id, plan, row.prompt, row.seed, settings, conditions_dir, folder / "rgb.mp4"
            )
            with device_slot():
                clip = generator.generate(request)
            guard = guard_and_preview(conditions_dir, clip.path, folder / "contact_sheet.png")  # never unblurred faces
            rgb_hash = sha256_file(clip.path)
            blobs.publish_dir(folder, clip_folder_key(key, generator.name), move=True)
        out.append(
            ClipRow(
                clip_id=f"{row.sample_id}__{generator.name}",
                sample_id=row.sample_id,
                cell_key=row.cell_key,
                city_key=row.city_key,
                city=cell.city.name,
                country_code=cell.city.country_code,
                continent=cell.city.continent,
                venue=row.venue,
                seed=row.seed,
                round=row.round,
                generator=generator.name,
                generator_version=generator.version,
                uri=cond.uri,
                rgb_path=f"{clip_folder_key(key, generator.name)}/rgb.mp4",
                width=clip.width,
                height=clip.height,
                frames=clip.frames,
                fps=clip.fps,
                duration_s=clip.frames / clip.fps,
                camera_motion=row.camera_motion,
                time_of_day=row.time_of_day,
                weather=row.weather,
                rgb_sha256=rgb_hash,
                conditions_sha256=cond.files_sha256,
                guardrail=guard.detector,
                faces_blurred=guard.faces,
                generate_s=clip.seconds,
                created_at=utcnow(),
            )
        )
    return out


def round_conditions(catalogue: Catalogue, cell_key: str, sample_ids: Sequence[str]) -> list[ConditionRow]:
    """The condition rows of the given samples of a cell, in the order asked."""
    key = _checked_key(cell_key)
    frame = catalogue.sql(f"SELECT * FROM conditions WHERE cell_key = '{key}'")
    by_id = {row["sample_id"]: row for row in frame.to_dicts()}
    return [ConditionRow(**by_id[s]) for s in sample_ids if s in by_id]


# -- catalogue -------------------------------------------------------------------------------------------


def catalogue_rows(catalogue: Catalogue, cell_key: str) -> list[CatalogueRow]:
    """Join clips, prompts and scores of a cell into the published, denormalised index."""
    key = _checked_key(cell_key)
    frame = catalogue.sql(
        f"""SELECT c.clip_id, c.sample_id, c.cell_key, c.city, c.country_code, c.continent, c.venue, c.round,
                   c.seed, c.generator, p.prompt, p.time_of_day, p.weather, p.season, p.camera_motion, c.width,
                   c.height, c.frames, c.fps, c.duration_s, c.uri, c.rgb_path,
                   coalesce(s.status, 'unscored') AS status, s.reason, coalesce(s.status = 'pass', false) AS accepted
            FROM clips c JOIN prompts p USING (sample_id) LEFT JOIN scores s USING (clip_id)
            WHERE c.cell_key = '{key}' ORDER BY c.clip_id"""
    )
    now = utcnow()
    names = {f.name for f in dataclasses.fields(CatalogueRow)}
    return [CatalogueRow(**{k: v for k, v in row.items() if k in names}, published_at=now) for row in frame.to_dicts()]

