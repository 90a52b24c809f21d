"""The persistent cache folder (``.freezer-cache/`` beside the site): markdown renders and
the record of the previous build that incremental builds compare against.

Everything here may be deleted at any time; it only saves work.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import secrets
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
    """Converted markdown on disk, in a few pack files of entries appended one after another.

    Each process appends to a pack of its own (one ``write`` per entry, no new
    file per page: making 10,000 small files cost a cold build seconds of system
    time). An entry is the key, its length, then the data, so an entry cut short
    by a crash is seen at the end of its pack and left out. Packs are read once
    per process to learn where each key is; past ``MAX_PACKS`` they are merged.
    """

    #: Part of every key: a new layout of the entries makes new keys.
    FORMAT = "3"
    #: Beyond this many packs, the packs are merged into one when the cache is read.
    MAX_PACKS = 32
    _HEAD = 32 + 8  # the key's digest, then the data's length

    def __init__(self, root: Path, fingerprint: str) -> None:
        self.root = root
        self.folder = root / "markdown"
        self._seed = hashlib.sha256(f"{self.FORMAT}\0{fingerprint}".encode())
        self._index: dict[bytes, tuple[str, int, int]] | None = None  # key -> (pack, at, size)
        self._pack: tuple[int, int] | None = None  # (process id, file descriptor) appended to

    def key(self, text: str) -> str:
        """The cache key of ``text`` under these settings."""
        digest = self._seed.copy()
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    def _read_index(self) -> dict[bytes, tuple[str, int, int]]:
        index: dict[bytes, tuple[str, int, int]] = {}
        try:
            packs = sorted(str(p) for p in self.folder.glob("*.pack"))
        except OSError:
            return index
        for pack in packs:
            with contextlib.suppress(OSError), open(pack, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                at = 0
                while at + self._HEAD <= size:
                    handle.seek(at)
                    head = handle.read(self._HEAD)
                    length = int.from_bytes(head[32:], "big")
                    if at + self._HEAD + length > size:
                        break  # cut short by a crash
                    index[head[:32]] = (pack, at + self._HEAD, length)
                    at += self._HEAD + length
        if len(packs) > self.MAX_PACKS:
            self._merge(packs, index)
        return index

    def _merge(self, packs: list[str], index: dict[bytes, tuple[str, int, int]]) -> None:
        """Write every entry into one new pack, then remove the old packs."""
        merged = str(self.folder / f"{secrets.token_hex(8)}.pack")
        with contextlib.suppress(OSError):
            with open(merged + ".tmp", "wb") as out:
                for key, (pack, at, length) in list(index.items()):
                    with open(pack, "rb") as handle:
                        handle.seek(at)
                        data = handle.read(length)
                    index[key] = (merged, out.tell() + self._HEAD, length)
                    out.write(key + length.to_bytes(8, "big") + data)
            os.replace(merged + ".tmp", merged)
            for pack in packs:
                os.unlink(pack)

    def get(self, key: str) -> tuple[str, str] | None:
        """Return the cached (html, toc) for ``key``, or None."""
        if self._index is None:
            self._index = self._read_index()
        found = self._index.get(bytes.fromhex(key))
        if found is None:
            return None
        pack, at, length = found
        try:
            with open(pack, "rb") as handle:
                handle.seek(at)
                data = handle.read(length)
        except OSError:
            return None  # merged away by another build meanwhile
        html, sep, toc = data.decode("utf-8").partition("\x00")
        return (html, toc) if sep and len(data) == length else None

    def put(self, key: str, html: str, toc: str) -> None:
        """Store (html, toc) for ``key``; a failure to write only costs speed."""
        data = f"{html}\x00{toc}".encode()
        with contextlib.suppress(OSError):
            if self._pack is None or self._pack[0] != os.getpid():  # a forked worker: its own
                prepare(self.root)
                self.folder.mkdir(exist_ok=True)
                path = self.folder / f"{secrets.token_hex(8)}.pack"
                flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND
                self._pack = (os.getpid(), os.open(path, flags, 0o644))
            # Unbuffered writes: a worker may end without flushing anything.
            entry = memoryview(bytes.fromhex(key) + len(data).to_bytes(8, "big") + data)
            while entry:
                entry = entry[os.write(self._pack[1], entry) :]


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
