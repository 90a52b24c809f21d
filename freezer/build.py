"""The Freezer: crawls a site, checks it, and writes it as static files."""

from __future__ import annotations

import html
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .config import DEFAULT_STATIC_DOTFILES, BuildConfig
from .crawl import NOT_FOUND_PATH, Frontier, Generator, Rendered, Renderer, Seed
from .errors import BuildError, FreezerError
from .links import link_spans, rewrite_links
from .output import OutputTree, check_destination
from .paths import file_for, relative_link, served_type, types_match
from .site import Site

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
    seconds: float = 0.0
    jobs: int = 1

    def summary(self) -> str:
        """One line: pages, static files, size, time, jobs, destination."""
        size = _human_size(self.bytes)
        drafts = f", {self.drafts} drafts left out" if self.drafts else ""
        return (
            f"Built {len(self.pages)} pages and {len(self.static_files)} static files "
            f"({size}{drafts}) in {self.seconds:.2f} s with {self.jobs} "
            f"{'job' if self.jobs == 1 else 'jobs'} into {self.destination}"
        )


def _human_size(count: int) -> str:
    size = float(count)
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} bytes"


@dataclass
class CrawlResult:
    """Every URL the crawl reached, rendered, and how it was found."""

    rendered: dict[str, Rendered]
    frontier: Frontier
    not_found_page: str | None


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

    def _renderer(self) -> Renderer:
        return Renderer(self.site, self.config.location, self.config.exclude)

    def seeds(self, renderer: Renderer) -> list[Seed]:
        """Every URL the build starts from: rules, generators, static files."""
        seeds: list[Seed] = []
        endpoints = sorted({rule.endpoint for rule in self.site.url_map.iter_rules()})
        for endpoint in endpoints:
            if endpoint == "static" or endpoint in self.site.unfrozen_endpoints:
                continue
            seeds.extend(renderer.urls_for_endpoint(endpoint))
        for generator in self.generators:
            seeds.extend(renderer.generator_seeds(generator))
        seeds.extend(renderer.static_seeds(self.config.static_dotfiles))
        return seeds

    def _crawl(self, progress: ProgressCallback | None = None) -> CrawlResult:
        building, self.site.building = self.site.building, True
        try:
            return self._crawl_site(progress)
        finally:
            self.site.building = building

    def _crawl_site(self, progress: ProgressCallback | None) -> CrawlResult:
        renderer = self._renderer()
        frontier = Frontier()
        for seed in self.seeds(renderer):
            frontier.add(seed.path, seed.origin)
        not_found_page = None
        if renderer.has_not_found_page():
            not_found_page = NOT_FOUND_PATH
            frontier.add(NOT_FOUND_PATH, "the 404 error handler")
        rendered: dict[str, Rendered] = {}
        while (path := frontier.pop()) is not None:
            result = renderer.render(path, error_page=path == not_found_page)
            rendered[path] = result
            for link in result.links:
                frontier.add_link(link, path, built=False)
            for link in result.built_urls:
                frontier.add_link(link, path, built=True)
            if result.kind == "alias" and result.target is not None:
                frontier.add(result.target, f"redirected to from {path}")
                frontier.found[result.target].linked_from.extend(frontier.found[path].linked_from)
            if progress is not None:
                progress(len(rendered), len(frontier))
        return CrawlResult(rendered, frontier, not_found_page)

    def urls(self) -> list[str]:
        """Every URL the build would write (with the base path), without writing anything."""
        crawl = self._crawl()
        files = self._files(crawl)
        location = self.config.location
        return sorted(location.url_path(path) for path in files)

    # -- checks ----------------------------------------------------------------

    def _problems(self, crawl: CrawlResult) -> list[str]:
        problems: list[str] = []
        for path, result in sorted(crawl.rendered.items()):
            discovery = crawl.frontier.found.get(path)
            shown = self.config.location.url_path(path)
            if result.kind in ("missing", "excluded"):
                if discovery is None:
                    continue
                pages = sorted(discovery.linked_from)
                if pages:
                    where = ", ".join(self.config.location.url_path(p) for p in pages[:10])
                    more = f" and {len(pages) - 10} more" if len(pages) > 10 else ""
                    problems.append(f"broken link to {shown} ({result.problem}) on {where}{more}")
                elif result.kind == "missing" and not discovery.built_by:
                    # A seed that does not exist; excluded seeds and url_for() calls to
                    # routes without GET are left out silently.
                    problems.append(f"{shown} from the {discovery.origin} fails: {result.problem}")
            elif result.kind == "error":
                origin = discovery.origin if discovery is not None else "the crawl"
                endpoint = f" (endpoint {result.endpoint!r})" if result.endpoint else ""
                problems.append(f"{shown}{endpoint} {result.problem}; reached from {origin}")
        return problems

    def _files(self, crawl: CrawlResult) -> dict[str, str]:
        """Map every site path that becomes a file to its file name; raise on clashes."""
        files: dict[str, str] = {}
        owners: dict[str, str] = {}
        problems: list[str] = []
        for path, result in sorted(crawl.rendered.items()):
            if result.kind not in ("page", "static", "redirect"):
                continue
            mimetype = "text/html" if result.kind == "redirect" else result.mimetype
            try:
                name = file_for(path, mimetype)
            except FreezerError as error:
                problems.append(str(error).split("\n  - ", 1)[-1])
                continue
            if name in owners:
                problems.append(
                    f"{self.config.location.url_path(owners[name])} and "
                    f"{self.config.location.url_path(path)} would both be written to {name}"
                )
                continue
            owners[name] = path
            files[path] = name
        names = set(owners)
        for name in names:
            parts = name.split("/")
            for i in range(1, len(parts)):
                prefix = "/".join(parts[:i])
                if prefix in names:
                    problems.append(
                        f"{self.config.location.url_path(owners[prefix])} is written to the file "
                        f"{prefix}, but {self.config.location.url_path(owners[name])} needs a "
                        f"folder of that name; give the first URL an extension or a trailing /"
                    )
        if problems:
            raise BuildError(sorted(set(problems)))
        return files

    def _warnings(self, crawl: CrawlResult, files: dict[str, str]) -> list[str]:
        warnings: list[str] = []
        reached = {r.endpoint for r in crawl.rendered.values() if r.endpoint}
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
        location = self.config.location
        for path, name in sorted(files.items()):
            result = crawl.rendered[path]
            if result.kind == "page" and not types_match(result.mimetype, name):
                warnings.append(
                    f"{location.url_path(path)} is served as {result.mimetype} but a static host "
                    f"will serve the file {name} as {served_type(name)}; give the URL a matching "
                    "extension"
                )
        for what in ("the query string", "cookies"):
            readers = sorted(p for p, r in crawl.rendered.items() if what in r.reads)
            if readers:
                shown = ", ".join(location.url_path(p) for p in readers[:10])
                warnings.append(
                    f"{shown} read {what} while rendering; a static host serves one file "
                    f"whatever {what} holds"
                )
        outside: dict[str, list[str]] = {}
        for path, result in sorted(crawl.rendered.items()):
            for link in result.outside_links:
                outside.setdefault(link, []).append(location.url_path(path))
        for link, pages in sorted(outside.items()):
            warnings.append(
                f"link {link!r} on {', '.join(pages[:5])} leaves the site's base path "
                f"{location.base_path}/; build it with url_for() so the base path is added"
            )
        return warnings

    # -- writing ---------------------------------------------------------------

    def _relative(
        self, crawl: CrawlResult, files: dict[str, str], this_file: str
    ) -> Callable[[str], str | None]:
        location = self.config.location
        page_url = location.absolute_url("/" + this_file)

        def replace_link(url: str) -> str | None:
            target, _ = location.resolve(url, page_url)
            if target is None:
                return None
            result = crawl.rendered.get(target)
            while result is not None and result.kind == "alias" and result.target:
                target = result.target
                result = crawl.rendered.get(target)
            name = files.get(target)
            if name is None:
                return None
            suffix = ""
            for mark in ("#", "?"):
                if mark in url:
                    suffix = url[url.index(mark) :]
                    break
            return relative_link(this_file, name) + suffix

        return replace_link

    def _output_bytes(self, crawl: CrawlResult, files: dict[str, str], result: Rendered) -> bytes:
        location = self.config.location
        if result.kind == "redirect":
            target = result.target or location.root_url
            internal, _ = location.resolve(target, target)
            if internal is not None and not location.absolute:
                target = target.split(location.host, 1)[1]  # the path, query and fragment
            data = _REDIRECT_PAGE.format(url=html.escape(target, quote=True)).encode()
            mimetype = "text/html"
        else:
            assert result.body is not None
            data, mimetype = result.body, result.mimetype
        # The 404 page is served at every missing URL, so its links stay root-relative.
        if (
            self.config.relative_urls
            and result.path != crawl.not_found_page
            and mimetype
            in (
                "text/html",
                "text/css",
            )
        ):
            text = data.decode("utf-8")
            name = files[result.path]
            spans = list(link_spans(text, mimetype))
            data = rewrite_links(text, spans, self._relative(crawl, files, name)).encode("utf-8")
        return data

    def _sitemap(self, crawl: CrawlResult, files: dict[str, str]) -> bytes:
        location = self.config.location
        entries = [
            f"  <url><loc>{html.escape(location.absolute_url(path))}</loc></url>\n"
            for path in sorted(files)
            if crawl.rendered[path].kind == "page"
            and crawl.rendered[path].mimetype == "text/html"
            and path != crawl.not_found_page
        ]
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "".join(entries)
            + "</urlset>\n"
        ).encode()

    def _protected_folders(self) -> list[Path]:
        folders = [Path(self.site.root_path)]
        folders.extend(source.folder for source in self.site.content_sources)
        for folder in (self.site.template_folder, self.site.static_folder):
            if folder is not None:
                folders.append(Path(folder))
        return folders

    def build(self, progress: ProgressCallback | None = None) -> BuildReport:
        """Crawl, check and write the site; raise BuildError when anything is wrong."""
        started = time.perf_counter()
        destination = self.config.destination
        check_destination(destination, self._protected_folders())
        crawl = self._crawl(progress)
        problems = self._problems(crawl)
        if problems:
            raise BuildError(problems)
        files = self._files(crawl)
        warnings = self._warnings(crawl, files)
        if self.config.strict and warnings:
            raise BuildError([f"(--strict) {w}" for w in warnings])
        report = BuildReport(destination=destination, warnings=warnings, jobs=1)
        report.drafts = sum(source.drafts for source in self.site.content_sources)
        tree = OutputTree(destination, force=self.config.force)
        try:
            location = self.config.location
            for path, name in sorted(files.items()):
                result = crawl.rendered[path]
                if result.kind == "static" and not (
                    self.config.relative_urls and result.mimetype == "text/css"
                ):
                    assert result.source is not None
                    tree.copy_file(name, result.source)
                else:
                    if result.kind == "static":
                        assert result.source is not None
                        result.body = Path(result.source).read_bytes()
                    tree.write_bytes(name, self._output_bytes(crawl, files, result))
                listing = report.static_files if result.kind == "static" else report.pages
                listing.append(location.url_path(path))
            wants_sitemap = self.config.sitemap and location.absolute
            if wants_sitemap and "sitemap.xml" not in tree.staged:
                tree.write_bytes("sitemap.xml", self._sitemap(crawl, files))
            report.removed = tree.stale_files()
            tree.commit()
        except BaseException:
            tree.discard()
            raise
        report.bytes = sum(f.size for f in tree.staged.values())
        report.bytes_written = tree.bytes_written
        report.unchanged = tree.unchanged
        report.seconds = time.perf_counter() - started
        return report
