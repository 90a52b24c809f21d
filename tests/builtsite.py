"""Checks over a built folder, independent of freezer's own crawler: does every link resolve?"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_ATTR_LINK = re.compile(r"""\s(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)['"]?\s*\)""")
_SCRIPT = re.compile(r"<script\b.*?</script\s*>|<!--.*?-->", re.S | re.I)


def served_file(root: Path, path: str) -> Path | None:
    """Return the file a static host (GitHub Pages rules) serves for URL ``path``, or None."""
    relative = unquote(path).lstrip("/")
    candidate = root / relative
    if path.endswith("/") or relative == "":
        candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None
    if candidate.is_file():
        return candidate
    if candidate.with_name(candidate.name + ".html").is_file():
        return candidate.with_name(candidate.name + ".html")
    if (candidate / "index.html").is_file():
        return candidate / "index.html"
    return None


def broken_links(root: Path, site_url: str = "http://localhost/") -> list[str]:
    """Every internal link in the built HTML and CSS under ``root`` that resolves to no file.

    ``site_url`` is where the folder is served (its path is the base path).
    """
    base = urlsplit(site_url)
    problems = []
    for file in sorted(root.rglob("*")):
        if file.suffix not in (".html", ".css") or not file.is_file():
            continue
        text = file.read_text(encoding="utf-8")
        relative = file.relative_to(root).as_posix()
        page_url = urljoin(site_url, relative)
        if file.suffix == ".html":
            # Only inside tags: text (a highlighted code sample) may read like an attribute.
            tags = " ".join(_TAG.findall(_SCRIPT.sub("", text)))
            links = [html.unescape(a or b) for a, b in _ATTR_LINK.findall(tags)]
            links += _CSS_URL.findall(text)
        else:
            links = _CSS_URL.findall(text)
        for link in links:
            target = urlsplit(urljoin(page_url, link.strip()))
            if target.scheme not in ("http", "https") or target.netloc != base.netloc:
                continue
            if not target.path.startswith(base.path):
                problems.append(f"{relative}: {link} leaves {base.path}")
                continue
            if served_file(root, target.path[len(base.path) - 1 :]) is None:
                problems.append(f"{relative}: {link}")
    return problems
