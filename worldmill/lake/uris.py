"""Storage URIs: one spelling per location, so that table and blob paths built from a root agree.

Local roots become absolute filesystem paths (deltalake, DuckDB and pyarrow all accept those); object-store
roots keep their scheme (``s3://``, ``gs://``, ``az://``, ``abfs://``) without a trailing slash.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlparse

from worldmill.errors import StorageError

OBJECT_STORE_SCHEMES: tuple[str, ...] = ("s3", "s3a", "gs", "gcs", "az", "abfs", "abfss", "adl")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")


def scheme_of(uri: str) -> str:
    """``"file"`` for local paths and ``file://`` URIs, else the lower-cased scheme."""
    match = _SCHEME.match(uri)
    return match.group(1).lower() if match else "file"


def is_local(uri: str) -> bool:
    return scheme_of(uri) == "file"


def normalise_root(uri: str) -> str:
    """An absolute local path, or ``scheme://bucket/prefix`` without a trailing slash."""
    if not uri or not uri.strip():
        raise StorageError("Empty storage root URI ''.", fix="pass a path or a URI such as s3://bucket/lake.")
    scheme = scheme_of(uri)
    if scheme == "file":
        path = unquote(urlparse(uri).path) if uri.startswith("file://") else uri
        return str(Path(path).expanduser().resolve())
    if scheme not in OBJECT_STORE_SCHEMES:
        raise StorageError(
            f"Unsupported storage scheme {scheme!r} in root URI {redact_uri(uri)!r}.",
            fix=f"use a local path, file://, or one of {', '.join(s + '://' for s in OBJECT_STORE_SCHEMES)}.",
        )
    rest = uri[len(scheme) + 3 :].strip("/")
    if not rest:
        raise StorageError(f"Root URI {uri!r} names no bucket or container.", fix=f"use {scheme}://BUCKET/PREFIX.")
    return f"{scheme}://{rest}"


def join(root: str, *parts: str) -> str:
    """Join key parts under a normalised root with '/' (also for local paths: POSIX only)."""
    tail = "/".join(p.strip("/") for p in parts if p and p.strip("/"))
    return f"{root.rstrip('/')}/{tail}" if tail else root


def validate_key(key: str) -> str:
    """A relative, '/'-separated key without '..' or empty segments (keys become paths and object names)."""
    segments = key.split("/") if key else []
    if not segments or key.startswith("/") or any(s in ("", ".", "..") for s in segments) or "\\" in key:
        raise StorageError(
            f"Invalid blob key {key!r}.",
            fix="use a relative key of '/'-separated names without '.', '..' or empty parts, e.g. 'footage/zoo/x'.",
        )
    return key


_USERINFO = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*://)[^/@]*@")
_QUERY_SECRET = re.compile(r"(?i)([?&](?:sig|signature|token|key|secret|password|sv|se|sp)=)[^&]*")


def redact_uri(uri: str) -> str:
    """The URI without user-info or signed query parameters, safe for logs and error messages."""
    out = _USERINFO.sub(r"\1***@", uri)
    # abfs://container@account.dfs... carries no secret in user-info: keep it readable.
    if scheme_of(uri) in ("abfs", "abfss", "az") and "@" in uri and ":" not in uri.split("://", 1)[1].split("@", 1)[0]:
        out = uri
    return _QUERY_SECRET.sub(r"\1***", out)


_SECRET_OPTION = re.compile(
    r"(?i)secret|token|password|passwd|access_key|account_key|sas|connection_string|credential|private_key"
)


def is_secret_option(name: str) -> bool:
    """Whether a storage option or environment variable name holds a secret (its value is never shown)."""
    return bool(_SECRET_OPTION.search(name))


def mask_secrets(text: str, options: dict[str, str]) -> str:
    """``text`` with the value of every secret-named option replaced by ``***``."""
    for name, value in options.items():
        if value and is_secret_option(name) and len(value) >= 4:
            text = text.replace(value, "***")
    return text


def fsspec_path(uri: str) -> str:
    """The path fsspec uses for a URI: no scheme; ``container/...`` for ``abfs://container@account...``."""
    if is_local(uri):
        return normalise_root(uri) if uri.startswith("file://") else uri
    rest = uri.split("://", 1)[1]
    head, sep, tail = rest.partition("/")
    if "@" in head:
        head = head.split("@", 1)[0]
    return head + sep + tail
