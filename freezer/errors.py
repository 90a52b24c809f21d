"""The exceptions freezer raises; each carries the exit code the CLI uses."""

from __future__ import annotations


class FreezerError(Exception):
    """Base of every error freezer raises on purpose."""

    exit_code = 1


class UsageError(FreezerError):
    """The user asked for something that cannot work (bad flag, bad setting, bad app)."""

    exit_code = 2


class ConfigError(UsageError):
    """A setting in ``[tool.freezer]`` or a ``Freezer`` argument is invalid."""


class AppLoadError(UsageError):
    """The ``--app`` target could not be found or imported."""


class ViewError(FreezerError):
    """A view returned something that cannot become a response."""


#: A failed build's message lists this many problems; ``BuildError.problems`` has them all.
SHOWN_PROBLEMS = 25


class BuildError(FreezerError):
    """A build failed; ``problems`` lists every reason, one message each.

    ``details`` (such as the traceback of the first view that raised) follows the list.
    """

    def __init__(self, problems: list[str] | str, details: str = "") -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        self.details = details
        count = len(self.problems)
        head = "the build failed" if count == 1 else f"the build failed ({count:,} problems)"
        lines = [f"  - {p}" for p in self.problems[:SHOWN_PROBLEMS]]
        if count > SHOWN_PROBLEMS:
            lines.append(f"  ... and {count - SHOWN_PROBLEMS:,} more")
        message = head + ":\n" + "\n".join(lines)
        super().__init__(message + (f"\n\n{details}" if details else ""))


class UnsafePathError(BuildError):
    """A URL or destination would write outside the place it must stay in."""
