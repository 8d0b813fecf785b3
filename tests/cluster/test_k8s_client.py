"""floe's C++ Kubernetes client (common/src/k8s) against a real control plane.

Starts the control plane (conftest.py's `cluster` fixture) and runs the Catch2 binary
`floe_cluster_tests` (tests/cluster/cpp) against it: reads, paginated lists, server-side
apply and its conflicts, node patches, delete, eviction under a PodDisruptionBudget,
watches, 410 Gone and the informer's relist, and the informer across a kube-apiserver
restart. The binary comes from FLOE_CLUSTER_TESTS_BIN (tests/run-all.sh sets it).
"""

import os
from pathlib import Path

import pytest

from conftest import SCRIPT, run

# The binary's own tests wait at most ~1 min each; this only stops a hang.
BINARY_TIMEOUT_S = 900


@pytest.fixture(scope="session")
def cluster_tests_binary():
    path = os.environ.get("FLOE_CLUSTER_TESTS_BIN")
    if not path:
        pytest.fail(
            "FLOE_CLUSTER_TESTS_BIN is not set; build floe and point it at the binary, e.g. "
            "FLOE_CLUSTER_TESTS_BIN=build/release/tests/floe_cluster_tests"
        )
    if not os.access(path, os.X_OK):
        pytest.fail(f"FLOE_CLUSTER_TESTS_BIN={path} is not an executable file; build floe first")
    return Path(path)


def test_k8s_client_against_real_apiserver(cluster_tests_binary, cluster):
    directory, settings = cluster
    env = dict(
        os.environ,
        FLOE_TEST_KUBECONFIG=settings["KUBECONFIG"],
        # For the restart test: it runs `control-plane.sh restart-apiserver DIR`.
        FLOE_TEST_CONTROL_PLANE=str(SCRIPT),
        FLOE_TEST_CLUSTER_DIR=str(directory),
    )
    result = run(
        cluster_tests_binary, "--reporter", "compact", "--durations", "yes",
        check=False, env=env, timeout=BINARY_TIMEOUT_S,
    )
    print(result.stdout)
    print(result.stderr)
    assert result.returncode == 0, (
        f"{cluster_tests_binary} exited {result.returncode} "
        f"(component logs in {directory / 'logs'})\n"
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    )
    assert "Passed all" in result.stdout, result.stdout
