"""Exact captions, written from the scene graph, camera path and plan that produced a clip.

The Cosmos curator captions clips with a vision-language model; procedural footage does not need to guess:
which objects are visible (and where in frame) comes from the clip's visibility measurement
(``worldmill.scenes.visibility``, the same one and the same rule the prompt is written from), how the camera
moves from its per-frame poses, light and weather from the plan. A local VLM (never downloaded) can add a model
caption for footage without ground truth.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from worldmill.errors import SceneError, StorageError, VideoError, WeightsNotFoundError
from worldmill.lake.blobs import BlobStore
from worldmill.scenes import CameraPath, Scene
from worldmill.scenes.visibility import Visibility, clip_place, load_visibility
from worldmill.schemas.curation import CaptionRow
from worldmill.schemas.plan import ScenePlan
from worldmill.schemas.records import ClipRow, sample_key_of, utcnow
from worldmill.video import read_frames

log = logging.getLogger(__name__)

MAX_LISTED = 8  # labels listed in the "in view" sentence
MAX_PLACED = 3  # salient objects whose place in frame is described

VlmCaptioner = Callable[[np.ndarray], str]  # uint8 [T, H, W, 3] -> caption

_SHOT = {"aerial": "Aerial", "ground": "Ground-level", "interior": "Interior"}
_MOTION = {
    "orbit": "circles around its subject", "glide": "glides", "flyover": "flies over the scene",
    "walkthrough": "walks through the space", "dolly": "dollies", "pan": "pans", "static": "holds still",
}
_WHEN = {"dawn": "at dawn", "morning": "in the morning", "noon": "at noon", "afternoon": "in the afternoon",
         "golden_hour": "at golden hour", "dusk": "at dusk", "night": "at night"}
_WEATHER = {"clear": "under clear skies", "partly_cloudy": "under partly cloudy skies", "overcast": "under overcast skies",
            "fog": "in fog", "rain": "in the rain", "snow": "in falling snow", "haze": "in haze"}
_IRREGULAR = {"person": "people", "pedestrian": "pedestrians", "child": "children", "bus": "buses", "shelf": "shelves"}


def article(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def plural(label: str, count: int) -> str:
    if count == 1:
        return article(label)
    words = label.split(" ")
    last = words[-1]
    if last in _IRREGULAR:
        last = _IRREGULAR[last]
    elif last.endswith(("s", "x", "ch", "sh")):
        last += "es"
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        last = last[:-1] + "ies"
    else:
        last += "s"
    return f"{count} {' '.join([*words[:-1], last])}"


@dataclasses.dataclass(frozen=True)
class CameraSummary:
    zone: str
    motion: str
    travel_m: float
    height_m: float
    turn_deg: float  # positive: turning left (counter-clockwise seen from above)
    forward_m: float  # displacement along the mean viewing direction (dolly in > 0)
    fov_deg: float
    seconds: float


def summarise_camera(camera: CameraPath) -> CameraSummary:
    poses = np.asarray(camera.camera_to_world, dtype=np.float64)
    positions, forward = poses[:, :3, 3], poses[:, :3, 2]
    yaw = np.unwrap(np.arctan2(forward[:, 1], forward[:, 0]))
    mean_forward = forward.mean(axis=0)
    norm = np.linalg.norm(mean_forward)
    return CameraSummary(
        zone=camera.zone,
        motion=camera.motion,
        travel_m=float(np.linalg.norm(np.diff(positions, axis=0), axis=1).sum()),
        height_m=float(positions[:, 2].mean()),
        turn_deg=float(math.degrees(yaw[-1] - yaw[0])),
        forward_m=float((positions[-1] - positions[0]) @ (mean_forward / norm)) if norm > 0 else 0.0,
        fov_deg=float(math.degrees(2 * math.atan(camera.width / (2 * camera.fx)))),
        seconds=len(poses) / camera.fps,
    )


def _camera_sentence(c: CameraSummary, indoor: bool) -> str:
    verb = _MOTION.get(c.motion, c.motion)
    if c.motion == "dolly":
        verb += " in" if c.forward_m >= 0 else " out"
    if c.motion == "pan":
        verb += " left" if c.turn_deg > 0 else " right"
    surface = "the floor" if indoor else "the ground"
    parts = [f"The camera {verb}"]
    if c.travel_m >= 0.05:
        parts.append(f" over {c.travel_m:.1f} m")
    parts.append(f" at about {c.height_m:.1f} m above {surface}")
    if abs(c.turn_deg) >= 5 and c.motion != "pan":
        parts.append(f", turning {abs(c.turn_deg):.0f}° {'left' if c.turn_deg > 0 else 'right'}")
    elif c.motion == "pan":
        parts.append(f" through {abs(c.turn_deg):.0f}°")
    parts.append(f", with a {c.fov_deg:.0f}° field of view, for {c.seconds:.1f} s.")
    return "".join(parts)


def visible_objects(scene: Scene, visibility: Visibility) -> list[tuple[object, float, float, float]]:
    """(object, peak coverage, mean x, mean y) of the visible instances, most covered first; positions are
    fractions of the frame."""
    by_id = {o.instance_id: o for o in scene.objects}
    peak = visibility.coverage.max(axis=0) if visibility.frames else np.zeros(len(visibility.instance_ids))
    out = [
        (by_id[int(i)], float(peak[n]), float(visibility.centre_x[n]), float(visibility.centre_y[n]))
        for n, i in enumerate(visibility.instance_ids)
        if visibility.visible[n] and int(i) in by_id
    ]
    return sorted(out, key=lambda v: (-v[1], v[0].instance_id))


def caption(plan: ScenePlan, scene: Scene, camera: CameraPath, visibility: Visibility) -> str:
    """A caption that states only what the clip shows (its visibility measurement), how the camera moves and
    what the plan says of place, light and weather."""
    cam = summarise_camera(camera)
    venue = article(plan.venue_name.lower())
    where = f"the {plan.space} of {venue}" if plan.space else venue
    sentences = [f"{_SHOT.get(cam.zone, cam.zone.title())} {cam.motion} shot of {where} in {plan.city_name}, {plan.country}.",
                 _camera_sentence(cam, plan.indoor)]

    seen = visibility.seen()  # most prominent first
    if seen:
        listed = []
        for kind in seen[:MAX_LISTED]:
            text = plural(kind.kind, kind.visible)
            if kind.moving:
                text += " (moving)" if kind.moving == kind.visible else f" ({kind.moving} moving)"
            listed.append(text)
        more = len(seen) - len(listed)
        sentences.append("In view: " + ", ".join(listed) + (f", and {more} other kinds of object." if more > 0 else "."))
    placed = [(o, x, y) for o, cover, x, y in visible_objects(scene, visibility) if o.salient][:MAX_PLACED]
    for obj, x, y in placed:
        name = obj.decor or obj.label
        sentences.append(f"{article(name).capitalize()} is in the {clip_place(x, y)} of the frame.")
    shown = {k.class_name for k in seen}
    if plan.landmark and "landmark" in shown:
        sentences.append(f"{article(plan.landmark.replace('_', ' ')).capitalize()} landmark stands out on the skyline.")

    when = _WHEN.get(plan.time_of_day, f"at {plan.time_of_day.replace('_', ' ')}")
    weather = _WEATHER.get(plan.weather, f"in {plan.weather.replace('_', ' ')} weather")
    if plan.indoor:
        sentences.append(f"Indoors {when} on {article(plan.season)} day, {weather} outside.")
    else:
        sun = plan.sun_elevation_deg
        sun_text = f"{abs(sun):.0f}° {'above' if sun >= 0 else 'below'} the horizon"
        sentences.append(f"{when.capitalize()} in {plan.season}, the sun {sun_text}, {weather}.")
    quoted = visibility.sign_text()  # the words of a sign the clip shows
    if quoted:
        sentences.append(f"Signs read \u201c{quoted}\u201d.")
    sentences.append(f"{plan.architecture_style.replace('_', ' ').capitalize()} architecture; {plan.colour_grade} colour grade.")
    return " ".join(sentences)


def caption_sample_dir(sample_dir: Path) -> str:
    """Caption from a sample directory's ``plan.json``, ``scene.json``, ``camera.json`` and
    ``visibility.json`` (measured from ``instance.mkv`` where an older condition set lacks it). Raises
    ``SceneError``/``VideoError`` naming a missing or unreadable file."""
    texts = {}
    for name in ("plan.json", "scene.json", "camera.json"):
        path = sample_dir / name
        if not path.is_file():
            raise SceneError(f"Caption input {path} is missing.", fix="re-materialize the sample's conditions")
        texts[name] = path.read_text(encoding="utf-8")
    try:
        plan = ScenePlan.from_json(texts["plan.json"])
    except (ValueError, TypeError, KeyError) as exc:
        raise SceneError(f"{sample_dir / 'plan.json'} is not a ScenePlan: {exc!r}.", fix="write plans with ScenePlan.to_json()") from exc
    scene = Scene.from_json(texts["scene.json"])
    return caption(plan, scene, CameraPath.from_json(texts["camera.json"]), load_visibility(sample_dir, scene))


def load_local_vlm(path: Path | str) -> VlmCaptioner:
    """A captioner from a local vision-language checkpoint (e.g. Qwen2-VL, Cosmos-Reason) through transformers'
    image-text-to-text pipeline, loaded with ``local_files_only`` so nothing is downloaded."""
    path = Path(path)
    if not (path / "config.json").is_file():
        raise WeightsNotFoundError(
            f"No vision-language model at {path} (config.json missing).",
            fix="point the VLM path at a local checkpoint directory, or leave it unset to skip model captions",
        )
    from PIL import Image
    from transformers import pipeline

    pipe = pipeline("image-text-to-text", model=str(path), model_kwargs={"local_files_only": True}, device="cpu")

    def describe(frames: np.ndarray) -> str:
        middle = Image.fromarray(frames[len(frames) // 2])
        messages = [{"role": "user", "content": [{"type": "image", "image": middle},
                                                 {"type": "text", "text": "Describe this video frame in about 80 words."}]}]
        out = pipe(text=messages, max_new_tokens=160, return_full_text=False)
        return str(out[0]["generated_text"]).strip()

    return describe


def caption_clips(clips: Sequence[ClipRow], blobs: BlobStore, vlm: VlmCaptioner | None = None) -> tuple[list[CaptionRow], dict[str, str]]:
    """Caption rows for the clips, and ``{clip_id: reason}`` for clips that could not be captioned."""
    rows, failed = [], {}
    for clip in clips:
        sample_dir_key = sample_key_of(clip.rgb_path)
        try:
            text = caption_sample_dir(blobs.open_local(sample_dir_key))
        except (SceneError, VideoError, StorageError) as exc:
            failed[clip.clip_id] = f"{type(exc).__name__}: {exc}"
            log.warning("clip %s: no caption: %s", clip.clip_id, exc)
            continue
        model_caption, reason = None, "no local vision-language model configured"
        if vlm is not None:
            try:
                model_caption, reason = vlm(read_frames(blobs.open_local(clip.rgb_path))), None
            except (VideoError, StorageError) as exc:
                reason = f"footage unreadable: {exc}"
        rows.append(CaptionRow(
            clip_id=clip.clip_id, sample_id=clip.sample_id, cell_key=clip.cell_key, caption=text,
            word_count=len(text.split()), source="scene_graph", model_caption=model_caption,
            model_caption_reason=reason, created_at=utcnow(),
        ))
    return rows, failed
