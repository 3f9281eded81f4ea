"""LocalBlobStore: atomic, idempotent publishing of clip files and directories."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from worldmill.errors import StorageError
from worldmill.lake import LocalBlobStore


def make_dir(path: Path, files: dict[str, bytes]) -> Path:
    for name, data in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_bytes(data)
    return path


@pytest.fixture
def store(tmp_path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "lake")


def test_publish_dir_copies_files_and_returns_a_file_uri(store, tmp_path):
    src = make_dir(tmp_path / "src", {"rgb.mp4": b"video", "meta/plan.json": b"{}"})
    uri = store.publish_dir(src, "footage/zoo/tokyo-1850147/s1")
    assert uri == (tmp_path / "lake" / "footage" / "zoo" / "tokyo-1850147" / "s1").as_uri()
    local = store.open_local("footage/zoo/tokyo-1850147/s1")
    assert (local / "rgb.mp4").read_bytes() == b"video" and (local / "meta" / "plan.json").read_bytes() == b"{}"
    assert src.exists() and store.exists("footage/zoo/tokyo-1850147/s1")
    assert not [p for p in local.parent.iterdir() if p.name.startswith(".")]  # no temp leftovers


def test_publishing_identical_content_is_a_no_op(store, tmp_path):
    src = make_dir(tmp_path / "src", {"a.bin": b"1", "b.bin": b"2"})
    store.publish_dir(src, "k")
    inode = os.stat(store.open_local("k") / "a.bin").st_ino
    store.publish_dir(src, "k")
    assert os.stat(store.open_local("k") / "a.bin").st_ino == inode


def test_publishing_different_content_replaces_the_whole_directory(store, tmp_path):
    store.publish_dir(make_dir(tmp_path / "v1", {"a.bin": b"old", "stale.bin": b"x"}), "k")
    store.publish_dir(make_dir(tmp_path / "v2", {"a.bin": b"new"}), "k")
    local = store.open_local("k")
    assert sorted(p.name for p in local.iterdir()) == ["a.bin"]
    assert (local / "a.bin").read_bytes() == b"new"
    assert [p.name for p in local.parent.iterdir()] == ["k"]


def test_publish_dir_move_consumes_the_source(store, tmp_path):
    src = make_dir(tmp_path / "src", {"rgb.mp4": b"v"})
    store.publish_dir(src, "footage/x", move=True)
    assert not src.exists() and (store.open_local("footage/x") / "rgb.mp4").read_bytes() == b"v"


def test_failed_copy_keeps_the_previous_content(store, tmp_path, monkeypatch):
    store.publish_dir(make_dir(tmp_path / "v1", {"a.bin": b"old"}), "k")

    def broken_copytree(src, dst, *args, **kwargs):
        Path(dst).mkdir()
        (Path(dst) / "a.bin").write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("shutil.copytree", broken_copytree)
    with pytest.raises(StorageError, match="No space left on device") as info:
        store.publish_dir(make_dir(tmp_path / "v2", {"a.bin": b"new"}), "k")
    assert "Fix:" in str(info.value)
    assert (store.open_local("k") / "a.bin").read_bytes() == b"old"
    assert [p.name for p in store.open_local("k").parent.iterdir()] == ["k"]


def test_publish_file_is_atomic_and_idempotent(store, tmp_path):
    src = tmp_path / "contact_sheet.png"
    src.write_bytes(b"png1")
    uri = store.publish_file(src, "footage/a/contact_sheet.png")
    assert uri.endswith("/footage/a/contact_sheet.png")
    mtime = os.stat(store.open_local("footage/a/contact_sheet.png")).st_mtime_ns
    store.publish_file(src, "footage/a/contact_sheet.png")
    assert os.stat(store.open_local("footage/a/contact_sheet.png")).st_mtime_ns == mtime
    src.write_bytes(b"png2")
    store.publish_file(src, "footage/a/contact_sheet.png")
    assert store.open_local("footage/a/contact_sheet.png").read_bytes() == b"png2"


def test_delete_and_missing_keys(store, tmp_path):
    store.publish_dir(make_dir(tmp_path / "src", {"a": b"1"}), "d")
    assert store.delete("d") is True and store.delete("d") is False
    with pytest.raises(StorageError, match="No blob at .*key 'd'"):
        store.open_local("d")


@pytest.mark.parametrize("key", ["", "/abs", "a/../b", "a//b", "./a", "a\\b"])
def test_invalid_keys_are_rejected(store, key):
    with pytest.raises(StorageError, match="Invalid blob key"):
        store.uri(key)


def test_file_and_directory_kinds_do_not_silently_replace_each_other(store, tmp_path):
    f = tmp_path / "f.bin"
    f.write_bytes(b"x")
    store.publish_file(f, "thing")
    with pytest.raises(StorageError, match="a file is there"):
        store.publish_dir(make_dir(tmp_path / "src", {"a": b"1"}), "thing")
    with pytest.raises(StorageError, match="not a directory"):
        store.publish_dir(tmp_path / "missing", "x")
