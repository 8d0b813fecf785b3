"""The `floe` command line against a running head: human and --json output, exit codes."""

import json
import re
import subprocess

import pytest

from conftest import TOKEN_IN_TEXT_RE, assert_error, heartbeat, join, join_raw, parse_token


def test_token_create_human_output(shared_head):
    res = shared_head.run_cli("token", "create", "--ttl", "1h", "--uses", "2", "--label", "zone=a")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert "sudo floe-agent join https://" in out
    assert "--token FLOE1-" in out
    line = next(l for l in out.splitlines() if "sudo floe-agent join" in l).strip()
    m = re.search(r"sudo floe-agent join (https://\S+) --token (FLOE1-\S+)", line)
    assert m, line
    assert m.group(1) == shared_head.url
    secret = m.group(2)
    shared_head.secrets.append(secret)
    parts = parse_token(secret)
    assert parts["hash"] == shared_head.ca_sha256()
    tok = {t["id"]: t for t in shared_head.tokens()}[parts["id"]]
    assert tok["max_uses"] == 2 and tok["labels"] == {"zone": "a"}
    assert tok["state"] == "active"
    # the printed token works, and carries its labels onto the node
    node = join(shared_head, secret)
    assert shared_head.node(node.id)["labels"].get("zone") == "a"


def test_token_create_json(shared_head):
    data = shared_head.cli_json("token", "create", "--ttl", "2h", "--pending", "--description", "from cli",
                                "--label", "a=1", "--label", "b=2")
    shared_head.secrets.append(data["secret"])
    tok = data["token"]
    assert tok["pending"] is True and tok["description"] == "from cli"
    assert tok["labels"] == {"a": "1", "b": "2"}
    assert data["join_command"] == f"sudo floe-agent join {shared_head.url} --token {data['secret']}"
    node = join(shared_head, data["secret"])
    assert node.state == "pending"


def test_token_list_and_revoke(shared_head):
    data = shared_head.cli_json("token", "create")
    shared_head.secrets.append(data["secret"])
    tid = data["token"]["id"]
    res = shared_head.run_cli("token", "list")
    assert res.returncode == 0, res.stderr
    assert tid in res.stdout
    assert data["secret"] not in res.stdout and parse_token(data["secret"])["secret"] not in res.stdout
    listed = shared_head.cli_json("token", "list")
    assert tid in [t["id"] for t in listed["tokens"]]

    res = shared_head.run_cli("token", "revoke", tid)
    assert res.returncode == 0, res.stderr
    listed = {t["id"]: t for t in shared_head.cli_json("token", "list")["tokens"]}
    assert listed[tid]["state"] == "revoked"
    resp, _, _ = join_raw(shared_head, data["secret"])
    assert_error(resp, 401, "unauthenticated")

    revoked_again = shared_head.cli_json("token", "revoke", tid)
    assert revoked_again["token"]["state"] == "revoked"


def test_token_revoke_unknown(shared_head):
    res = shared_head.run_cli("token", "revoke", "nope00")
    assert res.returncode == 1
    assert res.stderr.startswith("floe: "), res.stderr


@pytest.mark.parametrize("ttl", ["30s", "59s", "400d"])
def test_token_create_ttl_out_of_range(shared_head, ttl):
    before = len(shared_head.tokens())
    res = shared_head.run_cli("token", "create", "--ttl", ttl)
    assert res.returncode in (1, 2), (res.returncode, res.stdout, res.stderr)
    assert res.stderr.strip(), "an error message is expected on stderr"
    assert "FLOE1-" not in res.stdout
    assert len(shared_head.tokens()) == before


def test_nodes_commands(head):
    data = head.create_token(pending=True)
    node = join(head, data["secret"], name="cli-node")

    res = head.run_cli("nodes", "list")
    assert res.returncode == 0, res.stderr
    assert "cli-node" in res.stdout and node.id in res.stdout
    listed = head.cli_json("nodes", "list")
    assert [n["id"] for n in listed["nodes"]] == [node.id]
    assert listed["nodes"][0]["state"] == "pending"

    res = head.run_cli("nodes", "show", node.id)
    assert res.returncode == 0, res.stderr
    assert "cli-node" in res.stdout
    shown = head.cli_json("nodes", "show", node.id)
    assert shown["id"] == node.id and "inventory" in shown

    approved = head.cli_json("nodes", "approve", node.id)
    assert approved["id"] == node.id and approved["state"] == "ready"

    res = head.run_cli("nodes", "remove", node.id)
    assert res.returncode == 0, res.stderr
    assert head.cli_json("nodes", "list")["nodes"] == []
    assert_error(heartbeat(head, node.id, node.tls), 404, "not_found")

    res = head.run_cli("nodes", "show", node.id)
    assert res.returncode == 1 and res.stderr.startswith("floe: "), (res.returncode, res.stderr)
    res = head.run_cli("nodes", "remove", node.id)
    assert res.returncode == 1 and res.stderr.startswith("floe: "), (res.returncode, res.stderr)


def test_events_command(head):
    tid = head.create_token()["token"]["id"]
    node = join(head, head.create_token()["secret"])
    res = head.run_cli("events")
    assert res.returncode == 0, res.stderr
    assert "token.created" in res.stdout and "node.joined" in res.stdout
    events = head.cli_json("events", "--kind", "token.created")["events"]
    assert len(events) == 2 and all(e["kind"] == "token.created" for e in events)
    assert tid in [e["token_id"] for e in events]
    events = head.cli_json("events", "--node", node.id)["events"]
    assert events and all(e["node_id"] == node.id for e in events)
    assert len(head.cli_json("events", "--limit", "1")["events"]) == 1


def test_status_and_version(shared_head):
    res = shared_head.run_cli("status")
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip()
    st = shared_head.cli_json("status")
    assert st["ca_sha256"] == shared_head.ca_sha256()
    assert st["server_url"].startswith("https://")
    res = shared_head.run_cli("version", data_dir=False)
    assert res.returncode == 0, res.stderr
    assert re.search(r"\d+\.\d+\.\d+", res.stdout), res.stdout
    assert st["version"] in res.stdout


def test_explicit_server_flag(shared_head):
    st = shared_head.cli_json("--server", shared_head.url, "status")
    assert st["ca_sha256"] == shared_head.ca_sha256()


def test_data_dir_from_environment(shared_head):
    res = shared_head.run_cli("--json", "status", data_dir=False, env={"FLOE_DATA_DIR": str(shared_head.data_dir)})
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["ca_sha256"] == shared_head.ca_sha256()


def test_secrets_never_logged(shared_head):
    log = shared_head.log_text()
    for secret in shared_head.secrets:
        assert parse_token(secret)["secret"] not in log
    assert not TOKEN_IN_TEXT_RE.search(log)


# --------------------------------------------------------------------------- errors


def test_nonexistent_data_dir(floe_bin, tmp_path):
    res = subprocess.run([str(floe_bin), "--data-dir", "/nonexistent", "status"], capture_output=True, text=True,
                         timeout=30, stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert res.returncode == 1, (res.returncode, res.stdout, res.stderr)
    assert res.stderr.startswith("floe: "), res.stderr
    assert "/nonexistent" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and "terminate called" not in res.stderr


def test_server_not_running(head):
    assert head.stop() == 0
    res = head.run_cli("status")
    assert res.returncode == 1, (res.returncode, res.stderr)
    assert res.stderr.startswith("floe: "), res.stderr
    res = head.run_cli("--server", "https://127.0.0.1:1", "status")
    assert res.returncode == 1, (res.returncode, res.stderr)
    assert res.stderr.startswith("floe: "), res.stderr


@pytest.mark.parametrize("args", [
    ["no-such-command"],
    ["token", "no-such-subcommand"],
    ["token", "create", "--uses"],
    ["token", "create", "--uses", "two"],
    ["token", "create", "--no-such-flag"],
    ["nodes", "approve"],
    ["events", "--limit", "many"],
])
def test_usage_errors(shared_head, args):
    before = len(shared_head.tokens())
    res = shared_head.run_cli(*args)
    assert res.returncode == 2, (args, res.returncode, res.stdout, res.stderr)
    assert res.stderr.strip(), "a usage error says what was wrong"
    assert len(shared_head.tokens()) == before
