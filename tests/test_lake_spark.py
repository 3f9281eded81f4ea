"""Spark Connect (pysail on 127.0.0.1) reads and writes the catalogue's Delta tables."""

from __future__ import annotations

import pytest
from conftest_lake import catalogue_row

from worldmill.errors import ConfigError
from worldmill.lake.spark import SailServer, read_table, spark_session, write_table

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

pytest_plugins = ("fixtures.lake",)  # fixtures: catalogue


@pytest.fixture(scope="module")
def spark(tmp_path_factory):
    pytest.importorskip("pyspark.sql.connect", reason="pyspark-client is not installed")
    try:
        SailServer.binary()
    except ConfigError as exc:
        pytest.skip(str(exc))
    server = SailServer(log_path=tmp_path_factory.mktemp("sail") / "sail.log").start()
    session = spark_session(server.remote)
    yield session
    session.stop()
    server.stop()


def test_spark_reads_deltalake_writes_and_honours_deletes(spark, catalogue):
    rows = [catalogue_row(i, venue="zoo" if i % 2 else "museum", city=["Tokyo", "Paris"][i % 2]) for i in range(6)]
    catalogue.upsert(rows)
    catalogue.delete("catalogue", f"clip_id = '{rows[0].clip_id}'")
    df = read_table(spark, catalogue, "catalogue")
    assert df.count() == 5
    counts = {r["venue"]: r["count"] for r in df.groupBy("venue").count().collect()}
    assert counts == {"museum": 2, "zoo": 3}


def test_spark_appends_are_seen_by_the_catalogue(spark, catalogue):
    catalogue.upsert([catalogue_row(i) for i in range(3)])
    df = read_table(spark, catalogue, "catalogue")
    copies = df.selectExpr("concat(clip_id, '-spark') AS clip_id", *[c for c in df.columns if c != "clip_id"])
    write_table(copies, catalogue, "catalogue")
    assert catalogue.version("catalogue") == 1
    assert catalogue.sql("SELECT count(*) FROM catalogue WHERE clip_id LIKE '%-spark'").item() == 3
    assert catalogue.read("catalogue").height == 6
    with pytest.raises(ConfigError, match="not supported"):
        write_table(copies, catalogue, "catalogue", mode="merge")
