"""The head keeps serving under hostile or broken clients: TLS handshakes that never
finish, requests trickled a byte at a time, and many idle connections. Each misbehaving
connection is cut off by its phase's timeout, and well-behaved clients are answered
promptly the whole time. (The 10,000-connection version is the head_scale benchmark.)"""

from __future__ import annotations

import socket
import ssl
import time

import pytest

from conftest import DEFAULT_SERVE_ARGS

SHORT_TIMEOUTS = ("--handshake-timeout", "1s", "--read-timeout", "2s", "--idle-timeout", "2s")


def connect(head) -> socket.socket:
    host, port = head.host_port
    return socket.create_connection((host, port), timeout=10)


def closed_by_peer(sock: socket.socket, within: float) -> float | None:
    """Seconds until the peer closed the connection, or None if it stayed open."""
    started = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - started < within:
        try:
            data = sock.recv(4096)
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError, OSError):
            return time.monotonic() - started
        if data == b"":
            return time.monotonic() - started
    return None


def healthz_seconds(head) -> float:
    started = time.monotonic()
    assert head.get("/healthz").status_code == 200
    return time.monotonic() - started


@pytest.fixture
def strict_head(head_factory):
    return head_factory(serve_args=(*DEFAULT_SERVE_ARGS, *SHORT_TIMEOUTS))


def test_a_tls_handshake_that_never_finishes_is_cut_off(strict_head):
    silent = [connect(strict_head) for _ in range(20)]  # TCP only: no ClientHello
    try:
        assert healthz_seconds(strict_head) < 1.0, "silent connections must not delay others"
        waited = [closed_by_peer(s, within=6) for s in silent]
        assert all(w is not None for w in waited), f"some silent connections stayed open: {waited}"
        assert max(waited) < 4, f"handshake timeout is 1 s, closed after {max(waited):.1f}s"
    finally:
        for s in silent:
            s.close()


def test_a_request_trickled_byte_by_byte_is_cut_off(strict_head):
    context = ssl.create_default_context(cafile=strict_head.ca)
    raw = connect(strict_head)
    tls = context.wrap_socket(raw, server_hostname="127.0.0.1")
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 200 + b"\r\n\r\n"
    started = time.monotonic()
    sent = 0
    cut_off = None
    try:
        while sent < len(request) and time.monotonic() - started < 8:
            try:
                tls.sendall(request[sent:sent + 1])
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                cut_off = time.monotonic() - started
                break
            sent += 1
            # Meanwhile others are served at once.
            if sent == 5:
                assert healthz_seconds(strict_head) < 1.0
            time.sleep(0.1)
        if cut_off is None:
            cut_off = closed_by_peer(tls, within=4)
            if cut_off is not None:
                cut_off += time.monotonic() - started
    finally:
        tls.close()
    assert sent < len(request), "the trickled request was never cut off"
    assert cut_off is not None and cut_off < 5, f"read timeout is 2 s, cut off after {cut_off}"


def test_many_idle_connections_do_not_block_service(strict_head):
    context = ssl.create_default_context(cafile=strict_head.ca)
    idle = []
    try:
        for _ in range(200):
            idle.append(context.wrap_socket(connect(strict_head), server_hostname="127.0.0.1"))
        assert healthz_seconds(strict_head) < 1.0
        token = strict_head.create_token()
        assert token["secret"].startswith("FLOE1-")
        # Idle TLS connections that never send a request are closed by the read timeout.
        waited = [closed_by_peer(s, within=6) for s in idle[:10]]
        assert all(w is not None for w in waited), waited
    finally:
        for s in idle:
            s.close()


def test_timeout_flags_are_validated(head_factory):
    head = head_factory(start=False)
    for bad in (("--read-timeout", "0s"), ("--handshake-timeout", "soon")):
        res = head._run([str(head.floe_bin), "serve", "--data-dir", str(head.data_dir),
                         "--listen", "127.0.0.1:0", *bad], timeout=10)
        assert res.returncode == 1, (bad, res.returncode, res.stderr)
        assert bad[0] in res.stderr or "duration" in res.stderr, res.stderr


def test_clients_that_vanish_before_the_answer_do_not_kill_the_head(head):
    """The head's TLS stream writes with write(2): a client that resets the connection
    before its answer (an agent that timed out) must cost an EPIPE, not a SIGPIPE."""
    import struct
    context = ssl.create_default_context(cafile=head.ca)
    for _ in range(30):
        tls = context.wrap_socket(connect(head), server_hostname="127.0.0.1")
        # A large answer, so the head is still writing when the reset arrives.
        tls.sendall(b"GET /cacerts HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" * 20)
        tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        tls.close()  # RST: unread data and linger 0
    time.sleep(0.5)
    assert head.proc.poll() is None, f"the head died (exit {head.proc.returncode})\n{head.log_tail()}"
    assert healthz_seconds(head) < 1.0
