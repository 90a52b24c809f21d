"""Shared fixtures: a small site in tmp_path, its test client, and a CLI runner."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from freezer import Site


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """An empty Site rooted in tmp_path, with templates/ and static/ folders."""
    (tmp_path / "templates").mkdir()
    (tmp_path / "static").mkdir()
    return Site("testsite", root_path=tmp_path)


@pytest.fixture
def client(site: Site):  # type: ignore[no-untyped-def]
    """A werkzeug test client for ``site``."""
    return site.test_client()


@pytest.fixture
def runner() -> CliRunner:
    """A click runner for the ``freezer`` command."""
    return CliRunner()


def write(path: Path, text: str) -> Path:
    """Write dedented ``text`` to ``path``, creating folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> object:
    """Poll ``check`` until it returns a truthy value, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as error:  # a server still starting refuses connections
            last_error = error
        else:
            if result:
                return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; last error: {last_error!r}")


def http_get(url: str) -> tuple[int, dict[str, str], bytes]:
    """GET ``url`` with the standard library; return status, headers and body."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def stop_group(proc: subprocess.Popen[str]) -> None:
    """Stop ``proc`` and every process in its group, waiting for it to exit."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@pytest.fixture
def spawn() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start subprocesses for a test and make sure every one is stopped afterwards."""
    started: list[subprocess.Popen[str]] = []

    def start(args: list[str], **kwargs: object) -> subprocess.Popen[str]:
        options: dict[str, object] = {
            "stdout": subprocess.PIPE,
            "stderr": subprocess.PIPE,
            "text": True,
            "start_new_session": True,  # so the whole group (reloader children too) can be stopped
        }
        options.update(kwargs)
        proc = subprocess.Popen(args, **options)  # type: ignore[call-overload]
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop_group(proc)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


PYTHON = sys.executable

#: Debian's Chromium, which the browser tests drive through Playwright.
CHROMIUM = Path("/usr/bin/chromium")
#: Without the networking flags Chromium keeps trying hosts this machine cannot reach.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
