#!/usr/bin/env python3
"""floe-agent footprint benchmark: inventory wall time, and RSS / CPU while heartbeating.

What it measures (DESIGN.md, "Targets"):

1. Inventory wall time. `floe-agent inventory --json` and the anchor `lshw -json`
   are run alternately, --runs times each after --warmup discarded runs, on this
   machine in this run. Prints median / p90 / min / max of each, the ratio
   lshw / floe, and the target: p90 < 100 ms and faster than lshw.

2. Footprint while heartbeating. Starts a real head in a temporary directory
   (`floe init`, `floe serve --listen 127.0.0.1:0 --heartbeat-interval 5s`),
   creates a join token, joins a real agent (`floe-agent --state-dir T join`) and
   runs it (`floe-agent run`). Next to it runs the anchor, Debian's
   prometheus-node-exporter on a free loopback port, scraped once per
   --scrape-interval (5 s) so it too does periodic work. After --settle seconds
   both processes are sampled every second for --duration seconds:
     RSS      VmRSS from /proc/PID/status (max and last), RssAnon / RssFile;
     PSS      /proc/PID/smaps_rollup at the end of the window;
     CPU      utime+stime from /proc/PID/stat (ticks / CLK_TCK / wall), and the
              on-CPU nanoseconds from /proc/PID/task/*/schedstat, which has a finer
              resolution than a 10 ms tick; the target is judged on the latter
              (on the tick figure when schedstat is missing).
   The head's /metrics (admin certificate) proves the agent was heartbeating:
   heartbeats counted in the window are printed next to the expected number.
   The agent's RSS is broken down per mapping (/proc/PID/smaps) so the table says
   what dominates it.

   Targets: agent RSS < 10 MB (10^6 bytes), idle CPU < 0.05 % of one core.
   When node_exporter cannot be obtained, the anchor falls back to documented
   figures (node_exporter ~20 MB, Datadog agent ~55 MB), labelled
   "documented, not measured".

Anchors are found on PATH or fetched from Debian: lshw with `apt-get install`
(root only); prometheus-node-exporter with `apt-get download` + `dpkg-deb -x` into
$FLOE_CACHE_DIR/bench (no root needed), not `apt-get install`: its maintainer
script starts a system-wide node_exporter on 0.0.0.0:9100 when systemd is not
PID 1 (as in containers) and it recommends a dozen more packages; a benchmark
must not leave a service running. --no-install uses only what is already there.

Usage:
  tests/bench/agent_footprint.py                      # 30 runs, 60 s window: ~75 s
  tests/bench/agent_footprint.py --duration 20 --json-out /tmp/footprint.json
  FLOE_BIN=build/release/appliance/floe FLOE_AGENT_BIN=build/release/agent/floe-agent \\
      tests/bench/agent_footprint.py

Binaries: --floe-bin / --agent-bin, else $FLOE_BIN / $FLOE_AGENT_BIN, else
build/dev/...; relative paths resolve against the repository root.

Exit code: 0 when the benchmark ran (a MISSED target does not fail it), 1 when it
could not run (binary missing, head did not start, agent did not join or died),
2 on a usage error, 130 when interrupted. Everything it started (processes,
temporary directories) is removed on exit, Ctrl-C and failure included.
Python 3.11 standard library only.
"""

from __future__ import annotations

import argparse
import collections
import ctypes
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_FLOE_BIN = "build/dev/appliance/floe"
DEFAULT_AGENT_BIN = "build/dev/agent/floe-agent"

# Targets from DESIGN.md.
INVENTORY_TARGET_MS = 100.0
AGENT_RSS_TARGET_MB = 10.0
AGENT_CPU_TARGET_PCT = 0.05

# Documented anchors, used only when node_exporter cannot be measured here.
DOCUMENTED_ANCHORS_MB = {"node_exporter": 20.0, "Datadog agent": 55.0}

HEARTBEAT_ROUTE = "/api/v1/agents/{id}/heartbeat"
HEARTBEAT_INTERVAL_S = 5.0

SERVE_URL_TIMEOUT_S = 15.0
JOIN_TIMEOUT_S = 60.0
COMMAND_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 5.0
HTTP_TIMEOUT_S = 5.0

CLK_TCK = os.sysconf("SC_CLK_TCK")
PR_SET_PDEATHSIG = 1

FAILED_CHECK_RE = re.compile(r"^FAIL\s+(\S+)", re.MULTILINE)


class BenchError(Exception):
    """The benchmark could not run; the message says what failed and what to do."""


class Interrupted(Exception):
    """SIGINT or SIGTERM arrived."""


# --------------------------------------------------------------------------- processes


def _die_with_parent() -> None:
    # If this script is killed with SIGKILL, its children get SIGTERM instead of
    # being left running (children live in their own session, so Ctrl-C in the
    # terminal reaches only this script, which then stops them in order).
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


@dataclass
class Started:
    name: str
    proc: subprocess.Popen
    log: Path


class Resources:
    """Every process and temporary directory this run started, for cleanup."""

    def __init__(self, keep: bool) -> None:
        self.keep = keep
        self.processes: list[Started] = []
        self.temp_dirs: list[Path] = []

    def temp_dir(self) -> Path:
        path = Path(tempfile.mkdtemp(prefix="floe-bench-"))
        self.temp_dirs.append(path)
        return path

    def start(self, name: str, cmd: list[str], log: Path, cwd: Path) -> Started:
        log_file = open(log, "ab")
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                                    cwd=cwd, start_new_session=True, preexec_fn=_die_with_parent)
        finally:
            log_file.close()
        started = Started(name, proc, log)
        self.processes.append(started)
        return started

    def close(self) -> None:
        # Stop in reverse start order: agent and anchor before the head.
        for started in reversed(self.processes):
            stop_process(started.proc)
        self.processes.clear()
        for path in self.temp_dirs:
            if self.keep:
                print(f"kept {path} (--keep)", file=sys.stderr)
            else:
                shutil.rmtree(path, ignore_errors=True)
        self.temp_dirs.clear()


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").rstrip().splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text[-lines:]) or "    (empty log)"


def run_command(cmd: list[str], timeout: float = COMMAND_TIMEOUT_S, **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- /proc


@dataclass
class ProcSample:
    t: float  # time.monotonic() of the sample
    rss_kb: int
    hwm_kb: int  # VmHWM: peak RSS, since the window started when reset_peak_rss worked
    rss_anon_kb: int
    rss_file_kb: int
    threads: int
    cpu_ticks: int
    cpu_ns: int | None  # schedstat on-CPU time of the live threads


def read_status(pid: int) -> dict[str, str]:
    fields: dict[str, str] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def kb(value: str | None) -> int:
    return int(value.split()[0]) if value else 0


def read_cpu_ticks(pid: int) -> int:
    text = Path(f"/proc/{pid}/stat").read_text()
    # The command name may contain spaces and parentheses: split after the last ')'.
    rest = text[text.rfind(")") + 2:].split()
    utime, stime = int(rest[11]), int(rest[12])  # fields 14 and 15 of proc(5)
    return utime + stime


def read_cpu_ns(pid: int) -> int | None:
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tasks:
        try:
            total += int(Path(f"/proc/{pid}/task/{tid}/schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            # A thread that exited between listdir and read; schedstat may be absent
            # on kernels without CONFIG_SCHED_INFO.
            if not Path(f"/proc/{pid}/task/{tid}").exists():
                continue
            return None
    return total


def sample_process(pid: int) -> ProcSample:
    t = time.monotonic()
    status = read_status(pid)
    return ProcSample(t=t, rss_kb=kb(status.get("VmRSS")), hwm_kb=kb(status.get("VmHWM")), rss_anon_kb=kb(status.get("RssAnon")),
                      rss_file_kb=kb(status.get("RssFile")) + kb(status.get("RssShmem")),
                      threads=int(status.get("Threads", "0")), cpu_ticks=read_cpu_ticks(pid),
                      cpu_ns=read_cpu_ns(pid))


def reset_peak_rss(pid: int) -> bool:
    """Resets VmHWM to the current RSS (proc(5), clear_refs "5"), so the peak at the end of
    the window includes a spike during a heartbeat that 1 s sampling would miss, and
    excludes start-up. Changes only the counter, not the process's memory."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def read_smaps_rollup(pid: int) -> dict[str, int]:
    values: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                parts = line.split()
                if len(parts) >= 3 and parts[0].endswith(":") and parts[2] == "kB":
                    values[parts[0][:-1]] = int(parts[1])
    except OSError:
        pass
    return values


def rss_by_mapping(pid: int) -> list[dict[str, Any]]:
    """Rss / Pss / Anonymous per mapped file (or [heap], [stack], [anon]), largest first."""
    rss: collections.Counter[str] = collections.Counter()
    pss: collections.Counter[str] = collections.Counter()
    anon: collections.Counter[str] = collections.Counter()
    current = "[anon]"
    header = re.compile(r"^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$")
    try:
        with open(f"/proc/{pid}/smaps") as smaps:
            for line in smaps:
                match = header.match(line)
                if match:
                    current = match.group(1).strip() or "[anon]"
                    continue
                key, _, value = line.partition(":")
                if key == "Rss":
                    rss[current] += kb(value)
                elif key == "Pss":
                    pss[current] += kb(value)
                elif key == "Anonymous":
                    anon[current] += kb(value)
    except OSError:
        return []
    return [{"mapping": name, "rss_kb": size, "pss_kb": pss[name], "anon_kb": anon[name]}
            for name, size in rss.most_common() if size > 0]


def mb(kib: float) -> float:
    """kB as /proc prints them (KiB) to MB (10^6 bytes), the unit of the targets."""
    return kib * 1024 / 1e6


# --------------------------------------------------------------------------- statistics


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile: the smallest value with at least pct % of values at or below it."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def summarize_ms(samples: list[float]) -> dict[str, Any]:
    return {"runs": len(samples), "median_ms": statistics.median(samples), "p90_ms": percentile(samples, 90),
            "min_ms": min(samples), "max_ms": max(samples), "samples_ms": [round(s, 3) for s in samples]}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def fmt_ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1f}x"


def fmt(value: float | None, spec: str, unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{unit}"


# --------------------------------------------------------------------------- anchors


def cache_dir() -> Path:
    base = os.environ.get("FLOE_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "floe")
    return Path(base) / "bench"


def is_root() -> bool:
    return os.geteuid() == 0


def apt_env() -> dict[str, str]:
    return {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def find_lshw(allow_install: bool) -> tuple[str | None, str]:
    """(path, note). The note says why it is missing or how it was obtained."""
    found = shutil.which("lshw") or next((p for p in ("/usr/bin/lshw", "/usr/sbin/lshw") if os.access(p, os.X_OK)), None)
    if found:
        return found, ""
    if not allow_install:
        return None, "lshw is not installed (--no-install)"
    if not is_root():
        return None, "lshw is not installed and this is not root; install it with 'sudo apt-get install lshw'"
    print("installing lshw (apt-get install -y -qq lshw) ...", file=sys.stderr)
    for attempt in range(2):
        if attempt == 1:
            run_command(["apt-get", "update", "-qq"], timeout=300, env=apt_env())
        res = run_command(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "lshw"],
                          timeout=300, env=apt_env())
        found = shutil.which("lshw")
        if res.returncode == 0 and found:
            return found, "installed with apt-get"
    return None, f"installing lshw with apt-get failed: {res.stderr.strip()[-300:]}"


NODE_EXPORTER_NAMES = ("prometheus-node-exporter", "node_exporter")


def find_node_exporter(explicit: str | None, allow_install: bool) -> tuple[str | None, str]:
    if explicit:
        if os.access(explicit, os.X_OK):
            return explicit, ""
        return None, f"--node-exporter-bin {explicit} is not an executable file"
    for name in NODE_EXPORTER_NAMES:
        found = shutil.which(name)
        if found:
            return found, ""
    target = cache_dir() / "prometheus-node-exporter"
    cached = target / "usr/bin/prometheus-node-exporter"
    if os.access(cached, os.X_OK):
        return str(cached), f"Debian package extracted in {target}"
    if not allow_install:
        return None, "prometheus-node-exporter is not installed (--no-install)"
    if not shutil.which("apt-get") or not shutil.which("dpkg-deb"):
        return None, "prometheus-node-exporter is not installed and apt-get/dpkg-deb are missing"
    print(f"fetching Debian's prometheus-node-exporter into {target} (apt-get download) ...", file=sys.stderr)
    download = target.parent / "download"
    shutil.rmtree(download, ignore_errors=True)
    download.mkdir(parents=True, exist_ok=True)
    error = ""
    for attempt in range(2):
        if attempt == 1:
            if not is_root():
                break
            run_command(["apt-get", "update", "-qq"], timeout=300, env=apt_env())
        res = run_command(["apt-get", "download", "-qq", "prometheus-node-exporter"], timeout=300,
                          cwd=download, env=apt_env())
        debs = sorted(download.glob("prometheus-node-exporter_*.deb"))
        if res.returncode == 0 and debs:
            shutil.rmtree(target, ignore_errors=True)
            res = run_command(["dpkg-deb", "-x", str(debs[-1]), str(target)])
            shutil.rmtree(download, ignore_errors=True)
            if res.returncode == 0 and os.access(cached, os.X_OK):
                return str(cached), f"Debian package extracted in {target}"
            error = f"dpkg-deb -x failed: {res.stderr.strip()[-300:]}"
            break
        error = f"apt-get download failed: {res.stderr.strip()[-300:]}"
    shutil.rmtree(download, ignore_errors=True)
    return None, error or "prometheus-node-exporter could not be fetched"


def package_version(package: str) -> str:
    try:
        res = run_command(["dpkg-query", "-W", "-f", "${Version}", package], timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return res.stdout.strip() if res.returncode == 0 else ""


def first_line(cmd: list[str]) -> str:
    try:
        res = run_command(cmd, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (res.stdout or res.stderr).strip().splitlines()
    return text[0].strip() if text else "?"


# --------------------------------------------------------------------------- part 1: inventory


def lshw_version(lshw: str) -> str:
    # Debian's lshw prints an empty line for -version; ask dpkg instead.
    version = first_line([lshw, "-version"])
    if version in ("", "?"):
        version = package_version("lshw") or "?"
    return f"lshw {version}"


def time_command(cmd: list[str]) -> tuple[float, int, int]:
    """(wall ms, exit code, bytes written to stdout)."""
    start = time.perf_counter()
    res = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         timeout=COMMAND_TIMEOUT_S)
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, res.returncode, len(res.stdout)


def bench_inventory(agent_bin: Path, lshw: str | None, runs: int, warmup: int) -> dict[str, Any]:
    floe_cmd = [str(agent_bin), "inventory", "--json"]
    check = run_command(floe_cmd)
    if check.returncode != 0:
        raise BenchError(f"'{' '.join(floe_cmd)}' exited with {check.returncode}: {check.stderr.strip()[-500:]}")
    try:
        inventory = json.loads(check.stdout)
    except json.JSONDecodeError as err:
        raise BenchError(f"'{' '.join(floe_cmd)}' did not print JSON: {err}") from None

    floe_ms: list[float] = []
    lshw_ms: list[float] = []
    floe_bytes = lshw_bytes = 0
    lshw_failures = 0
    # Alternate the two so both see the same background load on a shared machine.
    for i in range(warmup + runs):
        elapsed, rc, size = time_command(floe_cmd)
        if rc != 0:
            raise BenchError(f"'{' '.join(floe_cmd)}' exited with {rc} on run {i + 1}")
        if i >= warmup:
            floe_ms.append(elapsed)
            floe_bytes = size
        if lshw:
            elapsed, rc, size = time_command([lshw, "-json"])
            if rc != 0:
                lshw_failures += 1
            elif i >= warmup:
                lshw_ms.append(elapsed)
                lshw_bytes = size

    result: dict[str, Any] = {
        "floe": {"command": "floe-agent inventory --json", "output_bytes": floe_bytes, **summarize_ms(floe_ms)},
        "inventory_summary": {
            "cores": inventory.get("cpu", {}).get("cores"),
            "disks": len(inventory.get("disks", [])),
            "gpus": len(inventory.get("gpus", [])),
        },
    }
    if lshw and lshw_ms:
        result["lshw"] = {"command": "lshw -json", "version": lshw_version(lshw),
                          "output_bytes": lshw_bytes, "failed_runs": lshw_failures, **summarize_ms(lshw_ms)}
    elif lshw:
        result["lshw"] = {"unavailable": f"lshw -json failed on every run ({lshw_failures} failures)"}
    return result


# --------------------------------------------------------------------------- part 2: footprint


class Head:
    def __init__(self, floe_bin: Path, work: Path, resources: Resources) -> None:
        self.floe_bin = floe_bin
        self.work = work
        self.data_dir = work / "head"  # floe init creates it (mode 0700)
        self.resources = resources
        self.started: Started | None = None
        self.url = ""
        self._ssl: ssl.SSLContext | None = None

    def start(self) -> None:
        res = run_command([str(self.floe_bin), "init", "--data-dir", str(self.data_dir), "--advertise", "127.0.0.1", "--no-k3s"])
        if res.returncode != 0:
            raise BenchError(f"floe init failed (exit {res.returncode}): {res.stderr.strip()[-500:]}")
        self.started = self.resources.start(
            "floe serve",
            [str(self.floe_bin), "serve", "--data-dir", str(self.data_dir), "--listen", "127.0.0.1:0",
             "--heartbeat-interval", f"{HEARTBEAT_INTERVAL_S:g}s"],
            self.work / "serve.log", self.work)
        url_file = self.data_dir / "serve.url"
        deadline = time.monotonic() + SERVE_URL_TIMEOUT_S
        while True:
            rc = self.started.proc.poll()
            if rc is not None:
                raise BenchError(f"floe serve exited with {rc} before writing {url_file}:\n"
                                 f"{log_tail(self.started.log)}")
            try:
                url = url_file.read_text().strip()
            except OSError:
                url = ""
            if url.startswith("https://"):
                self.url = url
                break
            if time.monotonic() > deadline:
                raise BenchError(f"floe serve did not write {url_file} within {SERVE_URL_TIMEOUT_S:g} s:\n"
                                 f"{log_tail(self.started.log)}")
            time.sleep(0.05)
        pki = self.data_dir / "pki"
        self._ssl = ssl.create_default_context(cafile=str(pki / "ca.crt"))
        self._ssl.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
        deadline = time.monotonic() + SERVE_URL_TIMEOUT_S
        while True:  # serve.url may appear a moment before the listener accepts
            try:
                self.metrics()
                return
            except OSError as err:
                if time.monotonic() > deadline:
                    raise BenchError(f"floe serve at {self.url} does not answer /metrics: {err}") from None
                time.sleep(0.1)

    def create_token(self) -> str:
        res = run_command([str(self.floe_bin), "--data-dir", str(self.data_dir), "--json", "token", "create"])
        if res.returncode != 0:
            raise BenchError(f"floe token create failed (exit {res.returncode}): {res.stderr.strip()[-500:]}")
        try:
            return json.loads(res.stdout)["secret"]
        except (json.JSONDecodeError, KeyError) as err:
            raise BenchError(f"floe token create --json printed no 'secret' ({err}): {res.stdout[:300]}") from None

    def metrics(self) -> str:
        with urllib.request.urlopen(self.url + "/metrics", context=self._ssl, timeout=HTTP_TIMEOUT_S) as resp:
            return resp.read().decode()

    def heartbeats(self) -> tuple[int, int]:
        """(all heartbeat requests, those answered 200) since the head started."""
        total = ok = 0
        # The route label itself contains braces ({id}): match up to the last '}' on the line.
        pattern = re.compile(r'^floe_http_requests_total\{(?P<labels>.*)\}\s+(?P<value>\S+)$', re.MULTILINE)
        for match in pattern.finditer(self.metrics()):
            labels = match.group("labels")
            if f'route="{HEARTBEAT_ROUTE}"' not in labels:
                continue
            value = int(float(match.group("value")))
            total += value
            if 'code="200"' in labels:
                ok += value
        return total, ok


def join_agent(agent_bin: Path, state_dir: Path, url: str, token: str) -> list[str]:
    """Joins; returns the preflight checks that had to be ignored on this machine."""
    base = [str(agent_bin), "--state-dir", str(state_dir), "join", url, "--token", token, "--timeout", "30s"]
    res = run_command(base, timeout=JOIN_TIMEOUT_S)
    if res.returncode == 0:
        return []
    # A preflight check that fails on this machine (a port in use, not root) says
    # nothing about the agent's footprint: ignore exactly those and try once more.
    failed = sorted(set(FAILED_CHECK_RE.findall(res.stdout)))
    if failed:
        retry = base + [arg for check in failed for arg in ("--ignore-check", check)]
        res = run_command(retry, timeout=JOIN_TIMEOUT_S)
        if res.returncode == 0:
            return failed
    output = (res.stdout + res.stderr).strip().splitlines()
    raise BenchError("floe-agent join failed (exit {}):\n{}".format(
        res.returncode, "\n".join("    " + line for line in output[-20:])))


def scrape(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_S) as resp:
            resp.read()
            return resp.status == 200
    except OSError:
        return False


@dataclass
class Watched:
    label: str
    started: Started
    samples: list[ProcSample] = field(default_factory=list)
    died: str = ""
    peak_reset: bool = False
    startup_peak_kb: int = 0  # VmHWM just before the window: start-up and settling

    @property
    def pid(self) -> int:
        return self.started.proc.pid

    def sample(self) -> bool:
        if self.died:
            return False
        if self.started.proc.poll() is not None:
            self.died = f"exited with {self.started.proc.returncode} during the window"
            return False
        try:
            self.samples.append(sample_process(self.pid))
            return True
        except (OSError, ValueError, IndexError) as err:
            self.died = f"could not be sampled: {err}"
            return False

    def summary(self) -> dict[str, Any]:
        first, last = self.samples[0], self.samples[-1]
        wall_s = last.t - first.t
        ticks = last.cpu_ticks - first.cpu_ticks
        cpu_tick_pct = ticks / CLK_TCK / wall_s * 100
        cpu_ns_pct = None
        if first.cpu_ns is not None and last.cpu_ns is not None and last.cpu_ns >= first.cpu_ns:
            cpu_ns_pct = (last.cpu_ns - first.cpu_ns) / 1e9 / wall_s * 100
        rollup = read_smaps_rollup(self.pid)
        return {
            "pid": self.pid,
            "wall_s": wall_s,
            "samples": len(self.samples),
            # The peak since the window started (VmHWM after a reset), or the largest sample.
            "rss_max_mb": mb(max([s.rss_kb for s in self.samples] + ([last.hwm_kb] if self.peak_reset else []))),
            "rss_max_sampled_mb": mb(max(s.rss_kb for s in self.samples)),
            "rss_peak_from_vmhwm": self.peak_reset,
            "rss_startup_peak_mb": mb(self.startup_peak_kb),
            "rss_timeline_kb": [[round(s.t - first.t, 1), s.rss_kb] for s in self.samples],
            "rss_last_mb": mb(last.rss_kb),
            "rss_anon_last_mb": mb(last.rss_anon_kb),
            "rss_file_last_mb": mb(last.rss_file_kb),
            "pss_mb": mb(rollup["Pss"]) if "Pss" in rollup else None,
            "threads": last.threads,
            "cpu_ticks": ticks,
            "cpu_ms_ticks": ticks * 1000 / CLK_TCK,
            "cpu_pct_ticks": cpu_tick_pct,
            "cpu_tick_resolution_pct": 1 / CLK_TCK / wall_s * 100,
            "cpu_ms_schedstat": None if cpu_ns_pct is None else (last.cpu_ns - first.cpu_ns) / 1e6,
            "cpu_pct_schedstat": cpu_ns_pct,
            "cpu_pct": cpu_ns_pct if cpu_ns_pct is not None else cpu_tick_pct,
        }


def bench_footprint(floe_bin: Path, agent_bin: Path, node_exporter: str | None, args: argparse.Namespace,
                    resources: Resources, note: Callable[[str], None]) -> dict[str, Any]:
    work = resources.temp_dir()
    head = Head(floe_bin, work, resources)
    head.start()
    print(f"head serving at {head.url}; joining an agent ...", file=sys.stderr, flush=True)
    token = head.create_token()
    state_dir = work / "agent"
    ignored = join_agent(agent_bin, state_dir, head.url, token)
    if ignored:
        note(f"joined with --ignore-check {' '.join(ignored)} (preflight failed on this machine)")
    agent = Watched("floe-agent run", resources.start(
        "floe-agent run", [str(agent_bin), "--state-dir", str(state_dir), "run"], work / "agent.log", work))

    anchor: Watched | None = None
    anchor_url = ""
    anchor_note = ""
    if node_exporter:
        port = free_loopback_port()
        anchor_url = f"http://127.0.0.1:{port}/metrics"
        anchor = Watched("prometheus-node-exporter", resources.start(
            "prometheus-node-exporter", [node_exporter, f"--web.listen-address=127.0.0.1:{port}"],
            work / "node_exporter.log", work))
        deadline = time.monotonic() + SERVE_URL_TIMEOUT_S
        while not scrape(anchor_url):  # also its first, most expensive scrape: not in the window
            if anchor.started.proc.poll() is not None or time.monotonic() > deadline:
                anchor_note = (f"node_exporter did not serve {anchor_url}:\n{log_tail(anchor.started.log)}")
                stop_process(anchor.started.proc)
                anchor = None
                break
            time.sleep(0.1)

    settle_end = time.monotonic() + args.settle
    next_scrape = time.monotonic() + args.scrape_interval
    while time.monotonic() < settle_end:
        if agent.started.proc.poll() is not None:
            raise BenchError(f"floe-agent run exited with {agent.started.proc.returncode} while settling:\n"
                             f"{log_tail(agent.started.log)}")
        if anchor and time.monotonic() >= next_scrape:
            scrape(anchor_url)
            next_scrape += args.scrape_interval
        time.sleep(0.2)

    heartbeats_before = head.heartbeats()
    for watched in (agent, anchor):
        if watched:
            try:
                watched.startup_peak_kb = kb(read_status(watched.pid).get("VmHWM"))
            except OSError:
                pass
            watched.peak_reset = reset_peak_rss(watched.pid)
    window_start = time.monotonic()
    window_end = window_start + args.duration
    next_sample = window_start
    scrapes = scrape_failures = 0
    print(f"measuring for {args.duration:g} s ...", file=sys.stderr, flush=True)
    while True:
        now = time.monotonic()
        if now >= next_sample:
            if not agent.sample():
                raise BenchError(f"floe-agent run {agent.died}:\n{log_tail(agent.started.log)}")
            if anchor:
                anchor.sample()
            if now >= window_end:
                break
            next_sample += args.sample_interval
            next_sample = min(next_sample, window_end)
        scraping = anchor is not None and not anchor.died
        if scraping and now >= next_scrape:
            scrapes += 1
            scrape_failures += 0 if scrape(anchor_url) else 1
            next_scrape += args.scrape_interval
        wake = min(next_sample, next_scrape) if scraping else next_sample
        time.sleep(max(0.0, wake - time.monotonic()))
    wall_s = time.monotonic() - window_start
    heartbeats_after = head.heartbeats()

    result: dict[str, Any] = {
        "window_s": wall_s,
        "settle_s": args.settle,
        "sample_interval_s": args.sample_interval,
        "heartbeat_interval_s": HEARTBEAT_INTERVAL_S,
        "heartbeats_in_window": heartbeats_after[0] - heartbeats_before[0],
        "heartbeats_ok_in_window": heartbeats_after[1] - heartbeats_before[1],
        "heartbeats_expected": wall_s / HEARTBEAT_INTERVAL_S,
        "ignored_preflight_checks": ignored,
        "agent": agent.summary(),
        "agent_rss_by_mapping": rss_by_mapping(agent.pid),
    }
    if anchor and not anchor.died and len(anchor.samples) >= 2:
        result["anchor"] = {"name": "prometheus-node-exporter", "measured": True,
                            "version": first_line([node_exporter, "--version"]), "binary": node_exporter,
                            "scrapes": scrapes, "scrape_failures": scrape_failures,
                            "scrape_interval_s": args.scrape_interval, **anchor.summary()}
    else:
        reason = anchor.died if anchor and anchor.died else anchor_note or "not available"
        result["anchor"] = {"name": "prometheus-node-exporter", "measured": False, "reason": reason}
    return result


# --------------------------------------------------------------------------- report


def host_facts() -> dict[str, Any]:
    model = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"hostname": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count(),
            "cpu_model": model, "clk_tck": CLK_TCK, "loadavg_start": os.getloadavg()[0]}


def print_inventory(inv: dict[str, Any], warmup: int) -> None:
    floe = inv["floe"]
    print(f"\n1. Hardware inventory, wall time per run ({floe['runs']} runs each after {warmup} warm-ups, alternated)")
    print(f"   {'command':<30} {'median':>9} {'p90':>9} {'min':>9} {'max':>9} {'stdout':>10}")
    rows = [("floe-agent inventory --json", floe)]
    lshw = inv.get("lshw")
    if lshw and "unavailable" not in lshw:
        rows.append(("lshw -json  (anchor)", lshw))
    for label, r in rows:
        print(f"   {label:<30} {r['median_ms']:>6.1f} ms {r['p90_ms']:>6.1f} ms {r['min_ms']:>6.1f} ms "
              f"{r['max_ms']:>6.1f} ms {r['output_bytes'] / 1000:>7.1f} kB")
    if lshw and "unavailable" not in lshw:
        print(f"   ratio lshw / floe: median {fmt_ratio(inv['ratio_median'])}, p90 {fmt_ratio(inv['ratio_p90'])}"
              f"   ({lshw['version']})")
    else:
        print(f"   anchor lshw: unavailable: {inv.get('lshw_note') or (lshw or {}).get('unavailable')}")


def print_footprint(fp: dict[str, Any]) -> None:
    print(f"\n2. Footprint while heartbeating (window {fp['window_s']:.1f} s after {fp['settle_s']:g} s settle, "
          f"sampled every {fp['sample_interval_s']:g} s)")
    print(f"   {'process':<34} {'RSS max':>8} {'RSS last':>8} {'anon':>7} {'file':>7} {'PSS':>7} "
          f"{'CPU %core':>10} {'CPU ms':>7} {'ticks':>6} {'thr':>4}")
    rows = [("floe-agent run", fp["agent"])]
    anchor = fp["anchor"]
    if anchor["measured"]:
        rows.append((f"node_exporter (anchor, scraped/{anchor['scrape_interval_s']:g}s)", anchor))
    for label, r in rows:
        cpu_ms = r["cpu_ms_schedstat"] if r["cpu_ms_schedstat"] is not None else r["cpu_ms_ticks"]
        print(f"   {label:<34} {r['rss_max_mb']:>5.1f} MB {r['rss_last_mb']:>5.1f} MB {r['rss_anon_last_mb']:>4.1f} MB "
              f"{r['rss_file_last_mb']:>4.1f} MB {fmt(r['pss_mb'], '>4.1f', ' MB'):>7} {r['cpu_pct']:>9.4f}% "
              f"{cpu_ms:>7.1f} {r['cpu_ticks']:>6} {r['threads']:>4}")
    peak = ("peak VmHWM since the window started" if fp["agent"]["rss_peak_from_vmhwm"]
            else "largest sample (VmHWM could not be reset)")
    print(f"   (MB = 10^6 bytes; RSS max = {peak}; anon/file/PSS at the end; CPU %core from schedstat ns;\n"
          f"    'ticks' = utime+stime delta, 1 tick = {fp['agent']['cpu_tick_resolution_pct']:.3f} %core over this window)")
    startup = ", ".join(f"{label} {r['rss_startup_peak_mb']:.1f} MB" for label, r in
                        (("floe-agent", fp["agent"]), ("node_exporter", anchor)) if r.get("measured", True))
    print(f"   peak RSS before the window (start-up, first heartbeat or scrape): {startup}")
    print(f"   heartbeats seen by the head in the window: {fp['heartbeats_in_window']} "
          f"({fp['heartbeats_ok_in_window']} answered 200), expected ~{fp['heartbeats_expected']:.0f} "
          f"at {fp['heartbeat_interval_s']:g} s")
    if anchor["measured"]:
        print(f"   ratio anchor / agent: RSS {fmt_ratio(fp['ratio_rss'])}, PSS {fmt_ratio(fp['ratio_pss'])}, "
              f"CPU {fmt_ratio(fp['ratio_cpu'])}   ({anchor['version']}; {anchor['scrapes']} scrapes, "
              f"{anchor['scrape_failures']} failed)")
    else:
        documented = ", ".join(f"{name} ~{value:g} MB" for name, value in DOCUMENTED_ANCHORS_MB.items())
        print(f"   anchor node_exporter not measured: {anchor['reason']}")
        print(f"   anchor (documented, not measured): {documented}; RSS ratio vs node_exporter "
              f"{fmt_ratio(fp['ratio_rss'])} (documented, not measured); CPU ratio n/a")

    mappings = fp["agent_rss_by_mapping"]
    if mappings:
        total = sum(m["rss_kb"] for m in mappings)
        print(f"\n   floe-agent RSS by mapping at the end of the window (/proc/{fp['agent']['pid']}/smaps)")
        print(f"   {'mapping':<52} {'RSS':>8} {'PSS':>8} {'anon':>8}")
        top, rest = mappings[:10], mappings[10:]
        for m in top:
            name = m["mapping"] if len(m["mapping"]) <= 52 else "..." + m["mapping"][-49:]
            print(f"   {name:<52} {m['rss_kb']:>5} kB {m['pss_kb']:>5} kB {m['anon_kb']:>5} kB")
        if rest:
            print(f"   {f'{len(rest)} other mappings':<52} {sum(m['rss_kb'] for m in rest):>5} kB "
                  f"{sum(m['pss_kb'] for m in rest):>5} kB {sum(m['anon_kb'] for m in rest):>5} kB")
        shared_libs = sum(m["rss_kb"] for m in mappings if ".so" in m["mapping"])
        print(f"   shared libraries: {shared_libs} kB of {total} kB RSS ({shared_libs / total * 100:.0f} %)")


def verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("met" if met else "MISSED")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--floe-bin", default=os.environ.get("FLOE_BIN") or DEFAULT_FLOE_BIN,
                        help="the floe head binary (default $FLOE_BIN or %(default)s)")
    parser.add_argument("--agent-bin", default=os.environ.get("FLOE_AGENT_BIN") or DEFAULT_AGENT_BIN,
                        help="the floe-agent binary (default $FLOE_AGENT_BIN or %(default)s)")
    parser.add_argument("--node-exporter-bin", default=os.environ.get("NODE_EXPORTER_BIN"),
                        help="the anchor node_exporter (default: on PATH, else fetched from Debian)")
    parser.add_argument("--runs", type=int, default=30, help="timed inventory runs of each command (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="discarded inventory runs first (default 3)")
    parser.add_argument("--duration", type=float, default=60.0, help="footprint window in seconds (default 60)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after start before the window (default 5)")
    parser.add_argument("--sample-interval", type=float, default=1.0, help="seconds between /proc samples (default 1)")
    parser.add_argument("--scrape-interval", type=float, default=5.0,
                        help="seconds between node_exporter scrapes (default 5, the agent's heartbeat interval)")
    parser.add_argument("--skip-inventory", action="store_true", help="only the footprint part")
    parser.add_argument("--skip-footprint", action="store_true", help="only the inventory part")
    parser.add_argument("--no-install", action="store_true", help="do not fetch missing anchors from Debian")
    parser.add_argument("--json-out", type=Path, help="also write the results as JSON to this file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs, state) for debugging")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # keep the table in order with progress on stderr
    if args.runs < 1 or args.warmup < 0 or args.duration <= 0 or args.settle < 0 \
            or args.sample_interval <= 0 or args.scrape_interval <= 0:
        parser.error("--runs must be >= 1, --warmup and --settle >= 0, the others > 0")

    def resolve(raw: str) -> Path:
        path = Path(raw)
        return path if path.is_absolute() else REPO_ROOT / path

    floe_bin, agent_bin = resolve(args.floe_bin), resolve(args.agent_bin)
    for name, path, env in (("floe", floe_bin, "FLOE_BIN"), ("floe-agent", agent_bin, "FLOE_AGENT_BIN")):
        if not (path.is_file() and os.access(path, os.X_OK)):
            print(f"agent_footprint: {name} binary not found or not executable at {path}; build it "
                  f"(tests/run-all.sh builds build/release/) or point {env} / --{name.replace('floe-', '')}-bin "
                  f"at it", file=sys.stderr)
            return 1

    def on_signal(signum: int, _frame: Any) -> None:
        raise Interrupted(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    resources = Resources(keep=args.keep)
    results: dict[str, Any] = {"host": host_facts(), "floe_bin": str(floe_bin), "agent_bin": str(agent_bin),
                               "agent_version": first_line([str(agent_bin), "version"])}
    notes: list[str] = []

    def note(text: str) -> None:  # printed with the results
        notes.append(text)

    host = results["host"]
    print(f"floe agent footprint benchmark: host {host['hostname']}, {host['cpus']} CPUs ({host['cpu_model']}), "
          f"kernel {host['kernel']}, load {host['loadavg_start']:.2f}")
    print(f"floe-agent: {agent_bin} ({results['agent_version']})")
    targets: list[dict[str, Any]] = []
    not_heartbeating = ""
    try:
        if not args.skip_inventory:
            lshw, lshw_note = find_lshw(not args.no_install)
            if lshw_note and lshw:
                note(f"lshw: {lshw_note}")
            print(f"running inventory {args.warmup} + {args.runs} times each ...", file=sys.stderr, flush=True)
            inv = bench_inventory(agent_bin, lshw, args.runs, args.warmup)
            if not lshw:
                inv["lshw_note"] = lshw_note
            lshw_r = inv.get("lshw") if inv.get("lshw") and "unavailable" not in inv["lshw"] else None
            inv["ratio_median"] = ratio(lshw_r and lshw_r["median_ms"], inv["floe"]["median_ms"])
            inv["ratio_p90"] = ratio(lshw_r and lshw_r["p90_ms"], inv["floe"]["p90_ms"])
            results["inventory"] = inv
            print_inventory(inv, args.warmup)
            p90 = inv["floe"]["p90_ms"]
            faster = None if inv["ratio_median"] is None else inv["ratio_median"] > 1
            met = p90 < INVENTORY_TARGET_MS and faster is not False
            anchor_text = (f"lshw/floe {fmt_ratio(inv['ratio_median'])}" if faster is not None
                           else "lshw anchor unavailable")
            targets.append({"name": "inventory wall time", "target": f"< {INVENTORY_TARGET_MS:g} ms and faster than lshw",
                            "value": f"p90 {p90:.1f} ms, {anchor_text}", "met": met})

        if not args.skip_footprint:
            node_exporter, ne_note = find_node_exporter(args.node_exporter_bin, not args.no_install)
            if node_exporter and ne_note:
                note(f"node_exporter: {ne_note}")
            fp = bench_footprint(floe_bin, agent_bin, node_exporter, args, resources, note)
            if not node_exporter:
                fp["anchor"]["reason"] = ne_note
            agent_r, anchor_r = fp["agent"], fp["anchor"]
            if anchor_r["measured"]:
                fp["ratio_rss"] = ratio(anchor_r["rss_max_mb"], agent_r["rss_max_mb"])
                fp["ratio_pss"] = ratio(anchor_r["pss_mb"], agent_r["pss_mb"])
                fp["ratio_cpu"] = ratio(anchor_r["cpu_pct"], agent_r["cpu_pct"])
            else:
                fp["anchor"]["documented_mb"] = DOCUMENTED_ANCHORS_MB
                fp["ratio_rss"] = ratio(DOCUMENTED_ANCHORS_MB["node_exporter"], agent_r["rss_max_mb"])
                fp["ratio_pss"] = fp["ratio_cpu"] = None
            results["footprint"] = fp
            print_footprint(fp)
            if fp["heartbeats_ok_in_window"] == 0:
                not_heartbeating = (f"the head counted no successful heartbeat from the agent in the "
                                    f"{fp['window_s']:.0f} s window, so its idle figures are not those of a "
                                    f"working agent; see the agent's log (rerun with --keep)")
            anchor_text = (f"node_exporter {anchor_r['rss_max_mb']:.1f} MB measured" if anchor_r["measured"]
                           else f"node_exporter ~{DOCUMENTED_ANCHORS_MB['node_exporter']:g} MB documented, not measured")
            targets.append({"name": "agent RSS", "target": f"< {AGENT_RSS_TARGET_MB:g} MB",
                            "value": f"max {agent_r['rss_max_mb']:.1f} MB (PSS {fmt(agent_r['pss_mb'], '.1f')} MB; "
                                     f"{anchor_text})",
                            "met": None if not_heartbeating else agent_r["rss_max_mb"] < AGENT_RSS_TARGET_MB})
            cpu_anchor = (f"node_exporter {anchor_r['cpu_pct']:.4f} %" if anchor_r["measured"]
                          else "no measured anchor")
            targets.append({"name": "agent idle CPU", "target": f"< {AGENT_CPU_TARGET_PCT:g} % of a core",
                            "value": f"{agent_r['cpu_pct']:.4f} % over {fp['window_s']:.0f} s, "
                                     f"{fp['heartbeats_ok_in_window']} heartbeats ({cpu_anchor})",
                            "met": None if not_heartbeating else agent_r["cpu_pct"] < AGENT_CPU_TARGET_PCT})
    except Interrupted as err:
        print(f"\nagent_footprint: interrupted ({err}); stopping what it started", file=sys.stderr)
        return 130
    except (BenchError, subprocess.TimeoutExpired, OSError) as err:
        print(f"\nagent_footprint: the benchmark could not run: {err}", file=sys.stderr)
        return 1
    finally:
        # A second Ctrl-C must not cut the cleanup short and leave processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        resources.close()

    results["host"]["loadavg_end"] = os.getloadavg()[0]
    results["notes"] = notes
    results["targets"] = targets
    if not_heartbeating:
        results["error"] = not_heartbeating
    print(f"\nload average {results['host']['loadavg_start']:.2f} at start, {results['host']['loadavg_end']:.2f} "
          "at end (the machine may be shared: compare ratios, not absolute figures, across runs)")
    for text in notes:
        print(f"note: {text}")
    for t in targets:
        print(f"TARGET {t['name']} {t['target']}: {t['value']} -- {verdict(t['met'])}")
    if args.json_out:
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"results written to {args.json_out}", file=sys.stderr)
    if not_heartbeating:
        print(f"agent_footprint: the benchmark could not run: {not_heartbeating}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
