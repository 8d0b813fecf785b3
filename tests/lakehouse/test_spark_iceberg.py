"""Real Spark writes and reads Iceberg tables through a real Iceberg REST catalog and a
real S3 store (SeaweedFS), using exactly the settings `floe spark-defaults` prints."""

from __future__ import annotations

import subprocess
import urllib.parse

import pytest
from conftest import (BUCKET, CATALOG_CLIENT_ID, CATALOG_CREDENTIAL_VARIABLE, S3_ACCESS_KEY_VARIABLE,
                      S3_SECRET_KEY_VARIABLE, floe_spark_defaults, parse_spark_defaults, spark_environment, spark_jars)
from services import CACHE, versions

FIRST_BATCH = [(1, "apples", 3), (2, "pears", 5)]
SECOND_BATCH = [(3, "plums", 7)]


@pytest.fixture(scope="module")
def orders(spark):
    """floe.sales.orders with two commits, so two snapshots: returns their ids, oldest first."""
    spark.sql("CREATE NAMESPACE IF NOT EXISTS floe.sales")
    spark.sql("CREATE TABLE floe.sales.orders (id BIGINT, item STRING, qty INT) USING iceberg")
    spark.createDataFrame(FIRST_BATCH, "id BIGINT, item STRING, qty INT").writeTo("floe.sales.orders").append()
    spark.sql("INSERT INTO floe.sales.orders VALUES " + ", ".join(f"({i}, '{n}', {q})" for i, n, q in SECOND_BATCH))
    snapshots = spark.sql("SELECT snapshot_id FROM floe.sales.orders.snapshots ORDER BY committed_at").collect()
    return [row.snapshot_id for row in snapshots]


def rows(df):
    return sorted(tuple(r) for r in df.collect())


def test_spark_runs_with_floes_settings_and_no_secret_in_them(spark, spark_defaults_conf, secrets_env):
    settings = parse_spark_defaults(spark_defaults_conf)
    assert settings["spark.sql.catalog.floe.type"] == "rest"
    for secret in secrets_env.values():
        assert secret not in spark_defaults_conf
    # Spark loaded floe's file itself (SPARK_CONF_DIR): every setting is in force as written.
    for key, value in settings.items():
        assert spark.conf.get(key) == value, key
    assert spark.version == versions()["SPARK_VERSION"]
    assert spark.catalog.currentCatalog() == "floe"  # spark.sql.defaultCatalog


def test_create_namespace_and_table_insert_and_read_back(spark, orders):
    assert len(orders) == 2
    assert [r.namespace for r in spark.sql("SHOW NAMESPACES IN floe").collect()] == ["sales"]
    assert [r.tableName for r in spark.sql("SHOW TABLES IN floe.sales").collect()] == ["orders"]
    assert rows(spark.table("floe.sales.orders")) == sorted(FIRST_BATCH + SECOND_BATCH)
    assert spark.sql("SELECT sum(qty) AS q FROM floe.sales.orders").collect()[0].q == 15


def test_data_and_metadata_objects_are_in_the_bucket(seaweedfs, orders, spark):
    keys = [o["Key"] for page in seaweedfs.client().get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
            for o in page.get("Contents", [])]
    table_prefix = "sales/orders/"
    data = [k for k in keys if k.startswith(table_prefix + "data/") and k.endswith(".parquet")]
    metadata = [k for k in keys if k.startswith(table_prefix + "metadata/")]
    assert len(data) >= 2, keys  # one file per commit at least
    assert sum(k.endswith(".metadata.json") for k in metadata) >= 3, keys  # create + 2 commits
    assert sum(k.split("/")[-1].startswith("snap-") and k.endswith(".avro") for k in metadata) == 2, keys
    # The catalog points at the newest metadata file in the bucket, through S3FileIO.
    location = spark.sql("SELECT file FROM floe.sales.orders.metadata_log_entries "
                         "ORDER BY timestamp DESC LIMIT 1").collect()[0].file
    assert location == f"s3://{BUCKET}/" + max((k for k in metadata if k.endswith(".metadata.json")),
                                               key=lambda k: int(k.split("/")[-1].split("-")[0]))
    # Every data file Iceberg lists is an object in the bucket.
    files = {r.file_path for r in spark.sql("SELECT file_path FROM floe.sales.orders.files").collect()}
    assert files == {f"s3://{BUCKET}/{k}" for k in data}


def test_time_travel_to_the_first_snapshot(spark, orders):
    first, latest = orders
    assert rows(spark.sql(f"SELECT * FROM floe.sales.orders VERSION AS OF {first}")) == sorted(FIRST_BATCH)
    assert rows(spark.read.option("versionAsOf", first).table("floe.sales.orders")) == sorted(FIRST_BATCH)
    assert rows(spark.sql(f"SELECT * FROM floe.sales.orders VERSION AS OF {latest}")) == sorted(
        FIRST_BATCH + SECOND_BATCH)
    committed = spark.sql(f"SELECT committed_at FROM floe.sales.orders.snapshots WHERE snapshot_id = {first}"
                          ).collect()[0].committed_at
    assert rows(spark.sql(f"SELECT * FROM floe.sales.orders TIMESTAMP AS OF '{committed}'")) == sorted(FIRST_BATCH)


def test_catalog_credential_comes_from_the_environment(catalog, orders, secrets_env):
    """The `credential env:FLOE_TEST_CATALOG_CREDENTIAL` setting: Spark's Iceberg client
    exchanged the secret from its environment for a token, and used the token."""
    token_requests = [r for r in catalog.requests if r[0] == "POST" and r[1].endswith("/v1/oauth/tokens")]
    assert token_requests, [r[:2] for r in catalog.requests]
    form = urllib.parse.parse_qs(token_requests[0][3].decode())
    assert form["grant_type"] == ["client_credentials"]
    assert form["client_id"] == [CATALOG_CLIENT_ID]
    assert form["client_secret"] == [secrets_env[CATALOG_CREDENTIAL_VARIABLE].split(":", 1)[1]]
    table_calls = [r for r in catalog.requests if "/tables" in r[1]]
    assert table_calls and all((auth or "").startswith("Bearer ") for _, _, auth, _ in table_calls)


def spark_submit(installed, client_flags, env, tmp_path):
    """`spark-submit $(floe spark-defaults --format submit) app.py` in a JVM of its own."""
    arguments = floe_spark_defaults(*client_flags, "--format", "submit").split()
    assert arguments[0] == "--conf" and len(arguments) % 2 == 0
    app = tmp_path / "sum_orders.py"
    app.write_text("from pyspark.sql import SparkSession\n"
                   "spark = SparkSession.builder.getOrCreate()\n"
                   "print('ORDERS', spark.sql('SELECT count(*), sum(qty) FROM sales.orders').collect()[0])\n")
    env = dict(env, PATH=f"{CACHE / 'venv/bin'}:{env.get('PATH', '/usr/bin:/bin')}")  # spark-submit's python
    return subprocess.run(
        [str(CACHE / "venv/bin/spark-submit"), "--master", "local[1]", "--conf", "spark.ui.enabled=false",
         "--jars", ",".join(spark_jars(installed)), *arguments, str(app)],
        env=env, capture_output=True, text=True, timeout=300)


def test_spark_submit_with_floes_submit_arguments_reads_the_table(installed, client_flags, secrets_env, orders,
                                                                  tmp_path):
    result = spark_submit(installed, client_flags, spark_environment(secrets_env), tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ORDERS Row(count(1)=3, sum(qty)=15)" in result.stdout


def test_without_the_s3_variables_spark_cannot_read(installed, client_flags, secrets_env, orders, tmp_path):
    """The S3 keys reach Spark through the variables floe's settings name, and nowhere else."""
    env = spark_environment(secrets_env)
    del env[S3_ACCESS_KEY_VARIABLE], env[S3_SECRET_KEY_VARIABLE]
    result = spark_submit(installed, client_flags, env, tmp_path)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "ORDERS Row(" not in output
    # The `env:` references resolve to nothing, and the AWS SDK finds no keys of its own.
    assert "Unable to load credentials from any of the providers" in output, output[-3000:]


def test_no_secret_reaches_the_services_logs(seaweedfs, catalog, orders, secrets_env):
    logs = {path: path.read_text(errors="replace") for path in (seaweedfs.log, catalog.upstream.log)}
    for path, text in logs.items():
        assert text, f"{path} is empty: the check would prove nothing"
        for secret in (secrets_env[S3_SECRET_KEY_VARIABLE], secrets_env[CATALOG_CREDENTIAL_VARIABLE].split(":")[1]):
            assert secret not in text, path
