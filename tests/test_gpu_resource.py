"""The GPU resource: settings validation, a per-device concurrency pool, memory figures (CPU here)."""

from __future__ import annotations

import sys
import threading
import time

import pytest

pytest.importorskip("torch")

from worldmill.errors import ConfigError, GenerationError
from worldmill.generation.diffusion.device import DevicePool, DeviceSettings
from worldmill.resources.gpu import GPUResource


def test_settings_resolve_on_cpu():
    import torch

    settings = GPUResource(device="cpu").settings()
    assert settings.torch_device() == torch.device("cpu") and settings.torch_dtype() == torch.float32
    assert GPUResource(device="cpu", dtype="bf16").settings().torch_dtype() == torch.bfloat16
    assert GPUResource(device="cpu", offload="model").generator_options() == {"device": "cpu", "dtype": "auto", "offload": "model"}


def test_invalid_settings_are_rejected():
    with pytest.raises(ConfigError, match="dtype='int8'"):
        DeviceSettings(dtype="int8")
    with pytest.raises(ConfigError, match="offload"):
        DeviceSettings(offload="disk")
    with pytest.raises(ConfigError, match="device='tpu'"):
        DeviceSettings(device="tpu")
    with pytest.raises(ConfigError, match="fp16"):
        DeviceSettings(device="cpu", dtype="fp16").torch_dtype()


def test_cuda_without_a_gpu_names_the_fix():
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(GenerationError, match="sees no CUDA device"):
        DeviceSettings(device="cuda:0").torch_device()


def _overlap(pool_factory, workers: int = 3) -> int:
    """Most holders at once when ``workers`` threads each claim a slot for a moment."""
    inside, most, lock = [0], [0], threading.Lock()

    def work():
        with pool_factory().claim(timeout_s=10):
            with lock:
                inside[0] += 1
                most[0] = max(most[0], inside[0])
            time.sleep(0.15)
            with lock:
                inside[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return most[0]


def test_one_generation_per_device_at_a_time(tmp_path):
    assert _overlap(lambda: DevicePool(tmp_path, "cuda:0", slots=1)) == 1
    assert _overlap(lambda: DevicePool(tmp_path, "cuda:1", slots=2)) == 2


def test_a_busy_device_times_out_with_a_fix(tmp_path):
    with (
        DevicePool(tmp_path, "cuda:0").claim(),
        pytest.raises(GenerationError, match="stayed busy"),
        DevicePool(tmp_path, "cuda:0").claim(timeout_s=0.2),
    ):
        pass
    with DevicePool(tmp_path, "cuda:0").claim(timeout_s=0.2) as slot:  # released again
        assert slot == 0


def test_resource_claims_and_reports_memory(tmp_path):
    gpu = GPUResource(device="cpu", lock_dir=str(tmp_path))
    with gpu.claim() as slot:
        assert slot == 0
        report = gpu.memory_metadata()
    assert report["device"] == "cpu" and report["peak_gib"] >= report["allocated_gib"] > 0


# -- cluster configuration (deploy/) ------------------------------------------------------------------------
def _cluster_module():
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "deploy" / "cluster.py"
    spec = importlib.util.spec_from_file_location("worldmill_deploy_cluster", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_rendered_cluster_config_is_current_and_valid(tmp_path):
    from pathlib import Path

    import yaml

    cluster = _cluster_module()
    written = cluster.render(tmp_path)
    committed = Path(__file__).resolve().parents[1] / "deploy" / "rendered"
    for name, path in written.items():
        assert (committed / name).read_text() == path.read_text(), f"deploy/rendered/{name} is stale: run python deploy/cluster.py"
        assert cluster.validate(name, yaml.safe_load(path.read_text())) == []
    tags = yaml.safe_load((tmp_path / "k8s/gpu-step-tags.yaml").read_text())["dagster-k8s/config"]
    assert tags["container_config"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    pod = yaml.safe_load((tmp_path / "k8s/transfer1-pipes-pod.yaml").read_text())
    assert pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "8"


def test_instance_file_passes_dagsters_own_schema(tmp_path):
    from dagster._core.instance.config import dagster_instance_config

    _cluster_module().render(tmp_path)
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "dagster.yaml").write_text((tmp_path / "k8s/dagster-instance.yaml").read_text())
    config, _ = dagster_instance_config(str(tmp_path / "home"))
    assert config["concurrency"]["pools"]["default_limit"] == 8
    assert config["run_launcher"]["class"] == "K8sRunLauncher"


def test_cluster_checks_catch_bad_gpu_requests():
    cluster = _cluster_module()
    bad = cluster.k8s_gpu_step_tags(cluster.ClusterSettings())
    bad["dagster-k8s/config"]["container_config"]["resources"]["requests"]["nvidia.com/gpu"] = "2"
    bad["dagster-k8s/config"]["node_selectr"] = {}
    problems = cluster.validate("k8s/gpu-step-tags.yaml", bad)
    assert any("requests must equal limits" in p for p in problems)
    assert any("node_selectr" in p for p in problems)
    pod = cluster.transfer1_pipes_pod(cluster.ClusterSettings())
    pod["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] = "0.5"
    assert any("whole number" in p for p in cluster.validate("k8s/transfer1-pipes-pod.yaml", pod))


def test_gpu_tags_attach_to_a_dagster_asset():
    from dagster import Definitions, asset

    tags = _cluster_module().k8s_gpu_step_tags(_cluster_module().ClusterSettings())

    @asset(op_tags=tags, pool="gpu")
    def gpu_step() -> None: ...

    defs = Definitions(assets=[gpu_step])
    node = defs.resolve_implicit_global_asset_job_def().graph.node_named("gpu_step")
    import json

    tag = node.definition.tags["dagster-k8s/config"]  # Dagster stores structured tags as JSON text
    assert json.loads(tag)["container_config"]["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert node.definition.pool == "gpu"


def test_loading_the_gpu_resource_and_diffusion_assets_does_not_import_torch():
    """The code location imports these; torch (~2 s) loads only when a backend or a memory figure needs it."""
    import subprocess

    modules = "worldmill.resources.gpu, worldmill.generation.diffusion, worldmill.export, worldmill.assets.diffusion"
    probe = f"import sys, {modules}; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "False"
