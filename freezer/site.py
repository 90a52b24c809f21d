"""The Site: Flask-style routes, views and error handlers on werkzeug, served as WSGI."""

from __future__ import annotations

import importlib.util
import ipaddress
import json
import logging
import os
import sys
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from werkzeug.datastructures import Headers
from werkzeug.exceptions import HTTPException, InternalServerError, abort
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule
from werkzeug.test import Client, EnvironBuilder
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Response as BaseResponse

from .errors import UsageError, ViewError
from .globals import _cv_request
from .recorder import ERROR_PAGE_KEY, RenderRecorder, recorder_of, recording_dependencies
from .templating import create_jinja_env
from .wrappers import Request, Response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from jinja2 import Environment

logger = logging.getLogger("freezer")

F = TypeVar("F", bound=Callable[..., Any])
ValuesSource = Callable[[], Iterable[Mapping[str, Any]]] | Iterable[Mapping[str, Any]]
ErrorHandler = Callable[[Exception], Any]


class SiteClient(Client):
    """werkzeug's test client, reading each response whole so files are closed at once."""

    def open(self, *args: Any, buffered: bool = True, **kwargs: Any) -> Any:
        return super().open(*args, buffered=buffered, **kwargs)


class ContentSource(Protocol):
    """A folder of content the site reads (``freezer.pages.Pages`` is one)."""

    folder: Path
    #: The endings of the file names it follows one by one (``dependency_digests``);
    #: incremental builds treat any other file in the folder like the site's own code.
    suffixes: tuple[str, ...]

    @property
    def drafts(self) -> int:
        """How many of its items are drafts, left out of builds."""

    def dependency_digests(self) -> dict[str, str]:
        """The current digest of every dependency key a render may have recorded."""

    def refresh(
        self,
        changed: Collection[str] | None = None,
        map_in_processes: Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]] | None = None,
    ) -> None:
        """Read the folder again now (a build calls this when it starts).

        ``changed``, when given, holds every file that may have changed since the
        last read: a source may look at just those. ``map_in_processes``, when
        given, maps a module-level function over items in worker processes.
        """


@dataclass
class RequestContext:
    """Everything a view needs about the request being served."""

    site: Site
    request: Request
    url_adapter: MapAdapter
    recorder: RenderRecorder | None = field(default=None)


def _root_path(import_name: str) -> str:
    """Return the folder holding the module ``import_name``, or the working folder."""
    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None)
    if filename is None and import_name != "__main__":
        try:
            spec = importlib.util.find_spec(import_name)
        except (ImportError, ValueError):
            spec = None
        filename = spec.origin if spec is not None and spec.has_location else None
    if not isinstance(filename, str):
        return os.getcwd()
    return os.path.dirname(os.path.abspath(filename))


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Site:
    """A site written like a Flask app: routes, views, templates and static files.

    Example::

        site = Site(__name__)

        @site.route("/")
        def index():
            return render_template("index.html")

    A ``Site`` is a WSGI application; ``freezer build`` turns it into files.
    """

    request_class = Request
    response_class = Response

    def __init__(
        self,
        import_name: str,
        *,
        template_folder: str | os.PathLike[str] | None = "templates",
        static_folder: str | os.PathLike[str] | None = "static",
        static_url_path: str = "/static",
        root_path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.import_name = import_name
        self.root_path = os.fspath(root_path) if root_path is not None else _root_path(import_name)
        self.template_folder = (
            os.path.join(self.root_path, template_folder) if template_folder is not None else None
        )
        self.static_folder = (
            os.path.join(self.root_path, static_folder) if static_folder is not None else None
        )
        self.static_url_path = "/" + static_url_path.strip("/")
        self.config: dict[str, Any] = {}
        self.debug = False
        #: Let exceptions from views escape instead of becoming 500 pages (tests, debugger).
        self.propagate_exceptions = False
        self.url_map = Map(strict_slashes=True)
        self.view_functions: dict[str, Callable[..., Any]] = {}
        #: Generators of URL values, per endpoint, that the build expands.
        self.value_generators: dict[str, list[ValuesSource]] = {}
        #: Endpoints the build must not freeze (``route(..., freeze=False)``).
        self.unfrozen_endpoints: set[str] = set()
        self.error_handlers: dict[int | type[BaseException], ErrorHandler] = {}
        self.context_processors: list[Callable[[], Mapping[str, Any]]] = []
        #: True while freezer builds the site: content sources hide drafts and read once.
        self.building = False
        #: Folders of content (such as ``Pages``) the site reads; builds count their
        #: drafts and never write into them, ``freezer serve`` watches them.
        self.content_sources: list[ContentSource] = []
        #: Where conversions and build records are kept between runs (None: keep nothing).
        self.cache_folder: Path | None = Path(self.root_path) / ".freezer-cache"
        #: The markdown engine content sources use unless told otherwise ("markdown", "cmark").
        self.markdown_engine = "markdown"
        self.jinja_env: Environment = create_jinja_env(self)
        self._got_first_request = False
        if self.static_folder is not None:
            self.add_url_rule(
                f"{self.static_url_path}/<path:filename>",
                endpoint="static",
                view_func=self.send_static_file,
            )

    def __repr__(self) -> str:
        return f"<Site {self.import_name!r}>"

    # -- registration -------------------------------------------------------

    def _check_setup_finished(self, what: str) -> None:
        if self._got_first_request:
            raise UsageError(
                f"{what} was called on {self!r} after it served its first request. "
                "Register every route, handler and filter when the module is imported, "
                "before the site serves or builds, so every request sees the same site."
            )

    def route(
        self,
        rule: str,
        *,
        methods: Iterable[str] | None = None,
        endpoint: str | None = None,
        values: ValuesSource | None = None,
        freeze: bool = True,
        **options: Any,
    ) -> Callable[[F], F]:
        """Register the decorated function as the view for ``rule``.

        Example::

            @site.route("/posts/<slug>/", values=lambda: ({"slug": s} for s in slugs))
            def post(slug): ...

        ``values`` yields the URL values the build expands the rule with;
        ``freeze=False`` keeps the rule out of builds (it still serves).
        """

        def decorator(view: F) -> F:
            self.add_url_rule(
                rule, endpoint, view, methods=methods, values=values, freeze=freeze, **options
            )
            return view

        return decorator

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["GET"])``."""
        return self.route(rule, methods=["GET"], **options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Shortcut for ``route(rule, methods=["POST"])`` (served, never frozen)."""
        return self.route(rule, methods=["POST"], **options)

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        *,
        methods: Iterable[str] | None = None,
        values: ValuesSource | None = None,
        freeze: bool = True,
        **options: Any,
    ) -> None:
        """Register ``view_func`` for ``rule`` under ``endpoint`` (by default its name)."""
        self._check_setup_finished("add_url_rule")
        if endpoint is None:
            if view_func is None:
                raise UsageError(f"add_url_rule({rule!r}) needs an endpoint or a view function")
            endpoint = view_func.__name__
        method_set = {m.upper() for m in (methods or ("GET",))}
        if isinstance(methods, str):
            raise UsageError(f"methods for {rule!r} must be a list like ['GET'], not {methods!r}")
        self.url_map.add(Rule(rule, endpoint=endpoint, methods=method_set, **options))
        if view_func is not None:
            existing = self.view_functions.get(endpoint)
            if existing is not None and existing is not view_func:
                raise UsageError(
                    f"endpoint {endpoint!r} is already taken by {existing.__qualname__}; "
                    f"give the route for {rule!r} another endpoint= or rename the function"
                )
            self.view_functions[endpoint] = view_func
        if values is not None:
            self.value_generators.setdefault(endpoint, []).append(values)
        if not freeze:
            self.unfrozen_endpoints.add(endpoint)

    def values(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated generator as a source of URL values for ``endpoint``.

        Example::

            @site.values("post")
            def post_values():
                for p in posts:
                    yield {"slug": p.slug}
        """

        def decorator(generator: F) -> F:
            self._check_setup_finished("values")
            self.value_generators.setdefault(endpoint, []).append(generator)
            return generator

        return decorator

    def errorhandler(self, code_or_exception: int | type[BaseException]) -> Callable[[F], F]:
        """Register the decorated function to render an HTTP error code or exception class.

        Example::

            @site.errorhandler(404)
            def not_found(e):
                return render_template("404.html"), 404
        """

        def decorator(handler: F) -> F:
            self.register_error_handler(code_or_exception, handler)
            return handler

        return decorator

    def register_error_handler(
        self, code_or_exception: int | type[BaseException], handler: ErrorHandler
    ) -> None:
        """Use ``handler`` for an HTTP error code or an exception class."""
        self._check_setup_finished("errorhandler")
        key = code_or_exception
        if isinstance(key, type) and issubclass(key, HTTPException) and key.code is not None:
            key = key.code
        if not isinstance(key, int) and not (
            isinstance(key, type) and issubclass(key, BaseException)
        ):
            raise UsageError(
                f"errorhandler() takes an HTTP status code or an exception class, not {key!r}"
            )
        self.error_handlers[key] = handler

    def template_filter(self, name: str | Callable[..., Any] | None = None) -> Any:
        """Register the decorated function as a Jinja filter (named after it by default)."""
        return self._jinja_registrar(self.jinja_env.filters, "template_filter", name)

    def template_global(self, name: str | Callable[..., Any] | None = None) -> Any:
        """Register the decorated function as a Jinja global (named after it by default)."""
        return self._jinja_registrar(self.jinja_env.globals, "template_global", name)

    def template_test(self, name: str | Callable[..., Any] | None = None) -> Any:
        """Register the decorated function as a Jinja test (named after it by default)."""
        return self._jinja_registrar(self.jinja_env.tests, "template_test", name)

    def _jinja_registrar(
        self, table: dict[str, Any], what: str, name: str | Callable[..., Any] | None
    ) -> Any:
        # Both @site.template_filter and @site.template_filter("name") work, as in Flask 3.1.
        def register(func: F, as_name: str | None = None) -> F:
            self._check_setup_finished(what)
            table[as_name or func.__name__] = func
            return func

        if callable(name):
            return register(name)
        return lambda func: register(func, name)

    def context_processor(self, func: F) -> F:
        """Register a function whose returned dict is added to every template's context."""
        self._check_setup_finished("context_processor")
        self.context_processors.append(func)
        return func

    # -- serving ------------------------------------------------------------

    @property
    def has_static_folder(self) -> bool:
        """Whether the site has a static folder on disk."""
        return self.static_folder is not None and os.path.isdir(self.static_folder)

    def send_static_file(self, filename: str) -> BaseResponse:
        """Serve ``filename`` from the static folder; nothing outside it can be reached."""
        if self.static_folder is None:
            raise ViewError(f"{self!r} has no static folder")
        ctx = _cv_request.get()
        return send_from_directory(self.static_folder, filename, ctx.request.environ)

    def make_response(self, rv: Any, endpoint: str | None = None) -> BaseResponse:
        """Turn a view's return value into a Response, as Flask does."""
        status: int | str | None = None
        headers: Any = None
        if isinstance(rv, tuple):
            if len(rv) == 3:
                rv, status, headers = rv
            elif len(rv) == 2:
                if isinstance(rv[1], (Headers, dict, tuple, list)):
                    rv, headers = rv
                else:
                    rv, status = rv
            else:
                raise ViewError(
                    f"the view for {endpoint!r} returned a tuple of {len(rv)} items; use "
                    "(body, status), (body, headers) or (body, status, headers)"
                )
        if rv is None:
            raise ViewError(
                f"the view function for {endpoint!r} did not return a valid response: it "
                "returned None or ended without a return statement"
            )
        if isinstance(rv, BaseResponse):
            response = rv
        elif isinstance(rv, (str, bytes, bytearray)):
            response = self.response_class(bytes(rv) if isinstance(rv, bytearray) else rv)
        elif isinstance(rv, (dict, list)):
            response = self.response_class(
                json.dumps(rv, ensure_ascii=False, sort_keys=True) + "\n",
                mimetype="application/json",
            )
        else:
            raise ViewError(
                f"the view function for {endpoint!r} returned a {type(rv).__name__}; return a "
                "str, bytes, dict, list, Response or a (body, status, headers) tuple"
            )
        if status is not None:
            if isinstance(status, int):
                response.status_code = status
            else:
                response.status = status
        if headers:
            response.headers.update(headers)
        return response

    def _find_error_handler(self, error: BaseException) -> ErrorHandler | None:
        if isinstance(error, HTTPException) and error.code in self.error_handlers:
            return self.error_handlers[error.code]
        for cls in type(error).__mro__:
            if cls in self.error_handlers:
                return self.error_handlers[cls]
        return None

    def _handle_http_exception(self, error: HTTPException, ctx: RequestContext) -> BaseResponse:
        if isinstance(error, RequestRedirect) or error.code is None:
            # Routing redirects (strict slashes) are part of the URL map, not an error page.
            return error.get_response(ctx.request.environ)
        handler = self._find_error_handler(error)
        if handler is None:
            return error.get_response(ctx.request.environ)
        return self.make_response(handler(error), f"errorhandler({error.code})")

    def _handle_exception(self, error: Exception, ctx: RequestContext) -> BaseResponse:
        handler = self._find_error_handler(error)
        if handler is not None:
            return self.make_response(handler(error), f"errorhandler({type(error).__name__})")
        if ctx.recorder is not None:
            ctx.recorder.exception = error  # the build reports it, traceback and all
        if self.propagate_exceptions or self.debug:
            raise error
        if ctx.recorder is None:
            logger.error(
                "Exception on %s [%s]", ctx.request.path, ctx.request.method, exc_info=error
            )
        server_error = InternalServerError(original_exception=error)
        handler = self._find_error_handler(server_error)
        if handler is None:
            return server_error.get_response(ctx.request.environ)
        return self.make_response(handler(server_error), "errorhandler(500)")

    def _dispatch(self, ctx: RequestContext) -> BaseResponse:
        try:
            error_page = ctx.request.environ.get(ERROR_PAGE_KEY)
            if error_page is not None:
                abort(error_page)  # the build asks for the error handler's page itself
            rule, args = ctx.url_adapter.match(return_rule=True)
            ctx.request.url_rule = rule
            ctx.request.view_args = args
            view = self.view_functions.get(rule.endpoint)
            if view is None:
                raise ViewError(
                    f"no view function is registered for endpoint {rule.endpoint!r} "
                    f"(rule {rule.rule!r})"
                )
            return self.make_response(view(**args), rule.endpoint)
        except HTTPException as error:
            return self._handle_http_exception(error, ctx)
        except Exception as error:
            return self._handle_exception(error, ctx)

    @contextmanager
    def request_context(self, environ: WSGIEnvironment) -> Iterator[RequestContext]:
        """Make ``environ`` the current request while the block runs."""
        request = self.request_class(environ)
        ctx = RequestContext(
            site=self,
            request=request,
            url_adapter=self.url_map.bind_to_environ(environ),
            recorder=recorder_of(environ),
        )
        token = _cv_request.set(ctx)
        try:
            if ctx.recorder is None:
                yield ctx
            else:
                with recording_dependencies(ctx.recorder.deps):
                    yield ctx
        finally:
            _cv_request.reset(token)

    @contextmanager
    def test_request_context(self, *args: Any, **kwargs: Any) -> Iterator[RequestContext]:
        """Open a request context for ``EnvironBuilder(*args, **kwargs)`` (e.g. a path)."""
        builder = EnvironBuilder(*args, **kwargs)
        try:
            with self.request_context(builder.get_environ()) as ctx:
                yield ctx
        finally:
            builder.close()

    def wsgi_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Serve one request: match the URL, call the view, return its response."""
        self._got_first_request = True
        with self.request_context(environ) as ctx:
            response = self._dispatch(ctx)
        return response(environ, start_response)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.wsgi_app(environ, start_response)

    def test_client(self, use_cookies: bool = True) -> Client:
        """Return a werkzeug test client that requests this site without a server."""
        return SiteClient(self, use_cookies=use_cookies)

    def run(
        self, host: str = "127.0.0.1", port: int = 5000, debug: bool = False, **options: Any
    ) -> None:
        """Serve the site with werkzeug's development server (one log line per request).

        ``debug=True`` turns on the interactive debugger and the reloader; the
        debugger runs code sent from the browser, so keep the host a loopback one.
        """
        from werkzeug.serving import run_simple

        if debug and not _is_loopback(host):
            logger.warning(
                "\n%s\nDEBUG MODE ON A PUBLIC ADDRESS (%s): anyone who can reach this port "
                "can run code on this machine through the debugger. Use host='127.0.0.1'.\n%s",
                "!" * 78,
                host,
                "!" * 78,
            )
        self.debug = debug
        options.setdefault("use_debugger", debug)
        options.setdefault("use_reloader", debug)
        options.setdefault("threaded", True)
        run_simple(host, port, self, **options)
