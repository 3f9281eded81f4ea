"""The catalogue: one Delta table per record class under ``{root}/tables/{name}``, queried through DuckDB.

Writes are Delta MERGEs on the record key, so re-running a step converges instead of duplicating rows; a
commit either lands whole or not at all, so a writer killed mid-batch leaves the previous version.
"""

from __future__ import annotations

import dataclasses
import difflib
import logging
import os
import re
import threading
from collections.abc import Callable, Collection, Sequence
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa
from deltalake import CommitProperties, DeltaTable, write_deltalake
from deltalake.exceptions import CommitFailedError, DeltaError, TableNotFoundError

import worldmill.schemas.lake  # noqa: F401 - registers the lake's own tables
from worldmill.errors import CatalogueError, StorageError
from worldmill.lake.retry import CONFLICT_RETRY, DEFAULT_RETRY, RetryPolicy, is_transient, retry_with_conflicts
from worldmill.lake.uris import fsspec_path, is_local, join, mask_secrets, normalise_root, redact_uri
from worldmill.lake.views import STANDARD_VIEWS, create_standard_views
from worldmill.schemas.records import Record
from worldmill.schemas.tables import TABLES

log = logging.getLogger(__name__)

_TABLE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")  # identifiers a query may name a table or view by

def sql_literal(value: object) -> str:
    """A SQL string literal (quotes doubled) for text that goes into a query or a ``where`` filter."""
    return "'" + str(value).replace("'", "''") + "'"


def sql_list(values: Sequence[object]) -> str:
    """Comma-separated SQL string literals for ``IN (...)``; ``''`` (matching nothing useful) when empty."""
    return ", ".join(sql_literal(v) for v in values) or "''"


@dataclasses.dataclass(frozen=True)
class TableWrite:
    """What one write did: the table's version after it and the rows it touched."""

    table: str
    version: int | None
    rows_inserted: int
    rows_updated: int
    rows_deleted: int = 0


def _is_conflict(exc: BaseException) -> bool:
    return isinstance(exc, CommitFailedError) or "conflict" in str(exc).lower()


def _retryable(exc: BaseException) -> bool:
    if isinstance(exc, (CatalogueError, TableNotFoundError)):
        return False
    return _is_conflict(exc) or is_transient(exc)


def dedupe_last(records: Sequence[Record], key: tuple[str, ...]) -> list[Record]:
    """Collapse records sharing a key to the last one, keeping first-seen order of keys."""
    by_key: dict[tuple[Any, ...], Record] = {}
    for record in records:
        by_key[tuple(getattr(record, k) for k in key)] = record
    return list(by_key.values())


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class Catalogue:
    """Delta tables of one lake root (a local path or an object-store URI) and SQL over them.

    ``storage_options`` go to deltalake unchanged (see ``worldmill.lake.storage`` for deriving them from a
    site's configuration); they are never logged or put into messages.
    """

    def __init__(
        self,
        root_uri: str,
        storage_options: dict[str, str] | None = None,
        *,
        site: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        filesystem: Any | None = None,
        endpoint: str | None = None,
    ):
        self.root_uri = normalise_root(root_uri)
        self.endpoint = endpoint  # for messages only: where requests go (never holds a secret)
        self.site = site
        self.retry = retry
        self._storage_options: dict[str, str] = dict(storage_options or {})
        self._filesystem = filesystem
        self._snapshots: dict[tuple[int, str], tuple[tuple[int, int, int], DeltaTable]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_snapshots": {}}  # loaded tables stay with the process that loaded them

    def __repr__(self) -> str:
        site = f", site={self.site!r}" if self.site else ""
        return f"Catalogue({redact_uri(self.root_uri)!r}{site})"

    @property
    def storage_options(self) -> dict[str, str]:
        """A copy of the deltalake storage options (may hold secrets: never log it)."""
        return dict(self._storage_options)

    # -- tables -----------------------------------------------------------------------------------------
    def table_uri(self, table: str) -> str:
        if not _TABLE_NAME.match(table or ""):
            raise CatalogueError(
                f"Invalid table name {table!r}.", fix="use lower-case letters, digits and '_', starting with a letter."
            )
        return join(self.root_uri, "tables", table)

    def record_type(self, table: str) -> type[Record]:
        """The record class declaring ``table`` (``CatalogueError`` with close names if none)."""
        try:
            return TABLES[table]
        except KeyError:
            close = difflib.get_close_matches(table, list(TABLES), n=3, cutoff=0.5)
            hint = (
                f"did you mean {', '.join(map(repr, close))}?"
                if close
                else f"known tables: {', '.join(sorted(TABLES))}."
            )
            raise CatalogueError(f"Unknown table {table!r} in the catalogue at {self._where()}.", fix=hint) from None

    def exists(self, table: str) -> bool:
        uri = self.table_uri(table)
        return self._storage_call(
            lambda: DeltaTable.is_deltatable(uri, storage_options=self._storage_options), f"check table {table!r}", uri
        )

    def version(self, table: str) -> int | None:
        """The table's current version, or None if it has not been written yet."""
        dt = self.delta_table(table, missing_ok=True)
        return None if dt is None else dt.version()

    @property
    def filesystem(self) -> Any:
        """The fsspec filesystem of the root (local unless one was given), for listings and log files."""
        if self._filesystem is None:
            if not is_local(self.root_uri):
                return None
            from fsspec.implementations.local import LocalFileSystem

            self._filesystem = LocalFileSystem()
        return self._filesystem

    def tables(self) -> list[str]:
        """Names of the tables that exist at this root (found by listing ``tables/``, else by probing)."""
        fs = self.filesystem
        if fs is None:
            return sorted(name for name in TABLES if self.exists(name))
        base = fsspec_path(join(self.root_uri, "tables"))

        def listing() -> list[str]:
            try:
                entries = fs.ls(base, detail=False)
            except FileNotFoundError:
                return []
            names = [e.rstrip("/").rsplit("/", 1)[-1] for e in entries]
            return [n for n in names if _TABLE_NAME.match(n) and fs.exists(f"{base}/{n}/_delta_log")]

        return sorted(self._storage_call(listing, "list tables", join(self.root_uri, "tables")))

    def delta_table(self, table: str, *, missing_ok: bool = False) -> DeltaTable | None:
        """A freshly loaded ``DeltaTable`` (maintenance and Spark helpers use it directly)."""
        uri = self.table_uri(table)
        return self._storage_call(lambda: self._load(table, missing_ok), f"open table {table!r}", uri)

    def _snapshot(self, table: str) -> DeltaTable:
        """The table at its latest version, for a read: on a local lake, this thread's table object of an earlier
        read brought up to date (``update_incremental``, ~0.3 ms against ~3.5 ms for a load: a cell's run reads
        its tables some thirty times), else a fresh load. A table whose first commit is no longer the file it was
        (the table was made anew) or whose log no longer holds it is loaded afresh."""
        if not is_local(self.root_uri):
            return self.delta_table(table)  # type: ignore[return-value]
        first = os.path.join(fsspec_path(self.table_uri(table)), "_delta_log", f"{0:020d}.json")
        try:
            stat = os.stat(first)
        except OSError:
            return self.delta_table(table)  # type: ignore[return-value]
        stamp, key = (stat.st_ino, stat.st_mtime_ns, stat.st_size), (threading.get_ident(), table)
        held = self._snapshots.get(key)
        if held is not None and held[0] == stamp:
            try:
                held[1].update_incremental()
                return held[1]
            except (DeltaError, OSError) as exc:  # e.g. commits cleaned from the log: load what is there now
                log.debug("table %s reloaded: %s", table, exc)
        dt = self.delta_table(table)
        self._snapshots[key] = (stamp, dt)  # type: ignore[assignment]
        return dt  # type: ignore[return-value]

    def _load(self, table: str, missing_ok: bool) -> DeltaTable | None:
        """Load without retries (callers retry around whole operations)."""
        uri = self.table_uri(table)
        try:
            return DeltaTable(uri, storage_options=self._storage_options)
        except TableNotFoundError:
            if missing_ok:
                return None
            raise CatalogueError(
                f"Table {table!r} does not exist yet at {redact_uri(uri)}.",
                fix="write records to it first (Catalogue.upsert), or check the lake root and site.",
            ) from None

    # -- writes -----------------------------------------------------------------------------------------
    def upsert(self, records: Sequence[Record], *, record_type: type[Record] | None = None) -> TableWrite:
        """MERGE records into their table on the record key (insert new keys, update existing ones).

        All records must be of one class. Duplicates inside the batch collapse to the last. Commit conflicts
        with concurrent writers are retried (the MERGE is idempotent, so a retry cannot duplicate rows).
        """
        cls = self._batch_type(records, record_type)
        table = cls.table
        if not records:
            return TableWrite(table, self.version(table), 0, 0)
        batch = dedupe_last(records, cls.key)
        self._check_keys(cls, batch)
        try:
            data = cls.to_arrow(batch)
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError) as exc:
            raise CatalogueError(
                f"Records for table {table!r} do not match its schema: {exc}.",
                fix=f"give each field of {cls.__name__} a value of its declared type.",
            ) from exc
        uri = self.table_uri(table)

        def attempt() -> TableWrite:
            dt = self._load(table, missing_ok=True)
            if dt is None:
                created = self._create(cls, data, uri)
                if created is not None:
                    return created
                dt = self._load(table, missing_ok=False)
            predicate = " AND ".join(f"t.{_quote_ident(k)} = s.{_quote_ident(k)}" for k in cls.key)
            metrics = (
                dt.merge(data, predicate=predicate, source_alias="s", target_alias="t", merge_schema=True)
                .when_matched_update_all()
                .when_not_matched_insert_all()
                .execute()
            )
            return TableWrite(
                table,
                dt.version(),
                int(metrics.get("num_target_rows_inserted", 0)),
                int(metrics.get("num_target_rows_updated", 0)),
            )

        result = self._storage_call(attempt, f"upsert {len(batch)} rows into {table!r}", uri)
        log.info("upsert %s: v%s +%d ~%d", table, result.version, result.rows_inserted, result.rows_updated)
        return result

    def claim(self, record: Record, *, replacing: str | None = None) -> bool:
        """A conditional commit of one row: insert ``record`` if its key is absent (``replacing=None``), or
        replace the stored row of its key only if the SQL condition ``replacing`` over it (alias ``t``) holds.

        True if this call's commit made the change. Of concurrent claims on one key, Delta's conflict check
        lets exactly one commit win; the others retry, find the winner's row and return False.
        """
        cls = self._batch_type([record], None)
        self._check_keys(cls, [record])
        data = cls.to_arrow([record])
        uri = self.table_uri(cls.table)
        predicate = " AND ".join(f"t.{_quote_ident(k)} = s.{_quote_ident(k)}" for k in cls.key)

        def attempt() -> bool:
            dt = self._load(cls.table, missing_ok=True)
            if dt is None:
                if replacing is not None:
                    return False
                if self._create(cls, data, uri) is not None:
                    return True
                dt = self._load(cls.table, missing_ok=False)
            merge = dt.merge(data, predicate=predicate, source_alias="s", target_alias="t")
            if replacing is None:
                metrics = merge.when_not_matched_insert_all().execute()
                return int(metrics.get("num_target_rows_inserted", 0)) == 1
            metrics = merge.when_matched_update_all(predicate=replacing).execute()
            return int(metrics.get("num_target_rows_updated", 0)) == 1

        return self._storage_call(attempt, f"claim a row of {cls.table!r}", uri)

    def _create(self, cls: type[Record], data: pa.Table, uri: str) -> TableWrite | None:
        """Create the table with this batch; None if another writer created it first (then MERGE).

        The create commits version 0 or fails: without ``max_commit_retries=0`` delta-rs would commit a
        creating write that lost the race as version 1, a blind append beside the winner's rows.
        """
        try:
            write_deltalake(
                uri,
                data,
                partition_by=list(cls.partition_by) or None,
                mode="error",
                storage_options=self._storage_options,
                commit_properties=CommitProperties(max_commit_retries=0),
            )
        except (DeltaError, OSError):
            if DeltaTable.is_deltatable(uri, storage_options=self._storage_options):
                return None
            raise
        return TableWrite(cls.table, 0, data.num_rows, 0)

    def delete(self, table: str, predicate: str) -> TableWrite:
        """Delete rows matching a SQL predicate (delta-rs/DataFusion syntax), e.g. ``"venue = 'zoo'"``."""
        if not predicate or not predicate.strip():
            raise CatalogueError(
                f"Empty delete predicate for table {table!r}.", fix="pass a predicate such as \"city_key = 'x'\"."
            )
        uri = self.table_uri(table)

        def attempt() -> TableWrite:
            dt = self._load(table, missing_ok=True)
            if dt is None:
                return TableWrite(table, None, 0, 0, 0)
            try:
                metrics = dt.delete(predicate)
            except DeltaError as exc:
                if _retryable(exc):
                    raise
                raise CatalogueError(
                    f"Delete from {table!r} with predicate {predicate!r} failed: {exc}.",
                    fix="check the column names and SQL syntax of the predicate.",
                ) from exc
            return TableWrite(table, dt.version(), 0, 0, int(metrics.get("num_deleted_rows", 0)))

        return self._storage_call(attempt, f"delete from {table!r}", uri)

    # -- reads ------------------------------------------------------------------------------------------
    def arrow_schema(self, table: str) -> pa.Schema:
        """The table's schema: the stored one if it exists, else the declared one."""
        dt = self.delta_table(table, missing_ok=True)
        if dt is None:
            return self.record_type(table).arrow_schema()
        return pa.schema(dt.schema().to_arrow())

    def dataset(self, table: str) -> Any:
        """A pyarrow dataset of the table's current version for DuckDB (filters push down into Parquet)."""
        dt = self.delta_table(table)
        return self._storage_call(lambda: sql_dataset(dt), f"scan table {table!r}", self.table_uri(table))

    def read(self, table: str, columns: Sequence[str] | None = None, where: str | None = None) -> pl.DataFrame:
        """Rows of a table as polars (DuckDB SQL ``where``); an empty frame of the declared schema if unwritten."""
        dt = self.delta_table(table, missing_ok=True)
        if dt is None:
            schema = self.record_type(table).arrow_schema()
            if columns:
                unknown = [c for c in columns if c not in schema.names]
                if unknown:
                    raise CatalogueError(
                        f"Unknown columns {unknown} for table {table!r}.", fix=f"columns are {', '.join(schema.names)}."
                    )
                schema = pa.schema([schema.field(c) for c in columns])
            return pl.from_arrow(schema.empty_table())
        select = ", ".join(_quote_ident(c) for c in columns) if columns else "*"
        query = f"SELECT {select} FROM {_quote_ident(table)}" + (f" WHERE {where}" if where else "")
        return self._query({table: dt}, query)

    def connect(self, tables: Sequence[str] | None = None) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection with each existing table registered as a view of its name, plus the standard
        views (UTC session)."""
        names = list(tables) if tables is not None else self.tables()
        con = new_connection()
        registered = set()
        for name in names:
            dt = self.delta_table(name, missing_ok=True)
            if dt is not None:
                con.register(name, sql_dataset(dt))
                registered.add(name)
        create_standard_views(con, registered)
        return con

    def sql(self, query: str) -> pl.DataFrame:
        """Run DuckDB SQL with every existing table registered as a view by its name, plus the standard
        analytics views (``worldmill.lake.views``) whose tables exist. Only the tables the query names (itself
        or through a standard view) are loaded: a cell's query costs the same however many tables the lake has."""
        words = {w.lower() for w in _WORD.findall(query)}
        named = words | {t for view, (needs, _) in STANDARD_VIEWS.items() if view in words for t in needs}
        existing = self.tables()
        tables = {name: self._snapshot(name) for name in existing if name.lower() in named}
        views = [view for view, (needs, _) in STANDARD_VIEWS.items() if set(needs) <= set(existing)]
        return self._query(tables, query, standard_views=words, known=[*existing, *views])

    def sql_rows(self, query: str) -> list[dict[str, Any]]:
        return self.sql(query).to_dicts()

    def _query(
        self,
        tables: dict[str, DeltaTable],
        query: str,
        *,
        standard_views: Collection[str] = (),
        known: Sequence[str] = (),
    ) -> pl.DataFrame:
        """``standard_views``: the names of the standard views to make (those the query names; making the others
        would bind each, ~6 ms apiece, for nothing)."""
        con = query_session()
        views: list[str] = []
        try:
            for name, dt in tables.items():
                con.register(name, sql_dataset(dt))
            views = create_standard_views(con, set(tables), only=standard_views) if standard_views else []
            return run_sql(con, query, known=sorted({*tables, *views, *known}))
        finally:
            for view in views:  # made in the thread's database, not the session: gone with the query
                con.execute(f'DROP VIEW IF EXISTS "{view}"')
            con.close()

    # -- helpers ----------------------------------------------------------------------------------------
    def _where(self) -> str:
        return f"{redact_uri(self.root_uri)}" + (f" (site {self.site!r})" if self.site else "")

    def _batch_type(self, records: Sequence[Record], record_type: type[Record] | None) -> type[Record]:
        if not records:
            if record_type is None:
                raise CatalogueError(
                    "upsert() got no records and no record_type, so the table is unknown.",
                    fix="pass record_type=TheRecordClass for possibly-empty batches.",
                )
            return record_type
        cls = record_type or type(records[0])
        mixed = sorted({type(r).__name__ for r in records if type(r) is not cls})
        if mixed or not (isinstance(cls, type) and issubclass(cls, Record)):
            raise CatalogueError(
                f"upsert() got records of several classes ({cls.__name__} and {', '.join(mixed)}).",
                fix="upsert one table at a time: group the records by class first.",
            )
        return cls

    @staticmethod
    def _check_keys(record_type: type[Record], batch: Sequence[Record]) -> None:
        for record in batch:
            for k in record_type.key:
                value = getattr(record, k)
                if value is None or value == "":
                    raise CatalogueError(
                        f"Record for table {record_type.table!r} has an empty key {k}={value!r}: {record!r:.200}.",
                        fix=f"set {k} before writing; keys are never null.",
                    )

    def _storage_call(self, fn: Callable[[], Any], what: str, uri: str) -> Any:
        """Run a storage call with bounded retries (``self.retry`` for unreachable storage, ``CONFLICT_RETRY``
        for commit conflicts); turn exhausted ones into ``StorageError``."""
        try:
            return retry_with_conflicts(fn, is_conflict=_is_conflict, retry_on=_retryable, policy=self.retry, what=what)
        except (CatalogueError, StorageError):
            raise
        except Exception as exc:
            site = f" on site {self.site!r}" if self.site else ""
            via = f" (endpoint {self.endpoint})" if self.endpoint else ""
            detail = f"{type(exc).__name__}: {_safe_text(exc, self._storage_options)}"
            if _retryable(exc):
                attempts = self.retry.attempts
                if _is_conflict(exc):
                    kind, fix = "commits kept conflicting", "re-run; concurrent writers converge"
                    attempts = CONFLICT_RETRY.attempts
                else:
                    kind = "storage stayed unreachable"
                    fix = (
                        f"check that the endpoint{f' {self.endpoint}' if self.endpoint else ''} is reachable "
                        "(is the service or emulator running? is the URL or port in the environment right?) and "
                        "the credentials are valid, then re-run"
                    )
                raise StorageError(
                    f"Could not {what}{site} at {redact_uri(uri)}{via}: {kind} after {attempts} attempts "
                    f"({detail}).",
                    fix=f"{fix}; writes are idempotent MERGEs, so re-running converges.",
                ) from exc
            if not isinstance(exc, DeltaError):
                raise StorageError(
                    f"Could not {what}{site} at {redact_uri(uri)}{via} ({detail}).",
                    fix="check the path or bucket, its permissions and the site's credentials.",
                ) from exc
            raise CatalogueError(
                f"Could not {what}{site} at {redact_uri(uri)} ({detail}).",
                fix="check that the records match the table's schema (new columns must be nullable) "
                "and that predicates name existing columns.",
            ) from exc


def _safe_text(exc: BaseException, secrets: dict[str, str]) -> str:
    """The error text cut short, with any storage-option value that looks secret masked."""
    text = re.sub(r"\x1b\[[0-9;]*m", "", str(exc))
    text = " ".join(line.strip(" ↳\t") for line in text.splitlines() if line.strip(" ↳\t"))
    return mask_secrets(text, secrets)[:400]


def _as_view_type(field: pa.Field) -> pa.Field:
    if field.type in (pa.string(), pa.large_string()):
        return field.with_type(pa.string_view())
    if field.type in (pa.binary(), pa.large_binary()):
        return field.with_type(pa.binary_view())
    return field


def sql_dataset(dt: DeltaTable) -> Any:
    """The table as a pyarrow dataset whose strings are ``string_view``, for DuckDB.

    Files written by delta-rs's DataFusion operations (MERGE, OPTIMIZE) store strings as ``string_view``,
    files from plain writes as ``string``; pyarrow 26 cannot evaluate a pushed-down string filter on such a
    mix against a ``string`` dataset schema ("no kernel matching input types (string, string_view)"). With
    view types in the dataset schema every fragment casts up and DuckDB's filters match.
    """
    schema = pa.schema(dt.schema().to_arrow())  # the dataset's own schema, without building its fragments twice
    return dt.to_pyarrow_dataset(schema=pa.schema([_as_view_type(f) for f in schema], metadata=schema.metadata))


def new_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    return con


_DATABASES = threading.local()


def query_session() -> duckdb.DuckDBPyConnection:
    """A fresh session (settings, registered tables) on this thread's in-memory database, for one query: a new
    database costs ~15 ms of CPU, a session on it ~0.1 ms, and a footage cell runs some fifteen queries."""
    database = getattr(_DATABASES, "database", None)
    if database is None:
        database = _DATABASES.database = duckdb.connect()
    con = database.cursor()
    con.execute("SET TimeZone = 'UTC'")
    return con


def run_sql(con: duckdb.DuckDBPyConnection, query: str, *, known: Sequence[str] = ()) -> pl.DataFrame:
    """Run a query on a connection, turning DuckDB errors into ``CatalogueError`` naming the query."""
    try:
        relation = con.sql(query)  # None for statements without a result (CREATE VIEW, SET)
        return relation.pl() if relation is not None else pl.DataFrame()
    except duckdb.Error as exc:
        tables = ", ".join(known) if known else "none yet"
        raise CatalogueError(
            f"SQL query failed: {str(exc).splitlines()[0]} Query: {query.strip()[:300]!r}.",
            fix=f"check table and column names; tables available: {tables}.",
        ) from exc
