"""The Dagster instance of in-process runs (the CLI): created safely when several processes start at once,
and the liveness of the runs that claimed rounds.

SQLite instance storage creates its tables and stamps its schema version when first opened; two processes
doing that at once on a fresh ``DAGSTER_HOME`` collide (``sqlite3.IntegrityError``). Opening under a file
lock in ``DAGSTER_HOME`` makes the first one create it and the others find it made.
"""

from __future__ import annotations

import collections
import os
import socket
import sqlite3
import threading
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


KEPT_OPEN = 8  # SQLite files of the instance this process holds a connection to (the newest run logs first out)
_KEEPERS: collections.OrderedDict[str, sqlite3.Connection] = collections.OrderedDict()
_OPENED: collections.Counter[str] = collections.Counter()
_KEEPERS_LOCK = threading.Lock()
_HOME: Path | None = None  # the DAGSTER_HOME whose files ``_quick_commits`` tunes (set by ``open_instance``)


def _quick_commits(dbapi_connection, _record) -> None:
    """SQLAlchemy ``connect`` hook for the instance's SQLite files (runs, asset index, one event log per run):
    commits do not wait for the disk (``synchronous=NORMAL``, which WAL mode keeps free of corruption; a power
    loss can only undo the last commits), and this process keeps one idle connection to each file, so that
    Dagster's connection per event is never the last one to close, which would checkpoint and fsync. Dagster
    opens, commits and closes a connection for each event (~150 a footage run), and each waited ~8-20 ms for
    fsync on this project's machines: seconds a cell."""
    if not isinstance(dbapi_connection, sqlite3.Connection) or _HOME is None:
        return
    path = dbapi_connection.execute("PRAGMA database_list").fetchone()[2] or ""
    if not path or Path(path).parent.resolve() not in (_HOME / "history", _HOME / "history" / "runs", _HOME / "schedules"):
        return
    dbapi_connection.execute("PRAGMA synchronous=NORMAL")
    with _KEEPERS_LOCK:
        _OPENED[path] += 1
        if path in _KEEPERS:
            _KEEPERS.move_to_end(path)
        elif _OPENED[path] >= 2:  # the first connection made the file and its tables (and put it in WAL mode)
            keeper = sqlite3.connect(path, check_same_thread=False)
            if keeper.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # joins the WAL: counts as open
                _KEEPERS[path] = keeper
                while len(_KEEPERS) > KEPT_OPEN:
                    _KEEPERS.popitem(last=False)[1].close()
                    # (its file's own next close checkpoints it as SQLite always does)
            else:
                keeper.close()


def open_instance(partitions: tuple[str, Sequence[str]] | None = None) -> DagsterInstance:
    """The instance of DAGSTER_HOME with its storage created, and ``partitions`` = (name, keys) registered;
    its SQLite files committed without waiting for the disk (``_quick_commits``).

    Safe when several processes open a fresh DAGSTER_HOME at the same time.
    """
    global _HOME
    _HOME = dagster_home()
    if not event.contains(Engine, "connect", _quick_commits):
        event.listen(Engine, "connect", _quick_commits)
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
