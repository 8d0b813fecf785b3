"""The lakehouse tier's real services, each a real process on 127.0.0.1 and free ports:
SeaweedFS (S3), Apache Iceberg's REST catalog server, and a recording HTTP proxy in
front of the catalog so a test can see what Spark sent it (OAuth token request,
bearer tokens). Everything is installed by tests/lakehouse/setup.sh."""

from __future__ import annotations

import http.client
import http.server
import json
import os
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("FLOE_CACHE_DIR", Path.home() / ".cache" / "floe")) / "lakehouse"


def versions() -> dict[str, str]:
    """appliance/lakehouse/versions.env, the one place the versions are pinned."""
    out = {}
    for line in (ROOT / "appliance/lakehouse/versions.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            out[key] = value
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(what: str, check, timeout: float, process: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            tail = log.read_text()[-3000:] if log else ""
            raise RuntimeError(f"{what}: process exited with {process.returncode}\n{tail}")
        try:
            if check():
                return
        except Exception as e:  # not up yet: connection refused, 503 ...
            last = e
        time.sleep(0.5)
    tail = log.read_text()[-3000:] if log else ""
    raise TimeoutError(f"{what}: not ready after {timeout}s (last error: {last})\n{tail}")


def stop(process: subprocess.Popen):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class SeaweedFS:
    """`weed server` with master, volume, filer and S3 gateway; S3 needs the keys below."""

    workdir: Path
    access_key: str
    secret_key: str
    s3_port: int = 0
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def start(self):
        data = self.workdir / "data"
        data.mkdir(parents=True)
        config = self.workdir / "s3.json"
        # Only this identity may use S3: a client without the keys is refused.
        config.write_text(json.dumps({"identities": [{
            "name": "floe-test",
            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
        }]}))
        config.chmod(0o600)
        self.s3_port = free_port()
        ports = {name: free_port() for name in
                 ("master.port", "master.port.grpc", "volume.port", "volume.port.grpc",
                  "filer.port", "filer.port.grpc", "s3.port.grpc")}
        args = [str(CACHE / "venv/bin/weed"), "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                "-filer", "-s3", f"-s3.port={self.s3_port}", f"-s3.config={config}",
                # SeaweedFS 4 also serves an Iceberg catalog and a Lance namespace by default: not here.
                "-s3.port.iceberg=0", "-s3.port.lance=0",
                "-master.volumeSizeLimitMB=64", "-volume.max=20"]
        args += [f"-{name}={port}" for name, port in ports.items()]
        self.log = self.workdir / "weed.log"
        self.process = subprocess.Popen(args, stdout=self.log.open("w"), stderr=subprocess.STDOUT,
                                        start_new_session=True)
        return self

    def client(self):
        import boto3
        from botocore.config import Config
        return boto3.client("s3", endpoint_url=self.endpoint, region_name="us-east-1",
                            aws_access_key_id=self.access_key, aws_secret_access_key=self.secret_key,
                            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}))

    def create_bucket(self, name: str, timeout: float = 90):
        s3 = self.client()

        def created():
            try:
                s3.create_bucket(Bucket=name)
            except s3.exceptions.BucketAlreadyOwnedByYou:  # an earlier try got through after all
                pass
            return True
        # The S3 gateway answers before the filer and a volume are ready: retry until a
        # bucket can be created, which needs all of them.
        wait_until(f"SeaweedFS S3 at {self.endpoint}", created, timeout, self.process, self.log)

    def stop(self):
        if self.process:
            stop(self.process)


@dataclass
class RestCatalog:
    """Apache Iceberg's REST catalog server (org.apache.iceberg.rest.RESTCatalogServer),
    a JDBC catalog on SQLite behind the REST API, writing metadata with S3FileIO."""

    workdir: Path
    warehouse: str
    s3: SeaweedFS
    port: int = 0
    process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        classpath = CACHE / f"rest-catalog-{versions()['ICEBERG_VERSION']}"
        self.port = free_port()
        # RESTCatalogServer reads its catalog properties from CATALOG_* variables
        # (RCKUtils: '__' -> '-', '_' -> '.', lowercased).
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CATALOG_", "AWS_"))}
        env.update({
            "CATALOG_REST_PORT": str(self.port),
            "CATALOG_URI": f"jdbc:sqlite:file:{self.workdir / 'catalog.db'}",
            "CATALOG_JDBC_USER": "user",
            "CATALOG_JDBC_PASSWORD": "password",
            "CATALOG_WAREHOUSE": self.warehouse,
            "CATALOG_IO__IMPL": "org.apache.iceberg.aws.s3.S3FileIO",
            "CATALOG_S3_ENDPOINT": self.s3.endpoint,
            "CATALOG_S3_PATH__STYLE__ACCESS": "true",
            "CATALOG_CLIENT_REGION": "us-east-1",
            # The server logs its catalog properties: the keys go through the AWS SDK's
            # own variables instead, so they stay out of its log.
            "AWS_ACCESS_KEY_ID": self.s3.access_key,
            "AWS_SECRET_ACCESS_KEY": self.s3.secret_key,
        })
        self.log = self.workdir / "rest-catalog.log"
        self.process = subprocess.Popen(
            ["java", "-Xmx384m", "-cp", f"{classpath}/*", "org.apache.iceberg.rest.RESTCatalogServer"],
            env=env, stdout=self.log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)

        def answers():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            conn.request("GET", "/v1/config")
            return conn.getresponse().status == 200
        wait_until(f"Iceberg REST catalog at {self.uri}", answers, 90, self.process, self.log)
        return self

    def stop(self):
        if self.process:
            stop(self.process)


@dataclass
class RecordingProxy:
    """Forwards HTTP to `upstream` and records (method, path, Authorization, body) of each
    request, so a test can check what a client really sent."""

    upstream_port: int
    requests: list = field(default_factory=list)
    port: int = 0

    def start(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                proxy.requests.append((self.command, self.path, self.headers.get("Authorization"), body))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                conn.request(self.command, self.path, body=body or None, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                self.send_response(response.status)
                for k, v in response.getheaders():
                    if k.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = forward

            def log_message(self, *args):  # keep pytest output readable
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
