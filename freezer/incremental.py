"""Incremental builds: what the previous build rendered from what, and what can be reused.

A URL's output is reused when everything global is unchanged (the site's
Python code and other files, its templates, the build settings) and every
piece of content its render read (a page file, a folder listing) still has
the same digest, and the previous output file is still there untouched.
Anything in doubt is rendered again. The seeds are recorded the same way,
with what their generators read, so that a build whose seeds still hold can
start from the previous results instead of from the seeds (see build.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import operator
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import load_record, save_record
from .config import BuildConfig
from .crawl import Rendered, Seed
from .output import MANIFEST_NAME
from .paths import is_editor_litter
from .site import Site

#: Folders under the site's root whose files never change what a page renders.
_SKIPPED_FOLDERS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        ".venv",
        "venv",
        "node_modules",
        ".freezer-cache",
        ".pytest_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".tox",
    }
)

#: What the record keeps of each result, in the order of ``Rendered``'s fields after ``path``.
_RECORDED_FIELDS = (
    "kind",
    "endpoint",
    "status",
    "mimetype",
    "target",
    "links",
    "built_urls",
    "outside_links",
    "reads",
    "deps",
    "problem",
    "source",
    "output",
)
_recorded = operator.attrgetter(*_RECORDED_FIELDS)
_KIND, _DEPS, _OUTPUT = (_RECORDED_FIELDS.index(name) for name in ("kind", "deps", "output"))


_entry_name = operator.attrgetter("name")


def _tree_stamp(
    folder: str,
    skip: set[str],
    digest: Any,
    followed: tuple[str, ...] = (),
    seen: set[tuple[int, int]] | None = None,
) -> None:
    """Add the name, size and mtime of every file under ``folder`` to ``digest``.

    In a content folder, ``followed`` holds the endings of its pages, which are
    followed page by page instead; hidden files and folders there are left out,
    and files under "_" folders (which hold no pages) are stamped like any other.
    """
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=_entry_name)
        status = os.stat(folder)
    except OSError:
        return
    seen = set() if seen is None else seen
    if (status.st_dev, status.st_ino) in seen:
        return  # reached again through a link: a link back up would never end
    seen.add((status.st_dev, status.st_ino))
    if any(entry.name == MANIFEST_NAME for entry in entries):
        return  # another build's output: never an input
    for entry in entries:
        name = entry.name
        if is_editor_litter(name) or (followed and name.startswith(".")):
            continue
        try:
            if entry.is_dir():  # links to folders are followed: a theme may live elsewhere
                if (
                    name not in _SKIPPED_FOLDERS
                    and not name.endswith((".freezer-tmp", ".freezer-old"))  # builds being made
                    and entry.path not in skip
                ):
                    pages_below = () if name.startswith("_") else followed
                    _tree_stamp(entry.path, skip, digest, pages_below, seen)
                continue
            if followed and name.endswith(followed):
                continue  # a page
            stat = entry.stat()
        except OSError:
            continue
        digest.update(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())


def global_fingerprint(site: Site, config: BuildConfig) -> str:
    """A digest of everything that may change every page: code, templates, data, settings."""
    digest = hashlib.sha256()
    digest.update(
        repr(
            (
                config.base_url,
                config.relative_urls,
                config.exclude,
                config.static_dotfiles,
                site.markdown_engine,
            )
        ).encode()
    )
    root = Path(site.root_path).resolve()
    skip = {str(config.destination.resolve())}
    if site.static_folder is not None:
        skip.add(str(Path(site.static_folder).resolve()))  # copied and checked on every build
    content = {str(Path(source.folder).resolve()): source for source in site.content_sources}
    skip.update(content)
    # The site's own files: code, templates, data files it may open. A template
    # change re-renders every page; that stays correct without tracking includes.
    _tree_stamp(str(root), skip, digest)
    # Content folders: their pages are followed one by one, but any other file
    # there (an image a generator lists, a data file) counts like the site's own.
    for folder, source in sorted(content.items()):
        _tree_stamp(folder, set(), digest, source.suffixes)
    if site.template_folder and not Path(site.template_folder).resolve().is_relative_to(root):
        _tree_stamp(str(Path(site.template_folder).resolve()), skip, digest)
    # freezer's own code: a new version may render differently.
    _tree_stamp(os.path.dirname(os.path.abspath(__file__)), set(), digest)
    return digest.hexdigest()


def record_path(site: Site, config: BuildConfig) -> Path | None:
    """Where the record of builds into this destination is kept (None: no cache folder)."""
    if site.cache_folder is None:
        return None
    name = hashlib.sha256(str(config.destination.resolve()).encode()).hexdigest()[:16]
    return Path(site.cache_folder) / "builds" / f"{name}.pickle"


@dataclass
class Record:
    """What one build leaves for the next: every result, its seeds, and what they read."""

    fingerprint: str
    #: The digest of every piece of content (page file, folder listing) at build time.
    digests: dict[str, str]
    seeds: list[Seed]
    #: The content the view seeds' generators read.
    seed_deps: frozenset[str]
    #: Each result's recorded fields (see ``_RECORDED_FIELDS``), by site path.
    results: dict[str, tuple[Any, ...]]
    #: The name of the base file this record was read from or written as.
    base: str = ""
    #: The paths whose results differ from the base file's (kept in the delta file).
    delta: frozenset[str] = frozenset()


#: Records of recent builds in this process, by record file, with the files' stamps.
_remembered: dict[Path, tuple[tuple[Any, ...], Record]] = {}
_REMEMBERED_MAX = 4

#: A delta is folded into a new base once it holds more results than this, or this share.
_DELTA_RESULTS = 100
_DELTA_SHARE = 0.1


class RecordStore:
    """The record of the builds into one destination.

    On disk it is a base file with every result and, after builds that
    changed a few results, a small delta file holding just those: a one-page
    edit rewrites kilobytes, not the whole record. The last record is also
    kept in memory, so ``freezer serve --built`` does not read it back.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path

    @property
    def _delta_path(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.stem + ".delta.pickle")

    def _stamps(self) -> tuple[Any, ...]:
        stamps: list[Any] = []
        for path in (self.path, self._delta_path):
            try:
                status = os.stat(path)  # type: ignore[arg-type]
            except OSError:
                stamps.append(None)
            else:
                stamps.append((status.st_ino, status.st_mtime_ns, status.st_size))
        return tuple(stamps)

    def _remember(self, record: Record) -> None:
        assert self.path is not None
        _remembered.pop(self.path, None)
        _remembered[self.path] = (self._stamps(), record)
        while len(_remembered) > _REMEMBERED_MAX:
            del _remembered[next(iter(_remembered))]

    def load(self, fingerprint: str) -> Record | None:
        """The record, if there is one made under the same ``fingerprint``."""
        if self.path is None:
            return None
        remembered = _remembered.get(self.path)
        if remembered is not None and remembered[0] == self._stamps():
            record: Record | None = remembered[1]
        else:
            record = self._read()
            if record is not None:
                self._remember(record)
        if record is None or record.fingerprint != fingerprint:
            return None
        return record

    def _read(self) -> Record | None:
        assert self.path is not None
        base = load_record(self.path)
        if base is None:
            return None
        try:
            record = Record(
                base["fingerprint"],
                base["digests"],
                base["seeds"],
                base["seed_deps"],
                base["results"],
                base=base["name"],
            )
            delta = load_record(self._delta_path)
            if delta is not None and delta["base"] == record.base:
                record.fingerprint = delta["fingerprint"]
                record.digests = delta["digests"]
                record.seeds = delta["seeds"]
                record.seed_deps = delta["seed_deps"]
                record.results.update(delta["results"])
                for path in delta["removed"]:
                    record.results.pop(path, None)
                record.delta = frozenset(delta["results"]).union(delta["removed"])
            record.seeds = list(map(Seed._make, record.seeds))
        except (KeyError, TypeError):
            return None  # written by another version: start afresh
        return record

    def save(
        self,
        fingerprint: str,
        digests: dict[str, str],
        seeds: list[Seed],
        seed_deps: frozenset[str],
        results: dict[str, Rendered],
        previous: Record | None,
    ) -> None:
        """Store this build's record; ``previous`` is the record the build started from."""
        if self.path is None:
            return
        record = Record(fingerprint, digests, seeds, seed_deps, {})
        delta: set[str] | None = None
        if previous is not None and previous.fingerprint == fingerprint and previous.base:
            # Kept results are recorded as they were: only the others are new.
            record.results = dict(previous.results)
            removed = [path for path in record.results if path not in results]
            for path in removed:
                del record.results[path]
            fresh = [result for result in results.values() if not result.reused]
            for result in fresh:
                record.results[result.path] = _recorded(result)
            delta = set(previous.delta).union(removed, (result.path for result in fresh))
        else:
            record.results = {path: _recorded(result) for path, result in results.items()}
        common = {
            "fingerprint": fingerprint,
            "digests": digests,
            "seeds": [tuple(seed) for seed in seeds],
            "seed_deps": seed_deps,
        }
        folder, name = self.path.parent.parent, self.path.name
        if (
            delta is not None
            and previous is not None
            and len(delta) <= max(_DELTA_RESULTS, _DELTA_SHARE * len(record.results))
        ):
            record.base, record.delta = previous.base, frozenset(delta)
            table = record.results
            save_record(
                folder,
                self._delta_path.name,
                {
                    **common,
                    "base": record.base,
                    "results": {path: table[path] for path in delta if path in table},
                    "removed": [path for path in delta if path not in table],
                },
            )
        else:
            record.base = secrets.token_hex(8)
            # Plain tuples and dicts, not objects: they load several times faster.
            save_record(folder, name, {**common, "name": record.base, "results": record.results})
            with contextlib.suppress(OSError):
                os.unlink(self._delta_path)
        self._remember(record)


def recorded_result(path: str, fields: tuple[Any, ...]) -> Rendered:
    """The result the record holds for ``path``, marked as taken from the previous build."""
    result = Rendered(path, *fields)
    result.reused = True
    return result


class PreviousBuild:
    """The last successful build's results, and which of them still hold."""

    def __init__(
        self, record: Record, digests: dict[str, str], manifest: dict[str, str], destination: Path
    ) -> None:
        self.record = record
        self.manifest = manifest
        self._destination = str(destination) + os.sep  # file names are joined to it often
        before = record.digests
        #: The content keys whose digest differs from the previous build's.
        self.changed = frozenset(
            key for key in before.keys() | digests.keys() if before.get(key) != digests.get(key)
        )

    def seeds_hold(self, static_seeds: list[Seed]) -> bool:
        """Whether the view seeds are as recorded (their generators read nothing that changed)
        and the static folder holds the same files."""
        recorded_static = [s for s in self.record.seeds if s.endpoint == "static"]
        return self.changed.isdisjoint(self.record.seed_deps) and recorded_static == static_seeds

    def view_seeds(self) -> list[Seed]:
        """The recorded seeds other than the static folder's."""
        return [s for s in self.record.seeds if s.endpoint != "static"]

    def reusable(self, path: str) -> Rendered | None:
        """The previous result for ``path`` when nothing it read has changed, else None."""
        fields = self.record.results.get(path)
        if fields is None or not self.holds(fields):
            return None
        return recorded_result(path, fields)

    def holds(self, fields: tuple[Any, ...]) -> bool:
        """Whether a recorded result still holds: content unchanged, its file untouched."""
        kind, deps, output = fields[_KIND], fields[_DEPS], fields[_OUTPUT]
        # Only rendered pages are worth keeping. The rest cost little to look at again,
        # and may depend on what the record does not follow: static files are copied
        # (or found unchanged) on every build, and a missing static file may appear.
        if kind not in ("page", "redirect") or output is None:
            return False
        if not self.changed.isdisjoint(deps):
            return False
        file, digest, size = output
        if self.manifest.get(file) != digest:
            return False
        try:
            return bool(os.stat(self._destination + file).st_size == size)
        except OSError:
            return False
