"""Sensors through build_sensor_context on a real (ephemeral) instance."""

from __future__ import annotations

import json

import yaml
from dagster import DagsterInstance, SkipReason, build_sensor_context

from worldmill.resources import TaxonomyResource
from worldmill.sensors.generation import MAX_RUNS_PER_TICK, generation_sensor, taxonomy_sensor


def test_taxonomy_sensor_registers_every_cell_once_and_refreshes_on_change(tmp_path):
    instance = DagsterInstance.ephemeral()
    resource = TaxonomyResource(min_population=10_000_000)
    first = taxonomy_sensor(build_sensor_context(instance=instance, resources={"taxonomy_source": resource}))
    added = first.dynamic_partitions_requests[0].partition_keys
    assert len(added) > 50 and len(added) == len(set(added))
    assert len(first.run_requests) == 1
    instance.add_dynamic_partitions("cells", list(added))

    second = taxonomy_sensor(
        build_sensor_context(instance=instance, cursor=first.cursor, resources={"taxonomy_source": resource})
    )
    assert isinstance(second, SkipReason)


def test_taxonomy_sensor_adds_partitions_for_a_new_city_without_code_change(tmp_path):
    instance = DagsterInstance.ephemeral()
    base = TaxonomyResource(min_population=10_000_000)
    first = taxonomy_sensor(build_sensor_context(instance=instance, resources={"taxonomy_source": base}))
    instance.add_dynamic_partitions("cells", list(first.dynamic_partitions_requests[0].partition_keys))

    overlay = tmp_path / "overlay"
    overlay.mkdir()
    (overlay / "cities.yaml").write_text(yaml.safe_dump({"version": 1, "geonameids": [2661604]}))  # Basel
    grown = TaxonomyResource(min_population=10_000_000, extra_dir=str(overlay))
    result = taxonomy_sensor(
        build_sensor_context(instance=instance, cursor=first.cursor, resources={"taxonomy_source": grown})
    )
    new = result.dynamic_partitions_requests[0].partition_keys
    assert new and all(k.startswith("basel-2661604__") for k in new)
    assert len(result.run_requests) == 1  # the taxonomy tables are refreshed too


def test_generation_sensor_walks_cells_with_a_cursor_bounded_per_tick():
    instance = DagsterInstance.ephemeral()
    cells = [f"city-{i}__zoo" for i in range(MAX_RUNS_PER_TICK + 2)]
    instance.add_dynamic_partitions("cells", cells)
    first = generation_sensor(build_sensor_context(instance=instance))
    assert [r.partition_key for r in first.run_requests] == sorted(cells)[:MAX_RUNS_PER_TICK]
    second = generation_sensor(build_sensor_context(instance=instance, cursor=first.cursor))
    keys = [r.partition_key for r in second.run_requests]
    assert keys[:2] == sorted(cells)[MAX_RUNS_PER_TICK:]  # the rest of the first lap
    assert keys[2:] == sorted(cells)[: MAX_RUNS_PER_TICK - 2]  # then the next lap starts over
    run_keys = [r.run_key for r in first.run_requests + second.run_requests]
    assert len(run_keys) == len(set(run_keys))  # a new lap is a new round, never deduplicated away
    assert json.loads(second.cursor)["lap"] == 1


def test_generation_sensor_skips_without_cells():
    result = generation_sensor(build_sensor_context(instance=DagsterInstance.ephemeral()))
    assert isinstance(result, SkipReason)


def test_generation_sensor_skips_cells_with_a_run_in_flight():
    from dagster import DagsterRunStatus

    from worldmill.definitions import defs

    instance = DagsterInstance.ephemeral()
    cells = ["a-1__zoo", "b-2__zoo", "c-3__zoo"]
    instance.add_dynamic_partitions("cells", cells)
    job = defs.resolve_job_def("footage_job")
    run = instance.create_run_for_job(job, tags={"dagster/partition": "a-1__zoo"}, status=DagsterRunStatus.STARTED)
    assert run.status == DagsterRunStatus.STARTED
    result = generation_sensor(build_sensor_context(instance=instance))
    assert [r.partition_key for r in result.run_requests] == ["b-2__zoo", "c-3__zoo"]
