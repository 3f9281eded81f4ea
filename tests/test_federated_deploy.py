"""Flower deployment mode on loopback: a real SuperLink, one real SuperNode per site, ``flwr run``.

Every ClientApp message starts a process (~10 s each on 2 busy cores), so these tests are slow; they
share one three-site federation where they can. Fixtures stop every Flower process they started (the
whole process tree) and check that none is left.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import threading
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

from worldmill.errors import FederationError
from worldmill.federated import FederationSettings, Registry, run_federation
from worldmill.federated.deployment import LoopbackDeployment
from worldmill.federated.synthetic import synthetic_sites
from worldmill.federated.weights import weights_from_bytes

pytestmark = pytest.mark.slow

STRACE = shutil.which("strace")
# Follow forks (SuperExec, then one ClientApp process per message); stop only on open calls (seccomp filter).
STRACE_ARGV = [STRACE or "strace", "-f", "-qq", "--seccomp-bpf", "-s", "4096", "-e", "trace=open,openat,openat2"]
OPEN_CALL = re.compile(r'\bopen(?:at2?)?\((?:AT_FDCWD|\d+), "([^"]+)"|\bopen\("([^"]+)"')
QUICK = {"local_steps": 8, "batch_size": 16, "node_wait_s": 60.0}


def _strace_works() -> bool:
    if STRACE is None:
        return False
    import subprocess

    probe = subprocess.run([*STRACE_ARGV, "-o", "/dev/null", "true"], capture_output=True, check=False)
    return probe.returncode == 0


def _deployment_tree(deployment: LoopbackDeployment) -> list[psutil.Process]:
    roots = [m.process.pid for m in [*deployment._supernodes.values(), deployment._superlink] if m]
    procs = []
    for pid in roots:
        try:
            root = psutil.Process(pid)
            procs += [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            pass
    return procs


def _stop_and_check(deployment: LoopbackDeployment) -> None:
    tree = _deployment_tree(deployment)
    deployment.stop()
    alive = [p for p in tree if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"Flower processes outlived the test: {[p.cmdline() for p in alive]}"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """Three site lakes, a SuperLink and a SuperNode per site (traced with strace when it works here),
    shared by the tests of this module and stopped, with a check that no process is left, at its end."""
    base = tmp_path_factory.mktemp("fed")
    sites = synthetic_sites(base / "sites")
    traced = _strace_works()

    def wrapper(site, argv):
        if not traced:
            return argv
        return [*STRACE_ARGV, "-o", str(base / f"strace-{site.name}.log"), *argv]

    deployment = LoopbackDeployment(
        sites,
        base / "deployment",
        supernode_wrapper=wrapper,
        node_extra=lambda site: {"access-log": str(base / f"access-{site.name}.jsonl")},
    )
    deployment.start()
    try:
        yield {
            "base": base, "sites": sites, "deployment": deployment, "traced": traced,
            "registry": Registry.at(str(base / "registry")),
        }  # fmt: skip
    finally:
        _stop_and_check(deployment)


@pytest.fixture(scope="module")
def federation(cluster):
    """A two-round federation over the three sites, from a seeded start."""
    result = run_federation(
        2, cluster["sites"], registry=cluster["registry"], deployment=cluster["deployment"],
        work_dir=cluster["base"] / "work", settings=FederationSettings(**QUICK),
    )  # fmt: skip
    return {**cluster, "result": result}


def test_two_round_federation_over_three_sites_lowers_heldout_loss(federation):
    result = federation["result"]
    assert result.sites == ["aws-us", "azure-asia", "gcp-eu"] and result.sites_dropped == []
    assert result.final_val_loss < 0.8 * result.initial_val_loss
    assert result.val_loss_by_round[1] < result.val_loss_by_round[0]
    line = json.loads(result.to_json())
    assert {"model_version", "initial_val_loss", "final_val_loss", "sites"} <= set(line)

    registry = federation["registry"]
    row = registry.latest()
    assert row.model_version == result.model_version and row.parent_version is None
    assert (row.rounds, row.train_clips, row.val_clips, row.site_catalogue_versions) == (2, 12, 6, [0, 0, 0])
    assert len(registry.evaluations(row.model_version)) == 6
    assert registry.load_weights(row)  # the published weights match their registered hash


def test_each_client_opened_only_uris_under_its_own_site(federation):
    base, sites = federation["base"], federation["sites"]
    roots = {s.name: Path(s.root_uri) for s in sites}
    for site in sites:
        lines = [json.loads(x) for x in (base / f"access-{site.name}.jsonl").read_text().splitlines()]
        # 3 messages (2 train rounds + evaluation), each: the catalogue table + rgb.mp4 and camera.json of 6 clips
        assert len(lines) == 3 * 13
        assert all(Path(x["uri"]).is_relative_to(roots[site.name]) and x["site"] == site.name for x in lines)
    if not federation["traced"]:
        pytest.skip("strace cannot trace processes here; the ClientApps' own access logs were checked")
    sites_dir = base / "sites"
    for site in sites:
        text = (base / f"strace-{site.name}.log").read_text(errors="replace")
        opened = {Path(a or b) for a, b in OPEN_CALL.findall(text)}
        under_sites = {p for p in opened if p.is_relative_to(sites_dir)}
        assert any(p.name == "rgb.mp4" for p in under_sites), "the trace saw no footage being read"
        foreign = {p for p in under_sites if not p.is_relative_to(roots[site.name])}
        assert not foreign, f"{site.name} opened another site's files: {sorted(foreign)[:5]}"


def _kill_mid_round(deployment: LoopbackDeployment, site: str, stop: threading.Event) -> threading.Thread:
    """SIGKILL a site's SuperNode (and its running ClientApp) once it has received its next train message."""
    log = deployment.log_dir / f"supernode-{site}.log"
    marker = "Receiving: train message"
    seen = log.read_text(errors="replace").count(marker)

    def watch() -> None:
        while not stop.is_set():
            if log.read_text(errors="replace").count(marker) > seen:
                time.sleep(1.0)  # let its ClientApp start: the site dies mid-round
                deployment.kill_site(site, signal.SIGKILL)
                return
            time.sleep(0.2)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_supernode_dying_mid_round_leaves_the_rest_to_finish_then_too_few_sites_fail_cleanly(federation):
    """Runs last in this module: it kills SuperNodes of the shared deployment."""
    sites, registry, deployment, base = (
        federation["sites"],
        federation["registry"],
        federation["deployment"],
        federation["base"],
    )
    first = federation["result"].model_version
    stop = threading.Event()
    try:
        watcher = _kill_mid_round(deployment, "azure-asia", stop)
        survived = run_federation(
            1, sites, registry=registry, deployment=deployment, work_dir=base / "run-fault",
            settings=FederationSettings(min_sites=2, straggler_timeout_s=3.0, **QUICK),
        )  # fmt: skip
        watcher.join(timeout=5)
    finally:
        stop.set()
    assert survived.sites == ["aws-us", "gcp-eu"] and survived.sites_dropped == ["azure-asia"]
    assert survived.parent_version == first  # resumed from the last registered version
    assert survived.final_val_loss < survived.initial_val_loss

    # A second site stops (gracefully, so the SuperLink forgets it at once); the killed one stays listed
    # until its heartbeat expires. Every site is required now: the run fails before round 1.
    deployment.kill_site("gcp-eu", signal.SIGTERM)
    with pytest.raises(FederationError, match=r"Only 2 of 3 SuperNodes connected|of 3 required sites replied") as info:
        run_federation(
            1, sites, registry=registry, deployment=deployment, work_dir=base / "run-fail",
            settings=FederationSettings(local_steps=8, node_wait_s=3.0),
        )  # fmt: skip
    assert "min_sites" in info.value.fix
    assert [v.model_version for v in registry.versions()] == [first, survived.model_version]  # nothing partial
    # the failed run, too, started from the last registered version
    resumed, _ = weights_from_bytes((base / "run-fail" / "initial.safetensors").read_bytes())
    registered = registry.load_weights(registry.latest())
    assert all(np.array_equal(resumed[k], registered[k]) for k in registered)
