"""The head's rebalancer on a real control plane: new workers take load off busy ones.

`floe init` with the k3s stand-in (tests/cluster/k3s: a real kube-apiserver, scheduler and
controller-manager, with kwok in place of kubelets) and `floe serve`, whose rebalancer
watches Nodes. Six kwok nodes get Deployments of mixed sizes (one behind a
PodDisruptionBudget), a pinned Deployment, a standalone pod, a DaemonSet and a pod too
large for any other node; then two empty nodes join. The head rebalances by itself, and:

- the CPU-request spread (max - min utilisation) of the eight nodes ends at 10 points or less;
- the PodDisruptionBudget's minimum of available pods held at every sample taken meanwhile;
- the pinned, standalone, DaemonSet and oversized pods stayed where they were;
- a dry run before changed nothing;
- the steering taint (floe.io/rebalancing:PreferNoSchedule on the busy nodes while the
  replacements are scheduled) is gone afterwards, and an administrator's taint stayed;
- `floe rebalance history` / `show` report the round with utilisation before and after;
- a steering taint journalled by a head that stopped mid-pass is removed when the head
  starts again, and the same key floe did not set is left alone.

The only stand-in is kwok for the kubelet (containers cannot run here); evictions go through
the real Eviction API and the real scheduler places the replacements.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from rebalance_helpers import (create_namespace, POOL_LABEL, Kube, all_pods_running, cpu_utilisation, deployment, kwok_node,
                               node_ready, pod_spec, spread_and_stddev, standin_kube, wait_until)

HERE = Path(__file__).resolve().parent
STANDIN = HERE / "k3s"
POOL = "rebalance"
NAMESPACE = "shop"
HEAD_START_TIMEOUT_S = 240.0
ROUND_TIMEOUT_S = 240.0
THRESHOLD = 10.0
API_MIN_AVAILABLE = 13  # of 16: 3 disruptions at a time
LOAD_PODS = 32 + 16 + 12 + 1 + 1 + 6 + 1  # web, api, batch, pinned, oversized, DaemonSet on 6 nodes, standalone

# Both nodes join at once and make one round. The settle delay also leaves the test time
# for a dry run after they are Ready and before the automatic round starts.
FLOE_YAML = f"""
rebalance:
  threshold_percent: {THRESHOLD:g}
  node_selector: {{{POOL_LABEL}: {POOL}}}
  verify_timeout: 90s
  triggers:
    settle_delay: 20s
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Head:
    """`floe init` with the k3s stand-in and `floe serve`, on loopback."""

    def __init__(self, floe_bin: Path, work: Path):
        self.floe_bin = floe_bin
        self.data_dir = work / "head"
        self.k3s_etc = work / "k3s-etc"
        self.k3s_data = work / "k3s-data"
        self.log_path = work / "serve.log"
        self.proc: subprocess.Popen | None = None

    def cli(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.floe_bin), "--data-dir", str(self.data_dir), *args], capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    def cli_json(self, *args: str):
        res = self.cli("--json", *args)
        assert res.returncode == 0, f"floe {args} -> {res.returncode}\n{res.stdout}\n{res.stderr}"
        return json.loads(res.stdout)

    def init(self) -> None:
        res = self.cli("init", "--advertise", "127.0.0.1", "--k3s-binary", str(STANDIN), "--k3s-service",
                       "supervised", "--k3s-config-dir", str(self.k3s_etc), "--k3s-data-dir", str(self.k3s_data),
                       "--k3s-port", str(free_port()), "--node-name", "floe-head")
        assert res.returncode == 0, f"floe init -> {res.returncode}\n{res.stdout}\n{res.stderr}"
        (self.data_dir / "floe.yaml").write_text(FLOE_YAML)

    def start(self) -> None:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen([str(self.floe_bin), "serve", "--data-dir", str(self.data_dir), "--listen",
                                          "127.0.0.1:0"], stdin=subprocess.DEVNULL, stdout=log, stderr=log)

    def kubernetes_state(self) -> str:
        res = self.cli("--json", "status")
        return json.loads(res.stdout).get("kubernetes", {}).get("state", "") if res.returncode == 0 else ""

    def kube(self) -> Kube:
        return standin_kube(self.k3s_data, self.k3s_etc / "k3s.yaml")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=90)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def schedulable(node: dict) -> bool:
    """Ready, and the node lifecycle controller has lifted its not-ready taint."""
    taints = [t for t in node["spec"].get("taints", []) if t["key"].startswith("node.kubernetes.io/")]
    return node_ready(node) and not taints


def placements(kube: Kube) -> dict[str, str]:
    """pod name -> node, for the live pods of the test namespace."""
    return {p["metadata"]["name"]: p["spec"].get("nodeName", "")
            for p in kube.get("pods", "-n", NAMESPACE) if not p["metadata"].get("deletionTimestamp")}


class AvailabilitySampler(threading.Thread):
    """Counts the Ready pods of the Deployment behind the PDB, as often as kubectl allows."""

    def __init__(self, kube: Kube):
        super().__init__(daemon=True)
        self.kube = kube
        self.samples: list[int] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            res = self.kube.run("get", "pods", "-n", NAMESPACE, "-l", "app=api", "-o", "json", check=False)
            if res.returncode == 0:
                pods = json.loads(res.stdout)["items"]
                ready = sum(1 for p in pods if not p["metadata"].get("deletionTimestamp") and any(
                    c["type"] == "Ready" and c["status"] == "True" for c in p.get("status", {}).get("conditions", [])))
                self.samples.append(ready)
            time.sleep(0.2)


@pytest.fixture(scope="module")
def head(binaries, tmp_path_factory):
    floe_bin = Path(os.environ.get("FLOE_BIN", HERE.parents[1] / "build" / "release" / "appliance" / "floe"))
    assert floe_bin.exists(), f"{floe_bin} is not built (set FLOE_BIN)"
    h = Head(floe_bin, tmp_path_factory.mktemp("rebalance"))
    try:
        h.init()
        h.start()
        try:
            wait_until("the supervised k3s server to be running", lambda: h.kubernetes_state() == "running",
                       HEAD_START_TIMEOUT_S)
            wait_until("the rebalancer to watch Nodes", lambda: h.cli_json("rebalance", "history") is not None and
                       "rebalancer watching Nodes" in h.log_path.read_text(errors="replace"), 60)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{h.log_tail()}")
        yield h
    finally:
        h.stop()


def load_cluster(kube: Kube) -> None:
    """Six busy nodes (one four times as large), the workloads, all Running before anything is added."""
    nodes = [kwok_node(f"rb-{i}", "8", "32Gi", POOL) for i in range(5)]
    nodes.append(kwok_node("rb-big", "32", "128Gi", POOL))
    kube.apply(*nodes)
    wait_until("6 kwok nodes Ready", lambda: sum(node_ready(n) for n in kube.nodes()
                                                  if n["metadata"]["name"].startswith("rb-")) == 6, 60)
    create_namespace(kube, NAMESPACE)
    pinned_spec = {"nodeSelector": {POOL_LABEL: POOL, "kubernetes.io/hostname": "rb-0"}}
    kube.apply(
        deployment(NAMESPACE, "web", 32, "250m", "512Mi", POOL),
        deployment(NAMESPACE, "api", 16, "500m", "1Gi", POOL),
        deployment(NAMESPACE, "batch", 12, "750m", "1536Mi", POOL),
        deployment(NAMESPACE, "pinned", 1, "1", "1Gi", POOL, extra_spec=pinned_spec),
        # 10 cores: only rb-big (32) holds it, before and after the new 8-core nodes join.
        deployment(NAMESPACE, "oversized", 1, "10", "8Gi", POOL),
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
         "metadata": {"namespace": NAMESPACE, "name": "api"},
         "spec": {"minAvailable": API_MIN_AVAILABLE, "selector": {"matchLabels": {"app": "api"}}}},
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"namespace": NAMESPACE, "name": "node-agent"},
         "spec": {"selector": {"matchLabels": {"app": "node-agent"}},
                  "template": {"metadata": {"labels": {"app": "node-agent"}},
                               "spec": pod_spec("100m", "128Mi", POOL)}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": NAMESPACE, "name": "standalone"},
         "spec": pod_spec("500m", "1Gi", POOL)},
    )
    expected = LOAD_PODS
    wait_until(f"{expected} pods Running", all_pods_running(kube, NAMESPACE, expected), 180)


def finished_round(head: Head, trigger_part: str):
    """The first finished round whose trigger names trigger_part, or None."""
    def check():
        for report in head.cli_json("rebalance", "history")["reports"]:
            if trigger_part in report["trigger"] and report["outcome"] != "running":
                return report
        return None
    return check


def rounds_for_diagnosis(head: Head) -> str:
    out = []
    for report in head.cli_json("rebalance", "history")["reports"]:
        detail = head.cli_json("rebalance", "show", str(report["id"]))["detail"]
        out.append(json.dumps({k: report[k] for k in ("id", "trigger", "outcome", "message", "spread_before",
                                                     "spread_after", "evictions")}))
        out.append("  passes: " + json.dumps(detail.get("passes")))
        out.append("  after: " + json.dumps(detail.get("after", {}).get("nodes")))
    return "\n".join(out)


def test_new_nodes_take_load_without_breaking_budgets(head):
    kube = head.kube()
    load_cluster(kube)
    # The six nodes became Ready while the head watched: that is a trigger too. Let that
    # round settle the initial load first.
    wait_until("the round for the first six nodes", finished_round(head, "node-ready:rb-"), ROUND_TIMEOUT_S)
    wait_until("all pods Running after it", all_pods_running(kube, NAMESPACE, LOAD_PODS), 120)
    before = placements(kube)
    pinned_before = {name: node for name, node in before.items()
                     if name.startswith(("pinned-", "oversized-", "node-agent-")) or name == "standalone"}
    assert before[[n for n in before if n.startswith("oversized-")][0]] == "rb-big"

    # An administrator's taint on a busy node: the rebalancer's steering must leave it alone.
    kube.run("taint", "nodes", "rb-2", "example.com/maintenance=soon:PreferNoSchedule")

    sampler = AvailabilitySampler(kube)
    sampler.start()
    started = time.monotonic()
    kube.apply(kwok_node("rb-new-0", "8", "32Gi", POOL), kwok_node("rb-new-1", "8", "32Gi", POOL))
    wait_until("the new nodes Ready and untainted", lambda: sum(
        schedulable(n) for n in kube.nodes() if n["metadata"]["name"].startswith("rb-new-")) == 2, 60, 0.2)

    # Within the settle delay: a dry run plans moves onto the new nodes and changes nothing.
    dry = head.cli_json("rebalance", "--dry-run")
    shown = json.dumps(dry, indent=1)
    assert dry["outcome"] == "dry_run" and dry["dry_run"] is True, shown
    assert dry["evictions"] > 0, shown
    assert any(e["expected_node"].startswith("rb-new-") for e in dry["detail"]["evictions"]), shown
    assert dry["spread_after"] <= THRESHOLD < dry["spread_before"], shown
    after_dry = placements(kube)  # plus the DaemonSet's pods on the new nodes
    assert {name: after_dry.get(name) for name in before} == before
    assert not any("rb-new-" in r["trigger"] for r in head.cli_json("rebalance", "history")["reports"]), \
        "the automatic round started before the dry run was checked: raise settle_delay"

    try:
        summary = wait_until("an automatic rebalance round after the nodes joined",
                             finished_round(head, "node-ready:rb-new-"), ROUND_TIMEOUT_S)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{rounds_for_diagnosis(head)}\n{head.log_tail()}")
    finally:
        sampler.done.set()
        sampler.join(timeout=30)
    elapsed = time.monotonic() - started
    report = head.cli_json("rebalance", "show", str(summary["id"]))
    print(f"\nround {summary['id']}: {summary['outcome']}, spread {summary['spread_before']} -> "
          f"{summary['spread_after']}, {summary['evictions']} evictions, {summary['duration_ms']} ms "
          f"({elapsed:.1f}s from adding the nodes)")
    assert report["outcome"] == "balanced", rounds_for_diagnosis(head)
    assert report["evictions"] > 0

    # Measured independently from the API server, not taken from the report.
    utilisation = cpu_utilisation(kube.nodes(), kube.pods(), POOL)
    assert set(utilisation) == {"rb-0", "rb-1", "rb-2", "rb-3", "rb-4", "rb-big", "rb-new-0", "rb-new-1"}
    spread, _ = spread_and_stddev(utilisation)
    assert spread <= THRESHOLD, utilisation
    assert utilisation["rb-new-0"] > 0 and utilisation["rb-new-1"] > 0

    after = placements(kube)
    for name, node in pinned_before.items():
        assert after.get(name) == node, f"{name} moved or was evicted ({node} -> {after.get(name)})"
    evicted = {e["pod"] for e in report["detail"]["evictions"] if e["result"] == "evicted"}
    assert not evicted & set(pinned_before)
    assert all(e["result"] in ("evicted", "refused_by_pdb") for e in report["detail"]["evictions"])

    # Steering: the busy nodes carried floe.io/rebalancing:PreferNoSchedule while the
    # replacements were scheduled; it is gone now, and the administrator's taint is intact.
    assert any(p.get("steered_away_from", 0) > 0 for p in report["detail"]["passes"]), report["detail"]["passes"]
    taints = {n["metadata"]["name"]: [t["key"] for t in n["spec"].get("taints", [])] for n in kube.nodes()}
    assert not [name for name, keys in taints.items() if "floe.io/rebalancing" in keys], taints
    assert "example.com/maintenance" in taints["rb-2"], taints
    assert "steering_error" not in report["detail"], report["detail"]["steering_error"]

    assert sampler.samples, "no availability samples taken"
    assert min(sampler.samples) >= API_MIN_AVAILABLE, sampler.samples

    # The report lists per-node utilisation before and after, and says why pods stayed.
    before_nodes = {n["node"] for n in report["detail"]["before"]["nodes"]}
    assert {"rb-new-0", "rb-new-1"} <= before_nodes
    assert report["detail"]["spark"]["max_executors"] > 0
    reasons = {s["pod"]: s["reason"] for s in report["detail"].get("skipped", [])}
    for name, reason in reasons.items():
        if name == "standalone":
            assert "standalone" in reason
        if name.startswith("node-agent-"):
            assert "DaemonSet" in reason

    history = head.cli("rebalance", "history")
    assert history.returncode == 0, history.stderr
    assert "balanced" in history.stdout and "node-ready:rb-new-" in history.stdout, history.stdout
    shown = head.cli("rebalance", "show", str(summary["id"]))
    assert shown.returncode == 0, shown.stderr
    assert "CPU% BEFORE" in shown.stdout and "rb-new-0" in shown.stdout, shown.stdout
    print(shown.stdout)

    # The audit log has the round.
    events = head.cli_json("events", "--kind", "rebalance.finished")["events"]
    assert any(f"round {summary['id']}" in e["message"] for e in events)


def test_steering_taint_left_by_a_stopped_head_is_removed_when_it_starts(head):
    """A head stopped mid-pass leaves floe.io/rebalancing on the nodes it journalled in SQLite;
    the next head removes exactly those, and leaves the key alone where floe did not set it."""
    kube = head.kube()
    # Outside the rebalanced pool: these nodes take no part in any round.
    kube.apply(kwok_node("steer-journalled", "8", "32Gi", "other"), kwok_node("steer-foreign", "8", "32Gi", "other"))
    # The state a head stopped mid-pass leaves. Written while it runs (stopping the head stops
    # its k3s too); a running head reads the journal only when it starts.
    for name in ("steer-journalled", "steer-foreign"):
        kube.run("taint", "nodes", name, "floe.io/rebalancing:PreferNoSchedule")
    with sqlite3.connect(head.data_dir / "floe.db", timeout=30) as db:
        db.execute("INSERT INTO rebalance_steering (node, tainted_at) VALUES ('steer-journalled', 0)")
    head.stop()
    head.start()

    def keys(name: str) -> list[str] | None:
        res = kube.run("get", "node", name, "-o", "json", check=False)  # refused while k3s restarts
        return [t["key"] for t in json.loads(res.stdout)["spec"].get("taints", [])] if res.returncode == 0 else None
    try:
        wait_until("the supervised k3s server to be running again", lambda: head.kubernetes_state() == "running",
                   HEAD_START_TIMEOUT_S)
        wait_until("the journalled steering taint removed by the restarted head",
                   lambda: (k := keys("steer-journalled")) is not None and "floe.io/rebalancing" not in k, 120, 0.5)
    except AssertionError as e:
        raise AssertionError(f"{e}\n{head.log_tail()}")
    assert "floe.io/rebalancing" in keys("steer-foreign")
    with sqlite3.connect(head.data_dir / "floe.db") as db:
        assert db.execute("SELECT count(*) FROM rebalance_steering").fetchone()[0] == 0


def test_bad_policy_stops_the_head_with_the_key_named(binaries, tmp_path):
    floe_bin = Path(os.environ.get("FLOE_BIN", HERE.parents[1] / "build" / "release" / "appliance" / "floe"))
    h = Head(floe_bin, tmp_path)
    res = h.cli("init", "--advertise", "127.0.0.1", "--no-k3s")
    assert res.returncode == 0, res.stderr
    (h.data_dir / "floe.yaml").write_text("rebalance:\n  threshold_percent: 500\n")
    res = h.cli("serve", "--listen", "127.0.0.1:0", timeout=30)
    assert res.returncode == 1
    assert "floe.yaml: rebalance.threshold_percent must be a number from 1 to 100" in res.stderr
    assert not (h.data_dir / "serve.url").exists()
