"""Blob stores for clip and condition files, addressed by '/'-separated keys under a root.

Publishing is atomic: content is staged in a temporary sibling and renamed into place, so readers see
either the previous content or the new one, never a half-written directory. Publishing identical content
again is a no-op, which makes re-runs cheap and idempotent.
"""

from __future__ import annotations

import abc
import filecmp
import os
import shutil
import uuid
from pathlib import Path

from worldmill.errors import StorageError
from worldmill.lake.uris import validate_key


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
