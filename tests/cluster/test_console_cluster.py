"""The web console against a head with a real Kubernetes API server: the stack page lists
the components the deployer recorded and a dry-run plan shows per-node utilisation.

`floe init` with the k3s stand-in (tests/cluster/k3s: a real kube-apiserver, scheduler and
controller-manager, kwok in place of kubelets) and `floe serve`, whose stack deployer and
rebalancer work against it. Three kwok nodes: one busy (its pods were scheduled while it
was alone), two empty. Then tests/browser/console-cluster.test.mjs (real Chromium) logs in
and checks the stack page against `GET /api/v1/stack`, plans a round (dry run), then runs
one through the confirmation (dismissed first: nothing starts) and follows it to its end:
the real Eviction API and scheduler move pods, and the page shows the measured "after". kwok is
the only stand-in: no container runs, and the deployer's components stay at whatever state
their objects reach without kubelets; the spec checks the page shows exactly that.

Lives with the cluster tier, not the browser tier, because it needs the control-plane
binaries the cluster tier builds (tests/run-all.sh runs the browser tier first).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from rebalance_helpers import create_namespace, all_pods_running, deployment, kwok_node, node_ready, wait_until
from test_rebalance import Head

HERE = Path(__file__).resolve().parent
BROWSER = HERE.parent / "browser"
POOL = "console"
NAMESPACE = "console"
HEAD_START_TIMEOUT_S = 240.0
# Automatic rounds off: the spec plans a round itself and must not race one.
FLOE_YAML = f"""
rebalance:
  node_selector: {{floe.io/test-pool: {POOL}}}
  triggers:
    on_node_ready: false
    on_capacity_change: false
"""


@pytest.fixture(scope="module")
def head(binaries, tmp_path_factory):
    floe_bin = Path(os.environ.get("FLOE_BIN", HERE.parents[1] / "build" / "release" / "appliance" / "floe"))
    assert floe_bin.exists(), f"{floe_bin} is not built (set FLOE_BIN)"
    h = Head(floe_bin, tmp_path_factory.mktemp("console"))
    try:
        h.init()
        (h.data_dir / "floe.yaml").write_text(FLOE_YAML)
        h.start()
        try:
            wait_until("the supervised k3s server to be running", lambda: h.kubernetes_state() == "running",
                       HEAD_START_TIMEOUT_S)
            wait_until("the rebalancer to watch Nodes",
                       lambda: "rebalancer watching Nodes" in h.log_path.read_text(errors="replace"), 60)
            wait_until("the deployer to record the stack's components",
                       lambda: len(h.cli_json("status").get("stack", {}).get("components", [])) > 0, 120)
        except AssertionError as e:
            raise AssertionError(f"{e}\n{h.log_tail()}")
        yield h
    finally:
        h.stop()


def test_console_shows_the_stack_and_a_dry_run_plan(head, tmp_path):
    kube = head.kube()
    kube.apply(kwok_node("console-busy", "8", "32Gi", POOL))
    wait_until("the busy node Ready", lambda: any(node_ready(n) for n in kube.nodes()
                                                   if n["metadata"]["name"] == "console-busy"), 60)
    create_namespace(kube, NAMESPACE)
    kube.apply(deployment(NAMESPACE, "web", 12, "500m", "1Gi", POOL))
    wait_until("12 pods Running on the busy node", all_pods_running(kube, NAMESPACE, 12), 120)
    kube.apply(kwok_node("console-idle-1", "8", "32Gi", POOL), kwok_node("console-idle-2", "8", "32Gi", POOL))
    wait_until("3 kwok nodes Ready", lambda: sum(node_ready(n) for n in kube.nodes()
                                                  if n["metadata"]["name"].startswith("console-")) == 3, 60)

    password = head.cli_json("admin", "reset-password")["console_password"]
    url = (head.data_dir / "serve.url").read_text().strip()
    env = {**os.environ, "FLOE_CONSOLE_URL": url, "FLOE_CONSOLE_PASSWORD": password,
           "FLOE_CONSOLE_NODES": "console-busy,console-idle-1,console-idle-2"}
    results = tmp_path / "console-cluster.xml"
    res = subprocess.run([str(BROWSER / "run.sh"), str(results), "console-cluster.test.mjs"], env=env,
                         capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert res.returncode == 0, f"console-cluster.test.mjs -> {res.returncode}\n{res.stdout}\n{res.stderr}"
