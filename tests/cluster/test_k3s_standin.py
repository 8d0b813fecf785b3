"""Tests of the k3s stand-in (tests/cluster/k3s): the contract floe's bootstrap/ relies on.

One server runs for the module (starting a control plane costs 10-30 s on the shared
machine); tests run in file order against it, and the last ones restart it and finally
crash it on purpose. Everything lives under pytest's tmp dir; the finalizer stops it all.
Skipped like test_control_plane.py when the control-plane binaries are not built.
"""

import hashlib
import json
import os
import signal
import subprocess
import time

import pytest

from standin_helpers import (
    CONTROL_PLANE, FIXTURE_HOSTS, K3s, free_port, node_conditions, processes_mentioning, wait_for,
)

SERVER_TOKEN = "standin-server-secret"
AGENT_TOKEN = "standin-agent-secret"
GPU_HOST = FIXTURE_HOSTS / "gpu-server"  # 32 cpus, MemTotal 1056375732 kB, 3 GPUs
GPU_HOST_NAME = "gpu-a100-01"            # its proc/sys/kernel/hostname
NODE_READY_TIMEOUT_S = 90


@pytest.fixture(scope="module")
def binaries():
    if subprocess.run([str(CONTROL_PLANE), "check"], capture_output=True).returncode != 0:
        if not os.environ.get("FLOE_CLUSTER_BUILD"):
            pytest.skip("Kubernetes control-plane binaries are not built; run "
                        "tests/cluster/control-plane.sh build (or set FLOE_CLUSTER_BUILD=1)")
        subprocess.run([str(CONTROL_PLANE), "build"], check=True)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("k3s-standin")


def server_config(workdir, port):
    return {
        "data-dir": str(workdir / "data"),
        "write-kubeconfig": str(workdir / "etc" / "k3s.yaml"),
        "write-kubeconfig-mode": "0640",
        "token": SERVER_TOKEN,
        "agent-token": AGENT_TOKEN,
        "bind-address": "127.0.0.1",
        "https-listen-port": port,
        "node-name": "head-0",
        "node-label": ["floe.io/role=head", "floe.io/zone=rack-a"],
        "node-taint": ["floe.io/head=true:NoSchedule"],
        "tls-san": ["head.floe.test", "10.200.0.1"],
        # Keys bootstrap renders that only matter to a real k3s: accepted, ignored.
        "cluster-cidr": "10.42.0.0/16",
        "service-cidr": "10.43.0.0/16",
        "cluster-dns": "10.43.0.10",
        "disable": ["traefik", "servicelb"],
        "disable-network-policy": True,
        "flannel-backend": "vxlan",
    }


@pytest.fixture(scope="module")
def server(binaries, workdir, request):
    k3s = K3s(workdir, "server", server_config(workdir, free_port()))
    request.addfinalizer(k3s.kill_for_cleanup)
    started = time.monotonic()
    k3s.start().wait_for_log("k3s is up and running")
    print(f"server up in {time.monotonic() - started:.1f}s")
    return k3s


def agent_config(server, workdir, token, **extra):
    config = {
        "server": f"https://127.0.0.1:{server.config['https-listen-port']}",
        "token": token,
        "data-dir": str(workdir / "agent-data"),
        "node-label": ["floe.io/gpu=true"],
        "node-taint": ["nvidia.com/gpu=present:NoSchedule"],
        "kubelet-arg": ["max-pods=110"],
    }
    config.update(extra)
    return config


def run_agent_to_exit(workdir, config, name, env=None, timeout_s=120):
    """Runs an agent expected to fail; returns (exit code, log)."""
    agent = K3s(workdir, "agent", config, env=env, name=name).start()
    try:
        code = agent.wait_exit(timeout_s)
    finally:
        agent.kill_for_cleanup()
    return code, agent.log()


def mode(path):
    return oct(os.lstat(path).st_mode & 0o777)


# --- no cluster needed ---------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["server", "agent"])
def test_unknown_config_key_is_rejected_like_k3s(tmp_path, role):
    config = {"token": "x", "node-lable": ["a=b"]}  # typo of node-label
    if role == "agent":
        config["server"] = "https://127.0.0.1:1"
    else:
        config["data-dir"] = str(tmp_path / "data")
    k3s = K3s(tmp_path, role, config).start()
    assert k3s.wait_exit(60) == 1
    assert "flag provided but not defined: -node-lable" in k3s.log()
    assert 'level=fatal' in k3s.log()
    # Rejected before anything was started or written.
    assert not (tmp_path / "data").exists()


def test_agent_gives_up_on_an_unreachable_server(tmp_path):
    config = {"server": f"https://127.0.0.1:{free_port()}", "token": "x",
              "data-dir": str(tmp_path / "agent")}
    code, log = run_agent_to_exit(tmp_path, config, "agent-unreachable",
                                  env={"K3S_STANDIN_SERVER_WAIT": "3"})
    assert code == 1, log
    assert "failed to get CA certs" in log and "retrying" in log and "gave up after 3s" in log, log


# --- server ---------------------------------------------------------------------------------------

def test_server_writes_kubeconfig_and_tokens_like_k3s(server):
    data = server.data_dir() / "server"
    kubeconfig = server.config["write-kubeconfig"]
    assert mode(kubeconfig) == "0o640"
    assert mode(data / "cred" / "admin.kubeconfig") == "0o600"
    config = json.loads(server.kubectl("config", "view", "--raw", "-o", "json").stdout)
    assert config["current-context"] == "default"
    assert config["clusters"][0]["cluster"]["server"] == f"https://127.0.0.1:{server.config['https-listen-port']}"
    assert "client-certificate-data" in config["users"][0]["user"]

    # K10<sha256 of the CA file's bytes>::<user>:<password>, as k3s formats it.
    ca_hash = hashlib.sha256((data / "tls" / "server-ca.crt").read_bytes()).hexdigest()
    assert (data / "token").read_text().strip() == f"K10{ca_hash}::server:{SERVER_TOKEN}"
    assert os.path.realpath(data / "node-token") == str(data / "token")
    assert (data / "agent-token").read_text().strip() == f"K10{ca_hash}::node:{AGENT_TOKEN}"
    for name in ("token", "agent-token", "cred/passwd"):
        assert mode(data / name) == "0o600", name


def test_readyz_through_the_written_kubeconfig(server):
    assert server.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"


def test_serving_certificate_carries_the_tls_sans(server):
    cert = server.control_plane_dir() / "pki" / "apiserver.crt"
    sans = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-ext", "subjectAltName"],
                          capture_output=True, text=True, check=True).stdout
    for name in ("DNS:head.floe.test", "IP Address:10.200.0.1", "IP Address:127.0.0.1",
                 "DNS:kubernetes.default.svc", "IP Address:10.43.0.1"):
        assert name in sans, sans


def test_head_node_registered_with_labels_taints_and_ready(server):
    node = wait_for("head-0 Ready", lambda: (
        node_conditions(n := server.node("head-0")).get("Ready") == "True", n), NODE_READY_TIMEOUT_S)
    labels = node["metadata"]["labels"]
    for key, value in {"floe.io/role": "head", "floe.io/zone": "rack-a",
                       "kubernetes.io/hostname": "head-0", "kubernetes.io/os": "linux",
                       "node-role.kubernetes.io/control-plane": "true",
                       "node-role.kubernetes.io/master": "true"}.items():
        assert labels.get(key) == value, (key, labels)
    assert labels["kubernetes.io/arch"]
    assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"
    assert {"key": "floe.io/head", "value": "true", "effect": "NoSchedule"} in node["spec"]["taints"]
    assert node["status"]["capacity"]["pods"] == "110"


# --- agent ----------------------------------------------------------------------------------------

def test_agent_with_the_agent_token_registers_the_machine_it_runs_on(server, workdir, request):
    token = (server.data_dir() / "server" / "agent-token").read_text().strip()  # K10 long form
    agent = K3s(workdir, "agent", agent_config(server, workdir, token),
                env={"K3S_STANDIN_SYSROOT": str(GPU_HOST)}, name="agent-gpu")
    request.addfinalizer(agent.kill_for_cleanup)
    agent.start().wait_for_log("k3s agent is up and running", timeout_s=120)

    node = wait_for("gpu node Ready", lambda: (
        node_conditions(n := server.node(GPU_HOST_NAME)).get("Ready") == "True", n), NODE_READY_TIMEOUT_S)
    # No node-name: the hostname of the machine (the fixture's), as a kubelet would.
    assert node["metadata"]["labels"]["floe.io/gpu"] == "true"
    assert node["metadata"]["labels"]["kubernetes.io/hostname"] == GPU_HOST_NAME
    assert "node-role.kubernetes.io/control-plane" not in node["metadata"]["labels"]
    assert {"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"} in node["spec"]["taints"]
    assert node["status"]["capacity"] == {
        "cpu": "32", "memory": "1056375732Ki", "pods": "110", "nvidia.com/gpu": "3"}
    # The kubelet's 100Mi hard eviction threshold comes off allocatable memory.
    assert node["status"]["allocatable"]["memory"] == f"{1056375732 - 100 * 1024}Ki"
    assert node["status"]["allocatable"]["nvidia.com/gpu"] == "3"

    # SIGTERM: exit 0, and the node is let go (kwok no longer heartbeats it, as a stopped
    # kubelet would not).
    assert agent.stop() == 0
    annotations = server.node(GPU_HOST_NAME)["metadata"]["annotations"]
    assert "kwok.x-k8s.io/node" not in annotations

    # Restarted agent: the Node exists already and is updated, not an error.
    agent.write_config(agent_config(server, workdir, token, **{"node-label": ["floe.io/gpu=true", "floe.io/new=1"]}))
    agent.start().wait_for_log("updated with", timeout_s=120)
    node = server.node(GPU_HOST_NAME)
    assert node["metadata"]["labels"]["floe.io/new"] == "1"
    assert node["metadata"]["annotations"]["kwok.x-k8s.io/node"] == "fake"
    assert agent.stop() == 0


def test_agent_accepts_the_short_token_form(server, workdir, request):
    agent = K3s(workdir, "agent", agent_config(server, workdir, AGENT_TOKEN, **{"node-name": "worker-short"}),
                name="agent-short")
    request.addfinalizer(agent.kill_for_cleanup)
    agent.start().wait_for_log("k3s agent is up and running", timeout_s=120)
    assert server.node("worker-short") is not None
    assert agent.stop() == 0


def test_wrong_token_is_refused_by_the_api_server(server, workdir):
    config = agent_config(server, workdir, "not-the-token", **{"node-name": "intruder"})
    code, log = run_agent_to_exit(workdir, config, "agent-wrong-token")
    assert code == 1, log
    assert "401 Unauthorized" in log and "level=fatal" in log, log
    assert server.node("intruder") is None


def test_token_with_another_clusters_ca_hash_is_refused(server, workdir):
    config = agent_config(server, workdir, f"K10{'0' * 64}::node:{AGENT_TOKEN}", **{"node-name": "mitm"})
    code, log = run_agent_to_exit(workdir, config, "agent-wrong-ca")
    assert code == 1, log
    assert "token CA hash does not match the Cluster CA certificate hash" in log, log
    assert server.node("mitm") is None


# --- restarts and shutdown (these change the module's server; keep them last) ----------------

def test_restart_apiserver_keeps_the_server_running(server):
    cp_dir = server.control_plane_dir()
    old_pid = (cp_dir / "pids" / "kube-apiserver").read_text().strip()
    result = subprocess.run([str(CONTROL_PLANE), "restart-apiserver", str(cp_dir)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert (cp_dir / "pids" / "kube-apiserver").read_text().strip() != old_pid
    assert not (cp_dir / "restarting-kube-apiserver").exists()
    assert server.kubectl("get", "--raw", "/readyz").stdout.strip() == "ok"
    # The stand-in did not take the restart for a crash.
    time.sleep(5)
    assert server.process.poll() is None, server.log()[-3000:]
    assert server.node("head-0") is not None


def test_server_restart_keeps_state_and_sigterm_leaves_nothing_behind(server):
    data = server.data_dir() / "server"
    token_before = (data / "token").read_text()
    assert server.stop() == 0
    assert "Received SIGTERM, shutting down" in server.log()
    leftovers = processes_mentioning(server.data_dir())
    assert not leftovers, f"processes left after SIGTERM: {leftovers}"

    server.start().wait_for_log("k3s is up and running", times=2)
    # Same CA (so the same token) and the same etcd data: every node is still there.
    assert (data / "token").read_text() == token_before
    assert "Node head-0 updated" in server.log()
    for name in ("head-0", GPU_HOST_NAME, "worker-short"):
        assert server.node(name) is not None, name
    wait_for("head-0 Ready after restart", lambda: (
        node_conditions(n := server.node("head-0")).get("Ready") == "True", n), NODE_READY_TIMEOUT_S)


def test_server_exits_nonzero_when_a_component_dies(server):
    pid = int((server.control_plane_dir() / "pids" / "kube-scheduler").read_text())
    os.kill(pid, signal.SIGKILL)
    assert server.wait_exit(120) == 1
    assert "kube-scheduler exited" in server.log() and "level=fatal" in server.log()
    # It stopped the rest of the control plane too, so a supervisor can start it afresh.
    wait_for("no control-plane processes", lambda: (
        not (left := processes_mentioning(server.data_dir())), left), 30)
