"""Smoke test for the cluster tier's control plane (tests/cluster/control-plane.sh).

Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok in a
temporary directory, registers one kwok node, and checks that the real scheduler places a
Deployment's pods on it and that kwok reports them Running. Always stops everything.

The Kubernetes binaries are built once and cached (see README.md). When they are missing
the test is skipped, unless FLOE_CLUSTER_BUILD=1 asks it to build them first.
"""

import json
import os
import time
from pathlib import Path

from standin_helpers import processes_mentioning
from conftest import SCRIPT, kubectl, run

EXPECTED_MINOR = "v1.33."
POD_RUNNING_TIMEOUT_S = 60

FAKE_NODE = {
    "apiVersion": "v1",
    "kind": "Node",
    "metadata": {
        "name": "kwok-node-0",
        "annotations": {
            "kwok.x-k8s.io/node": "fake",
            "node.alpha.kubernetes.io/ttl": "0",
        },
        "labels": {
            "kubernetes.io/hostname": "kwok-node-0",
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "type": "kwok",
        },
    },
    # kwok fills in conditions (Ready), addresses and the heartbeat; capacity is ours.
    "status": {
        "capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"},
        "allocatable": {"cpu": "16", "memory": "64Gi", "pods": "110"},
    },
}

DEPLOYMENT = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "smoke", "namespace": "default"},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "smoke"}},
        "template": {
            "metadata": {"labels": {"app": "smoke"}},
            "spec": {
                "nodeSelector": {"type": "kwok"},
                "containers": [
                    {
                        "name": "app",
                        # Never pulled: kwok only pretends to run containers.
                        "image": "registry.invalid/fake:1",
                        "resources": {"requests": {"cpu": "100m", "memory": "64Mi"}},
                    }
                ],
            },
        },
    },
}


def apply(settings, manifest):
    kubectl(settings, "apply", "-f", "-", input=json.dumps(manifest))


def wait_for(what, predicate, timeout_s, describe_last):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        ok, last = predicate()
        if ok:
            return last
        time.sleep(1)
    raise AssertionError(f"{what} not reached within {timeout_s}s; last seen: {describe_last(last)}")


def test_deployment_runs_on_kwok_node(cluster):
    directory, settings = cluster

    version = json.loads(kubectl(settings, "get", "--raw", "/version").stdout)
    assert version["gitVersion"].startswith(EXPECTED_MINOR), version
    assert version["gitVersion"] == settings["FLOE_K8S_VERSION"], version

    apply(settings, FAKE_NODE)

    def node_ready():
        node = json.loads(kubectl(settings, "get", "node", "kwok-node-0", "-o", "json").stdout)
        conditions = {c["type"]: c["status"] for c in node["status"].get("conditions", [])}
        return conditions.get("Ready") == "True", conditions

    wait_for("kwok node Ready", node_ready, 30, repr)

    apply(settings, DEPLOYMENT)

    def pods_running():
        pods = json.loads(
            kubectl(settings, "get", "pods", "-n", "default", "-l", "app=smoke", "-o", "json").stdout
        )["items"]
        seen = [
            (p["metadata"]["name"], p["spec"].get("nodeName"), p["status"].get("phase"))
            for p in pods
        ]
        ok = len(seen) == 2 and all(n == "kwok-node-0" and ph == "Running" for _, n, ph in seen)
        return ok, seen

    started = time.monotonic()
    pods = wait_for("2 smoke pods Running on kwok-node-0", pods_running, POD_RUNNING_TIMEOUT_S, repr)
    print(f"pods Running after {time.monotonic() - started:.1f}s: {pods}")

    pids = {p.name: int(p.read_text()) for p in (directory / "pids").iterdir()}
    assert set(pids) == {"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

    run(SCRIPT, "down", directory, timeout=120)
    leftovers = processes_mentioning(directory)
    assert not leftovers, f"processes still running after down: {leftovers}"
    for name, pid in pids.items():
        assert not Path(f"/proc/{pid}/cmdline").exists() or not Path(f"/proc/{pid}/cmdline").read_bytes(), (
            f"{name} (pid {pid}) still exists after down"
        )
    # down is idempotent.
    run(SCRIPT, "down", directory, timeout=30)
