"""Slow test of the Spark + Iceberg image (spark-images/): builds the OCI archive with
spark-images/build.sh (cached under $FLOE_CACHE_DIR/spark-image), unpacks it with umoci
and runs it with runc the way a kubelet's runtime would (the image's own entrypoint,
user and environment; /etc/hosts and the hostname supplied from outside), then imports
the archive into a real containerd, as k3s does with its agent/images directory.

Needs root (runc, containerd, mmdebstrap). Run: tests/images/run.sh (see README.md).
"""

import copy
import json
import os
import shutil
import signal
import subprocess
import tarfile
import tempfile
import time
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "spark-images" / "build.sh"
HERE = Path(__file__).resolve().parent


def read_versions():
    versions = {}
    for line in (ROOT / "spark-images" / "versions.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            versions[key] = value
    return versions


VERSIONS = read_versions()
TAG = f"{VERSIONS['SPARK_VERSION']}-iceberg{VERSIONS['ICEBERG_VERSION']}"
IMAGE_REF = f"{VERSIONS['IMAGE_NAME']}:{TAG}"
ARCHIVE_NAME = f"floe-spark-{TAG}.oci.tar"
UID = int(VERSIONS["SPARK_UID"])


def run(*args, timeout=600, check=True, **kwargs):
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True,
                            timeout=timeout, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, args))} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    if os.geteuid() != 0:
        pytest.fail("the image test needs root (mmdebstrap, runc, containerd); run it with sudo")
    out = tmp_path_factory.mktemp("image")
    started = time.monotonic()
    result = run(BUILD, "--out", out, timeout=1800)
    print(f"build.sh took {time.monotonic() - started:.0f} s\n{result.stderr}")
    path = out / ARCHIVE_NAME
    assert path.is_file(), f"build.sh did not write {path}"
    return path


@pytest.fixture(scope="module")
def layout(archive, tmp_path_factory):
    """The archive unpacked: the OCI image layout it carries."""
    directory = tmp_path_factory.mktemp("layout")
    with tarfile.open(archive) as tar:
        tar.extractall(directory, filter="tar")
    return directory


def blob(layout, digest):
    algorithm, hexdigest = digest.split(":")
    return json.loads((layout / "blobs" / algorithm / hexdigest).read_text())


class Container:
    """Runs the image under runc from a bundle that `umoci unpack` made: each run gets
    the image's own process settings, with the arguments appended to its entrypoint."""

    def __init__(self, layout, workdir):
        self.bundle = workdir / "bundle"
        self.state = workdir / "runc-state"
        self.state.mkdir()
        run("umoci", "unpack", "--image", f"{layout}:{TAG}", self.bundle)
        self.image_config = json.loads((self.bundle / "config.json").read_text())
        self.hosts = workdir / "hosts"
        self.hosts.write_text("127.0.0.1 localhost\n127.0.0.1 spark-test\n")

    def configure(self, args, env=(), mounts=()):
        config = copy.deepcopy(self.image_config)
        process = config["process"]
        process["args"] = process["args"] + list(args)
        process["terminal"] = False
        process["env"] = process["env"] + list(env)
        # What a kubelet provides: a hostname that resolves.
        config["hostname"] = "spark-test"
        config["mounts"].append({"destination": "/etc/hosts", "type": "bind",
                                 "source": str(self.hosts), "options": ["rbind", "ro"]})
        for source, destination in mounts:
            config["mounts"].append({"destination": destination, "type": "bind",
                                     "source": str(source), "options": ["rbind", "rw"]})
        (self.bundle / "config.json").write_text(json.dumps(config))

    def runc(self, *args, **kwargs):
        return subprocess.run(["runc", "--root", str(self.state), *args],
                              capture_output=True, text=True, **kwargs)

    def run(self, *args, env=(), mounts=(), timeout=300):
        self.configure(args, env, mounts)
        name = f"floe-image-test-{uuid.uuid4().hex[:8]}"
        try:
            return self.runc("run", "--bundle", str(self.bundle), name, timeout=timeout)
        finally:
            self.runc("delete", "--force", name)

    def serve(self, *args, log, mounts=()):
        """Starts the image detached (a server role); returns its name for exec and stop.
        The container's output goes to LOG: a detached runc must not hold our pipes."""
        self.configure(args, mounts=mounts)
        name = f"floe-image-server-{uuid.uuid4().hex[:8]}"
        result = subprocess.run(["runc", "--root", str(self.state), "run", "--detach",
                                 "--bundle", str(self.bundle), name],
                                stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=60)
        assert result.returncode == 0, f"runc run --detach exited {result.returncode}"
        return name

    def stop(self, name):
        self.runc("kill", name, "TERM")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and '"status": "stopped"' not in self.runc("state", name).stdout:
            time.sleep(0.5)
        self.runc("delete", "--force", name)

    def wait_for_port(self, name, port, timeout=180):
        """Polls from inside the container (bash's /dev/tcp) until PORT accepts."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            probe = self.runc("exec", name, "bash", "-c", f"exec 3<>/dev/tcp/127.0.0.1/{port}",
                              timeout=30)
            if probe.returncode == 0:
                return True
            if '"status": "running"' not in self.runc("state", name).stdout:
                return False
            time.sleep(2)
        return False


@pytest.fixture(scope="module")
def container(layout, tmp_path_factory):
    return Container(layout, tmp_path_factory.mktemp("runc"))


def test_archive_is_an_oci_layout_that_containerd_names(archive, layout):
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
    assert {"oci-layout", "index.json"} <= names
    assert json.loads((layout / "oci-layout").read_text())["imageLayoutVersion"] == "1.0.0"
    manifests = json.loads((layout / "index.json").read_text())["manifests"]
    assert len(manifests) == 1
    annotations = manifests[0]["annotations"]
    assert annotations["io.containerd.image.name"] == IMAGE_REF
    assert annotations["org.opencontainers.image.ref.name"] == TAG
    # The .sha256 next to it is in sha256sum format and matches.
    run("sha256sum", "--check", "--strict", archive.name + ".sha256", cwd=archive.parent)


def test_image_config_runs_spark_as_185_with_the_entrypoint(layout):
    index = json.loads((layout / "index.json").read_text())
    manifest = blob(layout, index["manifests"][0]["digest"])
    assert len(manifest["layers"]) == 3, "Debian, /opt/spark, entrypoint"
    image = blob(layout, manifest["config"]["digest"])
    config = image["config"]
    assert config["User"] == f"{UID}:{UID}"
    assert config["Entrypoint"] == ["/opt/entrypoint.sh"]
    assert config["WorkingDir"] == "/opt/spark/work-dir"
    env = dict(item.split("=", 1) for item in config["Env"])
    assert env["SPARK_HOME"] == "/opt/spark"
    assert env["JAVA_HOME"] == "/usr/lib/jvm/java-17-openjdk-amd64"
    assert env["PATH"].startswith("/opt/spark/bin:")
    labels = config["Labels"]
    assert labels["io.floe.spark.version"] == VERSIONS["SPARK_VERSION"]
    assert labels["io.floe.iceberg.version"] == VERSIONS["ICEBERG_VERSION"]
    assert image["architecture"] == "amd64" and image["os"] == "linux"


def test_spark_submit_version_runs_in_the_image(container):
    result = container.run("spark-submit", "--version")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert f"version {VERSIONS['SPARK_VERSION']}" in output, output
    assert "Using Scala version 2.13" in output, output


def test_processes_run_as_uid_185_named_spark(container):
    result = container.run("sh", "-c", "id -u; id -g; id -un; pwd; touch ./written && echo writable")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(UID), str(UID), "spark", "/opt/spark/work-dir", "writable"]


def test_spark_and_iceberg_jars_are_in_spark_home(container):
    result = container.run("ls", "/opt/spark/jars", "/opt/spark/python/lib", "/opt/decom.sh")
    assert result.returncode == 0, result.stderr
    listing = result.stdout.split()
    iceberg = VERSIONS["ICEBERG_VERSION"]
    spark = VERSIONS["SPARK_VERSION"]
    for jar in (f"{VERSIONS['ICEBERG_SPARK_RUNTIME_ARTIFACT']}-{iceberg}.jar",
                f"iceberg-aws-bundle-{iceberg}.jar", f"hadoop-aws-{VERSIONS['HADOOP_AWS_VERSION']}.jar",
                f"s3-transfer-manager-{VERSIONS['AWS_SDK_VERSION']}.jar",
                f"spark-core_2.13-{spark}.jar", f"spark-kubernetes_2.13-{spark}.jar",
                f"spark-connect_2.13-{spark}.jar", "pyspark.zip"):
        assert jar in listing, f"{jar} missing from the image: {listing}"


def test_roles_without_their_settings_fail_naming_what_is_missing(container):
    executor = container.run("executor", env=["SPARK_EXECUTOR_ID=1"])
    assert executor.returncode == 64
    assert "SPARK_DRIVER_URL" in executor.stderr and "SPARK_EXECUTOR_ID" not in executor.stderr.split("needs")[1]
    driver = container.run("driver", "--class", "x", "local:///x.jar")
    assert driver.returncode == 64 and "SPARK_DRIVER_BIND_ADDRESS" in driver.stderr


def test_executor_role_starts_the_kubernetes_executor_backend(container):
    """What an executor pod runs, against a driver address where nothing listens: the
    JVM must start Spark's KubernetesExecutorBackend with the pod's settings and then
    fail to reach the driver (a real driver needs a Kubernetes API server)."""
    result = container.run("executor", env=[
        "SPARK_DRIVER_URL=spark://CoarseGrainedScheduler@127.0.0.1:1",
        "SPARK_EXECUTOR_ID=7", "SPARK_EXECUTOR_CORES=1", "SPARK_APPLICATION_ID=spark-app-test",
        "SPARK_EXECUTOR_POD_IP=127.0.0.1", "SPARK_EXECUTOR_MEMORY=512m",
        "SPARK_EXECUTOR_POD_NAME=floe-exec-7", "SPARK_JAVA_OPT_1=-Dfloe.second=2",
        "SPARK_JAVA_OPT_0=-Dfloe.first=1", "FLOE_ENTRYPOINT_TRACE=1"], timeout=180)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    trace = next(line for line in result.stderr.splitlines() if line.startswith("entrypoint: exec"))
    assert "-Dfloe.first=1 -Dfloe.second=2 -Xms512m -Xmx512m" in trace, trace
    assert "org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend" in trace, trace
    assert "--podName floe-exec-7" in trace and "--executor-id 7" in trace, trace
    # Started, then asked the driver for the application's settings, as executors do first.
    assert "KubernetesExecutorBackend: Started daemon" in output, output[-6000:]
    assert "Failed to connect to /127.0.0.1:1" in output, output[-6000:]


def test_driver_role_runs_a_spark_job_writing_and_reading_an_iceberg_table(container, tmp_path):
    """The driver role (what Spark's Kubernetes backend starts a driver pod with), here
    with a local master: Spark, Iceberg and a Python worker inside the image."""
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    os.chown(warehouse, UID, UID)
    result = container.run(
        "driver", "--master", "local[2]", "--conf", "spark.driver.memory=768m",
        "/job/iceberg_job.py", "file:///warehouse",
        env=["SPARK_DRIVER_BIND_ADDRESS=127.0.0.1"],
        mounts=[(HERE, "/job"), (warehouse, "/warehouse")], timeout=600)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    assert "RESULT rows=4 sum=10 doubled=20 snapshots=2" in result.stdout, output[-6000:]
    # The table is on disk in Iceberg's layout, written by uid 185.
    metadata = list((warehouse / "db" / "events" / "metadata").glob("*.metadata.json"))
    data = list((warehouse / "db" / "events" / "data").glob("*.parquet"))
    assert metadata and data, f"no Iceberg metadata/data files under {warehouse}"
    assert all(path.stat().st_uid == UID for path in data)


def test_s3a_reaches_the_network_with_the_images_jars(container):
    """hadoop-aws with the AWS SDK from iceberg-aws-bundle: a write to s3a:// gets as far
    as an HTTP request (refused: nothing listens there) rather than failing for a
    missing filesystem or class."""
    result = container.run("spark-submit", "/job/s3a_job.py", "http://127.0.0.1:1",
                           mounts=[(HERE, "/job")], timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    causes = [line for line in result.stdout.splitlines() if line.startswith("S3A-CAUSE")]
    assert causes, output[-6000:]
    assert any("Unable to execute HTTP request" in line and "127.0.0.1:1" in line
               for line in causes), "\n".join(causes)
    assert not any("ClassNotFound" in line or "NoClassDefFound" in line or "No FileSystem" in line
                   for line in causes), "\n".join(causes)


@pytest.fixture
def containerd():
    """A private containerd (Debian's) with its own root, state and socket; always stopped."""
    # Short path: the socket's path must fit in sun_path (108 bytes).
    workdir = Path(tempfile.mkdtemp(prefix="floe-ctrd-"))
    socket = workdir / "c.sock"
    (workdir / "config.toml").write_text(
        "version = 2\n"
        f'root = "{workdir}/root"\nstate = "{workdir}/state"\n'
        'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n'
        f'[grpc]\n  address = "{socket}"\n')
    log = open(workdir / "containerd.log", "w")
    daemon = subprocess.Popen(["containerd", "--config", str(workdir / "config.toml")],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not socket.exists():
            assert daemon.poll() is None, (workdir / "containerd.log").read_text()
            assert time.monotonic() < deadline, "containerd did not create its socket in 30 s"
            time.sleep(0.2)
        yield socket
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
            daemon.wait()
        log.close()
        subprocess.run(["umount", "-R", str(workdir / "root")], capture_output=True)
        shutil.rmtree(workdir, ignore_errors=True)


def test_containerd_imports_the_archive_under_the_image_name(archive, containerd):
    ctr = ["ctr", "--address", str(containerd), "--namespace", "k8s.io"]
    # What k3s does with a file in agent/images: import it, unpacked for its snapshotter
    # (overlayfs, containerd's default and k3s's).
    run(*ctr, "images", "import", archive, timeout=600)
    names = run(*ctr, "images", "list", "--quiet").stdout.split()
    assert IMAGE_REF in names, names
    result = run(*ctr, "run", "--rm", IMAGE_REF,
                 f"floe-image-{uuid.uuid4().hex[:8]}", "/opt/entrypoint.sh", "sh", "-c",
                 "id -u; ls /opt/spark/jars | grep -c iceberg", timeout=120)
    assert result.stdout.split() == [str(UID), "2"], result.stdout + result.stderr


# Both servers take their settings from a spark-defaults.conf mounted into the image's
# conf directory, as the manifests do; the ports there are not the defaults, so a server
# that listens on them has read it.
SPARK_DEFAULTS = """\
spark.master                       local[1]
spark.ui.enabled                   false
spark.connect.grpc.binding.port    15012
spark.history.fs.logDirectory      file:///opt/spark/work-dir
spark.history.ui.port              18088
"""


@pytest.mark.parametrize("role, port, started", [
    ("connect-server", 15012, "Spark Connect server started"),
    ("history-server", 18088, "Bound HistoryServer"),
    # Apache's script name, which manifests written for Apache's image use as the command.
    ("/opt/spark/sbin/start-connect-server.sh", 15012, "Spark Connect server started"),
])
def test_server_roles_serve_with_the_mounted_spark_defaults(container, tmp_path, role, port, started):
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "spark-defaults.conf").write_text(SPARK_DEFAULTS)
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        name = container.serve(role, log=log, mounts=[(conf, "/opt/spark/conf")])
    try:
        listening = container.wait_for_port(name, port)
    finally:
        container.stop(name)
    output = log_path.read_text()
    assert listening, f"{role} did not listen on {port}:\n{output[-6000:]}"
    assert started in output, output[-6000:]


def recipe_copy(tmp_path, **overrides):
    """spark-images/ copied into TMP/spark-images with versions.env entries replaced, so
    build.sh runs with ROOT=TMP (no appliance/lakehouse/versions.env unless a test adds
    one) and the shared download cache."""
    copy_dir = tmp_path / "spark-images"
    shutil.copytree(ROOT / "spark-images", copy_dir)
    env_file = copy_dir / "versions.env"
    lines = env_file.read_text().splitlines()
    for key, value in overrides.items():
        lines = [f"{key}={value}" if line.startswith(f"{key}=") else line for line in lines]
    env_file.write_text("\n".join(lines) + "\n")
    return copy_dir / "build.sh"


def test_build_refuses_a_download_that_does_not_match_its_pin(tmp_path):
    wrong = "0" * 64
    build = recipe_copy(tmp_path, ICEBERG_AWS_BUNDLE_SHA256=wrong)
    result = run(build, "--out", tmp_path / "out", check=False, timeout=600)
    assert result.returncode == 1, result.stderr
    assert "checksum mismatch" in result.stderr and wrong in result.stderr, result.stderr
    assert f"iceberg-aws-bundle-{VERSIONS['ICEBERG_VERSION']}.jar" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_build_refuses_versions_other_than_the_lakehouse_pin(tmp_path):
    build = recipe_copy(tmp_path)
    lakehouse = tmp_path / "appliance" / "lakehouse"
    lakehouse.mkdir(parents=True)
    (lakehouse / "versions.env").write_text(
        f"SPARK_VERSION=9.9.9\nICEBERG_VERSION={VERSIONS['ICEBERG_VERSION']}\n")
    result = run(build, "--out", tmp_path / "out", check=False, timeout=60)
    assert result.returncode == 1, result.stderr
    assert "SPARK_VERSION is 9.9.9 in" in result.stderr and VERSIONS["SPARK_VERSION"] in result.stderr
    assert not (tmp_path / "out").exists()
