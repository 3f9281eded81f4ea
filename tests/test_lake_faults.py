"""Faults: a writer killed mid-commit, two concurrent writer processes, an emulator stopped mid-run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest_lake import AZURITE_BIN, Emulator, azure_env, azurite_argv, moto_argv, prompt_row, s3_env, unique_bucket

from worldmill.errors import StorageError
from worldmill.lake import Catalogue
from worldmill.lake.retry import RetryPolicy
from worldmill.lake.storage import StorageConfig

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


def _python(code: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)])}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _wait_for(path: Path, proc: subprocess.Popen, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not path.exists():
        if proc.poll() is not None:
            pytest.fail(f"child exited early ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail("child never reached the marker")
        time.sleep(0.05)


KILLED_WRITER = """
    import sys, time
    from pathlib import Path
    import pyarrow as pa
    from conftest_lake import prompt_row
    from worldmill.lake import Catalogue
    from worldmill.schemas.records import PromptRow

    root, marker = sys.argv[1], Path(sys.argv[2])
    real = PromptRow.to_arrow

    def stalled_stream(cls, records):
        table = real(records)
        def batches():
            yield from table.to_batches(max_chunksize=500)
            marker.touch()  # every data batch is handed to the writer: the commit is next
            time.sleep(600)
        return pa.RecordBatchReader.from_batches(table.schema, batches())

    PromptRow.to_arrow = classmethod(stalled_stream)
    Catalogue(root).upsert([prompt_row(i, prompt="from the killed writer") for i in range(5000)])
"""


def test_writer_killed_mid_commit_leaves_the_previous_version(tmp_path):
    root = str(tmp_path / "lake")
    catalogue = Catalogue(root)
    catalogue.upsert([prompt_row(i) for i in range(10)])
    marker = tmp_path / "marker"
    child = _python(KILLED_WRITER, root, str(marker))
    _wait_for(marker, child)
    time.sleep(0.2)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    assert catalogue.version("prompts") == 0
    frame = catalogue.read("prompts")
    assert frame.height == 10 and set(frame["prompt"]) == {f"prompt number {i}" for i in range(10)}
    # re-running converges
    catalogue.upsert([prompt_row(i, prompt="again") for i in range(5000)])
    assert catalogue.read("prompts").height == 5000 and catalogue.version("prompts") == 1


CONCURRENT_WRITER = """
    import json, sys
    from conftest_lake import prompt_row
    from worldmill.lake import Catalogue
    from worldmill.lake.retry import RetryPolicy
    import worldmill.lake.retry as retry

    root, first, tag = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    retries = []
    original = retry.log.info
    retry.log.info = lambda *a: retries.append(a[2])
    cat = Catalogue(root, retry=RetryPolicy(attempts=30, initial_delay_s=0.02, max_delay_s=0.3))
    for batch in range(8):
        start = first + batch * 25
        cat.upsert([prompt_row(i, prompt=f"{tag} {i}") for i in range(start, start + 25)])
    print(json.dumps({"retries": len(retries)}))
"""


def test_two_writer_processes_lose_and_duplicate_nothing(tmp_path):
    root = str(tmp_path / "lake")
    # writer a: keys 0..199, writer b: keys 100..299 -> 300 distinct keys, 100 written by both
    children = [_python(CONCURRENT_WRITER, root, "0", "a"), _python(CONCURRENT_WRITER, root, "100", "b")]
    outputs = []
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err.decode()[-3000:]
        outputs.append(json.loads(out.decode().strip().splitlines()[-1]))
    frame = Catalogue(root).read("prompts")
    assert frame.height == 300 and frame["sample_id"].n_unique() == 300
    assert sorted(frame["index"].to_list()) == list(range(300))
    for row in frame.iter_rows(named=True):  # every row holds the content one of its writers gave it
        tag, number = row["prompt"].split()
        assert int(number) == row["index"]
        assert tag == ("a" if row["index"] < 100 else "b" if row["index"] >= 200 else tag)
        assert tag in ("a", "b")


@pytest.mark.emulator
def test_emulator_stopped_mid_run_fails_clearly_then_resumes(tmp_path):
    if not AZURITE_BIN.exists():
        pytest.skip(f"Azurite is not installed at {AZURITE_BIN}: run `bash scripts/emulators.sh install`")
    # In-memory: Azurite's on-disk metadata is saved on a timer, so a stop can lose recent writes either way;
    # what must hold is that the restarted run (idempotent writes) completes from whatever state is left.
    emulator = Emulator("azurite-fault", azurite_argv).start()
    try:
        cfg = StorageConfig.from_env(
            f"az://{unique_bucket('fault')}/lake",
            env=azure_env(emulator),
            site="azure-asia",
            retry=RetryPolicy(attempts=3, initial_delay_s=0.1),
        )
        cfg.ensure_bucket()
        catalogue, blobs = cfg.catalogue(), cfg.blob_store(cache_dir=tmp_path / "cache")
        catalogue.upsert([prompt_row(i) for i in range(50)])
        emulator.stop()
        started = time.monotonic()
        with pytest.raises(StorageError) as info:
            catalogue.upsert([prompt_row(i) for i in range(50, 100)])
        elapsed = time.monotonic() - started
        message = str(info.value)
        assert "site 'azure-asia'" in message and f"{cfg.root_uri}/tables/prompts" in message
        assert "after 3 attempts" in message and elapsed < 60
        assert "Eby8vdM02xNOcqFlqUwJPLlmEt" not in message  # the account key is never shown
        src = tmp_path / "clip"
        src.mkdir()
        (src / "rgb.mp4").write_bytes(b"v")
        with pytest.raises(StorageError, match=r"site 'azure-asia'.*after 3 attempts"):
            blobs.publish_dir(src, "zoo/x/s1")
        emulator.start()
        cfg.ensure_bucket()
        for batch in (range(50), range(50, 100)):  # restarting the whole run completes it (writes are idempotent)
            catalogue.upsert([prompt_row(i) for i in batch])
        assert catalogue.read("prompts").height == 100
        blobs.publish_dir(src, "zoo/x/s1")
        assert blobs.exists("zoo/x/s1")
    finally:
        emulator.stop()


@pytest.mark.emulator
def test_s3_endpoint_down_names_site_and_uri_without_secrets(tmp_path):
    emulator = Emulator("moto-fault", moto_argv).start()
    env = s3_env(emulator)
    cfg = StorageConfig.from_env(
        f"s3://{unique_bucket('down')}/lake",
        env=env,
        site="aws-us",
        retry=RetryPolicy(attempts=2, initial_delay_s=0.05),
    )
    cfg.ensure_bucket()
    emulator.stop()
    with pytest.raises(StorageError) as info:
        cfg.catalogue().upsert([prompt_row(0)])
    assert "site 'aws-us'" in str(info.value) and cfg.root_uri in str(info.value)
    assert env["AWS_SECRET_ACCESS_KEY"] not in str(info.value)
