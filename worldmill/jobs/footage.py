"""``worldmill generate`` over many cells: several cells in flight at once, so that every core works.

A footage run is a chain (prompts → conditions → clips → scores → captions → catalogue, with checks), and
only its render step used more than one core; a cell with one or two samples left a core idle, cell after
cell. Here cells run in *lanes*: one spawned process per lane takes the next cell as soon as it is free and
runs the footage job for it in process, rendering in that same process (Warp kernels, the taxonomy and the
Great Expectations context stay loaded from one cell to the next). Every run has its own partition, seeds
come from (cell, round, index) and every write is a MERGE on a stable id, so lanes give the same rows and
files as one cell after the other.

The lanes start (``lane_pool``) before the batch is ready to run: they import and load all that (seconds a
process) while the parent opens the instance and refreshes the taxonomy, and they exit without tearing their
heaps down, so neither end of a batch leaves a core idle.
"""

from __future__ import annotations

import atexit
import dataclasses
import gc
import importlib.util
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from worldmill.errors import ConfigError, WorldmillError
from worldmill.jobs import failure_text


@dataclasses.dataclass(frozen=True)
class LanePlan:
    """How a batch of cells uses the machine: ``lanes`` cells at once, each rendering with ``render_workers``
    processes (1: in the lane's own process)."""

    lanes: int
    render_workers: int

    @property
    def processes(self) -> int:
        """Processes busy at once (lanes × render workers; the lanes themselves when they render in process)."""
        return self.lanes * self.render_workers


# A lane renders in its own process, beside Dagster and Great Expectations: measured peaks 944 MB at 256² × 48
# frames, 1,211 MB at 512² × 48. Above this many pixels per clip a lane would pass 1 GiB, so cells run one
# after the other with a pool of render processes instead (as they did before lanes).
LANE_MAX_PIXELS = 256 * 256 * 48


def plan_lanes(cells: int, cores: int, *, lanes: int = 0, render_workers: int = 0, pixels: int = 0) -> LanePlan:
    """One lane per core while there are cells for it; cores a lane cannot get lent to its render pool.

    ``lanes``/``render_workers`` > 0 fix either (the other fills the remaining cores). ``pixels``: width ×
    height × frames of a clip; beyond ``LANE_MAX_PIXELS`` one lane unless ``lanes`` says otherwise.
    """
    if cells < 1 or cores < 1 or lanes < 0 or render_workers < 0:
        raise ConfigError(
            f"Cannot plan {cells} cell(s) on {cores} core(s) with lanes={lanes}, render workers={render_workers}.",
            fix="ask for at least one cell; lanes and workers are 0 (automatic) or more",
        )
    if not lanes:
        lanes = 1 if pixels > LANE_MAX_PIXELS else cores // render_workers if render_workers else cores
    lanes = max(1, min(lanes, cells))
    return LanePlan(lanes, render_workers or max(1, cores // lanes))


@dataclasses.dataclass(frozen=True)
class CellRun:
    """The outcome of one cell's footage run."""

    cell_key: str
    success: bool
    failure: str  # the failed steps and why; empty on success
    pid: int  # the process (lane) that ran it
    peak_rss_mb: float  # that process's peak resident memory so far


_LANE: dict[str, Any] = {}
# A lane's memory creeps up by a few MB per cell (Dagster's caches; 972 MB after 2 cells, 991 MB after 8 at
# 256²): cells run in rounds of this many per lane, each round on fresh lanes (a start costs ~3 CPU-seconds).
# Not ``max_tasks_per_child``: Python 3.11's ProcessPoolExecutor does not always replace a worker that leaves
# after its last task, and the batch then waits for ever (gh-115634).
CELLS_PER_LANE = 16


# How long a lane waits for the parent's taxonomies before it loads its own (the parent loads them in seconds,
# while the lanes import).
TAXONOMY_WAIT_S = 60.0


def _init_lane(taxonomies: str = "") -> None:
    """A lane's process: one core, so OpenCV works on one thread (two lanes never fight over the cores); it loads
    what every cell needs (``_warm_lane``, the garbage collector paused), takes the parent's loaded taxonomies
    (pickled into the file ``taxonomies`` while the lanes import; not there in time: it loads its own) and leaves
    without finalizers (``_exit_at_once``). What it loaded lives as long as the lane: frozen (``gc.freeze``), no
    later full collection walks it again."""
    with collector_paused():
        import cv2

        cv2.setNumThreads(1)
        main = sys.modules["__main__"]
        if getattr(main, "__spec__", None) is None and not hasattr(main, "__file__"):
            # Spawned from `python -m package` (pytest), the lane's main module is bare; pyspark, if anything
            # imports it (Great Expectations no longer does: ``checks._gx``), takes that for a doctest run and
            # exits. Name this module as the main one.
            main.__spec__ = importlib.util.find_spec(__name__)
        atexit.register(_exit_at_once)  # first registered, so it runs after the handlers of everything loaded later
        _warm_lane(taxonomies)
        gc.freeze()


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a process loads its modules and data (Dagster, Great
    Expectations, pandas, the taxonomy: ~600,000 objects, nearly all kept), then as it was. Loading them ran a
    full collection every few hundred thousand new objects, each walking all that was loaded so far, for little:
    ~1 CPU-second of a lane's ~3.7 s start; what it would have freed is ~3 MB."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _adopt_handed_taxonomies(path: str) -> None:
    """The parent's taxonomies from ``path``, once it has written them (``lane_pool``)."""
    import pickle
    import time

    from worldmill.resources.taxonomy import adopt_taxonomies

    if not path:
        return
    deadline = time.monotonic() + TAXONOMY_WAIT_S
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        adopt_taxonomies(pickle.loads(Path(path).read_bytes()))
    except FileNotFoundError:  # not handed in time, or the batch already ended: the taxonomy loads anew
        pass


def _warm_lane(taxonomies: str = "") -> None:
    """Import the definitions, open the instance, load the render kernels and the Great Expectations context, then
    the taxonomy (the parent's, ``taxonomies``): what the first cell would otherwise do on the batch's clock. A
    failure here is left for that cell to meet and report with its name."""
    try:
        from worldmill.curation.checks import load_context
        from worldmill.definitions import defs  # noqa: F401  (Dagster, the assets and their domain code)
        from worldmill.jobs.instance import open_instance
        from worldmill.render.raycast import warm_up
        from worldmill.resources.taxonomy import environment_taxonomy

        _LANE.setdefault("instance", open_instance())
        warm_up("cpu")
        load_context()
        _adopt_handed_taxonomies(taxonomies)
        environment_taxonomy()
    except Exception:  # an optimisation only: the cell that needs it raises the real error
        logging.getLogger(__name__).warning("lane warm-up failed; the first cell loads what it needs", exc_info=True)


def _exit_at_once() -> None:
    """A lane's last act (``atexit``): flush and leave without finalizing its heap (Dagster, Warp, Great
    Expectations: seconds of teardown that the parent would wait for). Every write of its cells is committed
    by then (Delta commits, the instance's SQLite files in WAL mode), and multiprocessing's own exit hooks ran."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


@contextmanager
def lane_pool(plan: LanePlan, taxonomies: Callable[[], dict] | None = None) -> Iterator[ProcessPoolExecutor | None]:
    """The lane processes of a batch (None for one lane: cells then run in this process), spawned first, so that
    they import and warm up while the caller prepares the batch: ``taxonomies`` loads the caller's taxonomies
    (``resources.taxonomy.loaded_taxonomies``) meanwhile, and they reach every lane in a file (a spawn writes
    the new process's arguments into a pipe and waits until the booted child reads them: 1.2 MB of taxonomies
    as an argument held the caller, and the next lane's start, for each lane's boot)."""
    if plan.lanes == 1:
        if taxonomies is not None:
            taxonomies()
        yield None
        return
    import multiprocessing
    import pickle
    import shutil
    import tempfile

    context = multiprocessing.get_context("spawn")
    folder = Path(tempfile.mkdtemp(prefix="worldmill-lanes-"))
    path = folder / "taxonomies.pickle"
    try:
        with ProcessPoolExecutor(plan.lanes, mp_context=context, initializer=_init_lane, initargs=(str(path),)) as pool:
            for _ in range(plan.lanes):
                pool.submit(os.getpid)  # each submit starts one more process, up to the plan's lanes
            loaded: dict = {}
            try:
                loaded = taxonomies() if taxonomies is not None else {}
            finally:  # the lanes wait for the file: it is written whatever happened (empty: they load their own)
                part = folder / "taxonomies.part"
                part.write_bytes(pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL))
                os.replace(part, path)
            yield pool
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def run_cell(cell_key: str, run_config: dict, instance: Any = None) -> CellRun:
    """Run the footage job for one cell in this process (the instance of ``DAGSTER_HOME`` unless given)."""
    from worldmill.definitions import defs
    from worldmill.jobs.instance import open_instance, process_tags
    from worldmill.render.pool import peak_rss_mb

    if instance is None:
        instance = _LANE.get("instance") or _LANE.setdefault("instance", open_instance())
    result = defs.resolve_job_def("footage_job").execute_in_process(
        run_config=run_config, instance=instance, partition_key=cell_key, raise_on_error=False, tags=process_tags()
    )
    return CellRun(cell_key, result.success, "" if result.success else failure_text(result), os.getpid(), peak_rss_mb())


def run_cells(
    cell_keys: Sequence[str],
    run_config: dict,
    plan: LanePlan,
    *,
    instance: Any = None,
    on_done: Callable[[CellRun], None] = lambda run: None,
    pool: ProcessPoolExecutor | None = None,
) -> list[CellRun]:
    """Run the footage job for every cell, ``plan.lanes`` at a time (on ``pool``, from ``lane_pool``, when the
    caller started the lanes early); raises ``WorldmillError`` naming every failed cell (cells not yet started
    are cancelled after a failure). Results in the order of ``cell_keys``."""
    if plan.lanes == 1:
        runs = []
        for key in cell_keys:
            runs.append(run_cell(key, run_config, instance))
            on_done(runs[-1])
            if not runs[-1].success:
                break
        return _checked(runs, cell_keys)
    runs: list[CellRun] = []
    size = plan.lanes * CELLS_PER_LANE
    for start in range(0, len(cell_keys), size):  # rounds, each on fresh lanes but the first on the caller's
        keys = cell_keys[start : start + size]
        if start == 0 and pool is not None:
            runs += _run_round(keys, run_config, pool, on_done)
            pool.shutdown()  # its lanes leave now, not when the caller's ``lane_pool`` closes
        else:
            from worldmill.resources.taxonomy import loaded_taxonomies

            with lane_pool(plan, loaded_taxonomies) as own:
                runs += _run_round(keys, run_config, own, on_done)
        if any(not r.success for r in runs):
            break
    return _checked(runs, cell_keys)


def _run_round(
    cell_keys: Sequence[str], run_config: dict, pool: ProcessPoolExecutor, on_done: Callable[[CellRun], None]
) -> list[CellRun]:
    """Every cell of one round on ``pool``'s lanes; after a failure the cells not yet started are cancelled.
    Results in the order of ``cell_keys``, without the cancelled ones."""
    done: dict[str, CellRun] = {}
    pending: dict[Future, str] = {pool.submit(run_cell, key, run_config): key for key in cell_keys}
    try:
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                key = pending.pop(future)
                if future.cancelled():
                    continue
                try:
                    run = future.result()
                except BrokenProcessPool as exc:
                    raise WorldmillError(
                        f"The process making cell {key} died (killed, or out of memory).",
                        fix="run fewer cells at once (--lanes 1) or make smaller clips",
                    ) from exc
                done[key] = run
                on_done(run)
                if not run.success:
                    for other in pending:
                        other.cancel()
    finally:
        for future in pending:
            future.cancel()
    return [done[k] for k in cell_keys if k in done]


def _checked(runs: list[CellRun], cell_keys: Sequence[str]) -> list[CellRun]:
    failed = [r for r in runs if not r.success]
    if failed:
        skipped = len(cell_keys) - len(runs)
        text = "\n".join(f"The footage job failed for cell {r.cell_key}:\n{r.failure}" for r in failed)
        raise WorldmillError(text + (f"\n({skipped} cell(s) not started)" if skipped else ""))
    return runs


def taxonomy_is_current(instance: Any, catalogue: Any, fingerprint: str, cell_keys: Sequence[str]) -> bool:
    """True when the last ``taxonomy`` materialization wrote this taxonomy (same fingerprint) and the lake's
    ``cells`` table holds every cell asked for: running the taxonomy job again would change nothing."""
    from dagster import AssetKey

    from worldmill.lake import sql_list

    records = instance.fetch_materializations(AssetKey("taxonomy"), limit=1).records
    if not records:
        return False
    entry = records[0].asset_materialization.metadata.get("fingerprint")
    if entry is None or entry.value != fingerprint or not catalogue.exists("cells"):
        return False
    found = catalogue.sql(f"SELECT count(DISTINCT cell_key) AS n FROM cells WHERE cell_key IN ({sql_list(list(cell_keys))})")
    return int(found["n"][0]) == len(set(cell_keys))
