"""A two-node Ray cluster on this machine, for tests and benchmarks: head and worker each on its own loopback
address (Ray swaps 127.0.0.1 for the machine's address), own temp dir and ports, stopped by SIGTERM to the
``--block`` processes this module started (never ``ray stop``, which would stop every Ray on the machine)."""

from __future__ import annotations

import dataclasses
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Self

from worldmill.errors import ConfigError
from worldmill.ports import free_ports


def _ray_executable() -> str:
    candidate = Path(sys.executable).with_name("ray")
    return str(candidate) if candidate.exists() else (shutil.which("ray") or "ray")


@dataclasses.dataclass
class LoopbackNode:
    name: str
    ip: str
    process: subprocess.Popen
    log_path: Path

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout_s: float = 30.0) -> None:
        """Stop the node: ``sig`` to its ``ray start --block`` process (SIGTERM stops its raylet and workers;
        SIGKILL to the whole process group is a crash of the node)."""
        if not self.alive():
            return
        if sig == signal.SIGKILL:
            os.killpg(self.process.pid, signal.SIGKILL)
        else:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)


@dataclasses.dataclass
class LoopbackCluster:
    address: str
    temp_dir: Path
    nodes: list[LoopbackNode]

    @property
    def head(self) -> LoopbackNode:
        return self.nodes[0]

    @property
    def worker(self) -> LoopbackNode:
        return self.nodes[1]

    def stop(self) -> None:
        """Workers first, then the head; then the temp dir (sockets, logs) is removed."""
        for node in reversed(self.nodes):
            node.stop()
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


NODE_PORT_FLAGS = (
    "--node-manager-port", "--object-manager-port", "--dashboard-agent-listen-port", "--dashboard-agent-grpc-port",
    "--metrics-export-port", "--runtime-env-agent-port",
)  # fmt: skip


def _node_ports(ports: list[int], base: int) -> list[str]:
    """A node's flags for its own distinct ``ports`` (one per ``NODE_PORT_FLAGS``) and its worker port range."""
    flags = [str(v) for pair in zip(NODE_PORT_FLAGS, ports, strict=True) for v in pair]
    return [*flags, "--min-worker-port", str(base), "--max-worker-port", str(base + 99)]


def start_loopback_cluster(
    *,
    head_ip: str = "127.0.0.2",
    worker_ip: str = "127.0.0.3",
    head_cpus: int = 1,
    worker_cpus: int = 1,
    worker_gpus: int = 0,
    object_store_mb: int = 200,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 60.0,
) -> LoopbackCluster:
    """Start head then worker (``--block``, each in its own process group) and wait until both are alive.

    ``worker_gpus`` declares GPUs the worker does not have, to test placement (tasks asking for ``num_gpus``
    land there with ``CUDA_VISIBLE_DEVICES`` set). ``env`` is the nodes' environment (credentials, PYTHONPATH).
    """
    temp_dir = Path(tempfile.mkdtemp(prefix="wmray-", dir="/tmp"))  # short: Ray's socket paths must fit 107 bytes
    port, client_port, *head_ports = free_ports(2 + len(NODE_PORT_FLAGS), head_ip)
    worker_ports = free_ports(len(NODE_PORT_FLAGS), worker_ip, avoid={port, client_port, *head_ports})
    common = ["--block", "--disable-usage-stats", "--object-store-memory", str(object_store_mb * 1024 * 1024)]
    node_env = {**os.environ, **(env or {}), "RAY_USAGE_STATS_ENABLED": "0"}
    nodes: list[LoopbackNode] = []

    def launch(name: str, ip: str, args: list[str]) -> LoopbackNode:
        log_path = temp_dir / f"{name}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [_ray_executable(), "start", *args, *common], stdout=log, stderr=subprocess.STDOUT, env=node_env,
                start_new_session=True,
            )
        node = LoopbackNode(name, ip, process, log_path)
        nodes.append(node)
        return node

    cluster = LoopbackCluster(f"{head_ip}:{port}", temp_dir, nodes)
    try:
        launch("head", head_ip, [
            "--head", "--port", str(port), "--node-ip-address", head_ip, "--num-cpus", str(head_cpus), "--num-gpus", "0",
            "--include-dashboard", "false", "--ray-client-server-port", str(client_port),
            "--temp-dir", str(temp_dir), *_node_ports(head_ports, 10000 + 100 * (port % 40)),
        ])
        _wait_for(cluster, 1, timeout_s)
        launch("worker", worker_ip, [
            "--address", cluster.address, "--node-ip-address", worker_ip, "--num-cpus", str(worker_cpus),
            "--num-gpus", str(worker_gpus), *_node_ports(worker_ports, 14000 + 100 * (port % 40)),
        ])
        _wait_for(cluster, 2, timeout_s)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_for(cluster: LoopbackCluster, count: int, timeout_s: float) -> None:
    """Until ``count`` nodes are alive (``ray status`` against the head)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        dead = [n for n in cluster.nodes if not n.alive()]
        if dead:
            raise ConfigError(
                f"Ray node {dead[0].name} exited while starting: {dead[0].log_path.read_text(errors='replace')[-2000:]}",
                fix="read the log above; free the ports or loopback addresses it names",
            )
        probe = subprocess.run(
            [_ray_executable(), "status", "--address", cluster.address], capture_output=True, text=True, timeout=60, check=False
        )
        if probe.returncode == 0 and probe.stdout.count("node_") >= count:
            return
        time.sleep(0.5)
    raise ConfigError(f"The loopback Ray cluster at {cluster.address} did not show {count} nodes in {timeout_s} s.",
                      fix="the machine may be overloaded: raise timeout_s")


def main() -> None:
    """``python -m worldmill.cluster.loopback [--worker-gpus N]``: start a two-node loopback cluster, print the
    variables that point worldmill at it, and stop both nodes on Ctrl-C."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__.splitlines()[0])
    parser.add_argument("--head-cpus", type=int, default=1)
    parser.add_argument("--worker-cpus", type=int, default=1)
    parser.add_argument("--worker-gpus", type=int, default=0, help="GPUs the worker declares (placement tests)")
    args = parser.parse_args()
    cluster = start_loopback_cluster(head_cpus=args.head_cpus, worker_cpus=args.worker_cpus, worker_gpus=args.worker_gpus)
    print(f"export WORLDMILL_RAY_ADDRESS={cluster.address} WORLDMILL_RAY_SAME_HOST=true", flush=True)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)  # stop the nodes on SIGTERM too
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        cluster.stop()


if __name__ == "__main__":
    main()
