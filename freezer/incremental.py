"""Incremental builds: what the previous build rendered from what, and what can be reused.

A URL's output is reused when everything global is unchanged (the site's
Python code and other files, its templates, the build settings) and every
piece of content its render read (a page file, a folder listing) still has
the same digest, and the previous output file is still there untouched.
Anything in doubt is rendered again.
"""

from __future__ import annotations

import hashlib
import operator
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import load_record, save_record
from .config import BuildConfig
from .crawl import Rendered, Seed
from .output import MANIFEST_NAME
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


def _tree_stamp(folder: str, skip: set[str], digest: Any) -> None:
    """Add the name, size and mtime of every file under ``folder`` to ``digest``."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=_entry_name)
    except OSError:
        return
    if any(entry.name == MANIFEST_NAME for entry in entries):
        return  # another build's output: never an input
    for entry in entries:
        name = entry.name
        try:
            if entry.is_dir():
                if (
                    name not in _SKIPPED_FOLDERS
                    and not name.endswith((".freezer-tmp", ".freezer-old"))  # builds being made
                    and entry.path not in skip
                ):
                    _tree_stamp(entry.path, skip, digest)
                continue
            if name.endswith((".pyc", "~")):
                continue
            stat = entry.stat()
        except OSError:
            continue
        digest.update(f"{entry.path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())


_entry_name = operator.attrgetter("name")


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
    skip.update(str(Path(source.folder).resolve()) for source in site.content_sources)
    # The site's own files: code, templates, data files it may open. A template
    # change re-renders every page; that stays correct without tracking includes.
    _tree_stamp(str(root), skip, digest)
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
    #: How the crawl first came to each URL, for messages.
    origins: dict[str, str]
    #: Each result's recorded fields (see ``_RECORDED_FIELDS``), by site path.
    results: dict[str, tuple[Any, ...]]


def save(
    path: Path | None,
    fingerprint: str,
    digests: dict[str, str],
    seeds: list[Seed],
    seed_deps: frozenset[str],
    origins: dict[str, str],
    results: Iterable[Rendered],
) -> None:
    """Store this build's record for the next incremental build."""
    if path is None:
        return
    record = Record(
        fingerprint,
        digests,
        seeds,
        seed_deps,
        origins,
        {result.path: _recorded(result) for result in results},
    )
    # Plain tuples and dicts, not objects: they load several times faster.
    save_record(
        path.parent.parent,
        path.name,
        {
            "fingerprint": record.fingerprint,
            "digests": record.digests,
            "seeds": [tuple(seed) for seed in record.seeds],
            "seed_deps": record.seed_deps,
            "origins": record.origins,
            "results": record.results,
        },
    )


def load(path: Path | None, fingerprint: str) -> Record | None:
    """The record at ``path``, if there is one made under the same ``fingerprint``."""
    data = load_record(path) if path is not None else None
    if data is None or data.get("fingerprint") != fingerprint:
        return None
    try:
        return Record(
            fingerprint,
            data["digests"],
            list(map(Seed._make, data["seeds"])),
            data["seed_deps"],
            data["origins"],
            data["results"],
        )
    except (KeyError, TypeError):
        return None  # written by another version: start afresh


class PreviousBuild:
    """The last successful build's results, and which of them still hold."""

    def __init__(
        self, record: Record, digests: dict[str, str], manifest: dict[str, str], destination: Path
    ) -> None:
        self.record = record
        self.manifest = manifest
        self._destination = str(destination)
        before = record.digests
        #: The content keys whose digest differs from the previous build's.
        self.changed = frozenset(
            key for key in before.keys() | digests.keys() if before.get(key) != digests.get(key)
        )
        self.reused = 0

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
        result = Rendered(path, *fields)
        result.reused = True
        self.reused += 1
        return result

    def holds(self, fields: tuple[Any, ...]) -> bool:
        """Whether a recorded result still holds: content unchanged, its file untouched."""
        kind, deps, output = fields[_KIND], fields[_DEPS], fields[_OUTPUT]
        if kind == "static" or kind == "error" or not self.changed.isdisjoint(deps):
            return False  # static files are copied (or found unchanged) on every build
        if output is None:
            return True
        file, digest, size = output
        if self.manifest.get(file) != digest:
            return False
        try:
            return bool(os.stat(os.path.join(self._destination, file)).st_size == size)
        except OSError:
            return False
