"""Time from saving a template to the open browser page showing the change, with `freezer serve`.

Usage: python bench/reload_latency.py [--runs 10]

Starts `freezer serve` on a small generated site, opens it in headless Chromium
(/usr/bin/chromium, driven by Playwright), then N times: writes the template
with a new marker and measures until the page's text contains it. Prints each
time and the median. Nothing is asserted; this is a measurement.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "app.py").write_text(APP)
        (root / "templates").mkdir()
        template = root / "templates/index.html"
        template.write_text(TEMPLATE.format(marker="start"))
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "freezer.cli", "serve", "--port", str(port)],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(url, timeout=1).close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            times = []
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
                page = browser.new_page()
                page.goto(url)
                for run in range(runs):
                    page.wait_for_function(CONNECTED, timeout=10_000)
                    marker = f"marker-{run}"
                    started = time.perf_counter()
                    template.write_text(TEMPLATE.format(marker=marker))
                    page.wait_for_function(
                        f"() => document.body.innerText.includes({marker!r})",
                        timeout=10_000,
                        polling=5,
                    )
                    elapsed = time.perf_counter() - started
                    times.append(elapsed)
                    print(f"run {run + 1}: {elapsed * 1000:.0f} ms")
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(
        f"median save-to-reloaded-page over {runs} runs: {statistics.median(times) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
