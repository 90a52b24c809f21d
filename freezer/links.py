"""Finding and rewriting the URLs that HTML and CSS documents point to."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

# One pass over the document: comments and scripts are skipped (text inside
# them is not a link), style blocks are CSS, every other start tag is scanned
# for attributes. Text outside tags cannot hold a "<" in valid HTML, so a
# regular expression finds tags reliably and far faster than html.parser.
_HTML_SCAN = re.compile(
    r"<!--.*?-->"
    r"|<script\b[^>]*>.*?</script\s*>"
    r"|<style\b[^>]*>(?P<css>.*?)</style\s*>"
    # Only tags with an attribute that can hold a URL are parsed further; the
    # rest (most of a page: p, li, code spans) are skipped inside the regex engine.
    r"|<(?P<tag>[a-zA-Z][a-zA-Z0-9-]*)(?P<attrs>\s[^>]*?(?<![\w-])"
    r"(?:href|src|poster|data|background|cite|srcset|imagesrcset|style|content)\s*=[^>]*)>",
    re.S | re.I,
)
_ATTR = re.compile(
    r"""(?P<name>[^\s"'=<>/`]+)(?:\s*=\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'|(?P<uq>[^\s"'=<>`]+)))?""",
)
_CSS_URL = re.compile(
    r"""url\(\s*(?:"(?P<dq>[^"]*)"|'(?P<sq>[^']*)'"""
    # Inside a style attribute the quotes may themselves be HTML-escaped.
    r"""|&quot;(?P<eq>.*?)&quot;|&\#(?:39|x27);(?P<ea>.*?)&\#(?:39|x27);"""
    r"""|(?P<uq>[^)"'\s]*))\s*\)"""
    r"""|@import\s+(?:"(?P<idq>[^"]*)"|'(?P<isq>[^']*)')""",
    re.I,
)
_REFRESH_URL = re.compile(r"""^(\s*\d*\.?\d*\s*[;,]\s*url\s*=\s*['"]?)([^'"]*)""", re.I)
_SRCSET_CANDIDATE = re.compile(r"\s*([^\s,]+)([^,]*)(,|$)")

_URL_ATTRS = frozenset({"href", "src", "poster", "data", "background", "cite"})


class LinkSpan(NamedTuple):
    """Where one URL stands in a document: its text span and its decoded value."""

    start: int
    end: int
    url: str
    #: True when the raw text is HTML-escaped (inside an attribute).
    escaped: bool


def _attr_value(match: re.Match[str]) -> tuple[str | None, int, int]:
    for group in ("dq", "sq", "uq"):
        value = match.group(group)
        if value is not None:
            return value, match.start(group), match.end(group)
    return None, -1, -1


def _css_spans(css: str, offset: int, escaped: bool) -> Iterator[LinkSpan]:
    for match in _CSS_URL.finditer(css):
        for group in ("dq", "sq", "eq", "ea", "uq", "idq", "isq"):
            value = match.group(group)
            if value is not None and value.strip():
                raw = html.unescape(value) if escaped else value
                yield LinkSpan(
                    offset + match.start(group), offset + match.end(group), raw.strip(), escaped
                )
                break


def _srcset_spans(value: str, offset: int) -> Iterator[LinkSpan]:
    for match in _SRCSET_CANDIDATE.finditer(value):
        if match.group(1):
            url = html.unescape(match.group(1))
            yield LinkSpan(offset + match.start(1), offset + match.end(1), url, True)


def _tag_spans(tag: str, attrs: str, offset: int) -> Iterator[LinkSpan]:
    parsed = [(m.group("name").lower(), m) for m in _ATTR.finditer(attrs)]
    names = {name: m for name, m in parsed}
    for name, match in parsed:
        value, start, end = _attr_value(match)
        if value is None:
            continue
        if name in _URL_ATTRS:
            yield LinkSpan(offset + start, offset + end, html.unescape(value).strip(), True)
        elif name in ("srcset", "imagesrcset"):
            yield from _srcset_spans(value, offset + start)
        elif name == "style":
            yield from _css_spans(value, offset + start, escaped=True)
        elif name == "content" and tag == "meta":
            equiv = names.get("http-equiv")
            if equiv is not None and (_attr_value(equiv)[0] or "").lower() == "refresh":
                refresh = _REFRESH_URL.match(value)
                if refresh and refresh.group(2).strip():
                    url_start = offset + start + refresh.start(2)
                    yield LinkSpan(
                        url_start,
                        url_start + len(refresh.group(2)),
                        html.unescape(refresh.group(2)).strip(),
                        True,
                    )


def html_link_spans(document: str) -> Iterator[LinkSpan]:
    """Yield every URL an HTML document points to: attributes, srcset, refresh, CSS."""
    for match in _HTML_SCAN.finditer(document):
        if match.group("css") is not None:
            yield from _css_spans(match.group("css"), match.start("css"), escaped=False)
        elif match.group("tag") is not None and match.group("attrs"):
            yield from _tag_spans(
                match.group("tag").lower(), match.group("attrs"), match.start("attrs")
            )


def css_link_spans(stylesheet: str) -> Iterator[LinkSpan]:
    """Yield every URL a stylesheet points to (``url()`` and ``@import``)."""
    return _css_spans(stylesheet, 0, escaped=False)


def link_spans(text: str, mimetype: str) -> Iterator[LinkSpan]:
    """Yield the links of a document of type ``mimetype`` (none for other types)."""
    if mimetype in ("text/html", "application/xhtml+xml"):
        return html_link_spans(text)
    if mimetype == "text/css":
        return css_link_spans(text)
    return iter(())


def rewrite_links(text: str, spans: list[LinkSpan], replace: Callable[[str], str | None]) -> str:
    """Return ``text`` with each span's URL replaced by ``replace(url)`` (None keeps it)."""
    pieces: list[str] = []
    last = 0
    for span in spans:
        new = replace(span.url)
        if new is None or new == span.url:
            continue
        pieces.append(text[last : span.start])
        pieces.append(html.escape(new, quote=True) if span.escaped else new)
        last = span.end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)
