"""Score the clips of a cell that have no current score: the work behind the ``scores`` asset."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor

from worldmill.errors import ConfigError, StorageError
from worldmill.generation import footage_is_render
from worldmill.lake import Catalogue
from worldmill.lake.blobs import BlobStore
from worldmill.lake.catalogue import sql_literal
from worldmill.metrics import ControlEstimators, QualityThresholds, error_row, score_clip
from worldmill.schemas.records import ClipRow, ScoreRow, sample_key_of

log = logging.getLogger(__name__)

def thresholds_from(overrides: Mapping[str, float]) -> QualityThresholds:
    """``QualityThresholds`` with the named fields replaced (``ConfigError`` for an unknown name)."""
    known = {f.name for f in dataclasses.fields(QualityThresholds)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(f"Unknown quality thresholds {unknown}.", fix=f"use some of: {', '.join(sorted(known))}")
    return dataclasses.replace(QualityThresholds(), **dict(overrides))


def unscored_clips(catalogue: Catalogue, cell_key: str, *, rescore: bool = False) -> list[ClipRow]:
    """Clips of the cell without a score newer than the clip (all of them with ``rescore``)."""
    key = sql_literal(cell_key)
    if rescore or not catalogue.exists("scores"):
        frame = catalogue.read("clips", where=f"cell_key = {key}")
    else:
        frame = catalogue.sql(
            f"""SELECT c.* FROM clips c LEFT JOIN scores s USING (clip_id)
                WHERE c.cell_key = {key} AND (s.clip_id IS NULL OR s.scored_at < c.created_at)"""
        )
    return [ClipRow(**row) for row in frame.sort("clip_id").to_dicts()]


def _score_one(clip: ClipRow, blobs: BlobStore, thresholds: QualityThresholds, estimators: ControlEstimators) -> ScoreRow:
    try:
        rgb_path = blobs.open_local(clip.rgb_path)
        conditions_dir = blobs.open_local(sample_key_of(clip.rgb_path))
    except StorageError as exc:
        row = error_row(clip.clip_id, clip.cell_key, f"{type(exc).__name__}: {exc}")
    else:
        row = score_clip(
            rgb_path,
            conditions_dir,
            clip_id=clip.clip_id,
            cell_key=clip.cell_key,
            thresholds=thresholds,
            footage_is_render=footage_is_render(clip.generator),
            estimators=estimators,
        )
    log.info("scored %s: %s %s", clip.clip_id, row.status, row.reason or "")
    return row


def score_clips(
    clips: Sequence[ClipRow],
    blobs: BlobStore,
    thresholds: QualityThresholds = QualityThresholds(),
    estimators: ControlEstimators = ControlEstimators(),
    *,
    workers: int = 1,
) -> list[ScoreRow]:
    """One ScoreRow per clip, in the order given; unreadable clips or conditions become "error" rows, never
    exceptions. ``workers`` > 1 scores that many clips at once on threads (decoding, flow and filtering run
    in OpenCV/FFmpeg without the GIL; each clip's row does not depend on the others)."""
    if workers <= 1 or len(clips) <= 1:
        return [_score_one(clip, blobs, thresholds, estimators) for clip in clips]
    with ThreadPoolExecutor(min(workers, len(clips)), thread_name_prefix="worldmill-score") as pool:
        return list(pool.map(lambda clip: _score_one(clip, blobs, thresholds, estimators), clips))
