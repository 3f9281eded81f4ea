"""Which storage a cluster may use, resource requests as data, and the local default left as it was."""

from __future__ import annotations

import pytest
from dagster import DagsterInstance, build_init_resource_context

from worldmill.cluster import LocalEngine, StageRequests, WorkRequest, check_cluster_storage
from worldmill.cluster.ray_engine import RayEngine, ray_options
from worldmill.errors import ConfigError
from worldmill.generation import get_generator
from worldmill.resources import LakeResource
from worldmill.resources.cluster import ClusterResource


def test_a_remote_cluster_with_a_local_lake_is_refused():
    with pytest.raises(ConfigError, match="local-path lake") as info:
        check_cluster_storage("10.0.0.5:6379", {"local": "/data/lake"}, "PostgresRunStorage", same_host=False)
    assert "object store" in info.value.fix


def test_a_remote_cluster_with_a_sqlite_instance_is_refused():
    with pytest.raises(ConfigError, match="SQLite"):
        check_cluster_storage("ray://head:10001", {"aws": "s3://b/lake"}, "SqliteRunStorage", same_host=False)


def test_an_object_store_lake_and_postgres_are_accepted():
    check_cluster_storage("ray://head:10001", {"aws": "s3://b/lake"}, "PostgresRunStorage", same_host=False)


def test_same_host_allows_local_storage_only_on_loopback():
    check_cluster_storage("127.0.0.2:6379", {"local": "/data/lake"}, "SqliteRunStorage", same_host=True)
    with pytest.raises(ConfigError, match="not a loopback"):
        check_cluster_storage("10.0.0.5:6379", {"local": "/data/lake"}, "SqliteRunStorage", same_host=True)


def test_resource_refuses_before_any_work(tmp_path):
    resource = ClusterResource(address="10.0.0.5:6379", same_host="false")
    resource.setup_for_execution(build_init_resource_context(instance=DagsterInstance.ephemeral()))
    with pytest.raises(ConfigError, match="local-path lake"):
        resource.engine(LakeResource(uri=str(tmp_path / "lake")), workers=1)


def test_no_address_is_the_local_pool():
    engine = ClusterResource().engine(LakeResource(uri="unused"), workers=3, device="cpu")
    assert engine == LocalEngine(workers=3, device="cpu")
    assert ClusterResource().metadata([]) == {}


def test_a_same_host_cluster_gets_the_absolute_lake_root(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    resource = ClusterResource(address="127.0.0.2:6379", same_host="true", generate_gpus=2, generate_memory_mb=1000)
    engine = resource.engine(LakeResource(uri="rel/lake"), workers=1)
    assert isinstance(engine, RayEngine)
    assert engine.lake_uri == str(tmp_path / "rel" / "lake")
    assert engine.requests.generate_device == WorkRequest(num_cpus=1.0, num_gpus=2.0, memory_mb=1000)


def test_requests_are_ray_options():
    gpu = ray_options(WorkRequest(num_cpus=2, num_gpus=1, memory_mb=512), retries=3)
    assert (gpu["num_cpus"], gpu["num_gpus"], gpu["memory"], gpu["max_retries"]) == (2, 1, 512 * 2**20, 3)
    assert "memory" not in ray_options(WorkRequest(num_cpus=1), retries=0)


def test_the_procedural_generator_asks_for_cpus_a_device_backend_for_a_gpu():
    requests = StageRequests()
    assert requests.generate(get_generator("procedural")).num_gpus == 0
    with pytest.raises(ConfigError):
        WorkRequest(num_cpus=0, num_gpus=0)


def test_same_host_must_be_yes_or_no():
    with pytest.raises(ConfigError, match="yes/no"):
        _ = ClusterResource(address="127.0.0.2:1", same_host="maybe").is_same_host
