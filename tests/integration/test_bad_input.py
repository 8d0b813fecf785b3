"""Hostile and malformed requests: each gets the right status and the contract's error body,
and none of them changes any state."""

import json

import pytest
import requests

from conftest import (
    assert_error,
    join,
    join_raw,
    make_csr,
    new_key,
    new_machine_id,
    parse_token,
    raw_request,
    tampered_csr,
    wrong_secret,
)

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def baseline(shared_head):
    """A token with uses left, one joined node, and a snapshot of state to compare at the end."""
    data = shared_head.create_token(max_uses=5, labels={"zone": "a"})
    node = join(shared_head, data["secret"], name="baseline-node")
    snapshot = {
        "nodes": shared_head.nodes(),
        "uses": {t["id"]: t["uses"] for t in shared_head.tokens()},
    }
    return {"secret": data["secret"], "token_id": data["token"]["id"], "node": node, "snapshot": snapshot}


def _join_body(baseline, **over):
    csr, _ = make_csr()
    body = {"token": baseline["secret"], "csr": csr, "machine_id": new_machine_id()}
    body.update(over)
    return {k: v for k, v in body.items() if v is not _DROP}


_DROP = object()


def _post_join(head, payload: bytes, content_type="application/json"):
    return head.post("/api/v1/join", data=payload, headers={"Content-Type": content_type})


# --------------------------------------------------------------------------- JSON shape


@pytest.mark.parametrize("payload", [b"{", b"{\"token\": }", b"not json at all", b"\xff\xfe\x00",
                                     b"{\"token\":\"a\"} trailing", b""])
def test_malformed_json(shared_head, baseline, payload):
    assert_error(_post_join(shared_head, payload), 400, "invalid_argument")


@pytest.mark.parametrize("payload", [b"[]", b"[{\"token\":\"x\"}]", b"\"a string\"", b"42", b"null", b"true"])
def test_non_object_json(shared_head, baseline, payload):
    assert_error(_post_join(shared_head, payload), 400, "invalid_argument")


@pytest.mark.parametrize("missing", ["token", "csr", "machine_id"])
def test_missing_required_field(shared_head, baseline, missing):
    body = _join_body(baseline, **{missing: _DROP})
    assert_error(shared_head.post("/api/v1/join", json=body), 400, "invalid_argument")


@pytest.mark.parametrize("over", [
    {"token": 12345},
    {"csr": 7},
    {"machine_id": 123},
    {"machine_id": ""},
    {"machine_id": "m" * 129},
    {"machine_id": "has space"},
    {"machine_id": "slash/inside"},
    {"name": "-leading-dash"},
    {"name": "under_score"},
    {"name": "n" * 64},
    {"name": "with space"},
    {"name": 5},
    {"labels": "zone=a"},
    {"labels": {"bad key!": "v"}},
    {"labels": {"zone": ["a"]}},
    {"inventory": "big"},
    {"inventory": [1, 2]},
    {"preflight": {"name": "x"}},
    {"preflight": "ok"},
], ids=lambda o: json.dumps(o)[:40])
def test_invalid_field(shared_head, baseline, over):
    body = _join_body(baseline, **over)
    assert_error(shared_head.post("/api/v1/join", json=body), 400, "invalid_argument")


def test_machine_id_and_name_limits_accepted(shared_head, baseline):
    """The edges of the allowed syntax are accepted (checked on a separate token)."""
    secret = shared_head.create_token()["secret"]
    n = join(shared_head, secret, machine_id="M" * 128, name="a" * 63)
    assert n.name == "a" * 63
    n = join(shared_head, secret, machine_id="A.b_c-9", name="x")
    assert n.name == "x"
    # account for these in the baseline comparison
    baseline["snapshot"]["extra_nodes"] = baseline["snapshot"].get("extra_nodes", 0) + 2


# --------------------------------------------------------------------------- CSRs


def test_rsa_1024_csr(shared_head, baseline):
    csr, _ = make_csr(key_type="rsa", rsa_bits=1024)
    assert_error(shared_head.post("/api/v1/join", json=_join_body(baseline, csr=csr)), 400, "invalid_argument")


def test_ec_p384_csr(shared_head, baseline):
    from cryptography.hazmat.primitives.asymmetric import ec

    csr, _ = make_csr(key=ec.generate_private_key(ec.SECP384R1()))
    assert_error(shared_head.post("/api/v1/join", json=_join_body(baseline, csr=csr)), 400, "invalid_argument")


def test_ca_csr(shared_head, baseline):
    csr, _ = make_csr(ca=True)
    assert_error(shared_head.post("/api/v1/join", json=_join_body(baseline, csr=csr)), 400, "invalid_argument")


def test_tampered_csr(shared_head, baseline):
    assert_error(shared_head.post("/api/v1/join", json=_join_body(baseline, csr=tampered_csr())), 400,
                 "invalid_argument")


@pytest.mark.parametrize("csr", [
    "not a csr",
    "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n",
    "",
])
def test_garbage_csr(shared_head, baseline, csr):
    assert_error(shared_head.post("/api/v1/join", json=_join_body(baseline, csr=csr)), 400, "invalid_argument")


def test_certificate_instead_of_csr(shared_head, baseline):
    ca_pem = open(shared_head.ca).read()
    assert_error(shared_head.post("/api/v1/join", json=_join_body(baseline, csr=ca_pem)), 400,
                 "invalid_argument")


# --------------------------------------------------------------------------- transport limits


def test_oversized_body(shared_head, baseline):
    body = json.dumps({"token": baseline["secret"], "csr": make_csr()[0], "machine_id": new_machine_id(),
                       "inventory": {"blob": "x" * (MiB + 1024)}}).encode()
    assert len(body) > MiB
    resp = raw_request(shared_head, "POST", "/api/v1/join", {"Content-Type": "application/json"}, body)
    assert_error(resp, 413, "payload_too_large")


def test_oversized_body_admin(shared_head, baseline):
    body = json.dumps({"description": "x" * (MiB + 10)}).encode()
    resp = raw_request(shared_head, "POST", "/api/v1/tokens", {"Content-Type": "application/json"}, body,
                       cert=shared_head.admin_cert)
    assert_error(resp, 413, "payload_too_large")


def test_body_just_under_limit_is_not_413(shared_head, baseline):
    body = json.dumps({"token": baseline["secret"], "csr": "bad", "machine_id": new_machine_id(),
                       "inventory": {"blob": "x" * (MiB - 4096)}}).encode()
    assert len(body) < MiB
    resp = raw_request(shared_head, "POST", "/api/v1/join", {"Content-Type": "application/json"}, body)
    assert_error(resp, 400, "invalid_argument")  # the bad CSR, not the size


def test_header_too_large(shared_head, baseline):
    resp = raw_request(shared_head, "GET", "/healthz", {"X-Padding": "p" * (17 * 1024)})
    assert_error(resp, 431, "header_too_large")


def test_many_headers_too_large(shared_head, baseline):
    headers = {f"X-H{i}": "v" * 300 for i in range(60)}  # ~18 KiB in total
    resp = raw_request(shared_head, "GET", "/healthz", headers)
    assert_error(resp, 431, "header_too_large")


def test_server_still_healthy_after_limits(shared_head, baseline):
    assert shared_head.get("/healthz").status_code == 200


# --------------------------------------------------------------------------- routing


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/nodes", "/api/v1/nodes/x/y/z",
                                  "/api/v1/agents/x/nope", "/api/", "/assets/missing.js"])
def test_unknown_route(shared_head, baseline, path):
    assert_error(shared_head.get(path), 404, "not_found")
    assert_error(shared_head.get(path, cert=shared_head.admin_cert), 404, "not_found")


@pytest.mark.parametrize("path", ["/nope", "/healthz/extra", "/nodes/abc"])
def test_other_paths_are_the_web_consoles_routes(shared_head, baseline, path):
    """A GET outside /api/ that no route claims is the console's index.html (its client-side
    routing shows "not found" for paths it does not know); other methods stay 404."""
    res = shared_head.get(path)
    assert res.status_code == 200 and res.headers["Content-Type"] == "text/html; charset=utf-8", res.text[:200]
    assert "Content-Security-Policy" in res.headers
    assert_error(shared_head.post(path), 404, "not_found")


@pytest.mark.parametrize("method,path,allowed", [
    ("GET", "/api/v1/join", {"POST"}),
    ("DELETE", "/healthz", {"GET"}),
    ("POST", "/readyz", {"GET"}),
    ("PUT", "/metrics", {"GET"}),
    ("POST", "/cacerts", {"GET"}),
    ("GET", "/api/v1/agents/abc/heartbeat", {"POST"}),
    ("PUT", "/api/v1/tokens", {"GET", "POST"}),
    ("GET", "/api/v1/tokens/abc123", {"DELETE"}),
    ("POST", "/api/v1/nodes", {"GET"}),
    ("PATCH", "/api/v1/nodes/abc", {"GET", "DELETE"}),
    ("GET", "/api/v1/nodes/abc/approve", {"POST"}),
    ("DELETE", "/api/v1/events", {"GET"}),
    ("POST", "/api/v1/status", {"GET"}),
])
def test_wrong_method(shared_head, baseline, method, path, allowed):
    kw = {"json": {}} if method in ("POST", "PUT", "PATCH") else {}
    resp = shared_head.request(method, path, cert=shared_head.admin_cert, **kw)
    assert_error(resp, 405, "method_not_allowed")
    assert "Allow" in resp.headers, resp.headers
    got = {m.strip().upper() for m in resp.headers["Allow"].split(",") if m.strip()}
    assert allowed <= got and method not in got, f"Allow: {resp.headers['Allow']}"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded"])
def test_unsupported_media_type(shared_head, baseline, content_type):
    payload = json.dumps(_join_body(baseline)).encode()
    assert_error(_post_join(shared_head, payload, content_type), 415, "unsupported_media_type")
    resp = shared_head.admin_post("/api/v1/tokens", data=b"{}", headers={"Content-Type": content_type})
    assert_error(resp, 415, "unsupported_media_type")


def test_json_with_charset_is_json(shared_head, baseline):
    resp = shared_head.admin_post("/api/v1/tokens", data=b'{"ttl_seconds": 600}',
                                  headers={"Content-Type": "application/json; charset=utf-8"})
    assert resp.status_code == 201, resp.text
    shared_head.secrets.append(resp.json()["secret"])


# --------------------------------------------------------------------------- authentication


ADMIN_ROUTES = [
    ("GET", "/api/v1/status"),
    ("GET", "/api/v1/tokens"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{token}"),
    ("GET", "/api/v1/nodes"),
    ("GET", "/api/v1/nodes/{node}"),
    ("POST", "/api/v1/nodes/{node}/approve"),
    ("DELETE", "/api/v1/nodes/{node}"),
    ("GET", "/api/v1/events"),
]


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
def test_admin_route_without_cert(shared_head, baseline, method, path):
    path = path.format(token=baseline["token_id"], node=baseline["node"].id)
    kw = {"json": {}} if method == "POST" else {}
    assert_error(shared_head.request(method, path, **kw), 401, "unauthenticated")


@pytest.mark.parametrize("method,path", ADMIN_ROUTES)
def test_admin_route_with_node_cert(shared_head, baseline, method, path):
    path = path.format(token=baseline["token_id"], node=baseline["node"].id)
    kw = {"json": {}} if method == "POST" else {}
    assert_error(shared_head.request(method, path, cert=baseline["node"].tls, **kw), 403, "permission_denied")


def test_admin_unknown_ids(shared_head, baseline):
    assert_error(shared_head.admin_get("/api/v1/nodes/does-not-exist"), 404, "not_found")
    assert_error(shared_head.admin_post("/api/v1/nodes/does-not-exist/approve"), 404, "not_found")
    assert_error(shared_head.admin_delete("/api/v1/nodes/does-not-exist"), 404, "not_found")
    assert_error(shared_head.admin_delete("/api/v1/tokens/nope00"), 404, "not_found")


def test_tokens_post_bad_json(shared_head, baseline):
    for payload in (b"{", b"[]", b"\"x\"", b"null"):
        resp = shared_head.admin_post("/api/v1/tokens", data=payload, headers={"Content-Type": "application/json"})
        assert_error(resp, 400, "invalid_argument")


# --------------------------------------------------------------------------- nothing changed


def test_state_unchanged_after_bad_input(shared_head, baseline):
    snap = baseline["snapshot"]
    nodes = shared_head.nodes()
    expected_ids = {n["id"] for n in snap["nodes"]}
    got_ids = {n["id"] for n in nodes}
    assert expected_ids <= got_ids
    assert len(got_ids - expected_ids) == snap.get("extra_nodes", 0), \
        f"bad requests created nodes: {got_ids - expected_ids}"
    before = {n["id"]: n for n in snap["nodes"]}
    for n in nodes:
        if n["id"] in before:
            assert n["state"] == before[n["id"]]["state"]
            assert n["labels"] == before[n["id"]]["labels"]
    uses = {t["id"]: t["uses"] for t in shared_head.tokens()}
    for tid, count in snap["uses"].items():
        assert uses[tid] == count, f"token {tid} use count changed {count} -> {uses[tid]}"
    kinds = [e["kind"] for e in shared_head.events(limit=1000)]
    assert kinds.count("node.joined") == 1 + snap.get("extra_nodes", 0)


def test_no_secret_in_server_log(shared_head, baseline):
    log = shared_head.log_text()
    assert shared_head.secrets
    for secret in shared_head.secrets:
        assert parse_token(secret)["secret"] not in log, "a token secret appeared in the server log"


# --------------------------------------------------------------------------- rate limiting


def test_failed_join_rate_limit(head_factory):
    head = head_factory(serve_args=("--join-failures-per-minute", "3"))
    data = head.create_token()
    parts = parse_token(data["secret"])
    wrong = f"FLOE1-{parts['hash']}-{parts['id']}.{wrong_secret(parts['secret'])}"
    for i in range(3):
        resp, _, _ = join_raw(head, wrong)
        assert_error(resp, 401, "unauthenticated")
    resp, _, _ = join_raw(head, wrong)
    assert_error(resp, 429, "resource_exhausted")
    assert "Retry-After" in resp.headers, resp.headers
    retry_after = int(resp.headers["Retry-After"])
    assert 1 <= retry_after <= 60, retry_after
    # the source is throttled: even the right token waits
    resp, _, _ = join_raw(head, data["secret"])
    assert_error(resp, 429, "resource_exhausted")
    assert head.nodes() == []
    # other routes are not throttled
    assert head.get("/healthz").status_code == 200
    assert head.admin_get("/api/v1/nodes").status_code == 200
    assert {t["id"]: t for t in head.tokens()}[data["token"]["id"]]["uses"] == 0
    assert parts["secret"] not in head.log_text()
