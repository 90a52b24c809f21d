"""site.run() serves through werkzeug's development server, logging each request."""

from __future__ import annotations

import re

from .conftest import PYTHON, free_port, http_get, stop_group, wait_for, write

ANSI = re.compile(r"\x1b\[[0-9;]*m")

APP = """
from freezer import Site
site = Site(__name__)

@site.route("/")
def index():
    return "served by run()"

if __name__ == "__main__":
    import sys
    site.run(host=sys.argv[1], port=int(sys.argv[2]), debug=sys.argv[3] == "debug")
"""


def test_run_serves_and_logs_one_line_per_request(tmp_path, spawn):
    app = write(tmp_path / "app.py", APP)
    port = free_port()
    proc = spawn([PYTHON, str(app), "127.0.0.1", str(port), "nodebug"], cwd=tmp_path)
    status, _, body = wait_for(lambda: http_get(f"http://127.0.0.1:{port}/"), what="server")
    assert (status, body) == (200, b"served by run()")
    assert http_get(f"http://127.0.0.1:{port}/missing")[0] == 404
    stop_group(proc)
    stderr = ANSI.sub("", proc.stderr.read())  # werkzeug may colour the status
    assert re.search(r'127\.0\.0\.1 - - \[.+\] "GET / HTTP/1\.1" 200 -', stderr), stderr
    assert re.search(r'"GET /missing HTTP/1\.1" 404 -', stderr), stderr


def test_debug_on_public_host_warns_loudly(tmp_path, spawn):
    app = write(tmp_path / "app.py", APP)
    port = free_port()
    proc = spawn([PYTHON, str(app), "0.0.0.0", str(port), "debug"], cwd=tmp_path)
    wait_for(lambda: http_get(f"http://127.0.0.1:{port}/")[0] == 200, what="debug server")
    stop_group(proc)
    stderr = proc.stderr.read()
    assert "DEBUG MODE ON A PUBLIC ADDRESS (0.0.0.0)" in stderr
    assert "Debugger is active" in stderr
