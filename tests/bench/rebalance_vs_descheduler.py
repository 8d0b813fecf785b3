#!/usr/bin/env python3
"""floe's rebalancer against the Kubernetes descheduler's LowNodeUtilization, side by side.

For each contender a fresh, identical cluster (tests/cluster/control-plane.sh: real
kube-apiserver, scheduler and controller-manager, kwok nodes) is loaded with the same
Deployments of mixed sizes on N nodes; then M empty nodes join, and the contender
rebalances:

  floe                   `floe rebalance --kubeconfig K --config floe.yaml` (threshold 10 points)
  descheduler (example)  LowNodeUtilization with the thresholds of the descheduler's own README
                         example: underutilised below 20 % CPU/memory/pods, overutilised above 50 %
  descheduler (tuned)    LowNodeUtilization with useDeviationThresholds, +-5 points around the
                         mean CPU and memory: the same 10-point band floe aims for

The descheduler runs one-shot (it exits after one descheduling cycle); like a CronJob it is
run again, after the replacements of its evictions are scheduled, until a cycle evicts
nothing (at most --max-cycles). Measured the same way for all, from the API server: the
CPU-request spread (max - min utilisation) over the nodes, its standard deviation, the
pods evicted (pods of the load that no longer exist) and the time from the start of the
contender's work until the replacements are all Running. Prints a table, floe's ratios
against each descheduler run, and TARGET lines (DESIGN.md: a tighter spread with fewer
evictions than the descheduler).

Not a timed test: run it by hand (see tests/bench/README.md). Needs the cached control
plane (tests/cluster/control-plane.sh build), Go (the descheduler is built once from
tests/bench/descheduler-build into $FLOE_CACHE_DIR/bench/) and a built floe.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO / "tests" / "cluster"))

from rebalance_helpers import (create_namespace, POOL_LABEL, Kube, all_pods_running, cpu_utilisation, deployment,  # noqa: E402
                               kwok_node, node_ready, spread_and_stddev, wait_until)

CONTROL_PLANE = REPO / "tests" / "cluster" / "control-plane.sh"
DESCHEDULER_MOD = HERE / "descheduler-build"
POOL = "bench"
NAMESPACE = "load"
THRESHOLD = 10.0

# (name, share of the pods, cpu, memory): mixed sizes.
WORKLOADS = (
    ("small-a", 0.25, "250m", "512Mi"),
    ("small-b", 0.25, "250m", "512Mi"),
    ("medium-a", 0.17, "500m", "1Gi"),
    ("medium-b", 0.16, "500m", "1Gi"),
    ("large-a", 0.09, "1", "2Gi"),
    ("large-b", 0.08, "1", "2Gi"),
)

FLOE_POLICY = f"""
rebalance:
  threshold_percent: {THRESHOLD:g}
  node_selector: {{{POOL_LABEL}: {POOL}}}
  max_evictions_per_node: 50
  max_evictions_per_round: 1000
  max_planning_passes: 5
  verify_timeout: 300s
"""

# The descheduler's README example for LowNodeUtilization.
DESCHEDULER_EXAMPLE = {
    "thresholds": {"cpu": 20, "memory": 20, "pods": 20},
    "targetThresholds": {"cpu": 50, "memory": 50, "pods": 50},
}
# Tuned to floe's target: a node more than 5 points from the mean is over/under-utilised.
DESCHEDULER_TUNED = {
    "useDeviationThresholds": True,
    "thresholds": {"cpu": 5, "memory": 5},
    "targetThresholds": {"cpu": 5, "memory": 5},
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def cache_dir() -> Path:
    return Path(os.environ.get("FLOE_CACHE_DIR", Path.home() / ".cache" / "floe"))


def descheduler_version() -> str:
    for line in (DESCHEDULER_MOD / "go.mod").read_text().splitlines():
        parts = line.split()
        if parts[:1] == ["require"]:
            parts = parts[1:]
        if len(parts) >= 2 and parts[0] == "sigs.k8s.io/descheduler":
            return parts[1]
    raise SystemExit("no sigs.k8s.io/descheduler in tests/bench/descheduler-build/go.mod")


def build_descheduler() -> Path:
    """go build from the committed wrapper module (go.mod + go.sum), cached by version."""
    version = descheduler_version()
    out = cache_dir() / "bench" / f"descheduler-{version}" / "descheduler"
    if out.exists():
        return out
    go_cache = cache_dir() / "k8s" / "go"  # shared with the control plane build: same modules
    env = dict(os.environ, GOPATH=str(go_cache / "path"), GOMODCACHE=str(go_cache / "path" / "pkg" / "mod"),
               GOCACHE=str(go_cache / "cache"), GOMAXPROCS=os.environ.get("GOMAXPROCS", "2"), GOTOOLCHAIN="local",
               CGO_ENABLED="0", GOFLAGS="-mod=readonly")
    log(f"building the descheduler {version} (once; cached in {out.parent})")
    out.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["nice", "go", "build", "-p", "2", "-trimpath", "-ldflags", "-s -w", "-o", str(out) + ".tmp",
                    "sigs.k8s.io/descheduler/cmd/descheduler"], cwd=DESCHEDULER_MOD, env=env, check=True)
    os.replace(str(out) + ".tmp", out)
    return out


def descheduler_policy(args: dict) -> dict:
    return {
        "apiVersion": "descheduler/v1alpha2",
        "kind": "DeschedulerPolicy",
        "profiles": [{
            "name": "balance",
            "pluginConfig": [
                {"name": "DefaultEvictor", "args": {}},
                {"name": "LowNodeUtilization", "args": args},
            ],
            "plugins": {"balance": {"enabled": ["LowNodeUtilization"]}},
        }],
    }


class Cluster:
    def __init__(self, directory: Path):
        self.directory = directory
        self.kube: Kube | None = None

    def __enter__(self) -> "Cluster":
        env = dict(os.environ, FLOE_CLUSTER_TIMEOUT="300")
        subprocess.run([str(CONTROL_PLANE), "up", str(self.directory)], env=env, check=True,
                       stdout=subprocess.DEVNULL, timeout=420)
        settings = dict(line.split("=", 1) for line in (self.directory / "cluster.env").read_text().splitlines()
                        if "=" in line)
        self.kube = Kube(Path(settings["FLOE_K8S_BIN"]) / "kubectl", Path(settings["KUBECONFIG"]))
        return self

    def __exit__(self, *exc) -> None:
        subprocess.run([str(CONTROL_PLANE), "down", str(self.directory)], check=False, timeout=120,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def load(kube: Kube, nodes: int, pods: int, cpu: str, memory: str) -> set[str]:
    kube.apply(*[kwok_node(f"node-{i:02d}", cpu, memory, POOL) for i in range(nodes)])
    wait_until(f"{nodes} nodes Ready", lambda: sum(node_ready(n) for n in kube.nodes()) == nodes, 120)
    create_namespace(kube, NAMESPACE)
    counts = [round(pods * share) for _, share, _, _ in WORKLOADS]
    counts[0] += pods - sum(counts)
    kube.apply(*[deployment(NAMESPACE, name, count, c, m, POOL)
                 for (name, _, c, m), count in zip(WORKLOADS, counts)])
    running = wait_until(f"{pods} pods Running", all_pods_running(kube, NAMESPACE, pods), 900, 3)
    return {p["metadata"]["uid"] for p in running}


def add_nodes(kube: Kube, first: int, count: int, cpu: str, memory: str) -> None:
    names = [f"node-{i:02d}" for i in range(first, first + count)]
    kube.apply(*[kwok_node(name, cpu, memory, POOL) for name in names])

    def ready_untainted():
        ok = 0
        for n in kube.nodes():
            if n["metadata"]["name"] in names and node_ready(n) and not [
                    t for t in n["spec"].get("taints", []) if t["key"].startswith("node.kubernetes.io/")]:
                ok += 1
        return ok == count
    wait_until("new nodes Ready and untainted", ready_untainted, 120, 0.5)


def measure(kube: Kube, original: set[str]) -> dict:
    pods = kube.pods()
    utilisation = cpu_utilisation(kube.nodes(), pods, POOL)
    spread, stddev = spread_and_stddev(utilisation)
    alive = {p["metadata"]["uid"] for p in pods if p["metadata"].get("namespace") == NAMESPACE}
    return {"spread": spread, "stddev": stddev, "evictions": len(original - alive),
            "min": min(utilisation.values()), "max": max(utilisation.values())}


def run_floe(cluster: Cluster, floe_bin: Path, work: Path) -> dict:
    config = work / "floe.yaml"
    config.write_text(FLOE_POLICY)
    res = subprocess.run([str(floe_bin), "--data-dir", str(work / "floe-data"), "--json", "rebalance",
                          "--kubeconfig", str(cluster.kube.kubeconfig), "--config", str(config)],
                         capture_output=True, text=True, timeout=1800)
    if res.returncode != 0:
        raise SystemExit(f"floe rebalance failed ({res.returncode}):\n{res.stderr}\n{res.stdout[-2000:]}")
    (work / "floe-report.json").write_text(res.stdout)
    report = json.loads(res.stdout)
    return {"cycles": len(report["detail"]["passes"]), "outcome": report["outcome"]}


def run_descheduler(cluster: Cluster, binary: Path, work: Path, args: dict, max_cycles: int, pods: int,
                    name: str) -> dict:
    policy = work / f"{name}-policy.json"
    policy.write_text(json.dumps(descheduler_policy(args)))
    cycles = 0
    for cycle in range(1, max_cycles + 1):
        before = {p["metadata"]["uid"] for p in cluster.kube.get("pods", "-n", NAMESPACE)}
        with open(work / f"{name}-cycle{cycle}.log", "w") as out:
            # Without --descheduling-interval: one cycle, then exit.
            subprocess.run([str(binary), "--client-connection-kubeconfig", str(cluster.kube.kubeconfig), "--policy-config-file",
                            str(policy), "--v", "2"], stdout=out,
                           stderr=subprocess.STDOUT, check=True, timeout=600)
        cycles = cycle
        wait_until("replacements Running", all_pods_running(cluster.kube, NAMESPACE, pods), 600, 1)
        after = {p["metadata"]["uid"] for p in cluster.kube.get("pods", "-n", NAMESPACE)}
        evicted = len(before - after)
        log(f"{name}: cycle {cycle} evicted {evicted}")
        if evicted == 0:
            break
    return {"cycles": cycles, "outcome": "-"}


def contender(name: str, work: Path, args: argparse.Namespace, action) -> dict:
    with Cluster(work / f"cluster-{name}") as cluster:
        original = load(cluster.kube, args.nodes, args.pods, args.node_cpu, args.node_memory)
        initial = measure(cluster.kube, original)
        add_nodes(cluster.kube, args.nodes, args.add, args.node_cpu, args.node_memory)
        before = measure(cluster.kube, original)
        log(f"{name}: loaded (spread {initial['spread']:.1f}), {args.add} nodes added (spread {before['spread']:.1f})")
        started = time.monotonic()
        extra = action(cluster)
        wait_until("all pods Running", all_pods_running(cluster.kube, NAMESPACE, args.pods), 600, 1)
        elapsed = time.monotonic() - started
        result = measure(cluster.kube, original)
        result.update(extra, name=name, seconds=elapsed, spread_before=before["spread"])
        log(f"{name}: spread {result['spread']:.1f}, stddev {result['stddev']:.2f}, {result['evictions']} evictions, "
            f"{elapsed:.1f}s")
        return result


def ratio(a: float, b: float) -> str:
    if b == 0:
        return "inf" if a > 0 else "1.00"
    return f"{a / b:.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--floe-bin", default=os.environ.get("FLOE_BIN", str(REPO / "build" / "dev" / "appliance" / "floe")))
    parser.add_argument("--nodes", type=int, default=20)
    parser.add_argument("--add", type=int, default=5)
    parser.add_argument("--pods", type=int, default=600)
    parser.add_argument("--node-cpu", default="24")
    parser.add_argument("--node-memory", default="96Gi")
    parser.add_argument("--max-cycles", type=int, default=5, help="descheduler cycles at most")
    parser.add_argument("--contenders", default="floe,descheduler-example,descheduler-tuned",
                        help="comma-separated subset to run (the ratios need floe and one descheduler)")
    parser.add_argument("--json-out")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, policies)")
    args = parser.parse_args()

    floe_bin = Path(args.floe_bin)
    if not floe_bin.exists():
        print(f"{floe_bin} is not built (--floe-bin or $FLOE_BIN)", file=sys.stderr)
        return 1
    if subprocess.run([str(CONTROL_PLANE), "check"], capture_output=True).returncode != 0:
        print("the control plane is not built: tests/cluster/control-plane.sh build", file=sys.stderr)
        return 1
    descheduler = build_descheduler()
    work = Path(tempfile.mkdtemp(prefix="floe-bench-rebalance-"))
    log(f"work directory {work}")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    actions = {
        "floe": lambda c: run_floe(c, floe_bin, work),
        "descheduler-example": lambda c: run_descheduler(c, descheduler, work, DESCHEDULER_EXAMPLE, args.max_cycles,
                                                         args.pods, "descheduler-example"),
        "descheduler-tuned": lambda c: run_descheduler(c, descheduler, work, DESCHEDULER_TUNED, args.max_cycles,
                                                       args.pods, "descheduler-tuned"),
    }
    chosen = [name for name in args.contenders.split(",") if name]
    unknown = [name for name in chosen if name not in actions]
    if unknown or not chosen:
        parser.error(f"--contenders: unknown {unknown}; choose from {', '.join(actions)}")
    results = [contender(name, work, args, actions[name]) for name in chosen]
    print(f"\nrebalance after adding {args.add} nodes to {args.nodes} ({args.node_cpu} CPU, {args.node_memory} each) "
          f"running {args.pods} pods; descheduler {descheduler_version()}; CPU requests / allocatable, "
          "percentage points\n")
    header = f"{'contender':<22} {'spread before':>13} {'spread after':>12} {'stddev':>7} {'evictions':>9} " \
             f"{'cycles':>6} {'converged in':>12}"
    print(header)
    print("-" * len(header))
    for r in results:
        print(f"{r['name']:<22} {r['spread_before']:>13.1f} {r['spread']:>12.1f} {r['stddev']:>7.2f} "
              f"{r['evictions']:>9} {r['cycles']:>6} {r['seconds']:>11.1f}s")
    floe = next((r for r in results if r["name"] == "floe"), None)
    others = [r for r in results if r["name"] != "floe"]
    if floe is None:
        others = []
    print()
    for other in others:
        print(f"floe / {other['name']:<20} spread {ratio(floe['spread'], other['spread'])}, "
              f"stddev {ratio(floe['stddev'], other['stddev'])}, evictions {ratio(floe['evictions'], other['evictions'])}, "
              f"time {ratio(floe['seconds'], other['seconds'])}")
    print()
    if floe is not None:
        print(f"TARGET floe spread <= {THRESHOLD:g} points ({floe['spread']:.1f}) -- "
              f"{'met' if floe['spread'] <= THRESHOLD else 'MISSED'}")
    for other in others:
        tighter = floe["spread"] <= other["spread"]
        fewer = floe["evictions"] <= other["evictions"]
        print(f"TARGET tighter spread with fewer evictions than {other['name']} "
              f"({floe['spread']:.1f} vs {other['spread']:.1f} points, {floe['evictions']} vs {other['evictions']}) -- "
              f"{'met' if tighter and fewer else 'MISSED'}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    if not args.keep:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    else:
        log(f"kept {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
