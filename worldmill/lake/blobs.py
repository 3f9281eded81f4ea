"""Blob stores for clip and condition files, addressed by '/'-separated keys under a root.

Publishing is atomic: content is staged in a temporary sibling and renamed into place, so readers see
either the previous content or the new one, never a half-written directory. Publishing identical content
again is a no-op, which makes re-runs cheap and idempotent.
"""

from __future__ import annotations

import abc
import filecmp
import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from worldmill.errors import StorageError
from worldmill.lake.retry import is_transient, retry_call
from worldmill.lake.uris import fsspec_path, mask_secrets, redact_uri, validate_key


class BlobStore(abc.ABC):
    """Where clip files live. Keys are relative '/'-separated names, e.g. ``footage/zoo/tokyo-1850147/s``."""

    root_uri: str

    @abc.abstractmethod
    def publish_dir(self, local_dir: Path, key: str) -> str:
        """Publish a local directory's files under ``key`` atomically; return ``uri(key)``."""

    @abc.abstractmethod
    def publish_file(self, local_path: Path, key: str) -> str:
        """Publish one local file as ``key`` atomically; return ``uri(key)``."""

    @abc.abstractmethod
    def uri(self, key: str) -> str:
        """The URI of a key (``file://...``, ``s3://...``)."""

    @abc.abstractmethod
    def exists(self, key: str) -> bool:
        """Whether a file or a directory is published at ``key``."""

    @abc.abstractmethod
    def open_local(self, key: str) -> Path:
        """A local path holding the key's content (for object stores a cached download)."""

    @abc.abstractmethod
    def delete(self, key: str) -> bool:
        """Remove a file or directory; True if something was removed."""


def _tree_files(root: Path) -> dict[str, Path]:
    """Relative POSIX path -> file, for every regular file below ``root``."""
    return {p.relative_to(root).as_posix(): p for p in sorted(root.rglob("*")) if p.is_file()}


def same_tree(a: Path, b: Path) -> bool:
    """Whether two directories hold the same relative file names with byte-identical content."""
    files_a, files_b = _tree_files(a), _tree_files(b)
    if files_a.keys() != files_b.keys():
        return False
    return all(filecmp.cmp(files_a[name], files_b[name], shallow=False) for name in files_a)


class LocalBlobStore(BlobStore):
    """Blobs on the local filesystem (or any mounted volume) under ``root``."""

    def __init__(self, root: str | Path):
        self.root = Path(root).expanduser().resolve()
        self.root_uri = self.root.as_uri()

    def __repr__(self) -> str:
        return f"LocalBlobStore({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.root.joinpath(*validate_key(key).split("/"))

    def uri(self, key: str) -> str:
        return self.path(key).as_uri()

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def open_local(self, key: str) -> Path:
        path = self.path(key)
        if not path.exists():
            raise StorageError(
                f"No blob at {path.as_uri()} (key {key!r}).",
                fix="publish it first (publish_dir/publish_file) or check the key and the lake root.",
            )
        return path

    def publish_file(self, local_path: Path, key: str) -> str:
        source, target = Path(local_path), self.path(key)
        if not source.is_file():
            raise StorageError(f"Cannot publish {str(source)!r} as {key!r}: not a file.", fix="pass an existing file.")
        if target.is_file() and filecmp.cmp(source, target, shallow=False):
            return target.as_uri()
        self._guard_kind(target, want_dir=False, key=key)
        temp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, temp)
            os.replace(temp, target)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise self._error("publish", key, exc) from exc
        return target.as_uri()

    def publish_dir(self, local_dir: Path, key: str, *, move: bool = False) -> str:
        """Publish a directory. ``move=True`` renames the source into place instead of copying it."""
        source, target = Path(local_dir), self.path(key)
        if not source.is_dir():
            raise StorageError(
                f"Cannot publish {str(source)!r} as {key!r}: not a directory.", fix="pass an existing directory."
            )
        if target.is_dir() and same_tree(source, target):
            if move:
                shutil.rmtree(source, ignore_errors=True)
            return target.as_uri()
        self._guard_kind(target, want_dir=True, key=key)
        token = uuid.uuid4().hex
        temp = target.with_name(f".{target.name}.tmp-{token}")
        old = target.with_name(f".{target.name}.old-{token}")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if move:
                shutil.move(str(source), str(temp))
            else:
                shutil.copytree(source, temp)
            if target.exists():
                # A directory cannot be renamed over a non-empty one: set the old one aside first, so the
                # window without ``target`` is two renames long and never shows partial content.
                os.rename(target, old)
            os.rename(temp, target)
        except OSError as exc:
            if old.exists() and not target.exists():
                os.rename(old, target)
            shutil.rmtree(temp, ignore_errors=True)
            raise self._error("publish", key, exc) from exc
        shutil.rmtree(old, ignore_errors=True)
        return target.as_uri()

    def delete(self, key: str) -> bool:
        path = self.path(key)
        try:
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()
            else:
                return False
        except OSError as exc:
            raise self._error("delete", key, exc) from exc
        return True

    def _guard_kind(self, target: Path, *, want_dir: bool, key: str) -> None:
        if target.exists() and target.is_dir() != want_dir:
            have, want = ("directory", "file") if target.is_dir() else ("file", "directory")
            raise StorageError(
                f"Cannot publish a {want} at {target.as_uri()} (key {key!r}): a {have} is there.",
                fix="delete the existing blob first or choose another key.",
            )

    def _error(self, action: str, key: str, exc: OSError) -> StorageError:
        return StorageError(
            f"Could not {action} blob {key!r} at {self.uri(key)}: {exc.strerror or exc}.",
            fix="check free disk space and write permission on the lake root.",
        )


MANIFEST = ".manifest.json"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tree_manifest(local_dir: Path) -> dict[str, str]:
    """Relative POSIX path -> sha256 of every file below ``local_dir``."""
    return {name: sha256_file(path) for name, path in _tree_files(local_dir).items()}


class FsspecBlobStore(BlobStore):
    """Blobs in an object store (S3, GCS, Azure) through fsspec, for one site's ``StorageConfig``.

    Object stores cannot rename directories, so a published directory is complete when its manifest
    (``{key}/.manifest.json``: file -> sha256) exists; the manifest is written last, after every file, and
    readers (``exists``, ``open_local``) go by it. Single objects are atomic PUTs. Transient failures are
    retried with backoff; then a ``StorageError`` names the site and the URI (never a credential).
    """

    def __init__(self, storage: Any, root_uri: str, *, cache_dir: Path | None = None):
        self.storage = storage
        self.root_uri = root_uri.rstrip("/")
        self.site = storage.site
        self._fs = storage.filesystem()
        self._root_path = fsspec_path(self.root_uri)
        base = Path(cache_dir) if cache_dir else Path(tempfile.gettempdir()) / "worldmill-blob-cache"
        self.cache_dir = base / hashlib.sha256(self.root_uri.encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"FsspecBlobStore({redact_uri(self.root_uri)!r}, site={self.site!r})"

    def uri(self, key: str) -> str:
        return f"{self.root_uri}/{validate_key(key)}"

    def _path(self, key: str) -> str:
        return f"{self._root_path}/{validate_key(key)}"

    def exists(self, key: str) -> bool:
        path = self._path(key)
        return self._call(lambda: self._fs.isfile(path) or self._fs.exists(f"{path}/{MANIFEST}"), "check", key)

    def remote_manifest(self, key: str) -> dict[str, str] | None:
        """The published manifest of a directory key, or None if the key holds no complete directory."""
        path = f"{self._path(key)}/{MANIFEST}"

        def read() -> dict[str, str] | None:
            try:
                return json.loads(self._fs.cat_file(path))["files"]
            except FileNotFoundError:
                return None

        return self._call(read, "read the manifest of", key)

    def publish_file(self, local_path: Path, key: str) -> str:
        source, path = Path(local_path), self._path(key)
        if not source.is_file():
            raise StorageError(f"Cannot publish {str(source)!r} as {key!r}: not a file.", fix="pass an existing file.")

        def put() -> None:
            if self._fs.isfile(path) and self._fs.size(path) == source.stat().st_size:
                remote = self._remote_sha(path)
                if remote is not None and remote == sha256_file(source):
                    return
            self._fs.put_file(str(source), path)

        self._call(put, "publish", key)
        return self.uri(key)

    def publish_dir(self, local_dir: Path, key: str, *, move: bool = False) -> str:
        source, path = Path(local_dir), self._path(key)
        if not source.is_dir():
            raise StorageError(
                f"Cannot publish {str(source)!r} as {key!r}: not a directory.", fix="pass an existing directory."
            )
        manifest = tree_manifest(source)
        remote = self.remote_manifest(key)
        if remote != manifest:

            def upload() -> None:
                if remote is not None:  # replacing: hide the old set first so no reader mixes old and new
                    self._fs.rm_file(f"{path}/{MANIFEST}")
                for name, digest in manifest.items():
                    if remote is None or remote.get(name) != digest:
                        self._fs.put_file(str(source / name), f"{path}/{name}")
                for name in set(remote or {}) - set(manifest):
                    self._fs.rm_file(f"{path}/{name}")
                self._fs.pipe_file(f"{path}/{MANIFEST}", json.dumps({"files": manifest}, sort_keys=True).encode())

            self._call(upload, "publish", key)
        if move:
            shutil.rmtree(source, ignore_errors=True)
        return self.uri(key)

    def open_local(self, key: str) -> Path:
        """Download a key into the cache once (each file atomically) and return the local path."""
        local = self.cache_dir.joinpath(*validate_key(key).split("/"))
        manifest = self.remote_manifest(key)
        if manifest is None:
            if not self._call(lambda: self._fs.isfile(self._path(key)), "check", key):
                raise StorageError(
                    f"No blob at {redact_uri(self.uri(key))} on site {self.site!r}.",
                    fix="publish it first or check the key, the site and its root URI.",
                )
            if not local.is_file():
                temp = local.with_name(f".{local.name}.tmp-{uuid.uuid4().hex}")
                local.parent.mkdir(parents=True, exist_ok=True)
                self._call(lambda: self._fs.get_file(self._path(key), str(temp)), "download", key)
                os.replace(temp, local)
            return local
        # Only the manifest's files are compared and fetched: a folder published inside this one (a clip's
        # ``{generator}/`` under its sample) has its own manifest and may already sit in the cache.
        for name, digest in manifest.items():
            target = local.joinpath(*name.split("/"))
            if target.is_file() and sha256_file(target) == digest:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            temp = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex}")
            try:
                self._call(lambda n=name, t=temp: self._fs.get_file(f"{self._path(key)}/{n}", str(t)), "download", key)
                os.replace(temp, target)
            finally:
                temp.unlink(missing_ok=True)
        return local

    def delete(self, key: str) -> bool:
        path = self._path(key)

        def remove() -> bool:
            if self._fs.isfile(path):
                self._fs.rm_file(path)
                return True
            if self._fs.exists(path):
                self._fs.rm(path, recursive=True)
                return True
            return False

        return self._call(remove, "delete", key)

    def _remote_sha(self, path: str) -> str | None:
        digest = hashlib.sha256()
        with self._fs.open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return digest.hexdigest()

    def _call(self, fn: Callable[[], Any], action: str, key: str) -> Any:
        try:
            return retry_call(fn, retry_on=is_transient, policy=self.storage.retry, what=f"{action} {key}")
        except StorageError:
            raise
        except FileNotFoundError as exc:
            raise StorageError(
                f"Could not {action} blob {key!r} at {redact_uri(self.uri(key))} on site {self.site!r}: not found.",
                fix="check the bucket/container exists (StorageConfig.ensure_bucket) and the key is right.",
            ) from exc
        except Exception as exc:
            detail = mask_secrets(f"{type(exc).__name__}: {exc}", self.storage.secret_values())[:300]
            attempts = f" after {self.storage.retry.attempts} attempts" if is_transient(exc) else ""
            endpoint = self.storage.endpoint
            raise StorageError(
                f"Could not {action} blob {key!r} at {redact_uri(self.uri(key))} on site {self.site!r} "
                f"(endpoint {endpoint}){attempts} ({detail}).",
                fix=f"check that the endpoint {endpoint} is reachable (is the service or emulator running? is the "
                "URL or port in the environment right?) and the site's credentials are valid, then re-run; "
                "publishing is idempotent.",
            ) from exc
