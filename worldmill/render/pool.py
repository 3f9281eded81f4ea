"""Render many samples in parallel: one spawned worker process per core, each building the scene and camera
path, ray-casting and writing the condition files of one sample at a time.

Warp's CPU kernels run on one thread and must not be launched from several threads of one process, so the
parallelism is processes. Workers return small typed results; their errors come back as worldmill errors
naming the sample.
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing
import os
import resource
import time
import traceback
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Self

import numpy as np

from worldmill import errors
from worldmill.errors import RenderError, WorldmillError
from worldmill.scenes.visibility import Visibility, measure_visibility
from worldmill.schemas.plan import RenderSettings, ScenePlan
from worldmill.taxonomy.classes import SemanticClasses, default_classes


@dataclasses.dataclass(frozen=True)
class SampleRenderResult:
    sample_id: str
    out_dir: Path
    files: dict[str, Path]
    object_count: int
    primitive_count: int  # analytic primitives (boxes, cylinders, spheres)
    triangle_count: int  # triangles of the scene's library meshes (full detail, one pose each)
    frames: int
    scene_s: float  # scene build and camera path
    render_s: float  # ray casting, all passes
    encode_s: float  # derived controls (edges, vis, control maps) and every file written
    cpu_s: float  # CPU time the sample took in its process (excludes time lost to other processes)
    peak_rss_mb: float  # of the process that rendered it, while it rendered this sample (Linux)
    pid: int
    sign_fonts: tuple[str, ...] = ()  # "Noto Sans Arabic Bold (OFL-1.1)", ... of the signs the clip shows
    visibility: Visibility | None = None  # what the instance pass shows (prompts and captions are written from it)
    camera_height_m: float | None = None  # the path's median camera height (the prompt says how high it films from)


@dataclasses.dataclass(frozen=True)
class _Failure:
    sample_id: str
    kind: str
    message: str
    fix: str | None


def _reset_peak_rss() -> None:
    """Start a new high-water mark for this sample (Linux; elsewhere the process peak is reported)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def _peak_rss_mb() -> float:
    """Peak resident memory of this process image (VmHWM). ``ru_maxrss`` is not used: it survives exec, so a
    spawned worker would report its parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


peak_rss_mb = _peak_rss_mb  # public: processes that render in process (footage lanes) report it too


def render_sample(
    plan: ScenePlan,
    settings: RenderSettings,
    out_dir: Path,
    classes: SemanticClasses,
    *,
    device: str = "cpu",
    prompt: str | None = None,
    encode_threads: int = 1,
) -> SampleRenderResult:
    """Scene, camera path, passes and condition files for one sample, in this process."""
    from worldmill.render.atlas import shown_sign_fonts
    from worldmill.render.conditions import write_conditions
    from worldmill.render.framing import job_shot
    from worldmill.render.meshes import scene_triangles
    from worldmill.render.raycast import render

    _reset_peak_rss()
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    scene, path, framing = job_shot(plan, classes, settings, device=device)
    t1 = time.perf_counter()
    passes = render(scene, path, plan, settings, device=device, normals=False)
    t2 = time.perf_counter()
    files = write_conditions(
        out_dir, scene, path, plan, passes, classes, settings.fps, prompt=prompt, encode_threads=encode_threads
    )
    visibility = measure_visibility(scene, passes.instance, lead=framing.subject)
    t3 = time.perf_counter()
    return SampleRenderResult(
        sample_id=plan.sample_id,
        out_dir=Path(out_dir),
        files=files,
        object_count=len(scene.objects),
        primitive_count=scene.primitive_count,
        triangle_count=scene_triangles(scene),
        frames=settings.frames,
        scene_s=t1 - t0,
        render_s=t2 - t1,
        encode_s=t3 - t2,
        cpu_s=time.process_time() - cpu0,
        peak_rss_mb=_peak_rss_mb(),
        pid=os.getpid(),
        sign_fonts=shown_sign_fonts(scene, visibility),
        visibility=visibility,
        camera_height_m=float(np.median(path.positions[:, 2])),
    )


_WORKER: dict[str, object] = {}


def _init_worker(device: str) -> None:
    """A worker's process has one core: OpenCV (edges, vis, colour lookups of the condition videos) works on one
    thread, as in a footage lane; its own thread pool would only spin against the other workers (same pixels)."""
    import cv2

    from worldmill.render.raycast import warm_up

    cv2.setNumThreads(1)
    _WORKER["classes"] = default_classes()
    _WORKER["device"] = device
    warm_up(device)


def _worker_task(
    plan_json: str, settings: RenderSettings, out_dir: str, prompt: str | None
) -> SampleRenderResult | _Failure:
    plan = ScenePlan.from_json(plan_json)
    try:
        return render_sample(
            plan,
            settings,
            Path(out_dir),
            _WORKER["classes"],
            device=str(_WORKER["device"]),
            prompt=prompt,
            encode_threads=1,
        )
    except WorldmillError as exc:
        return _Failure(plan.sample_id, type(exc).__name__, exc.message, exc.fix)
    except Exception as exc:  # noqa: BLE001 - reported to the parent as a RenderError with its traceback
        return _Failure(
            plan.sample_id,
            "RenderError",
            f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=6)}",
            "this is a bug; report the sample id",
        )


def _raise(failure: _Failure) -> None:
    cls = getattr(errors, failure.kind, RenderError)
    message = f"Sample {failure.sample_id}: {failure.message}"
    try:
        error = cls(message, fix=failure.fix)
    except TypeError:
        error = RenderError(message, fix=failure.fix)
    raise error


def _check_lengths(plans: Sequence[ScenePlan], out_dirs: Sequence[Path], prompts: Sequence[str | None] | None) -> None:
    if len(plans) != len(out_dirs) or (prompts is not None and len(prompts) != len(plans)):
        raise RenderError(
            f"Got {len(plans)} plans, {len(out_dirs)} output folders and {len(prompts or [])} prompts.",
            fix="pass one of each per sample",
        )


class RenderPool:
    """A pool of spawned render workers (one per core by default) that outlives many batches."""

    def __init__(self, workers: int | None = None, device: str = "cpu"):
        self.workers = workers or os.cpu_count() or 1
        if self.workers < 1:
            raise RenderError(f"RenderPool workers={workers}.", fix="use at least one worker")
        self.device = device
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(device,),
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)

    def render(
        self,
        plans: Sequence[ScenePlan],
        settings: RenderSettings,
        out_dirs: Sequence[Path],
        prompts: Sequence[str | None] | None = None,
    ) -> list[SampleRenderResult]:
        _check_lengths(plans, out_dirs, prompts)
        futures: list[Future] = [
            self._executor.submit(_worker_task, plan.to_json(), settings, str(out), prompts[i] if prompts else None)
            for i, (plan, out) in enumerate(zip(plans, out_dirs, strict=True))
        ]
        results: list[SampleRenderResult] = []
        try:
            for future in futures:
                outcome = future.result()
                if isinstance(outcome, _Failure):
                    _raise(outcome)
                results.append(outcome)
        except BrokenProcessPool as exc:
            raise RenderError(
                "A render worker process died (killed, or out of memory).",
                fix="lower the resolution or frame count, or use fewer workers",
            ) from exc
        finally:
            for future in futures:
                future.cancel()
        return results


def render_samples(
    plans: Sequence[ScenePlan],
    settings: RenderSettings,
    out_dirs: Sequence[Path],
    workers: int | None = None,
    *,
    device: str = "cpu",
    prompts: Sequence[str | None] | None = None,
) -> list[SampleRenderResult]:
    """Render every sample (scene, camera path, passes, condition files), one worker process per core.

    ``workers=1`` renders in this process (no spawn cost), more use this process's warm pool (``warm_pool``);
    results come back in the order of ``plans``.
    """
    _check_lengths(plans, out_dirs, prompts)
    workers = workers or os.cpu_count() or 1
    if workers == 1 or len(plans) <= 1:
        classes = default_classes()
        return [
            render_sample(plan, settings, Path(out), classes, device=device, prompt=prompts[i] if prompts else None)
            for i, (plan, out) in enumerate(zip(plans, out_dirs, strict=True))
        ]
    try:
        return warm_pool(workers, device).render(plans, settings, out_dirs, prompts)
    except RenderError as exc:
        if isinstance(exc.__cause__, BrokenProcessPool):  # a worker died: the next batch starts a new pool
            _WARM.pop((workers, device), None)
        raise


_WARM: dict[tuple[int, str], RenderPool] = {}


def warm_pool(workers: int, device: str = "cpu") -> RenderPool:
    """This process's pool of ``workers`` render processes, started at first use and kept for the next batch:
    a process that renders cell after cell spawns its workers and loads the kernels once. Closed at exit."""
    key = (workers, device)
    if key not in _WARM:
        for pool in _WARM.values():
            pool.close()
        _WARM.clear()
        _WARM[key] = RenderPool(workers, device=device)
        atexit.register(_WARM[key].close)
    return _WARM[key]
