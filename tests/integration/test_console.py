"""The web console's server side over real HTTPS: the admin account `floe init` creates,
`floe admin reset-password`, session cookies reaching the same handlers as the admin
certificate, CSRF, the files compiled into the binary, and the agent download text the
CLI and the console share. (The pages themselves: tests/browser.)"""

from __future__ import annotations

import json
import re

import requests

from conftest import DEFAULT_SERVE_ARGS, Head

PASSWORD_RE = re.compile(r"^[a-km-zA-HJ-NP-Z2-9]{20}$")


def console_session(head: Head, password: str, user: str = "admin") -> tuple[requests.Session, str]:
    session = requests.Session()
    session.verify = head.ca
    session.trust_env = False  # else REQUESTS_CA_BUNDLE from the environment overrides verify
    res = session.post(head.url + "/api/v1/console/login", json={"user": user, "password": password}, timeout=30)
    assert res.status_code == 200, res.text
    return session, res.json()["csrf_token"]


def reset_password(head: Head) -> str:
    answer = head.cli_json("admin", "reset-password")
    assert answer["console_user"] == "admin"
    assert PASSWORD_RE.match(answer["console_password"]), answer
    return answer["console_password"]


def test_init_prints_the_console_password_once_and_it_logs_in(floe_bin, tmp_path):
    head = Head(floe_bin, tmp_path / "head", serve_args=DEFAULT_SERVE_ARGS)
    first = head.init("--json")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    password = report["console_password"]
    assert report["console_user"] == "admin" and PASSWORD_RE.match(password), report
    again = head.init("--json")
    assert again.returncode == 0, again.stderr
    assert "console_password" not in json.loads(again.stdout), "a second init must not print a password"
    head.start()
    try:
        session, _ = console_session(head, password)
        assert session.get(head.url + "/api/v1/nodes", timeout=10).status_code == 200
        wrong = requests.post(head.url + "/api/v1/console/login", json={"user": "admin", "password": "x" * 20},
                              verify=head.ca, timeout=30)
        assert wrong.status_code == 401
        assert password not in head.log_text(), "the console password reached the server log"
        assert password not in (head.db_path.read_bytes()).decode("latin-1"), "the password is stored in clear"
    finally:
        head.cleanup()


def test_reset_password_replaces_the_password_and_ends_sessions(head):
    old = reset_password(head)
    session, _ = console_session(head, old)
    new = reset_password(head)
    assert new != old
    assert session.get(head.url + "/api/v1/nodes", timeout=10).status_code == 401
    assert requests.post(head.url + "/api/v1/console/login", json={"user": "admin", "password": old},
                         verify=head.ca, timeout=30).status_code == 401
    console_session(head, new)


def test_session_cookie_is_secure_and_reaches_the_cli_handlers_with_csrf(head):
    password = reset_password(head)
    res = requests.post(head.url + "/api/v1/console/login", json={"user": "admin", "password": password},
                        verify=head.ca, timeout=30)
    cookie = res.headers["Set-Cookie"]
    for attribute in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
        assert attribute in cookie, cookie
    session, csrf = console_session(head, password)
    refused = session.post(head.url + "/api/v1/tokens", json={"ttl_seconds": 600}, timeout=10)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed", refused.text
    created = session.post(head.url + "/api/v1/tokens", json={"ttl_seconds": 600, "description": "from the console"},
                           headers={"X-CSRF-Token": csrf}, timeout=10)
    assert created.status_code == 201, created.text
    head.secrets.append(created.json()["secret"])
    # The CLI (admin certificate) sees what the console created: one set of handlers.
    listed = head.cli_json("token", "list")
    assert [t["description"] for t in listed["tokens"]] == ["from the console"]
    out = session.post(head.url + "/api/v1/console/logout", headers={"X-CSRF-Token": csrf}, timeout=10)
    assert out.status_code == 200
    assert session.get(head.url + "/api/v1/nodes", timeout=10).status_code == 401
    events = {e["kind"] for e in head.cli_json("events", "--limit", "50")["events"]}
    assert {"console.login", "console.logout", "token.created"} <= events, events


def test_console_files_come_from_the_binary_with_their_headers(head):
    index = head.get("/")
    assert index.status_code == 200
    assert index.headers["Content-Type"] == "text/html; charset=utf-8"
    assert index.headers["Cache-Control"] == "no-cache"
    csp = index.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, csp
    assert "<script" in index.text and "<script>" not in index.text, "inline scripts would break the CSP"
    scripts = re.findall(r'src="(/assets/[^"]+\.js)"', index.text)
    assert scripts, index.text
    script = head.get(scripts[0])
    assert script.status_code == 200
    assert script.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert script.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert head.get(scripts[0], headers={"If-None-Match": script.headers["ETag"]}).status_code == 304
    route = head.get("/nodes/some-node-id")
    assert route.status_code == 200 and route.text == index.text
    missing = head.get("/assets/index-gone.js")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    api = head.get("/api/v1/nothing")
    assert api.status_code == 404 and api.headers["Content-Type"] == "application/json"


def test_cli_and_console_print_the_same_agent_download_text(head):
    (head.data_dir / "downloads" / "floe-agent_0.1.0-1_amd64.deb").write_bytes(b"package bytes")
    answer = head.admin_post("/api/v1/tokens", {"ttl_seconds": 600}).json()
    head.secrets.append(answer["secret"])
    text = answer["agent_download_instructions"]
    assert f"-O {head.url}/downloads/floe-agent_0.1.0-1_amd64.deb" in text, text
    res = head.run_cli("token", "create", "--ttl", "10m")
    assert res.returncode == 0, res.stderr
    head.secrets.extend(re.findall(r"FLOE1-\S+", res.stdout))
    assert text in res.stdout, f"CLI output:\n{res.stdout}\nAPI text:\n{text}"
