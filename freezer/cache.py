"""The persistent cache folder (``.freezer-cache/`` beside the site): markdown renders and
the record of the previous build that incremental builds compare against.

Everything here may be deleted at any time; it only saves work.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from .memory import collector_paused

CACHE_DIRNAME = ".freezer-cache"
RECORD_VERSION = 2


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so readers see the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def prepare(root: Path) -> None:
    """Create the cache folder, ignored by git as a whole (as .pytest_cache is)."""
    ignore = root / ".gitignore"
    if not ignore.exists():
        root.mkdir(parents=True, exist_ok=True)
        ignore.write_text("# Made by freezer: a cache, safe to delete.\n*\n", encoding="utf-8")


class RenderCache:
    """Converted markdown on disk, one small file per (settings, source text).

    Each entry is written once, straight to its final name (one file made, no
    temporary file and rename), and starts with its own length: a file cut
    short by a crash is seen as missing and written again.
    """

    #: Part of every key: a new layout of the files makes new keys.
    FORMAT = "2"

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.root = root
        self.folder = root / "markdown"
        self._seed = hashlib.sha256(f"{self.FORMAT}\0{fingerprint}".encode())
        self._made: set[str] = set()  # folders known to exist

    def key(self, text: str) -> str:
        """The cache key of ``text`` under these settings."""
        digest = self._seed.copy()
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _path(self, key: str) -> str:
        return f"{self.folder}{os.sep}{key[:2]}{os.sep}{key}"

    def get(self, key: str) -> tuple[str, str] | None:
        """Return the cached (html, toc) for ``key``, or None."""
        path = self._path(key)
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            return None
        if len(data) < 8 or int.from_bytes(data[:8], "big") != len(data) - 8:
            with contextlib.suppress(OSError):
                os.unlink(path)  # cut short: written again after this conversion
            return None
        html, sep, toc = data[8:].decode("utf-8").partition("\x00")
        return (html, toc) if sep else None

    def put(self, key: str, html: str, toc: str) -> None:
        """Store (html, toc) for ``key``; a failure to write only costs speed."""
        data = f"{html}\x00{toc}".encode()
        folder = f"{self.folder}{os.sep}{key[:2]}"
        with contextlib.suppress(OSError):
            if folder not in self._made:
                if not self._made:
                    prepare(self.root)
                os.makedirs(folder, exist_ok=True)
                self._made.add(folder)
            try:
                descriptor = os.open(self._path(key), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            except FileExistsError:
                return  # another process wrote the same text's conversion
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(len(data).to_bytes(8, "big") + data)


def load_pickle(path: Path) -> Any:
    """Return what the pickle file at ``path`` holds, or None when missing or unreadable."""
    try:
        with open(path, "rb") as handle, collector_paused():
            return pickle.load(handle)
    except (OSError, ValueError, EOFError, pickle.PickleError, AttributeError, TypeError):
        return None


def load_record(path: Path) -> dict[str, Any] | None:
    """Return the previous build's record, or None when missing or unreadable."""
    data = load_pickle(path)
    if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
        return None
    return data


def save_record(root: Path, name: str, record: dict[str, Any]) -> None:
    """Store this build's record, as ``name`` under the cache folder ``root``."""
    record = {"version": RECORD_VERSION, **record}
    path = root / "builds" / name
    with contextlib.suppress(OSError):
        prepare(root)
        # pickle, not JSON: three times faster at 10,000 pages, and only freezer reads it.
        atomic_write(path, pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL))
