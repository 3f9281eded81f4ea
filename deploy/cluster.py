"""Cluster configuration for GPU generation, rendered from one set of settings and checked against the
shapes dagster-k8s, Kubernetes and dagster-ray document (those packages are not installed here: their pins
conflict with this environment, so the YAML is validated structurally instead).

    python deploy/cluster.py --out deploy/rendered [--gpus-per-step 1] [--image IMAGE]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

GPU = "nvidia.com/gpu"
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$")


@dataclasses.dataclass(frozen=True)
class ClusterSettings:
    namespace: str = "worldmill"
    image: str = "worldmill:latest"
    service_account: str = "dagster"
    gpus_per_step: int = 1  # one generation per GPU (the GPUResource pool enforces it inside a pod too)
    gpu_steps_at_once: int = 8  # cluster GPUs for worldmill: the limit of Dagster's "gpu" pool
    cpu: str = "8"
    memory: str = "64Gi"
    gpu_node_selector: tuple[tuple[str, str], ...] = (("nvidia.com/gpu.present", "true"),)
    lake_uri_secret: str = "worldmill-lake"
    weights_pvc: str = "worldmill-weights"
    export_pvc: str = "worldmill-exports"
    transfer1_image: str = "cosmos-transfer1:latest"
    transfer1_gpus: int = 8


def _gpu_resources(s: ClusterSettings, gpus: int) -> dict[str, Any]:
    return {"limits": {GPU: str(gpus), "cpu": s.cpu, "memory": s.memory}, "requests": {GPU: str(gpus), "cpu": s.cpu, "memory": s.memory}}


def _tolerations() -> list[dict[str, str]]:
    return [{"key": GPU, "operator": "Exists", "effect": "NoSchedule"}]


def dagster_instance(s: ClusterSettings) -> dict[str, Any]:
    """dagster.yaml: runs as Kubernetes Jobs, queued; the "gpu" pool bounds GPU steps across all runs."""
    return {
        "run_launcher": {
            "module": "dagster_k8s.launcher",
            "class": "K8sRunLauncher",
            "config": {
                "job_namespace": s.namespace,
                "service_account_name": s.service_account,
                "job_image": s.image,
                "instance_config_map": "dagster-instance",
                "env_secrets": [s.lake_uri_secret],
            },
        },
        "run_coordinator": {"module": "dagster.core.run_coordinator", "class": "QueuedRunCoordinator"},
        "concurrency": {
            "runs": {"max_concurrent_runs": 4 * s.gpu_steps_at_once},
            "pools": {"default_limit": s.gpu_steps_at_once, "granularity": "op"},
        },
        "telemetry": {"enabled": False},
    }


def k8s_gpu_step_tags(s: ClusterSettings) -> dict[str, Any]:
    """Tags for GPU assets (``op_tags=``): the step's pod asks for GPUs and lands on GPU nodes."""
    return {
        "dagster-k8s/config": {
            "container_config": {"resources": _gpu_resources(s, s.gpus_per_step)},
            "pod_spec_config": {"node_selector": dict(s.gpu_node_selector), "tolerations": _tolerations()},
        }
    }


def k8s_executor_run_config(s: ClusterSettings) -> dict[str, Any]:
    """Run config of ``k8s_job_executor``: one pod per step, GPU steps from the tags above."""
    return {
        "execution": {
            "config": {
                "job_namespace": s.namespace,
                "job_image": s.image,
                "service_account_name": s.service_account,
                "max_concurrent": s.gpu_steps_at_once,
                "env_secrets": [s.lake_uri_secret],
                "volumes": [{"name": "weights", "persistent_volume_claim": {"claim_name": s.weights_pvc, "read_only": True}}],
                "volume_mounts": [{"name": "weights", "mount_path": "/weights", "read_only": True}],
            }
        }
    }


def transfer1_pipes_pod(s: ClusterSettings) -> dict[str, Any]:
    """``base_pod_spec`` for ``PipesK8sClient.run`` (Kubernetes PodSpec, camelCase): Transfer1 on 8 GPUs with
    the export mounted at /data/export (export with ``path_prefix="/data/export"``)."""
    return {
        "restartPolicy": "Never",
        "nodeSelector": dict(s.gpu_node_selector),
        "tolerations": _tolerations(),
        "containers": [
            {
                "name": "transfer1",
                "image": s.transfer1_image,
                "command": ["python", "-m", "worldmill.export.pipes_entry"],
                "resources": _gpu_resources(s, s.transfer1_gpus),
                "volumeMounts": [
                    {"name": "exports", "mountPath": "/data"},
                    {"name": "weights", "mountPath": "/checkpoints", "readOnly": True},
                    {"name": "dshm", "mountPath": "/dev/shm"},
                ],
            }
        ],
        "volumes": [
            {"name": "exports", "persistentVolumeClaim": {"claimName": s.export_pvc}},
            {"name": "weights", "persistentVolumeClaim": {"claimName": s.weights_pvc, "readOnly": True}},
            {"name": "dshm", "emptyDir": {"medium": "Memory"}},
        ],
    }


def ray_gpu_step_tags(s: ClusterSettings) -> dict[str, Any]:
    """Tags for GPU assets under ``dagster_ray.ray_executor``: the Ray job reserves the step's GPUs."""
    return {"dagster-ray/config": {"num_cpus": int(s.cpu), "num_gpus": s.gpus_per_step}}


def ray_executor_config(s: ClusterSettings) -> dict[str, Any]:
    """Config of ``ray_executor.configured(...)``: default (non-GPU) steps take one CPU and no GPU."""
    return {"ray": {"num_cpus": 1, "num_gpus": 0}}


RENDERERS = {
    "k8s/dagster-instance.yaml": dagster_instance,
    "k8s/gpu-step-tags.yaml": k8s_gpu_step_tags,
    "k8s/executor-run-config.yaml": k8s_executor_run_config,
    "k8s/transfer1-pipes-pod.yaml": transfer1_pipes_pod,
    "ray/gpu-step-tags.yaml": ray_gpu_step_tags,
    "ray/executor-config.yaml": ray_executor_config,
}


# ---------------------------------------------------------------------------------------------------------
# structural checks (documented shapes)
# ---------------------------------------------------------------------------------------------------------
K8S_EXECUTOR_KEYS = {
    "job_namespace", "image_pull_policy", "image_pull_secrets", "service_account_name", "env_config_maps",
    "env_secrets", "env_vars", "job_image", "max_concurrent", "step_k8s_config", "per_step_k8s_config",
    "load_incluster_config", "kubeconfig_file", "labels", "resources", "scheduler_name", "security_context",
    "tag_concurrency_limits", "volume_mounts", "volumes",
}
K8S_TAG_KEYS = {"container_config", "pod_spec_config", "pod_template_spec_metadata", "job_spec_config", "job_metadata", "merge_behavior"}
POD_SPEC_KEYS = {"containers", "initContainers", "volumes", "nodeSelector", "tolerations", "restartPolicy", "affinity", "serviceAccountName", "imagePullSecrets", "securityContext"}
CONTAINER_KEYS = {"name", "image", "command", "args", "env", "envFrom", "resources", "volumeMounts", "workingDir", "imagePullPolicy"}
RAY_TAG_KEYS = {"num_cpus", "num_gpus", "memory", "resources", "runtime_env"}


def _check_resources(resources: dict[str, Any], where: str) -> list[str]:
    problems = []
    for section in resources:
        if section not in ("limits", "requests"):
            problems.append(f"{where}: unknown resources section {section!r}")
    limits, requests = resources.get("limits", {}), resources.get("requests", {})
    for section, values in (("limits", limits), ("requests", requests)):
        for name, value in values.items():
            if not QUANTITY.match(str(value)):
                problems.append(f"{where}.{section}.{name}={value!r} is not a Kubernetes quantity")
    if GPU in limits and not str(limits[GPU]).isdigit():
        problems.append(f"{where}: {GPU} must be a whole number")
    if GPU in requests and requests[GPU] != limits.get(GPU):
        problems.append(f"{where}: {GPU} requests must equal limits (extended resources cannot overcommit)")
    if GPU not in limits:
        problems.append(f"{where}: no {GPU} limit")
    return problems


def validate(name: str, document: dict[str, Any]) -> list[str]:
    """Problems with one rendered document (empty when it matches the documented shape)."""
    problems: list[str] = []
    if name == "k8s/dagster-instance.yaml":
        launcher = document.get("run_launcher", {})
        if (launcher.get("module"), launcher.get("class")) != ("dagster_k8s.launcher", "K8sRunLauncher"):
            problems.append("run_launcher is not dagster_k8s.launcher.K8sRunLauncher")
        if not isinstance(document.get("concurrency", {}).get("pools", {}).get("default_limit"), int):
            problems.append("concurrency.pools.default_limit must be an integer")
    elif name == "k8s/gpu-step-tags.yaml":
        tag = document.get("dagster-k8s/config", {})
        problems += [f"unknown dagster-k8s/config key {k!r}" for k in set(tag) - K8S_TAG_KEYS]
        problems += _check_resources(tag.get("container_config", {}).get("resources", {}), "container_config.resources")
    elif name == "k8s/executor-run-config.yaml":
        config = document.get("execution", {}).get("config", {})
        problems += [f"unknown k8s_job_executor key {k!r}" for k in set(config) - K8S_EXECUTOR_KEYS]
        mounts = {m["name"] for m in config.get("volume_mounts", [])}
        problems += [f"volume_mount {m!r} has no volume" for m in mounts - {v["name"] for v in config.get("volumes", [])}]
    elif name == "k8s/transfer1-pipes-pod.yaml":
        problems += [f"unknown PodSpec key {k!r}" for k in set(document) - POD_SPEC_KEYS]
        volumes = {v["name"] for v in document.get("volumes", [])}
        for container in document.get("containers", []):
            problems += [f"unknown container key {k!r}" for k in set(container) - CONTAINER_KEYS]
            problems += _check_resources(container.get("resources", {}), f"containers[{container.get('name')}].resources")
            problems += [f"volumeMount {m['name']!r} has no volume" for m in container.get("volumeMounts", []) if m["name"] not in volumes]
        if document.get("restartPolicy") not in ("Never", "OnFailure"):
            problems.append("restartPolicy must be Never or OnFailure for a run-to-completion pod")
    elif name == "ray/gpu-step-tags.yaml":
        tag = document.get("dagster-ray/config", {})
        problems += [f"unknown dagster-ray/config key {k!r}" for k in set(tag) - RAY_TAG_KEYS]
        if not isinstance(tag.get("num_gpus"), int) or tag["num_gpus"] < 1:
            problems.append("dagster-ray/config.num_gpus must be a positive integer for GPU steps")
    elif name == "ray/executor-config.yaml":
        problems += [f"unknown ray_executor key {k!r}" for k in set(document.get("ray", {})) - RAY_TAG_KEYS]
    else:
        problems.append(f"no check for {name}")
    return problems


def render(out_dir: Path, settings: ClusterSettings = ClusterSettings()) -> dict[str, Path]:
    """Write every document, refusing any that fails its check."""
    written = {}
    for name, renderer in RENDERERS.items():
        document = renderer(settings)
        problems = validate(name, document)
        if problems:
            raise ValueError(f"{name}: {problems}")
        path = Path(out_dir) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"# rendered by deploy/cluster.py ({name}); edit ClusterSettings, not this file\n" + yaml.safe_dump(document, sort_keys=False))
        written[name] = path
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "rendered")
    parser.add_argument("--image", default=ClusterSettings.image)
    parser.add_argument("--gpus-per-step", type=int, default=ClusterSettings.gpus_per_step)
    parser.add_argument("--gpu-steps-at-once", type=int, default=ClusterSettings.gpu_steps_at_once)
    args = parser.parse_args()
    settings = ClusterSettings(image=args.image, gpus_per_step=args.gpus_per_step, gpu_steps_at_once=args.gpu_steps_at_once)
    for path in render(args.out, settings).values():
        print(path)


if __name__ == "__main__":
    main()
