"""Several hosts on one machine: network namespaces joined by a Linux bridge.

    switch ns: bridge br0 ── veth ── <role> ns   10.213.<subnet>.<octet>
                         ├── veth ── ...

Used by the integration tier's multi-host tests and by the cluster tier (head, k3s
stand-in and agents on separate hosts). Namespaces are named <prefix>-<pid>-<random>-<role>,
so parallel runs do not collide and namespaces left by an aborted run (whose pid is gone)
are recognised and removed. Traffic only ever goes to addresses inside these namespaces.
"""

from __future__ import annotations

import os
import random
import re
import secrets
import shutil
import signal
import subprocess

NS_PREFIX = "floeit"
# Programs a test starts inside its namespaces; only these (and the Python that runs the
# k3s stand-in) are killed on clean-up.
OUR_PROGRAMS = {"floe", "floe-agent", "k3s", "kube-apiserver", "kube-controller-manager",
                "kube-scheduler", "etcd", "kwok"}


# --------------------------------------------------------------------------- ip(8)


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    res = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL)
    if check and res.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)} -> {res.returncode}: {res.stderr.strip()}")
    return res


def netns_names() -> list[str]:
    res = ip("netns", "list", check=False)
    return [line.split()[0] for line in res.stdout.splitlines() if line.strip()]


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _program_of(pid: int) -> str:
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
    except OSError:
        return ""
    return os.path.basename(exe.removesuffix(" (deleted)"))


def _kill_our_processes_in(ns: str) -> list[int]:
    """SIGKILL the floe / floe-agent processes still inside one of our namespaces (only
    those: a namespace of ours holds nothing else we started)."""
    killed = []
    for pid in ip("netns", "pids", ns, check=False).stdout.split():
        pid_n = int(pid)
        program = _program_of(pid_n)
        if program in OUR_PROGRAMS or program.startswith("python3"):
            try:
                os.kill(pid_n, signal.SIGKILL)
                killed.append(pid_n)
            except ProcessLookupError:
                pass
    return killed


def remove_stale_namespaces(prefix: str = NS_PREFIX) -> list[str]:
    """Namespaces of earlier runs whose pytest process is gone."""
    removed = []
    for ns in netns_names():
        m = re.fullmatch(rf"{prefix}-(\d+)-[0-9a-f]+-\w+", ns)
        if not m or int(m.group(1)) == os.getpid() or _pid_alive(int(m.group(1))):
            continue
        _kill_our_processes_in(ns)
        ip("netns", "del", ns, check=False)
        removed.append(ns)
    return removed


def netns_unavailable() -> str | None:
    if os.geteuid() != 0:
        return "needs root to create network namespaces (ip netns)"
    if shutil.which("ip") is None:
        return "needs iproute2 (`ip`) for network namespaces"
    res = ip("netns", "list", check=False)
    if res.returncode != 0:
        return f"`ip netns` is unavailable: {res.stderr.strip()}"
    return None


# --------------------------------------------------------------------------- the lab


class Lab:
    """A switch namespace with a bridge, and one namespace per host plugged into it."""

    def __init__(self, prefix: str = NS_PREFIX):
        self.prefix = prefix
        self.run_id = f"{os.getpid()}-{secrets.token_hex(2)}"
        self.subnet = random.randint(1, 254)
        self.namespaces: list[str] = []
        self.ports: dict[str, str] = {}  # role -> switch-side veth name
        self.addresses: dict[str, str] = {}
        self.switch = self.ns("sw")

    def build_switch(self) -> None:
        self._add_namespace("sw")
        ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        ip("-n", self.switch, "link", "set", "br0", "up")

    def ns(self, role: str) -> str:
        return f"{self.prefix}-{self.run_id}-{role}"

    def _add_namespace(self, role: str) -> str:
        name = self.ns(role)
        ip("netns", "add", name)
        self.namespaces.append(name)
        ip("-n", name, "link", "set", "lo", "up")
        return name

    def add_host(self, role: str, octet: int) -> str:
        ns = self._add_namespace(role)
        # Created inside the switch namespace with its peer moved straight into the host's:
        # nothing ever appears in the machine's own namespace. Names are <= 15 characters.
        port = f"p{self.run_id.split('-')[1]}{role[0]}{octet}"
        ip("-n", self.switch, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", ns)
        ip("-n", self.switch, "link", "set", port, "master", "br0")
        ip("-n", self.switch, "link", "set", port, "up")
        address = f"10.213.{self.subnet}.{octet}"
        ip("-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", ns, "link", "set", "eth0", "up")
        self.ports[role] = port
        self.addresses[role] = address
        return ns

    def exec_prefix(self, role: str) -> list[str]:
        return ["ip", "netns", "exec", self.ns(role)]

    def set_port(self, role: str, up: bool) -> None:
        ip("-n", self.switch, "link", "set", self.ports[role], "up" if up else "down")

    def destroy(self) -> list[str]:
        """Removes every namespace of this lab; returns the ones still there (should be none)."""
        for ns in self.namespaces:
            _kill_our_processes_in(ns)
            ip("netns", "del", ns, check=False)
        return [ns for ns in netns_names() if self.run_id in ns]
