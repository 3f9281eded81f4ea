"""Spark Connect access to the catalogue's Delta tables (what users on Databricks or Spark 4 clusters run).

``spark_session("sc://host:port")`` connects; ``read_table``/``write_table`` address tables by the same URIs
as ``Catalogue``. ``SailServer`` runs a local Spark Connect server (``pysail``) that reads and writes Delta
without the delta-spark jars, for tests and laptops. Spark writes are appends or overwrites; MERGE
semantics stay with ``Catalogue.upsert``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Self

from worldmill.errors import ConfigError, StorageError
from worldmill.federated.deployment import stop_process_tree
from worldmill.lake.catalogue import Catalogue
from worldmill.ports import free_port


def spark_session(remote: str) -> Any:
    """A Spark Connect session (``SparkSession.builder.remote(remote)``)."""
    if not remote.startswith("sc://"):
        raise ConfigError(
            f"Spark Connect URL {remote!r} must start with 'sc://'.", fix="use e.g. sc://127.0.0.1:50051."
        )
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "pyspark (Spark Connect client) is not installed.", fix="pip install 'pyspark-client>=4' zstandard."
        ) from exc
    return SparkSession.builder.remote(remote).getOrCreate()


def read_table(spark: Any, catalogue: Catalogue, table: str) -> Any:
    """The table's current version as a Spark DataFrame (Delta log honoured: deleted rows stay deleted)."""
    if not catalogue.exists(table):
        raise StorageError(
            f"Table {table!r} does not exist at {catalogue.table_uri(table)}.", fix="write it first (Catalogue.upsert)."
        )
    return spark.read.format("delta").load(_spark_uri(catalogue.table_uri(table)))


def write_table(df: Any, catalogue: Catalogue, table: str, *, mode: str = "append") -> None:
    """Append (or overwrite) a Spark DataFrame to a catalogue table as a Delta commit."""
    if mode not in ("append", "overwrite"):
        raise ConfigError(f"Spark write mode {mode!r} is not supported.", fix="use 'append' or 'overwrite'.")
    df.write.format("delta").mode(mode).save(_spark_uri(catalogue.table_uri(table)))


def _spark_uri(uri: str) -> str:
    return f"file://{uri}" if uri.startswith("/") else uri


class SailServer:
    """A ``sail spark server`` on 127.0.0.1 in its own process group; a context manager.

    Object-store credentials for the server come from its environment (``env``), as on a cluster.
    """

    def __init__(self, port: int | None = None, *, env: dict[str, str] | None = None, log_path: Path | None = None):
        self.port = port or free_port()
        self.env = env
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def remote(self) -> str:
        return f"sc://127.0.0.1:{self.port}"

    @staticmethod
    def binary() -> str:
        candidate = Path(sys.executable).parent / "sail"
        found = str(candidate) if candidate.exists() else shutil.which("sail")
        if not found:
            raise ConfigError("The 'sail' command (pysail) is not installed.", fix="pip install pysail.")
        return found

    def start(self, timeout_s: float = 60.0) -> SailServer:
        env = {**os.environ, **(self.env or {})}
        argv = [self.binary(), "spark", "server", "--ip", "127.0.0.1", "--port", str(self.port)]
        if self.log_path:
            with open(self.log_path, "ab") as log:  # the child keeps its own copy of the descriptor
                self.proc = subprocess.Popen(
                    argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
                )
        else:
            self.proc = subprocess.Popen(
                argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, env=env
            )
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StorageError(
                    f"sail spark server exited with code {self.proc.returncode}.",
                    fix="see its log (SailServer(log_path=...)) and check the port is free.",
                )
            with socket.socket() as s:
                s.settimeout(0.2)
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        self.stop()
        raise StorageError(
            f"sail spark server did not listen on 127.0.0.1:{self.port} in {timeout_s:g} s.",
            fix="check CPU load and that pysail is installed correctly.",
        )

    def stop(self) -> None:
        if self.proc is not None:
            stop_process_tree(self.proc)
        self.proc = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
