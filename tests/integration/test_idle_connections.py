"""10,000 idle connections: the head keeps serving, refuses connections beyond
--max-connections cleanly, and its memory stays bounded.

An agent between heartbeats is an idle kept-alive mutual-TLS connection, so a head of
10,000 agents holds 10,000 of them. `floe-loadgen --idle N` (tests/bench/loadgen, C++:
Python cannot open 10,000 TLS connections in a test's time) opens N connections with
the admin certificate, answers one request on each, and holds them; while they are
held a real `floe-agent` joins and heartbeats and the admin API answers. On SIGTERM
the generator sends one more request on every held connection, proving the head still
serves connections that sat idle.

FLOE_IDLE_CONNECTIONS sets N (default 10,000; 2,000 when the head is an ASan build, whose
allocator keeps freed memory in quarantine and runs several times slower).
FLOE_LOADGEN_BIN points at floe-loadgen (default: next to FLOE_BIN's build,
BUILD/tests/bench/floe-loadgen).
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, wait_until
from agent_helpers import create_join_command

# Connections the test itself needs besides the idle ones: its API calls and the agent.
SPARE_CONNECTIONS = 20
# Bytes of head RSS per idle mutual-TLS connection: measured 3.9-4.5 KB since a TLS 1.3
# connection is handed from OpenSSL to the head's own record layer after the handshake;
# ~28 KB when it stays on OpenSSL (its SSL object and the peer certificate), ~80 KB with
# asio's ssl::stream. This bound catches a connection left on OpenSSL, or a buffer kept
# per idle connection (tests/bench/README.md).
RELEASE_BYTES_PER_CONNECTION = 10_000
# ASan pads every allocation and quarantines freed memory: only a loose bound.
ASAN_BYTES_PER_CONNECTION = 400_000
OPEN_TIMEOUT_S = 240


def is_asan_build(binary: Path) -> bool:
    with open(binary, "rb") as f:
        return b"__asan_init" in f.read()


@pytest.fixture(scope="module")
def loadgen_bin(floe_bin) -> Path:
    raw = os.environ.get("FLOE_LOADGEN_BIN")
    path = Path(raw) if raw else floe_bin.parent.parent / "tests" / "bench" / "floe-loadgen"
    if not path.is_absolute():
        path = REPO_ROOT / path
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"floe-loadgen not found at {path}: build it (tests/bench, FLOE_BUILD_BENCH=ON) "
                    "or set FLOE_LOADGEN_BIN", pytrace=False)
    return path


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for pid {pid}")


def open_sockets(pid: int) -> int:
    """Sockets the process holds; a descriptor closed while we look is simply not counted."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except FileNotFoundError:
            continue
    return count


def healthz_seconds(head) -> float:
    started = time.monotonic()
    assert head.get("/healthz").status_code == 200
    return time.monotonic() - started


def serves_healthz(head) -> bool:
    """Whether /healthz answers 200 now. A reset counts as "not yet": the head frees the
    slots of just-closed connections asynchronously, so the first try may still be refused."""
    try:
        return head.get("/healthz").status_code == 200
    except OSError:  # requests' ConnectionError is an OSError too
        return False


def try_tls(head, context: ssl.SSLContext) -> tuple[ssl.SSLSocket | None, float]:
    """A TLS connection, or None when the head refused it; and how long that took."""
    started = time.monotonic()
    raw = socket.create_connection(head.host_port, timeout=10)
    try:
        tls = context.wrap_socket(raw, server_hostname="127.0.0.1")
        # A refused connection may only show on the first read: ask for something.
        tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        if not tls.recv(64).startswith(b"HTTP/1.1 200"):
            raise ConnectionResetError("no answer")
        return tls, time.monotonic() - started
    except (ssl.SSLError, ConnectionResetError, BrokenPipeError, OSError) as e:
        if isinstance(e, socket.timeout):
            raise AssertionError("a connection beyond the limit hung instead of being refused") from e
        raw.close()
        return None, time.monotonic() - started


def test_ten_thousand_idle_connections(head_factory, agent_factory, loadgen_bin, floe_bin, tmp_path):
    asan = is_asan_build(floe_bin)
    count = int(os.environ.get("FLOE_IDLE_CONNECTIONS") or (2000 if asan else 10000))
    limit = count + SPARE_CONNECTIONS
    head = head_factory(serve_args=("--join-failures-per-minute", "1000", "--log-level", "info",
                                    "--heartbeat-interval", "1s", "--max-connections", str(limit)))
    sockets_before = open_sockets(head.pid)
    ready_file, report_file = tmp_path / "idle-ready.json", tmp_path / "idle-report.json"
    log = open(tmp_path / "loadgen.log", "wb")
    loadgen = subprocess.Popen(
        [str(loadgen_bin), "--idle", str(count), "--head", head.url, "--data-dir", str(head.data_dir),
         "--head-pid", str(head.pid), "--ready-file", str(ready_file), "--json-out", str(report_file)],
        stdout=subprocess.DEVNULL, stderr=log)
    try:
        started = time.monotonic()
        while not ready_file.exists():
            assert loadgen.poll() is None, f"floe-loadgen exited {loadgen.returncode}: " \
                                           f"{(tmp_path / 'loadgen.log').read_text()[-2000:]}"
            assert head.proc.poll() is None, f"the head died while connections opened\n{head.log_tail()}"
            assert time.monotonic() - started < OPEN_TIMEOUT_S, f"{count} connections not open in {OPEN_TIMEOUT_S}s"
            time.sleep(0.2)
        ready = json.loads(ready_file.read_text())
        print(f"\n{count} idle connections open in {ready['open_seconds']:.1f}s; head RSS "
              f"{ready['head_rss_before_bytes'] / 1e6:.1f} -> {ready['head_rss_open_bytes'] / 1e6:.1f} MB, "
              f"{ready['head_rss_per_connection_bytes'] / 1e3:.1f} KB per connection{' (ASan)' if asan else ''}")
        assert ready["opened"] == count and not ready["errors_while_opening"], ready

        # Memory stays bounded: what each held connection costs.
        budget = ASAN_BYTES_PER_CONNECTION if asan else RELEASE_BYTES_PER_CONNECTION
        assert ready["head_rss_per_connection_bytes"] < budget, ready

        # The head keeps serving: health, admin API, and a real agent joining and heartbeating.
        assert max(healthz_seconds(head) for _ in range(5)) < 1.0
        _, token = create_join_command(head)
        agent = agent_factory()
        node_id = agent.join_ok(head.url, token)["node_id"]
        agent.start()
        wait_until(lambda: (agent.run_status() or {}).get("connected") is True, timeout=15,
                   what="the agent to report connected while 10,000 connections are idle")
        seen = head.node(node_id)["last_seen_at"]
        wait_until(lambda: head.node(node_id)["last_seen_at"] > seen, timeout=10, step=0.2,
                   what="the agent's heartbeats to advance last_seen_at")
        assert head.node(node_id)["state"] == "ready"

        # Beyond --max-connections: refused at once (closed before the TLS handshake
        # completes), never hung, and the head goes on serving.
        context = ssl.create_default_context(cafile=head.ca)
        held, refused = [], []
        try:
            for _ in range(SPARE_CONNECTIONS + 10):
                tls, took = try_tls(head, context)
                (held.append(tls) if tls else refused.append(took))
                if len(refused) >= 5:
                    break
            assert refused, f"{len(held)} more connections accepted beyond --max-connections {limit}"
            assert max(refused) < 2.0, f"refusals took {refused}"
        finally:
            for tls in held:
                tls.close()
        assert "connection limit reached" in head.log_text()
        wait_until(lambda: serves_healthz(head), timeout=10,
                   what="the head to serve again once connections below the limit")
        agent.stop()
    finally:
        loadgen.terminate()  # SIGTERM ends the hold: one more request on each connection
        try:
            loadgen.wait(timeout=120)
        finally:
            if loadgen.poll() is None:
                loadgen.kill()
                loadgen.wait()
            log.close()

    # Every held connection was still served after sitting idle, and all were released.
    report = json.loads(report_file.read_text())
    assert report["still_served_after_idle"] == count, report
    wait_until(lambda: open_sockets(head.pid) <= sockets_before + 2, timeout=20, step=0.5,
               what="the head to release the closed connections' sockets")
    assert head.proc.poll() is None
