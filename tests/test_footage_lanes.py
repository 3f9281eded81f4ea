"""``worldmill generate`` over several cells: every core gets work, lanes give the same rows and files as one
cell after the other, the taxonomy job runs only when the taxonomy changed, checks look at their cell."""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import os
import pickle
import sys
from pathlib import Path

import pytest
from conftest_curation import add_sample
from conftest_lake import make_record

from worldmill import cli
from worldmill.curation.checks import check_table
from worldmill.jobs import footage
from worldmill.jobs.footage import LanePlan, plan_lanes
from worldmill.lake import Catalogue, LocalBlobStore
from worldmill.lake.blobs import tree_manifest
from worldmill.schemas.records import CellRow

TINY = {"clips": 1, "width": 64, "height": 64, "frames": 8, "progress": False}


@pytest.mark.parametrize(
    ("cells", "cores", "expected"),
    [(16, 2, LanePlan(2, 1)), (1, 2, LanePlan(1, 2)), (3, 8, LanePlan(3, 2)), (16, 1, LanePlan(1, 1)), (2, 4, LanePlan(2, 2))],
)
def test_every_core_gets_a_lane_or_a_render_worker(cells, cores, expected):
    plan = plan_lanes(cells, cores)
    assert plan == expected
    assert plan.processes <= cores and (plan.processes == cores or plan.lanes == cells)


def test_clips_too_large_for_a_lane_under_1_gib_run_one_cell_at_a_time_on_every_core():
    assert plan_lanes(16, 2, pixels=512 * 512 * 48) == LanePlan(1, 2)
    assert plan_lanes(16, 2, pixels=256 * 256 * 48) == LanePlan(2, 1)
    assert plan_lanes(16, 2, lanes=2, pixels=512 * 512 * 48) == LanePlan(2, 1)  # asked for explicitly


def test_explicit_workers_or_lanes_fill_the_rest_of_the_cores():
    assert plan_lanes(16, 4, render_workers=2) == LanePlan(2, 2)
    assert plan_lanes(16, 4, lanes=1) == LanePlan(1, 4)
    assert plan_lanes(1, 2, render_workers=1) == LanePlan(1, 1)


def test_the_demo_keeps_every_core_busy(monkeypatch):
    """The worker assignment of `worldmill demo` (16 cells) on machines of 2 and 4 cores; nothing is run."""
    seen = []
    monkeypatch.setattr(footage, "run_cells", lambda keys, config, plan, **kw: seen.append((keys, config, plan)) or [])
    monkeypatch.setattr(footage, "lane_pool", lambda plan, taxonomies=None: contextlib.nullcontext())
    monkeypatch.setattr(cli, "_refresh_taxonomy", lambda *args: None)
    for cores in (2, 4):
        monkeypatch.setattr(os, "cpu_count", lambda cores=cores: cores)
        cli.generate(cli.DEMO_CITIES, cli.DEMO_VENUES, clips=1, progress=False)
        keys, config, plan = seen[-1]
        assert len(keys) == 16 and plan.lanes == cores and plan.processes == cores
        assert config["resources"]["render"]["config"]["workers"] == plan.render_workers == 1


def _lane_state() -> tuple[int, bool, bool, bool]:
    """(pid, whether Dagster's definitions, Warp's kernels and Great Expectations are loaded, whether the
    instance is open, whether GeoNames was loaded) of the lane that runs it."""
    from worldmill.taxonomy.cities import geonames

    loaded = all(m in sys.modules for m in ("worldmill.definitions", "warp", "great_expectations"))
    return os.getpid(), loaded, "instance" in footage._LANE, geonames.cache_info().currsize > 0


def _collector_state() -> tuple[bool, int]:
    """(whether the garbage collector is on, the objects it leaves out as frozen) in the lane that runs it."""
    return gc.isenabled(), gc.get_freeze_count()


def test_lanes_start_and_warm_up_before_the_first_cell(tmp_path, monkeypatch):
    from worldmill.resources.taxonomy import cached_taxonomy, loaded_taxonomies

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    spawned = []

    def taxonomies() -> dict:  # loaded while the lanes import: they were spawned first
        spawned.append(len(multiprocessing.active_children()))
        cached_taxonomy(int(os.environ.get("WORLDMILL_MIN_POPULATION", "1000000")), None)
        return loaded_taxonomies()

    with footage.lane_pool(LanePlan(2, 1), taxonomies) as pool:
        assert len(pool._processes) == 2 and spawned == [2]  # spawned on entry, before the taxonomy loads
        processes = list(pool._processes.values())
        handed = pool._initargs[0]
        assert len(pickle.dumps(handed)) < 1024 and Path(handed).stat().st_size > 100_000
        states = [pool.submit(_lane_state).result() for _ in range(4)]
        collectors = [pool.submit(_collector_state).result() for _ in range(4)]
    assert all(loaded and instance for _, loaded, instance, _ in states)
    assert not any(geonames for *_, geonames in states)  # the taxonomy came from this process
    assert {pid for pid, *_ in states} <= {p.pid for p in processes}
    # what the warm-up loaded is frozen, out of every later collection's walk, and the collector is on again
    assert all(enabled and frozen > 100_000 for enabled, frozen in collectors)
    assert [p.exitcode for p in processes] == [0, 0]  # left through ``_exit_at_once``, cleanly
    # a spawn writes the lane's arguments into a pipe (64 KiB) and waits while they do not fit: the taxonomies
    # go in a file (removed with the pool), so that starting the lanes never waits for them to boot
    assert not Path(handed).exists()
    with footage.lane_pool(LanePlan(1, 2)) as pool:
        assert pool is None  # one lane: cells run in the caller's process


def _outputs(lake: Path) -> dict:
    """Every row's content that does not record when or how fast it was made, and every footage file's hash."""
    catalogue = Catalogue(str(lake))
    rows = {
        "prompts": catalogue.sql("SELECT sample_id, seed, prompt, plan_json, prompt_sha256 FROM prompts ORDER BY 1"),
        "conditions": catalogue.sql("SELECT sample_id, files_sha256, object_count, primitive_count FROM conditions ORDER BY 1"),
        "clips": catalogue.sql("SELECT clip_id, rgb_sha256, conditions_sha256, faces_blurred FROM clips ORDER BY 1"),
        "scores": catalogue.sql("SELECT * EXCLUDE (scored_at) FROM scores ORDER BY clip_id"),
        "captions": catalogue.sql("SELECT clip_id, caption FROM captions ORDER BY 1"),
        "catalogue": catalogue.sql("SELECT * EXCLUDE (published_at, uri) FROM catalogue ORDER BY clip_id"),
    }
    return {"rows": {k: v.to_dicts() for k, v in rows.items()}, "files": tree_manifest(lake / "footage")}


def _taxonomy_runs() -> int:
    from dagster import DagsterInstance, RunsFilter

    return len(DagsterInstance.get().get_runs(filters=RunsFilter(job_name="taxonomy_job")))


def test_lanes_make_the_same_rows_and_bytes_as_one_cell_after_the_other(tmp_path, monkeypatch):
    cities, venues = ["Lagos", "Paris"], ["zoo"]
    lakes = {}
    for lanes in (1, 2):
        lakes[lanes] = tmp_path / f"lake-{lanes}"
        monkeypatch.setenv("WORLDMILL_LAKE_URI", str(lakes[lanes]))
        monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / f"home-{lanes}"))
        keys = cli.generate(cities, venues, lanes=lanes, workers=1, **TINY)
        assert len(keys) == 2
    sequential, parallel = _outputs(lakes[1]), _outputs(lakes[2])
    assert len(sequential["rows"]["clips"]) == 2 and len(sequential["files"]) > 20
    assert parallel == sequential

    # the lake holds this taxonomy's cells: a second round of the same cells does not run the taxonomy job
    assert _taxonomy_runs() == 1
    cli.generate(cities, venues, lanes=2, workers=1, **TINY)
    assert _taxonomy_runs() == 1 and len(Catalogue(str(lakes[2])).read("clips")) == 4
    from dagster import DagsterInstance

    from worldmill.taxonomy import load_taxonomy

    fingerprint = load_taxonomy().fingerprint
    assert footage.taxonomy_is_current(DagsterInstance.get(), Catalogue(str(lakes[2])), fingerprint, keys)
    assert not footage.taxonomy_is_current(DagsterInstance.get(), Catalogue(str(tmp_path / "empty")), fingerprint, keys)
    assert not footage.taxonomy_is_current(DagsterInstance.get(), Catalogue(str(lakes[2])), "changed", keys)


@pytest.mark.timeout(300)  # Python 3.11's own worker recycling (``max_tasks_per_child``) waited for ever here
def test_a_batch_longer_than_a_round_runs_its_later_cells_on_fresh_lanes(tmp_path, monkeypatch):
    from dagster import DagsterInstance

    from worldmill.jobs.instance import PID_TAG

    monkeypatch.setattr(footage, "CELLS_PER_LANE", 2)  # rounds of 4 cells on 2 lanes
    monkeypatch.setenv("WORLDMILL_LAKE_URI", str(tmp_path / "lake"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    keys = cli.generate(["Lagos", "Paris", "Lima", "Tokyo", "Cairo"], ["zoo"], lanes=2, workers=1, **TINY)
    assert len(keys) == 5
    clips = Catalogue(str(tmp_path / "lake")).read("clips")
    assert sorted(set(clips["cell_key"].to_list())) == sorted(keys)
    runs = DagsterInstance.get().get_runs()
    pids = {r.tags[PID_TAG] for r in runs if r.job_name == "footage_job"}
    assert len(pids) >= 2 and str(os.getpid()) not in pids  # a round's lanes leave with it: the last cell ran anew
    by_cell = {r.tags.get("dagster/partition"): r.tags[PID_TAG] for r in runs if r.job_name == "footage_job"}
    assert by_cell[keys[4]] not in {by_cell[k] for k in keys[:4]}


def test_a_cells_check_reads_that_cells_rows_only(tmp_path):
    root = tmp_path / "lake"
    catalogue, blobs = Catalogue(str(root)), LocalBlobStore(root / "footage")
    pairs = [add_sample(catalogue, blobs, i, city_key=city) for i, city in enumerate(["tokyo-1850147", "lagos-2332459"] * 2)]
    clips = [c for _, c in pairs]
    catalogue.upsert([make_record(CellRow, cell_key=c.cell_key, city_key=c.city_key, venue="zoo") for c in clips[:2]])
    catalogue.upsert([p for p, _ in pairs])
    catalogue.upsert(clips)
    tokyo, lagos = clips[0].cell_key, clips[1].cell_key
    blobs.path(clips[1].rgb_path).unlink()  # Lagos is broken, Tokyo is fine

    assert check_table(catalogue, "clips", blobs, cell_key=tokyo).passed
    assert check_table(catalogue, "clips", blobs, cell_key=tokyo).rows == 2
    broken = check_table(catalogue, "clips", blobs, cell_key=lagos)
    assert not broken.passed and any("rgb_exists" in f for f in broken.failures)
    assert not check_table(catalogue, "clips", blobs).passed and check_table(catalogue, "clips", blobs).rows == 4


def test_render_workers_stay_warm_from_one_batch_to_the_next(tmp_path):
    from conftest_scenes import make_plan

    from worldmill.render.pool import render_samples, warm_pool
    from worldmill.schemas.plan import RenderSettings

    settings = RenderSettings(width=32, height=32, frames=2, fps=24)
    plans = [make_plan(seed=41), make_plan("hospital", seed=42, indoor=True)]
    first = render_samples(plans, settings, [tmp_path / "a" / p.sample_id for p in plans], workers=2)
    pool = warm_pool(2)
    started = set(pool._executor._processes)
    second = render_samples(plans, settings, [tmp_path / "b" / p.sample_id for p in plans], workers=2)
    assert warm_pool(2) is pool and {r.pid for r in first + second} <= started  # no new process was spawned
    assert all(r.pid != os.getpid() for r in second)
    for a, b in zip(first, second, strict=True):
        assert a.files["input.mp4"].read_bytes() == b.files["input.mp4"].read_bytes()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_pauses_while_a_process_loads_and_is_then_as_it_was(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        with footage.collector_paused():
            assert not gc.isenabled()
        assert gc.isenabled() == enabled
        with pytest.raises(ValueError), footage.collector_paused():
            raise ValueError("a failed load")
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()
