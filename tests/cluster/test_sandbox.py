"""The README's run command, `tests/sandbox/run.sh`, end to end.

It builds (a no-op when the build is current), starts the head with the k3s stand-in in
this machine's network namespace and the workers in namespaces of their own, waits for
`kubectl get nodes` to list them Ready and labelled from their hardware, and tears all of
it down: with --exit-when-ready, and on Ctrl-C (SIGINT to its process group, as a terminal
sends it) after tests/sandbox/add-worker.sh added a fourth worker and the head moved some
of the demo workload onto it. Afterwards nothing of the sandbox may be left: no process naming its directory
(floe, floe-agent, the stand-in, etcd, kube-apiserver, kwok...), no network namespace, no
veth leg.

Needs root, iproute2 and the cached control-plane binaries (tests/cluster/README.md).
FLOE_BIN (set by tests/run-all.sh) selects the build tree run.sh uses; without it run.sh
builds build/release as it does for a user.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
RUN = REPO / "tests" / "sandbox" / "run.sh"
sys.path.insert(0, str(HERE.parent / "integration"))

from netns_lab import netns_names, netns_unavailable  # noqa: E402
from rebalance_helpers import standin_kube  # noqa: E402
from standin_helpers import CONTROL_PLANE, processes_mentioning  # noqa: E402

WAIT_TIMEOUT_S = 240  # run.sh --timeout: each of its waits, on a loaded 2-core machine
RUN_TIMEOUT_S = 900  # the whole command, a rebuild of changed sources included
STOP_TIMEOUT_S = 150  # agents (30 s each at most) then the head (60 s at most)

# What `kubectl get nodes -L floe.io/role,floe.io/cpu-cores,floe.io/memory-gib,
# floe.io/gpu-count,floe.io/data-disks` must show for each worker: its fixture's hardware.
EXPECTED_WORKERS = {
    "sandbox-worker-1": {"ROLE": "worker", "CPU-CORES": "32", "MEMORY-GIB": "503", "GPU-COUNT": "0", "DATA-DISKS": "2"},
    "sandbox-worker-2": {"ROLE": "worker", "CPU-CORES": "32", "MEMORY-GIB": "1007", "GPU-COUNT": "4", "DATA-DISKS": "1"},
    "sandbox-worker-3": {"ROLE": "worker", "CPU-CORES": "2", "MEMORY-GIB": "23", "GPU-COUNT": "0", "DATA-DISKS": "0"},
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        return s.getsockname()[1]


def port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("0.0.0.0", port))
            return True
        except OSError:
            return False


def sandbox_env() -> dict:
    env = dict(os.environ)
    if os.environ.get("FLOE_BIN"):
        env["FLOE_SANDBOX_BUILD_DIR"] = str(Path(os.environ["FLOE_BIN"]).resolve().parents[1])
    return env


def nodes_table(output: str) -> dict[str, dict[str, str]]:
    """The `kubectl get nodes -L …` table that run.sh prints, by node name."""
    lines = output.splitlines()
    header = next((i for i, line in enumerate(lines)
                   if line.startswith("NAME ") and "CPU-CORES" in line and "DATA-DISKS" in line), None)
    assert header is not None, f"no `kubectl get nodes -L …` table in the output:\n{output}"
    columns = lines[header].split()
    rows = {}
    for line in lines[header + 1:]:
        if not line.strip():
            break
        values = line.split()
        assert len(values) == len(columns), f"unexpected row {line!r} under {lines[header]!r}"
        rows[values[0]] = dict(zip(columns, values))
    return rows


def leftovers(data_dir: Path, pid: int) -> list[str]:
    """Whatever of the sandbox run by run.sh process `pid` is still there."""
    found = [f"process {p}: {cmd[:160]}" for p, cmd in processes_mentioning(f"{data_dir}/")]
    found += [f"network namespace {ns}" for ns in netns_names() if ns.startswith(f"floesb-{pid}-")]
    link = subprocess.run(["ip", "link", "show", f"fsb{pid}"], capture_output=True, text=True)
    if link.returncode == 0:
        found.append(f"veth fsb{pid}")
    return found


class Sandbox:
    """One `run.sh` in its own process group (a terminal's foreground job), output collected."""

    def __init__(self, data_dir: Path, *args: str):
        self.data_dir = data_dir
        self.port = free_port()
        self.k3s_port = free_port()
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [str(RUN), "--port", str(self.port), "--k3s-port", str(self.k3s_port), "--data-dir", str(data_dir),
             "--timeout", str(WAIT_TIMEOUT_S), *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True,
            start_new_session=True, env=sandbox_env())
        self._ready = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)
            if "press Ctrl-C to stop" in line:
                self._ready.set()

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_until_running(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self._ready.wait(1):
            assert self.proc.poll() is None, f"run.sh exited {self.proc.returncode} before it was up:\n{self.output}"
            assert time.monotonic() < deadline, f"run.sh not up within {timeout}s:\n{self.output}"

    def wait(self, timeout: float) -> int:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"run.sh still running after {timeout}s:\n{self.output}") from None
        self._reader.join(10)
        return rc

    def kill(self) -> None:
        """After a failed test: let run.sh tear down (SIGTERM), then make sure."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        standin = self.data_dir / "k3s" / "data" / "server" / "standin"
        if standin.is_dir():
            subprocess.run([str(CONTROL_PLANE), "down", str(standin)], capture_output=True, timeout=120)
        for pid, _ in processes_mentioning(f"{self.data_dir}/"):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for ns in netns_names():
            if ns.startswith(f"floesb-{self.proc.pid}-"):
                subprocess.run(["ip", "netns", "del", ns], capture_output=True)


@pytest.fixture
def sandbox(binaries, tmp_path):
    reason = netns_unavailable()
    if reason:
        pytest.skip(f"the sandbox {reason}")
    started: list[Sandbox] = []

    def start(*args: str) -> Sandbox:
        box = Sandbox(tmp_path / "sandbox", *args)
        started.append(box)
        return box

    yield start
    for box in started:
        box.kill()


def test_run_command_brings_up_head_and_three_labelled_workers(sandbox):
    started = time.monotonic()
    box = sandbox("--exit-when-ready")
    rc = box.wait(RUN_TIMEOUT_S)
    output = box.output
    print(output)
    print(f"run.sh --exit-when-ready took {time.monotonic() - started:.1f}s")
    assert rc == 0, f"run.sh --exit-when-ready exited {rc}:\n{output}"

    nodes = nodes_table(output)
    assert set(nodes) == {"floe-head", *EXPECTED_WORKERS}, nodes
    assert all(row["STATUS"] == "Ready" for row in nodes.values()), nodes
    assert nodes["floe-head"]["ROLE"] == "head", nodes["floe-head"]
    assert re.fullmatch(r"[1-9]\d*", nodes["floe-head"]["CPU-CORES"]), nodes["floe-head"]
    for name, want in EXPECTED_WORKERS.items():
        got = {key: nodes[name][key] for key in want}
        assert got == want, f"{name}: labels {got}, want {want} (from its hardware tree)"

    # `floe status` lists the stack the head rolled out, every component with its state.
    for component in ("namespaces", "seaweedfs", "postgres", "polaris", "polaris-bootstrap", "spark-connect",
                      "history-server"):
        assert re.search(rf"^{component}\s+ready\s", output, re.M), f"{component} not ready:\n{output}"
    assert re.search(r"^spark-operator\s+submitted\s", output, re.M), output

    # The summary says where things are.
    assert f"https://127.0.0.1:{box.port}" in output
    assert str(box.data_dir / "head" / "pki" / "admin.key") in output
    assert str(box.data_dir / "k3s" / "etc" / "k3s.yaml") in output
    assert re.search(r"SHA-256 [0-9a-f]{64}", output), output

    assert "nothing left running" in output, output
    assert leftovers(box.data_dir, box.proc.pid) == []
    assert port_free(box.port) and port_free(box.k3s_port), "the sandbox's ports are still taken"


def console_login_from_summary(box) -> requests.Session:
    """Logs in to the web console with the address and password the summary printed."""
    match = re.search(r"console\s+(https://127\.0\.0\.1:\d+)/\s+user admin, password (\S+)", box.output)
    assert match, f"no console address and password in the summary:\n{box.output}"
    url, password = match.groups()
    session = requests.Session()
    session.verify = str(box.data_dir / "head" / "pki" / "ca.crt")
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides verify
    page = session.get(url + "/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), page.text[:200]
    login = session.post(url + "/api/v1/console/login", json={"user": "admin", "password": password}, timeout=30)
    assert login.status_code == 200, login.text
    session.base_url = url  # type: ignore[attr-defined]
    return session


def demo_pods_by_node(box) -> dict[str, int]:
    """How many pods of the sandbox's demo workload each node runs, read with kubectl."""
    kube = standin_kube(box.data_dir / "k3s" / "data", box.data_dir / "k3s" / "etc" / "k3s.yaml")
    counts: dict[str, int] = {}
    for pod in kube.get("pods", "-n", "floe-demo"):
        node = pod["spec"].get("nodeName")
        if node:
            counts[node] = counts.get(node, 0) + 1
    return counts


def add_worker_and_see_load_move(box) -> None:
    """tests/sandbox/add-worker.sh: a fourth worker joins, the head rebalances onto it, the
    script prints the round's report; kubectl confirms demo pods now run on the new node."""
    before = demo_pods_by_node(box)
    assert sum(before.values()) == 12 and "sandbox-worker-4" not in before, before
    res = subprocess.run([str(REPO / "tests" / "sandbox" / "add-worker.sh"), "--data-dir", str(box.data_dir),
                          "--timeout", str(WAIT_TIMEOUT_S)], capture_output=True, text=True,
                         timeout=2 * WAIT_TIMEOUT_S + 30, env=sandbox_env())
    print(res.stdout, res.stderr)
    assert res.returncode == 0, f"add-worker.sh exited {res.returncode}:\n{res.stdout}\n{res.stderr}\n{box.output}"
    header = re.search(r"^Rebalance (\d+) \(node-ready:sandbox-worker-4[^)]*\): (\w+).*\n.*?(\d+) evictions, "
                       r"spread ([\d.]+) -> ([\d.]+) points", res.stdout, re.M)
    assert header, res.stdout
    _, outcome, evictions, spread_before, spread_after = header.groups()
    assert outcome in ("balanced", "improved") and int(evictions) > 0, res.stdout
    assert float(spread_after) < float(spread_before), res.stdout
    # The GPU server's taint keeps every movable pod off it: reported, not balanced.
    assert re.search(r"^Not balanced: sandbox-worker-2 \(tainted nvidia\.com/gpu=present:NoSchedule", res.stdout,
                     re.M), res.stdout
    assert not re.search(r"^sandbox-worker-2\s", res.stdout, re.M), res.stdout
    row = re.search(r"^sandbox-worker-4\s+([\d.]+)\s+([\d.]+)\s", res.stdout, re.M)
    assert row and float(row.group(2)) > float(row.group(1)), res.stdout  # its CPU% before and after
    after = demo_pods_by_node(box)
    assert after.get("sandbox-worker-4", 0) > 0, after
    assert sum(after.values()) == 12, after


def test_added_worker_takes_load_then_ctrl_c_stops_everything(sandbox):
    box = sandbox()
    box.wait_until_running(RUN_TIMEOUT_S)
    # What a new user does next: the console, logged in with the printed password, lists
    # the worker with its hardware.
    console = console_login_from_summary(box)
    nodes = console.get(console.base_url + "/api/v1/nodes?hardware=1", timeout=10).json()["nodes"]
    worker = next((n for n in nodes if n["name"] == "sandbox-worker-1"), None)
    assert worker is not None, nodes
    assert worker["state"] == "ready", worker
    assert worker["hardware"]["cpu_cores"] > 0 and worker["hardware"]["memory_bytes"] > 0, worker
    assert leftovers(box.data_dir, box.proc.pid), "nothing of the sandbox seen while it runs"
    add_worker_and_see_load_move(box)
    os.killpg(box.proc.pid, signal.SIGINT)  # what Ctrl-C in its terminal does
    rc = box.wait(STOP_TIMEOUT_S)
    output = box.output
    print(output)
    assert rc == 0, f"run.sh exited {rc} after Ctrl-C:\n{output}"
    tail = output[output.index("press Ctrl-C to stop"):]
    assert "stopping..." in tail and "nothing left running" in tail, tail
    assert "WARNING" not in tail, tail
    assert leftovers(box.data_dir, box.proc.pid) == []
    assert port_free(box.port) and port_free(box.k3s_port), "the sandbox's ports are still taken"


def test_failure_part_way_still_tears_everything_down(sandbox):
    # --timeout 1: the network is up and `floe serve` is running when a wait gives up: the
    # one for the stand-in's control plane (which takes several seconds), or on a slow
    # machine already the one for serve.
    box = sandbox("--timeout", "1")
    rc = box.wait(RUN_TIMEOUT_S)
    output = box.output
    print(output)
    assert rc == 1, f"run.sh exited {rc}, want 1:\n{output}"
    assert "timed out after 1s" in output, output
    assert "nothing left running" in output, output
    assert leftovers(box.data_dir, box.proc.pid) == []
    assert port_free(box.port) and port_free(box.k3s_port), "the sandbox's ports are still taken"
