"""Serving a built folder the way GitHub Pages does, as a WSGI application."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from werkzeug.security import safe_join
from werkzeug.utils import redirect, send_file
from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


class StaticHost:
    """Serves ``folder`` under ``base_path`` with GitHub Pages' rules.

    ``/a/`` → ``a/index.html``; ``/a`` → ``a.html``, or a redirect to ``/a/``
    when only ``a/index.html`` exists; a miss → ``404.html`` with status 404;
    Content-Type from the file name.
    """

    def __init__(self, folder: str | os.PathLike[str], base_path: str = "") -> None:
        self.folder = os.fspath(folder)
        self.base_path = base_path.rstrip("/")

    def _file(self, relative: str) -> str | None:
        path = safe_join(self.folder, relative) if relative else self.folder
        return path if path is not None and os.path.isfile(path) else None

    def resolve(self, path: str) -> tuple[str | None, str | None]:
        """Return (file to serve, or None; URL to redirect to, or None) for a URL path."""
        if not path.startswith(self.base_path + "/"):
            if path == self.base_path:
                return None, self.base_path + "/"
            return None, None
        relative = path[len(self.base_path) + 1 :]
        if relative == "" or relative.endswith("/"):
            return self._file(relative + "index.html"), None
        found = self._file(relative)
        if found is not None:
            return found, None
        found = self._file(relative + ".html")
        if found is not None:
            return found, None
        if self._file(relative + "/index.html") is not None:
            return None, path + "/"
        return None, None

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        found, location = self.resolve(request.path)
        if location is not None:
            response: Response = redirect(location, 301)
        elif found is not None:
            response = send_file(found, environ, max_age=0)
        else:
            missing = self._file("404.html")
            if missing is not None:
                response = send_file(missing, environ, max_age=0)
                response.status_code = 404
            else:
                response = Response("404 Not Found", 404, mimetype="text/plain")
        return response(environ, start_response)
