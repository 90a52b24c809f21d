"""Time from saving a file to the open browser page showing the change, with `freezer serve`.

Usage: python bench/reload_latency.py [--runs 10]
       python bench/reload_latency.py --built CORPUS [--runs 10]

The first form starts `freezer serve` (live mode) on a small generated site and
edits its template. The second starts `freezer serve --built` on bench/blog
over CORPUS (a folder made by make_corpus.py) and edits one post. Each run
writes a new marker and measures until the page's text, in headless Chromium
(/usr/bin/chromium, driven by Playwright), contains it. Prints each time and
the median. Nothing is asserted; this is a measurement.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import sync_playwright

APP = """
from freezer import Site, render_template
site = Site(__name__)

@site.route("/")
def index():
    return render_template("index.html")
"""
TEMPLATE = (
    "<!doctype html><html><head><title>t</title></head><body><h1>{marker}</h1></body></html>\n"
)
CONNECTED = (
    "() => !!(window.LiveReload && window.LiveReload.connector"
    " && window.LiveReload.connector.protocol)"
)
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_up(url: str, seconds: float, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + seconds
    while True:
        if server.poll() is not None:
            sys.exit(f"freezer serve exited with code {server.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def measure(url: str, runs: int, save: Callable[[str], None]) -> list[float]:
    times = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page()
        page.goto(url)
        for run in range(runs):
            page.wait_for_function(CONNECTED, timeout=10_000)
            marker = f"marker-{run}"
            started = time.perf_counter()
            save(marker)
            page.wait_for_function(
                f"() => document.body.innerText.includes({marker!r})", timeout=60_000, polling=5
            )
            times.append(time.perf_counter() - started)
            print(f"run {run + 1}: {times[-1] * 1000:.0f} ms")
        browser.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--built", metavar="CORPUS", type=Path)
    options = parser.parse_args()
    port = free_port()
    command = [sys.executable, "-m", "freezer.cli", "serve", "--port", str(port)]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        if options.built:
            site = Path(__file__).resolve().parent / "blog"
            command += ["--built", "--app", str(site / "app.py")]
            env["FREEZER_BENCH_CORPUS"] = str(options.built.resolve())
            edited = options.built / "posts" / "post-00001.md"
            original = edited.read_text()
            url = f"http://127.0.0.1:{port}/posts/post-00001/"

            def save(marker: str) -> None:
                edited.write_text(original + f"\n{marker}\n")

        else:
            (root / "app.py").write_text(APP)
            (root / "templates").mkdir()
            template = root / "templates/index.html"
            template.write_text(TEMPLATE.format(marker="start"))
            url = f"http://127.0.0.1:{port}/"

            def save(marker: str) -> None:
                template.write_text(TEMPLATE.format(marker=marker))

        server = subprocess.Popen(
            command, cwd=root, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            wait_until_up(url, 900, server)  # --built builds the whole corpus first
            times = measure(url, options.runs, save)
        finally:
            server.terminate()
            server.wait(timeout=10)
            if options.built:
                edited.write_text(original)
    what = "a post, freezer serve --built" if options.built else "a template, freezer serve"
    median = statistics.median(times) * 1000
    print(f"{what}: median save-to-reloaded-page over {options.runs} runs: {median:.0f} ms")


if __name__ == "__main__":
    main()
