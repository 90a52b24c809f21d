"""freezer serve: live preview with reload, error recovery, and the built site as GitHub Pages serves it."""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

from freezer.serve import inject_script

from .conftest import PYTHON, free_port, http_get, wait_for, write

SCRIPT = b"<script>reload()</script>"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b"<html><head><title>t</title></head><body>x</body></html>",
            b"<html><head><title>t</title><script>reload()</script></head><body>x</body></html>",
        ),
        (b"<HTML><HEAD></HEAD></HTML>", b"<HTML><HEAD><script>reload()</script></HEAD></HTML>"),
        (b"<p>no head</p></body>", b"<p>no head</p><script>reload()</script></body>"),
        (b"<p>fragment</p>", b"<p>fragment</p><script>reload()</script>"),
    ],
)
def test_inject_script(body, expected):
    assert inject_script(body, SCRIPT) == expected


def test_inject_script_past_64_kib():
    body = b"<html><head>" + b"<meta name=x content=y>" * 5000 + b"</head><body></body></html>"
    assert len(body) > 64 * 1024
    result = inject_script(body, SCRIPT)
    assert result.count(SCRIPT) == 1
    assert result.index(SCRIPT) == body.index(b"</head>")


APP = """
from freezer import Site, render_template
from freezer.pages import Pages

site = Site(__name__)
posts = Pages(site, "content")

@site.route("/")
def index():
    return render_template("index.html", posts=posts)

@site.route("/posts/<slug>/", values=posts.values("slug"))
def post(slug):
    return render_template("index.html", posts=[posts.get_or_404(slug)])

@site.route("/about")
def about():
    return "<p>about</p>"

@site.route("/boom/", freeze=False)
def boom():
    raise RuntimeError("kaboom")
"""


@pytest.fixture
def project(tmp_path):
    write(tmp_path / "app.py", APP)
    write(
        tmp_path / "templates/index.html",
        """
        <!doctype html><html><head><title>Preview</title></head><body>
        <h1>Hello from the template</h1>
        {% for p in posts %}<article>{{ p.title }}: {{ p.html }}</article>{% endfor %}
        </body></html>
        """,
    )
    write(tmp_path / "static/style.css", "body { color: black }")
    write(tmp_path / "content/first.md", "---\ntitle: First\n---\nFirst body.\n")
    write(
        tmp_path / "content/secret.md", "---\ntitle: Secret draft\ndraft: true\n---\nDraft body.\n"
    )
    return tmp_path


def start_server(spawn, project: Path, *args: str) -> tuple[str, Path]:
    """Start `freezer serve` in ``project``; return its root URL and its log file."""
    port = free_port()
    log = project.parent / f"serve-{port}.log"
    with log.open("w") as handle:  # the child keeps its own copy of the descriptor
        spawn(
            [PYTHON, "-m", "freezer.cli", "serve", "--port", str(port), *args],
            cwd=project,
            stdout=handle,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    wait_for(
        lambda: http_get(url + "static/style.css")[0] in (200, 404), what="the server", timeout=30
    )
    return url, log


def test_live_serves_pages_with_reload_script_and_logs_requests(spawn, project):
    url, log = start_server(spawn, project)
    status, _headers, body = http_get(url)
    assert status == 200
    assert b"Hello from the template" in body
    assert b"livereload.js" in body
    assert b"Secret draft" in body  # drafts are visible while writing
    status, _, css = http_get(url + "static/style.css")
    assert (status, css) == (200, b"body { color: black }")
    assert http_get(url + "nothing/")[0] == 404
    about = http_get(url + "about")[2]
    assert about.startswith(b"<p>about</p>") and b"livereload.js" in about  # no </head> at all
    wait_for(lambda: '"GET /nothing/ HTTP/1.1" 404 -' in log.read_text(), what="the log line")
    assert re.search(
        r'127\.0\.0\.1 - - \[\d\d/\w{3}/\d{4} [\d:]{8}\] "GET / HTTP/1\.1" 200 -', log.read_text()
    )


def test_view_error_shows_error_page_and_server_keeps_serving(spawn, project):
    url, log = start_server(spawn, project)
    status, _, body = http_get(url + "boom/")
    assert status == 500
    assert b"Internal Server Error" in body
    wait_for(lambda: "RuntimeError: kaboom" in log.read_text(), what="the traceback in the log")
    assert http_get(url)[0] == 200


def test_debug_shows_traceback_in_browser(spawn, project):
    url, _ = start_server(spawn, project, "--debug")
    status, _, body = http_get(url + "boom/")
    assert status == 500
    assert b"Traceback" in body and b"kaboom" in body


def test_python_change_reloads_code_and_syntax_error_keeps_last_good_version(spawn, project):
    url, _log = start_server(spawn, project)
    app = project / "app.py"
    app.write_text(APP + '\n@site.route("/new/")\ndef new():\n    return "<p>brand new</p>"\n')
    wait_for(lambda: http_get(url + "new/")[0] == 200, what="the new route")
    app.write_text(APP + "\ndef broken(:\n")
    wait_for(lambda: b"freezer-error" in http_get(url)[2], what="the error banner")
    status, _, body = http_get(url)
    assert status == 200 and b"Hello from the template" in body  # the last good version
    assert b"SyntaxError" in body
    assert http_get(url + "new/")[0] == 200
    app.write_text(APP + '\n@site.route("/newer/")\ndef newer():\n    return "<p>newer</p>"\n')
    wait_for(lambda: http_get(url + "newer/")[0] == 200, what="recovery")
    assert b"freezer-error" not in http_get(url)[2]


def test_burst_of_saves_is_one_change(spawn, project):
    _url, log = start_server(spawn, project)
    for name in ("a.md", "b.md", "c.md"):
        write(project / "content" / name, f"---\ntitle: {name}\n---\n")
    wait_for(lambda: "Changed:" in log.read_text(), what="the change")
    first = next(line for line in log.read_text().splitlines() if line.startswith("Changed:"))
    assert all(name in first for name in ("a.md", "b.md", "c.md")), first


def test_debug_on_public_host_refused(runner, project, monkeypatch):
    from freezer.cli import cli

    monkeypatch.chdir(project)
    result = runner.invoke(cli, ["serve", "--host", "0.0.0.0", "--debug"])
    assert result.exit_code == 2
    assert "--unsafe-debug" in result.output


def test_port_in_use_is_named(spawn, project):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = spawn([PYTHON, "-m", "freezer.cli", "serve", "--port", str(port)], cwd=project)
        assert proc.wait(timeout=30) == 2
        assert f"port {port} on 127.0.0.1 is already in use" in proc.stderr.read()


def test_built_mode_serves_like_github_pages_and_rebuilds(spawn, project):
    write(project / "pyproject.toml", '[tool.freezer]\nbase_url = "https://me.github.io/repo/"\n')
    (project / "app.py").write_text(
        APP + '\n@site.errorhandler(404)\ndef nf(e):\n    return "<p>custom 404</p>", 404\n'
    )
    url, _log = start_server(spawn, project, "--built")
    root = url + "repo/"
    wait_for(lambda: http_get(root)[0] == 200, what="the built site")
    status, _headers, body = http_get(root)
    assert b"Hello from the template" in body and b"livereload.js" in body
    assert b"Secret draft" not in body  # a build leaves drafts out
    assert http_get(root + "about")[2].startswith(b"<p>about</p>")
    status, _, body = http_get(root + "nowhere")
    assert (status, body.startswith(b"<p>custom 404</p>")) == (404, True)
    assert http_get(root + "static/style.css")[1]["Content-Type"].startswith("text/css")
    assert b"livereload" not in (project / "build/index.html").read_bytes()  # never in the build
    template = project / "templates/index.html"
    template.write_text(template.read_text().replace("Hello from the template", "Rebuilt heading"))
    wait_for(lambda: b"Rebuilt heading" in http_get(root)[2], what="the rebuild")
    template.write_text("{% broken %}")
    wait_for(lambda: b"freezer-error" in http_get(root)[2], what="the failed rebuild banner")
    assert b"Rebuilt heading" in http_get(root)[2]  # the last good build is still served
    assert b"Rebuilt heading" in (project / "build/index.html").read_bytes()
