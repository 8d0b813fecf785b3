"""Public routes, the TLS surface and process lifecycle of `floe serve`."""

import datetime
import hashlib
import signal
import socket
import ssl
import stat
import time

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conftest import (
    SHUTDOWN_TIMEOUT_S,
    assert_error,
    assert_rfc3339,
    heartbeat,
    join,
    metric_value,
    parse_metrics,
    parse_token,
)


def test_healthz(shared_head):
    resp = shared_head.get("/healthz")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/json")
    assert resp.json() == {"status": "ok"}


def test_readyz(shared_head):
    resp = shared_head.get("/readyz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ready"}


def test_public_routes_need_no_client_cert_but_accept_one(shared_head):
    assert shared_head.get("/healthz").status_code == 200
    assert shared_head.get("/healthz", cert=shared_head.admin_cert).status_code == 200


def test_metrics(shared_head):
    token = shared_head.create_token()
    join(shared_head, token["secret"])
    shared_head.get("/healthz")
    resp = shared_head.get("/metrics")
    assert resp.status_code == 200
    ctype = resp.headers["Content-Type"].replace(" ", "")
    assert ctype.startswith("text/plain") and "version=0.0.4" in ctype, ctype
    text = resp.text
    assert "floe_http_requests_total" in text
    assert "floe_nodes" in text
    samples = parse_metrics(text)
    joins = metric_value(samples, "floe_http_requests_total", route="/api/v1/join", method="POST", code="200")
    assert joins is not None and joins >= 1, text
    names = {n for n, _, _ in samples}
    assert {"floe_http_request_duration_seconds_bucket", "floe_http_request_duration_seconds_sum",
            "floe_http_request_duration_seconds_count"} <= names, names
    buckets = [(l, v) for n, l, v in samples if n == "floe_http_request_duration_seconds_bucket"]
    assert all("le" in l and "route" in l for l, _ in buckets)
    assert any(l["le"] == "+Inf" for l, _ in buckets)
    for state in ("ready", "pending", "lost"):
        assert metric_value(samples, "floe_nodes", state=state) is not None, f"floe_nodes{{state={state}}} missing"
    assert metric_value(samples, "floe_nodes", state="ready") >= 1
    for state in ("active", "expired", "revoked", "used_up"):
        assert metric_value(samples, "floe_tokens", state=state) is not None, f"floe_tokens{{state={state}}} missing"
    assert metric_value(samples, "floe_tokens", state="active") >= 1


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_cacerts_hash_is_pinned_in_tokens(shared_head):
    resp = shared_head.get("/cacerts", verify=False)  # an agent fetches it before it trusts anything
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("application/x-pem-file")
    pem = resp.content
    assert pem.startswith(b"-----BEGIN CERTIFICATE-----")
    cert = x509.load_pem_x509_certificate(pem)
    der_hash = hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    secret = shared_head.create_token()["secret"]
    assert parse_token(secret)["hash"] == der_hash
    # it is the same CA that init wrote
    on_disk = x509.load_pem_x509_certificate(open(shared_head.ca, "rb").read())
    assert on_disk == cert
    # the CA is ECDSA P-256 and a CA
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    assert cert.public_key().curve.name == "secp256r1"
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True


def test_status_reports_ca_hash_and_url(shared_head):
    resp = shared_head.admin_get("/api/v1/status")
    assert resp.status_code == 200, resp.text
    st = resp.json()
    assert st["ca_sha256"] == shared_head.ca_sha256()
    assert st["server_url"].startswith("https://")
    assert st["server_url"].rsplit(":", 1)[1] == str(shared_head.host_port[1])
    assert isinstance(st["version"], str) and st["version"]
    assert_rfc3339(st["started_at"])
    assert isinstance(st["uptime_seconds"], (int, float)) and st["uptime_seconds"] >= 0
    for key in ("ready", "pending", "lost", "total"):
        assert isinstance(st["nodes"][key], int)
    assert st["nodes"]["total"] == st["nodes"]["ready"] + st["nodes"]["pending"] + st["nodes"]["lost"]
    assert isinstance(st["tokens"]["active"], int)


# --------------------------------------------------------------------------- TLS


def _connect(head, ctx, server_hostname):
    host, port = head.host_port
    sock = socket.create_connection((host, port), timeout=10)
    try:
        ssock = ctx.wrap_socket(sock, server_hostname=server_hostname)
    except BaseException:
        sock.close()
        raise
    return ssock


@pytest.mark.parametrize("hostname", ["127.0.0.1", "localhost"])
def test_server_cert_verifies_against_ca(shared_head, hostname):
    ctx = ssl.create_default_context(cafile=shared_head.ca)
    assert ctx.check_hostname and ctx.verify_mode == ssl.CERT_REQUIRED
    with _connect(shared_head, ctx, hostname) as ssock:
        der = ssock.getpeercert(binary_form=True)
        assert ssock.version() in ("TLSv1.2", "TLSv1.3")
    cert = x509.load_der_x509_certificate(der)
    ca = x509.load_pem_x509_certificate(open(shared_head.ca, "rb").read())
    cert.verify_directly_issued_by(ca)
    # requests (urllib3) agrees
    port = shared_head.host_port[1]
    if hostname == "localhost":
        assert requests.get(f"https://localhost:{port}/healthz", verify=shared_head.ca, timeout=10).status_code == 200


def test_server_cert_rejects_other_names(shared_head):
    ctx = ssl.create_default_context(cafile=shared_head.ca)
    with pytest.raises(ssl.SSLCertVerificationError):
        _connect(shared_head, ctx, "not-the-head.example").close()


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # ssl.TLSVersion.TLSv1/1_1, on purpose
def test_tls_1_1_refused(shared_head):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        ctx.set_ciphers("ALL:@SECLEVEL=0")  # let this client offer TLS 1.1 at all
        ctx.minimum_version = ssl.TLSVersion.TLSv1
    except (ssl.SSLError, ValueError):
        pass
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
        with _connect(shared_head, ctx, "127.0.0.1") as ssock:
            # should never get here; if it did, show what was negotiated
            pytest.fail(f"handshake succeeded with {ssock.version()}")


def test_tls_1_2_accepted_and_1_3_preferred(shared_head):
    ctx = ssl.create_default_context(cafile=shared_head.ca)
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    with _connect(shared_head, ctx, "127.0.0.1") as ssock:
        assert ssock.version() == "TLSv1.2"
    ctx = ssl.create_default_context(cafile=shared_head.ca)
    with _connect(shared_head, ctx, "127.0.0.1") as ssock:
        assert ssock.version() == "TLSv1.3"


def test_client_cert_not_from_our_ca_is_not_admin(shared_head, tmp_path):
    """A self-signed cert claiming CN=floe-admin is not the admin: 401 (or a refused handshake)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "floe-admin"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "floe-admin")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    crt = tmp_path / "fake.crt"
    kp = tmp_path / "fake.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    kp.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()))
    try:
        resp = shared_head.get("/api/v1/status", cert=(str(crt), str(kp)))
    except requests.exceptions.SSLError:
        return  # refusing the handshake is also acceptable
    assert resp.status_code in (401, 403), resp.text
    assert_error(resp, resp.status_code)


# --------------------------------------------------------------------------- lifecycle


def test_init_layout_and_modes(head):
    d = head.data_dir
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert (d / "floe.db").is_file()
    for name in ("ca.crt", "ca.key", "server.crt", "server.key", "admin.crt", "admin.key"):
        assert (d / "pki" / name).is_file(), name
    for name in ("ca.key", "server.key", "admin.key"):
        assert stat.S_IMODE((d / "pki" / name).stat().st_mode) == 0o600, name
    admin = x509.load_pem_x509_certificate((d / "pki" / "admin.crt").read_bytes())
    assert admin.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "floe-admin"
    assert admin.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "floe-admin"
    ca = x509.load_pem_x509_certificate((d / "pki" / "ca.crt").read_bytes())
    admin.verify_directly_issued_by(ca)


def test_init_twice_changes_nothing(head):
    before = {p: p.read_bytes() for p in (head.pki).iterdir()}
    res = head.init()
    assert res.returncode == 0, res.stderr
    assert "already initialised" in (res.stdout + res.stderr)
    after = {p: p.read_bytes() for p in (head.pki).iterdir()}
    assert before == after


def test_sigterm_is_graceful(head):
    assert head.serve_url_file.is_file()
    assert head.get("/healthz").status_code == 200
    rc = head.stop()
    assert rc == 0, f"floe serve exit code after SIGTERM: {rc}\n{head.log_tail()}"
    assert not head.serve_url_file.exists(), "serve.url must be removed on clean shutdown"


def test_sigterm_with_an_idle_client_connection(head):
    """An idle keep-alive connection (an agent between heartbeats) must not block shutdown."""
    session = requests.Session()
    try:
        assert session.get(head.url + "/healthz", verify=head.ca, timeout=10).status_code == 200
        started = time.monotonic()
        rc = head.stop(timeout=SHUTDOWN_TIMEOUT_S)
        took = time.monotonic() - started
        assert rc == 0, f"exit code {rc} after SIGTERM (killed after {SHUTDOWN_TIMEOUT_S}s if None)"
        print(f"shutdown with an idle connection took {took:.2f}s")
    finally:
        session.close()


def test_sigint_is_graceful(head):
    head.proc.send_signal(signal.SIGINT)
    assert head.proc.wait(timeout=10) == 0, head.log_tail()
    assert not head.serve_url_file.exists()


def test_restart_keeps_state(head):
    token = head.create_token()
    node = join(head, token["secret"])
    assert head.stop() == 0
    head.start()
    assert [n["id"] for n in head.nodes()] == [node.id]
    assert [t["id"] for t in head.tokens()] == [token["token"]["id"]]
    # the node's cert still works against the restarted head
    assert heartbeat(head, node.id, node.tls).status_code == 200
