"""The Dagster instance of in-process runs (the CLI): created safely when several processes start at once,
and the liveness of the runs that claimed rounds.

SQLite instance storage creates its tables and stamps its schema version when first opened; two processes
doing that at once on a fresh ``DAGSTER_HOME`` collide (``sqlite3.IntegrityError``). Opening under a file
lock in ``DAGSTER_HOME`` makes the first one create it and the others find it made.
"""

from __future__ import annotations

import os
import socket
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from dagster import DagsterInstance, DagsterRunStatus
from filelock import FileLock
from sqlalchemy import event
from sqlalchemy.engine import Engine

INSTANCE_LOCK = ".worldmill-instance.lock"
LOCK_TIMEOUT_S = 300.0
HOST_TAG, PID_TAG = "worldmill/host", "worldmill/pid"

# A run in these states may still be writing; any other state (success, failure, canceled) is over.
IN_PROGRESS = frozenset(
    {
        DagsterRunStatus.NOT_STARTED,
        DagsterRunStatus.QUEUED,
        DagsterRunStatus.STARTING,
        DagsterRunStatus.STARTED,
        DagsterRunStatus.CANCELING,
    }
)


def dagster_home() -> Path:
    """DAGSTER_HOME if set, else ``.dagster_home``; created with telemetry off (no network at run time)."""
    home = Path(os.environ.get("DAGSTER_HOME") or ".dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        temp = home / f".dagster.yaml.{os.getpid()}"
        temp.write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
        os.replace(temp, config)  # never a half-written file for a process starting beside this one
    os.environ["DAGSTER_HOME"] = str(home)
    return home


@contextmanager
def instance_lock() -> Iterator[None]:
    """Held while the instance's storage is created or changed in ways that race (schema, partitions)."""
    with FileLock(str(dagster_home() / INSTANCE_LOCK), timeout=LOCK_TIMEOUT_S):
        yield


RUN_LOGS = Path("history") / "runs"  # where the SQLite instance keeps one event log per run (and the index)


def _unsynced_run_logs(dbapi_connection, _record) -> None:
    """SQLAlchemy ``connect`` hook: a run's own event log (``history/runs/<run id>.db``, not the index) commits
    without waiting for the disk. Dagster opens, commits and closes a connection for each event (~150 a footage
    run), and each waited ~20 ms for fsync on this project's machines: seconds a cell. An OS crash can lose or
    damage the end of a run's log; the lake's rows, the run records and the asset index are not affected."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    path = Path(dbapi_connection.execute("PRAGMA database_list").fetchone()[2] or "")
    if path.parent.parts[-2:] == RUN_LOGS.parts and path.stem != "index":
        dbapi_connection.execute("PRAGMA synchronous=OFF")


def open_instance(partitions: tuple[str, Sequence[str]] | None = None) -> DagsterInstance:
    """The instance of DAGSTER_HOME with its storage created, and ``partitions`` = (name, keys) registered;
    run event logs written without fsync (``_unsynced_run_logs``).

    Safe when several processes open a fresh DAGSTER_HOME at the same time.
    """
    if not event.contains(Engine, "connect", _unsynced_run_logs):
        event.listen(Engine, "connect", _unsynced_run_logs)
    with instance_lock():
        instance = DagsterInstance.get()
        # Touch every storage so that lazily created SQLite schemas are made under the lock.
        instance.get_runs(limit=1)
        instance.get_dynamic_partitions("__worldmill_probe__")
        if partitions is not None:
            name, keys = partitions
            known = set(instance.get_dynamic_partitions(name))
            new = [k for k in keys if k not in known]
            if new:
                instance.add_dynamic_partitions(name, new)
    return instance


def process_tags() -> dict[str, str]:
    """Tags naming the process that executes an in-process run, so that a killed one is known as over."""
    return {HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run_in_progress(instance: DagsterInstance, run_id: str) -> bool:
    """Whether a run may still be working: the instance knows it in an unfinished state and, for a run
    executed in a process of this host (``process_tags``), that process is alive. A run the instance does
    not know is over (its claim can be resumed)."""
    run = instance.get_run_by_id(run_id)
    if run is None or run.status not in IN_PROGRESS:
        return False
    tags = run.tags
    if tags.get(HOST_TAG) == socket.gethostname() and tags.get(PID_TAG, "").isdigit():
        return _process_alive(int(tags[PID_TAG]))
    return True


def liveness(instance: DagsterInstance) -> Callable[[str], bool]:
    """``run_in_progress`` bound to an instance (the round claim's ``in_progress``)."""
    return lambda run_id: run_in_progress(instance, run_id)
