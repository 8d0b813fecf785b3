"""Fixtures of the lakehouse tier: real SeaweedFS, a real Iceberg REST catalog, the Spark
settings that `floe spark-defaults` prints for them, and one real SparkSession (pyspark,
local mode) per module that runs with exactly those settings."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from services import CACHE, RecordingProxy, RestCatalog, SeaweedFS, versions  # noqa: E402

BUCKET = "warehouse"
# Non-default variable names: Spark can only find the keys through the `env:NAME`
# references floe writes, not through the AWS SDK's own AWS_* lookup.
S3_ACCESS_KEY_VARIABLE = "FLOE_TEST_S3_ACCESS_KEY"
S3_SECRET_KEY_VARIABLE = "FLOE_TEST_S3_SECRET_KEY"
CATALOG_CREDENTIAL_VARIABLE = "FLOE_TEST_CATALOG_CREDENTIAL"
CATALOG_CLIENT_ID = "floe-spark-test"


def floe_bin() -> str:
    path = os.environ.get("FLOE_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.fail("FLOE_BIN must name the built floe binary (e.g. build/release/appliance/floe)")
    return path


@pytest.fixture(scope="session")
def installed():
    v = versions()
    needed = [CACHE / "venv/bin/weed", CACHE / f"jars-{v['ICEBERG_VERSION']}/.floe-stamp",
              CACHE / f"rest-catalog-{v['ICEBERG_VERSION']}/.floe-stamp"]
    missing = [str(p) for p in needed if not p.exists()]
    if missing:
        pytest.fail(f"run tests/lakehouse/setup.sh first; missing: {', '.join(missing)}")
    return v


@pytest.fixture(scope="module")
def secrets_env():
    """The credentials of this run, random, known only to the services and Spark's env."""
    return {
        S3_ACCESS_KEY_VARIABLE: "floe" + secrets.token_hex(8),
        S3_SECRET_KEY_VARIABLE: secrets.token_hex(20),
        CATALOG_CREDENTIAL_VARIABLE: f"{CATALOG_CLIENT_ID}:{secrets.token_hex(16)}",
    }


@pytest.fixture(scope="module")
def seaweedfs(installed, tmp_path_factory, secrets_env):
    s3 = SeaweedFS(tmp_path_factory.mktemp("seaweedfs"), secrets_env[S3_ACCESS_KEY_VARIABLE],
                   secrets_env[S3_SECRET_KEY_VARIABLE]).start()
    try:
        s3.create_bucket(BUCKET)
        yield s3
    finally:
        s3.stop()


@pytest.fixture(scope="module")
def catalog(seaweedfs, tmp_path_factory):
    rest = RestCatalog(tmp_path_factory.mktemp("rest-catalog"), f"s3://{BUCKET}/", seaweedfs).start()
    proxy = RecordingProxy(rest.port).start()
    proxy.upstream = rest
    try:
        yield proxy
    finally:
        proxy.stop()
        rest.stop()


def floe_spark_defaults(*args: str) -> str:
    result = subprocess.run([floe_bin(), "spark-defaults", *args], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def client_flags(catalog, seaweedfs):
    """The flags a client outside the cluster passes: its own view of the endpoints."""
    return ["--catalog-uri", catalog.uri, "--s3-endpoint", seaweedfs.endpoint, "--warehouse", f"s3://{BUCKET}/",
            "--s3-access-key-variable", S3_ACCESS_KEY_VARIABLE, "--s3-secret-key-variable", S3_SECRET_KEY_VARIABLE,
            "--catalog-credential-variable", CATALOG_CREDENTIAL_VARIABLE]


@pytest.fixture(scope="module")
def spark_defaults_conf(client_flags):
    return floe_spark_defaults(*client_flags, "--format", "conf")


def parse_spark_defaults(text: str) -> dict[str, str]:
    """spark-defaults.conf as Spark reads it: `key value`, '#' comments."""
    out = {}
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, value = line.split(None, 1)
            out[key] = value.strip()
    return out


def spark_jars(v: dict[str, str]) -> list[str]:
    jars = CACHE / f"jars-{v['ICEBERG_VERSION']}"
    return sorted(str(p) for p in jars.glob("*.jar"))


def spark_environment(secrets_env: dict[str, str]) -> dict[str, str]:
    """This process's environment for Spark: the test's secrets under floe's variable
    names, and no AWS_* variables that could let the SDK find keys by itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SPARK_", "PYSPARK_"))}
    env.update(secrets_env)
    return env


@pytest.fixture(scope="module")
def spark(installed, spark_defaults_conf, secrets_env, tmp_path_factory):
    """A local SparkSession whose lakehouse settings are exactly floe's spark-defaults.conf,
    loaded by Spark itself from SPARK_CONF_DIR; the test adds only the master, the
    Iceberg jars and small-machine tuning."""
    conf_dir = tmp_path_factory.mktemp("spark-conf")
    (conf_dir / "spark-defaults.conf").write_text(spark_defaults_conf)
    # pyspark starts the JVM with this process's environment.
    saved = dict(os.environ)
    env = spark_environment(secrets_env)
    env["SPARK_CONF_DIR"] = str(conf_dir)
    os.environ.clear()
    os.environ.update(env)
    from pyspark.sql import SparkSession
    session = (SparkSession.builder.master("local[2]").appName("floe-lakehouse-test")
               .config("spark.jars", ",".join(spark_jars(installed)))
               .config("spark.sql.shuffle.partitions", "2")
               .config("spark.ui.enabled", "false")
               .config("spark.driver.memory", "1g")
               .config("spark.local.dir", str(tmp_path_factory.mktemp("spark-local")))
               .getOrCreate())
    try:
        yield session
    finally:
        session.stop()
        os.environ.clear()
        os.environ.update(saved)
