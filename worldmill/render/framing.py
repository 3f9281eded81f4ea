"""Camera paths that show their subject, checked before they are published.

The path is planned around a lead subject (``worldmill.scenes.camera.subject_kinds``); a cheap render of
the instance pass at low resolution (every few frames) measures how long the subject reads at
``SUBJECT_COVERAGE`` of the image and how many of the plan's decor kinds the path shows. A path whose
subject is too small, out of frame or hidden behind something for long is re-planned: other variants of
the path, then the next candidate subject, in a fixed order, so the same plan always gets the same path.
Among the candidates, one whose subject reads beats one whose does not; then the one that shows more decor
kinds, where a path about the scene's best subject (the first candidate: the giraffes, not the snack kiosk)
counts one kind more; then a longer-framed subject. The search stops early once a path frames its subject
and shows every kind.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from worldmill.errors import SceneError
from worldmill.scenes.camera import (
    HORIZON_SHARE,
    SUBJECT_SPAN,
    WIDE_SUBJECT_SPAN,
    CameraPath,
    camera_path,
    camera_zone,
    look_at,
    subject_kinds,
)
from worldmill.scenes.model import Scene
from worldmill.scenes.staging import Staged, stage_decor
from worldmill.scenes.visibility import (
    SUBJECT_COVERAGE,
    SUBJECT_FRAME_SHARE,
    VISIBLE_COVERAGE,
    Visibility,
    measure_visibility,
)
from worldmill.schemas.plan import RenderSettings, ScenePlan

CHECK_WIDTH = 48  # pixels across the check render (2 % of 48² is 46 pixels, 0.5 % 12)
CHECK_FRAMES = 8  # frames of the check render, spread over the clip
SUBJECTS_TRIED = 2  # candidate subjects, best first
VARIANTS_TRIED = 3  # paths per subject
STAGING_COVERAGE = (0.015, 0.03, 0.05)  # share of the frame staged instances are shown at, try by try
STAGED_MARGIN = 1.6  # a staged instance is kept, before the last try, where the check shows it at this many times the
# visible coverage: the 48² check overstates thin things that the clip's own render shows under 0.5 %
LOOK_UP_DEG = (14.0, 22.0)  # an interior shot whose plan hangs or builds things in the ceiling tries looking up this much
OVERHEAD_PLACEMENTS = frozenset({"ceiling", "overhead"})
WIDE_SHOT_VENUES = frozenset({"aquarium"})  # venues whose lead animal is also tried in a wider shot, which shows the
# tank's neighbours (the rockwork and kelp by the shark, the tunnel round the walk) where it still reads
SHOWCASE_VENUES = frozenset({"aquarium"})  # venues where a shot about any of the plan's animals may lead, the one
# that shows most of the plan (a turtle with the tanks, coral and tunnel round it beats a shark on the longest lens)
INDOOR_SHOWCASE_VENUES = frozenset({"zoo"})  # ... and a zoo's houses (a parrot on the longest lens shows nothing of the
# reptile house's terrariums and panels); outdoors the zoo's largest animal leads
SHOWCASE_ANIMAL_BONUS = 2  # kinds an aquarium shot about an animal counts more than one about its tanks or tunnel
WIDE_VARIANTS = 2  # wider paths tried, on the lead subject's first variants


@dataclasses.dataclass(frozen=True)
class Framing:
    """How a chosen path frames its subject in the check render."""

    subject: str | None
    variant: int
    share: float  # frames with the subject at >= SUBJECT_COVERAGE
    mean_coverage: float
    decor_seen: int  # decor kinds with a visible instance in the check render
    checked: int  # candidate paths rendered

    lead_bonus: int = 0  # 1 when the subject is the scene's first candidate (the shot is about it)
    seen_kinds: frozenset[str] = frozenset()  # the decor kinds the check render shows
    staged: tuple[Staged, ...] = ()  # decor moved into the path's view (``framed_shot``)
    end_coverage: float = 1.0  # the subject's share of the last check frame (a shot must not end behind a panel)
    firm_kinds: frozenset[str] = frozenset()  # the decor kinds it shows at STAGED_MARGIN times the visible coverage

    @property
    def rank(self) -> tuple[bool, int, float, float]:
        """Best first: the subject reads (in most frames, and still at the end), more decor kinds shown, longer
        and larger."""
        reads = self.share >= SUBJECT_FRAME_SHARE and self.end_coverage >= VISIBLE_COVERAGE  # and is not lost at the end
        return (reads, self.decor_seen + self.lead_bonus, self.share, self.mean_coverage)


def _check_settings(settings: RenderSettings) -> tuple[RenderSettings, int]:
    """Low-resolution settings with frames a whole step apart at the clip's own times."""
    step = next((s for s in range(max(settings.frames // CHECK_FRAMES, 1), 0, -1) if settings.fps % s == 0), 1)
    width = CHECK_WIDTH
    height = max(16, round(CHECK_WIDTH * settings.height / settings.width / 16) * 16)
    return RenderSettings(
        width=width, height=height, frames=math.ceil(settings.frames / step), fps=settings.fps // step
    ), step


def low_res_path(path: CameraPath, settings: RenderSettings, step: int) -> CameraPath:
    """``path`` seen by a smaller sensor (same field of view) every ``step``-th frame."""
    sx, sy = settings.width / path.width, settings.height / path.height
    return dataclasses.replace(
        path,
        width=settings.width,
        height=settings.height,
        fx=path.fx * sx,
        fy=path.fy * sy,
        cx=path.cx * sx,
        cy=path.cy * sy,
        fps=settings.fps,
        camera_to_world=path.camera_to_world[::step],
    )


def framed_camera_path(
    scene: Scene, plan: ScenePlan, settings: RenderSettings, *, device: str = "cpu"
) -> tuple[CameraPath, Framing]:
    """The best candidate path (``Framing.rank``): its subject reads (>= SUBJECT_COVERAGE in >=
    SUBJECT_FRAME_SHARE of the check frames) and it shows the most decor kinds; the plain path, unchecked,
    when the scene has no static decor to plan around."""
    zone = camera_zone(scene, plan)
    ranked = subject_kinds(scene, aerial=zone.kind == "aerial")
    if not ranked:
        return camera_path(scene, plan, settings), Framing(None, 0, 0.0, 0.0, 0, 0)
    small, step = _check_settings(settings)
    decor = {o.decor for o in scene.objects if o.decor}
    # each candidate subject's paths, then the plain path (aimed at the best-framed decor cluster), whose subject
    # is then the kind it frames best
    candidates = [(s, v, SUBJECT_SPAN) for s in ranked[:SUBJECTS_TRIED] for v in range(VARIANTS_TRIED)]
    if plan.venue in WIDE_SHOT_VENUES:
        candidates += [(ranked[0], v, WIDE_SUBJECT_SPAN) for v in range(WIDE_VARIANTS)]
    candidates.append((None, 0, SUBJECT_SPAN))
    planned = []
    for subject, variant, span in candidates:
        try:
            path = camera_path(scene, plan, settings, subject=subject, variant=variant, span=span)
        except SceneError:
            continue
        planned.append((subject, variant, path))
    best: tuple[CameraPath, Framing] | None = None
    checked = 0
    views = _check_paths(scene, [path for _, _, path in planned], small, step, device)
    for (subject, variant, path), seen in zip(planned, views, strict=True):
        checked += 1
        shown = [k for k in seen.seen() if k.kind in decor]
        framings = [
            _framing(seen, kind, variant, decor, checked, shown) for kind in ([subject] if subject else ranked)
        ]
        framing = max(framings, key=lambda f: f.rank)
        bonus = _lead_bonus(scene, framing.subject, ranked[0], len(decor), framing.seen_kinds)
        framing = dataclasses.replace(framing, lead_bonus=bonus)
        if best is None or framing.rank > best[1].rank:
            best = (path, framing)
        if framing.rank[0] and framing.decor_seen == len(decor):
            break
    if best is None:
        return camera_path(scene, plan, settings), Framing(None, 0, 0.0, 0.0, 0, checked)
    return best[0], dataclasses.replace(best[1], checked=checked)


def _check(
    scene: Scene, path: CameraPath, small: RenderSettings, step: int, device: str
) -> Visibility:
    """What the low-resolution instance render along ``path`` shows."""
    return _check_paths(scene, [path], small, step, device)[0]


def _check_paths(
    scene: Scene, paths: list[CameraPath], small: RenderSettings, step: int, device: str
) -> list[Visibility]:
    """What the low-resolution instance render along each path shows: the frames of every path with the same
    lens whose meshes need the same levels of detail in one launch (each frame's pixels are those of a render of
    its path alone)."""
    from worldmill.render.raycast import mesh_lods, primitive_arrays, render_instance

    lows = [low_res_path(path, small, step) for path in paths]
    times = np.arange(small.frames, dtype=np.float64) / small.fps
    groups: dict[tuple, list[int]] = {(): [0]}  # one path: nothing to group (no primitive arrays to build)
    if len(lows) > 1:
        groups, arrays = {}, primitive_arrays(scene, small.frames / small.fps)
        for i, low in enumerate(lows):
            lens = (low.fx, low.fy, low.cx, low.cy)
            groups.setdefault((lens, mesh_lods(arrays, low, times).tobytes()), []).append(i)
    seen: dict[int, Visibility] = {}
    for members in groups.values():
        joined = dataclasses.replace(lows[members[0]], camera_to_world=np.concatenate([lows[i].camera_to_world for i in members]))
        instance = render_instance(  # camera rays only: the checks read which objects show, nothing else
            scene, joined, dataclasses.replace(small, frames=small.frames * len(members)), device=device,
            times=np.tile(times, len(members)),
        )
        for k, i in enumerate(members):
            seen[i] = measure_visibility(scene, instance[k * small.frames : (k + 1) * small.frames])
    return [seen[i] for i in range(len(paths))]


def framed_shot(
    scene: Scene, plan: ScenePlan, settings: RenderSettings, *, device: str = "cpu"
) -> tuple[Scene, CameraPath, Framing]:
    """The checked path (``framed_camera_path``) and the scene with the plan's decor kinds that it misses staged
    into its view (``worldmill.scenes.staging``), checked again: the staging is kept only when the lead subject
    still reads as well as before."""
    path, framing = framed_camera_path(scene, plan, settings, device=device)
    unseen = [d.name for d in plan.decor if d.count and d.name not in framing.firm_kinds]
    if framing.checked == 0 or framing.subject is None or not unseen:
        return scene, path, framing
    small, step = _check_settings(settings)
    decor = {o.decor for o in scene.objects if o.decor}
    path, framing = _looked_up(scene, plan, path, framing, small, step, device)
    unseen = [d.name for d in plan.decor if d.count and d.name not in framing.firm_kinds]  # or only faintly seen
    if not unseen:
        return scene, path, framing
    staged: list[Staged] = []
    checked = framing.checked
    for target in STAGING_COVERAGE:  # kinds the check still misses (or that staging hid) are staged again, nearer
        moved, more = stage_decor(scene, path, plan, unseen, lead=framing.subject, target=target)
        if not more:
            break
        seen = _check(moved, path, small, step, device)
        checked += 1
        last = target == STAGING_COVERAGE[-1]
        useless = {m.instance_id for m in more if not _shows(seen, m.instance_id, 1.0 if last else STAGED_MARGIN)}
        if useless and len(useless) == len(more) and not last:
            continue  # all faint: staged nearer on the next try
        if useless and len(useless) < len(more):  # put back what the check does not show, and look again
            moved = _put_back(moved, scene, useless)
            more = [m for m in more if m.instance_id not in useless]
            seen = _check(moved, path, small, step, device)
            checked += 1
        after = _framing(seen, framing.subject, framing.variant, decor, checked)
        shown = (len(after.seen_kinds), len(after.firm_kinds)) <= (len(framing.seen_kinds), len(framing.firm_kinds))
        if (framing.rank[0] and not after.rank[0]) or shown:
            continue  # the staged decor spoils the subject, or hides as many kinds as it shows (firmly): not kept
        scene, staged = moved, [s for s in staged if s.instance_id not in {m.instance_id for m in more}] + more
        framing = dataclasses.replace(after, lead_bonus=framing.lead_bonus, staged=tuple(staged))
        unseen = [d.name for d in plan.decor if d.count and d.name not in framing.firm_kinds]  # with any it hid
        if not unseen:
            break
    return scene, path, dataclasses.replace(framing, checked=checked)


def tilted_up(path: CameraPath, degrees: float) -> CameraPath:
    """``path`` with every frame that looks up less than ``degrees`` raised to it (turning about its own eye, no
    roll), but never so far that the horizon leaves the lower part of the frame (``HORIZON_SHARE`` of the
    half-angle below the centre: an eye-level shot of a hall that looks up at its roof, not at the sky)."""
    half = math.atan(path.height / 2 / path.fy)
    up = math.radians(min(degrees, HORIZON_SHARE * math.degrees(half)))
    forward = path.camera_to_world[:, :3, 2]
    flat = forward[:, :2] / np.maximum(np.linalg.norm(forward[:, :2], axis=1, keepdims=True), 1e-9)
    pitch = np.maximum(np.arcsin(np.clip(forward[:, 2], -1.0, 1.0)), up)
    raised = np.concatenate([flat * np.cos(pitch)[:, None], np.sin(pitch)[:, None]], axis=1)
    eyes = path.positions
    return dataclasses.replace(path, camera_to_world=look_at(eyes.copy(), eyes + raised))


def _looked_up(
    scene: Scene,
    plan: ScenePlan,
    path: CameraPath,
    framing: Framing,
    small: RenderSettings,
    step: int,
    device: str,
) -> tuple[CameraPath, Framing]:
    """An interior path tilted up (``LOOK_UP_DEG``, least first) when the plan's ceiling decor (a skylight, a roof
    truss, a chandelier) is unseen, kept where the check render shows more kinds and the subject reads as well:
    an eye-level frame that looks down at the floor never shows what hangs 10 m up."""
    overhead = {d.name for d in plan.decor if d.placement in OVERHEAD_PLACEMENTS and d.count}
    if path.zone != "interior" or not overhead - framing.seen_kinds:
        return path, framing
    decor = {o.decor for o in scene.objects if o.decor}
    checked = framing.checked
    for degrees in LOOK_UP_DEG:
        tilted = tilted_up(path, degrees)
        checked += 1
        seen = _check(scene, tilted, small, step, device)
        after = _framing(seen, framing.subject, framing.variant, decor, checked)
        if (framing.rank[0] and not after.rank[0]) or len(after.seen_kinds) <= len(framing.seen_kinds):
            continue
        return tilted, dataclasses.replace(after, lead_bonus=framing.lead_bonus)
    return path, dataclasses.replace(framing, checked=checked)


def _shows(seen: Visibility, instance_id: int, margin: float) -> bool:
    """Whether the check shows the instance at ``margin`` times the visible coverage in some frame."""
    column = np.flatnonzero(seen.instance_ids == instance_id)
    return bool(column.size and seen.frames and seen.coverage[:, column[0]].max() >= margin * VISIBLE_COVERAGE)


def _put_back(scene: Scene, before: Scene, instance_ids: set[int]) -> Scene:
    """``scene`` with the objects ``instance_ids`` as they were in ``before``."""
    old = {o.instance_id: o for o in before.objects if o.instance_id in instance_ids}
    return dataclasses.replace(scene, objects=tuple(old.get(o.instance_id, o) for o in scene.objects))


def _lead_bonus(
    scene: Scene, subject: str | None, lead: str, kinds: int, seen: frozenset[str] = frozenset()
) -> int:
    """One kind more for a path about the scene's best subject; an animal lead outweighs every other kind (a
    zoo shot is about its animals: a giraffe that reads beats a wide view of fence, kiosk and trees). In a
    showcase (an aquarium, a zoo's houses) a path about any of the plan's animals that shows it (``seen``: the
    decor kinds it shows) counts more instead, whatever animal: of those the one that shows most of the plan wins
    (a wider shot of the snake beats the parrot on the longest lens); in a zoo's house no view about something
    else wins, in an aquarium one wins where it shows ``SHOWCASE_ANIMAL_BONUS`` kinds more (the tanks, the
    tunnel and the touch pool)."""
    showcase = scene.venue in SHOWCASE_VENUES or (scene.indoor and scene.venue in INDOOR_SHOWCASE_VENUES)
    if showcase:
        animal = any(o.class_name == "animal" and o.decor == subject for o in scene.objects)
        bonus = SHOWCASE_ANIMAL_BONUS if scene.venue in SHOWCASE_VENUES else kinds
        return bonus if animal and subject in seen else 0
    if subject != lead:
        return 0
    return kinds if any(o.class_name == "animal" and o.decor == lead for o in scene.objects) else 1


def _framing(
    seen: Visibility, subject: str, variant: int, decor: set[str], checked: int, shown: list | None = None
) -> Framing:
    """How the check ``seen`` frames ``subject``; ``shown``: the decor kinds it shows (``seen.seen()`` of those
    in ``decor``), where the caller frames several subjects in one check (it measures every kind)."""
    coverage = seen.kind_coverage(subject)
    shown = [k for k in seen.seen() if k.kind in decor] if shown is None else shown
    return Framing(
        subject,
        variant,
        float((coverage >= SUBJECT_COVERAGE).mean()),
        float(coverage.mean()),
        len(shown),
        checked,
        seen_kinds=frozenset(k.kind for k in shown),
        end_coverage=float(coverage[-1]) if len(coverage) else 0.0,
        firm_kinds=frozenset(k.kind for k in shown if _shows(seen, k.instance_ids[0], STAGED_MARGIN)),
    )


def job_shot(
    plan: ScenePlan, classes, settings: RenderSettings, *, device: str = "cpu"
) -> tuple[Scene, CameraPath, Framing]:
    """The shot as the job renders it: the plan's scene, its checked path with missed decor staged into view
    (``framed_shot``) and walkers wherever a fixed camera would see nothing move (``liven``)."""
    from worldmill.scenes import build_scene, liven

    scene, path, framing = framed_shot(build_scene(plan, classes), plan, settings, device=device)
    return liven(scene, path, classes, plan.season), path, framing
