"""Join tokens over the admin API: create, list, revoke, validation, and which tokens a join accepts."""

import datetime

import pytest

from conftest import (
    assert_error,
    assert_rfc3339,
    join,
    join_raw,
    parse_token,
    wrong_secret,
)


def _ts(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _assert_token_shape(tok: dict) -> None:
    for key in ("id", "description", "created_at", "expires_at", "max_uses", "uses", "labels", "pending",
                "revoked", "state"):
        assert key in tok, f"Token lacks {key!r}: {tok}"
    assert isinstance(tok["id"], str) and len(tok["id"]) == 6
    assert_rfc3339(tok["created_at"])
    assert_rfc3339(tok["expires_at"])
    assert tok["max_uses"] is None or (isinstance(tok["max_uses"], int) and tok["max_uses"] >= 1)
    assert isinstance(tok["uses"], int) and tok["uses"] >= 0
    assert isinstance(tok["labels"], dict)
    assert isinstance(tok["pending"], bool) and isinstance(tok["revoked"], bool)
    assert tok["state"] in ("active", "expired", "revoked", "used_up")


def test_create_defaults(shared_head):
    resp = shared_head.admin_post("/api/v1/tokens", {})
    assert resp.status_code == 201, resp.text
    data = resp.json()
    shared_head.secrets.append(data["secret"])
    tok = data["token"]
    _assert_token_shape(tok)
    parts = parse_token(data["secret"])
    assert parts["id"] == tok["id"]
    assert parts["hash"] == shared_head.ca_sha256()
    assert len(parts["secret"]) >= 22, "secret must carry at least 128 bits"
    assert tok["max_uses"] is None and tok["uses"] == 0
    assert tok["pending"] is False and tok["revoked"] is False and tok["state"] == "active"
    assert tok["labels"] == {} and tok["description"] == ""
    ttl = (_ts(tok["expires_at"]) - _ts(tok["created_at"])).total_seconds()
    assert abs(ttl - 86400) <= 2, ttl
    # the first advertised name is 127.0.0.1, so the command uses the served URL verbatim
    assert data["join_command"] == f"sudo floe-agent join {shared_head.url} --token {data['secret']}"


def test_create_with_options(shared_head):
    data = shared_head.create_token(ttl_seconds=3600, max_uses=2, labels={"zone": "a", "floe.io/tier": "hot"},
                                    pending=True, description="rack 7")
    tok = data["token"]
    _assert_token_shape(tok)
    assert tok["max_uses"] == 2
    assert tok["labels"] == {"zone": "a", "floe.io/tier": "hot"}
    assert tok["pending"] is True
    assert tok["description"] == "rack 7"
    ttl = (_ts(tok["expires_at"]) - _ts(tok["created_at"])).total_seconds()
    assert abs(ttl - 3600) <= 2, ttl


def test_secrets_are_unique_and_not_listed(shared_head):
    a = shared_head.create_token()
    b = shared_head.create_token()
    assert a["secret"] != b["secret"] and a["token"]["id"] != b["token"]["id"]
    listing = shared_head.admin_get("/api/v1/tokens")
    assert listing.status_code == 200
    for data in (a, b):
        assert parse_token(data["secret"])["secret"] not in listing.text, "the secret is shown once only"


def test_list_newest_first(shared_head):
    ids = [shared_head.create_token(description=f"order {i}")["token"]["id"] for i in range(3)]
    tokens = shared_head.tokens()
    for tok in tokens:
        _assert_token_shape(tok)
    listed = [t["id"] for t in tokens]
    positions = [listed.index(i) for i in ids]
    assert positions == sorted(positions, reverse=True), f"not newest first: {listed} vs created {ids}"
    created = [_ts(t["created_at"]) for t in tokens]
    assert created == sorted(created, reverse=True)


def test_revoke(shared_head):
    data = shared_head.create_token()
    tid = data["token"]["id"]
    resp = shared_head.admin_delete(f"/api/v1/tokens/{tid}")
    assert resp.status_code == 200, resp.text
    tok = resp.json()["token"]
    assert tok["id"] == tid and tok["revoked"] is True and tok["state"] == "revoked"
    # revoking twice is fine
    again = shared_head.admin_delete(f"/api/v1/tokens/{tid}")
    assert again.status_code == 200 and again.json()["token"]["state"] == "revoked"
    listed = {t["id"]: t for t in shared_head.tokens()}
    assert listed[tid]["state"] == "revoked"
    # a revoked token cannot join
    resp, _, _ = join_raw(shared_head, data["secret"])
    assert_error(resp, 401, "unauthenticated")
    events = shared_head.events(kind="token.revoked")
    assert any(e["token_id"] == tid for e in events)


def test_revoke_unknown(shared_head):
    assert_error(shared_head.admin_delete("/api/v1/tokens/zzzzzz"), 404, "not_found")


@pytest.mark.parametrize("body", [
    {"ttl_seconds": 59},
    {"ttl_seconds": 31536001},
    {"ttl_seconds": 0},
    {"ttl_seconds": -5},
    {"ttl_seconds": "3600"},
    {"max_uses": 0},
    {"max_uses": -1},
    {"max_uses": "two"},
    {"labels": {"bad key!": "x"}},
    {"labels": {"zone": "not a valid value"}},
    {"labels": ["zone=a"]},
    {"pending": "yes"},
    {"description": "x" * 257},
])
def test_create_validation(shared_head, body):
    before = len(shared_head.tokens())
    assert_error(shared_head.admin_post("/api/v1/tokens", body), 400, "invalid_argument")
    assert len(shared_head.tokens()) == before


def test_ttl_bounds_accepted(shared_head):
    for ttl in (60, 31536000):
        tok = shared_head.create_token(ttl_seconds=ttl)["token"]
        assert abs((_ts(tok["expires_at"]) - _ts(tok["created_at"])).total_seconds() - ttl) <= 2
    assert shared_head.create_token(description="x" * 256)["token"]["description"] == "x" * 256


def test_unknown_fields_ignored(shared_head):
    data = shared_head.create_token(ttl_seconds=120, some_future_field={"a": 1})
    assert data["token"]["state"] == "active"


def test_used_up_token_refuses_next_join(shared_head):
    data = shared_head.create_token(max_uses=2)
    secret, tid = data["secret"], data["token"]["id"]
    join(shared_head, secret)
    join(shared_head, secret)
    tok = {t["id"]: t for t in shared_head.tokens()}[tid]
    assert tok["uses"] == 2 and tok["state"] == "used_up"
    nodes_before = shared_head.nodes()
    resp, _, _ = join_raw(shared_head, secret)
    assert_error(resp, 401, "unauthenticated")
    assert shared_head.nodes() == nodes_before
    assert {t["id"]: t for t in shared_head.tokens()}[tid]["uses"] == 2


def test_token_for_another_cluster(shared_head):
    data = shared_head.create_token()
    parts = parse_token(data["secret"])
    other_hash = "0" * 64 if parts["hash"] != "0" * 64 else "1" * 64
    forged = f"FLOE1-{other_hash}-{parts['id']}.{parts['secret']}"
    resp, _, _ = join_raw(shared_head, forged)
    err = assert_error(resp, 401, "unauthenticated")
    assert "another cluster" in err["message"], err
    assert {t["id"]: t for t in shared_head.tokens()}[data["token"]["id"]]["uses"] == 0


def test_wrong_secret_refused(shared_head):
    data = shared_head.create_token()
    parts = parse_token(data["secret"])
    flipped = wrong_secret(parts["secret"])
    resp, _, _ = join_raw(shared_head, f"FLOE1-{parts['hash']}-{parts['id']}.{flipped}")
    assert_error(resp, 401, "unauthenticated")
    assert {t["id"]: t for t in shared_head.tokens()}[data["token"]["id"]]["uses"] == 0


def test_unknown_token_id_refused(shared_head):
    parts = parse_token(shared_head.create_token()["secret"])
    resp, _, _ = join_raw(shared_head, f"FLOE1-{parts['hash']}-qqqqqq.{parts['secret']}")
    assert_error(resp, 401, "unauthenticated")


@pytest.mark.parametrize("garbled", [
    "FLOE1-",
    "not-a-token",
    "FLOE2-" + "a" * 64 + "-abcdef.secretsecretsecretsecret",
    "FLOE1-" + "g" * 64 + "-abcdef.secretsecretsecretsecret",
    "FLOE1-" + "a" * 63 + "-abcdef.secretsecretsecretsecret",
    "FLOE1-" + "a" * 64 + "-abcdef",
    "",
])
def test_garbled_token_refused(shared_head, garbled):
    resp, _, _ = join_raw(shared_head, garbled)
    assert resp.status_code in (400, 401), resp.text
    assert_error(resp, resp.status_code, "invalid_argument" if resp.status_code == 400 else "unauthenticated")


def test_token_events(shared_head):
    tid = shared_head.create_token()["token"]["id"]
    events = shared_head.events(kind="token.created")
    mine = [e for e in events if e["token_id"] == tid]
    assert len(mine) == 1
    assert mine[0]["actor"] == "admin"
    assert mine[0]["node_id"] is None


def test_no_secret_in_server_log(shared_head):
    # make sure at least one token was created and used, then check every secret of this module
    join(shared_head, shared_head.create_token()["secret"])
    log = shared_head.log_text()
    for secret in shared_head.secrets:
        assert parse_token(secret)["secret"] not in log, "a token secret appeared in the server log"
