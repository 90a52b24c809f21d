"""Markdown content: a folder of ``*.md`` files with YAML front matter, as ``Page`` objects.

Example::

    from freezer.pages import Pages

    posts = Pages(site, "content/posts")

    @site.route("/posts/<slug>/", values=posts.values("slug"))
    def post(slug):
        return render_template("post.html", post=posts.get_or_404(slug))
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import operator
import os
import pickle
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from stat import S_ISREG
from typing import Any

import yaml
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from .cache import atomic_write, load_pickle, prepare
from .errors import FreezerError
from .markup import MarkdownRenderer, MarkdownSettings
from .recorder import note_dependency
from .site import Site

_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
_ATX_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t#]*$", re.M)
_SETEXT_HEADING = re.compile(r"^(\S.*)\r?\n(?:=+|-+)[ \t]*$", re.M)
_FENCE = re.compile(r"^(```|~~~).*?^\1", re.M | re.S)


class ContentError(FreezerError):
    """A content file cannot be read: bad front matter, a bad date, a duplicate slug."""


def _line_of_key(front_matter: str, key: str) -> int:
    """Return the 1-based line of ``key:`` in the front matter (the file's line)."""
    match = re.search(rf"^{re.escape(key)}\s*:", front_matter, re.M)
    return 2 + front_matter[: match.start()].count("\n") if match else 1


def _parse_date(value: Any, path: Path, front_matter: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):  # datetime is a date too
        return value
    if isinstance(value, str):
        for parse in (dt.date.fromisoformat, dt.datetime.fromisoformat):
            try:
                return parse(value.strip())
            except ValueError:
                continue
    line = _line_of_key(front_matter, "date")
    raise ContentError(
        f"{path}:{line}: date {value!r} is not a date; write it as YYYY-MM-DD (or YYYY-MM-DD HH:MM)"
    )


_entry_name = operator.attrgetter("name")


def _first_heading(body: str) -> str | None:
    text = _FENCE.sub("", body)
    candidates = [m for m in (_ATX_HEADING.search(text), _SETEXT_HEADING.search(text)) if m]
    if not candidates:
        return None
    return min(candidates, key=lambda m: m.start()).group(1).strip()


_CACHE_VERSION = 3
#: From this many files to read, they are read in worker processes (when the build allows).
_PARALLEL_READ = 1000
#: ``map(function, items)`` as a list, possibly run in other processes.
MapFunction = Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]]
#: Up to this many re-parsed files (or 1% of the folder) do not rewrite the page cache.
_CACHE_SLACK = 20


#: A file's (mtime in ns, size): when both are the same, the file is taken as unchanged.
_Stamp = tuple[int, int]


def _split_front_matter(text: str) -> tuple[str, str]:
    """Return (front matter, body) of a page's text."""
    if text.startswith("\ufeff"):
        text = text[1:]
    match = _FRONT_MATTER.match(text)
    if match is None:
        return "", text
    return match.group(1) or "", text[match.end() :]


def _fields_of(file: str, slug: str, text: str) -> tuple[Any, ...]:
    """A page's fields (in the order of ``Page._CACHED``) from the text of its file."""
    path = Path(file)
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    front_matter, body = _split_front_matter(text)
    meta_digest = hashlib.sha256(front_matter.encode("utf-8", "surrogatepass")).hexdigest()
    try:
        meta = yaml.load(front_matter, Loader=_YAML_LOADER) if front_matter else {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(error, "problem", None) or str(error)
        raise ContentError(f"{path}:{line}: invalid YAML front matter: {problem}") from error
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ContentError(
            f"{path}:2: front matter must be 'key: value' lines, not a {type(meta).__name__}"
        )
    tags = meta.get("tags", [])
    if isinstance(tags, str):
        tags = [t.strip() for t in tags.split(",") if t.strip()]
    if not isinstance(tags, list):
        raise ContentError(
            f"{path}:{_line_of_key(front_matter, 'tags')}: tags must be a list like "
            "[python, web] or a comma-separated string"
        )
    title = meta.get("title")
    return (
        str(meta.get("slug", slug)),
        meta,
        str(title) if title else (_first_heading(body) or slug),
        _parse_date(meta.get("date"), path, front_matter),
        [str(t) for t in tags],
        bool(meta.get("draft", False)),
        digest,
        meta_digest,
    )


def _read_fields(item: tuple[str, str]) -> tuple[Any, ...]:
    """A page's fields from its file, given as (file, slug from the file name).

    The body is not kept: it is read again when it is rendered (a build renders it
    in a worker, and keeping 10,000 bodies in the parent costs more than reading
    them twice).
    """
    file, slug = item
    try:
        with open(file, encoding="utf-8") as handle:
            text = handle.read()
    except UnicodeDecodeError as error:
        raise ContentError(f"{file}: not UTF-8 text ({error})") from error
    return _fields_of(file, slug, text)


class Page:
    """One markdown file: its slug, front matter, source and (lazily) HTML."""

    #: What is kept in the page cache, so an unchanged file need not be read or parsed.
    _CACHED = ("slug", "meta", "title", "date", "tags", "draft", "digest", "meta_digest")

    def __init__(self, pages: Pages, file: str, stamp: _Stamp, fields: tuple[Any, ...]) -> None:
        self._pages = pages
        self._file = file
        self._stamp = stamp
        self._body: str | None = None
        self._html: Markup | None = None
        self._toc: Markup | None = None
        self.slug: str
        self.meta: dict[str, Any]
        self.title: str
        self.date: dt.date | None
        self.tags: list[str]
        self.draft: bool
        #: Changes when the file's bytes change (body or front matter).
        self.digest: str
        #: Changes when the front matter changes (what listings of pages show).
        self.meta_digest: str
        (
            self.slug,
            self.meta,
            self.title,
            self.date,
            self.tags,
            self.draft,
            self.digest,
            self.meta_digest,
        ) = fields  # in the order of _CACHED

    @cached_property
    def path(self) -> Path:
        """The markdown file."""
        return Path(self._file)

    def cached_fields(self) -> tuple[Any, ...]:
        """The fields the page cache keeps, in the order of ``_CACHED``."""
        return tuple(getattr(self, name) for name in self._CACHED)

    @property
    def body(self) -> str:
        """The markdown source after the front matter (read on first use)."""
        if self._body is None:
            with open(self._file, encoding="utf-8") as handle:
                self._body = _split_front_matter(handle.read())[1]
        return self._body

    def _convert(self) -> None:
        converted = self._pages.renderer().convert(self.body)
        self._html, self._toc = Markup(converted.html), Markup(converted.toc)

    def _rendered(self) -> Page:
        """This page as its file is now, converted (once per change of the file)."""
        current = self._pages._current(self)
        note_dependency(f"page:{current._file}")
        if current._html is None:
            current._convert()
        return current

    @property
    def html(self) -> Markup:
        """The body rendered to HTML (converted once, again only when the file changes)."""
        html = self._rendered()._html
        assert html is not None
        return html

    @property
    def toc(self) -> Markup:
        """The table of contents of the body's headings, as an HTML list."""
        toc = self._rendered()._toc
        assert toc is not None
        return toc

    def __getitem__(self, key: str) -> Any:
        return self.meta[key]

    def __repr__(self) -> str:
        return f"<Page {self.slug!r}>"


#: Page attributes a generator may name; any other name is looked up in the front matter.
_PAGE_FIELDS = frozenset({"slug", "title", "date", "tags", "draft", "path"})


def _resolve_attribute(page: Page, attribute: str) -> Any:
    head, *rest = attribute.split(".")
    value = getattr(page, head) if head in _PAGE_FIELDS else page.meta.get(head)
    for part in rest:
        value = getattr(value, part, None)
    return value


class Pages:
    """The markdown files of one folder (recursively), as Page objects.

    Iterating gives pages newest first (by ``date``, then by slug; undated
    pages last). While the site is being built, drafts (``draft: true``) are
    left out and files are read once; in preview they are shown and re-read
    when they change.
    """

    def __init__(
        self,
        site: Site,
        folder: str | os.PathLike[str],
        *,
        extensions: Sequence[str] | None = None,
        markdown_extensions: Sequence[str] | None = None,
        markdown_engine: str | None = None,
    ) -> None:
        self.site = site
        # Absolute and without "..": file watchers report paths in that form.
        self.folder = Path(os.path.abspath(Path(site.root_path, folder)))
        self.suffixes = tuple(extensions or (".md",))
        self.markdown_extensions = markdown_extensions
        self.markdown_engine = markdown_engine
        self._renderer: MarkdownRenderer | None = None
        self._pages: dict[str, Page] = {}
        self._by_path: dict[str, Page] = {}  # by file name
        self._scanned: list[tuple[str, str, _Stamp]] = []  # (file, slug, stamp) last read
        self._loaded_once = False
        site.content_sources.append(self)

    def __repr__(self) -> str:
        return f"<Pages {str(self.folder)!r}>"

    def renderer(self) -> MarkdownRenderer:
        """The markdown renderer, made on first use (the site's engine may be set late)."""
        engine = self.markdown_engine or self.site.markdown_engine
        if self._renderer is None or self._renderer.settings.engine != engine:
            cache = self.site.cache_folder
            self._renderer = MarkdownRenderer(
                MarkdownSettings.default(self.markdown_extensions, engine),
                Path(cache) if cache is not None else None,
            )
        return self._renderer

    def dependency_digests(self) -> dict[str, str]:
        """The current digest of each page file and of the folder's listing."""
        visible = self._visible()
        listing = hashlib.sha256()
        for page in sorted(visible, key=lambda p: p.slug):
            listing.update(f"{page.slug}\0{page.meta_digest}\0".encode())
        digests = {f"page:{page._file}": page.digest for page in visible}
        digests[f"listing:{self.folder}"] = listing.hexdigest()
        return digests

    # -- reading ---------------------------------------------------------------

    def _scan(self) -> list[tuple[str, str, _Stamp]]:
        if not self.folder.is_dir():
            raise ContentError(
                f"the content folder {self.folder} does not exist; create it or fix "
                f"Pages(site, {os.path.relpath(self.folder, self.site.root_path)!r})"
            )
        found: list[tuple[str, str, _Stamp]] = []
        self._scan_folder(str(self.folder), "", found)
        return found

    def _scan_folder(self, folder: str, prefix: str, found: list[tuple[str, str, _Stamp]]) -> None:
        # os.scandir gives each entry's type without a stat: this runs on every preview request.
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=_entry_name)
        suffixes = self.suffixes
        for entry in entries:
            name = entry.name
            if name.startswith("."):
                continue
            if entry.is_dir():
                if not name.startswith("_"):
                    self._scan_folder(entry.path, f"{prefix}{name}/", found)
                continue
            if not name.endswith(suffixes):
                continue
            for suffix in suffixes:
                if name.endswith(suffix):
                    break
            status = entry.stat()
            stamp = (status.st_mtime_ns, status.st_size)
            found.append((entry.path, prefix + name[: -len(suffix)], stamp))

    def _cache_file(self) -> Path | None:
        cache = self.site.cache_folder
        if cache is None:
            return None
        name = hashlib.sha256(str(self.folder.resolve()).encode()).hexdigest()[:16]
        return Path(cache) / "pages" / f"{name}.pickle"

    def _load_cache(self) -> dict[str, tuple[_Stamp, tuple[Any, ...]]]:
        path = self._cache_file()
        if path is None:
            return {}
        cached = load_pickle(path)
        if not isinstance(cached, dict) or cached.get("version") != _CACHE_VERSION:
            return {}
        entries: dict[str, tuple[_Stamp, tuple[Any, ...]]] = cached["pages"]
        return entries

    def _save_cache(self, pages: Iterable[Page]) -> None:
        path = self._cache_file()
        if path is None:
            return
        entries = {p._file: (p._stamp, p.cached_fields()) for p in pages}
        data = pickle.dumps({"version": _CACHE_VERSION, "pages": entries})
        with contextlib.suppress(OSError):
            prepare(path.parent.parent)
            atomic_write(path, data)

    def _rescan(self, changed: Collection[str]) -> list[tuple[str, str, _Stamp]]:
        """What a scan would find now, if only the files in ``changed`` may have changed."""
        folder = str(self.folder)
        updates: dict[str, tuple[str, _Stamp] | None] = {}
        for changed_path in changed:
            path = os.path.abspath(changed_path)
            if not path.startswith(folder + os.sep):
                if folder == path or folder.startswith(path + os.sep):
                    return self._scan()  # the folder itself changed
                continue
            parts = path[len(folder) + 1 :].split(os.sep)
            if any(part.startswith(".") for part in parts) or any(
                part.startswith("_") for part in parts[:-1]
            ):
                continue  # a hidden file, or in a folder left out
            suffix = next((s for s in self.suffixes if path.endswith(s)), None)
            try:
                status = os.stat(path)
            except FileNotFoundError:
                status = None
            is_file = status is not None and S_ISREG(status.st_mode)
            if suffix is None or (status is not None and not is_file):
                if is_file:
                    continue  # an image or another file beside the pages
                if status is not None or any(p.startswith(path + os.sep) for p in self._by_path):
                    return self._scan()  # a folder came or went: look at everything
                continue
            slug = "/".join(parts)[: -len(suffix)]
            updates[path] = None if status is None else (slug, (status.st_mtime_ns, status.st_size))
        if not updates:
            return self._scanned
        listing: list[tuple[str, str, _Stamp]] = []
        for path, slug, stamp in self._scanned:
            if path not in updates:
                listing.append((path, slug, stamp))
            elif (update := updates.pop(path)) is not None:
                listing.append((path, *update))
        listing.extend((path, *update) for path, update in updates.items() if update is not None)
        return listing

    def _reload(
        self, changed: Collection[str] | None = None, map_in_processes: MapFunction | None = None
    ) -> None:
        pages: dict[str, Page] = {}
        by_path: dict[str, Page] = {}
        first = not self._loaded_once
        cached = self._load_cache() if first else {}
        listing = self._scan() if first or changed is None else self._rescan(changed)
        known: dict[str, Page | tuple[Any, ...]] = {}  # a Page, or the fields of one
        unread: list[tuple[str, str]] = []
        for path, slug, stamp in listing:
            page = self._by_path.get(path)
            if page is not None and page._stamp == stamp:
                known[path] = page
            elif (hit := cached.get(path)) is not None and hit[0] == stamp:
                known[path] = hit[1]
            else:
                unread.append((path, slug))
        # The front matter of thousands of new files takes seconds to parse: on
        # every CPU when the build allows it, before any page can be rendered.
        if map_in_processes is not None and len(unread) >= _PARALLEL_READ:
            read = map_in_processes(_read_fields, unread)
        else:
            read = [_read_fields(item) for item in unread]
        known.update(zip((path for path, _ in unread), read, strict=True))
        for path, _slug, stamp in listing:
            found = known[path]
            page = found if isinstance(found, Page) else Page(self, path, stamp, found)
            other = pages.get(page.slug)
            if other is not None:
                raise ContentError(
                    f"{path} and {other._file} have the same slug {page.slug!r}; rename one "
                    "or give it another 'slug:' in its front matter"
                )
            pages[page.slug] = page
            by_path[path] = page
        # Rewriting the whole cache for a handful of edited files costs more than
        # parsing those few again next time.
        parsed = len(unread)
        if parsed > max(_CACHE_SLACK, len(by_path) // 100) or (first and not cached and parsed):
            self._save_cache(by_path.values())
        self._pages, self._by_path, self._scanned = pages, by_path, listing
        self._loaded_once = True

    def refresh(
        self, changed: Collection[str] | None = None, map_in_processes: MapFunction | None = None
    ) -> None:
        """Read the folder again now; a build calls this when it starts.

        ``changed``, when given, holds every file that may have changed since
        the last read (as a file watcher reports them): only those are looked at.
        ``map_in_processes``, when given, is a ``map`` over worker processes for
        reading many new files at once.
        """
        self._reload(changed, map_in_processes)

    def _fresh(self) -> dict[str, Page]:
        # A build reads the folder once; a preview re-reads it so edits show at once.
        if not self._loaded_once or not self.site.building:
            self._reload()
        return self._pages

    def _current(self, page: Page) -> Page:
        if self.site.building:
            return page
        self._fresh()
        return self._by_path.get(page._file, page)

    def _visible(self) -> list[Page]:
        note_dependency(f"listing:{self.folder}")
        hide_drafts = self.site.building
        return [p for p in self._fresh().values() if not (hide_drafts and p.draft)]

    # -- the public surface ------------------------------------------------------

    def __iter__(self) -> Iterator[Page]:
        pages = self._visible()
        undated = sorted((p for p in pages if p.date is None), key=lambda p: p.slug)
        dated = sorted((p for p in pages if p.date is not None), key=lambda p: p.slug)
        dated.sort(key=lambda p: _sort_key(p.date), reverse=True)  # stable: ties stay by slug
        return iter(dated + undated)

    def __len__(self) -> int:
        return len(self._visible())

    def get(self, slug: str, default: Page | None = None) -> Page | None:
        """Return the page with ``slug``, or ``default`` (drafts are missing from builds)."""
        page = self._fresh().get(slug)
        if page is None or (page.draft and self.site.building):
            note_dependency(f"listing:{self.folder}")  # the page may appear later
            return default
        note_dependency(f"page:{page._file}")
        return page

    def get_or_404(self, slug: str) -> Page:
        """Return the page with ``slug``, or answer 404 Not Found."""
        page = self.get(slug)
        if page is None:
            raise NotFound(f"no page {slug!r} in {self.folder.name}/")
        return page

    def by_tag(self, tag: str) -> list[Page]:
        """The pages tagged ``tag``, newest first."""
        return [p for p in self if tag in p.tags]

    def tags(self) -> list[str]:
        """Every tag used, sorted."""
        return sorted({tag for page in self for tag in page.tags})

    @property
    def drafts(self) -> int:
        """How many pages are drafts (left out of builds)."""
        return sum(1 for p in self._fresh().values() if p.draft)

    def values(
        self, name: str, attribute: str | None = None
    ) -> Callable[[], Iterable[dict[str, Any]]]:
        """Return a URL generator yielding ``{name: page.<attribute>}`` for every page.

        ``attribute`` defaults to ``name`` and may be dotted (``"date.year"``);
        list values (``"tags"``) yield each item. Each value is yielded once.

        Example::

            @site.route("/tags/<tag>/", values=posts.values("tag", "tags"))
        """
        attribute = attribute or name

        def generate() -> Iterator[dict[str, Any]]:
            seen: set[Any] = set()
            for page in self:
                value = _resolve_attribute(page, attribute)
                items = value if isinstance(value, (list, tuple, set)) else [value]
                for item in items:
                    if item is not None and item not in seen:
                        seen.add(item)
                        yield {name: item}

        generate.__qualname__ = f"{self!r}.values({name!r})"
        return generate


def _sort_key(value: dt.date | None) -> tuple[dt.date, dt.time]:
    if isinstance(value, dt.datetime):
        return value.date(), value.time().replace(tzinfo=None)
    assert value is not None
    return value, dt.time.min
