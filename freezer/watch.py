"""Noticing saved files: Linux inotify behind livereload's Watcher interface.

livereload's own Watcher polls: every scan stats every watched file, which at
10,000 content files takes a good part of a second, so a save is seen late
and scans cost CPU while nothing happens. livereload's inotify watcher needs
pyinotify, which no longer imports on current Pythons. ``InotifyWatcher``
keeps livereload's interface (``watch``, ``examine``, ``start``) and asks the
kernel instead, through the C library's three inotify calls. Paths it cannot
watch that way (another OS, the watch limit reached) fall back to
livereload's polling.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import logging
import os
import struct
import sys
from collections.abc import Callable
from typing import Any

from livereload.watcher import Watcher
from tornado.ioloop import IOLoop

logger = logging.getLogger("freezer.serve")

_IN_MODIFY = 0x00000002
_IN_ATTRIB = 0x00000004
_IN_CLOSE_WRITE = 0x00000008
_IN_MOVED_FROM = 0x00000040
_IN_MOVED_TO = 0x00000080
_IN_CREATE = 0x00000100
_IN_DELETE = 0x00000200
_IN_DELETE_SELF = 0x00000400
_IN_MOVE_SELF = 0x00000800
_IN_Q_OVERFLOW = 0x00004000
_IN_IGNORED = 0x00008000
_IN_ISDIR = 0x40000000
_IN_NONBLOCK = os.O_NONBLOCK
_IN_CLOEXEC = 0o2000000

_MASK = (
    _IN_MODIFY
    | _IN_ATTRIB
    | _IN_CLOSE_WRITE
    | _IN_MOVED_FROM
    | _IN_MOVED_TO
    | _IN_CREATE
    | _IN_DELETE
    | _IN_DELETE_SELF
    | _IN_MOVE_SELF
)
_EVENT = struct.Struct("iIII")  # wd, mask, cookie, length of the name that follows


def _libc() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.inotify_init1, libc.inotify_add_watch, libc.inotify_rm_watch  # noqa: B018
    except (OSError, AttributeError):
        return None
    return libc


class InotifyWatcher(Watcher):  # type: ignore[misc]
    """livereload's Watcher, told of changes by the kernel instead of by scanning."""

    def __init__(self) -> None:
        super().__init__()
        self._libc = _libc()
        if self._libc is None:
            raise OSError(errno.ENOSYS, "inotify is not available on this system")
        self._fd = self._libc.inotify_init1(_IN_NONBLOCK | _IN_CLOEXEC)
        if self._fd < 0:
            raise OSError(ctypes.get_errno(), "inotify_init1 failed")
        self._folders: dict[int, str] = {}  # watch descriptor -> folder
        self._watched_folders: set[str] = set()
        self._wanted: list[tuple[str, bool, Callable[[str], bool] | None]] = []
        self._changed: dict[str, None] = {}  # ordered set of paths seen to change
        self._polled = False  # some path fell back to livereload's polling

    @property
    def needs_polling(self) -> bool:
        """Whether some watched path is polled (it could not be watched by inotify)."""
        return self._polled

    def watch(
        self,
        path: str,
        func: Callable[..., Any] | None = None,
        delay: float | None = None,
        ignore: Callable[[str], bool] | None = None,
    ) -> None:
        """Watch a file or (recursively) a folder."""
        path = os.path.abspath(path)
        try:
            if os.path.isdir(path):
                self._wanted.append((path, True, ignore))
                self._watch_tree(path)
            else:
                # A file is watched through its folder: editors often save by
                # writing a new file and renaming it over the old one.
                self._wanted.append((path, False, ignore))
                self._watch_folder(os.path.dirname(path))
        except OSError as error:
            logger.warning("Polling %s for changes (%s)", path, error.strerror or error)
            self._polled = True
            Watcher.watch(self, path, func, delay, ignore)

    def _watch_folder(self, folder: str) -> None:
        if folder in self._watched_folders:
            return
        descriptor = self._libc.inotify_add_watch(self._fd, os.fsencode(folder), _MASK)
        if descriptor < 0:
            code = ctypes.get_errno()
            raise OSError(code, os.strerror(code), folder)
        self._folders[descriptor] = folder
        self._watched_folders.add(folder)

    def _watch_tree(self, folder: str) -> None:
        self._watch_folder(folder)
        for root, dirs, _files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
            for name in dirs:
                self._watch_folder(os.path.join(root, name))

    def _wants(self, path: str) -> bool:
        for watched, is_folder, ignore in self._wanted:
            inside = path == watched or (is_folder and path.startswith(watched + os.sep))
            if inside and not self.ignore(path) and not (ignore and ignore(path)):
                return True
        return False

    def _read_events(self) -> None:
        while True:
            try:
                data = os.read(self._fd, 64 * 1024)
            except BlockingIOError:
                return
            offset = 0
            while offset < len(data):
                descriptor, mask, _cookie, length = _EVENT.unpack_from(data, offset)
                offset += _EVENT.size
                name = os.fsdecode(data[offset : offset + length].rstrip(b"\0"))
                offset += length
                self._on_event(descriptor, mask, name)

    def _on_event(self, descriptor: int, mask: int, name: str) -> None:
        if mask & _IN_Q_OVERFLOW:  # events were lost: say everything changed
            for path, _is_folder, _ignore in self._wanted:
                self._changed[path] = None
            return
        folder = self._folders.get(descriptor)
        if folder is None:
            return
        if mask & _IN_IGNORED:  # the kernel dropped the watch: the folder is gone
            self._forget(descriptor)
            return
        path = os.path.join(folder, name) if name else folder
        if mask & _IN_ISDIR:
            if mask & (_IN_MOVED_FROM | _IN_DELETE):
                # Gone under this name: a watch that moved with it would report the
                # old name, so forget it (and those below); the name may come back.
                self._forget_tree(path)
                if self._wants(path):
                    self._changed[path] = None
            elif mask & (_IN_CREATE | _IN_MOVED_TO) and self._wants(path):
                self._watch_new_tree(path)
            return
        if mask & (_IN_MOVE_SELF | _IN_DELETE_SELF):  # a watched folder itself moved or went
            self._forget_tree(folder)
            if self._wants(folder):
                self._changed[folder] = None
            if any(folder == watched for watched, is_folder, _ in self._wanted if is_folder):
                # A watched root: watch where it was, to see it come back.
                with contextlib.suppress(OSError):
                    self._watch_folder(os.path.dirname(folder))
            return
        if self._wants(path):
            self._changed[path] = None

    def _forget(self, descriptor: int) -> None:
        folder = self._folders.pop(descriptor, None)
        if folder is not None:
            self._watched_folders.discard(folder)

    def _forget_tree(self, folder: str) -> None:
        inside = folder + os.sep
        for descriptor, watched in list(self._folders.items()):
            if watched == folder or watched.startswith(inside):
                self._libc.inotify_rm_watch(self._fd, descriptor)  # may be gone already
                self._forget(descriptor)

    def _watch_new_tree(self, folder: str) -> None:
        """Watch a folder that appeared, and count the files already in it as changed."""
        try:
            self._watch_tree(folder)
        except FileNotFoundError:
            return  # gone again already (renamed twice): its events follow
        except OSError as error:
            logger.warning("Polling %s for changes (%s)", folder, error.strerror or error)
            self._polled = True
            ignore = next((i for w, _, i in self._wanted if folder.startswith(w + os.sep)), None)
            Watcher.watch(self, folder, None, None, ignore)
        for root, _dirs, files in os.walk(folder):
            for name in files:
                path = os.path.join(root, name)
                if self._wants(path):
                    self._changed[path] = None

    def reported(self) -> set[str]:
        """Every path the kernel has reported as changed so far (and forget them)."""
        self._read_events()
        changed, self._changed = set(self._changed), {}
        return changed

    def examine(self) -> tuple[str | None, float | None]:
        """Return one changed path (and no delay), or (None, None) when none is pending."""
        self._read_events()
        if self._changed:
            path = next(iter(self._changed))
            del self._changed[path]
            return path, None
        if self._polled:
            return super().examine()  # type: ignore[no-any-return]
        return None, None

    def start(self, callback: Callable[[], None]) -> bool:
        """Call ``callback`` from the IOLoop whenever events arrive; True: no polling needed."""
        IOLoop.current().add_handler(self._fd, lambda _fd, _events: callback(), IOLoop.READ)
        return not self._polled

    def close(self) -> None:
        """Stop watching."""
        os.close(self._fd)


def make_watcher() -> Watcher:
    """An inotify watcher where the system has inotify, else livereload's polling one."""
    try:
        return InotifyWatcher()
    except OSError:
        return Watcher()
