"""The head bootstraps k3s, workers join from their own network namespaces, and the head's
node controller labels every Kubernetes Node from its hardware.

    switch ns: bridge ── head ns     10.213.X.1   floe serve :9443, k3s server :6443
                     ├── worker1 ns  10.213.X.11  two-socket-server sysroot
                     ├── worker2 ns  10.213.X.12  gpu-server sysroot
                     └── worker3 ns  10.213.X.13  this-machine sysroot, joins pending

Everything on the path is the real code — `floe init` renders the k3s config and `floe serve`
supervises the k3s server, `floe-agent join` receives the k3s URL and agent token over the
pinned channel and `floe-agent run` supervises the k3s agent, the node controller talks to a
real kube-apiserver — except k3s itself: `tests/cluster/k3s` stands in for it because k3s and
a kubelet cannot run containers on the test machines (see that file).

Needs root, iproute2 and the cached control-plane binaries (tests/cluster/README.md).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

from agent_helpers import Agent, create_join_command, make_sysroot, new_machine_id  # noqa: E402
from netns_lab import Lab, netns_unavailable, remove_stale_namespaces  # noqa: E402

STANDIN = HERE / "k3s"
NS_PREFIX = "floect"
HEAD_PORT = 9443
K3S_PORT = 6443
READY_TARGET_S = 30.0  # from the agents starting to 4 Ready, labelled nodes
HEAD_START_TIMEOUT_S = 240.0  # the stand-in's control plane on a loaded 2-core machine
WORKERS = (
    # role, fixture, host octet
    ("worker1", "two-socket-server", 11),
    ("worker2", "gpu-server", 12),
    ("worker3", "this-machine", 13),
)
# floe.io/* labels each fixture must get, exactly (floe.io/node-id is checked separately).
EXPECTED_FLOE_LABELS = {
    "two-socket-server": {"floe.io/role": "worker", "floe.io/cpu-cores": "32", "floe.io/memory-gib": "503",
                          "floe.io/disk-nvme": "true", "floe.io/data-disks": "2", "floe.io/gpu": "false",
                          "floe.io/gpu-count": "0"},
    "gpu-server": {"floe.io/role": "worker", "floe.io/cpu-cores": "32", "floe.io/memory-gib": "1007",
                   "floe.io/disk-nvme": "true", "floe.io/data-disks": "1", "floe.io/gpu": "true",
                   "floe.io/gpu-count": "4", "floe.io/gpu-model": "NVIDIA-A100-SXM4-40GB"},
    "this-machine": {"floe.io/role": "worker", "floe.io/cpu-cores": "2", "floe.io/memory-gib": "23",
                     "floe.io/disk-nvme": "false", "floe.io/data-disks": "0", "floe.io/gpu": "false",
                     "floe.io/gpu-count": "0"},
}
GPU_TAINT = {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}


def wait_until(predicate, timeout: float, what: str, step: float = 0.5):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


class ClusterHead:
    """`floe init` with the k3s stand-in and `floe serve`, inside the head's namespace."""

    def __init__(self, floe_bin: Path, work: Path, address: str, prefix: list[str], serve_args: tuple = ()):
        self.floe_bin = floe_bin
        self.serve_args = list(serve_args)
        self.work = work
        self.address = address
        self.prefix = prefix
        self.data_dir = work / "head"
        self.k3s_etc = work / "k3s-etc"
        self.k3s_data = work / "k3s-data"
        self.log_path = work / "serve.log"
        self.proc: subprocess.Popen | None = None
        self.secrets: list[str] = []

    def run_cli(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*self.prefix, str(self.floe_bin), "--data-dir", str(self.data_dir), *args],
                              capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def cli_json(self, *args: str):
        res = self.run_cli("--json", *args)
        assert res.returncode == 0, f"floe {args} -> {res.returncode}\n{res.stdout}\n{res.stderr}"
        return json.loads(res.stdout)

    def init(self) -> subprocess.CompletedProcess:
        # supervised: the simulated machines share this host (see tests/sandbox/run.sh).
        return self.run_cli("init", "--advertise", self.address, "--k3s-binary", str(STANDIN),
                            "--k3s-service", "supervised", "--k3s-config-dir", str(self.k3s_etc),
                            "--k3s-data-dir", str(self.k3s_data), "--k3s-port", str(K3S_PORT),
                            "--node-name", "floe-head", timeout=120)

    def start(self) -> None:
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [*self.prefix, str(self.floe_bin), "serve", "--data-dir", str(self.data_dir),
             "--listen", f"{self.address}:{HEAD_PORT}", *self.serve_args],
            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        log.close()

    def kubernetes(self) -> dict:
        """The status API's kubernetes section; {} while serve is still starting."""
        res = self.run_cli("--json", "status")
        return json.loads(res.stdout)["kubernetes"] if res.returncode == 0 else {}

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=90)  # it stops the k3s server, which stops the control plane
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        k3s_log = self.data_dir / "logs" / "k3s.log"
        k3s = k3s_log.read_text(errors="replace") if k3s_log.exists() else ""
        return ("\n".join(text.splitlines()[-lines:]) + "\n--- k3s.log ---\n" +
                "\n".join(k3s.splitlines()[-lines:]))

    # -- Kubernetes, through the kubeconfig k3s wrote (its server is 127.0.0.1 in the head's namespace)
    def kubectl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env_file = self.k3s_data / "server" / "standin" / "cluster.env"
        settings = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
        res = subprocess.run([*self.prefix, str(Path(settings["FLOE_K8S_BIN"]) / "kubectl"), "--kubeconfig",
                              str(self.k3s_etc / "k3s.yaml"), *args],
                             capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if check:
            assert res.returncode == 0, f"kubectl {args} -> {res.returncode}\n{res.stderr}"
        return res

    def nodes(self) -> dict[str, dict]:
        return {n["metadata"]["name"]: n for n in json.loads(self.kubectl("get", "nodes", "-o", "json").stdout)["items"]}


def binary(env_name: str, relative: str) -> Path:
    return Path(os.environ.get(env_name, HERE.parents[1] / "build" / "release" / relative))


def is_ready(node: dict) -> bool:
    """Ready, and the node lifecycle controller has lifted its not-ready taint."""
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in node.get("status", {}).get("conditions", []))
    lifecycle_taints = [t for t in node["spec"].get("taints", []) if t["key"].startswith("node.kubernetes.io/")]
    return ready and not lifecycle_taints


def floe_labels(node: dict) -> dict[str, str]:
    return {k: v for k, v in node["metadata"].get("labels", {}).items() if k.startswith("floe.io/")}


@contextmanager
def cluster_with_workers(work: Path, ns_prefix: str, *, serve_args: tuple = (), pending_roles: tuple = ()):
    """The head (`floe init` + `floe serve` with the k3s stand-in) in its namespace and the
    WORKERS joined from theirs, their agents started; roles in `pending_roles` join with a
    token that needs approval. Yields (lab, head, agents, agents_started); stops everything."""
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    remove_stale_namespaces(ns_prefix)
    floe_bin = binary("FLOE_BIN", "appliance/floe")
    agent_bin = binary("FLOE_AGENT_BIN", "agent/floe-agent")
    for built in (floe_bin, agent_bin):
        assert built.exists(), f"{built} is not built (set FLOE_BIN / FLOE_AGENT_BIN)"
    lab = Lab(ns_prefix)
    head = None
    agents: dict[str, Agent] = {}
    try:
        lab.build_switch()
        lab.add_host("head", 1)
        for role, _, octet in WORKERS:
            lab.add_host(role, octet)
        head = ClusterHead(floe_bin, work, lab.addresses["head"], lab.exec_prefix("head"), serve_args)
        res = head.init()
        assert res.returncode == 0, f"floe init -> {res.returncode}\n{res.stdout}\n{res.stderr}"
        assert "k3s server config" in res.stdout, res.stdout
        started = time.monotonic()
        head.start()
        try:
            wait_until(lambda: head.kubernetes().get("state") == "running", HEAD_START_TIMEOUT_S,
                       "the supervised k3s server to be running")
        except AssertionError:
            raise AssertionError(head.log_tail())
        print(f"\nk3s server (stand-in) ready {time.monotonic() - started:.1f}s after floe serve started")

        argv, token = create_join_command(head)
        # A pending role gets its k3s parameters only once approved, in a heartbeat reply.
        _, pending_token = create_join_command(head, "--pending")
        for role, fixture, _ in WORKERS:
            sysroot = make_sysroot(work / role / "sysroot", fixture, machine_id=new_machine_id(), hostname=role)
            # The stand-in k3s agent reads the machine's capacity where a kubelet would.
            agent = Agent(agent_bin, work / role, sysroot, cmd_prefix=lab.exec_prefix(role), name=role,
                          env={"K3S_STANDIN_SYSROOT": str(sysroot)})
            agents[role] = agent
            k3s_flags = ["--k3s-binary", str(STANDIN), "--k3s-service", "supervised",
                         "--k3s-config-dir", str(work / role / "k3s-etc"),
                         "--k3s-data-dir", str(work / role / "k3s-data")]
            extra = ["--ignore-check", "kernel-modules"] if fixture == "gpu-server" else []
            pending = role in pending_roles
            res = agent.join(argv[2], pending_token if pending else token, *extra, *k3s_flags)
            assert res.returncode == 0, f"{role} join -> {res.returncode}\n{res.stdout}\n{res.stderr}"
            expected = "once the node is approved" if pending else "'floe-agent run' starts and supervises it"
            assert expected in res.stdout, res.stdout
        agents_started = time.monotonic()
        for agent in agents.values():
            agent.start("--inventory-refresh", "2s")
        yield lab, head, agents, agents_started
    finally:
        for agent in agents.values():
            agent.cleanup()
        if head is not None:
            head.stop()
        left = lab.destroy()
        assert not left, f"namespaces left behind: {left}"


@pytest.fixture(scope="module")
def stack(binaries, tmp_path_factory):
    with cluster_with_workers(tmp_path_factory.mktemp("bootstrap"), NS_PREFIX,
                              pending_roles=("worker3",)) as (lab, head, agents, agents_started):
        wait_until(lambda: agents["worker3"].run_status(), 15, "worker3's agent to reach the head")
        assert head.cli_json("nodes", "show", agents["worker3"].node_id)["state"] == "pending"
        head.cli_json("nodes", "approve", agents["worker3"].node_id)
        yield lab, head, agents, agents_started


def test_four_ready_nodes_labelled_from_their_hardware(stack):
    lab, head, agents, agents_started = stack
    workers = {role: fixture for role, fixture, _ in WORKERS}

    def all_labelled():
        nodes = head.nodes()
        if set(nodes) != {"floe-head", *workers} or not all(is_ready(n) for n in nodes.values()):
            return None
        for role, fixture in workers.items():
            labels = floe_labels(nodes[role])
            if labels.get("floe.io/node-id") != agents[role].node_id:
                return None
        return nodes

    nodes = wait_until(all_labelled, READY_TARGET_S + 30, "4 Ready nodes, workers linked to their floe nodes")
    elapsed = time.monotonic() - agents_started
    print(f"\nagents started -> 4 Ready, labelled nodes in {elapsed:.1f}s (target {READY_TARGET_S:.0f}s)")
    assert elapsed <= READY_TARGET_S, f"took {elapsed:.1f}s"

    for role, fixture in workers.items():
        labels = floe_labels(nodes[role])
        assert labels == {**EXPECTED_FLOE_LABELS[fixture], "floe.io/node-id": agents[role].node_id}, (role, labels)
        taints = nodes[role]["spec"].get("taints", [])
        assert taints == ([GPU_TAINT] if fixture == "gpu-server" else []), (role, taints)
    gpu = nodes["worker2"]["metadata"]["labels"]
    assert gpu["feature.node.kubernetes.io/pci-0302_10de.present"] == "true"
    assert gpu["feature.node.kubernetes.io/cpu-model.vendor_id"] == "AMD"
    assert nodes["worker1"]["metadata"]["labels"]["feature.node.kubernetes.io/cpu-model.vendor_id"] == "Intel"

    head_labels = floe_labels(nodes["floe-head"])
    assert head_labels["floe.io/role"] == "head"
    assert "floe.io/node-id" not in head_labels
    # The head's own hardware: this machine, as the agent's collector reads it.
    inventory = json.loads(subprocess.run([str(binary("FLOE_AGENT_BIN", "agent/floe-agent")), "inventory", "--json"],
                                          capture_output=True, text=True, check=True, timeout=60).stdout)
    assert head_labels["floe.io/cpu-cores"] == str(inventory["cpu"]["cores"]), head_labels
    assert head_labels["floe.io/memory-gib"] == str(inventory["memory"]["total_bytes"] // 2**30), head_labels

    listed = {n["name"]: n for n in head.cli_json("nodes", "list")["nodes"]}
    for role in workers:
        assert listed[role]["kubernetes"] == {"ready": "True", "registered": True}, listed[role]
        # Reported with the next heartbeat (every 5 s) after k3s notified READY=1.
        k3s = wait_until(lambda: (lambda k: k if k.get("state") == "running" else None)(
            head.cli_json("nodes", "show", agents[role].node_id)["k3s"] or {}), 15, f"{role}'s k3s agent running")
        assert k3s["mode"] == "supervised" and k3s["restarts"] == 0, k3s


def test_changed_inventory_changes_labels(stack):
    lab, head, agents, _ = stack
    meminfo = agents["worker3"].sysroot / "proc" / "meminfo"
    text, replaced = re.subn(r"(?m)^MemTotal:\s+\d+ kB", f"MemTotal:       {64 * 2**20} kB", meminfo.read_text())
    assert replaced == 1
    meminfo.write_text(text)  # the machine "gets" 64 GiB; the agent re-reads it every 2 s
    wait_until(lambda: floe_labels(head.nodes()["worker3"]).get("floe.io/memory-gib") == "64", 30,
               "worker3's memory label to follow its new inventory")


def test_node_watch_survives_an_api_server_restart(stack):
    lab, head, agents, _ = stack
    standin_dir = head.k3s_data / "server" / "standin"
    res = subprocess.run([*lab.exec_prefix("head"), str(HERE / "control-plane.sh"), "restart-apiserver",
                          str(standin_dir)], capture_output=True, text=True, timeout=180, stdin=subprocess.DEVNULL,
                         env=dict(os.environ, FLOE_CLUSTER_STOP_TIMEOUT="3"))
    assert res.returncode == 0, f"restart-apiserver -> {res.returncode}\n{res.stderr}"
    # Only a live watch notices this: the controller's cache still holds the label, so
    # a controller with a dead watch would see nothing to fix.
    head.kubectl("label", "node", "worker2", "floe.io/gpu-count-")
    wait_until(lambda: floe_labels(head.nodes()["worker2"]).get("floe.io/gpu-count") == "4", 30,
               "the controller to restore a removed label after the API server restart")
    assert head.kubernetes()["watching_nodes"] is True


def test_wrong_agent_token_is_refused(stack, tmp_path):
    lab, head, agents, _ = stack
    config = tmp_path / "agent.yaml"
    config.write_text(json.dumps({"server": f"https://{lab.addresses['head']}:{K3S_PORT}",
                                  "token": "not-the-agent-token", "node-name": "intruder",
                                  "data-dir": str(tmp_path / "data")}))
    res = subprocess.run([*lab.exec_prefix("worker1"), str(STANDIN), "agent", "--config", str(config)],
                         capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert res.returncode != 0, res.stderr
    assert "401" in res.stderr, res.stderr
    assert "intruder" not in head.nodes()


def test_leave_removes_the_node(stack):
    lab, head, agents, _ = stack
    agent = agents["worker1"]
    node_id = agent.node_id
    res = agent.cli("leave", timeout=90)
    assert res.returncode == 0, f"leave -> {res.returncode}\n{res.stdout}\n{res.stderr}"
    assert agent.proc.wait(timeout=10) is not None  # leave stopped `floe-agent run`, and its k3s agent
    assert not (agent.work_dir / "k3s-etc" / "config.yaml").exists()
    assert not (agent.work_dir / "k3s-data").exists()
    left = [p.name for p in agent.state_dir.iterdir()] if agent.state_dir.exists() else []
    assert left == [], f"files left in the state dir after leave: {left}"
    wait_until(lambda: "worker1" not in head.nodes(), 20, "the Kubernetes node of the agent that left to go")
    assert node_id not in {n["id"] for n in head.cli_json("nodes", "list")["nodes"]}
    assert {"floe-head", "worker2", "worker3"} <= set(head.nodes())


def test_reset_undoes_init(stack):
    lab, head, agents, _ = stack
    refused = head.run_cli("reset", "--yes")
    assert refused.returncode != 0 and "floe serve is running" in refused.stderr, refused.stderr
    head.stop()
    unconfirmed = head.run_cli("reset")
    assert unconfirmed.returncode != 0 and "--yes" in unconfirmed.stderr, unconfirmed.stderr
    assert head.data_dir.exists() and (head.k3s_etc / "config.yaml").exists()

    res = head.run_cli("reset", "--yes")
    assert res.returncode == 0, f"reset -> {res.returncode}\n{res.stdout}\n{res.stderr}"
    for gone in (head.data_dir, head.k3s_etc / "config.yaml", head.k3s_etc / "k3s.yaml", head.k3s_data):
        assert not gone.exists(), f"{gone} survived floe reset"
    assert STANDIN.exists()  # --k3s-binary: the user's own k3s is never removed
