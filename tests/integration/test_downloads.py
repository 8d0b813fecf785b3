"""/downloads/: the head offers the floe-agent packages to workers, over TLS the worker
pins to the CA hash in its join token, and `floe token create` prints how.

Only plain files directly in <data-dir>/downloads are served: hidden files, links,
directories and names that try to leave the directory are 404s.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import subprocess

DEB = "floe-agent_0.1.0-1_amd64.deb"
RPM = "floe-agent-0.1.0-1.x86_64.rpm"


def offer(head, files: dict[str, bytes]) -> dict[str, str]:
    """Writes the files into the head's downloads dir; returns name -> sha256."""
    downloads = head.data_dir / "downloads"
    for name, content in files.items():
        (downloads / name).write_bytes(content)
    return {name: hashlib.sha256(content).hexdigest() for name, content in files.items()}


def test_init_creates_the_downloads_directory(head):
    downloads = head.data_dir / "downloads"
    assert downloads.is_dir()
    assert stat.S_IMODE(downloads.stat().st_mode) == 0o755
    assert head.get("/downloads/").json() == {"files": []}


def test_listing_and_fetching_agent_packages(head):
    digests = offer(head, {DEB: os.urandom(300_000), RPM: os.urandom(200_000)})
    listing = head.get("/downloads/").json()["files"]
    assert [f["name"] for f in listing] == sorted([DEB, RPM])
    for entry in listing:
        assert entry["sha256"] == digests[entry["name"]]
        assert entry["url"] == f"{head.url}/downloads/{entry['name']}"

    res = head.get(f"/downloads/{DEB}")
    assert res.status_code == 200
    assert hashlib.sha256(res.content).hexdigest() == digests[DEB]
    assert res.headers["Content-Type"] == "application/vnd.debian.binary-package"
    assert res.headers["X-Content-SHA256"] == digests[DEB]
    assert res.headers["Content-Disposition"] == f'attachment; filename="{DEB}"'
    assert head.get(f"/downloads/{RPM}").headers["Content-Type"] == "application/x-rpm"

    # A replaced package is served, and listed, with its new digest.
    new = offer(head, {DEB: b"rebuilt package"})[DEB]
    assert head.get(f"/downloads/{DEB}").headers["X-Content-SHA256"] == new
    assert {f["name"]: f["sha256"] for f in head.get("/downloads/").json()["files"]}[DEB] == new


def test_nothing_outside_the_directory_is_served(head):
    downloads = head.data_dir / "downloads"
    offer(head, {".hidden": b"secret"})
    (downloads / "subdir").mkdir()
    (downloads / "db-link").symlink_to(head.data_dir / "floe.db")
    (downloads / "key-link").symlink_to(head.data_dir / "pki" / "ca.key")
    assert head.get("/downloads/").json() == {"files": []}
    for path in ("/downloads/.hidden", "/downloads/subdir", "/downloads/db-link", "/downloads/key-link",
                 "/downloads/..%2Ffloe.db", "/downloads/%2e%2e%2fpki%2fca.key", "/downloads/..",
                 "/downloads/a%00b"):
        res = head.get(path)
        if path == "/downloads/..":
            # The client removes the dot segment and asks for "/": the web console's page.
            assert res.url.endswith(":%d/" % head.host_port[1]), res.url
            assert res.headers["Content-Type"].startswith("text/html"), res.headers
            continue
        assert res.status_code in (400, 404), (path, res.status_code)
        assert b"BEGIN" not in res.content and b"SQLite" not in res.content, path


def printed_download(stdout: str) -> str:
    """The shell commands `floe token create` printed for fetching the agent."""
    block = re.search(r"(?ms)^  curl -fsSk .*?-O \S+\n", stdout)
    assert block, stdout
    return block.group(0)


def test_token_create_prints_a_pinned_download_that_works(head, tmp_path):
    digests = offer(head, {DEB: os.urandom(100_000)})
    res = head.run_cli("token", "create")
    assert res.returncode == 0, res.stderr
    commands = printed_download(res.stdout)
    assert f"sha256 of {DEB}: {digests[DEB]}" in res.stdout
    pin = re.search(r"= ([0-9a-f]{64}) &&", commands).group(1)
    # Run them as a worker would (the head's certificate names 127.0.0.1).
    run = subprocess.run(["bash", "-c", commands], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"{commands}\n{run.stdout}\n{run.stderr}"
    assert hashlib.sha256((tmp_path / DEB).read_bytes()).hexdigest() == digests[DEB]

    # Someone in the middle (here: a pin that does not match) gets nothing downloaded.
    elsewhere = tmp_path / "mitm"
    elsewhere.mkdir()
    run = subprocess.run(["bash", "-c", commands.replace(pin, "0" * 64)], cwd=elsewhere, capture_output=True,
                         text=True, timeout=60)
    assert run.returncode != 0
    assert not (elsewhere / DEB).exists()


def test_token_create_without_packages_says_where_they_go(head):
    res = head.run_cli("token", "create")
    assert res.returncode == 0, res.stderr
    assert "put floe-agent's .deb/.rpm into <data-dir>/downloads/" in res.stdout, res.stdout
