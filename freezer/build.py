"""The Freezer: crawls a site, checks it, and writes it as static files."""

from __future__ import annotations

import functools
import html
import sys
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import incremental
from .config import DEFAULT_STATIC_DOTFILES, BuildConfig
from .crawl import NOT_FOUND_PATH, Frontier, Generator, Rendered, Renderer, Seed
from .errors import BuildError, UnsafePathError
from .incremental import PreviousBuild
from .links import link_spans, rewrite_links
from .memory import long_lived, settle
from .output import OutputTree, check_destination
from .paths import file_for, relative_link, served_type, types_match
from .recorder import recording_dependencies
from .site import Site
from .workers import map_in_processes, render_all

#: Called as the crawl goes: (URLs rendered, URLs known so far).
ProgressCallback = Callable[[int, int], None]

_REDIRECT_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Redirecting to {url}</title>
<meta name="robots" content="noindex">
<link rel="canonical" href="{url}">
<meta http-equiv="refresh" content="0; url={url}">
</head>
<body>
<p>This page has moved to <a href="{url}">{url}</a>.</p>
</body>
</html>
"""


@dataclass
class BuildReport:
    """What a build wrote and what it noticed."""

    destination: Path
    pages: list[str] = field(default_factory=list)
    static_files: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    drafts: int = 0
    bytes: int = 0
    bytes_written: int = 0
    unchanged: int = 0
    reused: int = 0  # pages not rendered again: nothing they read had changed
    seconds: float = 0.0
    jobs: int = 1

    def summary(self) -> str:
        """One line: pages, static files, size, time, jobs, destination."""
        size = _human_size(self.bytes)
        drafts = f", {_count(self.drafts, 'draft')} left out" if self.drafts else ""
        return (
            f"Built {_count(len(self.pages), 'page')} and "
            f"{_count(len(self.static_files), 'static file')} "
            f"({size}{drafts}) in {self.seconds:.2f} s with {self.jobs} "
            f"{'job' if self.jobs == 1 else 'jobs'} into {self.destination}"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _human_size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"


class Freezer:
    """Freezes a Site into static files.

    Example::

        from freezer import Freezer
        report = Freezer(site, destination="build", base_url="https://me.github.io/blog/").build()
        print(report.summary())
    """

    def __init__(
        self,
        site: Site,
        destination: str | Path = "build",
        base_url: str | None = None,
        *,
        relative_urls: bool = False,
        jobs: int = 1,
        strict: bool = False,
        force: bool = False,
        exclude: Iterable[str] = (),
        sitemap: bool = True,
        static_dotfiles: Iterable[str] = DEFAULT_STATIC_DOTFILES,
        incremental: bool = False,
        config: BuildConfig | None = None,
    ) -> None:
        self.site = site
        if config is None:
            path = Path(destination)
            config = BuildConfig(
                destination=path if path.is_absolute() else Path(site.root_path) / path,
                base_url=base_url,
                relative_urls=relative_urls,
                jobs=jobs,
                strict=strict,
                force=force,
                exclude=tuple(exclude),
                sitemap=sitemap,
                static_dotfiles=tuple(static_dotfiles),
                incremental=incremental,
            )
        self.config = config
        self.generators: list[Generator] = []

    def with_config(self, **changes: Any) -> Freezer:
        """Return a Freezer for the same site and generators with some settings changed."""
        other = Freezer(self.site, config=replace(self.config, **changes))
        other.generators = list(self.generators)
        return other

    def register_generator(self, generator: Generator) -> Generator:
        """Add a Frozen-Flask style URL generator (yields dicts, (endpoint, values) or URLs).

        Example::

            @freezer.register_generator
            def post():  # dicts are values for the endpoint named like the function
                yield {"slug": "hello"}
        """
        self.generators.append(generator)
        return generator

    # -- crawl -----------------------------------------------------------------

    def renderer(self) -> Renderer:
        """A renderer for this site, as the build will render it."""
        return Renderer(self.site, self.config.location, self.config.exclude)

    def seeds(self, renderer: Renderer) -> list[Seed]:
        """Every URL the build starts from: rules, generators, static files."""
        return self.view_seeds(renderer) + list(renderer.static_seeds(self.config.static_dotfiles))

    def view_seeds(self, renderer: Renderer) -> list[Seed]:
        """The URLs the build starts from that views render: rules and generators."""
        seeds: list[Seed] = []
        endpoints = sorted({rule.endpoint for rule in self.site.url_map.iter_rules()})
        for endpoint in endpoints:
            if endpoint == "static" or endpoint in self.site.unfrozen_endpoints:
                continue
            seeds.extend(renderer.urls_for_endpoint(endpoint))
        for generator in self.generators:
            seeds.extend(renderer.generator_seeds(generator))
        return seeds

    def urls(self) -> list[str]:
        """Every URL the build would write (with the base path), without writing anything."""
        run = _BuildRun(self, None, writing=False)
        run.crawl()
        run.raise_problems()
        urls = [self.config.location.url_path(path) for path in run.files]
        if (
            self.config.sitemap
            and self.config.location.absolute
            and "sitemap.xml" not in run.owners
        ):
            urls.append(self.config.location.url_path("/sitemap.xml"))
        return sorted(urls)

    def _protected_folders(self) -> list[Path]:
        folders = [Path(self.site.root_path)]
        folders.extend(source.folder for source in self.site.content_sources)
        for folder in (self.site.template_folder, self.site.static_folder):
            if folder is not None:
                folders.append(Path(folder))
        return folders

    def build(
        self, progress: ProgressCallback | None = None, *, changed: Collection[str] | None = None
    ) -> BuildReport:
        """Crawl, check and write the site; raise BuildError when anything is wrong.

        ``changed`` is for file watchers: when given, it holds every file that
        changed since the last build in this process, and content folders are
        not scanned for other changes.
        """
        check_destination(self.config.destination, self._protected_folders())
        return _BuildRun(self, progress, writing=True, changed=changed).execute()


class _BuildRun:
    """One build: the frontier, the results, the staged output, the problems found.

    With the record of an incremental build whose seeds still hold, the run
    resumes from the previous build's results instead of crawling from the
    seeds: results whose inputs are unchanged are kept without a visit, only
    the others are queued, and links they gain feed the frontier as usual.
    """

    def __init__(
        self,
        freezer: Freezer,
        progress: ProgressCallback | None,
        writing: bool,
        changed: Collection[str] | None = None,
    ) -> None:
        self.freezer = freezer
        self.changed = changed
        self.site = freezer.site
        self.config = freezer.config
        self.location = self.config.location
        self.progress = progress
        self.started = time.perf_counter()
        self.renderer = Renderer(self.site, self.location, self.config.exclude)
        self.frontier = Frontier()
        self.seeds: list[Seed] = []
        self.seed_deps: frozenset[str] = frozenset()
        self.rendered: dict[str, Rendered] = {}
        self.files: dict[str, str] = {}  # site path -> file name
        self.owners: dict[str, str] = {}  # file name -> site path
        self._folders: dict[str, str] | None = None  # folder name -> a site path inside it
        self.clashes: list[str] = []  # URLs that cannot become files at all
        # Results refused a file name another result holds: (result, message, rival path).
        self._rejected: list[tuple[Rendered, str, str]] = []
        self.deferred: list[str] = []  # written once every file name is known
        self.not_found_page: str | None = None
        self.jobs_used = 1
        self.drafts = 0
        self.tree = OutputTree(self.config.destination, self.config.force) if writing else None
        self.digests: dict[str, str] = {}
        self.previous: PreviousBuild | None = None
        self.resumed = False
        self.replaced: dict[str, Rendered] = {}  # resumed: previous results rendered again
        self._new_names = False  # whether a result took a file name it did not have before
        self.dropped = False  # whether results of the previous build were dropped as unreachable
        self.fingerprint = ""
        self.records = incremental.RecordStore(incremental.record_path(self.site, self.config))

    # -- crawl -----------------------------------------------------------------

    def crawl(self) -> None:
        """Render every reachable URL (writing as results arrive when possible)."""
        building, self.site.building = self.site.building, True
        try:
            parallel = functools.partial(map_in_processes, jobs=self.config.jobs)
            for source in self.site.content_sources:
                source.refresh(self.changed, parallel)  # a previous build here read it
                self.digests.update(source.dependency_digests())
            if self.tree is not None and self.config.incremental:
                self.fingerprint = incremental.global_fingerprint(self.site, self.config)
                record = self.records.load(self.fingerprint)
                if record is not None:
                    self.previous = PreviousBuild(
                        record, self.digests, self.tree.old_manifest, self.tree.destination
                    )
            settle()  # the record and the pages live until the build ends
            if self.renderer.has_not_found_page():
                self.not_found_page = NOT_FOUND_PATH
            self._seed()
            self.jobs_used = render_all(
                self.renderer,
                self.config.jobs,
                self._take,
                self._on_result,
                self.not_found_page,
            )
            if self.resumed:
                self._drop_unreachable()
            self.drafts = sum(source.drafts for source in self.site.content_sources)
        finally:
            self.site.building = building

    def _seed(self) -> None:
        """Find the seeds (or take them from the record) and start the crawl from them."""
        static = list(self.renderer.static_seeds(self.config.static_dotfiles))
        previous = self.previous
        if previous is not None and previous.seeds_hold(static):
            self.seeds = previous.view_seeds() + static
            self.seed_deps = previous.record.seed_deps
            self._resume(previous)
            return
        deps: set[str] = set()
        with recording_dependencies(deps):
            view_seeds = self.freezer.view_seeds(self.renderer)
        self.seeds, self.seed_deps = view_seeds + static, frozenset(deps)
        if self.not_found_page is not None:
            origin = "the page of the 404 error handler"
            self.seeds.append(Seed(self.not_found_page, "", origin))
        for seed in self.seeds:
            self.frontier.add(seed.path, seed.origin)

    def _resume(self, previous: PreviousBuild) -> None:
        """Keep every previous result that still holds; queue the others to render again."""
        self.resumed = True
        self.frontier.know(previous.record.results)
        origins = self.frontier.origins
        for seed in reversed(self.seeds):  # the first seed of a URL names its origin
            origins[seed.path] = seed.origin
        holds = previous.holds
        for path, fields in previous.record.results.items():
            result = incremental.recorded_result(path, fields)
            if holds(fields):
                self._keep(result)
            else:
                self.replaced[path] = result
                self.frontier.revisit(path)
        if self.progress is not None:
            self.progress(len(self.rendered), len(self.frontier))

    def _keep(self, result: Rendered) -> None:
        """Take a previous result as it is: its file was named, checked and written then."""
        path = result.path
        self.rendered[path] = result
        if result.output is not None:
            name, digest, size = result.output
            self.files[path] = name
            self.owners[name] = path
            if self.tree is not None:
                self.tree.reuse(name, digest, size)

    def _take(self) -> str | None:
        while (path := self.frontier.pop()) is not None:
            reused = None
            if self.previous is not None and not self.resumed:
                reused = self.previous.reusable(path)
            if reused is None:
                return path
            self._on_result(reused)
        return None

    def _on_result(self, result: Rendered) -> None:
        path = result.path
        self.rendered[path] = result
        if not (result.reused and self.resumed):  # a resumed build knows a kept result's links
            if not result.reused:
                # Results from workers arrive as fresh strings; the same URLs recur on every page.
                result.links = [sys.intern(link) for link in result.links]
            self.frontier.add_links(result.links, path)
            self.frontier.add_links(result.built_urls, path)
            if result.kind == "alias" and result.target is not None:
                self.frontier.add(result.target, f"redirected to from {path}")
        if result.kind in ("page", "static", "redirect"):
            self._place(result)
        if self.progress is not None:
            self.progress(len(self.rendered), len(self.frontier))

    def _drop_unreachable(self) -> None:
        """Forget the kept results no page leads to any more (a link to them was removed)."""
        if all(old.edges() <= self.rendered[path].edges() for path, old in self.replaced.items()):
            return  # every page rendered again still links to all it linked to
        reachable: set[str] = set()
        stack = [seed.path for seed in self.seeds]
        while stack:
            path = stack.pop()
            if path not in reachable:
                reachable.add(path)
                result = self.rendered.get(path)
                if result is not None:
                    stack.extend(result.edges() - reachable)
        for path in [p for p in self.rendered if p not in reachable]:
            del self.rendered[path]
            self.frontier.origins.pop(path, None)
            name = self.files.pop(path, None)
            if name is not None:
                del self.owners[name]
                self._folders = None  # rebuilt when next needed
                if self.tree is not None and path not in self.deferred:
                    self.tree.unstage(name)
            if path in self.deferred:
                self.deferred.remove(path)
        self.dropped = True
        # A result refused its file because a page now dropped had it takes it after all.
        rejected, self._rejected = self._rejected, []
        for result, message, rival in rejected:
            if result.path not in self.rendered:
                continue
            if rival in self.rendered:
                self._rejected.append((result, message, rival))
            else:
                self._place(result)

    def _place(self, result: Rendered) -> None:
        """Give a result its file name, and write it now unless it needs every name first."""
        path = result.path
        if result.reused and result.output is not None:
            name, same_as_before = result.output[0], True
        else:
            try:
                name = file_for(path, "text/html" if result.kind == "redirect" else result.mimetype)
            except UnsafePathError as error:
                self.clashes.extend(error.problems)
                return
            old = self.replaced.get(path)
            same_as_before = old is not None and old.output is not None and old.output[0] == name
        # While every file placed so far has the name it had in the previous build,
        # they are files that coexisted then: only a new name needs checking.
        if not same_as_before or self._new_names:
            self._new_names = self._new_names or not same_as_before
            clash = self._clash(name, path)
            if clash is not None:
                self._rejected.append((result, *clash))
                return
        self.owners[name] = path
        if self._folders is not None:
            self._add_folders(name, path)
        self.files[path] = name
        if self.tree is None:
            return
        if self._needs_rewrite(result):
            self.deferred.append(path)  # relative links need every file name
        else:
            self._write(result, name)

    def _add_folders(self, name: str, path: str) -> None:
        assert self._folders is not None
        parts = name.split("/")
        for i in range(1, len(parts)):
            self._folders.setdefault("/".join(parts[:i]), path)

    def _folder_owners(self) -> dict[str, str]:
        """For each folder the build writes into, a site path written inside it."""
        if self._folders is None:
            self._folders = {}
            for name, path in self.owners.items():
                self._add_folders(name, path)
        return self._folders

    def _needs_rewrite(self, result: Rendered) -> bool:
        return (
            self.config.relative_urls
            and not result.reused
            and result.path != self.not_found_page  # shown at any depth: links stay as they are
            and (result.kind == "redirect" or result.mimetype in ("text/html", "text/css"))
        )

    def _write(self, result: Rendered, name: str) -> None:
        tree = self.tree
        assert tree is not None
        if result.reused:
            assert result.output is not None
            _, digest, size = result.output
            tree.reuse(name, digest, size)
            return
        if result.kind == "static" and not self._needs_rewrite(result):
            assert result.source is not None
            tree.copy_file(name, result.source)
        else:
            tree.write_bytes(name, self._output_bytes(result, name))
            result.body = None  # written: free the memory
        staged = tree.staged[name]
        result.output = (name, staged.digest, staged.size)

    # -- checks ----------------------------------------------------------------

    def raise_problems(self) -> None:
        """Raise BuildError naming every broken link, failing page and file clash."""
        problems = self._problems() + self.clashes + [message for _, message, _ in self._rejected]
        if problems:
            raised = sorted(p for p, r in self.rendered.items() if r.details)
            details = ""
            if raised:
                first = raised[0]
                shown = self.location.url_path(first)
                details = (
                    f"{shown} raised (the first page that did):\n{self.rendered[first].details}"
                )
            raise BuildError(sorted(set(problems), key=problems.index), details)

    def _clash(self, name: str, path: str) -> tuple[str, str] | None:
        """Why ``path`` cannot be written to ``name``, and the rival path; None when it can."""
        shown = self.location.url_path
        if name in self.owners:
            rival = self.owners[name]
            return f"{shown(rival)} and {shown(path)} would both be written to {name}", rival
        file_first, folder_first = None, None
        parts = name.split("/")
        for i in range(1, len(parts)):
            prefix = "/".join(parts[:i])
            if prefix in self.owners:
                file_first, folder_first = prefix, path
                break
        folders = self._folder_owners()
        if name in folders:
            file_first, folder_first = name, folders[name]
        if file_first is None or folder_first is None:
            return None
        file_owner = path if file_first == name else self.owners[file_first]
        message = (
            f"{shown(file_owner)} is written to the file {file_first}, but "
            f"{shown(folder_first)} needs a folder of that name; give the first URL an "
            "extension or a trailing /"
        )
        return message, folder_first if file_owner == path else file_owner

    def _referrers(self) -> tuple[dict[str, dict[str, None]], dict[str, dict[str, None]]]:
        """For each URL, the pages linking to it, and the pages building it with url_for."""
        linked: dict[str, dict[str, None]] = {}
        built: dict[str, dict[str, None]] = {}
        for page, result in self.rendered.items():
            for link in result.links:
                if link != page:
                    linked.setdefault(link, {})[page] = None
            for link in result.built_urls:
                if link != page:
                    built.setdefault(link, {})[page] = None
        # A link to a redirecting URL (a missing trailing slash) is a link to its target.
        for path, result in self.rendered.items():
            seen = {path}
            step: Rendered | None = result
            while step is not None and step.kind == "alias" and step.target not in seen:
                target = step.target
                assert target is not None
                seen.add(target)
                linked.setdefault(target, {}).update(linked.get(path, {}))
                step = self.rendered.get(target)
        return linked, built

    def _problems(self) -> list[str]:
        problems: list[str] = []
        failed = sorted(
            (path, result)
            for path, result in self.rendered.items()
            if result.kind in ("missing", "excluded", "error")
        )
        if not failed:
            return problems
        linked, built = self._referrers()
        for path, result in failed:
            origin = self.frontier.origins.get(path) or next(
                (f"linked from {page}" for page in [*linked.get(path, ()), *built.get(path, ())]),
                "found by the crawl",
            )
            shown = self.location.url_path(path)
            if result.kind in ("missing", "excluded"):
                pages = sorted(linked.get(path, ()))
                if pages:
                    where = ", ".join(self.location.url_path(p) for p in pages[:10])
                    more = f" and {len(pages) - 10} more" if len(pages) > 10 else ""
                    problems.append(f"broken link to {shown} ({result.problem}) on {where}{more}")
                elif result.kind == "missing" and path not in built:
                    # A seed that does not exist; excluded seeds and url_for() calls to
                    # routes without GET are left out silently.
                    problems.append(f"{shown} ({origin}) fails: {result.problem}")
            else:
                endpoint = f" (endpoint {result.endpoint!r})" if result.endpoint else ""
                problems.append(f"{shown}{endpoint} {result.problem} ({origin})")
        return problems

    def _warnings(self) -> list[str]:
        warnings: list[str] = []
        reached = {r.endpoint for r in self.rendered.values() if r.endpoint}
        for rule in sorted(self.site.url_map.iter_rules(), key=lambda r: r.rule):
            endpoint = rule.endpoint
            if (
                "GET" in (rule.methods or ())
                and rule.arguments
                and endpoint not in reached
                and endpoint not in self.site.unfrozen_endpoints
                and endpoint != "static"
            ):
                warnings.append(
                    f"nothing reached endpoint {endpoint!r} ({rule.rule}): no page links to it "
                    f"and it has no generator; add one with @site.values({endpoint!r}) or "
                    f"route(..., values=...), or mark it freeze=False"
                )
        location = self.location
        matches: dict[tuple[str, str], bool] = {}  # (type, file's base name): one check each
        mismatched: list[tuple[str, str]] = []
        for path, name in self.files.items():
            result = self.rendered[path]
            if result.kind == "page":
                key = (result.mimetype, name[name.rfind("/") + 1 :])
                match = matches.get(key)
                if match is None:
                    match = matches[key] = types_match(result.mimetype, name)
                if not match:
                    mismatched.append((path, name))
        for path, name in sorted(mismatched):
            mimetype = self.rendered[path].mimetype
            warnings.append(
                f"{location.url_path(path)} is served as {mimetype} but a static host "
                f"will serve the file {name} as {served_type(name)}; give the URL a matching "
                "extension"
            )
        for what in ("the query string", "cookies"):
            readers = sorted(p for p, r in self.rendered.items() if what in r.reads)
            if readers:
                shown = ", ".join(location.url_path(p) for p in readers[:10])
                warnings.append(
                    f"{shown} read {what} while rendering; a static host serves one file "
                    f"whatever {what} holds"
                )
        outside: dict[str, list[str]] = {}
        for path in sorted(p for p, r in self.rendered.items() if r.outside_links):
            for link in self.rendered[path].outside_links:
                outside.setdefault(link, []).append(location.url_path(path))
        for link, pages in sorted(outside.items()):
            warnings.append(
                f"link {link!r} on {', '.join(pages[:5])} leaves the site's base path "
                f"{location.base_path}/; build it with url_for() so the base path is added"
            )
        return warnings

    # -- writing ---------------------------------------------------------------

    def _relative(self, this_file: str) -> Callable[[str], str | None]:
        location = self.location
        page_url = location.absolute_url("/" + this_file)

        def replace_link(url: str) -> str | None:
            if "://" in url.split("?", 1)[0]:
                return None  # written as absolute (canonical links, _external=True): kept
            target, _ = location.resolve(url, page_url)
            if target is None:
                return None
            result = self.rendered.get(target)
            while result is not None and result.kind == "alias" and result.target:
                target = result.target
                result = self.rendered.get(target)
            name = self.files.get(target)
            if name is None:
                return None
            cut = min((i for i in (url.find("?"), url.find("#")) if i >= 0), default=len(url))
            return relative_link(this_file, name) + url[cut:]  # the query and fragment stay

        return replace_link

    def _output_bytes(self, result: Rendered, name: str) -> bytes:
        location = self.location
        if result.kind == "redirect":
            target = result.target or location.root_url
            internal, _ = location.resolve(target, target)
            if internal is not None and (not location.absolute or self.config.relative_urls):
                target = target.split(location.host, 1)[1]  # the path, query and fragment
            data = _REDIRECT_PAGE.format(url=html.escape(target, quote=True)).encode()
            mimetype = "text/html"
        elif result.kind == "static":
            assert result.source is not None
            data, mimetype = Path(result.source).read_bytes(), result.mimetype
        else:
            assert result.body is not None
            data, mimetype = result.body, result.mimetype
        if self._needs_rewrite(result):
            text = data.decode("utf-8")
            spans = list(link_spans(text, mimetype))
            data = rewrite_links(text, spans, self._relative(name)).encode("utf-8")
        return data

    def _sitemap(self) -> bytes:
        location = self.location
        entries = [
            f"  <url><loc>{html.escape(location.absolute_url(path))}</loc></url>\n"
            for path in sorted(self.files)
            if self.rendered[path].kind == "page"
            and self.rendered[path].mimetype == "text/html"
            and path != self.not_found_page
        ]
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(entries)
            + "</urlset>\n"
        ).encode()

    def execute(self) -> BuildReport:
        """Crawl, check, write and commit; the destination changes only if all went well."""
        tree = self.tree
        assert tree is not None
        try:
            with long_lived():
                report = self._execute(tree)
        except BaseException:
            tree.discard()
            raise
        if self.config.incremental and self._record_changed():
            with long_lived():
                self.records.save(
                    self.fingerprint,
                    self.digests,
                    self.seeds,
                    self.seed_deps,
                    self.rendered,
                    self.previous.record if self.previous is not None else None,
                )
        report.seconds = time.perf_counter() - self.started
        return report

    def _execute(self, tree: OutputTree) -> BuildReport:
        self.crawl()
        self.raise_problems()
        warnings = self._warnings()
        if self.config.strict and warnings:
            raise BuildError([f"(--strict) {w}" for w in warnings])
        for path in self.deferred:
            self._write(self.rendered[path], self.files[path])
        if self.config.sitemap and self.location.absolute and "sitemap.xml" not in tree.staged:
            tree.write_bytes("sitemap.xml", self._sitemap())
        report = self._report(warnings)
        tree.commit()
        return report

    def _record_changed(self) -> bool:
        """Whether this build's record differs from the one it resumed from."""
        if not self.resumed or self.previous is None or self.previous.changed or self.dropped:
            return True
        return any(not r.reused and r.kind != "static" for r in self.rendered.values())

    def _report(self, warnings: list[str]) -> BuildReport:
        tree = self.tree
        assert tree is not None
        report = BuildReport(destination=self.config.destination, warnings=warnings)
        for path in sorted(self.files):
            kind = self.rendered[path].kind
            (report.static_files if kind == "static" else report.pages).append(
                self.location.url_path(path)
            )
        report.jobs = self.jobs_used
        report.drafts = self.drafts
        report.removed = tree.stale_files()
        report.bytes = sum(f.size for f in tree.staged.values())
        report.bytes_written = tree.bytes_written
        report.unchanged = tree.unchanged
        report.reused = sum(1 for path in self.files if self.rendered[path].reused)
        return report
