"""The CLI's Dagster instance commits its SQLite files without waiting for the disk on every event."""

from __future__ import annotations

import sqlite3

from dagster import asset, materialize
from sqlalchemy import event
from sqlalchemy.engine import Engine

from worldmill.jobs import instance as instance_module


@asset
def _first() -> int:
    return 1


@asset(deps=[_first])
def _second() -> int:
    return 2


def test_each_file_keeps_one_idle_connection_and_commits_with_synchronous_normal(tmp_path, monkeypatch):
    """With an idle connection held per file, Dagster's connection per event is never the last one to close, so
    the WAL is not checkpointed (and fsynced) on each close: it is still there after the runs."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    seen: list[tuple[str, int]] = []
    hook = instance_module._quick_commits

    def spy(connection, record):
        hook(connection, record)
        if isinstance(connection, sqlite3.Connection):
            name = connection.execute("PRAGMA database_list").fetchone()[2].rsplit("/", 1)[-1]
            seen.append((name, connection.execute("PRAGMA synchronous").fetchone()[0]))

    monkeypatch.setattr(instance_module, "_quick_commits", spy)
    try:
        instance = instance_module.open_instance()
        for _ in range(2):
            assert materialize([_first, _second], instance=instance).success
    finally:
        if event.contains(Engine, "connect", spy):
            event.remove(Engine, "connect", spy)
    kept = {path.rsplit("/", 1)[-1] for path in instance_module._KEEPERS if path.startswith(str(tmp_path))}
    assert {"runs.db", "index.db"} <= kept
    assert (tmp_path / "history" / "runs" / "index.db-wal").exists()  # not checkpointed away on each close
    assert seen and all(sync == 1 for _, sync in seen)  # NORMAL on every file of the instance
    assert any(name.endswith(".db") and name not in ("runs.db", "index.db") for name, _ in seen)  # run logs too
