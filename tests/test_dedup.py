"""Dedup on synthetic signatures with planted duplicates: found, distinct clips kept, best quality kept."""

from __future__ import annotations

import math

import numpy as np
import pytest

from worldmill.errors import ConfigError
from worldmill.metrics.dedup import (
    DedupThresholds,
    Signatures,
    combine_embeddings,
    deduplicate,
    mean_hamming,
    normalise_rows,
)
from worldmill.metrics.signatures import hashes_from_int64, hashes_to_int64, phash_clip


def random_signatures(n: int, seed: int = 0, dim: int = 32) -> Signatures:
    rng = np.random.default_rng(seed)
    return Signatures(
        phash=rng.integers(0, 2**63, (n, 8), dtype=np.int64).view(np.uint64),
        embedding=normalise_rows(rng.standard_normal((n, dim))),
        quality=rng.random(n),
    )


def with_rows(sig: Signatures, **changes) -> Signatures:
    values = {"phash": sig.phash.copy(), "embedding": sig.embedding.copy(), "quality": sig.quality.copy()}
    for name, (index, value) in changes.items():
        values[name][index] = value
    return Signatures(**values)


def test_distinct_clips_are_all_kept():
    result = deduplicate(random_signatures(50))
    assert result.duplicates == 0
    assert list(result.kept) == list(range(50)) and set(result.method) == {"kept"}


def test_near_duplicate_footage_is_found_by_phash_and_the_better_clip_kept():
    sig = random_signatures(20)
    flipped = sig.phash[3] ^ np.uint64(0b101)  # two bits differ in every frame
    sig = with_rows(sig, phash=(7, flipped), quality=(7, 2.0))  # clip 7 copies clip 3 and is better
    result = deduplicate(sig)
    assert result.duplicates == 1
    assert result.kept[3] == 7 and result.kept[7] == 7
    assert result.method[3] == "phash" and result.hamming_bits[3] == pytest.approx(2.0)
    assert math.isnan(result.hamming_bits[7])


def test_semantic_duplicates_are_found_by_cosine():
    sig = random_signatures(20)
    close = normalise_rows(sig.embedding[5:6] + 0.01)[0]
    sig = with_rows(sig, embedding=(11, close), quality=(5, 5.0))
    result = deduplicate(sig)
    assert result.kept[11] == 5 and result.method[11] == "semantic" and result.cosine[11] > 0.99
    assert result.duplicates == 1


def test_duplicates_do_not_chain_beyond_the_threshold():
    def unit(deg: float) -> np.ndarray:
        v = np.zeros(16, np.float32)
        v[0], v[1] = math.cos(math.radians(deg)), math.sin(math.radians(deg))
        return v

    rng = np.random.default_rng(3)
    sig = Signatures(
        phash=rng.integers(0, 2**63, (3, 8), dtype=np.int64).view(np.uint64),
        embedding=np.stack([unit(0), unit(12), unit(24)]),  # neighbours 0.978 apart, the ends 0.914
        quality=np.array([3.0, 2.0, 1.0]),
    )
    result = deduplicate(sig)
    assert list(result.kept) == [0, 0, 2]  # the middle clip goes with the best; the far end is kept


def test_planted_copies_across_many_clusters_are_all_found():
    n, rng = 3000, np.random.default_rng(7)
    sig = random_signatures(n, seed=7)
    copies = rng.choice(n, 150, replace=False)
    originals = rng.choice(np.setdiff1d(np.arange(n), copies), 150, replace=False)
    emb, ph = sig.embedding.copy(), sig.phash.copy()
    emb[copies] = normalise_rows(emb[originals] + 0.02 * rng.standard_normal((150, emb.shape[1])))
    ph[copies] = ph[originals] ^ np.uint64(1)
    result = deduplicate(Signatures(ph, emb, sig.quality), DedupThresholds(cluster_size=64))
    assert result.clusters == math.ceil(n / 64)
    assert np.all(result.kept[copies] == result.kept[originals])
    assert result.duplicates == 150


def test_empty_input_and_bad_thresholds():
    assert deduplicate(random_signatures(0)).duplicates == 0
    with pytest.raises(ConfigError, match="min_cosine"):
        DedupThresholds(min_cosine=1.5)
    with pytest.raises(ConfigError, match="disagree"):
        Signatures(np.zeros((2, 8), np.uint64), np.zeros((3, 4), np.float32), np.zeros(2))


def test_combined_cosine_weights_text_and_visual():
    text = normalise_rows(np.array([[1.0, 0.0], [1.0, 0.0]]))
    visual = normalise_rows(np.array([[1.0, 0.0], [0.0, 1.0]]))
    combined = combine_embeddings(text, visual, text_weight=0.25)
    assert float(combined[0] @ combined[1]) == pytest.approx(0.25)
    assert np.linalg.norm(combined, axis=1) == pytest.approx([1.0, 1.0])


def test_phash_survives_reencoding_noise_and_round_trips_through_int64():
    rng = np.random.default_rng(0)
    gray = (rng.random((8, 64, 64)) * 255).astype(np.uint8)
    noisy = np.clip(gray.astype(np.int16) + rng.integers(-3, 4, gray.shape), 0, 255).astype(np.uint8)
    other = (rng.random((8, 64, 64)) * 255).astype(np.uint8)
    a, b, c = phash_clip(gray), phash_clip(noisy), phash_clip(other)
    assert mean_hamming(a[None], b[None])[0, 0] <= 8 < mean_hamming(a[None], c[None])[0, 0]
    assert np.array_equal(hashes_from_int64(hashes_to_int64(a)), a)
