"""Request and Response classes: werkzeug's, with HTML as the default body type."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import Rule
from werkzeug.wrappers import Request as _WerkzeugRequest
from werkzeug.wrappers import Response as _WerkzeugResponse

from .recorder import recorder_of


class Request(_WerkzeugRequest):
    """The incoming request; notes reads of the query string and cookies for the build."""

    def _note_read(self, what: str) -> None:
        recorder = recorder_of(self.environ)
        if recorder is not None:
            recorder.reads.add(what)

    #: The URL rule and values that matched this request (set when the URL matched).
    url_rule: Rule | None = None
    view_args: Mapping[str, Any] | None = None

    @property
    def endpoint(self) -> str | None:
        """The endpoint of the rule that matched, or None (as in Flask)."""
        return self.url_rule.endpoint if self.url_rule is not None else None

    @property
    def args(self) -> MultiDict[str, str]:
        """The parsed query string (a static host cannot honour it)."""
        self._note_read("the query string")
        return super().args

    @property
    def cookies(self) -> ImmutableMultiDict[str, str]:
        """The request's cookies (a static host cannot honour them)."""
        self._note_read("cookies")
        return super().cookies

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.full_path!r}>"


class Response(_WerkzeugResponse):
    """A response; ``text/html`` unless told otherwise, as in Flask."""

    default_mimetype = "text/html"
