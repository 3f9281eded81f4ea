"""What users run, on real object stores: ``worldmill generate`` (separate processes, as from a terminal) on
fresh moto (S3) and Azurite (Azure) lakes, one site and two, compared with a local run of the same cell and
round; an emulator stopped mid-run; concurrent runs of one cell; and a secret key that must appear nowhere.
Clips are tiny (32x32, 8 frames, one per cell) so that each run takes tens of seconds on two cores."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pytest
from conftest_lake import AZURITE_BIN, Emulator, azure_env, azurite_argv, s3_env, unique_bucket

from worldmill.lake.storage import StorageConfig
from worldmill.lake.uris import fsspec_path, join
from worldmill.schemas.tables import TABLES

pytest_plugins = ("fixtures.lake",)  # fixtures: moto_emulator, azurite_emulator

pytestmark = [pytest.mark.slow, pytest.mark.emulator]

REPO = Path(__file__).resolve().parents[1]
CITIES = {"lima-3936456__zoo": "Lima", "paris-2988507__zoo": "Paris"}  # SA and EU
LIMA, PARIS = CITIES
SECRET = "wm-SECRET-5be1c0de-feed"  # moto accepts any secret key: a recognisable one to look for afterwards
STORE_VARS = ("AWS_", "AZURE_", "AZURITE_", "STORAGE_EMULATOR_HOST", "GOOGLE_", "WM_")
TABLES_COMPARED = ("prompts", "conditions", "clips", "scores", "captions", "catalogue")
MEASURED = {"scene_s", "render_s", "encode_s", "generate_s"}  # wall-clock timings, not content
SIZE = ["--clips", "1", "--width", "32", "--height", "32", "--frames", "8", "--workers", "1", "--quiet"]


def generate(home: Path, env: dict[str, str], *cities: str, wait: bool = True) -> subprocess.Popen:
    """``worldmill generate`` for the zoo of ``cities`` in a new process with only ``env``'s store variables."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(STORE_VARS)}
    argv = [sys.executable, "-m", "worldmill.cli", "generate", "--venue", "zoo", *SIZE]
    for city in cities:
        argv += ["--city", city]
    proc = subprocess.Popen(
        argv,
        env={**clean, "WORLDMILL_SITES": "", **env, "DAGSTER_HOME": str(home), "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )
    if wait:
        proc.out, proc.err = proc.communicate(timeout=600)
        assert proc.returncode == 0, proc.err[-3000:]
    return proc


def snapshot(cfg: StorageConfig, cell: str) -> dict:
    """A cell's rows in every table (sorted by key; no timestamps, URIs, site, run ids or timings) and the
    sha256 of every file of its footage (object-store manifests aside)."""
    catalogue = cfg.catalogue()
    tables = {}
    for name in TABLES_COMPARED:
        frame = catalogue.read(name, where=f"cell_key = '{cell}'").sort(list(TABLES[name].key))
        schema = frame.to_arrow().schema
        keep = [
            f.name
            for f in schema
            if not pa.types.is_timestamp(f.type) and f.name not in MEASURED | {"uri", "site", "run_id"}
        ]
        tables[name] = frame.select(keep).to_dicts()
    return {"tables": tables, "files": footage_hashes(cfg, cell)}


def assert_same(remote: dict, local: dict) -> None:
    assert all(local["tables"].values()) and any(name.endswith("/procedural/rgb.mp4") for name in local["files"])
    assert remote["files"] == local["files"]  # same content hash of every file
    assert remote["tables"] == local["tables"]  # same values in every column but timestamps, URIs, site


def footage_hashes(cfg: StorageConfig, cell: str) -> dict[str, str]:
    fs = cfg.filesystem()
    base = fsspec_path(join(cfg.root_uri, "footage", "zoo", cell.split("__")[0]))
    return {
        path[len(base) + 1 :]: hashlib.sha256(fs.cat_file(path)).hexdigest()
        for path in fs.find(base)
        if not path.endswith(".manifest.json")
    }


def all_objects(cfg: StorageConfig) -> dict[str, bytes]:
    fs = cfg.filesystem()
    return {path: fs.cat_file(path) for path in fs.find(cfg.bucket)}


def assert_no_secret(*texts: str, home: Path, objects: dict[str, bytes]) -> None:
    for text in texts:
        assert SECRET not in text
    for path in home.rglob("*"):
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path
    for name, data in objects.items():
        assert SECRET.encode() not in data, name


@pytest.fixture(scope="module")
def local_lake(tmp_path_factory) -> StorageConfig:
    """The reference: both cells on a local lake."""
    root = tmp_path_factory.mktemp("local")
    generate(root / "dagster", {"WORLDMILL_LAKE_URI": str(root / "lake")}, *CITIES.values())
    return StorageConfig.from_env(str(root / "lake"))


def test_generate_on_a_fresh_s3_lake_matches_a_local_run(local_lake, moto_emulator, tmp_path):
    root = f"s3://{unique_bucket('wm-e2e')}/lake"
    env = {**s3_env(moto_emulator), "AWS_SECRET_ACCESS_KEY": SECRET, "WORLDMILL_LAKE_URI": root}
    cfg = StorageConfig.from_env(root, env=env)
    cfg.ensure_bucket()  # an empty bucket: every table is created by this run
    run = generate(tmp_path / "dagster", env, "Lima")
    assert_same(snapshot(cfg, LIMA), snapshot(local_lake, LIMA))
    assert_no_secret(run.out, run.err, home=tmp_path / "dagster", objects=all_objects(cfg))


def test_generate_on_a_fresh_azure_lake_matches_a_local_run(local_lake, azurite_emulator, tmp_path, monkeypatch):
    root = f"az://{unique_bucket('wm-e2e')}/lake"
    env = {**azure_env(azurite_emulator), "WORLDMILL_LAKE_URI": root}  # Azurite on a free port, not 10000
    cfg = StorageConfig.from_env(root, env=env)
    cfg.ensure_bucket()
    generate(tmp_path / "dagster", env, "Lima")
    assert_same(snapshot(cfg, LIMA), snapshot(local_lake, LIMA))


def test_two_sites_on_two_stores_route_by_continent_and_match_a_local_run(
    local_lake, moto_emulator, azurite_emulator, tmp_path
):
    s3_root, az_root = f"s3://{unique_bucket('wm-sa')}/lake", f"az://{unique_bucket('wm-eu')}/lake"
    sites = tmp_path / "sites.yaml"
    sites.write_text(
        f"sites:\n  aws-sa: {{root: '{s3_root}', env_prefix: WM_AWS_}}\n  az-eu: {{root: '{az_root}', env_prefix: WM_AZ_}}\n"
        "continents: {SA: aws-sa, EU: az-eu}\ndefault: aws-sa\n"
    )
    env = {
        **s3_env(moto_emulator, "WM_AWS_"),
        "WM_AWS_AWS_SECRET_ACCESS_KEY": SECRET,
        **azure_env(azurite_emulator, "WM_AZ_"),
        "WORLDMILL_SITES": str(sites),
        "WORLDMILL_LAKE_URI": s3_root,
    }
    s3 = StorageConfig.from_env(s3_root, env=env, env_prefix="WM_AWS_")
    az = StorageConfig.from_env(az_root, env=env, env_prefix="WM_AZ_")
    s3.ensure_bucket()
    az.ensure_bucket()
    run = generate(tmp_path / "dagster", env, "Lima", "Paris")
    assert_same(snapshot(s3, LIMA), snapshot(local_lake, LIMA))
    assert_same(snapshot(az, PARIS), snapshot(local_lake, PARIS))
    assert s3.catalogue().read("clips")["cell_key"].to_list() == [LIMA]  # each cell on its continent's site only
    assert az.catalogue().read("clips")["cell_key"].to_list() == [PARIS]
    assert_no_secret(run.out, run.err, home=tmp_path / "dagster", objects=all_objects(s3))


def test_azure_stopped_mid_run_fails_clearly_then_a_rerun_completes_without_orphans(tmp_path):
    if not AZURITE_BIN.exists():
        pytest.skip(f"Azurite is not installed at {AZURITE_BIN}: run `bash scripts/emulators.sh install` (npm)")
    data = tmp_path / "azurite"

    def on_disk(port: int) -> list[str]:  # the data must survive the restart
        argv = azurite_argv(port)
        return [*argv[: argv.index("--inMemoryPersistence")], "--location", str(data),
                *argv[argv.index("--inMemoryPersistence") + 1 :]]

    emulator = Emulator("azurite-disk", on_disk).start()
    try:
        root = f"az://{unique_bucket('wm-fault')}/lake"
        env = {**azure_env(emulator), "WORLDMILL_LAKE_URI": root}
        cfg = StorageConfig.from_env(root, env=env)
        cfg.ensure_bucket()
        fs = cfg.filesystem()
        footage = fsspec_path(join(root, "footage", "zoo", LIMA.split("__")[0]))
        run = generate(tmp_path / "dagster", env, "Lima", wait=False)
        deadline = time.monotonic() + 300
        while not any(p.endswith(".manifest.json") for p in _find(fs, footage)):  # conditions published
            assert run.poll() is None and time.monotonic() < deadline, run.stderr.read()[-3000:]
            time.sleep(0.05)
        emulator.stop()
        _, err = run.communicate(timeout=300)
        assert run.returncode == 2, err[-3000:]
        assert f"127.0.0.1:{emulator.port}" in err and "emulator running" in err  # the store, endpoint and fix
        assert "Traceback" not in err

        emulator.start()
        generate(tmp_path / "dagster", env, "Lima")
        catalogue = cfg.catalogue()
        assert catalogue.read("prompts")["round"].unique().to_list() == [1]  # the failed run's round, resumed
        for table in TABLES_COMPARED:
            key = TABLES[table].key[0]
            frame = catalogue.read(table)
            assert frame.height == frame[key].n_unique() == 1, table  # no duplicate
        names = _find(fs, cfg.bucket)
        folders = {p.rsplit("/", 1)[0][len(footage) + 1 :] for p in names if p.startswith(footage) and p.endswith(".manifest.json")}
        sample = catalogue.read("conditions")["sample_id"].item()
        assert folders == {sample, f"{sample}/procedural"}  # every footage folder has its row ...
        blobs = cfg.blob_store("footage")
        assert blobs.remote_manifest(f"zoo/{LIMA.split('__')[0]}/{sample}")  # ... and every row its files
        assert blobs.exists(catalogue.read("clips")["rgb_path"].item())
        assert not [p for p in names if ".tmp" in p or "_commit_" in p]  # no temporary object left
    finally:
        emulator.stop()


def _find(fs, base: str) -> list[str]:
    try:
        return fs.find(base)
    except FileNotFoundError:
        return []


@pytest.mark.parametrize(("store", "runs"), [("local", 2), ("local", 4), ("s3", 2)])
def test_concurrent_generate_runs_of_one_cell_each_make_a_round(store, runs, request, tmp_path):
    home = tmp_path / "dagster"  # a fresh Dagster home, shared by all the runs
    env = {"WORLDMILL_LAKE_URI": str(tmp_path / "lake")}
    if store == "s3":
        env = {**s3_env(request.getfixturevalue("moto_emulator")), "WORLDMILL_LAKE_URI": f"s3://{unique_bucket('wm-n')}/lake"}
    cfg = StorageConfig.from_env(env["WORLDMILL_LAKE_URI"], env=env)
    cfg.ensure_bucket()
    procs = [generate(home, env, "Lima", wait=False) for _ in range(runs)]
    for proc in procs:
        _, err = proc.communicate(timeout=900)
        assert proc.returncode == 0 and "Error" not in err, err[-3000:]
    catalogue = cfg.catalogue()
    clips = catalogue.read("clips")
    assert sorted(clips["round"].to_list()) == list(range(1, runs + 1))  # one new round per run
    assert clips["seed"].n_unique() == runs
    assert catalogue.read("rounds")["run_id"].n_unique() == runs
    for table in ("cities", "cells", "prompts", "clips", "catalogue"):  # the taxonomy, written by every run
        frame = catalogue.read(table)
        assert frame.height == frame.unique(subset=list(TABLES[table].key)).height, table
