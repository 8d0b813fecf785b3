"""Shared fixtures and helpers of the cluster tier.

`cluster` starts a real control plane (tests/cluster/control-plane.sh) in a temporary
directory for one test and always stops it; `binaries` skips the tier when the
Kubernetes binaries are not built, unless FLOE_CLUSTER_BUILD=1 asks to build them.
"""

import os
import subprocess
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "control-plane.sh"
# Generous: on a shared 2-core machine the apiserver's first start can take a while.
UP_TIMEOUT_S = 300


def run(*args, check=True, timeout=600, **kwargs):
    result = subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, **kwargs
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, args))} exited {result.returncode}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
    return result


def kubectl(settings, *args, **kwargs):
    return run(
        Path(settings["FLOE_K8S_BIN"]) / "kubectl",
        "--kubeconfig", settings["KUBECONFIG"], *args, timeout=60, **kwargs,
    )


@pytest.fixture(scope="session")
def binaries():
    """Cached binaries, built first when FLOE_CLUSTER_BUILD is set."""
    if run(SCRIPT, "check", check=False).returncode != 0:
        if not os.environ.get("FLOE_CLUSTER_BUILD"):
            pytest.skip(
                "Kubernetes control-plane binaries are not built; run "
                "tests/cluster/control-plane.sh build, or set FLOE_CLUSTER_BUILD=1 "
                "to build them here (a cold build takes tens of minutes)"
            )
        # No capture: a long build should show its progress.
        subprocess.run([str(SCRIPT), "build"], check=True)
    return True


@pytest.fixture
def cluster(binaries, tmp_path, request):
    """(directory, settings from DIR/cluster.env) of a freshly started control plane."""
    directory = tmp_path / "cluster"
    # Registered before `up`, so a half-started control plane is stopped too.
    request.addfinalizer(lambda: run(SCRIPT, "down", directory, check=False, timeout=120))
    env = dict(os.environ, FLOE_CLUSTER_TIMEOUT=str(UP_TIMEOUT_S))
    started = time.monotonic()
    run(SCRIPT, "up", directory, env=env, timeout=UP_TIMEOUT_S + 60)
    print(f"up took {time.monotonic() - started:.1f}s")
    settings = dict(
        line.split("=", 1)
        for line in (directory / "cluster.env").read_text().splitlines()
        if "=" in line
    )
    return directory, settings
