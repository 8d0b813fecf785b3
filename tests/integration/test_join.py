"""POST /api/v1/join with real CSRs, and the node lifecycle that follows (approve, remove, events)."""

import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from conftest import (
    assert_error,
    assert_rfc3339,
    default_heartbeat,
    heartbeat,
    join,
    join_raw,
    make_csr,
    new_machine_id,
)

INVENTORY = {
    "host": {"hostname": "Worker-Seven", "kernel": "6.1.0-18-amd64", "os": "debian 12"},
    "cpu": {"model": "AMD EPYC 7302P", "cores": 16, "threads": 32},
    "memory": {"total_bytes": 137438953472},
    "disks": [{"name": "nvme0n1", "size_bytes": 1920383410176, "rotational": False}],
}
PREFLIGHT = [{"name": "swap_off", "ok": True, "message": ""},
             {"name": "port_6443_free", "ok": True, "message": ""}]


def _cn(cert: x509.Certificate) -> str:
    return cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value


def _ts(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _assert_summary_shape(n: dict) -> None:
    for key in ("id", "name", "machine_id", "state", "labels", "address", "joined_at", "last_seen_at",
                "token_id", "cert_expires_at", "status"):
        assert key in n, f"NodeSummary lacks {key!r}: {n}"
    assert n["state"] in ("ready", "pending", "lost")
    assert n["status"] in ("ok", "degraded", "unknown")
    assert isinstance(n["labels"], dict)
    assert_rfc3339(n["joined_at"])
    assert_rfc3339(n["cert_expires_at"])
    if n["last_seen_at"] is not None:
        assert_rfc3339(n["last_seen_at"])


def test_join_returns_a_node_certificate(shared_head):
    data = shared_head.create_token(labels={"zone": "a", "tier": "warm"})
    machine_id = new_machine_id()
    node = join(shared_head, data["secret"], machine_id=machine_id, name="worker-1",
                labels={"zone": "b", "rack": "r7"}, inventory=INVENTORY, preflight=PREFLIGHT)
    r = node.response
    assert r["node_id"] == node.id and isinstance(node.id, str) and node.id
    assert r["name"] == "worker-1"
    assert r["state"] == "ready"
    assert r["heartbeat_interval_seconds"] == 5
    assert isinstance(r["k3s"], dict) and isinstance(r["k3s"]["server_url"], str) \
        and isinstance(r["k3s"]["token"], str)
    assert r["ca"].encode().strip() == shared_head.get("/cacerts").content.strip()

    ca = x509.load_pem_x509_certificate(open(shared_head.ca, "rb").read())
    cert = node.certificate()
    cert.verify_directly_issued_by(ca)
    assert _cn(cert) == "worker-1"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "floe-node"
    uris = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value \
        .get_values_for_type(x509.UniformResourceIdentifier)
    assert f"urn:floe:node:{node.id}" in uris
    try:
        assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    except x509.ExtensionNotFound:
        pass  # no basicConstraints also means "not a CA"
    # signed for the key the agent generated, valid for about a year
    key = serialization.load_pem_private_key(node.key.read_bytes(), None)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert datetime.timedelta(days=360) <= lifetime <= datetime.timedelta(days=370), lifetime

    listed = {n["id"]: n for n in shared_head.nodes()}
    assert node.id in listed
    n = listed[node.id]
    _assert_summary_shape(n)
    assert n["name"] == "worker-1"
    assert n["machine_id"] == machine_id
    assert n["state"] == "ready"
    assert n["address"] == "127.0.0.1"
    assert n["token_id"] == data["token"]["id"]
    # join labels merged over the token's labels
    assert {"zone": "b", "tier": "warm", "rack": "r7"}.items() <= n["labels"].items(), n["labels"]
    assert abs((_ts(n["cert_expires_at"]) - cert.not_valid_after_utc).total_seconds()) <= 2

    detail = shared_head.node(node.id)
    _assert_summary_shape(detail)
    assert detail["inventory"] == INVENTORY
    assert detail["preflight"] == PREFLIGHT
    assert "inventory_hash" in detail and "load" in detail and "k3s" in detail

    tok = {t["id"]: t for t in shared_head.tokens()}[data["token"]["id"]]
    assert tok["uses"] == 1


def test_join_with_rsa_2048_csr(shared_head):
    csr, key_pem = make_csr(cn="rsa-node", key_type="rsa", rsa_bits=2048)
    resp, _, _ = join_raw(shared_head, shared_head.create_token()["secret"], csr=csr, name="rsa-node")
    assert resp.status_code == 200, resp.text
    cert = x509.load_pem_x509_certificate(resp.json()["certificate"].encode())
    key = serialization.load_pem_private_key(key_pem, None)
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()


def test_name_defaults(shared_head):
    secret = shared_head.create_token()["secret"]
    from_inventory = join(shared_head, secret, inventory={"host": {"hostname": "Big-Box-01"}})
    assert from_inventory.name == "big-box-01"
    machine_id = "abcdef0123456789feedface"
    fallback = join(shared_head, secret, machine_id=machine_id)
    assert fallback.name == "node-abcdef01"
    assert _cn(fallback.certificate()) == "node-abcdef01"
    lowered = join(shared_head, secret, name="Worker-UPPER")
    assert lowered.name == "worker-upper"


def test_csr_subject_does_not_choose_the_identity(shared_head):
    """The head decides CN and URI SAN; what the CSR asks for is not copied blindly."""
    csr, key_pem = make_csr(cn="floe-admin")
    resp, _, _ = join_raw(shared_head, shared_head.create_token()["secret"], csr=csr, name="honest-node")
    assert resp.status_code == 200, resp.text
    cert = x509.load_pem_x509_certificate(resp.json()["certificate"].encode())
    assert _cn(cert) == "honest-node"
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "floe-node"


def test_rejoin_same_machine_is_idempotent(shared_head):
    secret = shared_head.create_token()["secret"]
    machine_id = new_machine_id()
    first = join(shared_head, secret, machine_id=machine_id, name="rejoiner")
    second = join(shared_head, secret, machine_id=machine_id, name="rejoiner")
    assert second.id == first.id
    assert second.certificate().serial_number != first.certificate().serial_number
    assert second.certificate().public_key().public_numbers() != first.certificate().public_key().public_numbers()
    same_machine = [n for n in shared_head.nodes() if n["machine_id"] == machine_id]
    assert len(same_machine) == 1
    # the new certificate works
    assert heartbeat(shared_head, second.id, second.tls).status_code == 200
    kinds = [e["kind"] for e in shared_head.events(node=first.id)]
    assert "node.joined" in kinds and "node.rejoined" in kinds


def test_unknown_fields_ignored(shared_head):
    node = join(shared_head, shared_head.create_token()["secret"], agent_version="9.9.9",
                future={"nested": [1, 2]})
    r = heartbeat(shared_head, node.id, node.tls, default_heartbeat(something_new=True))
    assert r.status_code == 200, r.text


def test_nodes_sorted_by_name(shared_head):
    secret = shared_head.create_token()["secret"]
    for name in ("zz-last", "aa-first", "mm-middle"):
        join(shared_head, secret, name=name)
    names = [n["name"] for n in shared_head.nodes()]
    assert names == sorted(names)


def test_pending_approve_remove_lifecycle(head):
    data = head.create_token(pending=True)
    node = join(head, data["secret"], name="needs-approval")
    assert node.state == "pending"
    assert head.node(node.id)["state"] == "pending"
    hb = heartbeat(head, node.id, node.tls)
    assert hb.status_code == 200 and hb.json()["state"] == "pending"

    res = head.run_cli("nodes", "approve", node.id)
    assert res.returncode == 0, res.stderr
    assert head.node(node.id)["state"] == "ready"
    assert heartbeat(head, node.id, node.tls).json()["state"] == "ready"

    again = head.admin_post(f"/api/v1/nodes/{node.id}/approve")
    assert_error(again, 409, "failed_precondition")
    res = head.run_cli("nodes", "approve", node.id)
    assert res.returncode == 1 and res.stderr.startswith("floe: "), (res.returncode, res.stderr)

    resp = head.admin_delete(f"/api/v1/nodes/{node.id}")
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"removed": node.id}
    assert node.id not in [n["id"] for n in head.nodes()]
    assert_error(head.admin_get(f"/api/v1/nodes/{node.id}"), 404, "not_found")
    assert_error(head.admin_delete(f"/api/v1/nodes/{node.id}"), 404, "not_found")
    assert_error(head.admin_post(f"/api/v1/nodes/{node.id}/approve"), 404, "not_found")
    assert_error(heartbeat(head, node.id, node.tls), 404, "not_found")

    events = head.events()
    kinds = {e["kind"] for e in events}
    assert {"token.created", "node.joined", "node.approved", "node.removed"} <= kinds, kinds
    ids = [e["id"] for e in events]
    assert ids == sorted(ids, reverse=True), "events are newest first"
    by_kind = {e["kind"]: e for e in events}
    assert by_kind["node.joined"]["node_id"] == node.id
    assert by_kind["node.joined"]["token_id"] == data["token"]["id"]
    assert by_kind["node.joined"]["actor"] == "join:127.0.0.1"
    assert by_kind["node.approved"]["actor"] == "admin"
    assert by_kind["node.removed"]["node_id"] == node.id
    for e in events:
        assert_rfc3339(e["at"])
        assert isinstance(e["message"], str)


def test_approve_ready_node_conflicts(shared_head):
    node = join(shared_head, shared_head.create_token()["secret"])
    assert node.state == "ready"
    assert_error(shared_head.admin_post(f"/api/v1/nodes/{node.id}/approve"), 409, "failed_precondition")


def test_rejoin_after_remove_gets_a_working_cert(shared_head):
    secret = shared_head.create_token()["secret"]
    machine_id = new_machine_id()
    old = join(shared_head, secret, machine_id=machine_id)
    assert shared_head.admin_delete(f"/api/v1/nodes/{old.id}").status_code == 200
    new = join(shared_head, secret, machine_id=machine_id)
    assert heartbeat(shared_head, new.id, new.tls).status_code == 200
    if new.id != old.id:
        assert_error(heartbeat(shared_head, old.id, old.tls), 404, "not_found")


def test_events_filters(shared_head):
    secret = shared_head.create_token()["secret"]
    a = join(shared_head, secret, name="ev-a")
    join(shared_head, secret, name="ev-b")
    only_a = shared_head.events(node=a.id)
    assert only_a and all(e["node_id"] == a.id for e in only_a)
    joined = shared_head.events(kind="node.joined")
    assert joined and all(e["kind"] == "node.joined" for e in joined)
    assert len(shared_head.events(limit=1)) == 1
    assert len(shared_head.events(limit=1000)) >= 3
    for bad in ("0", "1001", "-1", "ten"):
        assert_error(shared_head.admin_get("/api/v1/events", params={"limit": bad}), 400, "invalid_argument")
