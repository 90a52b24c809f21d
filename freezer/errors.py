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


class BuildError(FreezerError):
    """A build failed; ``problems`` lists every reason, one message each."""

    def __init__(self, problems: list[str] | str) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        count = len(self.problems)
        head = "the build failed" if count == 1 else f"the build failed ({count} problems)"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))


class UnsafePathError(BuildError):
    """A URL or destination would write outside the place it must stay in."""
