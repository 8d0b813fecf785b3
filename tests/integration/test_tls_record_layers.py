"""Both TLS record layers of the head serve a kept-alive mutual-TLS connection.

After the handshake the head hands a TLS 1.3 AES-GCM connection from OpenSSL to its own
record layer (common/src/http/tls13_handoff.h) and frees OpenSSL's state; TLS 1.2 and
ChaCha20-Poly1305 connections stay on OpenSSL. For each kind of client, curl (libcurl
on OpenSSL, like floe-agent) makes three requests over one connection with the admin
certificate: an admin route, a console asset of ~100 KB (several records to the client)
and a 40 KB request body (several records to the head). The head's debug log says
which path each connection took.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess

import pytest

from conftest import DEFAULT_SERVE_ARGS, assert_error

KEPT_ON_OPENSSL = "tls connection kept on OpenSSL"
HANDED_OFF = "tls connection handed off to the record layer"

# curl options, and the reason the head logs when the connection stays on OpenSSL
# (None: handed off to the head's record layer).
CLIENTS = {
    "tls1.3-aes128-gcm": (["--tlsv1.3", "--tls13-ciphers", "TLS_AES_128_GCM_SHA256"], None),
    "tls1.3-aes256-gcm": (["--tlsv1.3", "--tls13-ciphers", "TLS_AES_256_GCM_SHA384"], None),
    "tls1.3-chacha20": (["--tlsv1.3", "--tls13-ciphers", "TLS_CHACHA20_POLY1305_SHA256"],
                        "cipher suite TLS_CHACHA20_POLY1305_SHA256"),
    "tls1.2": (["--tlsv1.2", "--tls-max", "1.2"], "TLSv1.2 connection"),
}


def console_asset(head) -> tuple[str, bytes]:
    index = head.get("/")
    assert index.status_code == 200, index.text[:200]
    paths = re.findall(r'/assets/[^"]+\.js', index.text)
    assert paths, "the console's index names no script asset"
    asset = head.get(paths[0])
    assert asset.status_code == 200 and len(asset.content) > 3 * 16384, (paths[0], len(asset.content))
    return paths[0], asset.content


@pytest.mark.parametrize("client", sorted(CLIENTS))
def test_one_kept_alive_connection_on_each_record_layer(shared_head, tmp_path, client):
    options, kept_reason = CLIENTS[client]
    asset_path, asset = console_asset(shared_head)
    cert, key = shared_head.admin_cert
    body = tmp_path / "body.json"
    body.write_bytes(b"{" + b"x" * 40_000)  # 40 KB of JSON that does not parse: read whole, then refused
    tls = ["--cacert", shared_head.ca, "--cert", cert, "--key", key, *options]
    write_out = ["-w", "%{http_code} %{num_connects} %{ssl_verify_result}\n"]
    before = shared_head.log_text()

    result = subprocess.run(
        ["curl", "-sS", *tls, *write_out, "-o", str(tmp_path / "status"), shared_head.url + "/api/v1/status",
         "--next", *tls, *write_out, "-o", str(tmp_path / "asset"), shared_head.url + asset_path,
         "--next", *tls, *write_out, "-o", str(tmp_path / "refused"), "-H", "Content-Type: application/json",
         "--data-binary", f"@{body}", shared_head.url + "/api/v1/tokens"],
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr

    lines = [line.split() for line in result.stdout.splitlines()]
    assert [line[0] for line in lines] == ["200", "200", "400"], result.stdout
    # One TCP connection for the three requests: the second and third reused it.
    assert sum(int(line[1]) for line in lines) == 1, result.stdout
    assert isinstance(json.loads((tmp_path / "status").read_text()), dict)  # the admin was recognised
    assert hashlib.sha256((tmp_path / "asset").read_bytes()).hexdigest() == hashlib.sha256(asset).hexdigest()

    class Refused:  # assert_error wants .text and .status_code
        status_code = 400
        text = (tmp_path / "refused").read_text()
    assert_error(Refused(), 400)

    log = shared_head.log_text()
    kept = log.count(KEPT_ON_OPENSSL) - before.count(KEPT_ON_OPENSSL)
    handed_off = log.count(HANDED_OFF) - before.count(HANDED_OFF)
    if kept_reason is None:
        assert (handed_off, kept) == (1, 0), f"{client} was not handed off:\n{log[-2000:]}"
    else:
        assert (handed_off, kept) == (0, 1), f"{client} was not kept on OpenSSL:\n{log[-2000:]}"
        assert kept_reason in log[len(before):], log[-2000:]
    assert "tls connection closed" not in log, log[-2000:]


def test_tls_keep_openssl_keeps_tls13_connections_on_openssl(head_factory):
    """The operator's fallback: `floe serve --tls-keep-openssl` never hands off."""
    head = head_factory(serve_args=(*DEFAULT_SERVE_ARGS, "--tls-keep-openssl"))
    cert, key = head.admin_cert
    result = subprocess.run(
        ["curl", "-sS", "--cacert", head.ca, "--cert", cert, "--key", key, "--tlsv1.3",
         "--tls13-ciphers", "TLS_AES_128_GCM_SHA256", "-o", "/dev/null", "-w", "%{http_code}",
         head.url + "/api/v1/status"], capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, "200"), result.stderr
    log = head.log_text()
    assert log.count(KEPT_ON_OPENSSL) == 1 and HANDED_OFF not in log, log[-2000:]
    assert "record layer is off" in log, log[-2000:]
