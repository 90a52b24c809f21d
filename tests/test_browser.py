"""In a real browser: a page open in `freezer serve` follows template, markdown and code edits."""

from __future__ import annotations

import pytest

from .conftest import CHROMIUM, CHROMIUM_ARGS, http_get
from .test_serve import APP, project, start_server  # noqa: F401  (project is a fixture)

sync_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
# livereload.js has finished its handshake with the server: edits from now on reach this page.
CONNECTED = "() => !!(window.LiveReload && window.LiveReload.connector && window.LiveReload.connector.protocol)"


def wait_for_text(page, text: str) -> None:
    page.wait_for_function(f"() => document.body.innerText.includes({text!r})", timeout=10_000)


def test_open_page_follows_edits_without_the_test_reloading(spawn, project):  # noqa: F811
    url, _ = start_server(spawn, project)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(url)
            wait_for_text(page, "Hello from the template")
            page.wait_for_function(CONNECTED, timeout=10_000)

            template = project / "templates/index.html"
            template.write_text(
                template.read_text().replace("Hello from the template", "Edited in the template")
            )
            wait_for_text(page, "Edited in the template")
            page.wait_for_function(CONNECTED, timeout=10_000)

            (project / "content/first.md").write_text(
                "---\ntitle: First\n---\nRewritten in markdown.\n"
            )
            wait_for_text(page, "Rewritten in markdown.")
            page.wait_for_function(CONNECTED, timeout=10_000)

            app = APP.replace(
                'render_template("index.html", posts=posts)',
                'render_template("index.html", posts=posts) + "<p>from python</p>"',
            )
            (project / "app.py").write_text(
                app + '\n@site.route("/added/")\ndef added():\n    return "<p>added route</p>"\n'
            )
            wait_for_text(page, "from python")
            status, _, body = http_get(url + "added/")
            assert status == 200 and b"added route" in body
        finally:
            browser.close()
