"""bench/bench_gpu.py runs its CPU path: toy sizes with tiny models, full-size parameter counts on meta."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("diffusers")
pytestmark = pytest.mark.slow  # ~1-2 min on 2 cores: meta builds of 15 B parameters and two tiny diffusions

ROOT = Path(__file__).resolve().parents[1]


def test_cpu_path_prints_each_section_and_a_json_summary(tmp_path):
    out = tmp_path / "figures.jsonl"
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_gpu.py"), "--device", "cpu", "--frames", "4", "--out", str(out)],
        capture_output=True, text=True, timeout=900, cwd=tmp_path, check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    sections = [json.loads(line) for line in out.read_text().splitlines()]
    assert [s["section"] for s in sections] == list(summary["sections"]) == [
        "parameters_full_size", "sd_tiny_64x64", "cosmos_tiny_32x32"]

    counts = summary["sections"]["parameters_full_size"]
    sd, cosmos = counts["sd15_multicontrolnet"]["millions"], counts["cosmos_transfer2.5_2b"]["millions"]
    assert 855 < sd["unet"] < 865 and 120 < sd["text_encoder"] < 125 and 80 < sd["vae"] < 85  # SD 1.5
    assert sum(k.startswith("controlnet_") for k in sd) == 4
    assert 2000 < cosmos["transformer"] < 2600 and 8000 < cosmos["text_encoder"] < 8500  # 2B DiT, Qwen2.5-VL-7B

    diffusion = summary["sections"]["sd_tiny_64x64"]
    assert diffusion["sd-multicontrolnet"]["frames_per_s"] > 0 and diffusion["sd-keyframe"]["frames_per_s"] > 0
    assert summary["sections"]["cosmos_tiny_32x32"]["frames_per_s_at_ref_steps"] > 0
