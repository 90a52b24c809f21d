"""``freezer serve``: a live preview that reloads the browser when a source file changes.

Built on livereload: its tornado server, websocket handler, ``livereload.js``
and file ``Watcher``. Two of its behaviours are replaced, on purpose:

- Script injection: livereload only injects before a ``</head>`` found in the
  first chunk of a response. ``inject_script`` injects into every HTML
  response, wherever ``</head>`` is, or before ``</body>``, or at the end.
- Scheduling: livereload polls every 800 ms and drops any change that comes
  less than 3 s after a reload, which loses saves. ``Preview`` polls every
  100 ms (slower for large trees), waits for 100 ms of quiet so a burst of
  saves gives one reload, and never drops a change.

A change to the site's Python code re-imports it in this process; if the new
code fails to import, the last good version keeps serving and every page
shows the error until the next good save.
"""

from __future__ import annotations

import datetime as dt
import errno
import html
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from livereload import Server
from livereload.handlers import LiveReloadHandler
from tornado import httputil, web
from tornado.ioloop import IOLoop, PeriodicCallback
from tornado.wsgi import WSGIContainer

from .errors import FreezerError, UsageError
from .loading import load_site
from .paths import is_editor_litter
from .site import Site, _is_loopback
from .static_host import StaticHost
from .watch import InotifyWatcher, make_watcher

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment
    from tornado.httputil import HTTPServerRequest

    from .build import Freezer

logger = logging.getLogger("freezer.serve")

_HEAD_END = re.compile(rb"</head\s*>", re.I)
_BODY_END = re.compile(rb"</body\s*>", re.I)
_BODY_START = re.compile(rb"<body\b[^>]*>", re.I)
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

#: How long the tree must stay unchanged before a reload, so a burst gives one reload.
QUIET_SECONDS = 0.1
#: The same, when the system reports changes as they happen (inotify).
EVENT_QUIET_SECONDS = 0.03


def inject_script(body: bytes, script: bytes) -> bytes:
    """Return ``body`` with ``script`` before ``</head>``, else ``</body>``, else at the end."""
    for pattern in (_HEAD_END, _BODY_END):
        match = pattern.search(body)
        if match is not None:
            return body[: match.start()] + script + body[match.start() :]
    return body + script


def error_banner(message: str) -> bytes:
    """Return an HTML block that shows ``message`` on top of the page."""
    return (
        '<div id="freezer-error" style="position:sticky;top:0;z-index:2147483647;margin:0;'
        "padding:1em;background:#b00020;color:#fff;font:14px/1.4 monospace;"
        'white-space:pre-wrap">' + html.escape(message) + "</div>"
    ).encode()


def inject_banner(body: bytes, banner: bytes) -> bytes:
    """Return an HTML body with ``banner`` right after ``<body>`` (or at the start)."""
    match = _BODY_START.search(body)
    position = match.end() if match is not None else 0
    return body[:position] + banner + body[position:]


def _log_date() -> str:
    now = dt.datetime.now()
    return f"{now.day:02d}/{_MONTHS[now.month - 1]}/{now.year:04d} {now:%H:%M:%S}"


class SiteHolder:
    """The site being previewed; re-imports it when its code changes, keeping the last good one."""

    def __init__(self, app_spec: str | None, cwd: Path, debug: bool = False) -> None:
        self.app_spec = app_spec
        self.cwd = cwd
        self.debug = debug
        self.error: str | None = None
        self.site = self._load()

    def _load(self) -> Site:
        site = load_site(self.app_spec, self.cwd)
        site.debug = self.debug
        return site

    def _own_modules(self) -> dict[str, str]:
        """The site's own imported modules (not installed packages): name -> file."""
        root = os.path.abspath(self.site.root_path) + os.sep
        own = {}
        for name, module in list(sys.modules.items()):
            filename = getattr(module, "__file__", None)
            if filename and _is_own_code(filename, root):
                own[name] = os.path.abspath(filename)
        return own

    def code_files(self) -> list[str]:
        """The site's own Python files that are imported now."""
        return sorted({f for f in self._own_modules().values() if f.endswith(".py")})

    def reload(self) -> bool:
        """Re-import the site's code; on failure keep the old site and remember the error."""
        for name in self._own_modules():
            del sys.modules[name]
        try:
            self.site = self._load()
        except FreezerError as error:
            self.error = (
                f"The site's code failed to load; still serving the last good version.\n{error}"
            )
            logger.error("%s", self.error)
            return False
        self.error = None
        return True

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.site(environ, start_response)


def _is_own_code(filename: str, root: str) -> bool:
    path = os.path.abspath(filename)
    return path.startswith(root) and "site-packages" not in path and not path.startswith(sys.prefix)


class PreviewResponder:
    """Tornado fallback: runs a WSGI app, injects the reload script, logs like werkzeug."""

    def __init__(
        self, app: WSGIApplication, script: bytes, banner: Callable[[], str | None]
    ) -> None:
        self.app = app
        self.script = script
        self.banner = banner

    def __call__(self, request: HTTPServerRequest) -> None:
        data: dict[str, Any] = {}
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            data["status"], data["headers"] = status, headers
            return chunks.append

        environ = WSGIContainer(self.app).environ(request)
        result = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        body = b"".join(chunks)
        status_code, reason = data["status"].split(" ", 1)
        headers = [(k, v) for k, v in data["headers"] if k.lower() != "content-length"]
        content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
        if (
            content_type.startswith(("text/html", "application/xhtml+xml"))
            and request.method != "HEAD"
        ):
            message = self.banner()
            if message:
                body = inject_banner(body, error_banner(message))
            body = inject_script(body, self.script)
        header_obj = httputil.HTTPHeaders()
        for key, value in headers:
            header_obj.add(key, value)
        if status_code != "304":
            header_obj["Content-Length"] = str(len(body))
        start_line = httputil.ResponseStartLine("HTTP/1.1", int(status_code), reason)
        assert request.connection is not None
        request.connection.write_headers(
            start_line, header_obj, chunk=body if request.method != "HEAD" else b""
        )
        request.connection.finish()
        logger.info(
            '%s - - [%s] "%s %s %s" %s -',
            request.remote_ip,
            _log_date(),
            request.method,
            request.uri,
            request.version,
            status_code,
        )


class Preview(Server):  # type: ignore[misc]
    """livereload's server with our injection, our polling, and a reload action."""

    def __init__(self, app: WSGIApplication, banner: Callable[[], str | None]) -> None:
        super().__init__(watcher=make_watcher())
        self.wsgi = app
        self.banner = banner
        self.on_change: Callable[[set[str]], str | None] = lambda paths: "*"
        self._watched: set[str] = set()
        self._pending: set[str] = set()
        self._settling = False
        self._poller: PeriodicCallback | None = None
        self._quiet = QUIET_SECONDS

    def get_web_handlers(self, script: bytes) -> list[Any]:
        """Serve every URL through the WSGI app (livereload's own paths come first)."""
        responder = PreviewResponder(self.wsgi, script, self.banner)
        return [(r".*", web.FallbackHandler, {"fallback": responder})]

    def watch_paths(self, paths: Iterable[str]) -> None:
        """Watch files and folders not watched yet (compiled files and dotfolders ignored)."""
        for path in paths:
            if path not in self._watched and os.path.exists(path):
                self._watched.add(path)
                self.watcher.watch(path, None, None, ignore=_ignored)
        self._poll_what_inotify_cannot_watch()

    def _changed_paths(self) -> set[str]:
        changed: set[str] = set()
        # examine() reports one changed file per watched path per call: drain them all.
        for _ in range(1000):
            path, _delay = self.watcher.examine()
            if not path:
                break
            changed.add(path)
        return changed

    def _poll(self) -> None:
        started = time.monotonic()
        changed = self._changed_paths()
        self._adapt_interval(time.monotonic() - started)  # the scan only, not what follows
        if changed:
            self._pending |= changed
            if not self._settling:
                self._settling = True
                IOLoop.current().call_later(self._quiet, self._settle)
        self._poll_what_inotify_cannot_watch()

    def _settle(self) -> None:
        """Act on the pending changes once no new change arrived for QUIET_SECONDS."""
        changed = self._changed_paths()
        if changed:
            self._pending |= changed
            IOLoop.current().call_later(self._quiet, self._settle)
            return
        self._settling = False
        paths, self._pending = self._pending, set()
        logger.info("Changed: %s", ", ".join(sorted(os.path.relpath(p) for p in paths)))
        reload_path = self.on_change(paths)
        if reload_path is not None:
            LiveReloadHandler.reload_waiters(reload_path)

    def _poll_what_inotify_cannot_watch(self) -> None:
        # A path added while serving, or a new folder, may be past the system's limit.
        if self._poller is None and getattr(self.watcher, "needs_polling", False):
            self._start_polling()

    def _start_polling(self) -> None:
        self._poller = PeriodicCallback(self._poll, 100)
        self._poller.start()

    def _adapt_interval(self, scan_seconds: float) -> None:
        # Scanning a large tree costs CPU: keep scans under a fifth of the time.
        interval_ms = max(100.0, scan_seconds * 5000)
        if self._poller is not None and abs(self._poller.callback_time - interval_ms) > 50:
            self._poller.callback_time = interval_ms

    def run(self, host: str, port: int) -> None:
        """Listen on host:port and serve until interrupted."""
        # Files saved since watching began (while a first build ran) are acted on; a
        # polling watcher's first look only records what is there.
        early = self.watcher.reported() if isinstance(self.watcher, InotifyWatcher) else set()
        self._changed_paths()
        self._pending |= early
        try:
            self.application(port, host, liveport=None, debug=False, live_css=True)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise UsageError(
                    f"port {port} on {host} is already in use; stop the other server or pass "
                    f"--port {port + 1}"
                ) from error
            raise UsageError(f"cannot listen on {host}:{port}: {error.strerror}") from error
        if self.watcher.start(self._poll):
            self._quiet = EVENT_QUIET_SECONDS  # told at once: no scan to wait for
        else:
            self._start_polling()
        if self._pending:
            self._settling = True
            IOLoop.current().call_later(self._quiet, self._settle)
        try:
            IOLoop.current().start()
        except KeyboardInterrupt:
            logger.info("Stopped.")


def _ignored(path: str) -> bool:
    name = os.path.basename(path)
    return is_editor_litter(name) or name.endswith(".tmp")


def _reload_target(paths: set[str]) -> str:
    # livereload.js swaps a stylesheet in place when told which one changed.
    if len(paths) == 1:
        (only,) = paths
        if only.endswith(".css"):
            return only
    return "*"


def _site_paths(holder: SiteHolder) -> list[str]:
    site = holder.site
    paths = [*holder.code_files(), os.path.join(site.root_path, "pyproject.toml")]
    for folder in (site.template_folder, site.static_folder):
        if folder is not None:
            paths.append(folder)
    paths.extend(str(source.folder) for source in site.content_sources)
    return paths


def check_host(host: str, debug: bool, unsafe_debug: bool) -> None:
    """Refuse the debugger on a non-loopback address unless the user insists."""
    if debug and not _is_loopback(host) and not unsafe_debug:
        raise UsageError(
            f"--debug on {host} would let anyone who can reach this port run code on this "
            "machine through the debugger; serve on 127.0.0.1, or add --unsafe-debug if you "
            "really mean it"
        )


def serve_live(app_spec: str | None, host: str, port: int, debug: bool) -> None:
    """Serve the site dynamically with live reload until interrupted."""
    holder = SiteHolder(app_spec, Path.cwd(), debug=debug)
    app: WSGIApplication = holder
    if debug:
        from werkzeug.debug import DebuggedApplication

        debugged = DebuggedApplication(holder, evalex=True)
        logger.warning("Debugger is active! Debugger PIN: %s", debugged.pin)
        app = debugged
    server = Preview(app, banner=lambda: holder.error)
    server.watch_paths(_site_paths(holder))

    def on_change(paths: set[str]) -> str:
        if any(p.endswith(".py") for p in paths) and holder.reload():
            server.watch_paths(_site_paths(holder))
        return _reload_target(paths)

    server.on_change = on_change
    logger.info(
        "Serving %s live on http://%s:%s/ (drafts shown; Ctrl-C to stop)",
        holder.site.import_name,
        host,
        port,
    )
    server.run(host, port)


def serve_built(
    app_spec: str | None, host: str, port: int, make_freezer: Callable[[Site], Freezer]
) -> None:
    """Build the site, serve the files as GitHub Pages would, rebuild on change."""
    holder = SiteHolder(app_spec, Path.cwd())
    freezer = make_freezer(holder.site)
    state: dict[str, str | None] = {"error": None}

    def rebuild(changed: set[str] | None = None) -> bool:
        try:
            report = freezer.build(changed=changed)
        except FreezerError as error:
            state["error"] = f"The build failed; still serving the last good build.\n{error}"
            logger.error("%s", state["error"])
            return False
        state["error"] = None
        for warning in report.warnings:
            logger.warning("warning: %s", warning)
        logger.info("%s", report.summary())
        return True

    location = freezer.config.location
    static = StaticHost(freezer.config.destination, location.base_path)
    server = Preview(static, banner=lambda: holder.error or state["error"])
    server.watch_paths(_site_paths(holder))  # first: a save during the first build is seen
    if not rebuild() and not (freezer.config.destination / "index.html").exists():
        raise FreezerError(state["error"] or "the build failed")

    unbuilt: set[str] = set()  # files changed since the last build that succeeded

    def on_change(paths: set[str]) -> str:
        nonlocal freezer
        # Every change since the last good build: content folders need no other scan.
        unbuilt.update(paths)
        if any(p.endswith(".py") for p in paths):
            if not holder.reload():
                return "*"  # show the import error; the last good build stays
            freezer = make_freezer(holder.site)
            server.watch_paths(_site_paths(holder))
            if rebuild():  # a new site: its content is read afresh
                unbuilt.clear()
        elif rebuild(unbuilt):
            unbuilt.clear()
        return "*"

    server.on_change = on_change
    logger.info(
        "Serving the build of %s on http://%s:%s%s/ (Ctrl-C to stop)",
        holder.site.import_name,
        host,
        port,
        location.base_path,
    )
    server.run(host, port)
