"""Driving the real `floe-agent` (FLOE_AGENT_BIN): sysroots that stand in for machines, an
`Agent` object per simulated machine, and the join command printed by `floe token create`.

Every agent command gets `--state-dir` (never the default /var/lib/floe-agent) and
`--sysroot` (a copy of a tree under tests/fixtures/hosts, so each simulated machine has its
own machine-id and hostname). Used by test_agent.py (loopback) and test_multihost.py
(network namespaces, through `cmd_prefix`).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path
from typing import Iterable

from process_log import log_tail, read_log

REPO_ROOT = Path(__file__).resolve().parents[2]
FIXTURE_HOSTS = REPO_ROOT / "tests" / "fixtures" / "hosts"

AGENT_SHUTDOWN_TIMEOUT_S = 10.0
JOIN_LINE_RE = re.compile(r"^\s*(?:sudo\s+)?floe-agent\s+join\s+.*$", re.M)

# Preflight checks that look at the live machine running the tests, not at the sysroot.
# They are ignored only when the live machine explains the failure (see
# environment_ignored_checks); a failure of any other check is the agent's to explain.
_TCP_PORT_CHECKS = {"port-6443-tcp": 6443, "port-10250-tcp": 10250}
_UDP_PORT_CHECKS = {"port-8472-udp": 8472}
_DISK_NEEDED_BYTES = 20 * 1024**3

# Agents still running, so that a failing test shows their logs and teardown can stop them.
LIVE_AGENTS: list["Agent"] = []


# --------------------------------------------------------------------------- machines


def make_sysroot(dest: Path, fixture: str, *, machine_id: str | None = None, hostname: str | None = None) -> Path:
    """A private copy of tests/fixtures/hosts/<fixture> that is another machine: its own
    /etc/machine-id (32 hex) and hostname. Returns `dest`."""
    shutil.copytree(FIXTURE_HOSTS / fixture, dest, symlinks=True)
    if machine_id is not None:
        assert re.fullmatch(r"[0-9a-f]{32}", machine_id), machine_id
        (dest / "etc" / "machine-id").write_text(machine_id + "\n")
    if hostname is not None:
        (dest / "proc" / "sys" / "kernel" / "hostname").write_text(hostname + "\n")
    return dest


def new_machine_id() -> str:
    return uuid.uuid4().hex


def fixture_facts(sysroot: Path) -> dict:
    """What the sysroot's own files say about the hardware, read without the agent, so the
    inventory the head stores can be checked against the source rather than against itself."""
    cpuinfo = (sysroot / "proc" / "cpuinfo").read_text()
    threads = len(re.findall(r"(?m)^processor\s*:", cpuinfo))
    sockets = len(set(re.findall(r"(?m)^physical id\s*:\s*(\d+)", cpuinfo))) or 1
    mem_kib = int(re.search(r"(?m)^MemTotal:\s+(\d+) kB", (sysroot / "proc" / "meminfo").read_text()).group(1))
    nvidia_gpus = 0
    pci = sysroot / "sys" / "bus" / "pci" / "devices"
    if pci.is_dir():
        for dev in pci.iterdir():
            try:
                vendor = (dev / "vendor").read_text().strip()
                klass = (dev / "class").read_text().strip()
            except OSError:
                continue
            if vendor == "0x10de" and klass.startswith("0x03"):
                nvidia_gpus += 1
    return {
        "threads": threads,
        "sockets": sockets,
        "memory_bytes": mem_kib * 1024,
        "nvidia_gpus": nvidia_gpus,
        "machine_id": (sysroot / "etc" / "machine-id").read_text().strip(),
        "hostname": (sysroot / "proc" / "sys" / "kernel" / "hostname").read_text().strip(),
    }


def assert_inventory_matches(inventory: dict, facts: dict, where: str = "") -> None:
    """The hardware the head stored for a node is the hardware of its sysroot."""
    cpu, mem = inventory.get("cpu", {}), inventory.get("memory", {})
    got = {
        "threads": cpu.get("threads"),
        "sockets": cpu.get("sockets"),
        "memory_bytes": mem.get("total_bytes"),
        "nvidia_gpus": sum(1 for g in inventory.get("gpus", []) if g.get("vendor_id") == "0x10de"),
        "machine_id": inventory.get("host", {}).get("machine_id"),
        "hostname": inventory.get("host", {}).get("hostname"),
    }
    assert got == facts, f"{where} inventory on the head does not match its sysroot:\n got {got}\n want {facts}"


# --------------------------------------------------------------------------- tokens


def create_join_command(head, *token_args: str) -> tuple[list[str], str]:
    """`floe token create ARGS` on the head; returns the printed `floe-agent join …` command
    (argv, without `sudo`) and the token. The token is registered with the head for its
    log-leak check."""
    res = head.run_cli("token", "create", *token_args)
    assert res.returncode == 0, f"floe token create {token_args} -> {res.returncode}\n{res.stdout}\n{res.stderr}"
    lines = JOIN_LINE_RE.findall(res.stdout)
    assert len(lines) == 1, f"expected one `sudo floe-agent join …` line in:\n{res.stdout}"
    argv = shlex.split(lines[0])
    if argv[0] == "sudo":
        argv = argv[1:]
    assert argv[:2] == ["floe-agent", "join"] and "--token" in argv, argv
    token = argv[argv.index("--token") + 1]
    head.secrets.append(token)
    return argv, token


def token_secret(token: str) -> str:
    """The part of FLOE1-<hash>-<id>.<secret> that must never be logged."""
    return token.rsplit(".", 1)[1]


# --------------------------------------------------------------------------- environment


def _port_in_use(port: int, kind: int) -> bool:
    with socket.socket(socket.AF_INET, kind) as s:
        try:
            s.bind(("0.0.0.0", port))
            return False
        except OSError:
            return True


def environment_ignored_checks(checks: list[dict]) -> dict[str, str]:
    """{check id: why} for fail-severity checks that fail because of the machine running the
    tests (not root, a k3s port taken by something else, a small disk), given the agent's own
    `check --json` results. These checks read the live system, not the sysroot."""
    ignored = {}
    for check in checks:
        if check.get("severity") != "fail" or check.get("result") != "fail":
            continue
        cid = check["id"]
        if cid == "root" and os.geteuid() != 0:
            ignored[cid] = "the tests do not run as root"
        elif cid in _TCP_PORT_CHECKS and _port_in_use(_TCP_PORT_CHECKS[cid], socket.SOCK_STREAM):
            ignored[cid] = f"port {_TCP_PORT_CHECKS[cid]}/tcp is taken on the test machine"
        elif cid in _UDP_PORT_CHECKS and _port_in_use(_UDP_PORT_CHECKS[cid], socket.SOCK_DGRAM):
            ignored[cid] = f"port {_UDP_PORT_CHECKS[cid]}/udp is taken on the test machine"
        elif cid == "disk-space" and shutil.disk_usage("/var/lib" if os.path.isdir("/var/lib") else "/").free \
                < _DISK_NEEDED_BYTES:
            ignored[cid] = "the test machine has less than 20 GiB free under /var/lib"
    return ignored


# --------------------------------------------------------------------------- the agent


class Agent:
    """One simulated machine: a sysroot, a state dir, and (while running) `floe-agent run`."""

    def __init__(self, agent_bin: Path, work_dir: Path, sysroot: Path, *, cmd_prefix: Iterable[str] = (),
                 name: str = "agent", env: dict | None = None):
        self.agent_bin = Path(agent_bin)
        self.work_dir = Path(work_dir)
        self.work_dir.mkdir(parents=True, exist_ok=True)
        self.sysroot = Path(sysroot)
        self.state_dir = self.work_dir / "state"
        self.cmd_prefix = list(cmd_prefix)
        self.name = name
        self.log_path = self.work_dir / "agent-run.log"
        self.proc: subprocess.Popen | None = None
        self._log_file = None
        self.outputs: list[str] = []  # stdout+stderr of every one-shot command, for leak checks
        self._ignored: dict[str, str] | None = None
        self.extra_env = dict(env or {})  # for every command and the service

    # -- one-shot commands
    def argv(self, *args: str) -> list[str]:
        return [*self.cmd_prefix, str(self.agent_bin), "--state-dir", str(self.state_dir),
                "--sysroot", str(self.sysroot), *args]

    def cli(self, *args: str, timeout: float = 60, env: dict | None = None) -> subprocess.CompletedProcess:
        full_env = dict(os.environ)
        for var in ("FLOE_JOIN_TOKEN", "FLOE_AGENT_STATE_DIR"):
            full_env.pop(var, None)
        full_env.update(self.extra_env)
        if env:
            full_env.update(env)
        started = time.monotonic()
        res = subprocess.run(self.argv(*args), capture_output=True, text=True, timeout=timeout,
                             stdin=subprocess.DEVNULL, env=full_env, cwd=self.work_dir)
        res.duration = time.monotonic() - started  # type: ignore[attr-defined]
        self.outputs.append(res.stdout + res.stderr)
        return res

    def cli_json(self, *args: str):
        res = self.cli("--json", *args)
        assert res.returncode == 0, f"floe-agent --json {args} -> {res.returncode}\n{res.stdout}\n{res.stderr}"
        return json.loads(res.stdout)

    def checks(self) -> list[dict]:
        res = self.cli("--json", "check")
        assert res.returncode in (0, 1), f"floe-agent check -> {res.returncode}\n{res.stderr}"
        assert res.stdout.strip(), f"floe-agent --json check printed nothing (exit {res.returncode})\n{res.stderr}"
        return json.loads(res.stdout)

    def ignore_args(self) -> list[str]:
        """--ignore-check for each check that fails only because of the test machine (see
        environment_ignored_checks); computed once per agent."""
        if self._ignored is None:
            self._ignored = environment_ignored_checks(self.checks())
        return [arg for cid in sorted(self._ignored) for arg in ("--ignore-check", cid)]

    def join(self, url: str, token: str | None, *extra: str, timeout: float = 60,
             env: dict | None = None) -> subprocess.CompletedProcess:
        args = ["join", url]
        if token is not None:
            args += ["--token", token]
        return self.cli(*args, *self.ignore_args(), *extra, timeout=timeout, env=env)

    def join_ok(self, url: str, token: str, *extra: str) -> dict:
        res = self.join(url, token, *extra)
        assert res.returncode == 0, f"floe-agent join -> {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"
        return self.identity()

    # -- state
    def identity(self) -> dict:
        return json.loads((self.state_dir / "node.json").read_text())

    @property
    def node_id(self) -> str:
        return self.identity()["node_id"]

    def run_status(self) -> dict | None:
        """status.json, written by `floe-agent run` when its connection state changes."""
        try:
            return json.loads((self.state_dir / "status.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None

    # -- the service
    def start(self, *extra: str) -> "Agent":
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(b"\n===== floe-agent run =====\n")
        self._log_file.flush()
        env = dict(os.environ)
        env.pop("FLOE_JOIN_TOKEN", None)
        env.update(self.extra_env)
        self.proc = subprocess.Popen(self.argv("run", *extra), stdin=subprocess.DEVNULL, stdout=self._log_file,
                                     stderr=self._log_file, cwd=self.work_dir, env=env)
        if self not in LIVE_AGENTS:
            LIVE_AGENTS.append(self)
        return self

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = AGENT_SHUTDOWN_TIMEOUT_S) -> int | None:
        """Send `sig` (SIGTERM), wait; SIGKILL after `timeout`. Returns the exit code after
        `sig` (None if it had to be killed)."""
        if self.proc is None:
            return None
        rc = self.proc.poll()
        if rc is None:
            self.proc.send_signal(sig)
            try:
                rc = self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                rc = None
        self._close_log()
        return rc

    def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        rc = self.proc.wait(timeout=timeout)
        self._close_log()
        return rc

    def cleanup(self) -> None:
        self.stop()
        if self in LIVE_AGENTS:
            LIVE_AGENTS.remove(self)

    def _close_log(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_text(self) -> str:
        return read_log(self.log_path)

    def log_tail(self, lines: int = 60) -> str:
        return log_tail("floe-agent run log", self.log_path, lines)
