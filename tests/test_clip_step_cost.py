"""The clips step's cheaper ways to the same bytes: decoding with one conversion context, the guardrail's person
windows found in the region's box only and on the analysed frames only, and the preview taking the contact
sheet this process just wrote instead of decoding its PNG. Each gives exactly what the plain way gives."""

from __future__ import annotations

import av
import cv2
import numpy as np
import pytest
from conftest_curation import panning_clip
from conftest_lake import clip_row
from test_guardrail import clip_with_face

from worldmill import stages
from worldmill.curation import guardrail
from worldmill.lake import LocalBlobStore
from worldmill.taxonomy.classes import default_classes
from worldmill.video import read_frames, write_rgb


def test_decoding_with_one_conversion_context_gives_each_frames_own_conversion(tmp_path):
    path = write_rgb(tmp_path / "clip.mp4", panning_clip(3, frames=12, size=64), fps=24)
    with av.open(str(path)) as container:
        reference = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    assert np.array_equal(read_frames(path), reference)
    assert np.array_equal(read_frames(path, only=[11, 0, 5]), reference[[11, 0, 5]])


def test_person_windows_from_the_regions_box_are_the_whole_frame_ones():
    """Parts at the frame's edges, parts that the closing joins (4 px apart) and parts too small to hold a face."""
    rng = np.random.default_rng(7)
    regions = []
    for _ in range(200):
        region = np.zeros((96, 128), bool)
        for _ in range(rng.integers(1, 5)):
            y, x = rng.integers(-10, 96), rng.integers(-10, 128)
            region[max(0, y) : y + rng.integers(3, 40), max(0, x) : x + rng.integers(3, 40)] = True
        regions.append(region)
    joined = np.zeros((96, 128), bool)
    joined[10:30, 0:12], joined[10:30, 16:30] = True, True  # one part once closed, 30 px wide
    regions.append(joined)
    found = 0
    for region in regions:
        assert guardrail.search_windows(region) == guardrail._part_windows(region, (0, 0), region.shape)  # whole frame
        found += len(guardrail.search_windows(region))
    assert found > 100  # the masks did hold face-sized parts


def _person_seg(frames: int, size: int = 256) -> np.ndarray:
    """A segmentation video's frames: person colour under the drawn face of ``clip_with_face``, sky elsewhere."""
    classes = default_classes()
    seg = np.zeros((frames, size, size, 3), np.uint8)
    seg[:] = classes.palette()[classes.id("sky")]
    for t in range(frames):
        seg[t, 50:180, 30 + 3 * t : 130 + 3 * t] = classes.palette()[classes.id("person")]
    return seg


def test_face_regions_are_the_person_pixels_of_the_analysed_frames_only():
    seg = _person_seg(10)
    regions = guardrail.face_regions(seg)
    people = default_classes().near(seg, guardrail.FACE_CLASSES)
    analysed = guardrail._analysed(len(seg))
    assert analysed == [0, 3, 6, 9] and regions.shape == people.shape
    assert np.array_equal(regions[analysed], people[analysed]) and people[analysed].any()
    assert not regions[[t for t in range(len(seg)) if t not in analysed]].any()

    clip = clip_with_face(10)
    by_regions, result = guardrail.guard_frames(clip, regions)
    by_people, reference = guardrail.guard_frames(clip, people)
    assert result == reference and result.faces >= 1 and np.array_equal(by_regions, by_people)


def test_a_faceless_clip_comes_back_uncopied_and_a_guarded_one_as_a_copy():
    faceless = panning_clip(0, frames=6, size=128)
    out, result = guardrail.guard_frames(faceless)
    assert out is faceless and not result.blurred
    with_face = clip_with_face(4)
    before = with_face.copy()
    out, result = guardrail.guard_frames(with_face)
    assert result.blurred and out is not with_face and np.array_equal(with_face, before)


@pytest.fixture
def conditions_dir(tmp_path):
    folder = tmp_path / "sample"
    frames = panning_clip(1, frames=12, size=64)
    for name in ("input.mp4", "depth.mp4", "seg.mp4", "edge.mp4", "vis.mp4"):
        write_rgb(folder / name, frames[:, :, ::-1] if name == "vis.mp4" else frames, fps=24)
    return folder


def test_the_preview_takes_the_sheet_this_process_wrote_and_it_is_the_files_image(conditions_dir, tmp_path, monkeypatch):
    clip = clip_row(0)
    blobs = LocalBlobStore(tmp_path / "lake")
    folder = tmp_path / "procedural"
    folder.mkdir()
    stages._KEPT_SHEETS.clear()
    sheet = stages.write_contact_sheet(conditions_dir, conditions_dir / "input.mp4", folder / stages.CONTACT_SHEET)
    cv2.imwrite(str(tmp_path / "imwrite.png"), sheet)
    assert (folder / stages.CONTACT_SHEET).read_bytes() == (tmp_path / "imwrite.png").read_bytes()  # same bytes
    assert np.array_equal(cv2.imread(str(folder / stages.CONTACT_SHEET)), sheet)  # what decoding it gives
    blobs.publish_dir(folder, stages.contact_sheet_key(clip).rsplit("/", 1)[0], move=True)

    decoded = []
    real = cv2.imdecode
    monkeypatch.setattr(stages.cv2, "imdecode", lambda *a: decoded.append(1) or real(*a))
    kept = stages.previews_markdown([clip], blobs)
    assert decoded == [] and not stages._KEPT_SHEETS  # taken over, not decoded
    assert stages.previews_markdown([clip], blobs) == kept and decoded == [1]  # the file decoded: the same preview
