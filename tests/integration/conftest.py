"""Fixtures for the integration tier: a real `floe serve` process, real HTTPS clients.

Every head gets its own temporary data dir, is initialised with
`floe init --data-dir D --advertise 127.0.0.1`, and serves on 127.0.0.1:0; the
port is read back from D/serve.url. Nothing here uses a fixed port or sleeps
for longer than one polling step.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import urlsplit

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from process_log import log_tail, read_log

import agent_helpers

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FLOE_BIN = "build/dev/appliance/floe"
DEFAULT_AGENT_BIN = "build/dev/agent/floe-agent"

SERVE_URL_TIMEOUT_S = 15.0
SHUTDOWN_TIMEOUT_S = 10.0
HTTP_TIMEOUT_S = 10.0

TOKEN_RE = re.compile(r"^FLOE1-(?P<hash>[0-9a-f]{64})-(?P<id>[A-Za-z0-9]{6})\.(?P<secret>[A-Za-z0-9_\-]+)$")
TOKEN_IN_TEXT_RE = re.compile(r"FLOE1-[0-9a-f]{64}-[A-Za-z0-9]{6}\.[A-Za-z0-9_\-]+")
RFC3339_UTC_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
SERVE_URL_RE = re.compile(r"^https://[^\s/]+:\d+$")

ERROR_STATUS = {
    "invalid_argument": 400,
    "unauthenticated": 401,
    "permission_denied": 403,
    "not_found": 404,
    "method_not_allowed": 405,
    "failed_precondition": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "header_too_large": 431,
    "resource_exhausted": 429,
    "internal": 500,
    "unavailable": 503,
}


def _resolve_bin(env_name: str, default: str) -> Path:
    raw = os.environ.get(env_name) or default
    path = Path(raw)
    if not path.is_absolute():
        path = REPO_ROOT / path
    return path


# --------------------------------------------------------------------------- binaries


@pytest.fixture(scope="session")
def floe_bin() -> Path:
    path = _resolve_bin("FLOE_BIN", DEFAULT_FLOE_BIN)
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(
            f"floe binary not found or not executable at {path}; build it first "
            f"or point FLOE_BIN at it (relative paths resolve against {REPO_ROOT})",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def agent_bin() -> Path:
    path = _resolve_bin("FLOE_AGENT_BIN", DEFAULT_AGENT_BIN)
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.skip(f"floe-agent binary not found at {path} (set FLOE_AGENT_BIN)")
    return path


# --------------------------------------------------------------------------- the head

_LIVE_HEADS: list["Head"] = []


class Head:
    """One `floe` data dir and (while started) its `floe serve` process."""

    def __init__(self, floe_bin: Path, work_dir: Path, *, advertise: Iterable[str] = ("127.0.0.1",),
                 serve_args: Iterable[str] = (), listen: str = "127.0.0.1:0", cmd_prefix: Iterable[str] = ()):
        self.floe_bin = Path(floe_bin)
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        # init must create the data dir itself (mode 0700), so it must not exist yet.
        self.data_dir = self.work_dir / "data"
        self.advertise = list(advertise)
        self.serve_args = list(serve_args)
        # A fixed port survives restarts (agents keep the URL they joined); port 0 does not.
        self.listen = listen
        # Prepended to every floe command, e.g. ["ip", "netns", "exec", NS] to run the head
        # and its admin CLI inside a network namespace.
        self.cmd_prefix = list(cmd_prefix)
        self.proc: subprocess.Popen | None = None
        self.url: str | None = None
        self.log_path = self.work_dir / "serve.log"
        self._log_file = None
        self.starts = 0
        self.secrets: list[str] = []  # every token secret handed out, for the log leak check
        self._node_seq = 0

    # -- paths
    @property
    def pki(self) -> Path:
        return self.data_dir / "pki"

    @property
    def ca(self) -> str:
        return str(self.pki / "ca.crt")

    @property
    def admin_cert(self) -> tuple[str, str]:
        return (str(self.pki / "admin.crt"), str(self.pki / "admin.key"))

    @property
    def serve_url_file(self) -> Path:
        return self.data_dir / "serve.url"

    @property
    def db_path(self) -> Path:
        return self.data_dir / "floe.db"

    @property
    def host_port(self) -> tuple[str, int]:
        parts = urlsplit(self.url)
        return parts.hostname, parts.port

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    # -- lifecycle
    def init(self, *extra: str) -> subprocess.CompletedProcess:
        # The integration tier tests the head without Kubernetes; the cluster tier
        # (tests/cluster/) runs init with k3s (the stand-in).
        args = ["init", "--data-dir", str(self.data_dir), "--no-k3s"]
        for name in self.advertise:
            args += ["--advertise", name]
        return self._run([*self.cmd_prefix, str(self.floe_bin), *args, *extra])

    def start(self, *extra: str, timeout: float = SERVE_URL_TIMEOUT_S) -> "Head":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        stale = self._read_serve_url()
        self.starts += 1
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"\n===== floe serve start #{self.starts} =====\n".encode())
        self._log_file.flush()
        cmd = [*self.cmd_prefix, str(self.floe_bin), "serve", "--data-dir", str(self.data_dir),
               "--listen", self.listen, *self.serve_args, *extra]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=self._log_file, cwd=self.work_dir)
        if self not in _LIVE_HEADS:
            _LIVE_HEADS.append(self)
        deadline = time.monotonic() + timeout
        while True:
            rc = self.proc.poll()
            if rc is not None:
                pytest.fail(f"floe serve exited with {rc} before writing serve.url\n{self.log_tail()}",
                            pytrace=False)
            url = self._read_serve_url()
            # After a kill -9 the old serve.url is still there; wait for the new one (with a
            # fixed port the URL does not change, and the port check below has to do).
            fresh = url != stale or not self.listen.endswith(":0")
            if url and SERVE_URL_RE.match(url) and fresh and self._port_open(url):
                self.url = url
                return self
            if time.monotonic() > deadline:
                pytest.fail(f"floe serve did not write a valid {self.serve_url_file} within {timeout}s "
                            f"(content: {url!r})\n{self.log_tail()}", pytrace=False)
            time.sleep(0.05)

    def stop(self, timeout: float = SHUTDOWN_TIMEOUT_S) -> int | None:
        """SIGTERM, then SIGKILL after `timeout`. Returns the exit code after SIGTERM
        (None if it had to be killed)."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = None
        self._close_log()
        return rc

    def kill9(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self._close_log()

    def cleanup(self) -> None:
        self.stop()
        if self in _LIVE_HEADS:
            _LIVE_HEADS.remove(self)

    def leaked_secrets(self) -> list[str]:
        """Token ids whose secret part appears in the captured server log."""
        log = self.log_text()
        leaked = []
        for secret in self.secrets:
            m = TOKEN_RE.match(secret)
            if m and m.group("secret") in log:
                leaked.append(m.group("id"))
        return leaked

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def _read_serve_url(self) -> str | None:
        try:
            return self.serve_url_file.read_text().strip()
        except (FileNotFoundError, NotADirectoryError):
            return None

    def _port_open(self, url: str) -> bool:
        """Overridden where the head is not reachable from the test process's network namespace."""
        parts = urlsplit(url)
        try:
            with socket.create_connection((parts.hostname, parts.port), timeout=1):
                return True
        except OSError:
            return False

    # -- logs
    def log_text(self) -> str:
        return read_log(self.log_path)

    def log_tail(self, lines: int = 80) -> str:
        return log_tail("floe serve log", self.log_path, lines)

    # -- HTTP
    def request(self, method: str, path: str, *, cert: Any = None, **kw) -> requests.Response:
        kw.setdefault("timeout", HTTP_TIMEOUT_S)
        kw.setdefault("verify", self.ca)
        return requests.request(method, self.url + path, cert=cert, **kw)

    def get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw) -> requests.Response:
        return self.request("POST", path, **kw)

    def admin_get(self, path: str, **kw) -> requests.Response:
        return self.request("GET", path, cert=self.admin_cert, **kw)

    def admin_post(self, path: str, json_body: Any = None, **kw) -> requests.Response:
        if json_body is not None:
            kw["json"] = json_body
        return self.request("POST", path, cert=self.admin_cert, **kw)

    def admin_delete(self, path: str, **kw) -> requests.Response:
        return self.request("DELETE", path, cert=self.admin_cert, **kw)

    # -- CLI
    def run_cli(self, *args: str, timeout: float = 30, data_dir: bool = True,
                env: dict | None = None) -> subprocess.CompletedProcess:
        cmd = [*self.cmd_prefix, str(self.floe_bin)]
        if data_dir:
            cmd += ["--data-dir", str(self.data_dir)]
        return self._run([*cmd, *args], timeout=timeout, env=env)

    def cli_json(self, *args: str) -> Any:
        res = self.run_cli("--json", *args)
        assert res.returncode == 0, f"floe --json {' '.join(args)} failed: {res.returncode}\n{res.stderr}"
        try:
            return json.loads(res.stdout)
        except json.JSONDecodeError as exc:
            raise AssertionError(f"--json output of {args} is not JSON ({exc}):\n{res.stdout}") from exc

    def _run(self, cmd: list[str], timeout: float = 30, env: dict | None = None) -> subprocess.CompletedProcess:
        full_env = dict(os.environ)
        full_env.pop("FLOE_DATA_DIR", None)
        if env:
            full_env.update(env)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, env=full_env, cwd=self.work_dir)

    # -- conveniences built on the API
    def create_token(self, **body: Any) -> dict:
        resp = self.admin_post("/api/v1/tokens", body)
        assert resp.status_code == 201, f"POST /api/v1/tokens {body} -> {resp.status_code} {resp.text}"
        data = resp.json()
        self.secrets.append(data["secret"])
        return data

    def nodes(self) -> list[dict]:
        resp = self.admin_get("/api/v1/nodes")
        assert resp.status_code == 200, resp.text
        return resp.json()["nodes"]

    def node(self, node_id: str) -> dict:
        resp = self.admin_get(f"/api/v1/nodes/{node_id}")
        assert resp.status_code == 200, resp.text
        return resp.json()

    def tokens(self) -> list[dict]:
        resp = self.admin_get("/api/v1/tokens")
        assert resp.status_code == 200, resp.text
        return resp.json()["tokens"]

    def events(self, **params: Any) -> list[dict]:
        resp = self.admin_get("/api/v1/events", params=params)
        assert resp.status_code == 200, resp.text
        return resp.json()["events"]

    def ca_sha256(self) -> str:
        return ca_der_sha256(Path(self.ca).read_bytes())

    def next_node_dir(self) -> Path:
        self._node_seq += 1
        d = self.work_dir / "nodes" / f"{self._node_seq:04d}"
        d.mkdir(parents=True, exist_ok=True)
        return d


def _new_head(floe_bin: Path, work_dir: Path, serve_args: Iterable[str], start: bool = True,
              listen: str = "127.0.0.1:0") -> Head:
    head = Head(floe_bin, work_dir, serve_args=serve_args, listen=listen)
    res = head.init()
    assert res.returncode == 0, f"floe init failed ({res.returncode}):\nstdout:{res.stdout}\nstderr:{res.stderr}"
    if start:
        head.start()
    return head


# Failed joins are rate limited per source address (default 10/min); most tests make
# several deliberately failing joins from 127.0.0.1, so they raise the limit. The
# rate-limit test sets its own value.
DEFAULT_SERVE_ARGS = ("--join-failures-per-minute", "1000", "--log-level", "debug")


@pytest.fixture
def head_factory(floe_bin, tmp_path):
    """Make heads in this test's tmp dir: head_factory(serve_args=..., start=True, listen=ADDR:PORT)."""
    made: list[Head] = []

    def make(serve_args: Iterable[str] = DEFAULT_SERVE_ARGS, start: bool = True, name: str | None = None,
             listen: str = "127.0.0.1:0") -> Head:
        work = tmp_path / (name or f"head{len(made)}")
        head = _new_head(floe_bin, work, serve_args, start=start, listen=listen)
        made.append(head)
        return head

    yield make
    for head in made:
        head.cleanup()
    _assert_no_leaks(made)


@pytest.fixture
def agent_factory(agent_bin, tmp_path):
    """Simulated worker machines: agent_factory(fixture="this-machine", hostname=None,
    machine_id=None) copies tests/fixtures/hosts/<fixture> into this test's tmp dir with its own
    machine-id (random unless given) and hostname (workerN unless given), and returns an
    `agent_helpers.Agent` with its own state dir. Running agents are stopped at teardown."""
    made: list[agent_helpers.Agent] = []

    def make(fixture: str = "this-machine", *, hostname: str | None = None, machine_id: str | None = None,
             name: str | None = None, cmd_prefix: Iterable[str] = ()) -> agent_helpers.Agent:
        name = name or f"agent{len(made)}"
        work = tmp_path / "agents" / name
        sysroot = agent_helpers.make_sysroot(work / "sysroot", fixture,
                                             machine_id=machine_id or agent_helpers.new_machine_id(),
                                             hostname=hostname or f"worker{len(made)}")
        agent = agent_helpers.Agent(agent_bin, work, sysroot, cmd_prefix=cmd_prefix, name=name)
        made.append(agent)
        return agent

    yield make
    for agent in made:
        agent.cleanup()


@pytest.fixture
def head(head_factory) -> Head:
    """A fresh head for one test."""
    return head_factory()


@pytest.fixture(scope="module")
def shared_head(floe_bin, tmp_path_factory):
    """One head shared by the tests of a module (tests must not assume absolute counts)."""
    head = _new_head(floe_bin, tmp_path_factory.mktemp("shared-head"), DEFAULT_SERVE_ARGS)
    yield head
    head.cleanup()
    _assert_no_leaks([head])


def _assert_no_leaks(heads: list[Head]) -> None:
    for head in heads:
        leaked = head.leaked_secrets()
        if leaked:
            pytest.fail(f"the secret of token(s) {leaked} appears in the server log {head.log_path}",
                        pytrace=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for head in list(_LIVE_HEADS):
            rep.sections.append((f"floe serve log ({head.data_dir})", head.log_tail(120)))
        for agent in list(agent_helpers.LIVE_AGENTS):
            rep.sections.append((f"floe-agent run log ({agent.name})", agent.log_tail(60)))


# --------------------------------------------------------------------------- crypto helpers


def new_key(key_type: str = "ec", rsa_bits: int = 2048):
    if key_type == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if key_type == "rsa":
        return rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)
    raise ValueError(key_type)


def make_csr(cn: str = "worker", key_type: str = "ec", rsa_bits: int = 2048, ca: bool = False,
             key=None) -> tuple[str, bytes]:
    """A CSR (PEM str) and its private key (PEM bytes, unencrypted)."""
    key = key or new_key(key_type, rsa_bits)
    builder = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
    if ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    csr = builder.sign(key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return csr.public_bytes(serialization.Encoding.PEM).decode(), key_pem


def tampered_csr() -> str:
    """A well-formed CSR whose subject was changed after signing: the signature no longer verifies."""
    csr_pem, _ = make_csr(cn="tamper-me")
    der = x509.load_pem_x509_csr(csr_pem.encode()).public_bytes(serialization.Encoding.DER)
    assert der.count(b"tamper-me") == 1
    der = der.replace(b"tamper-me", b"tamper-mf")
    parsed = x509.load_der_x509_csr(der)
    assert not parsed.is_signature_valid
    return parsed.public_bytes(serialization.Encoding.PEM).decode()


def wrong_secret(secret_part: str) -> str:
    """The same secret with its last character replaced by another character that the secret
    itself uses, so the token stays well-formed (whatever its alphabet) but no longer matches."""
    last = secret_part[-1]
    others = sorted(set(secret_part) - {last})
    assert others, "a secret with a single repeated character"
    return secret_part[:-1] + others[0]


def ca_der_sha256(pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(pem)
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def parse_token(secret: str) -> dict:
    m = TOKEN_RE.match(secret)
    assert m, f"token {secret!r} does not match FLOE1-<64 hex>-<id6>.<secret>"
    return m.groupdict()


def inventory_hash(inventory: dict) -> str:
    """sha256 of the compact, key-sorted JSON (what nlohmann::json::dump() gives for ASCII data)."""
    return hashlib.sha256(json.dumps(inventory, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --------------------------------------------------------------------------- join helpers


@dataclass
class Node:
    id: str
    name: str
    state: str
    machine_id: str
    cert: Path
    key: Path
    response: dict

    @property
    def tls(self) -> tuple[str, str]:
        return (str(self.cert), str(self.key))

    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.cert.read_bytes())


def new_machine_id() -> str:
    return uuid.uuid4().hex


def join_raw(head: Head, token: str, *, machine_id: str | None = None, name: str | None = None,
             labels: dict | None = None, inventory: dict | None = None, preflight: list | None = None,
             csr: str | None = None, **extra: Any) -> tuple[requests.Response, bytes | None, dict]:
    """POST /api/v1/join without a client cert. Returns (response, key PEM, request body)."""
    key_pem = None
    if csr is None:
        csr, key_pem = make_csr(cn=name or "worker")
    body: dict[str, Any] = {"token": token, "csr": csr, "machine_id": machine_id or new_machine_id()}
    if name is not None:
        body["name"] = name
    if labels is not None:
        body["labels"] = labels
    if inventory is not None:
        body["inventory"] = inventory
    if preflight is not None:
        body["preflight"] = preflight
    body.update(extra)
    resp = head.post("/api/v1/join", json=body)
    return resp, key_pem, body


def join(head: Head, token: str, **kw: Any) -> Node:
    """A join that must succeed; writes the node's cert and key next to the head's tmp dir."""
    resp, key_pem, body = join_raw(head, token, **kw)
    assert resp.status_code == 200, f"join -> {resp.status_code} {resp.text}"
    data = resp.json()
    node_dir = head.next_node_dir()
    cert_path = node_dir / "node.crt"
    key_path = node_dir / "node.key"
    cert_path.write_text(data["certificate"])
    key_path.write_bytes(key_pem)
    key_path.chmod(0o600)
    return Node(id=data["node_id"], name=data["name"], state=data["state"], machine_id=body["machine_id"],
                cert=cert_path, key=key_path, response=data)


def heartbeat(head: Head, node_id: str, cert: Any, body: dict | None = None, **kw) -> requests.Response:
    if body is None:
        body = default_heartbeat()
    return head.post(f"/api/v1/agents/{node_id}/heartbeat", cert=cert, json=body, **kw)


def default_heartbeat(**over: Any) -> dict:
    body = {
        "status": "ok",
        "load": {"load1": 0.1, "load5": 0.2, "load15": 0.3, "cpu_percent": 3.5, "memory_used_bytes": 123456},
        "k3s": {"state": "running"},
        "inventory_hash": hashlib.sha256(b"no inventory").hexdigest(),
    }
    body.update(over)
    return body


# --------------------------------------------------------------------------- assertions


def assert_error(resp: requests.Response | "RawResponse", status: int, code: str | None = None) -> dict:
    """The contract's error shape: {"error":{"code":..,"message":..}} with the matching status."""
    body_text = resp.text
    assert resp.status_code == status, f"expected HTTP {status}, got {resp.status_code}: {body_text[:500]}"
    try:
        data = json.loads(body_text)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"error body is not JSON: {body_text[:500]!r}") from exc
    assert isinstance(data, dict) and isinstance(data.get("error"), dict), f"bad error shape: {data}"
    err = data["error"]
    assert isinstance(err.get("code"), str) and err["code"], f"bad error code: {data}"
    assert isinstance(err.get("message"), str) and err["message"], f"bad error message: {data}"
    if code is not None:
        assert err["code"] == code, f"expected code {code!r}, got {err['code']!r}: {data}"
    return err


def assert_rfc3339(value: Any) -> None:
    assert isinstance(value, str) and RFC3339_UTC_RE.match(value), f"not an RFC 3339 UTC timestamp: {value!r}"


def wait_until(predicate, timeout: float, step: float = 0.1, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = predicate()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")
        time.sleep(step)


# --------------------------------------------------------------------------- raw HTTPS


@dataclass
class RawResponse:
    status_code: int
    headers: dict
    content: bytes

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.content)


def raw_request(head: Head, method: str, path: str, headers: dict | None = None, body: bytes = b"",
                cert: tuple[str, str] | None = None, content_length: int | None = None) -> RawResponse:
    """Send a request over a raw TLS socket, tolerating the server answering (and closing)
    before the client has finished sending, as it should for 413/431."""
    host, port = head.host_port
    ctx = ssl.create_default_context(cafile=head.ca)
    if cert:
        ctx.load_cert_chain(*cert)
    sock = socket.create_connection((host, port), timeout=HTTP_TIMEOUT_S)
    ssock = ctx.wrap_socket(sock, server_hostname=host)
    received = bytearray()
    eof = False

    def poll(wait: float) -> bool:
        """True once the server has sent application data (or closed). TLS 1.3 session
        tickets also make the socket readable, so readability alone proves nothing."""
        nonlocal eof
        if eof or received:
            return True
        if not (ssock.pending() or select.select([ssock], [], [], wait)[0]):
            return False
        ssock.setblocking(False)
        try:
            data = ssock.recv(65536)
            if data:
                received.extend(data)
            else:
                eof = True
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except (ConnectionResetError, ssl.SSLError):
            eof = True
        finally:
            ssock.settimeout(HTTP_TIMEOUT_S)
        return eof or bool(received)

    try:
        hdrs = {"Host": f"{host}:{port}", "Connection": "close"}
        hdrs.update(headers or {})
        if body or content_length is not None or method in ("POST", "PUT"):
            hdrs.setdefault("Content-Length", str(content_length if content_length is not None else len(body)))
        head_bytes = f"{method} {path} HTTP/1.1\r\n".encode() + b"".join(
            f"{k}: {v}\r\n".encode() for k, v in hdrs.items()) + b"\r\n"
        chunk = 16 * 1024
        try:
            for off in range(0, len(head_bytes), chunk):
                ssock.sendall(head_bytes[off:off + chunk])
                if poll(0):
                    break
            else:
                # A server that rejects on the header (Content-Length over the limit) answers
                # now; give it a moment before sending the body, so that the answer is not lost
                # in a reset caused by unread body bytes.
                deadline = time.monotonic() + 0.3
                while body and not poll(0.05) and time.monotonic() < deadline:
                    pass
                if body and not poll(0):
                    for off in range(0, len(body), chunk):
                        ssock.sendall(body[off:off + chunk])
                        if poll(0):
                            break
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass
        # read the whole answer (we asked for Connection: close)
        deadline = time.monotonic() + HTTP_TIMEOUT_S
        while not eof and time.monotonic() < deadline:
            if b"\r\n\r\n" in received:
                head_part, _, rest = bytes(received).partition(b"\r\n\r\n")
                m = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head_part)
                if m and len(rest) >= int(m.group(1)):
                    break
            try:
                data = ssock.recv(65536)
            except (ConnectionResetError, ssl.SSLError, socket.timeout):
                break
            if not data:
                break
            received.extend(data)
    finally:
        try:
            ssock.close()
        except OSError:
            pass
    head_part, sep, rest = bytes(received).partition(b"\r\n\r\n")
    assert sep, f"no complete HTTP response from {method} {path}: {bytes(received)[:300]!r}"
    lines = head_part.decode("iso-8859-1").split("\r\n")
    status = int(lines[0].split()[1])
    resp_headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        resp_headers[k.strip().lower()] = v.strip()
    if "content-length" in resp_headers:
        rest = rest[:int(resp_headers["content-length"])]
    return RawResponse(status, resp_headers, rest)


def parse_metrics(text: str) -> list[tuple[str, dict, float]]:
    """Prometheus text format -> [(name, labels, value)] (comments skipped)."""
    out = []
    line_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
    label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = line_re.match(line)
        assert m, f"unparseable metrics line: {line!r}"
        labels = dict(label_re.findall(m.group(2) or ""))
        out.append((m.group(1), labels, float(m.group(3))))
    return out


def metric_value(samples, name: str, **labels: str) -> float | None:
    for n, l, v in samples:
        if n == name and all(l.get(k) == val for k, val in labels.items()):
            return v
    return None


class Heartbeater:
    """Heartbeats one node in a background thread until stopped (bounded by a deadline)."""

    def __init__(self, head: Head, node: Node, period: float, max_seconds: float = 60):
        self.head, self.node, self.period, self.max_seconds = head, node, period, max_seconds
        self.stop_event = threading.Event()
        self.statuses: list[int] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        deadline = time.monotonic() + self.max_seconds
        while not self.stop_event.is_set() and time.monotonic() < deadline:
            try:
                self.statuses.append(heartbeat(self.head, self.node.id, self.node.tls).status_code)
            except requests.RequestException:
                self.statuses.append(-1)
            self.stop_event.wait(self.period)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join(timeout=15)
