"""Helpers for tests that run the k3s stand-in (tests/cluster/k3s) as a real process.

K3s wraps one `k3s server` or `k3s agent` process: its config file in a temp dir, its
stderr in a file (read it with .log()), start/stop by signal like a supervisor would.
Nothing here touches /etc or /var/lib: every path is under the directory given.
"""

import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
K3S = HERE / "k3s"
CONTROL_PLANE = HERE / "control-plane.sh"
FIXTURE_HOSTS = HERE.parent / "fixtures" / "hosts"

# Generous: two cores are shared with other work, and a cold apiserver start can be slow.
SERVER_READY_TIMEOUT_S = 300
STOP_TIMEOUT_S = 120


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout_s, interval_s=1.0):
    """Polls predicate() -> (done, last) until done; fails with the last value seen."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        done, last = predicate()
        if done:
            return last
        time.sleep(interval_s)
    raise AssertionError(f"{what} not reached within {timeout_s}s; last seen: {last!r}")


def processes_mentioning(path):
    """(pid, cmdline) of every process whose command line contains path."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(path) in cmdline:
            found.append((int(proc.name), cmdline.strip()))
    return found


class K3s:
    """One stand-in process: K3s(tmp, "server", {...}).start(); .stop() -> exit code."""

    def __init__(self, directory, role, config, env=None, name=None):
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.role = role
        self.name = name or role
        self.config_path = self.dir / f"{self.name}.yaml"
        self.log_path = self.dir / f"{self.name}.log"
        self.env = dict(os.environ, **(env or {}))
        self.process = None
        self.write_config(config)

    def write_config(self, config):
        # JSON is YAML, and keeps the test venv free of a YAML library.
        self.config = config
        self.config_path.write_text(json.dumps(config, indent=2) + "\n")

    def start(self):
        assert self.process is None or self.process.poll() is not None, "already running"
        # Appending keeps every run's lines when a test restarts the process.
        log = open(self.log_path, "a")
        self.process = subprocess.Popen(
            [str(K3S), self.role, "--config", str(self.config_path)],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=self.env,
        )
        log.close()
        return self

    def log(self):
        return self.log_path.read_text() if self.log_path.exists() else ""

    def wait_for_log(self, text, times=1, timeout_s=SERVER_READY_TIMEOUT_S):
        """Waits until text occurs `times` times in the log (the log spans restarts), or
        fails at once if the process exits first."""
        def seen():
            if self.process.poll() is not None:
                raise AssertionError(
                    f"k3s {self.role} exited {self.process.returncode} before logging {text!r}:\n{self.log()}")
            return self.log().count(text) >= times, self.log()[-2000:]

        wait_for(f"k3s {self.role} logging {text!r}", seen, timeout_s)

    def wait_exit(self, timeout_s=STOP_TIMEOUT_S):
        try:
            return self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"k3s {self.role} still running after {timeout_s}s:\n{self.log()[-3000:]}")

    def stop(self, sig=signal.SIGTERM):
        """Signals the process (as a supervisor does) and returns its exit code."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(sig)
        return self.wait_exit()

    def kill_for_cleanup(self):
        """Finalizer: stop politely, then hard, and stop the control plane a server left."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.role == "server":
            subprocess.run([str(CONTROL_PLANE), "down", str(self.control_plane_dir())],
                           capture_output=True, timeout=STOP_TIMEOUT_S, check=False)

    # --- server-side paths (as real k3s lays them out under data-dir) ---

    def data_dir(self):
        return Path(self.config["data-dir"])

    def control_plane_dir(self):
        return self.data_dir() / "server" / "standin"

    def cluster_env(self):
        text = (self.control_plane_dir() / "cluster.env").read_text()
        return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)

    def kubectl(self, *args, check=True, input=None):
        """kubectl from the control plane's cache, through the kubeconfig k3s wrote."""
        result = subprocess.run(
            [str(Path(self.cluster_env()["FLOE_K8S_BIN"]) / "kubectl"),
             "--kubeconfig", str(self.config["write-kubeconfig"]), *args],
            capture_output=True, text=True, timeout=60, input=input,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} exited {result.returncode}: {result.stderr}")
        return result

    def node(self, name):
        result = self.kubectl("get", "node", name, "-o", "json", check=False)
        return json.loads(result.stdout) if result.returncode == 0 else None


def node_conditions(node):
    return {c["type"]: c["status"] for c in (node or {}).get("status", {}).get("conditions", [])}
