"""Synthetic samples for the curation tests: condition files and clips in a lake, without rendering.

Imported explicitly by tests/test_curation*.py, tests/test_dedup*.py and tests/test_metrics*.py.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import cv2
import numpy as np
from conftest_lake import clip_row, prompt_row

from worldmill.curation.guardrail import DETECTOR
from worldmill.lake import Catalogue, LocalBlobStore
from worldmill.render.conditions import depth_camera_fields
from worldmill.schemas.records import ClipRow, PromptRow
from worldmill.taxonomy.classes import SemanticClasses
from worldmill.video import write_gray16, write_rgb

SIZE = 64


def textured(seed: int, size: tuple[int, int] = (SIZE + 32, SIZE + 64)) -> np.ndarray:
    """A smooth random colour texture (survives H.264, has edges and detail)."""
    rng = np.random.default_rng(seed)
    small = (rng.random((size[0] // 8, size[1] // 8, 3)) * 255).astype(np.uint8)
    return cv2.resize(small, (size[1], size[0]), interpolation=cv2.INTER_CUBIC)


def panning_clip(seed: int = 0, frames: int = 16, step: int = 2, size: int = SIZE) -> np.ndarray:
    base = textured(seed, (size + 32, size + step * frames + 8))
    return np.stack([base[8 : 8 + size, step * t : step * t + size] for t in range(frames)])


def write_conditions(folder: Path, frames: np.ndarray) -> None:
    """The condition files score_clip reads: input.mp4, depth.mkv (mm) + camera.json, seg.mp4 (class colours)."""
    t, h, w = frames.shape[:3]
    write_rgb(folder / "input.mp4", frames, fps=24)
    write_gray16(folder / "depth.mkv", np.tile(np.linspace(1000, 40000, w, dtype=np.uint16)[None, None], (t, h, 1)))
    (folder / "camera.json").write_text(json.dumps(depth_camera_fields(0.001)))
    classes = SemanticClasses.load()
    seg = np.zeros((t, h, w), np.uint8)
    seg[:, h // 2 :] = classes.id("building")
    write_rgb(folder / "seg.mp4", classes.colorize(seg), fps=24)


def add_sample(catalogue: Catalogue, blobs: LocalBlobStore, i: int, *, seed: int | None = None,
               city_key: str = "tokyo-1850147", venue: str = "zoo", frames: np.ndarray | None = None,
               **clip_fields) -> tuple[PromptRow, ClipRow]:
    """Write sample ``i`` (conditions + procedural clip) into the lake and return its prompt and clip rows."""
    clip = clip_row(i, city_key=city_key, venue=venue)
    prompt = prompt_row(i, city_key=city_key, venue=venue)
    key = f"{clip.venue}/{clip.city_key}/{clip.sample_id}"
    frames = panning_clip(seed if seed is not None else i) if frames is None else frames
    folder = blobs.path(key)
    write_conditions(folder, frames)
    write_rgb(folder / clip.generator / "rgb.mp4", frames, fps=24)
    clip_fields.setdefault("guardrail", DETECTOR)
    clip = dataclasses.replace(
        clip, rgb_path=f"{key}/{clip.generator}/rgb.mp4", uri=folder.as_uri(), width=frames.shape[2],
        height=frames.shape[1], frames=len(frames), **clip_fields,
    )
    return prompt, clip
