"""The view helpers users call: ``url_for``, ``redirect``, ``abort``, ``make_response``."""

from __future__ import annotations

from typing import Any, NoReturn
from urllib.parse import quote

from werkzeug.exceptions import abort as _abort
from werkzeug.utils import redirect as _redirect
from werkzeug.wrappers import Response as BaseResponse

from .globals import _cv_request, _no_request_msg
from .wrappers import Response


def url_for(
    endpoint: str,
    *,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    _external: bool | None = None,
    **values: Any,
) -> str:
    """Return the URL of ``endpoint`` with ``values`` filled in (extra values become a query).

    Example::

        url_for("post", slug="hello")          # "/posts/hello/"
        url_for("static", filename="site.css") # "/static/site.css"
    """
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(_no_request_msg)
    clean = {key: value for key, value in values.items() if value is not None}
    url = ctx.url_adapter.build(
        endpoint,
        clean,
        method=_method,
        url_scheme=_scheme,
        force_external=bool(_external) or _scheme is not None,
    )
    if ctx.recorder is not None:
        ctx.recorder.urls.append(url)
    if _anchor is not None:
        url += "#" + quote(_anchor, safe="%!#$&'()*+,/:;=?@")
    return url


def redirect(location: str, code: int = 302) -> BaseResponse:
    """Return a response that redirects to ``location``."""
    return _redirect(location, code, Response=Response)


def abort(code: int | BaseResponse, *args: Any, **kwargs: Any) -> NoReturn:
    """Stop the view with an HTTP error (rendered by the matching error handler)."""
    _abort(code, *args, **kwargs)


def make_response(*args: Any) -> BaseResponse:
    """Turn a view's return value (or nothing) into a Response to add headers to."""
    ctx = _cv_request.get(None)
    if ctx is None:
        raise RuntimeError(_no_request_msg)
    if not args:
        return Response()
    return ctx.site.make_response(args[0] if len(args) == 1 else args)
