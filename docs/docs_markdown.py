"""A markdown extension for the manual: ``<<< examples/NAME`` includes a tested example.

A line that holds only ``<<< examples/quickstart/app.py`` becomes a fenced code
block with that file's text, so the code a reader sees is the code
``tests/test_docs.py`` runs. ``<<< examples/routes/app.py#converters`` includes
one region of the file, marked in it like this::

    # region converters
    ...
    # endregion

Region markers never show in the manual. The path is relative to ``docs/`` and
must stay inside ``docs/examples/``. A missing file or region raises an error
naming it, which fails the build.

``Page.html`` is cached until its markdown file changes, so a preview shows an
edited example once the page that includes it is saved again; builds always
read every example afresh.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path
from typing import Any

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

DOCS = Path(__file__).resolve().parent
EXAMPLES = DOCS / "examples"

_INCLUDE = re.compile(r"^<<<[ \t]+(?P<path>[^\s#]+)(?:#(?P<region>[\w-]+))?[ \t]*$")
_REGION_START = re.compile(r"^\s*(?:#|<!--|\{#)\s*region\s+(?P<name>[\w-]+)")
_REGION_END = re.compile(r"^\s*(?:#|<!--|\{#)\s*endregion\b")
_LANGUAGES = {
    ".py": "python",
    ".html": "html+jinja",
    ".css": "css",
    ".toml": "toml",
    ".md": "markdown",
    ".txt": "text",
}


class ExampleNotFound(Exception):
    """An include names a file or region that does not exist."""


def read_example(path: str, region: str | None = None) -> str:
    """Return the text of ``path`` (relative to docs/), or of one region in it."""
    source = (DOCS / path).resolve()
    if not source.is_relative_to(EXAMPLES) or not source.is_file():
        raise ExampleNotFound(f"<<< {path}: no such file in {EXAMPLES}")
    lines = source.read_text(encoding="utf-8").splitlines()
    if region is None:
        markers = (_REGION_START, _REGION_END)
        kept = [line for line in lines if not any(m.match(line) for m in markers)]
        return "\n".join(kept).strip("\n")
    inside, found, kept = False, False, []
    for line in lines:
        start = _REGION_START.match(line)
        if start and start["name"] == region:
            inside = found = True
        elif inside and _REGION_END.match(line):
            inside = False
        elif inside and not _REGION_START.match(line):
            kept.append(line)
    if not found:
        raise ExampleNotFound(f"<<< {path}#{region}: {path} has no '# region {region}'")
    return textwrap.dedent("\n".join(kept)).strip("\n")


def fenced(text: str, language: str) -> list[str]:
    """Return ``text`` as the lines of a fenced code block, with a fence it cannot close."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return [fence + language, *text.splitlines(), fence]


class IncludeExamples(Preprocessor):
    """Replaces ``<<< examples/...`` lines with fenced code blocks."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        for line in lines:
            match = _INCLUDE.match(line)
            if match is None:
                out.append(line)
                continue
            path = match["path"]
            language = _LANGUAGES.get(Path(path).suffix, "text")
            out.extend(["", *fenced(read_example(path, match["region"]), language), ""])
        return out


class ManualExtension(Extension):
    """The manual's markdown additions (see the module docstring)."""

    def extendMarkdown(self, md: Markdown) -> None:
        # After whitespace normalisation (30), before fenced code blocks are parsed (25).
        md.preprocessors.register(IncludeExamples(md), "include_examples", 28)


def makeExtension(**kwargs: Any) -> ManualExtension:
    """Entry point markdown uses for ``extensions=["docs_markdown"]``."""
    return ManualExtension(**kwargs)
