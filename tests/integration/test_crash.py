"""Crash safety: `kill -9` the head in the middle of a burst of joins, restart it on the same
data dir, and check that every join it acknowledged with HTTP 200 is still there."""

import os
import random
import sqlite3
import threading
import time

import requests

from conftest import HTTP_TIMEOUT_S, make_csr

CYCLES = 3
THREADS = 4
JOINS_PER_THREAD = 50
MIN_ACKED_BEFORE_KILL = 20
BURST_DEADLINE_S = 60


def _integrity_check(db_path) -> list:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("PRAGMA integrity_check").fetchall()
    finally:
        conn.close()


def _burst(head, secret, cycle, kill_after, rng):
    """Run THREADS x JOINS_PER_THREAD joins; SIGKILL the head once `kill_after` were acknowledged.
    Returns (acknowledged [(node_id, machine_id)], unexpected responses)."""
    work = [[(f"crash-{cycle}-{t}-{i:03d}", make_csr(cn=f"crash-{cycle}-{t}-{i:03d}")[0])
             for i in range(JOINS_PER_THREAD)] for t in range(THREADS)]
    acked: list[tuple[str, str]] = []
    unexpected: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()
    killed = threading.Event()
    url = head.url + "/api/v1/join"

    def worker(items):
        session = requests.Session()  # verify per call: REQUESTS_CA_BUNDLE would override session.verify
        deadline = time.monotonic() + BURST_DEADLINE_S
        for machine_id, csr in items:
            if stop.is_set() or time.monotonic() > deadline:
                return
            try:
                resp = session.post(url, json={"token": secret, "csr": csr, "machine_id": machine_id, "name": machine_id},
                                    verify=head.ca, timeout=HTTP_TIMEOUT_S)
            except requests.RequestException as exc:
                with lock:
                    if not killed.is_set():
                        unexpected.append(f"{machine_id}: {exc!r} before the kill")
                return  # the head is gone
            with lock:
                if resp.status_code == 200:
                    acked.append((resp.json()["node_id"], machine_id))
                    if len(acked) >= kill_after:
                        enough.set()
                else:
                    unexpected.append(f"{machine_id}: {resp.status_code} {resp.text[:200]}")

    threads = [threading.Thread(target=worker, args=(items,), daemon=True) for items in work]
    for t in threads:
        t.start()
    deadline = time.monotonic() + BURST_DEADLINE_S
    while not enough.is_set() and any(t.is_alive() for t in threads) and time.monotonic() < deadline:
        enough.wait(0.01)
    time.sleep(rng.uniform(0, 0.05))  # a random moment, still mid-burst
    in_flight = sum(t.is_alive() for t in threads)
    killed.set()
    head.kill9()
    stop.set()
    for t in threads:
        t.join(timeout=HTTP_TIMEOUT_S + 5)
    with lock:
        return list(acked), list(unexpected), in_flight


def test_no_acknowledged_join_lost_across_kill9(head_factory):
    seed = int(os.environ.get("FLOE_CRASH_SEED", random.randrange(1 << 30)))
    print(f"crash test seed: {seed} (set FLOE_CRASH_SEED to replay)")
    rng = random.Random(seed)
    head = head_factory()
    data = head.create_token(description="crash test, unlimited uses")
    secret, token_id = data["secret"], data["token"]["id"]
    all_acked: dict[str, str] = {}

    for cycle in range(CYCLES):
        kill_after = rng.randint(MIN_ACKED_BEFORE_KILL, 3 * MIN_ACKED_BEFORE_KILL)
        acked, unexpected, in_flight = _burst(head, secret, cycle, kill_after, rng)
        assert not unexpected, f"cycle {cycle}: joins refused during the burst: {unexpected[:5]}"
        assert len(acked) >= MIN_ACKED_BEFORE_KILL, \
            f"cycle {cycle}: only {len(acked)} joins acknowledged before the kill\n{head.log_tail()}"
        assert in_flight > 0, f"cycle {cycle}: the burst had finished before the kill (not mid-burst)"
        print(f"cycle {cycle}: killed after {len(acked)} acknowledged joins (target {kill_after}), "
              f"{in_flight} threads still sending")
        for node_id, machine_id in acked:
            assert all_acked.setdefault(node_id, machine_id) == machine_id, \
                f"node id {node_id} acknowledged for two machines"

        head.start()
        nodes = {n["id"]: n for n in head.nodes()}
        missing = [(nid, mid) for nid, mid in all_acked.items() if nid not in nodes]
        assert not missing, (f"cycle {cycle}: {len(missing)} acknowledged joins lost after kill -9, "
                             f"e.g. {missing[:5]}")
        for nid, mid in all_acked.items():
            assert nodes[nid]["machine_id"] == mid
        machine_ids = [n["machine_id"] for n in nodes.values()]
        assert len(machine_ids) == len(set(machine_ids)), "one machine registered twice"

        # the node row and the token's use count are committed together
        token = {t["id"]: t for t in head.tokens()}[token_id]
        assert token["uses"] == len(nodes), f"cycle {cycle}: token uses {token['uses']} != nodes {len(nodes)}"

        assert _integrity_check(head.db_path) == [("ok",)]
        assert head.get("/readyz").status_code == 200

    assert head.stop() == 0, head.log_tail()
    assert _integrity_check(head.db_path) == [("ok",)]
