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


@dataclass
class StagedFile:
    """One file of the new build: where it came from and its digest."""

    digest: str
    size: int


@dataclass
class OutputTree:
    """The new build being assembled beside the destination, committed all at once."""

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
        self._recover_interrupted_swap()
        self.old_manifest = self._claim_destination()
        if self.staging.exists():
            shutil.rmtree(self.staging)  # left by a build that was killed; never user data
        parent.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir()
        self._staging_str = str(self.staging)
        self._folders: set[str] = {self._staging_str}

    def _recover_interrupted_swap(self) -> None:
        # A build killed between the two renames leaves the last good build
        # in .freezer-old: put it back before anything else.
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

    def _target(self, relpath: str) -> str:
        target = os.path.normpath(os.path.join(self._staging_str, relpath))
        if not target.startswith(self._staging_str + os.sep):
            raise UnsafePathError(f"{relpath!r} would be written outside the destination")
        folder = os.path.dirname(target)
        if folder not in self._folders:  # one mkdir per folder, not one per file
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        return target

    def _reuse_old(self, relpath: str, digest: str, size: int, target: str) -> bool:
        """Hard-link the previous build's file when its bytes are the same (mtime kept)."""
        if self.old_manifest.get(relpath) != digest:
            return False
        old = os.path.join(self.destination, relpath)
        try:
            status = os.lstat(old)
            if stat.S_ISLNK(status.st_mode) or status.st_size != size:
                return False
            os.link(old, target)
        except OSError:
            return False
        self.unchanged += 1
        return True

    def write_bytes(self, relpath: str, data: bytes) -> None:
        """Stage ``data`` as the file ``relpath`` of the new build."""
        target = self._target(relpath)
        digest = digest_bytes(data)
        if not self._reuse_old(relpath, digest, len(data), target):
            with open(target, "wb") as handle:
                handle.write(data)
            self.bytes_written += len(data)
        self.staged[relpath] = StagedFile(digest, len(data))

    def reuse(self, relpath: str, digest: str, size: int) -> None:
        """Stage the previous build's file ``relpath``, known to be unchanged, as it is."""
        target = self._target(relpath)
        old = self.destination / relpath
        try:
            os.link(old, target)
        except OSError:
            shutil.copy2(old, target)
        self.unchanged += 1
        self.staged[relpath] = StagedFile(digest, size)

    def copy_file(self, relpath: str, source: str) -> None:
        """Stage a copy of the file ``source`` (the OS's fast copy path) as ``relpath``."""
        target = self._target(relpath)
        digest = digest_file(source)
        size = os.path.getsize(source)
        if not self._reuse_old(relpath, digest, size, target):
            shutil.copyfile(source, target)
            self.bytes_written += size
        self.staged[relpath] = StagedFile(digest, size)

    def _carry_over_foreign_files(self) -> None:
        """Link every file of the destination that freezer did not write into the new build."""
        if not self.destination.exists():
            return
        for root, dirs, files in os.walk(self.destination):
            dirs.sort()
            rel_root = os.path.relpath(root, self.destination)
            for name in sorted(files):
                relpath = os.path.normpath(os.path.join(rel_root, name)).replace(os.sep, "/")
                if relpath == MANIFEST_NAME or relpath in self.old_manifest:
                    continue
                if relpath in self.staged:
                    continue  # --force: the user let the build take this name over
                target = self._target(relpath)
                source = os.path.join(root, name)
                try:
                    os.link(source, target, follow_symlinks=False)
                except OSError:
                    shutil.copy2(source, target, follow_symlinks=False)

    def commit(self) -> None:
        """Write the manifest and swap the staged build into the destination atomically."""
        self._carry_over_foreign_files()
        manifest = {
            "freezer": MANIFEST_VERSION,
            "files": {name: self.staged[name].digest for name in sorted(self.staged)},
        }
        (self.staging / MANIFEST_NAME).write_text(
            json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        if self.destination.exists():
            os.rename(self.destination, self.previous)
        os.rename(self.staging, self.destination)
        shutil.rmtree(self.previous, ignore_errors=True)

    def discard(self) -> None:
        """Throw the staged build away; the destination stays as it was."""
        with contextlib.suppress(FileNotFoundError):
            shutil.rmtree(self.staging)

    def stale_files(self) -> list[str]:
        """The files of the previous build that this build no longer writes."""
        return sorted(set(self.old_manifest) - set(self.staged))
