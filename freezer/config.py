"""Build settings: one frozen dataclass, read from arguments and ``[tool.freezer]``."""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .paths import SiteLocation

#: Dotfiles and dot-folders of static folders that are copied without being listed.
DEFAULT_STATIC_DOTFILES = (".well-known", ".nojekyll")


@dataclass(frozen=True)
class BuildConfig:
    """Everything a build needs to know besides the site itself."""

    destination: Path
    base_url: str | None = None
    relative_urls: bool = False
    jobs: int = 1
    strict: bool = False
    force: bool = False
    exclude: tuple[str, ...] = ()
    sitemap: bool = True
    static_dotfiles: tuple[str, ...] = DEFAULT_STATIC_DOTFILES
    #: Reuse the previous build's pages whose inputs did not change (the CLI's default).
    incremental: bool = False

    def __post_init__(self) -> None:
        if self.jobs < 1:
            raise ConfigError(f"jobs must be 1 or more, not {self.jobs}")
        for pattern in self.exclude:
            if not pattern.startswith("/"):
                raise ConfigError(
                    f"exclude pattern {pattern!r} must be a URL path starting with / "
                    "(for example '/drafts/*')"
                )
        # Parsing here reports a bad base_url when the config is made, not mid-build.
        SiteLocation.from_base_url(self.base_url)

    @property
    def location(self) -> SiteLocation:
        """Where the built site will be served from."""
        return SiteLocation.from_base_url(self.base_url)


#: Keys accepted in [tool.freezer] and their types (``dest`` is the destination).
SETTING_TYPES: dict[str, type | tuple[type, ...]] = {
    "app": str,
    "dest": str,
    "base_url": str,
    "relative_urls": bool,
    "jobs": int,
    "strict": bool,
    "force": bool,
    "exclude": list,
    "sitemap": bool,
    "static_dotfiles": list,
    "incremental": bool,
    "markdown_engine": str,
    "remote": str,
    "branch": str,
    "cname": str,
}


_TYPE_NAMES: dict[type | tuple[type, ...], str] = {
    str: "a string",
    bool: "true or false",
    int: "a whole number",
    list: "a list of strings",
}


@dataclass(frozen=True)
class ProjectSettings:
    """The ``[tool.freezer]`` table of a pyproject.toml, checked, with its folder."""

    values: Mapping[str, Any]
    folder: Path
    source: Path | None

    def path(self, key: str) -> Path | None:
        """Return setting ``key`` as a path relative to the pyproject's folder."""
        value = self.values.get(key)
        return None if value is None else (self.folder / value)


def _check_settings(table: Mapping[str, Any], source: Path) -> dict[str, Any]:
    checked: dict[str, Any] = {}
    for key, value in table.items():
        expected = SETTING_TYPES.get(key)
        if expected is None:
            close = difflib.get_close_matches(key.replace("-", "_"), SETTING_TYPES, n=1, cutoff=0.5)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise ConfigError(
                f"{source}: unknown setting {key!r} in [tool.freezer].{hint} "
                f"Known settings: {', '.join(sorted(SETTING_TYPES))}"
            )
        if (isinstance(value, bool) and expected is int) or not isinstance(value, expected):
            raise ConfigError(
                f"{source}: [tool.freezer] {key} = {value!r} should be {_TYPE_NAMES[expected]}"
            )
        if isinstance(value, list):
            if not all(isinstance(item, str) for item in value):
                raise ConfigError(f"{source}: [tool.freezer] {key} should be a list of strings")
            value = tuple(value)
        checked[key] = value
    return checked


def read_project_settings(start: Path) -> ProjectSettings:
    """Find the nearest pyproject.toml with a [tool.freezer] table, from ``start`` upward."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if not candidate.is_file():
            continue
        try:
            data = tomllib.loads(candidate.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{candidate} could not be read: {error}") from error
        table = data.get("tool", {}).get("freezer")
        if table is None:
            continue
        if not isinstance(table, dict):
            raise ConfigError(f"{candidate}: [tool.freezer] must be a table")
        return ProjectSettings(_check_settings(table, candidate), folder, candidate)
    return ProjectSettings({}, start, None)


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1
