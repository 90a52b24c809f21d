"""Incremental builds: what the previous build rendered from what, and what can be reused.

A URL's output is reused when everything global is unchanged (the site's
Python code and other files, its templates, the build settings) and every
piece of content its render read (a page file, a folder listing) still has
the same digest, and the previous output file is still there untouched.
Anything in doubt is rendered again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from .cache import load_record, save_record
from .config import BuildConfig
from .crawl import Rendered
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

_RECORDED_FIELDS = (
    "kind",
    "endpoint",
    "status",
    "mimetype",
    "target",
    "links",
    "built_urls",
    "outside_links",
)


def _tree_stamp(folder: Path, skip: set[Path], digest: Any) -> None:
    for root, dirs, files in os.walk(folder):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if d not in _SKIPPED_FOLDERS and root_path / d not in skip)
        for name in sorted(files):
            if name.endswith((".pyc", "~")):
                continue
            path = root_path / name
            try:
                stat = path.stat()
            except OSError:
                continue
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())


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
    skip = {config.destination.resolve()}
    if site.static_folder is not None:
        skip.add(Path(site.static_folder).resolve())  # copied and hashed on every build anyway
    skip.update(Path(source.folder).resolve() for source in site.content_sources)
    # The site's own files: code, templates, data files it may open. A template
    # change re-renders every page; that stays correct without tracking includes.
    _tree_stamp(root, skip, digest)
    if site.template_folder and not Path(site.template_folder).resolve().is_relative_to(root):
        _tree_stamp(Path(site.template_folder), skip, digest)
    # freezer's own code: a new version may render differently.
    _tree_stamp(Path(__file__).parent, set(), digest)
    return digest.hexdigest()


def record_path(site: Site, config: BuildConfig) -> Path | None:
    """Where the record of builds into this destination is kept (None: no cache folder)."""
    if site.cache_folder is None:
        return None
    name = hashlib.sha256(str(config.destination.resolve()).encode()).hexdigest()[:16]
    return Path(site.cache_folder) / "builds" / f"{name}.pickle"


def save(path: Path | None, fingerprint: str, entries: dict[str, dict[str, Any]]) -> None:
    """Store this build's record for the next incremental build."""
    if path is not None:
        save_record(path.parent.parent, path.name, {"fingerprint": fingerprint, "urls": entries})


class PreviousBuild:
    """The record of the last successful build, consulted URL by URL."""

    def __init__(
        self,
        entries: dict[str, dict[str, Any]],
        manifest: dict[str, str],
        destination: Path,
        digests: dict[str, str],
    ) -> None:
        self.entries = entries
        self.manifest = manifest
        self.destination = destination
        self._destination = str(destination)
        self.digests = digests
        self.reused = 0

    @classmethod
    def load(
        cls,
        path: Path | None,
        fingerprint: str,
        manifest: dict[str, str],
        destination: Path,
        digests: dict[str, str],
    ) -> PreviousBuild:
        """Load the record at ``path``; it counts only if made under the same fingerprint."""
        record = load_record(path) if path is not None else None
        entries: dict[str, dict[str, Any]] = {}
        if record is not None and record.get("fingerprint") == fingerprint:
            entries = record.get("urls", {})
        return cls(entries, manifest, destination, digests)

    def reusable(self, path: str) -> Rendered | None:
        """The previous result for ``path`` when nothing it read has changed, else None."""
        entry = self.entries.get(path)
        if entry is None:
            return None
        for key, digest in entry["deps"].items():
            if self.digests.get(key) != digest:
                return None
        file, digest = entry["file"], entry["digest"]
        if self.manifest.get(file) != digest:
            return None
        try:
            if os.stat(os.path.join(self._destination, file)).st_size != entry["size"]:
                return None
        except OSError:
            return None
        fields = {name: entry[name] for name in _RECORDED_FIELDS}
        result = Rendered(path, reads=frozenset(entry["reads"]), **fields)
        result.reused_file = (file, digest, entry["size"])
        self.reused += 1
        return result


def entry_for(
    result: Rendered, file: str, digest: str, size: int, digests: dict[str, str]
) -> dict[str, Any]:
    """The record of one written URL, with the digests of what its render read."""
    entry = {name: getattr(result, name) for name in _RECORDED_FIELDS}
    entry.update(
        reads=sorted(result.reads),
        deps={key: digests.get(key, "") for key in sorted(result.deps)},
        file=file,
        digest=digest,
        size=size,
    )
    return entry
