"""Where the site lives: resolving links to site paths and site paths to safe file names.

A *site path* is a URL path below the site's base path, percent-decoded and
NFC-normalised, always starting with "/": ``/posts/hello world/``. Requests,
the crawl and the writer all speak in site paths; the base path (``/repo``)
is only added when a URL is shown or generated.
"""

from __future__ import annotations

import functools
import mimetypes
import os
import posixpath
import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote, unquote, urljoin, urlsplit

from .errors import ConfigError, UnsafePathError

_PATH_SAFE = "/:@!$&'()*+,;=~"
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9_.\-/:@!$&'()*+,;=~]")
#: A "." or ".." path segment, which only joining with a base URL resolves.
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")

#: Link schemes that never point into the site.
_FOREIGN_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "blob:", "about:", "sms:")


def normalize_path(path: str) -> str:
    """Return ``path`` percent-decoded and NFC-normalised (the form file names take)."""
    if "%" not in path and path.isascii():
        return path  # nothing to decode, and ASCII is always NFC
    return unicodedata.normalize("NFC", unquote(path))


def quote_path(path: str) -> str:
    """Return ``path`` percent-encoded as a URL path (the inverse of normalize_path)."""
    if _NEEDS_QUOTING.search(path) is None:
        return path  # most paths: nothing to encode, and quote() is slow
    return quote(path, safe=_PATH_SAFE)


@dataclass(frozen=True)
class SiteLocation:
    """The scheme, host and base path the built site will be served from."""

    scheme: str = "http"
    host: str = "localhost"
    base_path: str = ""  # "" or "/repo", never with a trailing slash
    absolute: bool = False  # True when the user gave a scheme and host

    @classmethod
    def from_base_url(cls, base_url: str | None) -> SiteLocation:
        """Parse ``base_url`` (``https://user.github.io/repo/``, ``/repo/`` or None)."""
        if not base_url:
            return cls()
        parts = urlsplit(base_url)
        if parts.query or parts.fragment:
            raise ConfigError(f"base_url {base_url!r} must not hold a query or fragment")
        if parts.scheme and parts.scheme not in ("http", "https"):
            raise ConfigError(
                f"base_url {base_url!r} must start with https:// or http://, "
                "or be a path like /repo/"
            )
        if parts.scheme and not parts.netloc:
            raise ConfigError(f"base_url {base_url!r} has no host; write https://HOST/PATH/")
        if not parts.scheme and (parts.netloc or not base_url.startswith("/")):
            raise ConfigError(
                f"base_url {base_url!r} is neither a full URL (https://user.github.io/repo/) "
                "nor a path starting with / (/repo/)"
            )
        base_path = "/" + parts.path.strip("/") if parts.path.strip("/") else ""
        if parts.scheme:
            return cls(parts.scheme, parts.netloc, base_path, absolute=True)
        return cls(base_path=base_path)

    @property
    def root_url(self) -> str:
        """The absolute URL of the site's root, ending in "/"."""
        return f"{self.scheme}://{self.host}{self.base_path}/"

    def url_path(self, site_path: str) -> str:
        """Return the public, quoted URL path of ``site_path`` (with the base path)."""
        return self.base_path + quote_path(site_path)

    def absolute_url(self, site_path: str) -> str:
        """Return the absolute URL of ``site_path``."""
        return f"{self.scheme}://{self.host}{self.url_path(site_path)}"

    def resolve(self, link: str, page_url: str) -> tuple[str | None, bool]:
        """Resolve ``link`` found on ``page_url``: (site path or None, outside-base flag).

        Returns ``(None, False)`` for external and non-HTTP links, and
        ``(None, True)`` for a link to this host that leaves the base path.
        """
        link = link.strip()
        if not link or link[0] == "#" or link.lower().startswith(_FOREIGN_SCHEMES):
            return None, False
        if link[0] == "/" and not link.startswith("//"):
            # Most links are root-absolute: no need to join them with the page's URL.
            path = link.split("#", 1)[0].split("?", 1)[0]
            if _DOT_SEGMENT.search(path):
                path = urlsplit(urljoin(page_url, link)).path
        elif ":" not in link.split("/", 1)[0] and not link.startswith("//"):
            # A relative link (../other/): join it with the page's path directly.
            origin = f"{self.scheme}://{self.host}"
            if not page_url.startswith(origin):
                return None, False
            page_path = page_url[len(origin) :].split("?", 1)[0].split("#", 1)[0]
            relative = link.split("#", 1)[0].split("?", 1)[0]
            path = _join_path(page_path, relative) if relative else page_path  # "?q" is the page
        else:
            if link.startswith(("http://", "https://")):
                host = link.split("/", 3)[2]
                if host != self.host:
                    return None, False
            target = urlsplit(urljoin(page_url, link))
            if target.scheme not in ("http", "https") or target.netloc != self.host:
                return None, False
            path = target.path or "/"
        if self.base_path:
            if path == self.base_path:
                path = self.base_path + "/"
            if not path.startswith(self.base_path + "/"):
                return None, True
            path = path[len(self.base_path) :]
        return normalize_path(path), False


def _join_path(page_path: str, relative: str) -> str:
    """Resolve a relative URL path against a page's path (RFC 3986 dot segments)."""
    segments = (page_path[: page_path.rfind("/") + 1] + relative).split("/")
    kept: list[str] = []
    for segment in segments[1:]:
        if segment == "..":
            if kept:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    if segments[-1] in (".", ".."):
        kept.append("")
    return "/" + "/".join(kept)


def _check_segment(url: str, segment: str) -> None:
    if segment in ("", ".", "..") or "\\" in segment or "\x00" in segment:
        raise UnsafePathError(
            f"URL {url!r} cannot become a file: its path holds {segment!r}, which would "
            "escape or confuse the destination folder; fix the link or the generated value"
        )
    if ":" in segment and posixpath.isabs(segment.split(":", 1)[1]):
        raise UnsafePathError(f"URL {url!r} looks like an absolute file path")


def check_site_path(site_path: str) -> None:
    """Raise UnsafePathError when ``site_path`` could not be written inside the destination."""
    if not site_path.startswith("/"):
        raise UnsafePathError(f"URL {site_path!r} is not an absolute path")
    segments = site_path[1:].split("/")
    for segment in segments[:-1]:
        _check_segment(site_path, segment)
    if segments[-1]:
        _check_segment(site_path, segments[-1])


def file_for(site_path: str, mimetype: str | None) -> str:
    """Return the relative file name a site path is written to, or raise UnsafePathError.

    ``/`` → ``index.html``; ``/a/`` → ``a/index.html``; ``/feed.xml`` →
    ``feed.xml``; an extensionless HTML page ``/a`` → ``a.html`` (so ``/a``
    and ``/a/b/`` can both exist); other extensionless files keep their name.
    """
    check_site_path(site_path)
    segments = site_path[1:].split("/")
    directory, last = segments[:-1], segments[-1]
    if last == "":
        name = "index.html"
    else:
        has_extension = "." in last.lstrip(".")
        name = last if has_extension or mimetype != "text/html" else last + ".html"
    return unicodedata.normalize("NFC", "/".join([*directory, name]))


#: Types a static host may name differently for the same content.
_SAME_TYPE = {
    "text/xml": "application/xml",
    "application/x-javascript": "text/javascript",
    "application/javascript": "text/javascript",
    "application/rss+xml": "application/xml",
    "application/atom+xml": "application/xml",
}


def served_type(filename: str) -> str:
    """Return the Content-Type a static host gives ``filename`` (by its extension)."""
    name = os.path.basename(filename)  # a file name, or a site path
    dot = name.find(".", 1)
    # Only the extensions matter: one lookup per kind of name, not one per file.
    return _type_of_name("file" + name[dot:] if dot > 0 else name)


@functools.lru_cache(maxsize=256)
def _type_of_name(name: str) -> str:
    guessed, _ = mimetypes.guess_type(name, strict=False)
    return guessed or "application/octet-stream"


def types_match(response_type: str, filename: str) -> bool:
    """Whether a static host will serve ``filename`` with (a synonym of) ``response_type``."""
    served = served_type(filename)
    return _SAME_TYPE.get(served, served) == _SAME_TYPE.get(response_type, response_type)


def relative_link(from_file: str, to_file: str) -> str:
    """Return the relative URL from the file ``from_file`` to the file ``to_file``."""
    start = posixpath.dirname(from_file) or "."
    relative = posixpath.relpath(to_file, start)
    return quote_path(relative)


def is_editor_litter(name: str) -> bool:
    """Whether a file name is one editors keep beside a file (swap, backup, autosave, probe)."""
    return (
        name.endswith(("~", ".swp", ".swx", ".pyc", ".pyo", "___jb_tmp___", "___jb_old___"))
        or (name.startswith("#") and name.endswith("#"))
        or name.startswith(".#")
        or name == "4913"
    )
