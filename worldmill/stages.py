"""The work of each generation stage for one cell, as plain functions that the assets call.

Every function is idempotent: it derives its outputs from stable ids and seeds, writes files atomically
through the blob store and rows through Delta MERGE, so a re-run converges on the same state.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import cv2
import numpy as np

from worldmill.curation.guardrail import GuardrailResult, face_regions, guard_file
from worldmill.errors import CatalogueError, GenerationError
from worldmill.generation import GenerationRequest, Generator
from worldmill.lake import BlobStore, Catalogue, sql_literal
from worldmill.lake.blobs import sha256_file, tree_manifest
from worldmill.prompts import build_prompt, sample_id, sample_plan, seed_for, write_prompt
from worldmill.render import MODALITIES, contact_sheet, render_samples
from worldmill.render.conditions import sheet_frames
from worldmill.render.pool import SampleRenderResult, render_sample
from worldmill.scenes.visibility import VISIBILITY_FILE, visibility_rows
from worldmill.schemas.plan import RenderSettings, ScenePlan
from worldmill.schemas.records import (
    CatalogueRow,
    ClipRow,
    ConditionRow,
    PromptRow,
    RoundClaimRow,
    VisibilityRow,
    clip_folder_key,
    sample_key,
    utcnow,
)
from worldmill.schemas.taxonomy import Cell
from worldmill.taxonomy.classes import SemanticClasses
from worldmill.video import KeptArrays, read_frames

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


def claim_round(
    catalogue: Catalogue,
    cell_key: str,
    generator: str,
    run_id: str,
    *,
    in_progress: Callable[[str], bool],
    attempts: int = 50,
) -> int:
    """The round this run makes, claimed in the ``rounds`` table by a conditional commit, so that N
    concurrent runs of one cell get N distinct rounds (and seeds).

    Resume rule: a run that already claimed a round keeps it (a retried step gets the same round); else the
    oldest unfinished round (samples without a ``generator`` clip, or a claim without prompts) claimed for
    this generator by a run that is no longer in progress (``in_progress(run_id)`` is false: failed,
    killed, unknown) is taken over with the same seeds; else the round after every known one is claimed.
    Of the rounds made before claims existed, only the newest is resumed, if unfinished (the former rule).
    """
    key = _checked_key(cell_key)
    for _ in range(attempts):
        claims = _round_claims(catalogue, key)
        own = [r for r, (claimant, _) in claims.items() if claimant == run_id]
        if own:
            return max(own)
        made = _round_progress(catalogue, key, generator)
        unfinished = {r for r, (_, made_by) in claims.items() if made_by == generator and not made.get(r, False)}
        newest = max(made, default=None)
        if newest is not None and newest not in claims and not made[newest]:
            unfinished.add(newest)  # a round from before claims: nobody's
        claim = RoundClaimRow(key, 0, run_id, generator, utcnow())
        for round_ in sorted(unfinished):
            if round_ not in claims:
                won = catalogue.claim(dataclasses.replace(claim, round=round_))
            elif not in_progress(claims[round_][0]):
                won = catalogue.claim(
                    dataclasses.replace(claim, round=round_), replacing=f"t.run_id = {sql_literal(claims[round_][0])}"
                )
            else:
                continue
            if won:
                return round_
            break  # someone else took it: look again
        else:
            round_ = max([*claims, *made], default=0) + 1
            if catalogue.claim(dataclasses.replace(claim, round=round_)):
                return round_
    raise CatalogueError(
        f"Could not claim a round of cell {cell_key} for run {run_id} in {attempts} tries: other runs kept "
        "claiming first.",
        fix="re-run; if many runs of one cell start at once, limit them (Dagster concurrency key per cell).",
    )


def _round_claims(catalogue: Catalogue, key: str) -> dict[int, tuple[str, str]]:
    """round -> (claiming run id, generator), for the cell's claimed rounds."""
    if not catalogue.exists("rounds"):
        return {}
    frame = catalogue.read("rounds", columns=["round", "run_id", "generator"], where=f"cell_key = {sql_literal(key)}")
    return {row["round"]: (row["run_id"], row["generator"]) for row in frame.to_dicts()}


def _round_progress(catalogue: Catalogue, key: str, generator: str) -> dict[int, bool]:
    """round -> whether every sample of it has a ``generator`` clip, for the cell's rounds with prompts."""
    if not catalogue.exists("prompts"):
        return {}
    if not catalogue.exists("clips"):
        frame = catalogue.sql(f"SELECT DISTINCT round FROM prompts WHERE cell_key = {sql_literal(key)}")
        return dict.fromkeys(frame["round"].to_list(), False)
    frame = catalogue.sql(
        f"""SELECT p.round, bool_and(c.sample_id IS NOT NULL) AS done
            FROM prompts p LEFT JOIN (SELECT DISTINCT sample_id FROM clips
                                      WHERE generator = {sql_literal(generator)}) c USING (sample_id)
            WHERE p.cell_key = {sql_literal(key)} GROUP BY p.round"""
    )
    return dict(zip(frame["round"].to_list(), frame["done"].to_list(), strict=True))


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


@dataclasses.dataclass(frozen=True)
class ConditionsMade:
    """A round's condition rows and the visibility rows measured from their renders."""

    conditions: list[ConditionRow]
    visibility: list[VisibilityRow]

    @classmethod
    def combine(cls, parts: Iterable[ConditionsMade]) -> ConditionsMade:
        made = cls([], [])
        for part in parts:
            made.conditions.extend(part.conditions)
            made.visibility.extend(part.visibility)
        return made


def produce_conditions(
    rows: Sequence[PromptRow],
    settings: RenderSettings,
    blobs: BlobStore,
    *,
    workers: int,
    device: str = "cpu",
) -> ConditionsMade:
    """Render each sample's scene into its control videos (one process per core) and publish the folders.

    The final prompt is written here, from what the render shows, and goes into the condition set
    (``prompt.txt``, beside ``visibility.json``) before it is hashed; the row carries it to the catalogue,
    the generator backends and the Transfer1 export."""
    plans = [ScenePlan.from_json(r.plan_json) for r in rows]
    with tempfile.TemporaryDirectory(prefix="worldmill-conditions-") as tmp:
        dirs = [Path(tmp) / r.sample_id for r in rows]
        results = render_samples(plans, settings, dirs, workers=workers, device=device)
        return ConditionsMade.combine(
            publish_conditions(row, plan, folder, result, settings, blobs)
            for row, plan, folder, result in zip(rows, plans, dirs, results, strict=True)
        )


def produce_condition(
    row: PromptRow, settings: RenderSettings, blobs: BlobStore, classes: SemanticClasses, *, device: str = "cpu"
) -> ConditionsMade:
    """One sample's conditions rendered in this process and published (the unit of work a cluster worker runs)."""
    plan = ScenePlan.from_json(row.plan_json)
    with tempfile.TemporaryDirectory(prefix="worldmill-conditions-") as tmp:
        folder = Path(tmp) / row.sample_id
        result = render_sample(plan, settings, folder, classes, device=device)
        return publish_conditions(row, plan, folder, result, settings, blobs)


def publish_conditions(
    row: PromptRow,
    plan: ScenePlan,
    folder: Path,
    result: SampleRenderResult,
    settings: RenderSettings,
    blobs: BlobStore,
) -> ConditionsMade:
    """Write the final prompt from what the render shows, hash the sample folder and publish it atomically
    (moved into place); its condition row and visibility rows."""
    if result.visibility is None:
        raise GenerationError(
            f"Sample {row.sample_id} came back from the renderer without its visibility measurement.",
            fix="render through worldmill.render.render_sample, which measures it",
        )
    if result.camera_height_m is not None:  # the height the checked path films from, which the plan only wished
        plan = dataclasses.replace(plan, camera_height_m=round(result.camera_height_m, 2))
    written = write_prompt(plan, result.visibility)
    (folder / VISIBILITY_FILE).write_text(result.visibility.to_json(), encoding="utf-8")
    (folder / "prompt.txt").write_text(written.text + "\n", encoding="utf-8")
    now = utcnow()
    seen = visibility_rows(result.visibility, row, named=written.named, created_at=now)
    files_hash = sha256_tree(folder)
    uri = blobs.publish_dir(folder, sample_key(row.venue, row.city_key, row.sample_id), move=True)
    condition = ConditionRow(
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
        created_at=now,
        sign_fonts="; ".join(result.sign_fonts),
        prompt=written.text,
        prompt_sha256=hashlib.sha256(written.text.encode()).hexdigest(),
        lead_subject=result.visibility.lead,
        lead_in_frame=result.visibility.subject_share() if result.visibility.lead else None,
    )
    return ConditionsMade([condition], list(seen))


# -- clips -----------------------------------------------------------------------------------------------


def write_contact_sheet(
    conditions_dir: Path, rgb_path: Path, out_path: Path, rgb: np.ndarray | None = None, seg_rgb: np.ndarray | None = None
) -> np.ndarray:
    """RGB, depth, segmentation, edge and vis side by side over a few frames (the UI preview); ``rgb``,
    ``seg_rgb``: the clip's and its ``seg.mp4``'s frames when already decoded. Of the other videos only the
    sheet's frames are converted. Returns the sheet as written (BGR), which this process's next
    ``previews_markdown`` of that file takes instead of decoding the PNG (``_KEPT_SHEETS``; read-only)."""
    rgb = read_frames(rgb_path) if rgb is None else rgb
    picks = sheet_frames(len(rgb))
    sheet = contact_sheet(
        rgb[picks],
        read_frames(conditions_dir / "depth.mp4", only=picks),
        read_frames(conditions_dir / "seg.mp4", only=picks) if seg_rgb is None else seg_rgb[picks],
        read_frames(conditions_dir / "edge.mp4", only=picks)[..., 0],
        read_frames(conditions_dir / "vis.mp4", only=picks),
        frames=len(picks),
    )
    bgr = cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR)
    ok, png = cv2.imencode(".png", bgr)  # the bytes cv2.imwrite writes
    if not ok:
        raise GenerationError(f"PNG encoding of the contact sheet {out_path} failed.", fix="check the OpenCV install")
    data = png.tobytes()
    Path(out_path).write_bytes(data)
    _KEPT_SHEETS.put(KeptArrays.key(data), bgr)
    return bgr


# Contact sheets written by this process, by the digest of their PNG bytes, for the preview of the same step:
# the PNG is lossless, so the kept image is what decoding the file gives (~15 ms a sheet saved). A cell's sheets
# (~4 MB each at 256²) fit; more fall back to decoding their files.
_KEPT_SHEETS = KeptArrays(32 * 2**20)


def read_contact_sheet(path: Path) -> np.ndarray:
    """The sheet at ``path`` as BGR (what ``cv2.imread`` gives): the image this process wrote with those bytes
    (taken over: a sheet is previewed once), else the decoded file."""
    data = Path(path).read_bytes()
    kept = _KEPT_SHEETS.take(KeptArrays.key(data))
    if kept is not None:
        return kept
    sheet = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if sheet is None:
        raise GenerationError(f"Contact sheet {path} is unreadable.", fix="re-materialize the clips")
    return sheet


PREVIEW_MAX_CHARS = 300_000  # all previews of one materialization together: they stay in the event log
PREVIEW_WIDTHS = (640, 480, 360, 256, 192, 128)  # tried widest first, with JPEG qualities 80 then 60
CONTACT_SHEET = "contact_sheet.png"


def contact_sheet_key(clip: ClipRow) -> str:
    """Blob key of a clip's contact sheet, beside its ``rgb.mp4``."""
    return f"{clip.rgb_path.rsplit('/', 1)[0]}/{CONTACT_SHEET}"


def preview_data_uri(image_rgb: np.ndarray, max_chars: int) -> str:
    """A self-contained ``data:image/jpeg;base64,...`` URI of ``image_rgb`` (uint8 [H, W, 3]), shrunk until
    it fits ``max_chars``: a browser shows it with no file, server or store behind it."""
    return _jpeg_data_uri(cv2.cvtColor(np.ascontiguousarray(image_rgb), cv2.COLOR_RGB2BGR), max_chars)


def _jpeg_data_uri(bgr: np.ndarray, max_chars: int) -> str:
    height, width = bgr.shape[:2]
    uri = ""
    for target in PREVIEW_WIDTHS:
        scale = min(1.0, target / width)
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else bgr
        for quality in (80, 60):
            ok, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
            if not ok:
                raise GenerationError(f"JPEG encoding of a {size} preview failed.", fix="check the OpenCV install")
            uri = "data:image/jpeg;base64," + base64.b64encode(data.tobytes()).decode("ascii")
            if len(uri) <= max_chars:
                return uri
    return uri  # the smallest one: a preview over the cap still beats none


def previews_markdown(clips: Sequence[ClipRow], blobs: BlobStore, max_chars: int = PREVIEW_MAX_CHARS) -> str:
    """Markdown with every clip's contact sheet embedded as a data URI (the Dagster UI renders it on any
    store: nothing is linked), the clips sharing ``max_chars``."""
    each = max_chars // max(len(clips), 1) - 200
    parts = []
    for clip in clips:
        uri = _jpeg_data_uri(read_contact_sheet(blobs.open_local(contact_sheet_key(clip))), each)
        parts.append(f"**{clip.clip_id}** (RGB, depth, segmentation, edge, vis)\n\n![{clip.clip_id}]({uri})")
    return "\n\n".join(parts)


def guard_and_preview(
    conditions_dir: Path, rgb_path: Path, sheet_path: Path, *, footage_is_render: bool = False
) -> GuardrailResult:
    """The face guardrail on a generated clip, then its contact sheet, decoding the clip and ``seg.mp4`` once.

    Footage that is the render itself (``footage_is_render``) shows faces only on people, and the render says
    where they are: the guardrail searches the segmentation's person pixels instead of whole frames (the same
    detections on real renders, a fraction of the cost: ``tests/test_cheap_scores.py``). Both decoded videos
    stay in this process for the scores step's read of them (``worldmill.video.read_frames``)."""
    seg_rgb = read_frames(conditions_dir / "seg.mp4", keep=True)
    regions = face_regions(seg_rgb) if footage_is_render else None
    frames, guard = guard_file(rgb_path, regions, keep=True)
    write_contact_sheet(conditions_dir, rgb_path, sheet_path, rgb=frames, seg_rgb=seg_rgb)
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
    by_sample = conditions_by_sample(rows, conditions)
    return [produce_clip(row, by_sample[row.sample_id], cell, generator, blobs, settings, device_slot) for row in rows]


def conditions_by_sample(rows: Sequence[PromptRow], conditions: Sequence[ConditionRow]) -> dict[str, ConditionRow]:
    """Each sample's condition row; every row must have one."""
    by_sample = {c.sample_id: c for c in conditions}
    missing = [r.sample_id for r in rows if r.sample_id not in by_sample]
    if missing:
        raise GenerationError(
            f"Samples {', '.join(missing)} have no conditions in the catalogue.",
            fix="materialize the `conditions` asset for this cell first",
        )
    return by_sample


def produce_clip(
    row: PromptRow,
    cond: ConditionRow,
    cell: Cell,
    generator: Generator,
    blobs: BlobStore,
    settings: RenderSettings,
    device_slot: Callable[[], AbstractContextManager] = nullcontext,
) -> ClipRow:
    """One sample's footage: generate, guardrail, preview, publish ``{generator}/`` atomically; its clip row."""
    key = sample_key(row.venue, row.city_key, row.sample_id)
    conditions_dir = blobs.open_local(key)
    plan = ScenePlan.from_json(row.plan_json)
    with tempfile.TemporaryDirectory(prefix="worldmill-clip-") as tmp:
        folder = Path(tmp) / generator.name
        folder.mkdir()
        request = GenerationRequest(
            row.sample_id, plan, cond.prompt or row.prompt, row.seed, settings, conditions_dir, folder / "rgb.mp4"
        )
        with device_slot():
            clip = generator.generate(request)
        guard = guard_and_preview(  # never unblurred faces
            conditions_dir, clip.path, folder / CONTACT_SHEET, footage_is_render=generator.footage_is_render
        )
        rgb_hash = sha256_file(clip.path)
        blobs.publish_dir(folder, clip_folder_key(key, generator.name), move=True)
    return ClipRow(
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


def round_conditions(catalogue: Catalogue, cell_key: str, sample_ids: Sequence[str]) -> list[ConditionRow]:
    """The condition rows of the given samples of a cell, in the order asked."""
    key = _checked_key(cell_key)
    frame = catalogue.sql(f"SELECT * FROM conditions WHERE cell_key = '{key}'")
    by_id = {row["sample_id"]: row for row in frame.to_dicts()}
    return [ConditionRow(**by_id[s]) for s in sample_ids if s in by_id]


# -- catalogue -------------------------------------------------------------------------------------------


def catalogue_rows(catalogue: Catalogue, cell_key: str) -> list[CatalogueRow]:
    """Join clips, prompts, conditions, visibility and scores of a cell into the published, denormalised index.

    The prompt is the conditions step's final one (written from what the clip shows); rows rendered before
    it existed fall back to the plan's draft."""
    key = _checked_key(cell_key)
    has_conditions = catalogue.exists("conditions")
    final_prompt = has_conditions and "prompt" in catalogue.arrow_schema("conditions").names
    prompt = "coalesce(cond.prompt, p.prompt)" if final_prompt else "p.prompt"
    conditions = "LEFT JOIN conditions cond USING (sample_id)" if has_conditions else ""
    shows, seen = "CAST(NULL AS VARCHAR[]) AS shows", ""
    if catalogue.exists("visibility"):
        shows = "v.shows"
        seen = f"""LEFT JOIN (SELECT sample_id, list(kind ORDER BY prominence_rank) AS shows FROM visibility
                              WHERE cell_key = '{key}' AND visible > 0 GROUP BY sample_id) v USING (sample_id)"""
    frame = catalogue.sql(
        f"""SELECT c.clip_id, c.sample_id, c.cell_key, c.city, c.country_code, c.continent, c.venue, c.round,
                   c.seed, c.generator, {prompt} AS prompt, p.time_of_day, p.weather, p.season, p.camera_motion,
                   c.width, c.height, c.frames, c.fps, c.duration_s, c.uri, c.rgb_path,
                   coalesce(s.status, 'unscored') AS status, s.reason, coalesce(s.status = 'pass', false) AS accepted,
                   {shows}
            FROM clips c JOIN prompts p USING (sample_id) {conditions} {seen} LEFT JOIN scores s USING (clip_id)
            WHERE c.cell_key = '{key}' ORDER BY c.clip_id"""
    )
    now = utcnow()
    names = {f.name for f in dataclasses.fields(CatalogueRow)}
    return [CatalogueRow(**{k: v for k, v in row.items() if k in names}, published_at=now) for row in frame.to_dicts()]

