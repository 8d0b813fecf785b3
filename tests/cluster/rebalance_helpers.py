"""Kubernetes objects and measurements for the rebalancer's cluster test and benchmark.

Nodes are kwok nodes (annotation kwok.x-k8s.io/node: fake): kwok keeps them Ready and runs
the pods the real scheduler binds to them through their lifecycle (Running, Ready; evicted
pods are deleted). Nothing runs in a container: requests are what matters here.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from pathlib import Path

POOL_LABEL = "floe.io/test-pool"


def kwok_node(name: str, cpu: str, memory: str, pool: str, labels: dict | None = None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake"},
            "labels": {"kubernetes.io/hostname": name, "type": "kwok", POOL_LABEL: pool, **(labels or {})},
        },
        "status": {
            "capacity": {"cpu": cpu, "memory": memory, "pods": "110"},
            "allocatable": {"cpu": cpu, "memory": memory, "pods": "110"},
        },
    }


def pod_spec(cpu: str, memory: str, pool: str, extra: dict | None = None) -> dict:
    spec = {
        "nodeSelector": {POOL_LABEL: pool},
        # kwok only pretends to run containers: the image is never pulled.
        "containers": [{"name": "app", "image": "registry.invalid/app:1",
                        "resources": {"requests": {"cpu": cpu, "memory": memory}}}],
        "terminationGracePeriodSeconds": 0,
    }
    spec.update(extra or {})
    return spec


def deployment(namespace: str, name: str, replicas: int, cpu: str, memory: str, pool: str,
               extra_spec: dict | None = None, annotations: dict | None = None) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"namespace": namespace, "name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": annotations or {}},
                "spec": pod_spec(cpu, memory, pool, extra_spec),
            },
        },
    }


class Kube:
    """kubectl against one kubeconfig."""

    def __init__(self, kubectl: Path, kubeconfig: Path):
        self.kubectl_bin = kubectl
        self.kubeconfig = kubeconfig

    def run(self, *args: str, stdin: str | None = None, check: bool = True, timeout: float = 120):
        res = subprocess.run([str(self.kubectl_bin), "--kubeconfig", str(self.kubeconfig), *args],
                             input=stdin, capture_output=True, text=True, timeout=timeout)
        if check and res.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} -> {res.returncode}\n{res.stderr}")
        return res

    def apply(self, *objects: dict) -> None:
        self.run("apply", "--server-side", "-f", "-",
                 stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": list(objects)}))

    def get(self, *args: str) -> list[dict]:
        return json.loads(self.run("get", *args, "-o", "json").stdout)["items"]

    def nodes(self) -> list[dict]:
        return self.get("nodes")

    def pods(self) -> list[dict]:
        return self.get("pods", "--all-namespaces")


def standin_kube(k3s_data_dir: Path, kubeconfig: Path) -> Kube:
    """kubectl for the cluster of the k3s stand-in whose data dir is k3s_data_dir: its control
    plane's cluster.env names the cached Kubernetes binaries."""
    env_file = k3s_data_dir / "server" / "standin" / "cluster.env"
    settings = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    return Kube(Path(settings["FLOE_K8S_BIN"]) / "kubectl", kubeconfig)


def create_namespace(kube: Kube, name: str) -> None:
    """The namespace and its default ServiceAccount (pods are refused until the
    controller-manager created it)."""
    kube.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})
    wait_until(f"serviceaccount {name}/default", lambda: kube.run(
        "get", "serviceaccount", "default", "-n", name, check=False).returncode == 0, 60, 0.5)


def cpu_millis(quantity: str) -> float:
    if quantity.endswith("m"):
        return float(quantity[:-1])
    return float(quantity) * 1000


def pod_cpu_request(pod: dict) -> float:
    total = 0.0
    for container in pod["spec"].get("containers", []):
        total += cpu_millis(container.get("resources", {}).get("requests", {}).get("cpu", "0"))
    return total


def node_ready(node: dict) -> bool:
    conditions = node.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


def cpu_utilisation(nodes: list[dict], pods: list[dict], pool: str) -> dict[str, float]:
    """CPU requests / allocatable in percent per node of the pool, as the scheduler counts them."""
    used = {}
    for pod in pods:
        node = pod["spec"].get("nodeName")
        if node and pod.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
            used[node] = used.get(node, 0.0) + pod_cpu_request(pod)
    out = {}
    for node in nodes:
        if node["metadata"].get("labels", {}).get(POOL_LABEL) != pool:
            continue
        allocatable = cpu_millis(node["status"]["allocatable"]["cpu"])
        out[node["metadata"]["name"]] = 100.0 * used.get(node["metadata"]["name"], 0.0) / allocatable
    return out


def spread_and_stddev(utilisation: dict[str, float]) -> tuple[float, float]:
    values = list(utilisation.values())
    return max(values) - min(values), statistics.pstdev(values)


def wait_until(what: str, predicate, timeout_s: float, interval_s: float = 1.0):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s:.0f}s waiting for {what} (last: {last!r})")


def all_pods_running(kube: Kube, namespace: str, expected: int):
    def check():
        pods = [p for p in kube.get("pods", "-n", namespace) if not p["metadata"].get("deletionTimestamp")]
        running = [p for p in pods if p.get("status", {}).get("phase") == "Running" and p["spec"].get("nodeName")]
        return pods if len(running) == expected == len(pods) else None
    return check
