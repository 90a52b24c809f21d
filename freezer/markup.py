"""Markdown to HTML with freezer's default extensions (and Pygments when installed)."""

from __future__ import annotations

import functools
import importlib.util
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import markdown
from markupsafe import Markup

#: Extensions every page gets: GitHub-style tables and fences, footnotes,
#: {: attribute lists }, heading ids with a "#" permalink, and lists as people write them.
DEFAULT_EXTENSIONS: tuple[str, ...] = (
    "tables",
    "fenced_code",
    "footnotes",
    "attr_list",
    "toc",
    "sane_lists",
)


def has_pygments() -> bool:
    """Whether Pygments is installed, so code blocks get highlighted."""
    return importlib.util.find_spec("pygments") is not None


@dataclass(frozen=True)
class MarkdownSettings:
    """Which extensions (and their settings) markdown is converted with."""

    extensions: tuple[str, ...] = DEFAULT_EXTENSIONS
    extension_configs: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def default(cls, extra: Sequence[str] | None = None) -> MarkdownSettings:
        """Our defaults, plus Pygments highlighting when it is installed, plus ``extra``."""
        extensions = list(DEFAULT_EXTENSIONS)
        configs: dict[str, dict[str, Any]] = {"toc": {"permalink": "#"}}
        if has_pygments():
            extensions.append("codehilite")
            configs["codehilite"] = {"guess_lang": False, "css_class": "highlight"}
        for name in extra or ():
            if name not in extensions:
                extensions.append(name)
        return cls(tuple(extensions), configs)


@dataclass
class Converted:
    """A document's HTML and its table of contents."""

    html: str
    toc: str


class MarkdownRenderer:
    """Converts markdown text with fixed settings; safe to share between threads."""

    def __init__(self, settings: MarkdownSettings | None = None) -> None:
        self.settings = settings or MarkdownSettings.default()
        self._local = threading.local()

    def _converter(self) -> markdown.Markdown:
        converter = getattr(self._local, "converter", None)
        if converter is None:
            # One Markdown instance per thread, reset between documents: building
            # the extension pipeline costs more than converting a short page.
            converter = markdown.Markdown(
                extensions=list(self.settings.extensions),
                extension_configs={k: dict(v) for k, v in self.settings.extension_configs.items()},
            )
            self._local.converter = converter
        return converter

    def convert(self, text: str) -> Converted:
        """Return the HTML and table of contents of the markdown ``text``."""
        converter = self._converter()
        try:
            html = converter.convert(text)
            toc = getattr(converter, "toc", "")
        finally:
            converter.reset()
        return Converted(html, toc)


@functools.cache
def default_renderer() -> MarkdownRenderer:
    """The renderer with default settings, made once."""
    return MarkdownRenderer()


def markdown_filter(text: str | None, inline: bool = False) -> Markup:
    """Jinja filter: render markdown ``text`` to HTML (``inline`` drops the outer <p>)."""
    html = default_renderer().convert(text or "").html
    if inline and html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)
