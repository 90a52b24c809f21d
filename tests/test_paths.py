"""Resolving links to site paths agrees with the standard library's urljoin."""

from __future__ import annotations

import itertools
from urllib.parse import urljoin, urlsplit

import pytest

from freezer.paths import SiteLocation, normalize_path

PAGES = [
    "https://u.github.io/repo/posts/a/",
    "https://u.github.io/repo/posts/a/index.html",
    "https://u.github.io/repo/",
    "https://u.github.io/repo/x",
]
LINKS = [
    "../b/",
    "b",
    "./",
    ".",
    "..",
    "../../..",
    "../../../../x",
    "c/../d",
    "?q=1",
    "x/./y",
    "../b/#f",
    "sub/",
    "%C3%BC/",
    "a%2Fb",
    "/repo/a/../c/",
    "/elsewhere/",
    "//u.github.io/repo/z",
    "https://u.github.io/repo/y/",
    "https://other.org/repo/",
    "mailto:a@b",
    "#top",
]


@pytest.mark.parametrize(("page", "link"), list(itertools.product(PAGES, LINKS)))
def test_resolve_agrees_with_urljoin(page, link):
    location = SiteLocation.from_base_url("https://u.github.io/repo/")
    target = urlsplit(urljoin(page, link))
    if (
        link.startswith("#")
        or target.scheme not in ("http", "https")
        or target.netloc != "u.github.io"
    ):
        expected = (None, False)
    elif target.path == "/repo" or target.path.startswith("/repo/"):
        expected = (normalize_path(target.path[len("/repo") :] or "/"), False)
    else:
        expected = (None, True)
    assert location.resolve(link, page) == expected
