"""Discovering the site's URLs: seeds from the URL map, the frontier, rendering one URL.

``Renderer.render`` turns one site path into a ``Rendered`` result that holds
everything later stages need (bytes or the static file to copy, the links it
found, what it read), so it can run in a worker process and the frontier,
the checks and the writer stay in one place.
"""

from __future__ import annotations

import fnmatch
import itertools
import os
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, NamedTuple
from urllib.parse import urljoin, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.http import parse_options_header
from werkzeug.routing import AnyConverter, RequestRedirect, Rule
from werkzeug.routing import BuildError as RoutingBuildError
from werkzeug.security import safe_join
from werkzeug.test import EnvironBuilder, run_wsgi_app

from .errors import BuildError, UnsafePathError
from .links import link_spans
from .paths import SiteLocation, check_site_path, normalize_path, quote_path, served_type
from .recorder import ENVIRON_KEY, ERROR_PAGE_KEY, RenderRecorder
from .site import Site

#: The path the 404 handler's page is rendered from and written to.
NOT_FOUND_PATH = "/404.html"

#: A Frozen-Flask style generator: yields dicts, (endpoint, values) tuples or URL strings.
Generator = Callable[[], Iterable[Any]]

Kind = Literal["page", "static", "redirect", "alias", "missing", "excluded", "error"]


class Seed(NamedTuple):
    """A URL the build starts from, and why."""

    path: str
    endpoint: str
    origin: str


@dataclass(slots=True)
class Rendered:
    """What rendering one site path gave."""

    path: str
    kind: Kind
    endpoint: str | None = None
    status: int = 200
    mimetype: str = "text/html"
    target: str | None = None  # an alias's site path, or a redirect's absolute URL
    links: list[str] = field(default_factory=list)  # site paths found in the document
    built_urls: list[str] = field(default_factory=list)  # site paths built with url_for
    outside_links: list[str] = field(default_factory=list)  # links that leave the base path
    reads: frozenset[str] = frozenset()
    deps: frozenset[str] = frozenset()  # content the render read, for incremental builds
    problem: str | None = None
    source: str | None = None  # the static file to copy
    #: The file written for this result: (file name, sha256, size), once written.
    output: tuple[str, str, int] | None = None
    body: bytes | None = None
    #: True when this is the previous build's result, kept because nothing it read changed.
    reused: bool = False
    #: For a view that raised: its traceback (the build shows the first one).
    details: str | None = None

    def edges(self) -> set[str]:
        """Every site path this result leads the crawl to."""
        found = {*self.links, *self.built_urls}
        if self.kind == "alias" and self.target is not None:
            found.add(self.target)
        return found


def _any_values(rule: Rule) -> list[dict[str, str]] | None:
    """All value combinations of a rule whose arguments are all ``any(...)``, else None."""
    converters = rule._converters
    if not rule.arguments or not all(
        isinstance(converters.get(name), AnyConverter) for name in rule.arguments
    ):
        return None
    names = sorted(rule.arguments)
    choices = [sorted(converters[name].items) for name in names]  # type: ignore[attr-defined]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices)]


def _call_source(source: Any) -> Iterable[Any]:
    values: Iterable[Any] = source() if callable(source) else source
    return values


class Renderer:
    """Renders site paths of one site, as the built site will be served."""

    def __init__(self, site: Site, location: SiteLocation, exclude: Iterable[str] = ()) -> None:
        self.site = site
        self.location = location
        self.exclude = tuple(exclude)
        self.adapter = site.url_map.bind(
            location.host, script_name=location.base_path or "/", url_scheme=location.scheme
        )

    # -- seeds ---------------------------------------------------------------

    def _path_of(self, endpoint: str, values: Mapping[str, Any], origin: str) -> str:
        if not isinstance(values, Mapping):
            raise BuildError(
                f"{origin} for endpoint {endpoint!r} yielded {values!r} "
                f"({type(values).__name__}); yield dicts of URL values like {{'slug': 'hello'}}"
            )
        try:
            url = self.adapter.build(endpoint, dict(values), method="GET")
        except RoutingBuildError as error:
            raise BuildError(
                f"{origin} for endpoint {endpoint!r} yielded {dict(values)!r}: {error}"
            ) from error
        # Not resolved like a link: a generated "..", kept as it is, must fail, not vanish.
        path = normalize_path(urlsplit(url).path[len(self.location.base_path) :])
        try:
            check_site_path(path)
        except UnsafePathError as error:
            raise BuildError(
                f"{origin} for endpoint {endpoint!r} yielded {dict(values)!r}: {error.problems[0]}"
            ) from error
        return path

    def urls_for_endpoint(self, endpoint: str) -> Iterator[Seed]:
        """Yield an endpoint's seeds: argument-free rules, finite converters, generators."""
        rules = [r for r in self.site.url_map.iter_rules(endpoint) if "GET" in (r.methods or ())]
        for rule in rules:
            if not rule.arguments:
                yield Seed(
                    self._path_of(endpoint, {}, f"rule {rule.rule!r}"),
                    endpoint,
                    "the URL of its rule",
                )
            for values in _any_values(rule) or ():
                origin = f"rule {rule.rule!r}"
                path = self._path_of(endpoint, values, origin)
                yield Seed(path, endpoint, "a value of its any() converter")
        for source in self.site.value_generators.get(endpoint, ()):
            name = getattr(source, "__qualname__", type(source).__name__)
            origin = f"generator {name}"
            found = f"yielded by {origin}"
            try:
                for values in _call_source(source):
                    yield Seed(self._path_of(endpoint, values, origin), endpoint, found)
            except BuildError:
                raise
            except Exception as error:
                raise BuildError(
                    f"{origin} for endpoint {endpoint!r} raised {type(error).__name__}: "
                    f"{error}{_where(error, self.site.root_path)}"
                ) from error

    def static_seeds(self, allowed_dotfiles: Iterable[str]) -> Iterator[Seed]:
        """Yield one seed per file of the static folder (dotfiles only when allowed)."""
        folder = self.site.static_folder
        if folder is None or not os.path.isdir(folder) or "static" not in self.site.view_functions:
            return
        allowed = set(allowed_dotfiles)
        for root, dirs, files in os.walk(folder, followlinks=True):
            rel_root = os.path.relpath(root, folder)
            dirs[:] = sorted(d for d in dirs if not d.startswith(".") or d in allowed)
            for name in sorted(files):
                if name.startswith(".") and name not in allowed:
                    continue
                filename = os.path.normpath(os.path.join(rel_root, name)).replace(os.sep, "/")
                path = self._path_of("static", {"filename": filename}, "static folder")
                yield Seed(path, "static", "a file of the static folder")

    def generator_seeds(self, generator: Generator) -> Iterator[Seed]:
        """Yield the seeds of a Frozen-Flask style generator."""
        name = getattr(generator, "__name__", repr(generator))
        origin = f"generator {name}"
        try:
            for item in generator():
                if isinstance(item, str):
                    base = self.location.base_path
                    if item.startswith("/") and base and not item.startswith(base + "/"):
                        item = base + item  # as in Frozen-Flask: relative to the site's root
                    path, _ = self.location.resolve(item, self.location.root_url)
                    if path is None:
                        raise BuildError(
                            f"{origin} yielded {item!r}, which is not a URL of the site"
                        )
                    yield Seed(path, "", f"yielded by {origin}")
                elif isinstance(item, tuple):
                    endpoint, values = item[0], item[1]
                    path = self._path_of(endpoint, values, origin)
                    yield Seed(path, endpoint, f"yielded by {origin}")
                else:
                    yield Seed(self._path_of(name, item, origin), name, f"yielded by {origin}")
        except BuildError:
            raise
        except Exception as error:
            raise BuildError(
                f"{origin} raised {type(error).__name__}: {error}"
                f"{_where(error, self.site.root_path)}"
            ) from error

    def has_not_found_page(self) -> bool:
        """Whether the site renders its own 404 page at ``NOT_FOUND_PATH``."""
        has_handler = 404 in self.site.error_handlers or NotFound in self.site.error_handlers
        if not has_handler:
            return False
        try:
            self.adapter.match(NOT_FOUND_PATH, method="GET")
        except (NotFound, RequestRedirect, MethodNotAllowed):
            return True
        return False  # the site has its own route for /404.html: it is a page like any other

    # -- rendering -----------------------------------------------------------

    def endpoint_of(self, path: str) -> str | None:
        """The endpoint ``path`` is routed to (None when no GET route matches it)."""
        try:
            rule, _ = self.adapter.match(path, method="GET", return_rule=True)
        except HTTPException:  # not found, a redirect, or no GET
            return None
        return str(rule.endpoint)

    def excluded(self, path: str) -> bool:
        """Whether ``path`` matches one of the ``exclude`` patterns."""
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.exclude)

    def render(self, path: str, error_page: bool = False) -> Rendered:
        """Render one site path: match it, then call the view or locate the static file."""
        try:
            check_site_path(path)
        except UnsafePathError as error:
            return Rendered(path, "error", problem=error.problems[0])
        if self.excluded(path):
            return Rendered(path, "excluded", problem="it matches an exclude pattern")
        if error_page:
            return self._render_view(path, None, error_page)
        try:
            rule, args = self.adapter.match(path, method="GET", return_rule=True)
        except RequestRedirect as redirect:
            target, _ = self.location.resolve(redirect.new_url, self.location.root_url)
            return Rendered(path, "alias", target=target)
        except MethodNotAllowed:
            return Rendered(path, "missing", problem="its route does not answer GET")
        except NotFound:
            return Rendered(path, "missing", problem="no route matches it")
        endpoint = rule.endpoint
        if endpoint in self.site.unfrozen_endpoints:
            return Rendered(path, "excluded", endpoint, problem="its route says freeze=False")
        if endpoint == "static" and self.site.static_folder is not None:
            return self._static(path, args["filename"])
        return self._render_view(path, endpoint, error_page)

    def _static(self, path: str, filename: str) -> Rendered:
        assert self.site.static_folder is not None
        source = safe_join(self.site.static_folder, filename)
        if source is None or not os.path.isfile(source):
            return Rendered(path, "missing", "static", problem="no such file in the static folder")
        mimetype = served_type(source)
        result = Rendered(path, "static", "static", mimetype=mimetype, source=source)
        if mimetype == "text/css":
            with open(source, encoding="utf-8", errors="replace") as handle:
                self._collect_links(result, handle.read())
        return result

    def _render_view(self, path: str, endpoint: str | None, error_page: bool) -> Rendered:
        recorder = RenderRecorder()
        builder = EnvironBuilder(path=quote_path(path), base_url=self.location.root_url)
        environ = builder.get_environ()
        environ[ENVIRON_KEY] = recorder
        if error_page:
            environ[ERROR_PAGE_KEY] = 404
        try:
            app_iter, status, headers = run_wsgi_app(self.site, environ, buffered=True)
            body = b"".join(app_iter)
        except Exception as error:  # a view or error handler that raised with propagation on
            recorder.exception = recorder.exception or error
            status, body, headers = "500 INTERNAL SERVER ERROR", b"", None
        code = int(status.split(None, 1)[0])
        mimetype, params = parse_options_header(headers.get("Content-Type") if headers else None)
        result = Rendered(
            path,
            "page",
            endpoint,
            status=code,
            mimetype=mimetype or "application/octet-stream",
            body=body,
            reads=frozenset(recorder.reads),
            deps=frozenset(recorder.deps),
        )
        page_url = self.location.absolute_url(path)
        for url in recorder.urls:
            target, _ = self.location.resolve(url, page_url)
            if target is not None:
                result.built_urls.append(target)
        if 300 <= code < 400 and headers is not None and "Location" in headers:
            result.kind = "redirect"
            result.target = urljoin(page_url, headers["Location"])
            target, _ = self.location.resolve(result.target, page_url)
            if target is not None:
                result.links.append(target)
            return result
        if code >= 400 and not (error_page and code == 404):
            result.kind = "error"
            result.problem = f"returned status {status}"
            raised = recorder.exception
            if raised is not None:
                where = _where(raised, self.site.root_path)
                result.problem = f"raised {type(raised).__name__}: {raised}{where}"
                result.details = "".join(traceback.format_exception(raised)).rstrip()
            return result
        if mimetype in ("text/html", "application/xhtml+xml", "text/css"):
            charset = params.get("charset", "utf-8")
            self._collect_links(result, body.decode(charset, errors="replace"))
        return result

    def _collect_links(self, result: Rendered, text: str) -> None:
        page_url = self.location.absolute_url(result.path)
        for span in link_spans(text, result.mimetype):
            target, outside = self.location.resolve(span.url, page_url)
            if target is not None:
                result.links.append(target)
            elif outside:
                result.outside_links.append(span.url)


def _where(error: BaseException, root_path: str) -> str:
    """Return " (file, line N)" for the deepest frame of ``error`` in the site's own files."""
    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if not f.filename.startswith("<")
    ]
    if not frames:
        return ""
    root = os.path.abspath(root_path) + os.sep
    own = [f for f in frames if os.path.abspath(f.filename).startswith(root)]
    frame = (own or frames)[-1]
    filename = os.path.relpath(frame.filename, root_path) if own else frame.filename
    return f" ({filename}, line {frame.lineno})"


class Frontier:
    """The URLs still to render, and how the crawl first came to each URL it knows."""

    def __init__(self) -> None:
        #: Every URL known to the crawl, with how it was first found (for messages; "" when
        #: an earlier build found it).
        self.origins: dict[str, str] = {}
        self._queue: deque[str] = deque()

    def add(self, path: str, origin: str) -> None:
        """Queue ``path`` unless it is known already."""
        if path not in self.origins:
            self.origins[path] = origin
            self._queue.append(path)

    def add_links(self, paths: Iterable[str], page: str) -> None:
        """Queue the URLs found on ``page`` (in its document, or built by url_for)."""
        origins = self.origins
        for path in paths:
            if path not in origins:
                origins[path] = f"linked from {page}"
                self._queue.append(path)

    def know(self, paths: Iterable[str]) -> None:
        """Take URLs as known without queueing them (an earlier build crawled them).

        How the crawl came to them is not known: the origin is left empty.
        """
        self.origins.update(dict.fromkeys(paths, ""))

    def revisit(self, path: str) -> None:
        """Queue a known URL again (its earlier result no longer holds)."""
        self._queue.append(path)

    def pop(self) -> str | None:
        """Return the next URL to render, or None when the crawl is done."""
        return self._queue.popleft() if self._queue else None

    def __len__(self) -> int:
        return len(self.origins)
