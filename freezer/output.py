"""Writing a build safely: a staging tree, the manifest, and an atomic swap into place.

A build never edits the destination in place. It fills a staging folder
beside it (same filesystem), hard-linking every file whose bytes did not
change (so its mtime stays) and every file freezer did not write (so nothing
of the user's is lost), then swaps the staging folder in with two renames.
If the build fails or is killed, the destination is exactly as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import BuildError, UnsafePathError, UsageError

MANIFEST_NAME = ".freezer-manifest.json"
MANIFEST_VERSION = 1


def digest_bytes(data: bytes) -> str:
    """Return the hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


def digest_file(path: str | os.PathLike[str]) -> str:
    """Return the hex SHA-256 of the file at ``path``."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def read_manifest(destination: Path) -> dict[str, str] | None:
    """Return {file: sha256} from the destination's manifest, or None when it has none."""
    path = destination / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise BuildError(
            f"{path} is not a readable freezer manifest ({error}); move it away, or "
            "delete the destination if you want freezer to start afresh"
        ) from error
    files = data.get("files") if isinstance(data, dict) else None
    if not isinstance(files, dict):
        raise BuildError(f"{path} is not a freezer manifest (no 'files' table)")
    return {str(name): str(digest) for name, digest in files.items()}


def _is_within(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_destination(destination: Path, protected: Iterable[Path]) -> None:
    """Refuse destinations a build must never take over: /, home, project and source folders.

    ``protected`` holds the site's own folders (root, templates, static, content).
    """
    destination = destination.resolve()
    home = Path.home().resolve()
    if destination in (Path(destination.anchor), home):
        what = "your home folder" if destination == home else "the filesystem root"
        raise UsageError(
            f"refusing to build into {destination}: that is {what}; "
            "choose a folder of its own, such as build/"
        )
    for folder in protected:
        folder = folder.resolve()
        if _is_within(folder, destination):
            raise UsageError(
                f"refusing to build into {destination}: it holds the site's own files "
                f"({folder}); choose a folder of its own, such as {folder / 'build'}"
            )
        if _is_within(destination, folder) and folder.name in ("static", "templates", "content"):
            raise UsageError(
                f"refusing to build into {destination}: it is inside the site's source "
                f"folder {folder}; choose a folder outside it"
            )


class StagedFile(NamedTuple):
    """One file of the new build: its digest and size."""

    digest: str
    size: int


JOURNAL_NAME = ".freezer-journal.json"

#: Up to this many changed files (or this share of the build) are replaced in place.
IN_PLACE_FILES = 100
IN_PLACE_SHARE = 0.05


@dataclass
class OutputTree:
    """The new build being assembled beside the destination, committed all at once.

    Only new and changed files are written to the staging folder; a file
    whose bytes are the same as in the previous build is only noted. The
    commit then either swaps the whole staged tree in (first builds, large
    changes) or, when few files changed, moves just those into place, each
    with an atomic rename, following a journal written first: if the commit
    is interrupted, the journal is finished on the next run, never half-done.
    """

    destination: Path
    force: bool = False
    staged: dict[str, StagedFile] = field(default_factory=dict)
    unchanged: int = 0
    bytes_written: int = 0

    def __post_init__(self) -> None:
        self.destination = Path(os.path.abspath(self.destination))
        parent, name = self.destination.parent, self.destination.name
        self.staging = parent / f".{name}.freezer-tmp"
        self.previous = parent / f".{name}.freezer-old"
        self._recover_interrupted_commit()
        self.old_manifest = self._claim_destination()
        if self.staging.exists():
            shutil.rmtree(self.staging)  # left by a build that was killed; never user data
        parent.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir()
        self._staging_str = str(self.staging)
        self._folders: set[str] = {self._staging_str}
        self.changed: set[str] = set()  # files written to the staging folder

    def _recover_interrupted_commit(self) -> None:
        if (self.staging / JOURNAL_NAME).exists():
            self._apply_journal()  # a commit was cut short: finish it
        # A swap killed between its two renames leaves the last good build in
        # .freezer-old: put it back before anything else.
        if self.previous.exists():
            if not self.destination.exists():
                os.rename(self.previous, self.destination)
            else:
                shutil.rmtree(self.previous)

    def _claim_destination(self) -> dict[str, str]:
        if not self.destination.exists():
            return {}
        if not self.destination.is_dir():
            raise UsageError(f"the destination {self.destination} is a file, not a folder")
        manifest = read_manifest(self.destination)
        if manifest is not None:
            return manifest
        if any(self.destination.iterdir()) and not self.force:
            raise BuildError(
                f"the destination {self.destination} holds files that freezer did not write "
                f"(it has no {MANIFEST_NAME}); choose an empty folder, or pass --force to "
                "build there anyway (files freezer does not write are kept)"
            )
        return {}

    # -- staging -----------------------------------------------------------------

    def _target(self, relpath: str) -> str:
        target = os.path.normpath(os.path.join(self._staging_str, relpath))
        if not target.startswith(self._staging_str + os.sep):
            raise UnsafePathError(f"{relpath!r} would be written outside the destination")
        folder = os.path.dirname(target)
        if folder not in self._folders:  # one mkdir per folder, not one per file
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        return target

    def _is_unchanged(self, relpath: str, digest: str, size: int) -> bool:
        """Whether the previous build's file has these bytes (then it is kept as it is)."""
        if self.old_manifest.get(relpath) != digest:
            return False
        try:
            status = os.lstat(os.path.join(self.destination, relpath))
        except OSError:
            return False
        return stat.S_ISREG(status.st_mode) and status.st_size == size

    def _note(self, relpath: str, digest: str, size: int, unchanged: bool) -> None:
        if relpath in self.staged:
            raise UnsafePathError(f"{relpath!r} was already written by this build")
        self.staged[relpath] = StagedFile(digest, size)
        if unchanged:
            self.unchanged += 1
        else:
            self.changed.add(relpath)
            self.bytes_written += size

    def write_bytes(self, relpath: str, data: bytes) -> None:
        """Stage ``data`` as the file ``relpath`` of the new build."""
        digest = digest_bytes(data)
        unchanged = self._is_unchanged(relpath, digest, len(data))
        if not unchanged:
            with open(self._target(relpath), "wb") as handle:
                handle.write(data)
        self._note(relpath, digest, len(data), unchanged)

    def reuse(self, relpath: str, digest: str, size: int) -> None:
        """Keep the previous build's file ``relpath``, known to be unchanged, as it is."""
        self._note(relpath, digest, size, unchanged=True)

    def unstage(self, relpath: str) -> None:
        """Take ``relpath`` out of the new build again (a later step found it unreachable)."""
        del self.staged[relpath]
        if relpath not in self.changed:
            self.unchanged -= 1
            return
        self.changed.discard(relpath)
        target = os.path.join(self._staging_str, relpath)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(target)
        folder = os.path.dirname(target)
        while folder != self._staging_str:  # the folders made for it go too, when empty
            try:
                os.rmdir(folder)
            except OSError:
                break
            self._folders.discard(folder)
            folder = os.path.dirname(folder)

    def copy_file(self, relpath: str, source: str) -> None:
        """Stage a copy of the file ``source`` (the OS's fast copy path) as ``relpath``."""
        digest = digest_file(source)
        size = os.path.getsize(source)
        unchanged = self._is_unchanged(relpath, digest, size)
        if not unchanged:
            shutil.copyfile(source, self._target(relpath))
        self._note(relpath, digest, size, unchanged)

    def stale_files(self) -> list[str]:
        """The files of the previous build that this build no longer writes."""
        return sorted(set(self.old_manifest) - set(self.staged))

    # -- committing ----------------------------------------------------------------

    def _manifest_is_current(self) -> bool:
        if not (self.destination / MANIFEST_NAME).is_file():
            return False
        old = self.old_manifest
        return len(old) == len(self.staged) and all(
            old.get(name) == staged.digest for name, staged in self.staged.items()
        )

    def _manifest_bytes(self) -> bytes:
        files = {name: self.staged[name].digest for name in sorted(self.staged)}
        # One file per line, as indent= would give, but with json's C encoder.
        table = json.dumps(files, separators=(",\n  ", ": "))
        table = f"{{\n  {table[1:-1]}\n }}" if files else "{}"
        return f'{{\n "files": {table},\n "freezer": {MANIFEST_VERSION}\n}}\n'.encode()

    def commit(self) -> None:
        """Put the new build in place: swapped in whole, or only its changes, atomically."""
        stale = self.stale_files()
        if not self.changed and not stale and self._manifest_is_current():
            shutil.rmtree(self.staging)  # the destination is this build already
            return
        changes = len(self.changed) + len(stale)
        small = changes <= max(IN_PLACE_FILES, IN_PLACE_SHARE * len(self.staged))
        (self.staging / MANIFEST_NAME).write_bytes(self._manifest_bytes())
        if self.old_manifest and self.destination.is_dir() and small:
            self._check_the_way(stale)
            journal = {"replace": sorted(self.changed), "remove": stale}
            tmp = self.staging / (JOURNAL_NAME + ".tmp")
            tmp.write_text(json.dumps(journal), encoding="utf-8")
            os.replace(tmp, self.staging / JOURNAL_NAME)  # from here on, the commit completes
            self._apply_journal()
        else:
            self._swap()

    def _check_the_way(self, stale: list[str]) -> None:
        """Refuse an in-place commit that something freezer did not write would block."""
        going = set(stale)
        for relpath in sorted(self.changed):
            target = os.path.join(self.destination, relpath)
            if os.path.islink(target):  # the file would be written through the user's link
                raise BuildError(_in_the_way(target, relpath))
            if os.path.isdir(target):
                if not self._only_stale_inside(target, going):
                    raise BuildError(_in_the_way(target, relpath))
            elif os.path.lexists(target) and relpath not in self.old_manifest and not self.force:
                raise BuildError(_in_the_way(target, relpath, force_helps=True))
            parts = relpath.split("/")
            for i in range(1, len(parts)):
                prefix = "/".join(parts[:i])
                folder = os.path.join(self.destination, prefix)
                if os.path.islink(folder) or (
                    prefix not in going and os.path.lexists(folder) and not os.path.isdir(folder)
                ):
                    raise BuildError(_in_the_way(folder, relpath))

    def _only_stale_inside(self, folder: str, going: set[str]) -> bool:
        """Whether ``folder`` holds only files this commit removes (then it goes with them)."""
        found = False
        for root, dirs, files in os.walk(folder):
            if any(os.path.islink(os.path.join(root, d)) for d in dirs):
                return False  # a link to a folder: not freezer's
            if not dirs and not files:
                return False  # an empty folder would stay, and block the file
            for name in files:
                inside = os.path.relpath(os.path.join(root, name), self.destination)
                if inside.replace(os.sep, "/") not in going:
                    return False
                found = True
        return found

    def _apply_journal(self) -> None:
        """Carry out the journal in the staging folder; safe to run again after a crash."""
        journal = json.loads((self.staging / JOURNAL_NAME).read_text(encoding="utf-8"))
        for relpath in journal["remove"]:
            # Gone already, or a folder the user put in its place: theirs to keep.
            with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
                os.unlink(self.destination / relpath)
            self._prune_empty_folders(relpath)
        for relpath in journal["replace"]:
            target = self.destination / relpath
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileNotFoundError):  # moved already by an earlier run
                os.replace(self.staging / relpath, target)
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.staging / MANIFEST_NAME, self.destination / MANIFEST_NAME)
        shutil.rmtree(self.staging)

    def _prune_empty_folders(self, relpath: str) -> None:
        folder = (self.destination / relpath).parent
        while folder != self.destination:
            try:
                folder.rmdir()  # only succeeds when empty: nothing of anyone's is lost
            except OSError:
                return
            folder = folder.parent

    def _swap(self) -> None:
        for relpath in self.staged:
            if relpath not in self.changed:
                self._link_old(relpath)
        self._carry_over_foreign_files()
        if self.destination.exists():
            os.rename(self.destination, self.previous)
        os.rename(self.staging, self.destination)
        shutil.rmtree(self.previous, ignore_errors=True)

    def _link_old(self, relpath: str) -> None:
        """Put the previous build's unchanged file into the staged tree (same inode, same mtime)."""
        target = self._target(relpath)
        old = os.path.join(self.destination, relpath)
        try:
            os.link(old, target)
        except OSError:
            shutil.copy2(old, target)

    def _carry_over_foreign_files(self) -> None:
        """Link every file of the destination that freezer did not write into the new build."""
        if not self.destination.exists():
            return
        for root, dirs, files in os.walk(self.destination):
            dirs.sort()
            rel_root = os.path.relpath(root, self.destination)
            # A link to a folder is carried over as a link (walk does not enter it).
            links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
            dirs[:] = [d for d in dirs if d not in links]
            for name in sorted(files + links):
                relpath = os.path.normpath(os.path.join(rel_root, name)).replace(os.sep, "/")
                if relpath == MANIFEST_NAME or relpath in self.old_manifest:
                    continue
                source = os.path.join(root, name)
                if relpath in self.staged:
                    if self.force:
                        continue  # --force: the user let the build take this name over
                    raise BuildError(_in_the_way(source, relpath, force_helps=True))
                self._carry_over(source, relpath)

    def _carry_over(self, source: str, relpath: str) -> None:
        try:
            target = self._target(relpath)
        except (FileExistsError, NotADirectoryError) as error:  # a staged file where a folder is
            parts = relpath.split("/")
            prefixes = ("/".join(parts[:i]) for i in range(1, len(parts)))
            written = next((prefix for prefix in prefixes if prefix in self.staged), relpath)
            raise BuildError(_in_the_way(source, written)) from error
        if os.path.lexists(target):  # a staged folder where this file is
            raise BuildError(_in_the_way(source, relpath + "/"))
        if os.path.islink(source):
            os.symlink(os.readlink(source), target)
            return
        try:
            os.link(source, target, follow_symlinks=False)
        except OSError:
            shutil.copy2(source, target, follow_symlinks=False)

    def discard(self) -> None:
        """Throw the staged build away (or finish a commit that had begun)."""
        if (self.staging / JOURNAL_NAME).exists():
            self._apply_journal()
            return
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.staging)


def _in_the_way(found: str, relpath: str, force_helps: bool = False) -> str:
    remedy = "move it away and build again"
    if force_helps:
        remedy += ", or pass --force to let the build replace it"
    return (
        f"{found} (not written by freezer) is in the way of what this build writes at "
        f"{relpath}; {remedy}"
    )
