"""The head deploys the lakehouse stack onto its cluster and keeps it there.

    head ns     floe serve (deployer reconciling every 5 s), k3s server (the stand-in)
    worker1 ns  two-socket-server: 2 data disks
    worker2 ns  gpu-server: 1 data disk, tainted nvidia.com/gpu=present:NoSchedule
    worker3 ns  this-machine: no data disk

Everything is the real code against a real kube-apiserver, scheduler and controller-manager
— the rendered objects, server-side apply, the readiness the controllers report — except
what cannot run here: kwok stands in for kubelets (pods are bound by the real scheduler and
marked Running/Ready, Job pods Succeeded, but no container runs), and the k3s stand-in has
no helm controller (it installs the real HelmChart CRD, so the HelmChart object is validated
and accepted, and the spark-operator component honestly stays "submitted").

Needs root, iproute2 and the cached control-plane binaries (tests/cluster/README.md).
"""

from __future__ import annotations

import base64
import json
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "integration"))

from test_cluster_bootstrap import ClusterHead, cluster_with_workers, wait_until  # noqa: E402

NS_PREFIX = "floesd"
RECONCILE_S = 5
COMPONENTS = ["namespaces", "rbac", "secrets", "seaweedfs", "postgres", "polaris", "polaris-bootstrap",
              "spark-defaults", "spark-connect", "history-server", "spark-operator"]
# From the first component applied to all of them ready, on a loaded 2-core machine.
ROLLOUT_TIMEOUT_S = 240
GPU_TAINT_KEY = "nvidia.com/gpu"


def stack_components(head: ClusterHead) -> dict[str, dict]:
    res = head.run_cli("--json", "status")
    if res.returncode != 0:
        return {}
    return {c["name"]: c for c in json.loads(res.stdout).get("stack", {}).get("components", [])}


def kube_json(head: ClusterHead, *args: str) -> dict:
    return json.loads(head.kubectl("get", *args, "-o", "json").stdout)


def quantity(text: str) -> float:
    """A Kubernetes quantity ("500m", "32", "512Mi", "4Gi", "527Ki") as a number."""
    suffixes = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9}
    for suffix in sorted(suffixes, key=len, reverse=True):
        if text.endswith(suffix):
            return float(text[:-len(suffix)]) * suffixes[suffix]
    return float(text)


def live_executor_ceiling(head: ClusterHead, cpu: float = 1.0, memory: float = 8 * 2**30,
                          headroom: float = 0.10) -> int:
    """Executors (1 core, 8 GiB) that fit the Ready, schedulable, untainted workers: 90% of
    allocatable minus the requests of the pods bound there (rebalance::sparkMaxExecutors)."""
    used: dict[str, list[float]] = {}
    for pod in kube_json(head, "pods", "-A")["items"]:
        node = pod["spec"].get("nodeName")
        if not node or pod["status"].get("phase") in ("Succeeded", "Failed") or \
                pod["metadata"].get("labels", {}).get("spark-role") == "executor":
            continue
        def requested(containers: list[dict], resource: str) -> list[float]:
            return [quantity(c.get("resources", {}).get("requests", {}).get(resource, "0")) for c in containers]
        totals = used.setdefault(node, [0.0, 0.0])
        for i, resource in enumerate(("cpu", "memory")):  # the scheduler's: containers' sum or largest init
            totals[i] += max([sum(requested(pod["spec"]["containers"], resource))] +
                             requested(pod["spec"].get("initContainers", []), resource))
    total = 0
    for node in kube_json(head, "nodes")["items"]:
        ready = any(c["type"] == "Ready" and c["status"] == "True" for c in node["status"].get("conditions", []))
        tainted = any(t.get("effect") in ("NoSchedule", "NoExecute") for t in node["spec"].get("taints", []))
        if not ready or tainted or node["spec"].get("unschedulable") or \
                node["metadata"]["labels"].get("floe.io/role") != "worker":
            continue
        cpu_used, memory_used = used.get(node["metadata"]["name"], [0.0, 0.0])
        free_cpu = int(quantity(node["status"]["allocatable"]["cpu"]) * 1000 * (1 - headroom)) - cpu_used * 1000
        free_memory = int(quantity(node["status"]["allocatable"]["memory"]) * (1 - headroom)) - memory_used
        if free_cpu > 0 and free_memory > 0:
            total += min(int(free_cpu // (cpu * 1000)), int(free_memory // memory))
    return max(1, total)


@pytest.fixture(scope="module")
def stack(binaries, tmp_path_factory):
    with cluster_with_workers(tmp_path_factory.mktemp("stack"), NS_PREFIX,
                              serve_args=("--stack-reconcile-interval", f"{RECONCILE_S}s")) as (
            lab, head, agents, agents_started):
        def rolled_out():
            components = stack_components(head)
            states = {name: c["state"] for name, c in components.items()}
            done = len(states) == len(COMPONENTS) and all(
                s == ("submitted" if n == "spark-operator" else "ready") for n, s in states.items())
            return done and states
        try:
            wait_until(rolled_out, ROLLOUT_TIMEOUT_S, "every stack component to be ready (spark-operator submitted)",
                       step=1.0)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{json.dumps(stack_components(head), indent=1)}\n{head.log_tail(60)}")
        print(f"\nstack rolled out {time.monotonic() - agents_started:.1f}s after the agents started")
        yield lab, head, agents


def test_status_lists_every_component_with_state_and_version(stack):
    _, head, _ = stack
    components = stack_components(head)
    assert list(components) == COMPONENTS  # in apply order
    assert components["spark-connect"]["endpoint"] == "sc://spark-connect.floe-lakehouse.svc:15002"
    assert components["seaweedfs"]["version"] == "4.48"
    assert components["postgres"]["version"] == "17.6"
    assert components["polaris-bootstrap"]["version"] == "1.3.0-incubating"
    assert components["spark-operator"]["version"] == "2.3.0"
    assert "helm controller" in components["spark-operator"]["message"]
    for component in components.values():
        assert component["version"], component
    text = head.run_cli("status")
    assert text.returncode == 0, text.stderr
    assert "deployer running" in text.stdout
    for name in COMPONENTS:
        assert name in text.stdout, text.stdout
    stack_api = head.cli_json("status")["stack"]
    assert stack_api["deployer"] == "running"


def test_workloads_are_available_on_kwok_nodes(stack):
    _, head, _ = stack
    for namespace in ("floe-storage", "floe-lakehouse"):
        for deployment in kube_json(head, "deployments", "-n", namespace)["items"]:
            conditions = {c["type"]: c["status"] for c in deployment["status"].get("conditions", [])}
            assert conditions.get("Available") == "True", deployment["metadata"]["name"]
        for statefulset in kube_json(head, "statefulsets", "-n", namespace)["items"]:
            spec, status = statefulset["spec"], statefulset["status"]
            assert status.get("readyReplicas") == spec["replicas"], statefulset["metadata"]["name"]
    job = kube_json(head, "job", "polaris-bootstrap", "-n", "floe-lakehouse")
    assert any(c["type"] == "Complete" and c["status"] == "True" for c in job["status"]["conditions"])
    # Managed by floe with server-side apply.
    managers = {(m["manager"], m["operation"]) for m in
                kube_json(head, "deployment", "spark-connect", "-n", "floe-lakehouse",
                          "--show-managed-fields")["metadata"]["managedFields"]}
    assert ("floe", "Apply") in managers


def test_values_follow_the_inventory(stack):
    _, head, _ = stack
    # 4 nodes: two catalog replicas; 2 data-disk nodes: replicated storage. The first pass may
    # have rendered before every worker was in the registry: the next passes follow it.
    wait_until(lambda: kube_json(head, "deployment", "polaris", "-n", "floe-lakehouse")["spec"]["replicas"] == 2,
               2 * RECONCILE_S + 10, "Polaris to scale to 2 replicas with the cluster")
    master = kube_json(head, "statefulset", "seaweedfs-master", "-n", "floe-storage")
    assert "-defaultReplication=001" in master["spec"]["template"]["spec"]["containers"][0]["args"]
    def connect_args() -> list[str]:
        return kube_json(head, "deployment", "spark-connect", "-n", "floe-lakehouse")[
            "spec"]["template"]["spec"]["containers"][0]["args"]
    # Compute workers: the two-socket server (32 cores) and this-machine (2 cores), not the GPU
    # server. Executors fit the smallest (1 core, 8 GiB).
    assert "spark.executor.cores=1" in connect_args()
    assert "spark.executor.memory=8g" in connect_args()
    # The ceiling is the rebalancer's count on the live cluster, recomputed here independently;
    # the pods' placement moves it, so wait for a pass that saw the cluster as it is now.
    wait_until(lambda: f"spark.dynamicAllocation.maxExecutors={live_executor_ceiling(head)}" in connect_args(),
               3 * RECONCILE_S + 10, "maxExecutors to follow the live capacity")
    assert live_executor_ceiling(head) > 20  # the two-socket server's 32 cores count
    assert "spark.dynamicAllocation.shuffleTracking.enabled=true" in connect_args()
    assert "spark.decommission.enabled=true" in connect_args()


def test_pods_land_where_placement_intends(stack):
    _, head, _ = stack
    nodes = {n["metadata"]["name"]: n for n in kube_json(head, "nodes")["items"]}
    data_disk_nodes = {name for name, n in nodes.items()
                       if int(n["metadata"]["labels"].get("floe.io/data-disks", "0")) > 0}
    gpu_nodes = {name for name, n in nodes.items()
                 if any(t["key"] == GPU_TAINT_KEY for t in n["spec"].get("taints", []))}
    assert {"worker1", "worker2"} <= data_disk_nodes and gpu_nodes == {"worker2"}
    pods = kube_json(head, "pods", "-A")["items"]
    volumes = [p for p in pods if p["metadata"]["labels"].get("app.kubernetes.io/component") == "volume"]
    assert {p["spec"]["nodeName"] for p in volumes} == data_disk_nodes
    assert all(p["status"]["phase"] == "Running" for p in volumes)
    for pod in pods:
        if pod["spec"].get("nodeName") in gpu_nodes:
            tolerated = {t.get("key") for t in pod["spec"].get("tolerations", [])}
            assert GPU_TAINT_KEY in tolerated, f"{pod['metadata']['name']} runs untolerated on a GPU node"
    head_name = next(name for name, n in nodes.items() if n["metadata"]["labels"].get("floe.io/role") == "head")
    for pod in pods:
        name = pod["metadata"]["labels"].get("app.kubernetes.io/name", "")
        component = pod["metadata"]["labels"].get("app.kubernetes.io/component", "")
        if name == "postgres" or component in ("master", "filer"):
            assert pod["spec"]["nodeName"] == head_name, pod["metadata"]["name"]


def test_deleted_deployment_is_back_within_one_reconcile_interval(stack):
    _, head, _ = stack
    old_uid = kube_json(head, "deployment", "spark-history-server", "-n", "floe-lakehouse")["metadata"]["uid"]
    head.kubectl("delete", "deployment", "spark-history-server", "-n", "floe-lakehouse", "--wait=true")
    deleted = time.monotonic()

    def recreated():
        res = head.kubectl("get", "deployment", "spark-history-server", "-n", "floe-lakehouse", "-o", "json", check=False)
        return res.returncode == 0 and json.loads(res.stdout)["metadata"]["uid"] != old_uid
    # The head's informer starts a pass at once (~1 s); the bound is the reconcile interval,
    # plus the pass's own time (it applies ~40 objects) on a loaded machine.
    wait_until(recreated, RECONCILE_S + 10, "the deleted Deployment to be recreated", step=0.25)
    print(f"\nDeployment recreated {time.monotonic() - deleted:.1f}s after deletion (interval {RECONCILE_S}s)")
    wait_until(lambda: stack_components(head)["history-server"]["state"] == "ready", 60,
               "history-server to be ready again")


def test_render_is_what_is_applied_and_shows_no_secret(stack, tmp_path):
    lab, head, _ = stack
    out = tmp_path / "rendered"
    res = head.run_cli("render", "--out", str(out))
    assert res.returncode == 0, res.stderr
    files = sorted(p.name for p in out.iterdir())
    assert files[0] == "00-namespaces.yaml" and files[-1] == "70-spark-operator.yaml"
    # The real API server accepts every rendered object with server-side apply.
    dry = head.kubectl("apply", "--server-side", "--dry-run=server", "--field-manager=floe-render-check",
                       "--force-conflicts", "-f", str(out))
    assert "spark-connect" in dry.stdout
    printed = head.run_cli("render")
    assert printed.returncode == 0 and "kind: HelmChart" in printed.stdout
    # What is rendered is what runs (the secrets aside).
    rendered_polaris = (out / "40-polaris.yaml").read_text()
    assert "replicas: 2" in rendered_polaris
    secret = kube_json(head, "secret", "postgres-credentials", "-n", "floe-lakehouse")
    password = base64.b64decode(secret["data"]["password"]).decode()
    assert len(password) == 64
    assert password not in printed.stdout
    assert "<secret postgres.password" in printed.stdout
    log = head.log_path.read_text(errors="replace")
    assert password not in log
