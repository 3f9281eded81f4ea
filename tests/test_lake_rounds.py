"""Rounds claimed atomically, first creates that never duplicate, listings that see every write, and the
storage configuration doing what the variables say."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from conftest_lake import T0, azure_env, make_record, prompt_row, s3_env, unique_bucket

from worldmill import stages
from worldmill.lake import Catalogue
from worldmill.lake.storage import StorageConfig
from worldmill.schemas.records import ClipRow, PromptRow, RoundClaimRow

pytest_plugins = ("fixtures.lake",)  # fixtures: catalogue, moto_emulator, azurite_emulator

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
CELL = "lima-3936456__zoo"


def _prompts(round_: int, n: int = 2) -> list[PromptRow]:
    return [
        make_record(PromptRow, sample_id=f"{CELL}__r{round_:05d}-{i:03d}", cell_key=CELL, city_key="lima-3936456",
                    venue="zoo", round=round_, index=i, created_at=T0)
        for i in range(n)
    ]


def _clip(prompt: PromptRow) -> ClipRow:
    return make_record(ClipRow, clip_id=f"{prompt.sample_id}__procedural", sample_id=prompt.sample_id,
                       cell_key=CELL, generator="procedural", round=prompt.round, created_at=T0)


def _claim(catalogue: Catalogue, run_id: str, live: set[str] = frozenset()) -> int:
    return stages.claim_round(catalogue, CELL, "procedural", run_id, in_progress=lambda r: r in live)


# -- the resume rule --------------------------------------------------------------------------------------
def test_a_run_keeps_its_claim_and_live_runs_get_distinct_rounds(catalogue):
    assert _claim(catalogue, "run-a", live={"run-a"}) == 1
    assert _claim(catalogue, "run-a", live={"run-a"}) == 1  # a retried step keeps its round
    assert _claim(catalogue, "run-b", live={"run-a", "run-b"}) == 2  # run-a is alive: round 1 is not resumed
    claims = catalogue.read("rounds").sort("round")
    assert claims["run_id"].to_list() == ["run-a", "run-b"]


def test_an_unfinished_round_of_a_run_that_is_over_is_resumed_once(catalogue):
    assert _claim(catalogue, "dead") == 1
    catalogue.upsert(_prompts(1))  # the run died after its prompts, before any clip
    assert _claim(catalogue, "heir") == 1  # "dead" is not in progress: same round, same seeds
    assert _claim(catalogue, "third", live={"heir"}) == 2  # the heir is alive: not taken again
    catalogue.upsert([_clip(p) for p in _prompts(1)])
    assert _claim(catalogue, "fourth") == 2  # round 1 is finished; round 2's claimant "third" is over


def test_rounds_made_before_claims_existed_are_resumed_or_followed(catalogue):
    catalogue.upsert(_prompts(1) + _prompts(2) + _prompts(3))  # legacy: no rounds table
    catalogue.upsert([_clip(p) for p in _prompts(2)])
    assert _claim(catalogue, "run-a", live={"run-a"}) == 3  # the newest legacy round is unfinished: nobody's
    assert _claim(catalogue, "run-b", live={"run-a"}) == 4  # older legacy rounds are left as they were
    assert catalogue.read("rounds").sort("round")["round"].to_list() == [3, 4]


def test_rounds_of_another_generator_are_not_resumed(catalogue):
    assert _claim(catalogue, "procedural-run") == 1
    catalogue.upsert(_prompts(1))
    catalogue.upsert([_clip(p) for p in _prompts(1)])
    assert stages.claim_round(catalogue, CELL, "diffusion", "diffusion-run", in_progress=lambda r: False) == 2


def test_a_claim_on_a_taken_key_is_refused(catalogue):
    row = RoundClaimRow(CELL, 1, "run-a", "procedural", T0)
    assert catalogue.claim(row)
    assert not catalogue.claim(RoundClaimRow(CELL, 1, "run-b", "procedural", T0))
    assert not catalogue.claim(RoundClaimRow(CELL, 1, "run-b", "procedural", T0), replacing="t.run_id = 'other'")
    assert catalogue.claim(RoundClaimRow(CELL, 1, "run-b", "procedural", T0), replacing="t.run_id = 'run-a'")
    assert catalogue.read("rounds")["run_id"].to_list() == ["run-b"]


# -- concurrent processes -----------------------------------------------------------------------------------
CLAIMER = """
    import os, sys, time
    from worldmill import stages
    from worldmill.lake.storage import StorageConfig
    root, run_id, cell = sys.argv[1:4]
    catalogue = StorageConfig.from_env(root).catalogue()
    while time.time() < float(os.environ["WM_START"]):
        time.sleep(0.002)
    print(stages.claim_round(catalogue, cell, "procedural", run_id, in_progress=lambda r: True))
"""

WRITER = """
    import os, sys, time
    from conftest_lake import prompt_row
    from worldmill.lake.storage import StorageConfig
    catalogue = StorageConfig.from_env(sys.argv[1]).catalogue()
    while time.time() < float(os.environ["WM_START"]):
        time.sleep(0.002)
    catalogue.upsert([prompt_row(i) for i in range(6)])
"""


def _together(code: str, argvs: list[list[str]], env: dict[str, str] | None = None) -> list[str]:
    """Run one child per argv, all released at the same instant (``WM_START``); their stdout."""
    start = str(time.time() + 10.0)  # past every child's imports
    child_env = {**os.environ, **(env or {}), "WM_START": start,
                 "PYTHONPATH": os.pathsep.join([str(REPO), str(TESTS)])}
    procs = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *argv], env=child_env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for argv in argvs
    ]
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err[-2000:]
        outs.append(out.strip())
    return outs


def _claim_together(root: str, n: int, env: dict[str, str] | None = None) -> list[int]:
    return [int(x) for x in _together(CLAIMER, [[root, f"run-{i}", CELL] for i in range(n)], env)]


def test_four_processes_claiming_at_once_get_four_rounds(tmp_path):
    assert sorted(_claim_together(str(tmp_path / "lake"), 4)) == [1, 2, 3, 4]


def test_concurrent_first_writes_of_a_table_do_not_duplicate_rows(tmp_path):
    root = str(tmp_path / "lake")
    _together(WRITER, [[root] for _ in range(4)])
    frame = Catalogue(root).read("prompts")
    assert frame.height == 6 and frame["sample_id"].n_unique() == 6


@pytest.mark.emulator
def test_rounds_are_claimed_atomically_on_s3(moto_emulator):
    root = f"s3://{unique_bucket('wm-rounds')}/lake"
    env = s3_env(moto_emulator)
    StorageConfig.from_env(root, env=env).ensure_bucket()
    assert sorted(_claim_together(root, 4, env)) == [1, 2, 3, 4]


# -- listings and configuration ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("root", "env"),
    [("s3://b/lake", {"AWS_ENDPOINT_URL": "http://127.0.0.1:9"}), ("gs://b/lake", {"STORAGE_EMULATOR_HOST": "127.0.0.1:9"}),
     ("az://box/lake", {"AZURE_STORAGE_USE_EMULATOR": "true", "AZURE_STORAGE_ENDPOINT": "http://127.0.0.1:9"})],
)
def test_object_store_filesystems_never_cache_listings(root, env):
    fs = StorageConfig.from_env(root, env=env).filesystem()
    assert fs.dircache.use_listings_cache is False


def test_an_explicit_azure_endpoint_wins_over_use_emulator():
    cfg = StorageConfig.from_env(
        "az://box/lake", env={"AZURE_STORAGE_USE_EMULATOR": "true", "AZURE_STORAGE_ENDPOINT": "http://127.0.0.1:10999"}
    )
    options = cfg.delta_storage_options()
    # delta-rs fills unset options from os.environ, where AZURE_STORAGE_USE_EMULATOR would pin port 10000
    assert options["use_emulator"] == "false"
    assert options["azure_storage_endpoint"] == "http://127.0.0.1:10999/devstoreaccount1"
    assert cfg.endpoint == "http://127.0.0.1:10999/devstoreaccount1"


def _new_table_is_listed(cfg: StorageConfig) -> None:
    cfg.ensure_bucket()
    catalogue = cfg.catalogue()
    catalogue.upsert([prompt_row(0)])
    assert catalogue.tables() == ["prompts"]  # a listing of tables/ is taken here ...
    catalogue.upsert([RoundClaimRow(CELL, 1, "run", "procedural", T0)])  # ... and a table is created after it
    assert catalogue.tables() == ["prompts", "rounds"]
    assert catalogue.sql("SELECT count(*) AS n FROM rounds")["n"].item() == 1
    blobs, other = cfg.blob_store("footage"), cfg.blob_store("footage")
    assert not blobs.exists("zoo/x/s1")
    sample = Path(os.environ.get("TMPDIR", "/tmp")) / f"wm-sample-{os.getpid()}"
    sample.mkdir(exist_ok=True)
    (sample / "rgb.mp4").write_bytes(b"rgb")
    other.publish_dir(sample, "zoo/x/s1")  # another writer (filesystem instance) publishes
    assert blobs.exists("zoo/x/s1")


@pytest.mark.emulator
def test_a_table_created_after_a_listing_is_seen_on_s3(moto_emulator):
    _new_table_is_listed(StorageConfig.from_env(f"s3://{unique_bucket('wm-list')}/lake", env=s3_env(moto_emulator)))


@pytest.mark.emulator
def test_a_table_created_after_a_listing_is_seen_on_azure_with_use_emulator_in_the_environment(
    azurite_emulator, monkeypatch
):
    # The emulator is on a free port, not 10000: the process environment says "use the emulator" as
    # `eval "$(bash scripts/emulators.sh env)"` does, and the explicit endpoint must still win.
    monkeypatch.setenv("AZURE_STORAGE_USE_EMULATOR", "true")
    cfg = StorageConfig.from_env(f"az://{unique_bucket('wm-list')}/lake", env=azure_env(azurite_emulator))
    _new_table_is_listed(cfg)
    catalogue = cfg.catalogue()
    for i in range(3):  # Azurite honours startFrom (scripts/emulators.sh): the third commit loads
        catalogue.upsert([prompt_row(i, prompt="again")])
    assert catalogue.read("prompts").height == 3


@pytest.mark.emulator
def test_an_unreachable_store_names_the_site_the_endpoint_and_the_fix(tmp_path):
    from worldmill.errors import StorageError
    from worldmill.lake.retry import RetryPolicy
    from worldmill.ports import free_port

    port = free_port()  # nothing listens there
    env = {**s3_env(type("E", (), {"endpoint": f"http://127.0.0.1:{port}"})()), "AWS_SECRET_ACCESS_KEY": "wm-SECRET-9f2c"}
    cfg = StorageConfig.from_env("s3://nowhere/lake", env=env, site="aws-us",
                                 retry=RetryPolicy(attempts=2, initial_delay_s=0.01))
    with pytest.raises(StorageError) as info:
        cfg.catalogue().upsert([prompt_row(0)])
    text = str(info.value)
    assert "aws-us" in text and f"127.0.0.1:{port}" in text and "s3://nowhere/lake" in text
    assert "emulator running" in info.value.fix and "wm-SECRET-9f2c" not in text
    with pytest.raises(StorageError) as info:
        cfg.blob_store("footage").exists("zoo/x")
    assert f"127.0.0.1:{port}" in str(info.value) and "wm-SECRET-9f2c" not in str(info.value)


def test_a_claimant_killed_on_this_host_is_not_in_progress(tmp_path, monkeypatch):
    from dagster import DagsterInstance, DagsterRun, DagsterRunStatus

    from worldmill.jobs.instance import PID_TAG, process_tags, run_in_progress

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with DagsterInstance.ephemeral() as instance:
        for run_id, pid in (("alive", os.getpid()), ("killed", dead.pid)):
            instance.add_run(DagsterRun(job_name="footage_job", run_id=run_id, status=DagsterRunStatus.STARTED,
                                        tags={**process_tags(), PID_TAG: str(pid)}))
        instance.add_run(DagsterRun(job_name="footage_job", run_id="done", status=DagsterRunStatus.SUCCESS))
        assert run_in_progress(instance, "alive")
        assert not run_in_progress(instance, "killed") and not run_in_progress(instance, "done")
        assert not run_in_progress(instance, "unknown")


OPENER = """
    import os, time
    from worldmill.jobs.instance import open_instance
    while time.time() < float(os.environ["WM_START"]):
        time.sleep(0.001)
    instance = open_instance(partitions=("cells", ["lima-3936456__zoo", "paris-2988507__zoo"]))
    print(len(instance.get_dynamic_partitions("cells")))
"""


def test_four_processes_opening_a_fresh_dagster_home_at_once_all_succeed(tmp_path):
    # Without the lock, SQLite schema creation races: alembic "expected to match one row" or IntegrityError.
    home = tmp_path / "fresh_home"
    assert _together(OPENER, [[] for _ in range(4)], {"DAGSTER_HOME": str(home)}) == ["2"] * 4
