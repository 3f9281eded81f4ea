"""Which storage a cluster may use: every node must see the same lake and the same Dagster instance."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from urllib.parse import urlparse

from worldmill.errors import ConfigError
from worldmill.lake.uris import is_local, redact_uri


def address_host(address: str) -> str:
    """The host part of a Ray address (``host:port``, ``ray://host:port``, ``auto``)."""
    if address in ("auto", "local"):
        return "127.0.0.1"
    parsed = urlparse(address if "://" in address else f"ray://{address}")
    return parsed.hostname or ""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_cluster_storage(address: str, lake_roots: Mapping[str, str], instance_storage: str, *, same_host: bool) -> None:
    """Refuse a cluster whose nodes could not share the lake or the run records.

    ``lake_roots`` maps site → root URI; ``instance_storage`` is the class name of the Dagster run storage.
    A local-path lake or a SQLite instance is accepted only for a same-host cluster (``same_host=True`` and a
    loopback head address): there every node sees the same disk.
    """
    host = address_host(address)
    if same_host and not is_loopback(host):
        raise ConfigError(
            f"same_host=True with the Ray head at {address!r}, which is not a loopback address.",
            fix="set WORLDMILL_RAY_SAME_HOST=false for a cluster of several machines, or use a 127.x head address",
        )
    if same_host:
        return
    local = sorted(site for site, root in lake_roots.items() if is_local(root))
    if local:
        roots = ", ".join(f"{s}={redact_uri(lake_roots[s])}" for s in local)
        raise ConfigError(
            f"A Ray cluster at {address!r} cannot share the local-path lake {roots}: other nodes do not see this disk.",
            fix="set WORLDMILL_LAKE_URI (or the sites file) to an object store (s3://, gs://, abfs://, az://), "
            "or WORLDMILL_RAY_SAME_HOST=true for a cluster whose nodes all run on this machine",
        )
    if "sqlite" in instance_storage.lower():
        raise ConfigError(
            f"A Ray cluster at {address!r} with Dagster's SQLite instance storage ({instance_storage}): runs launched "
            "from other machines would not see each other's records.",
            fix="configure Postgres storage in $DAGSTER_HOME/dagster.yaml (dagster-postgres), "
            "or WORLDMILL_RAY_SAME_HOST=true for a cluster on this machine",
        )
