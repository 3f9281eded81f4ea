"""Flower's deployment mode on loopback: one SuperLink and one SuperNode per site, as real processes.

The same ServerApp/ClientApp run against remote SuperNodes in production; here every process is started in
its own session (process group) and stopped with its whole process tree, including the SuperExec and
app processes Flower detaches into new sessions, so nothing outlives ``stop()``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, Self

from worldmill.errors import FederationError
from worldmill.federated.sites import check_sites, node_config_for
from worldmill.ports import free_port

log = logging.getLogger(__name__)

CONNECTION_NAME = "worldmill"
SupernodeWrapper = Callable[[Any, list[str]], list[str]]


def flower_env(flwr_home: Path, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for Flower processes: private FLWR_HOME, no telemetry or update checks, this
    interpreter's scripts on PATH and worldmill importable by the app processes."""
    env = dict(os.environ if base is None else base)
    bin_dir = str(Path(sys.executable).parent)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env["PYTHONPATH"] = os.pathsep.join(p for p in [package_root, env.get("PYTHONPATH", "")] if p)
    env["FLWR_HOME"] = str(flwr_home)
    env["FLWR_TELEMETRY_ENABLED"] = "0"
    env["FLWR_DISABLE_UPDATE_CHECK"] = "1"
    env.setdefault("FLWR_SUPEREXEC_TASK_POLL_INTERVAL", "0.2")
    env.setdefault("OMP_NUM_THREADS", "1")
    return env


def write_connection(
    flwr_home: Path, address: str, *, insecure: bool = True, root_certificates: str | None = None
) -> str:
    """The Flower CLI's SuperLink connection (``$FLWR_HOME/config.toml``); returns its name."""
    flwr_home.mkdir(parents=True, exist_ok=True)
    lines = [
        "[superlink]",
        f'default = "{CONNECTION_NAME}"',
        "",
        f"[superlink.{CONNECTION_NAME}]",
        f'address = "{address}"',
    ]
    lines.append(f"insecure = {'true' if insecure else 'false'}")
    if root_certificates:
        lines.append(f'root-certificates = "{root_certificates}"')
    (flwr_home / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return CONNECTION_NAME


def _tree(pid: int) -> list[Any]:
    import psutil

    try:
        parent = psutil.Process(pid)
        return [parent, *parent.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _signal_tree(members: list[Any], groups: set[int], sig: int) -> None:
    import psutil

    for group in groups:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(group, sig)
    for member in members:
        with contextlib.suppress(psutil.NoSuchProcess):
            member.send_signal(sig)


def _groups(members: list[Any], leader: int) -> set[int]:
    groups = {leader}
    for member in members:
        with contextlib.suppress(ProcessLookupError):
            groups.add(os.getpgid(member.pid))
    return groups


def stop_process_tree(process: subprocess.Popen, *, grace_s: float = 5.0) -> None:
    """SIGTERM the process's group and every descendant (also those in other sessions), then SIGKILL."""
    import psutil

    members = _tree(process.pid)
    groups = _groups(members, process.pid)
    for sig, wait_s in ((signal.SIGTERM, grace_s), (signal.SIGKILL, 2.0)):
        _signal_tree(members, groups, sig)
        _, alive = psutil.wait_procs(members, timeout=wait_s)
        if not alive and process.poll() is not None:
            break
    try:
        process.wait(timeout=2.0)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL'd above
        log.warning("process %s did not exit", process.pid)


@dataclasses.dataclass
class _Managed:
    name: str
    process: subprocess.Popen
    log_path: Path
    handle: IO[bytes]


class LoopbackDeployment:
    """A SuperLink on 127.0.0.1 and a SuperNode per site. Use as a context manager, or start()/stop()."""

    def __init__(
        self,
        sites: Sequence[Any],
        work_dir: str | Path,
        *,
        supernode_wrapper: SupernodeWrapper | None = None,
        node_extra: Callable[[Any], Mapping[str, str]] | None = None,
        start_timeout_s: float = 60.0,
    ):
        self.sites = check_sites(sites)
        self.work_dir = Path(work_dir).resolve()
        self.flwr_home = self.work_dir / "flwr_home"
        self.log_dir = self.work_dir / "logs"
        self.supernode_wrapper = supernode_wrapper
        self.node_extra = node_extra
        self.start_timeout_s = start_timeout_s
        self.port = 0
        self._superlink: _Managed | None = None
        self._supernodes: dict[str, _Managed] = {}

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        return flower_env(self.flwr_home)

    def supernode_log(self, site: str) -> Path:
        return self.log_dir / f"supernode-{site}.log"

    def _spawn(self, name: str, argv: list[str]) -> _Managed:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{name}.log"
        handle = open(log_path, "ab")  # noqa: SIM115 - closed in stop()
        try:
            process = subprocess.Popen(
                argv, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env,
                cwd=self.work_dir, start_new_session=True,
            )  # fmt: skip
        except OSError as exc:
            handle.close()
            raise FederationError(
                f"Could not start {argv[0]} for {name}: {exc}.", fix="install flwr in this environment."
            ) from exc
        return _Managed(name, process, log_path, handle)

    def start(self) -> Self:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.port = free_port()
            write_connection(self.flwr_home, self.address)
            self._superlink = self._spawn(
                "superlink",
                ["flower-superlink", "--insecure", "--host", "127.0.0.1", "--port", str(self.port),
                 "--disable-runtime-dependency-installation"],
            )  # fmt: skip
            self._wait_for_port()
            for site in self.sites:
                self.start_site(site.name)
        except BaseException:
            self.stop()
            raise
        return self

    def start_site(self, name: str) -> None:
        """(Re)start the SuperNode of one site."""
        site = next(s for s in self.sites if s.name == name)
        extra = dict(self.node_extra(site)) if self.node_extra else {}
        argv = [
            "flower-supernode", "--insecure", "--superlink", self.address, "--port", str(free_port()),
            "--node-config", node_config_for(site, **extra),
        ]  # fmt: skip
        if self.supernode_wrapper is not None:
            argv = self.supernode_wrapper(site, argv)
        self._supernodes[name] = self._spawn(f"supernode-{name}", argv)

    def kill_site(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal one site's SuperNode and its apps at once: SIGKILL is a crash (the SuperLink lists the node
        until its heartbeat expires), SIGTERM a clean stop (the node unregisters at once)."""
        process = self._supernodes[name].process
        members = _tree(process.pid)
        _signal_tree(members, _groups(members, process.pid), sig)
        process.wait(timeout=15)

    def _wait_for_port(self) -> None:
        superlink = self._superlink
        deadline = time.monotonic() + self.start_timeout_s
        while superlink is not None and time.monotonic() < deadline:
            if superlink.process.poll() is not None:
                raise FederationError(
                    f"flower-superlink exited with code {superlink.process.returncode}: {tail(superlink.log_path)}",
                    fix="check that port and FLWR_HOME are usable; see the log above.",
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise FederationError(
            f"flower-superlink did not listen on {self.address} within {self.start_timeout_s:.0f}s.",
            fix="the machine may be overloaded; retry, or raise start_timeout_s.",
        )

    def stop(self) -> None:
        managed = [*self._supernodes.values(), *([self._superlink] if self._superlink else [])]
        for item in managed:
            stop_process_tree(item.process)
            item.handle.close()
        self._supernodes.clear()
        self._superlink = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return f"(no log at {path})"
