"""The real `floe-agent run` keeps going through a head that answers HTTP 500 or hangs.

The agent joins a real head through a fault proxy (fault_proxy.py: TLS with the head's own
certificate, so the URL the agent stores is the proxy's), runs, and then the proxy answers its
heartbeats with 500, or reads them and never answers, and finally passes them through again.
Throughout, the agent must not exit; it records the outage in status.json, backs off instead
of hammering, gives up on a hung request after its 10 s request timeout, and reconnects by
itself, with heartbeats accepted by the real head again. The head runs with 1 s heartbeats so
that "not hammering" is measurable against the pace the agent would otherwise keep.
"""

from __future__ import annotations

import re
import time

import pytest
from cryptography import x509

from agent_helpers import create_join_command
from conftest import DEFAULT_SERVE_ARGS, wait_until
from fault_proxy import ERROR_500, HANG, PASS, FaultProxy

FAST_SERVE_ARGS = (*DEFAULT_SERVE_ARGS, "--heartbeat-interval", "1s")
ERROR_PHASE_S = 10.0
# The agent's heartbeat request timeout (agent/run/heartbeat_loop.cpp) and backoff
# (agent/join/backoff.h: 1 s doubling to 30 s, ±25 % jitter).
REQUEST_TIMEOUT_S = 10.0
# At 1 s heartbeats an agent that kept its pace would send ~10 requests in the 500 phase;
# with its backoff (1, 2, 4, 8 s) it sends 3 to 5.
MAX_REQUESTS_IN_ERROR_PHASE = 6


def wall_now() -> str:
    """RFC 3339 UTC at second resolution, comparable as a string with the head's timestamps."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


@pytest.fixture
def proxied(head_factory, agent_factory):
    """A head, a fault proxy in front of it, and an agent joined through the proxy and running."""
    head = head_factory(serve_args=FAST_SERVE_ARGS)
    server_cert = x509.load_pem_x509_certificate((head.pki / "server.crt").read_bytes())
    sans = server_cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in [str(ip) for ip in sans.get_values_for_type(x509.IPAddress)], \
        "the proxy serves the head's certificate on 127.0.0.1, so it must be valid for it"
    agent = agent_factory()
    identity = (agent.state_dir / "node.crt", agent.state_dir / "node.key")
    proxy = FaultProxy(head.pki, head.ca, head.host_port,
                       client_identity=lambda: identity if identity[0].exists() else None)
    try:
        _, token = create_join_command(head)
        node_id = agent.join_ok(proxy.url, token)["node_id"]
        assert agent.identity()["head_url"] == proxy.url, "the agent keeps the URL it joined"
        agent.start()
        wait_until(lambda: (agent.run_status() or {}).get("connected") is True, timeout=20, step=0.2,
                   what="the agent to connect through the proxy")
        wait_until(lambda: head.node(node_id)["state"] == "ready", timeout=10, step=0.2, what="node ready")
        assert proxy.snapshot(mode=PASS), "heartbeats must go through the proxy"
        yield head, proxy, agent, node_id
    finally:
        proxy.close()
    assert not proxy.errors, f"the proxy could not reach the head: {proxy.errors}"


def assert_running(agent, during: str) -> None:
    assert agent.running, f"the agent exited ({agent.proc.returncode}) {during}\n{agent.log_tail()}"


def assert_recovers(head, proxy, agent, node_id, switched: float, switched_wall: str, timeout: float) -> float:
    """After the proxy passes requests again: the agent reconnects by itself and the real head
    accepts its heartbeats. Returns seconds from the switch to status.json saying connected."""
    wait_until(lambda: (agent.run_status() or {}).get("connected") is True or not agent.running,
               timeout=timeout, step=0.2, what="the agent to reconnect once the head behaves")
    assert_running(agent, "instead of reconnecting")
    reconnected = time.monotonic() - switched
    status = agent.run_status()
    assert status["last_error"] == "" and status["state"] == "ready", status
    wait_until(lambda: head.node(node_id)["state"] == "ready" and head.node(node_id)["last_seen_at"] >= switched_wall,
               timeout=15, step=0.2, what="the real head to accept heartbeats again")
    passed = [r for r in proxy.snapshot(since=switched, mode=PASS) if r.status == 200]
    assert passed, "heartbeats after the switch must be answered 200 by the real head"
    return reconnected


def test_agent_rides_out_a_head_answering_500(proxied):
    head, proxy, agent, node_id = proxied
    started = proxy.set_mode(ERROR_500)
    wait_until(lambda: (agent.run_status() or {}).get("connected") is False, timeout=10, step=0.2,
               what="status.json to record the failing head")
    down = agent.run_status()
    assert "500" in down["last_error"] and "injected fault" in down["last_error"], down
    assert agent.cli_json("status")["run"]["connected"] is False

    time.sleep(max(0.0, started + ERROR_PHASE_S - time.monotonic()))
    assert_running(agent, "while the head answered 500")
    switched, switched_wall = proxy.set_mode(PASS), wall_now()

    failed = proxy.snapshot(since=started, until=switched, mode=ERROR_500)
    assert all(r.status == 500 for r in failed), failed
    times = [r.at for r in failed]
    gaps = [round(b - a, 2) for a, b in zip(times, times[1:])]
    print(f"\n500 phase: {len(failed)} heartbeats in {ERROR_PHASE_S:.0f}s, gaps {gaps} s")
    assert len(failed) >= 2, f"the agent must keep trying while the head fails: {gaps}"
    assert len(failed) <= MAX_REQUESTS_IN_ERROR_PHASE, \
        f"{len(failed)} heartbeats in {ERROR_PHASE_S:.0f}s of HTTP 500: the agent hammers the head (gaps {gaps} s)"
    # Exponential backoff: the waits the agent chose (its log) each longer than the one before
    # (the ±25 % jitter ranges of consecutive doublings do not overlap), and the measured gaps
    # growing with them.
    chosen = [int(ms) for ms in re.findall(r"heartbeat failed error=\"HTTP 500[^\n]*retry_in_ms=(\d+)",
                                           agent.log_text())]
    assert len(chosen) >= len(failed) - 1, (chosen, gaps)
    assert all(b > a for a, b in zip(chosen, chosen[1:])), f"the retry delays do not grow: {chosen} ms"
    assert len(gaps) < 2 or gaps[-1] > gaps[0], f"the waits between retries do not grow: {gaps} s"

    # The longest wait after a 10 s outage is ~8 s (up to 16 s if a retry landed just before the switch).
    reconnected = assert_recovers(head, proxy, agent, node_id, switched, switched_wall, timeout=40)
    print(f"reconnected {reconnected:.1f}s after the head behaved again")
    # The real head saw the silence (1 s heartbeats: lost after 3 missed) and the recovery.
    kinds = [e["kind"] for e in head.events(node=node_id)]
    assert "node.lost" in kinds and "node.recovered" in kinds, kinds
    assert [n["id"] for n in head.nodes()] == [node_id], "riding out an outage must not register a new node"
    assert agent.stop() == 0, agent.log_tail()


def test_agent_times_out_a_hung_head_and_recovers(proxied):
    head, proxy, agent, node_id = proxied
    started = proxy.set_mode(HANG)
    # The first heartbeat after the switch is read and never answered: the agent gives up on it
    # after its request timeout and says so.
    wait_until(lambda: (agent.run_status() or {}).get("connected") is False or not agent.running,
               timeout=2 * REQUEST_TIMEOUT_S + 20, step=0.2, what="status.json to record the hung head")
    noticed = time.monotonic() - started
    assert_running(agent, "while the head hung")
    down = agent.run_status()
    assert "/heartbeat" in down["last_error"], down
    hung = proxy.snapshot(since=started, mode=HANG)
    assert hung and all(r.status is None for r in hung), hung
    wait_until(lambda: all(r.released_at for r in proxy.snapshot(since=started, until=hung[-1].at, mode=HANG)),
               timeout=REQUEST_TIMEOUT_S + 20, step=0.1, what="the agent to abandon the hung requests")
    hung = proxy.snapshot(since=started, until=hung[-1].at, mode=HANG)
    held = [round(r.released_at - r.at, 1) for r in hung]
    print(f"\nhead hung: status.json said so after {noticed:.1f}s; hung requests abandoned after {held} s; "
          f"last_error: {down['last_error']}")
    assert all(REQUEST_TIMEOUT_S - 2 <= h <= REQUEST_TIMEOUT_S + 20 for h in held), \
        f"the agent held hung requests for {held} s; its request timeout is {REQUEST_TIMEOUT_S:.0f}s"
    switched, switched_wall = proxy.set_mode(PASS), wall_now()

    reconnected = assert_recovers(head, proxy, agent, node_id, switched, switched_wall,
                                  timeout=2 * REQUEST_TIMEOUT_S + 20)
    print(f"reconnected {reconnected:.1f}s after the head behaved again")
    # Every hung connection was given up by the agent, none left dangling.
    wait_until(lambda: all(r.released_at for r in proxy.snapshot(since=started, mode=HANG)),
               timeout=2 * REQUEST_TIMEOUT_S + 10, step=0.2, what="the agent to abandon every hung request")
    assert [n["id"] for n in head.nodes()] == [node_id]
    assert agent.stop() == 0, agent.log_tail()

    # A timed-out request is reported as such and never re-sent at once on a fresh
    # connection (that retry is only for a kept-alive connection the head had closed).
    resent_at_once = len(hung) > 1 and hung[1].at - hung[0].released_at < 0.5  # backoff waits >= 0.75 s
    assert not resent_at_once, [(r.at, r.released_at) for r in hung]
    assert "timed out" in down["last_error"], down
