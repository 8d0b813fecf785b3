"""A misbehaving head for the agent to live with: a TLS-terminating HTTP proxy in front of a
real `floe serve`, switched at run time between

- `pass`: every request goes to the real head and its answer comes back;
- `500`:  heartbeats are answered HTTP 500 with the API's error shape (other requests pass);
- `hang`: the request is read and never answered; the connection is held until the client
          gives up (closes it) or the proxy is closed.

It serves the head's own certificate and key (`pki/server.crt`, issued by the cluster CA for
the head's addresses, 127.0.0.1 here), so an agent can join through it with the printed token
and keeps its URL. Clients that present a certificate (the agent after joining) are verified
against the cluster CA and forwarded with the same identity: the proxy is given the agent's
certificate and key, and refuses any other client certificate (HTTP 502), so mutual TLS to the
real head stays what it was. Every request is recorded with its arrival time and outcome.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

PASS, ERROR_500, HANG = "pass", "500", "hang"
MODES = (PASS, ERROR_500, HANG)
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection", "upgrade", "te"}
_MAX_HEADER_BYTES = 64 * 1024
_IDLE_TIMEOUT_S = 60.0
_UPSTREAM_TIMEOUT_S = 30.0


@dataclass
class ProxiedRequest:
    at: float                 # time.monotonic() when the request was read
    mode: str                 # the proxy's mode at that moment
    method: str
    path: str
    status: int | None = None  # what the client was answered; None while (or if never) answered
    released_at: float | None = None  # for hung requests: when the client closed the connection

    @property
    def is_heartbeat(self) -> bool:
        return self.path.endswith("/heartbeat")


class _ClientGone(Exception):
    pass


class FaultProxy:
    def __init__(self, pki_dir: Path, ca_file: str, upstream: tuple[str, int],
                 client_identity: Callable[[], tuple[Path, Path] | None]):
        self.upstream = upstream
        self._ca_file = ca_file
        self._client_identity = client_identity
        self._server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._server_ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        self._server_ctx.load_cert_chain(str(Path(pki_dir) / "server.crt"), str(Path(pki_dir) / "server.key"))
        self._server_ctx.verify_mode = ssl.CERT_OPTIONAL
        self._server_ctx.load_verify_locations(ca_file)
        self.mode = PASS
        self.requests: list[ProxiedRequest] = []
        self.errors: list[str] = []  # proxy-side problems (upstream failures), for test messages
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._connections: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._accept_thread = threading.Thread(target=self._accept_loop, name="fault-proxy-accept", daemon=True)
        self._accept_thread.start()

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def set_mode(self, mode: str) -> float:
        """Switches the mode; returns the time.monotonic() of the switch."""
        assert mode in MODES, mode
        with self._lock:
            self.mode = mode
            return time.monotonic()

    def snapshot(self, *, since: float = 0.0, until: float = float("inf"), heartbeats_only: bool = True,
                 mode: str | None = None) -> list[ProxiedRequest]:
        with self._lock:
            return [ProxiedRequest(**vars(r)) for r in self.requests
                    if since <= r.at <= until and (r.is_heartbeat or not heartbeats_only)
                    and (mode is None or r.mode == mode)]

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.close()
            except OSError:
                pass
        self._accept_thread.join(timeout=5)

    # ------------------------------------------------------------------ internals

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve_connection, args=(conn,), name="fault-proxy-conn",
                             daemon=True).start()

    def _track(self, conn: socket.socket, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    def _serve_connection(self, raw: socket.socket) -> None:
        self._track(raw, True)
        upstream: http.client.HTTPSConnection | None = None
        tls = None
        try:
            raw.settimeout(_IDLE_TIMEOUT_S)
            tls = self._server_ctx.wrap_socket(raw, server_side=True)
            self._track(tls, True)
            peer_der = tls.getpeercert(binary_form=True)
            buffer = bytearray()
            while not self._stop.is_set():
                parsed = self._read_request(tls, buffer)
                if parsed is None:
                    return
                method, path, headers, body = parsed
                with self._lock:
                    record = ProxiedRequest(at=time.monotonic(), mode=self.mode, method=method, path=path)
                    self.requests.append(record)
                if record.mode == HANG:
                    self._hold(tls, record)
                    return
                if record.mode == ERROR_500 and record.is_heartbeat:
                    payload = json.dumps({"error": {"code": "internal",
                                                    "message": "injected fault: the head is failing"}}).encode()
                    self._respond(tls, record, 500, "Internal Server Error",
                                  [("Content-Type", "application/json")], payload)
                    continue
                if upstream is None:
                    upstream = self._upstream_for(peer_der)
                    if upstream is None:
                        self._respond(tls, record, 502, "Bad Gateway", [("Content-Type", "text/plain")],
                                      b"fault proxy: unknown client certificate\n")
                        return
                try:
                    forward = {k: v for k, v in headers if k.lower() not in _HOP_BY_HOP and k.lower() != "host"}
                    upstream.request(method, path, body=body, headers=forward)
                    resp = upstream.getresponse()
                    data = resp.read()
                except (OSError, http.client.HTTPException) as exc:
                    with self._lock:
                        self.errors.append(f"{method} {path}: upstream {exc!r}")
                    upstream.close()
                    upstream = None
                    self._respond(tls, record, 502, "Bad Gateway", [("Content-Type", "text/plain")],
                                  b"fault proxy: upstream failed\n")
                    continue
                out_headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP_BY_HOP]
                self._respond(tls, record, resp.status, resp.reason, out_headers, data)
        except (_ClientGone, OSError, ssl.SSLError):
            return
        finally:
            if upstream is not None:
                upstream.close()
            for sock in (tls, raw):
                if sock is not None:
                    self._track(sock, False)
                    try:
                        sock.close()
                    except OSError:
                        pass

    def _upstream_for(self, peer_der: bytes | None) -> http.client.HTTPSConnection | None:
        ctx = ssl.create_default_context(cafile=self._ca_file)
        if peer_der:
            identity = self._client_identity()
            if identity is None:
                return None
            cert, key = identity
            expected = ssl.PEM_cert_to_DER_cert(Path(cert).read_text())
            if expected != peer_der:
                return None
            ctx.load_cert_chain(str(cert), str(key))
        host, port = self.upstream
        return http.client.HTTPSConnection(host, port, context=ctx, timeout=_UPSTREAM_TIMEOUT_S)

    @staticmethod
    def _recv(tls) -> bytes:
        try:
            data = tls.recv(65536)
        except (ConnectionResetError, ssl.SSLError) as exc:
            raise _ClientGone() from exc
        if not data:
            raise _ClientGone()
        return data

    def _read_request(self, tls, buffer: bytearray):
        """(method, path, [(name, value)], body) of the next request, or None at a clean EOF."""
        while b"\r\n\r\n" not in buffer:
            if len(buffer) > _MAX_HEADER_BYTES:
                raise _ClientGone()
            try:
                buffer.extend(self._recv(tls))
            except _ClientGone:
                if not buffer:
                    return None
                raise
        head, _, rest = bytes(buffer).partition(b"\r\n\r\n")
        lines = head.decode("iso-8859-1").split("\r\n")
        method, path, _version = lines[0].split(" ", 2)
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
        body = bytearray(rest)
        while len(body) < length:
            body.extend(self._recv(tls))
        buffer[:] = body[length:]
        return method, path, headers, bytes(body[:length])

    def _hold(self, tls, record: ProxiedRequest) -> None:
        """Never answer; wait until the client closes the connection (or the proxy is closed)."""
        tls.settimeout(0.2)
        while not self._stop.is_set():
            try:
                data = tls.recv(4096)
            except socket.timeout:
                continue
            except (OSError, ssl.SSLError):
                data = b""
            if not data:
                with self._lock:
                    record.released_at = time.monotonic()
                return

    def _respond(self, tls, record: ProxiedRequest, status: int, reason: str, headers, body: bytes) -> None:
        head = f"HTTP/1.1 {status} {reason}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + \
            f"Content-Length: {len(body)}\r\n\r\n"
        tls.sendall(head.encode("iso-8859-1") + body)
        with self._lock:
            record.status = status
