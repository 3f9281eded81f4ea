"""Lake writes from many cluster workers at once: every run of a cell MERGEs into the same Delta tables through the
same catalogue the assets use, concurrently; the commits converge with nothing lost and nothing duplicated."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from worldmill.lake.commands import open_lake

TESTS = Path(__file__).resolve().parent
WRITERS = 4

RUN_OF_ONE_CELL = """
    import json, sys
    from conftest_lake import prompt_row
    from worldmill.lake.commands import open_lake
    import worldmill.lake.retry as retry

    root, venue = sys.argv[1], sys.argv[2]
    retries = []
    retry.log.info = lambda *a: retries.append(a[2])
    catalogue = open_lake(root).catalogue("local")  # as LakeResource opens it: the default retry policy
    for batch in range(6):                           # conditions, clips, scores, ... of a few rounds
        catalogue.upsert([prompt_row(i, venue=venue, prompt=f"{venue} {i}") for i in range(batch * 4, batch * 4 + 4)])
    catalogue.upsert([prompt_row(i, venue=venue, prompt=f"{venue} {i} again") for i in range(4)])  # a retried unit
    print(json.dumps({"retries": len(retries)}))
"""


def test_concurrent_runs_of_different_cells_converge(tmp_path):
    root = str(tmp_path / "lake")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS.parent), str(TESTS)])}
    venues = ["zoo", "museum", "hospital", "aquarium"][:WRITERS]
    children = [
        subprocess.Popen([sys.executable, "-c", textwrap.dedent(RUN_OF_ONE_CELL), root, v], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for v in venues
    ]
    retries = 0
    for child in children:
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err.decode()[-3000:]
        retries += json.loads(out.decode().strip().splitlines()[-1])["retries"]
    frame = open_lake(root).catalogue("local").read("prompts")
    assert frame.height == WRITERS * 24 and frame["sample_id"].n_unique() == WRITERS * 24
    for row in frame.iter_rows(named=True):
        expected = f"{row['venue']} {row['index']}" + (" again" if row["index"] < 4 else "")
        assert row["prompt"] == expected
    print(f"commit retries across {WRITERS} writers: {retries}")


def test_conflicts_and_outages_draw_on_separate_budgets():
    from worldmill.lake.retry import RetryPolicy, retry_with_conflicts

    class Conflict(Exception):
        pass

    def flaky(errors):
        def call():
            if errors:
                raise errors.pop(0)
            return "done"
        return call

    kwargs = {"is_conflict": lambda e: isinstance(e, Conflict), "retry_on": lambda e: isinstance(e, ConnectionError),
              "policy": RetryPolicy(attempts=3), "conflict_policy": RetryPolicy(attempts=20), "sleep": lambda s: None}
    many_conflicts = [Conflict()] * 15 + [ConnectionError()] * 2
    assert retry_with_conflicts(flaky(many_conflicts), **kwargs) == "done"
    too_many_outages = [ConnectionError()] * 3
    try:
        retry_with_conflicts(flaky(too_many_outages), **kwargs)
    except ConnectionError:
        pass
    else:
        raise AssertionError("a third outage must propagate: the transient budget is 3 attempts")
