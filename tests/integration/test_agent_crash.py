"""Crash safety of the agent's state dir: `kill -9` the real `floe-agent join` at random moments
(and right after each file of the identity appears), then check that the state dir is either
"not joined" (no node.json) or a complete, consistent identity, never a half-written file; that
the same join command then always succeeds; and that every machine then heartbeats.

The agent writes ca.crt, then node.key (kept across re-joins), then, after the head answered,
node.crt and last node.json, each through a temporary file that is renamed into place
(agent/state/agent_state.cpp). node.json is what marks the machine joined, so a kill between
node.crt and node.json leaves a machine that the head registered but that calls itself not
joined; its next join is the idempotent re-join of the same machine-id (same node id).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from agent_helpers import create_join_command
from conftest import wait_until

MACHINES = 10
IDENTITY_FILES = ("ca.crt", "node.key", "node.crt", "node.json")
# Written after node.json by the join command (the --no-k3s/--k3s-* choices, for a node approved
# later); shown in the outcome labels, not part of the identity.
K3S_OPTIONS_FILE = "k3s-options.json"
PRIVATE_FILES = ("node.key", "node.json")  # the key; the k3s agent token
# First kill of each machine: at a random moment, or as soon as this file appears.
FIRST_KILL_TRIGGERS = ("random", "ca.crt", "node.key", "node.crt", "node.json")
JOIN_TIMEOUT_S = 60


def _public_der(key_or_cert) -> bytes:
    return key_or_cert.public_key().public_bytes(serialization.Encoding.DER,
                                                 serialization.PublicFormat.SubjectPublicKeyInfo)


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


def kill_join(agent, argv: list[str], *, delay: float | None = None, on_new_file: str | None = None,
              deadline_s: float = JOIN_TIMEOUT_S) -> str:
    """Starts `floe-agent join`; SIGKILLs it after `delay` seconds, or as soon as `on_new_file`
    in the state dir is created or replaced (a new inode). Returns 'killed' or 'finished' (the
    join was over before the kill)."""
    env = dict(os.environ)
    env.pop("FLOE_JOIN_TOKEN", None)
    watched = agent.state_dir / on_new_file if on_new_file else None
    before = _inode(watched) if watched else None
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=agent.work_dir, env=env)
    try:
        if watched is None:
            time.sleep(delay or 0)
        else:
            end = time.monotonic() + deadline_s
            while proc.poll() is None and _inode(watched) in (None, before) and time.monotonic() < end:
                time.sleep(0.0005)
        if proc.poll() is not None:
            return "finished"
        os.kill(proc.pid, signal.SIGKILL)
        return "killed"
    finally:
        proc.wait(timeout=30)


def check_state(agent, head) -> tuple[str, dict | None]:
    """Asserts the state-dir invariant; returns (what the dir holds, identity or None)."""
    state = agent.state_dir
    present = tuple(f for f in IDENTITY_FILES if (state / f).exists())
    leftovers = sorted(p.name for p in state.glob("*.tmp")) if state.is_dir() else []
    for name in leftovers:  # an interrupted write: never under the real name, never readable by others
        if name.removesuffix(".tmp") in (*PRIVATE_FILES, K3S_OPTIONS_FILE):
            assert (state / name).stat().st_mode & 0o077 == 0, f"{name} is readable by others"
    label = "+".join(present) or "empty"
    if (state / K3S_OPTIONS_FILE).exists():
        label += "+" + K3S_OPTIONS_FILE
    if leftovers:
        label += f" (leftover {', '.join(leftovers)})"

    # Whatever is there under its real name is complete.
    ca = key = cert = None
    if (state / "ca.crt").exists():
        ca = x509.load_pem_x509_certificate((state / "ca.crt").read_bytes())
        assert hashlib.sha256(ca.public_bytes(serialization.Encoding.DER)).hexdigest() == head.ca_sha256()
    if (state / "node.key").exists():
        assert (state / "node.key").stat().st_mode & 0o077 == 0, "node.key readable by others"
        key = serialization.load_pem_private_key((state / "node.key").read_bytes(), password=None)
    if (state / "node.crt").exists():
        cert = x509.load_pem_x509_certificate((state / "node.crt").read_bytes())
        assert key is not None, f"node.crt without node.key: {label}"
        assert _public_der(cert) == _public_der(key), f"node.crt does not match node.key: {label}"
        assert ca is not None, f"node.crt without ca.crt: {label}"
        cert.verify_directly_issued_by(ca)

    if "node.json" not in present:
        res = agent.cli("status")
        assert res.returncode == 1 and "not joined" in res.stderr, \
            f"without node.json the machine must say it is not joined ({label}): {res.returncode} {res.stderr}"
        return label, None

    assert set(present) == set(IDENTITY_FILES), f"node.json without the rest of the identity: {label}"
    identity = json.loads((state / "node.json").read_text())
    assert identity["head_url"] == head.url and identity["node_id"], identity
    assert identity["ca_sha256"] == head.ca_sha256(), identity
    assert (state / "node.json").stat().st_mode & 0o077 == 0, "node.json holds the k3s token: 0600"
    nodes = {n["id"]: n for n in head.nodes()}
    machine_id = (agent.sysroot / "etc" / "machine-id").read_text().strip()
    assert identity["node_id"] in nodes, f"node.json names a node the head does not know: {identity['node_id']}"
    assert nodes[identity["node_id"]]["machine_id"] == machine_id
    assert agent.cli_json("status")["node_id"] == identity["node_id"]
    return label, identity


def test_agent_state_survives_kill9_mid_join(head, agent_factory):
    seed = int(os.environ.get("FLOE_CRASH_SEED", random.randrange(1 << 30)))
    print(f"\nagent crash test seed: {seed} (set FLOE_CRASH_SEED to replay)")
    rng = random.Random(seed)
    _, token = create_join_command(head)  # unlimited uses

    # How long one whole join takes here, so that random kills spread over all of it.
    calibration = agent_factory(name="calibration")
    join_args = ["join", head.url, "--token", token, "--no-k3s", *calibration.ignore_args()]
    res = calibration.cli(*join_args, timeout=JOIN_TIMEOUT_S)
    assert res.returncode == 0, f"join -> {res.returncode}\n{res.stdout}\n{res.stderr}"
    window = res.duration
    assert check_state(calibration, head)[1] is not None, "the calibration join did not complete"
    print(f"one join takes {window * 1000:.0f} ms; random kills within {window * 1200:.0f} ms")

    first_kills, rejoin_kills = Counter(), Counter()
    agents = [calibration]
    for i in range(MACHINES):
        agent = agent_factory(name=f"m{i}")
        agents.append(agent)
        argv = agent.argv(*join_args)

        # 1. A first join, killed at a random moment or right after one of its files appears.
        trigger = FIRST_KILL_TRIGGERS[i % len(FIRST_KILL_TRIGGERS)]
        if trigger == "random":
            outcome = kill_join(agent, argv, delay=rng.uniform(0, 1.2 * window))
        else:
            outcome = kill_join(agent, argv, on_new_file=trigger)
        label, interrupted = check_state(agent, head)
        first_kills[f"{trigger}: {outcome}, {label}"] += 1

        # 2. The same command again always succeeds, with a complete identity known to the head
        # (the same node when the killed join had already registered this machine).
        res = agent.cli(*join_args, timeout=JOIN_TIMEOUT_S)
        assert res.returncode == 0, f"join after a kill ({label}) -> {res.returncode}\n{res.stdout}\n{res.stderr}"
        _, identity = check_state(agent, head)
        assert identity is not None, "the join after the kill did not leave a joined machine"
        if interrupted:
            assert identity["node_id"] == interrupted["node_id"]

        # 3. A re-join over that identity, killed: the identity stays complete (old or new).
        if i % 2 == 0:
            outcome = kill_join(agent, argv, delay=rng.uniform(0, 1.2 * window))
            how = "random"
        else:
            outcome = kill_join(agent, argv, on_new_file="node.crt")
            how = "node.crt replaced"
        label, kept = check_state(agent, head)
        rejoin_kills[f"{how}: {outcome}, {label}"] += 1
        assert kept is not None and kept["node_id"] == identity["node_id"], \
            f"a killed re-join lost the identity ({label})"
        res = agent.cli(*join_args, timeout=JOIN_TIMEOUT_S)
        assert res.returncode == 0, f"re-join after a kill -> {res.returncode}\n{res.stdout}\n{res.stderr}"
        assert check_state(agent, head)[1]["node_id"] == identity["node_id"]

    print("first joins killed:\n  " + "\n  ".join(f"{n} x {k}" for k, n in sorted(first_kills.items())))
    print("re-joins killed:\n  " + "\n  ".join(f"{n} x {k}" for k, n in sorted(rejoin_kills.items())))

    # Every machine is registered exactly once, and each one's `run` heartbeats.
    machine_ids = [n["machine_id"] for n in head.nodes()]
    assert len(machine_ids) == len(agents) == len(set(machine_ids)), machine_ids
    for agent in agents:
        agent.start()
    wait_until(lambda: all((a.run_status() or {}).get("connected") is True for a in agents) or
               not all(a.running for a in agents), timeout=30, step=0.2, what="every agent to heartbeat")
    assert all(a.running for a in agents), [a.name for a in agents if not a.running]
    wait_until(lambda: all(n["state"] == "ready" for n in head.nodes()), timeout=15, step=0.2,
               what="every node ready")
    for agent in agents:
        assert agent.stop() == 0, agent.log_tail()
