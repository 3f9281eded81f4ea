"""Cosmos-Transfer1 export: specs, batch JSONL and .pt maps checked against Transfer1's documented schema,
and a Pipes run of a stand-in Transfer1 command whose results come back as catalogue clips."""

from __future__ import annotations

import json
import sys
import textwrap

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from worldmill import video
from worldmill.errors import GenerationError
from worldmill.export import (
    build_transfer1_command,
    export_cosmos_transfer1,
    read_transfer1_results,
    validate_transfer1_batch,
    validate_transfer1_spec,
)
from worldmill.generation.diffusion.synthetic import write_synthetic_conditions
from worldmill.lake import Catalogue, LocalBlobStore
from worldmill.schemas.plan import RenderSettings
from worldmill.schemas.records import CatalogueRow, utcnow

SETTINGS = RenderSettings(width=32, height=32, frames=4, fps=24)
SAMPLES = [("tokyo-1850147", "zoo"), ("lima-3936456", "museum")]

FAKE_TRANSFER1 = textwrap.dedent(
    """
    import argparse, json, os, shutil
    p = argparse.ArgumentParser()
    p.add_argument("--controlnet_specs"); p.add_argument("--batch_input_path"); p.add_argument("--video_save_folder")
    p.add_argument("--output_video")  # copy this file as every output instead of the input
    a, _ = p.parse_known_args()
    json.load(open(a.controlnet_specs))
    for i, line in enumerate(open(a.batch_input_path)):
        entry = json.loads(line)
        os.makedirs(f"{a.video_save_folder}/video_{i}", exist_ok=True)
        shutil.copyfile(a.output_video or entry["visual_input"], f"{a.video_save_folder}/video_{i}/output.mp4")
    print("made", i + 1)
    """
)


def catalogue_row(sample_id: str, cell_key: str, venue: str, generator: str, lake: str) -> CatalogueRow:
    key = f"{venue}/{cell_key.split('__')[0]}/{sample_id}"
    return CatalogueRow(
        clip_id=f"{sample_id}__{generator}", sample_id=sample_id, cell_key=cell_key, city="X", country_code="XX",
        continent="AS", venue=venue, round=0, seed=1, generator=generator, prompt=f"a {venue} at noon, {sample_id[:5]}",
        time_of_day="noon", weather="clear", season="summer", camera_motion="truck", width=32, height=32, frames=4,
        fps=24, duration_s=4 / 24, uri=f"file://{lake}/footage/{key}", rgb_path=f"{key}/{generator}/rgb.mp4",
        status="pass", reason=None, accepted=True, published_at=utcnow(),
    )


@pytest.fixture
def lake(tmp_path):
    root = tmp_path / "lake"
    catalogue = Catalogue(str(root))
    blobs = LocalBlobStore(str(root / "footage"))
    rows = []
    for city_key, venue in SAMPLES:
        cell = f"{city_key}__{venue}"
        sample = f"{cell}__r00000-000"
        write_synthetic_conditions(root / "footage" / venue / city_key / sample, SETTINGS, motion="truck")
        rows.append(catalogue_row(sample, cell, venue, "procedural", str(root)))
    rows.append(catalogue_row(rows[0].sample_id, rows[0].cell_key, "zoo", "sd-keyframe", str(root)))  # same sample
    catalogue.upsert(rows)
    return catalogue, blobs


def test_export_writes_one_valid_spec_per_sample(lake, tmp_path):
    catalogue, blobs = lake
    export = export_cosmos_transfer1(catalogue, tmp_path / "out", blobs=blobs)
    assert [c.sample_id for c in export.clips] == sorted(f"{c}__{v}__r00000-000" for c, v in SAMPLES)
    assert all(c.clip_id.endswith("__cosmos-transfer1") for c in export.clips)
    assert validate_transfer1_batch(export.batch_path, export.specs_path) == 2
    for clip in export.clips:
        spec = json.loads((export.out_dir / clip.spec_path).read_text())
        validate_transfer1_spec(spec)
        assert set(spec) >= {"prompt", "input_video_path", "vis", "edge", "depth", "seg"}
        maps = torch.stack([torch.load(spec[m]["control_weight"]) for m in ("vis", "edge", "depth", "seg")])
        assert maps.shape == (4, 4, 32, 32)  # modalities x [T, H, W]
        assert float(maps.sum(0).max()) <= 1.0 + 1e-6 and float(maps.min()) >= 0
        assert video.probe(spec["depth"]["input_control"]).frames == 4
    lines = export.batch_path.read_text().splitlines()
    assert json.loads(lines[0])["control_overrides"]["edge"]["control_weight"].endswith("edge_weight.pt")


def test_where_selects_rows_and_an_empty_selection_is_an_error(lake, tmp_path):
    catalogue, blobs = lake
    export = export_cosmos_transfer1(catalogue, tmp_path / "out", "venue = 'museum'", blobs=blobs)
    assert [c.row["venue"] for c in export.clips] == ["museum"]
    with pytest.raises(GenerationError, match="No catalogue rows match"):
        export_cosmos_transfer1(catalogue, tmp_path / "none", "venue = 'stadium'", blobs=blobs)
    assert not (tmp_path / "none").exists()


def test_path_prefix_rewrites_paths_for_a_mounted_export(lake, tmp_path):
    catalogue, blobs = lake
    export = export_cosmos_transfer1(catalogue, tmp_path / "out", blobs=blobs, path_prefix="/data/export")
    spec = json.loads((export.out_dir / export.clips[0].spec_path).read_text())
    assert spec["input_video_path"] == f"/data/export/clips/{export.clips[0].sample_id}/input.mp4"
    validate_transfer1_spec(spec, check_files=False)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"input_video_path": "", "sigma_max": 80, "lidarr": {"input_control": "x.mp4"}}, "unknown control key 'lidarr'"),
        ({"input_video_path": "v.mp4", "edge": {"control_weight": 0.5, "strength": 1}}, "unknown keys"),
        ({"input_video_path": "v.mp4", "edge": {"control_weight": -0.1}}, "negative"),
        ({"input_video_path": "v.mp4", "edge": {"control_weight": "heavy"}}, "neither a number nor a .pt"),
        ({"sigma_max": 80, "edge": {"control_weight": 0.5}}, "no input_control"),
        ({"edge": {"input_control": "e.mp4"}}, "sigma_max < 80"),
        ({"input_video_path": "v.mp4", "prompt": 3, "edge": {}}, "prompt=3"),
        ({"input_video_path": "v.mp4"}, "names no control"),
    ],
)
def test_schema_check_rejects_what_transfer1_rejects(spec, message):
    with pytest.raises(GenerationError, match=message):
        validate_transfer1_spec(spec, check_files=False)


def test_schema_check_reads_weight_maps(tmp_path):
    frames = np.zeros((3, 16, 16, 3), np.uint8)
    clip = video.write_rgb(tmp_path / "v.mp4", frames, 24)
    good, bad = tmp_path / "good.pt", tmp_path / "bad.pt"
    torch.save(torch.full((3, 16, 16), 0.5), good)
    torch.save(torch.full((5, 16, 16), 0.5), bad)
    validate_transfer1_spec({"input_video_path": str(clip), "edge": {"control_weight": str(good)}})
    with pytest.raises(GenerationError, match="has 5 frames, the video 3"):
        validate_transfer1_spec({"input_video_path": str(clip), "edge": {"control_weight": str(bad)}})


def test_results_map_back_by_batch_line(lake, tmp_path):
    catalogue, blobs = lake
    export = export_cosmos_transfer1(catalogue, tmp_path / "out", blobs=blobs)
    outputs = tmp_path / "outputs"
    (outputs / "video_1").mkdir(parents=True)
    (outputs / "video_1" / "output.mp4").write_bytes((export.out_dir / "clips" / export.clips[1].sample_id / "input.mp4").read_bytes())
    results = read_transfer1_results(export.out_dir, outputs)
    assert [r.video_path is not None for r in results] == [False, True]
    command = build_transfer1_command(export.out_dir, outputs, checkpoint_dir="/ckpt", num_gpus=8)
    assert command[command.index("--batch_input_path") + 1] == str(export.batch_path)
    assert command[command.index("--num_gpus") + 1] == "8"


def run_fake_transfer1(catalogue, tmp_path, *extra_args: str, where: str | None = None):
    from dagster import PipesSubprocessClient, materialize

    from worldmill.assets.diffusion import cosmos_transfer1_clips
    from worldmill.resources import LakeResource

    script = tmp_path / "fake_transfer1.py"
    script.write_text(FAKE_TRANSFER1)
    command = [sys.executable, str(script), "--controlnet_specs", "{specs}", "--batch_input_path", "{batch}",
               "--video_save_folder", "{outputs}", *extra_args]
    return materialize(
        [cosmos_transfer1_clips],
        resources={"lake": LakeResource(uri=catalogue.root_uri), "pipes_subprocess_client": PipesSubprocessClient()},
        run_config={"ops": {"cosmos_transfer1_clips": {"config": {
            "export_dir": str(tmp_path / "export"), "outputs_dir": str(tmp_path / "outputs"), "command": command,
            "where": where,
        }}}},
    )


def test_pipes_run_registers_transfer1_clips(lake, tmp_path):
    from worldmill.curation.guardrail import DETECTOR

    catalogue, _ = lake
    result = run_fake_transfer1(catalogue, tmp_path)
    assert result.success
    clips = catalogue.sql(
        "SELECT clip_id, generator, frames, rgb_path, guardrail, faces_blurred FROM clips WHERE generator = 'cosmos-transfer1' ORDER BY clip_id"
    ).to_dicts()
    assert len(clips) == 2 and all(c["frames"] == 4 for c in clips)
    assert all(c["guardrail"] == DETECTOR and c["faces_blurred"] == 0 for c in clips)
    assert all((tmp_path / "lake" / "footage" / c["rgb_path"]).is_file() for c in clips)
    metadata = result.asset_materializations_for_node("cosmos_transfer1_clips")[0].metadata
    assert metadata["clips_made"].value == 2 and metadata["clips_registered"].value == 2
    assert metadata["table_version"].value == catalogue.version("clips")


def test_pipes_run_blurs_faces_before_hashing_and_publishing(lake, tmp_path):
    from test_guardrail import clip_with_face

    from worldmill.curation.guardrail import detect_faces
    from worldmill.lake.blobs import sha256_file

    catalogue, _ = lake
    face_video = video.write_rgb(tmp_path / "face.mp4", clip_with_face(frames=6), fps=24)
    assert detect_faces(video.read_frames(face_video)[0])
    result = run_fake_transfer1(catalogue, tmp_path, "--output_video", str(face_video), where="venue = 'museum'")
    assert result.success
    clips = catalogue.sql("SELECT rgb_path, rgb_sha256, faces_blurred FROM clips WHERE generator = 'cosmos-transfer1'").to_dicts()
    assert len(clips) == 1
    for clip in clips:
        published = tmp_path / "lake" / "footage" / clip["rgb_path"]
        assert clip["faces_blurred"] > 0 and clip["rgb_sha256"] == sha256_file(published)
        assert not any(detect_faces(frame) for frame in video.read_frames(published))
    metadata = result.asset_materializations_for_node("cosmos_transfer1_clips")[0].metadata
    assert metadata["faces_blurred"].value == sum(c["faces_blurred"] for c in clips)
