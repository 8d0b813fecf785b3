"""The `floe-agent` binary (FLOE_AGENT_BIN). Only `version` exists so far; joining through the real
agent comes with the agent work, and then belongs here."""

import re
import subprocess


def test_agent_version_matches_head(agent_bin, floe_bin, tmp_path):
    agent = subprocess.run([str(agent_bin), "version"], capture_output=True, text=True, timeout=30,
                           stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert agent.returncode == 0, agent.stderr
    head = subprocess.run([str(floe_bin), "version"], capture_output=True, text=True, timeout=30,
                          stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert head.returncode == 0, head.stderr
    version = re.search(r"\d+\.\d+\.\d+", agent.stdout)
    assert version, agent.stdout
    assert version.group(0) in head.stdout, (agent.stdout, head.stdout)


def test_agent_usage_error(agent_bin, tmp_path):
    res = subprocess.run([str(agent_bin), "no-such-command"], capture_output=True, text=True, timeout=30,
                         stdin=subprocess.DEVNULL, cwd=tmp_path)
    assert res.returncode == 2, (res.returncode, res.stderr)
