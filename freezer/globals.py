"""Context locals: the current request and site while a view or template runs."""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, cast

from werkzeug.local import LocalProxy

if TYPE_CHECKING:
    from .site import RequestContext, Site
    from .wrappers import Request

_no_request_msg = """\
Working outside of a request.

This code needs the request being served (request, url_for, render_template).
In a view or template that is automatic. Elsewhere, open one yourself:

    with site.test_request_context("/"):
        ...
"""

_cv_request: ContextVar[RequestContext] = ContextVar("freezer.request_ctx")

request: Request = cast(
    "Request", LocalProxy(_cv_request, "request", unbound_message=_no_request_msg)
)
current_site: Site = cast("Site", LocalProxy(_cv_request, "site", unbound_message=_no_request_msg))
