"""POST /api/v1/agents/{id}/heartbeat: mutual TLS identity checks, inventory negotiation,
and the ready -> lost -> ready transitions driven by the sweep."""

import time

import pytest
import requests

from conftest import (
    Heartbeater,
    assert_error,
    assert_rfc3339,
    default_heartbeat,
    heartbeat,
    inventory_hash,
    join,
    metric_value,
    parse_metrics,
    wait_until,
)


@pytest.fixture(scope="module")
def two_nodes(shared_head):
    secret = shared_head.create_token()["secret"]
    return join(shared_head, secret, name="hb-a"), join(shared_head, secret, name="hb-b")


def test_heartbeat_with_own_cert(shared_head, two_nodes):
    a, _ = two_nodes
    body = default_heartbeat(status="degraded", k3s={"state": "starting"})
    resp = heartbeat(shared_head, a.id, a.tls, body)
    assert resp.status_code == 200, resp.text
    r = resp.json()
    assert r["node_id"] == a.id
    assert r["state"] == "ready"
    assert r["heartbeat_interval_seconds"] == 5
    assert isinstance(r["send_inventory"], bool)
    assert r["instructions"] == []
    n = shared_head.node(a.id)
    assert n["status"] == "degraded"
    assert_rfc3339(n["last_seen_at"])
    assert n["load"] == body["load"]
    assert n["k3s"] == body["k3s"]


def test_heartbeat_interval_is_an_integer(shared_head, two_nodes):
    """The contract shows `"heartbeat_interval_seconds":5`; agents may decode it into an integer."""
    a, _ = two_nodes
    assert type(a.response["heartbeat_interval_seconds"]) is int, \
        f"join: heartbeat_interval_seconds={a.response['heartbeat_interval_seconds']!r}"
    r = heartbeat(shared_head, a.id, a.tls).json()
    assert type(r["heartbeat_interval_seconds"]) is int, f"heartbeat: heartbeat_interval_seconds={r['heartbeat_interval_seconds']!r}"


def test_heartbeat_without_client_cert(shared_head, two_nodes):
    a, _ = two_nodes
    assert_error(heartbeat(shared_head, a.id, None), 401, "unauthenticated")


def test_heartbeat_with_another_nodes_cert(shared_head, two_nodes):
    a, b = two_nodes
    assert_error(heartbeat(shared_head, a.id, b.tls), 403, "permission_denied")
    assert_error(heartbeat(shared_head, b.id, a.tls), 403, "permission_denied")


def test_heartbeat_for_unknown_id_with_a_node_cert(shared_head, two_nodes):
    a, _ = two_nodes
    assert_error(heartbeat(shared_head, "no-such-node", a.tls), 403, "permission_denied")


def test_heartbeat_with_admin_cert(shared_head, two_nodes):
    a, _ = two_nodes
    assert_error(heartbeat(shared_head, a.id, shared_head.admin_cert), 403, "permission_denied")


def test_node_cert_is_not_admin(shared_head, two_nodes):
    a, _ = two_nodes
    for method, path in (("GET", "/api/v1/status"), ("GET", "/api/v1/nodes"), ("GET", "/api/v1/tokens"),
                         ("POST", "/api/v1/tokens"), ("GET", f"/api/v1/nodes/{a.id}"),
                         ("DELETE", f"/api/v1/nodes/{a.id}"), ("GET", "/api/v1/events")):
        kw = {"json": {}} if method == "POST" else {}
        assert_error(shared_head.request(method, path, cert=a.tls, **kw), 403, "permission_denied")
    assert a.id in [n["id"] for n in shared_head.nodes()]


def test_heartbeat_bad_body(shared_head, two_nodes):
    a, _ = two_nodes
    resp = shared_head.post(f"/api/v1/agents/{a.id}/heartbeat", cert=a.tls, data=b"{not json",
                            headers={"Content-Type": "application/json"})
    assert_error(resp, 400, "invalid_argument")
    resp = shared_head.post(f"/api/v1/agents/{a.id}/heartbeat", cert=a.tls, data=b"[1,2]",
                            headers={"Content-Type": "application/json"})
    assert_error(resp, 400, "invalid_argument")
    assert_error(heartbeat(shared_head, a.id, a.tls, default_heartbeat(status="on-fire")), 400,
                 "invalid_argument")


def test_heartbeat_invalid_k3s_state(shared_head, two_nodes):
    """k3s.state is one of disabled|not-installed|starting|running|failed; anything else is invalid."""
    a, _ = two_nodes
    assert_error(heartbeat(shared_head, a.id, a.tls, default_heartbeat(k3s={"state": "exploded"})), 400,
                 "invalid_argument")


def test_send_inventory_negotiation(shared_head):
    node = join(shared_head, shared_head.create_token()["secret"], name="inv-node")
    inv1 = {"host": {"hostname": "inv-node"}, "memory": {"total_bytes": 1024}}
    inv2 = {"host": {"hostname": "inv-node"}, "memory": {"total_bytes": 2048}}
    h1, h2 = inventory_hash(inv1), inventory_hash(inv2)

    # the head holds no inventory for this node: a hash alone asks for the inventory
    r = heartbeat(shared_head, node.id, node.tls, default_heartbeat(inventory_hash=h1))
    assert r.status_code == 200 and r.json()["send_inventory"] is True, r.text

    # hash + inventory: stored, nothing more wanted
    r = heartbeat(shared_head, node.id, node.tls, default_heartbeat(inventory_hash=h1, inventory=inv1))
    assert r.status_code == 200 and r.json()["send_inventory"] is False, r.text
    detail = shared_head.node(node.id)
    assert detail["inventory"] == inv1 and detail["inventory_hash"] == h1

    # same hash again, no inventory: nothing wanted
    r = heartbeat(shared_head, node.id, node.tls, default_heartbeat(inventory_hash=h1))
    assert r.json()["send_inventory"] is False, r.text

    # the hash changed and no inventory came with it: ask for it
    r = heartbeat(shared_head, node.id, node.tls, default_heartbeat(inventory_hash=h2))
    assert r.json()["send_inventory"] is True, r.text
    assert shared_head.node(node.id)["inventory"] == inv1  # not replaced by a hash alone

    r = heartbeat(shared_head, node.id, node.tls, default_heartbeat(inventory_hash=h2, inventory=inv2))
    assert r.json()["send_inventory"] is False, r.text
    detail = shared_head.node(node.id)
    assert detail["inventory"] == inv2 and detail["inventory_hash"] == h2


def test_lost_and_recovered(head_factory):
    head = head_factory(serve_args=("--heartbeat-interval", "1s", "--join-failures-per-minute", "1000"))
    data = head.create_token()
    pending_data = head.create_token(pending=True)
    quiet = join(head, data["secret"], name="goes-quiet")
    chatty = join(head, data["secret"], name="keeps-talking")
    pending = join(head, pending_data["secret"], name="still-pending")
    assert quiet.response["heartbeat_interval_seconds"] == 1

    with Heartbeater(head, chatty, period=0.3, max_seconds=30) as beats:
        assert heartbeat(head, quiet.id, quiet.tls).status_code == 200
        last_beat = time.monotonic()
        wait_until(lambda: head.node(quiet.id)["state"] == "lost", timeout=8, step=0.2,
                   what="the silent node to become lost")
        elapsed = time.monotonic() - last_beat
        assert elapsed >= 2.0, f"marked lost after {elapsed:.1f}s; expected 3 missed 1s intervals"
        assert head.node(chatty.id)["state"] == "ready"
        assert head.node(pending.id)["state"] == "pending", "only ready nodes become lost"
        samples = parse_metrics(head.get("/metrics").text)
        assert metric_value(samples, "floe_nodes", state="lost") == 1
        status = head.admin_get("/api/v1/status").json()
        assert status["nodes"]["lost"] == 1

        r = heartbeat(head, quiet.id, quiet.tls)
        assert r.status_code == 200 and r.json()["state"] == "ready", r.text
        assert head.node(quiet.id)["state"] == "ready"
    assert beats.statuses and all(s == 200 for s in beats.statuses), beats.statuses

    kinds = [e["kind"] for e in head.events(node=quiet.id)]
    assert "node.lost" in kinds and "node.recovered" in kinds
    assert kinds.index("node.recovered") < kinds.index("node.lost"), "newest first"
    lost = next(e for e in head.events(node=quiet.id) if e["kind"] == "node.lost")
    assert lost["actor"] == "system"
    assert "node.lost" not in [e["kind"] for e in head.events(node=chatty.id)]


def test_heartbeat_needs_tls_identity_over_https_only(shared_head, two_nodes):
    """Plain HTTP on the HTTPS port must not work."""
    a, _ = two_nodes
    host, port = shared_head.host_port
    with pytest.raises(requests.RequestException):
        r = requests.post(f"http://{host}:{port}/api/v1/agents/{a.id}/heartbeat", json=default_heartbeat(),
                          timeout=5)
        # some servers answer plain HTTP with a 400 before closing: that is also a refusal
        if r.status_code >= 400:
            raise requests.RequestException(f"refused with {r.status_code}")
