"""Reading the log files that the tests' floe and floe-agent processes write."""

from __future__ import annotations

from pathlib import Path


def read_log(path: Path) -> str:
    """The whole log, or "" before the process has written one."""
    try:
        return path.read_bytes().decode("utf-8", "replace")
    except FileNotFoundError:
        return ""


def log_tail(title: str, path: Path, lines: int) -> str:
    """The last `lines` lines under a header naming the log, for assertion messages."""
    text = read_log(path).splitlines()
    return f"--- {title} {path} (last {lines} lines) ---\n" + "\n".join(text[-lines:])
