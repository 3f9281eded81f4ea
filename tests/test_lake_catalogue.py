"""Catalogue: Delta MERGE upserts, reads, SQL over several tables, schema evolution, failed writes."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import ClassVar

import polars as pl
import pyarrow as pa
import pytest
from conftest_lake import clip_row, prompt_row, score_row
from deltalake import DeltaTable

from worldmill.errors import CatalogueError, StorageError
from worldmill.lake import Catalogue
from worldmill.schemas.records import PromptRow, Record
from worldmill.schemas.tables import TABLES

pytest_plugins = ("fixtures.lake",)  # fixtures: catalogue


def test_first_upsert_creates_the_table_under_tables_dir(catalogue, tmp_path):
    assert not catalogue.exists("prompts") and catalogue.version("prompts") is None
    write = catalogue.upsert([prompt_row(i) for i in range(3)])
    assert (write.table, write.version, write.rows_inserted, write.rows_updated) == ("prompts", 0, 3, 0)
    assert (tmp_path / "lake" / "tables" / "prompts" / "_delta_log").is_dir()
    assert catalogue.exists("prompts") and catalogue.version("prompts") == 0
    # partitioned by venue as the record class declares
    assert DeltaTable(catalogue.table_uri("prompts")).metadata().partition_columns == ["venue"]


def test_upsert_twice_is_idempotent(catalogue):
    rows = [prompt_row(i) for i in range(4)]
    catalogue.upsert(rows)
    first = catalogue.read("prompts").sort("sample_id")
    again = catalogue.upsert(rows)
    assert (again.rows_inserted, again.rows_updated) == (0, 4)
    assert catalogue.read("prompts").sort("sample_id").equals(first)


def test_merge_updates_matching_keys_and_inserts_new_ones(catalogue):
    catalogue.upsert([prompt_row(i) for i in range(3)])
    write = catalogue.upsert([prompt_row(2, prompt="changed"), prompt_row(3)])
    assert (write.rows_inserted, write.rows_updated, write.version) == (1, 1, 1)
    frame = catalogue.read("prompts").sort("index")
    assert frame["prompt"].to_list() == ["prompt number 0", "prompt number 1", "changed", "prompt number 3"]


def test_duplicates_in_one_batch_collapse_to_the_last(catalogue):
    write = catalogue.upsert([prompt_row(1, prompt="first"), prompt_row(2), prompt_row(1, prompt="last")])
    assert write.rows_inserted == 2
    frame = catalogue.read("prompts", where="index = 1")
    assert frame["prompt"].to_list() == ["last"]


def test_unicode_values_round_trip(catalogue):
    texts = ["上海动物园的夜晚，纸灯笼", "São Paulo à noite — ü ß", "東京 🏮 emoji", "Zürich\nnewline 'quote' \"dq\""]
    catalogue.upsert([prompt_row(i, prompt=t) for i, t in enumerate(texts)])
    assert catalogue.read("prompts").sort("index")["prompt"].to_list() == texts
    rows = catalogue.sql_rows("SELECT prompt FROM prompts WHERE prompt LIKE '%灯笼%'")
    assert rows == [{"prompt": texts[0]}]


def test_read_columns_where_and_types(catalogue):
    catalogue.upsert([prompt_row(i, venue="zoo" if i % 2 else "park") for i in range(6)])
    frame = catalogue.read("prompts", columns=["sample_id", "venue", "created_at"], where="venue = 'zoo'")
    assert frame.columns == ["sample_id", "venue", "created_at"]
    assert sorted(frame["sample_id"].to_list()) == sorted(prompt_row(i, venue="zoo").sample_id for i in (1, 3, 5))
    assert frame.schema["created_at"] == pl.Datetime("us", "UTC")
    assert frame["created_at"].min() == prompt_row(1).created_at


def test_read_of_an_unwritten_table_is_empty_with_the_declared_schema(catalogue):
    frame = catalogue.read("scores")
    assert frame.height == 0
    assert frame.columns == TABLES["scores"].arrow_schema().names
    assert frame.schema["sharpness"] == pl.Float64
    assert catalogue.read("scores", columns=["clip_id"]).columns == ["clip_id"]
    with pytest.raises(CatalogueError, match="Unknown columns"):
        catalogue.read("scores", columns=["nope"])


def test_unknown_table_suggests_close_names(catalogue):
    with pytest.raises(CatalogueError, match="did you mean 'clips'"):
        catalogue.read("clip")
    with pytest.raises(CatalogueError, match="Invalid table name"):
        catalogue.table_uri("../etc")


def test_sql_joins_two_tables(catalogue):
    clips = [clip_row(i, venue="zoo" if i < 3 else "museum") for i in range(5)]
    catalogue.upsert(clips)
    catalogue.upsert([score_row(c, "pass" if i % 2 == 0 else "fail") for i, c in enumerate(clips)])
    frame = catalogue.sql(
        "SELECT c.venue, count(*) FILTER (WHERE s.status = 'pass') AS passed, count(*) AS total "
        "FROM clips c JOIN scores s USING (clip_id) GROUP BY c.venue ORDER BY c.venue"
    )
    assert frame.to_dicts() == [{"venue": "museum", "passed": 1, "total": 2}, {"venue": "zoo", "passed": 2, "total": 3}]
    assert catalogue.tables() == ["clips", "scores"]


def test_sql_with_no_tables_and_bad_sql(catalogue):
    assert catalogue.sql("SELECT 42 AS answer").to_dicts() == [{"answer": 42}]
    with pytest.raises(CatalogueError, match="tables available: none yet"):
        catalogue.sql("SELECT * FROM clips")
    catalogue.upsert([prompt_row(0)])
    with pytest.raises(CatalogueError, match="no_such_column"):
        catalogue.sql("SELECT no_such_column FROM prompts")


def test_delete_by_predicate(catalogue):
    catalogue.upsert([prompt_row(i, venue="zoo" if i % 2 else "park") for i in range(6)])
    write = catalogue.delete("prompts", "venue = 'zoo'")
    assert write.rows_deleted == 3 and write.version == 1
    assert set(catalogue.read("prompts")["venue"].to_list()) == {"park"}
    assert catalogue.delete("scores", "status = 'fail'").version is None
    with pytest.raises(CatalogueError):
        catalogue.delete("prompts", "   ")


def test_new_nullable_column_merges_into_existing_table(catalogue, monkeypatch):
    catalogue.upsert([prompt_row(0), prompt_row(1)])

    @dataclasses.dataclass(frozen=True)
    class PromptRowV2(PromptRow):
        language: str | None = None

    write = catalogue.upsert(
        [
            PromptRowV2(**{**prompt_row(1).to_row(), "language": "ja"}),
            PromptRowV2(**{**prompt_row(2).to_row(), "language": "en"}),
        ]
    )
    assert (write.rows_inserted, write.rows_updated) == (1, 1)
    frame = catalogue.read("prompts").sort("index")
    assert frame["language"].to_list() == [None, "ja", "en"]


def test_mixed_record_classes_and_empty_batches(catalogue):
    with pytest.raises(CatalogueError, match="several classes"):
        catalogue.upsert([prompt_row(0), clip_row(0)])
    with pytest.raises(CatalogueError, match="record_type"):
        catalogue.upsert([])
    write = catalogue.upsert([], record_type=PromptRow)
    assert (write.table, write.version, write.rows_inserted) == ("prompts", None, 0)


def test_empty_key_and_wrong_types_are_rejected_without_writing(catalogue):
    catalogue.upsert([prompt_row(0)])
    with pytest.raises(CatalogueError, match="empty key sample_id"):
        catalogue.upsert([dataclasses.replace(prompt_row(1), sample_id="")])
    with pytest.raises(CatalogueError, match="do not match its schema"):
        catalogue.upsert([prompt_row(1), dataclasses.replace(prompt_row(2), seed="not a number")])
    assert catalogue.version("prompts") == 0 and catalogue.read("prompts").height == 1


def test_exception_in_the_middle_of_a_batch_leaves_the_previous_version(catalogue, monkeypatch):
    catalogue.upsert([prompt_row(i) for i in range(3)])
    before = catalogue.read("prompts").sort("sample_id")

    real_to_arrow = PromptRow.to_arrow

    def failing_stream(cls, records):
        table = real_to_arrow(records)
        batches = table.to_batches(max_chunksize=2)

        def gen():
            yield batches[0]
            raise RuntimeError("writer died mid-batch")

        return pa.RecordBatchReader.from_batches(table.schema, gen())

    monkeypatch.setattr(PromptRow, "to_arrow", classmethod(failing_stream))
    with pytest.raises(Exception, match="writer died mid-batch"):
        catalogue.upsert([prompt_row(i, prompt="new") for i in range(10)])
    monkeypatch.undo()
    assert catalogue.version("prompts") == 0
    assert catalogue.read("prompts").sort("sample_id").equals(before)
    # re-running converges
    catalogue.upsert([prompt_row(i, prompt="new") for i in range(10)])
    assert catalogue.read("prompts")["prompt"].to_list() == ["new"] * 10


def test_records_registered_later_get_tables_and_unkeyed_file_uri_roots(tmp_path):
    from worldmill.schemas.tables import register

    @dataclasses.dataclass(frozen=True)
    class NoteRow(Record):
        table: ClassVar[str] = "test_notes"
        key: ClassVar[tuple[str, ...]] = ("a", "b")
        a: str
        b: int
        note: str
        at: dt.datetime

    register(NoteRow)
    try:
        cat = Catalogue((tmp_path / "x").as_uri())  # file:// URIs work too
        t = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        cat.upsert([NoteRow("k", 1, "one", t), NoteRow("k", 2, "two", t)])
        cat.upsert([NoteRow("k", 1, "uno", t)])
        assert cat.sql_rows("SELECT a, b, note FROM test_notes ORDER BY b") == [
            {"a": "k", "b": 1, "note": "uno"},
            {"a": "k", "b": 2, "note": "two"},
        ]
        assert cat.root_uri == str(tmp_path / "x")
    finally:
        TABLES.pop("test_notes")


def test_storage_options_never_appear_in_repr_or_errors(tmp_path):
    secret = "SuperSecretValue123"
    cat = Catalogue(
        "s3://bucket/lake",
        {
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": "id",
            "AWS_REGION": "us-east-1",
            "max_retries": "1",
            "retry_timeout": "1s",
        },
        site="aws-us",
        retry=__import__("worldmill.lake.retry", fromlist=["RetryPolicy"]).RetryPolicy(
            attempts=2, initial_delay_s=0.01
        ),
    )
    assert secret not in repr(cat)
    with pytest.raises(StorageError) as info:
        cat.upsert([prompt_row(0)])
    assert secret not in str(info.value)
    assert "aws-us" in str(info.value) and "s3://bucket/lake/tables/prompts" in str(info.value)


def test_string_filters_work_on_a_mix_of_plain_and_merged_files(catalogue):
    # The first write stores plain strings; MERGE (DataFusion) writes string_view files. Pushed-down filters
    # on such a mix used to fail inside pyarrow ("no kernel matching input types (string, string_view)").
    catalogue.upsert([clip_row(i, city="Tokyo" if i % 2 else "Paris") for i in range(4)])
    catalogue.upsert([clip_row(i, city="Lagos") for i in range(3, 6)])
    assert catalogue.sql("SELECT count(*) FROM clips WHERE city = 'Lagos'").item() == 3
    assert catalogue.sql("SELECT count(*) FROM clips WHERE city > 'M'").item() == 3
    ids = [clip_row(i).clip_id for i in (0, 5)]
    assert catalogue.read("clips", columns=["clip_id"], where=f"clip_id IN ('{ids[0]}', '{ids[1]}')").height == 2
    assert catalogue.read("clips", where="city = 'Tokyo'").schema["city"] == pl.String


def test_sql_literals_carry_quotes_through_a_query():
    import duckdb

    from worldmill.lake import sql_list, sql_literal

    tricky = ["O'Hare", "plain", "'; DROP TABLE clips; --"]
    con = duckdb.connect()
    assert con.execute(f"SELECT {sql_literal(tricky[0])}").fetchall() == [("O'Hare",)]
    values = ", ".join(f"({sql_literal(t)})" for t in tricky)
    picked = con.execute(f"SELECT v FROM (VALUES {values}) t(v) WHERE v IN ({sql_list(tricky[::2])}) ORDER BY v").fetchall()
    assert [r[0] for r in picked] == sorted(tricky[::2])
    assert con.execute(f"SELECT count(*) FROM (VALUES ('x')) t(v) WHERE v IN ({sql_list([])})").fetchall() == [(0,)]


def test_queries_share_a_database_but_never_a_session_or_a_view(catalogue):
    """Queries of a thread run on one DuckDB database (a new one costs ~15 ms), each in a fresh session: what a
    query registers, sets or makes (its tables, the standard views) is gone when it returns."""
    from worldmill.lake.catalogue import query_session

    catalogue.upsert([clip_row(i) for i in range(2)])
    assert catalogue.sql("SELECT count(*) AS n FROM clip_versions").to_dicts() == [{"n": 2}]  # a standard view
    session = query_session()
    session.execute("SET TimeZone = 'Asia/Tokyo'")
    session.close()
    after = query_session()
    assert after.execute("SELECT current_setting('TimeZone')").fetchall()[0][0] == "UTC"
    assert after.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall()[0][0] == 0
    assert after.execute("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0] == 0
    after.close()
    with pytest.raises(CatalogueError, match="clips"):
        catalogue.sql("SELECT * FROM no_such_table")
    assert catalogue.sql("SELECT count(*) AS n FROM clips").to_dicts() == [{"n": 2}]


def test_sql_reuses_its_loaded_tables_and_sees_every_writers_commits(catalogue, monkeypatch):
    """A query brings the table object of its thread's earlier read up to date instead of loading it again (a
    cell's run reads its tables some thirty times), and still sees what another writer (process) committed,
    new columns included; a table made anew at the same place is loaded afresh, never read stale."""
    import shutil

    catalogue.upsert([prompt_row(i) for i in range(2)])
    loads = []
    real = Catalogue._load
    monkeypatch.setattr(Catalogue, "_load", lambda self, table, missing_ok: (  # the reader's loads only
        self is catalogue and loads.append(table)) or real(self, table, missing_ok))
    count = "SELECT count(*) AS n FROM prompts"
    assert catalogue.sql(count)["n"][0] == 2 and loads == ["prompts"]
    other = Catalogue(catalogue.root_uri)  # another writer of the same lake
    other.upsert([prompt_row(i) for i in range(2, 5)])
    assert catalogue.sql(count)["n"][0] == 5 and loads == ["prompts"]  # no new load: the update was read

    shutil.rmtree(catalogue.table_uri("prompts").removeprefix("file://"))  # the table made anew
    other.upsert([prompt_row(9)])
    assert catalogue.sql("SELECT sample_id FROM prompts")["sample_id"].to_list() == [prompt_row(9).sample_id]
    assert loads == ["prompts", "prompts"]
