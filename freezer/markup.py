"""Markdown to HTML with freezer's default extensions (and Pygments when installed)."""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import markdown
from markupsafe import Markup

from .cache import RenderCache
from .errors import ConfigError

ENGINES = frozenset({"markdown", "cmark"})

#: Python-Markdown's own extensions: their output depends on the text and settings alone,
#: so it can be cached on disk. With any other extension the cache is not used.
PURE_EXTENSIONS = frozenset(
    {
        "abbr",
        "admonition",
        "attr_list",
        "codehilite",
        "def_list",
        "extra",
        "fenced_code",
        "footnotes",
        "legacy_attrs",
        "legacy_em",
        "md_in_html",
        "meta",
        "nl2br",
        "sane_lists",
        "smarty",
        "tables",
        "toc",
        "wikilinks",
    }
)


def _short_name(extension: str) -> str:
    prefix = "markdown.extensions."
    return extension[len(prefix) :] if extension.startswith(prefix) else extension


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
    #: "markdown" (Python-Markdown, the default) or "cmark" (CommonMark + GFM via cmarkgfm).
    engine: str = "markdown"

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ConfigError(
                f"markdown_engine {self.engine!r} is not one of {', '.join(sorted(ENGINES))}"
            )
        if self.engine == "cmark" and importlib.util.find_spec("cmarkgfm") is None:
            raise ConfigError(
                "markdown_engine 'cmark' needs the cmarkgfm package: pip install 'freezer[cmark]'"
            )

    @classmethod
    def default(
        cls, extra: Sequence[str] | None = None, engine: str = "markdown"
    ) -> MarkdownSettings:
        """Our defaults, plus Pygments highlighting when it is installed, plus ``extra``."""
        if engine == "cmark":
            return cls((), {}, engine)
        extensions = list(DEFAULT_EXTENSIONS)
        configs: dict[str, dict[str, Any]] = {"toc": {"permalink": "#"}}
        if has_pygments():
            extensions.append("codehilite")
            configs["codehilite"] = {"guess_lang": False, "css_class": "highlight"}
        for name in extra or ():
            if name not in extensions:
                extensions.append(name)
        return cls(tuple(extensions), configs, engine)


@dataclass
class Converted:
    """A document's HTML and its table of contents."""

    html: str
    toc: str


class MarkdownRenderer:
    """Converts markdown text with fixed settings; safe to share between threads.

    With a ``cache_folder``, conversions are kept on disk keyed by the text and
    the settings, so a rebuild converts only what changed.
    """

    def __init__(
        self, settings: MarkdownSettings | None = None, cache_folder: Path | None = None
    ) -> None:
        self.settings = settings or MarkdownSettings.default()
        self._local = threading.local()
        self.cache: RenderCache | None = None
        # Another extension may read files or the clock: its output cannot be keyed by the text.
        if cache_folder is not None and all(
            _short_name(name) in PURE_EXTENSIONS for name in self.settings.extensions
        ):
            self.cache = RenderCache(cache_folder, self.fingerprint())

    def fingerprint(self) -> str:
        """What the output depends on besides the text: settings and library versions."""
        if self.settings.engine == "cmark":
            import cmarkgfm

            version = getattr(cmarkgfm, "__version__", "")
            return f"cmark {version} {importlib.metadata.version('cmarkgfm')}"
        versions = [f"markdown {markdown.__version__}"]
        if "codehilite" in self.settings.extensions:
            import pygments

            versions.append(f"pygments {pygments.__version__}")
        configs = json.dumps(self.settings.extension_configs, sort_keys=True, default=repr)
        return "|".join([*versions, ",".join(self.settings.extensions), configs])

    def _converter(self) -> markdown.Markdown:
        converter = getattr(self._local, "converter", None)
        if converter is None:
            # One Markdown instance per thread, reset between documents: building
            # the extension pipeline costs more than converting a short page.
            configs = {k: dict(v) for k, v in self.settings.extension_configs.items()}
            for name in self.settings.extensions:
                if _short_name(name) == "codehilite":
                    codehilite = configs.setdefault(name, {})
                    if "pygments_formatter" not in codehilite:
                        codehilite["pygments_formatter"] = _reusing_html_formatter()
            converter = markdown.Markdown(
                extensions=list(self.settings.extensions), extension_configs=configs
            )
            self._local.converter = converter
        return converter

    def convert(self, text: str) -> Converted:
        """Return the HTML and table of contents of the markdown ``text``."""
        if self.cache is None:
            return self._convert(text)
        key = self.cache.key(text)
        cached = self.cache.get(key)
        if cached is not None:
            return Converted(*cached)
        converted = self._convert(text)
        self.cache.put(key, converted.html, converted.toc)
        return converted

    def _convert(self, text: str) -> Converted:
        if self.settings.engine == "cmark":
            return Converted(_cmark(text), "")
        converter = self._converter()
        try:
            html = converter.convert(text)
            toc = getattr(converter, "toc", "")
        finally:
            converter.reset()
        return Converted(html, toc)


def _reusing_html_formatter() -> Callable[..., Any]:
    """A codehilite formatter that makes each distinct Pygments HtmlFormatter once.

    codehilite otherwise makes a new one, stylesheet and all, for every code
    block: about a third of the time highlighting takes. The output is the same.
    """
    from pygments.formatters import HtmlFormatter

    made: dict[str, Any] = {}

    def formatter(lang_str: str = "", **options: Any) -> Any:
        key = repr(sorted(options.items()))  # lang_str: HtmlFormatter does not take it
        found = made.get(key)
        if found is None:
            found = made[key] = HtmlFormatter(**options)
        return found

    return formatter


def _cmark(text: str) -> str:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    # UNSAFE keeps raw HTML in markdown, as Python-Markdown does; the author wrote it.
    options = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
    html: str = cmarkgfm.github_flavored_markdown_to_html(text, options=options)
    return html


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
