"""``freezer init``: writing a starter site into a new folder."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

from .errors import UsageError

#: Starter files stored under another name inside the package.
_RENAMED = {"gitignore": ".gitignore"}


def create_site(folder: Path) -> list[str]:
    """Write the starter site into ``folder`` (missing or empty); return the files written."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError(
            f"{folder} is not empty; freezer init only writes into a new or empty folder, "
            "so nothing of yours is overwritten"
        )
    starter = resources.files("freezer") / "starter"
    written: list[str] = []
    with resources.as_file(starter) as source:
        for path in sorted(Path(source).rglob("*")):
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            relative = path.relative_to(source)
            relative = relative.with_name(_RENAMED.get(relative.name, relative.name))
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
            written.append(relative.as_posix())
    return written
