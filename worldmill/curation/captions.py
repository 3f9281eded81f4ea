"""Exact captions, written from the scene graph, camera path and plan that produced a clip.

The Cosmos curator captions clips with a vision-language model; procedural footage does not need to guess:
which objects are visible (and where in frame) comes from the lossless instance-id video, how the camera moves
from its per-frame poses, light and weather from the plan. A local VLM (never downloaded) can add a model
caption for footage without ground truth.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from worldmill.errors import SceneError, StorageError, VideoError, WeightsNotFoundError
from worldmill.lake.blobs import BlobStore
from worldmill.scenes import CameraPath, Scene
from worldmill.schemas.curation import CaptionRow
from worldmill.schemas.plan import ScenePlan
from worldmill.schemas.records import ClipRow, sample_key_of, utcnow
from worldmill.video import read_frames, read_gray16

log = logging.getLogger(__name__)

MIN_VISIBLE = 0.001  # an object is "in view" when it covers at least 0.1% of the clip's pixels
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


def _place(mask_frac_x: float, mask_frac_y: float) -> str:
    horizontal = "left" if mask_frac_x < 1 / 3 else "right" if mask_frac_x > 2 / 3 else "centre"
    vertical = "upper" if mask_frac_y < 1 / 3 else "lower" if mask_frac_y > 2 / 3 else "middle"
    return "centre" if (horizontal, vertical) == ("centre", "middle") else f"{vertical} {horizontal}"


def visible_objects(scene: Scene, instance: np.ndarray | None) -> list[tuple[object, float, float, float]]:
    """(object, coverage, mean x, mean y) for objects covering at least ``MIN_VISIBLE`` of the clip's pixels,
    largest first; positions are fractions of the frame. Without an instance video every object counts, with
    unknown place (nan)."""
    if instance is None:
        return [(o, math.nan, math.nan, math.nan) for o in scene.objects]
    ids = instance.astype(np.int64).ravel()
    counts = np.bincount(ids, minlength=65536)
    t, h, w = instance.shape
    ys, xs = np.indices((h, w))
    sum_x = np.bincount(ids, weights=np.tile(xs.ravel(), t), minlength=65536)
    sum_y = np.bincount(ids, weights=np.tile(ys.ravel(), t), minlength=65536)
    out = []
    for obj in scene.objects:
        n = counts[obj.instance_id]
        if n >= MIN_VISIBLE * ids.size:
            out.append((obj, n / ids.size, (sum_x[obj.instance_id] / n + 0.5) / w, (sum_y[obj.instance_id] / n + 0.5) / h))
    return sorted(out, key=lambda v: -v[1] if not math.isnan(v[1]) else 0.0)


def caption(plan: ScenePlan, scene: Scene, camera: CameraPath, instance: np.ndarray | None = None) -> str:
    """A caption that states only what the scene graph, camera path and plan say is in the clip."""
    cam = summarise_camera(camera)
    venue = article(plan.venue_name.lower())
    where = f"the {plan.space} of {venue}" if plan.space else venue
    sentences = [f"{_SHOT.get(cam.zone, cam.zone.title())} {cam.motion} shot of {where} in {plan.city_name}, {plan.country}.",
                 _camera_sentence(cam, plan.indoor)]

    visible = visible_objects(scene, instance)
    labels = Counter(o.label for o, *_ in visible)
    moving = Counter(o.label for o, *_ in visible if any(abs(v) > 1e-6 for v in o.velocity))
    if labels:
        listed = []
        for label, count in labels.most_common(MAX_LISTED):
            text = plural(label, count)
            if moving[label]:
                text += " (moving)" if moving[label] == count else f" ({moving[label]} moving)"
            listed.append(text)
        more = len(labels) - len(listed)
        sentences.append("In view: " + ", ".join(listed) + (f", and {more} other kinds of object." if more > 0 else "."))
    placed = [(o, x, y) for o, cover, x, y in visible if o.salient and not math.isnan(x)][:MAX_PLACED]
    for obj, x, y in placed:
        sentences.append(f"{article(obj.label).capitalize()} is in the {_place(x, y)} of the frame.")
    if plan.landmark:
        sentences.append(f"{article(plan.landmark.replace('_', ' ')).capitalize()} landmark stands out on the skyline.")

    when = _WHEN.get(plan.time_of_day, f"at {plan.time_of_day.replace('_', ' ')}")
    weather = _WEATHER.get(plan.weather, f"in {plan.weather.replace('_', ' ')} weather")
    if plan.indoor:
        sentences.append(f"Indoors {when} on {article(plan.season)} day, {weather} outside.")
    else:
        sun = plan.sun_elevation_deg
        sun_text = f"{abs(sun):.0f}° {'above' if sun >= 0 else 'below'} the horizon"
        sentences.append(f"{when.capitalize()} in {plan.season}, the sun {sun_text}, {weather}.")
    if plan.signage_text:
        sentences.append(f"Signs read \u201c{plan.signage_text}\u201d.")
    sentences.append(f"{plan.architecture_style.replace('_', ' ').capitalize()} architecture; {plan.colour_grade} colour grade.")
    return " ".join(sentences)


def caption_sample_dir(sample_dir: Path) -> str:
    """Caption from a sample directory's ``plan.json``, ``scene.json``, ``camera.json`` and ``instance.mkv``
    (the last optional). Raises ``SceneError``/``VideoError`` naming a missing or unreadable file."""
    texts = {}
    for name in ("plan.json", "scene.json", "camera.json"):
        path = sample_dir / name
        if not path.is_file():
            raise SceneError(f"Caption input {path} is missing.", fix="re-materialize the sample's conditions")
        texts[name] = path.read_text(encoding="utf-8")
    instance_path = sample_dir / "instance.mkv"
    instance = read_gray16(instance_path) if instance_path.is_file() else None
    try:
        plan = ScenePlan.from_json(texts["plan.json"])
    except (ValueError, TypeError, KeyError) as exc:
        raise SceneError(f"{sample_dir / 'plan.json'} is not a ScenePlan: {exc!r}.", fix="write plans with ScenePlan.to_json()") from exc
    return caption(plan, Scene.from_json(texts["scene.json"]), CameraPath.from_json(texts["camera.json"]), instance)


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
