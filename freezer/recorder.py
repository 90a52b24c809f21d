"""What one render touched: the URLs it built, the request data it read, the error it hit.

The Site layer fills a recorder when one is put in the WSGI environ; the build
reads it afterwards. This is the hook that lets the crawler follow ``url_for``
calls without patching anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

ENVIRON_KEY = "freezer.recorder"
#: Put an HTTP error code here to have the site answer with its handler's error page.
ERROR_PAGE_KEY = "freezer.error_page"


@dataclass
class RenderRecorder:
    """Collects what a single request did while it was rendered."""

    urls: list[str] = field(default_factory=list)
    reads: set[str] = field(default_factory=set)
    #: Content the render depended on ("page:<file>", "listing:<folder>"), for rebuilds.
    deps: set[str] = field(default_factory=set)
    exception: BaseException | None = None


def recorder_of(environ: dict[str, Any]) -> RenderRecorder | None:
    """Return the recorder a caller put in ``environ``, if any."""
    return environ.get(ENVIRON_KEY)


# The dependency keys being collected now: a render's (set by its request
# context) or a URL generator's (set by the build while it expands seeds).
_cv_dependencies: ContextVar[set[str] | None] = ContextVar("freezer.dependencies", default=None)


def note_dependency(key: str) -> None:
    """Record that what is being rendered or generated now depends on the content ``key``."""
    deps = _cv_dependencies.get()
    if deps is not None:
        deps.add(key)


@contextmanager
def recording_dependencies(deps: set[str]) -> Iterator[set[str]]:
    """Collect into ``deps`` every dependency noted while the block runs."""
    token = _cv_dependencies.set(deps)
    try:
        yield deps
    finally:
        _cv_dependencies.reset(token)
