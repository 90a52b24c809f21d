"""site_example/: the first site a newcomer builds. It must build cleanly, whole, and look right.

The site is built once per module; each test then checks one aspect of the
result: the exact file tree and some contents, the links, the Atom feed, and
how two pages look in a real browser at phone and desktop widths.
"""

from __future__ import annotations

import datetime as dt
import html
import re
import struct
import subprocess
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.etree import ElementTree

import pytest
import yaml

from freezer import BuildReport, Freezer
from freezer.loading import load_site

from .builtsite import broken_links, served_file
from .conftest import CHROMIUM, CHROMIUM_ARGS, PYTHON, free_port, http_get, wait_for

EXAMPLE = Path(__file__).resolve().parent.parent / "site_example"
BASE_URL = "https://example.github.io/"
ATOM = "{http://www.w3.org/2005/Atom}"
XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"

# Every file the build writes. Drafts (content/posts/garlic.md) are not here.
EXPECTED_FILES = sorted(
    [
        ".freezer-manifest.json",
        "2022/index.html",
        "2023/index.html",
        "2024/index.html",
        "2025/index.html",
        "404.html",
        "about/index.html",
        "archive/index.html",
        "blog/index.html",  # redirect page: /blog/ -> /
        "feed.xml",
        "index.html",
        "posts/compost-layers/index.html",
        "posts/dark-mode-without-javascript/index.html",
        "posts/dataclasses-sooner/index.html",
        "posts/footnotes/index.html",
        "posts/moving-to-static-files/index.html",  # redirect page: an alias of why-static
        "posts/north-facing-tomatoes/index.html",
        "posts/pathlib-everywhere/index.html",
        "posts/reading-jinja-errors/index.html",
        "posts/seed-starting-table/index.html",
        "posts/small-pages/index.html",
        "posts/testing-with-a-real-browser/index.html",
        "posts/the-measure/index.html",
        "posts/why-static/index.html",
        "projects/index.html",
        "robots.txt",
        "sitemap.xml",
        "static/favicon.svg",
        "static/images/compost-layers.svg",
        "static/style.css",
        "tags/css/index.html",
        "tags/gardening/index.html",
        "tags/index.html",
        "tags/python/index.html",
        "tags/static-sites/index.html",
        "tags/testing/index.html",
        "tags/typography/index.html",
    ]
)


def published_posts() -> dict[str, dict]:
    """The front matter of every post that is not a draft, by slug, read straight from disk."""
    posts = {}
    for path in sorted((EXAMPLE / "content" / "posts").glob("*.md")):
        front_matter = path.read_text(encoding="utf-8").split("---")[1]
        meta = yaml.safe_load(front_matter)
        if not meta.get("draft"):
            posts[path.stem] = meta
    return posts


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildReport, Path]:
    """Build site_example once for the module, as `freezer build` would, strictly."""
    build_dir = tmp_path_factory.mktemp("site_example") / "build"
    site = load_site(str(EXAMPLE / "app.py"))
    report = Freezer(site, destination=build_dir, base_url=BASE_URL, strict=True).build()
    return report, build_dir


def read(build_dir: Path, name: str) -> str:
    return (build_dir / name).read_text(encoding="utf-8")


def titles_listed(page: str) -> list[str]:
    """The post titles a list page (home, tag, year, archive) shows, in order."""
    found = re.findall(r'class="post-list-title"><a href="[^"]*">([^<]*)</a>', page)
    return [html.unescape(title) for title in found]


# -- 1. the whole tree, and what is in it ---------------------------------------------


def test_build_writes_exactly_the_expected_files(built: tuple[BuildReport, Path]) -> None:
    report, build_dir = built
    actual = sorted(
        p.relative_to(build_dir).as_posix() for p in build_dir.rglob("*") if p.is_file()
    )
    missing = sorted(set(EXPECTED_FILES) - set(actual))
    unexpected = sorted(set(actual) - set(EXPECTED_FILES))
    assert actual == EXPECTED_FILES, (
        "the built tree differs from EXPECTED_FILES\n"
        f"  missing ({len(missing)}):    {missing}\n"
        f"  unexpected ({len(unexpected)}): {unexpected}"
    )
    assert report.warnings == []
    assert report.drafts == 1
    assert len(published_posts()) == 12


def test_pages_hold_what_they_should(built: tuple[BuildReport, Path]) -> None:
    _, build_dir = built

    post = read(build_dir, "posts/compost-layers/index.html")
    assert "<title>Building a compost bin, in layers · Field Notes</title>" in post
    assert "<h1>Building a compost bin, in layers</h1>" in post
    assert '<time datetime="2024-04-28">28 April 2024</time>' in post
    assert 'src="../../static/images/compost-layers.svg"' in post
    assert '<link rel="canonical" href="https://example.github.io/posts/compost-layers/">' in post
    assert 'href="/static/style.css"' in post and 'rel="icon"' in post

    # Markdown features: highlighted code, a table, a footnote, smart quotes.
    assert '<div class="highlight"><pre>' in read(build_dir, "posts/dataclasses-sooner/index.html")
    assert "<table>" in read(build_dir, "posts/seed-starting-table/index.html")
    assert 'class="footnote"' in read(build_dir, "posts/footnotes/index.html")
    assert "Tufte&rsquo;s" in read(build_dir, "posts/footnotes/index.html")

    home = read(build_dir, "index.html")
    assert "<title>Field Notes</title>" in home
    assert titles_listed(home) == [
        "How heavy is a blog post?",
        "Testing a static site in a real browser",
        "In defence of footnotes",
        "Building a compost bin, in layers",
        "Reading a Jinja traceback",
    ]
    for label in ("Home", "Archive", "Tags", "About", "Feed"):
        assert f">{label}</a>" in home

    assert titles_listed(read(build_dir, "tags/gardening/index.html")) == [
        "Building a compost bin, in layers",
        "When to start seeds indoors",
        "Tomatoes on a north-facing balcony",
    ]
    tags = read(build_dir, "tags/index.html")
    assert re.findall(r'href="/tags/([^/]+)/"', tags) == [
        "css", "gardening", "python", "static-sites", "testing", "typography",
    ]  # fmt: skip

    year = read(build_dir, "2023/index.html")
    assert "<h1>Posts from 2023</h1>" in year
    assert titles_listed(year) == [
        "Dark mode without a line of JavaScript",
        "pathlib, everywhere",
        "When to start seeds indoors",
        "Dataclasses I should have written sooner",
    ]
    archive = read(build_dir, "archive/index.html")
    assert re.findall(r'<h2 id="y\d+"><a href="/(\d+)/">', archive) == [
        "2025",
        "2024",
        "2023",
        "2022",
    ]
    assert len(titles_listed(archive)) == 12

    # Moved pages forward to their new address.
    blog = read(build_dir, "blog/index.html")
    assert '<meta http-equiv="refresh" content="0; url=https://example.github.io/">' in blog
    alias = read(build_dir, "posts/moving-to-static-files/index.html")
    assert (
        'http-equiv="refresh" content="0; url=https://example.github.io/posts/why-static/"' in alias
    )

    not_found = read(build_dir, "404.html")
    assert "<h1>Page not found</h1>" in not_found
    assert 'href="/archive/"' in not_found  # root-absolute: a host shows it at any depth

    assert read(build_dir, "robots.txt") == (
        "User-agent: *\nAllow: /\n\nSitemap: https://example.github.io/sitemap.xml\n"
    )
    sitemap = read(build_dir, "sitemap.xml")
    assert "<loc>https://example.github.io/posts/why-static/</loc>" in sitemap

    # The draft is nowhere, and there is no JavaScript anywhere.
    for file in build_dir.rglob("*"):
        if file.suffix in (".html", ".xml", ".txt"):
            text = file.read_text(encoding="utf-8")
            assert "garlic" not in text.lower(), f"the draft leaked into {file}"
            assert "<script" not in text, f"{file} has a script"
    assert "@media (prefers-color-scheme: dark)" in read(build_dir, "static/style.css")


# -- 2. links ----------------------------------------------------------------------------


def test_no_broken_links(built: tuple[BuildReport, Path]) -> None:
    _, build_dir = built
    assert broken_links(build_dir, BASE_URL) == []


# -- 3. the Atom feed --------------------------------------------------------------------

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def rfc3339(element: ElementTree.Element | None, where: str) -> dt.datetime:
    assert element is not None and element.text, f"{where} has no timestamp"
    assert RFC3339.match(element.text), f"{where}: {element.text!r} is not RFC 3339"
    return dt.datetime.fromisoformat(element.text.replace("Z", "+00:00"))


def test_feed_is_valid_atom(built: tuple[BuildReport, Path]) -> None:
    _, build_dir = built
    feed = ElementTree.parse(build_dir / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    assert feed.findtext(f"{ATOM}id") == BASE_URL
    assert feed.findtext(f"{ATOM}title") == "Field Notes"
    assert feed.findtext(f"{ATOM}author/{ATOM}name") == "Mira Halvorsen"
    feed_updated = rfc3339(feed.find(f"{ATOM}updated"), "the feed")
    links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
    assert links["self"] == f"{BASE_URL}feed.xml"
    assert links["alternate"] == BASE_URL

    entries = feed.findall(f"{ATOM}entry")
    posts = published_posts()
    assert len(entries) == len(posts) == 12
    ids = set()
    for entry in entries:
        title = entry.findtext(f"{ATOM}title")
        assert title, "an entry has no title"
        entry_id = entry.findtext(f"{ATOM}id")
        assert entry_id and entry_id not in ids, f"{title}: missing or repeated id"
        ids.add(entry_id)
        updated = rfc3339(entry.find(f"{ATOM}updated"), title)
        assert updated <= feed_updated
        rfc3339(entry.find(f"{ATOM}published"), title)

        alternate = [
            link
            for link in entry.findall(f"{ATOM}link")
            if link.get("rel", "alternate") == "alternate"
        ]
        assert len(alternate) == 1, f"{title}: expected one alternate link"
        href = alternate[0].get("href", "")
        assert href.startswith(BASE_URL), f"{title}: {href} is not absolute under {BASE_URL}"
        target = served_file(build_dir, urlsplit(href).path)
        assert target is not None, f"{title}: {href} is not a built file"
        assert f"<h1>{html.escape(title, quote=False)}" in target.read_text(encoding="utf-8")

        content = entry.find(f"{ATOM}content")
        assert content is not None and content.get("type") == "html"
        assert content.text and content.text.lstrip().startswith("<p>")  # HTML, escaped once
        # Relative links and images in the post resolve against the entry's xml:base.
        base = entry.get(XML_BASE)
        assert base == href, f"{title}: xml:base {base!r} is not the post's address"
        for link in re.findall(r'(?:src|href)="([^"#]+)"', content.text):
            resolved = urljoin(base, html.unescape(link))
            if resolved.startswith(BASE_URL):
                assert served_file(build_dir, urlsplit(resolved).path), f"{title}: {link}"

    slugs = {urlsplit(i).path.split("/")[2] for i in ids}
    assert slugs == set(posts)
    # Newest first, and `updated:` front matter wins over the date.
    tomatoes = next(e for e in entries if "north-facing" in e.findtext(f"{ATOM}id", ""))
    assert tomatoes.findtext(f"{ATOM}updated") == "2022-10-16T00:00:00Z"
    assert entries[0].findtext(f"{ATOM}title") == "How heavy is a blog post?"


# -- 4. in a real browser ------------------------------------------------------------------


def png_pixels(data: bytes) -> Counter[bytes]:
    """Decode an 8-bit, non-interlaced PNG (what Chromium writes); count each pixel value."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, []
    width = height = channels = 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and interlace == 0, "only 8-bit non-interlaced PNGs are decoded"
            channels = {0: 1, 2: 3, 4: 2, 6: 4}[color]
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    raw = zlib.decompress(b"".join(idat))
    stride, bpp = width * channels, channels
    prev = bytearray(stride)
    pixels: Counter[bytes] = Counter()
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        if kind == 1:  # Sub
            for i in range(bpp, stride):
                row[i] = (row[i] + row[i - bpp]) & 0xFF
        elif kind == 2:  # Up
            row = bytearray((a + b) & 0xFF for a, b in zip(row, prev, strict=True))
        elif kind == 3:  # Average
            for i in range(stride):
                left = row[i - bpp] if i >= bpp else 0
                row[i] = (row[i] + (left + prev[i]) // 2) & 0xFF
        elif kind == 4:  # Paeth
            for i in range(stride):
                a = row[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        pixels.update(bytes(row[i : i + channels]) for i in range(0, stride, channels))
        prev = row
    return pixels


def parse_rgb(css_color: str) -> tuple[int, int, int]:
    match = re.fullmatch(r"rgba?\((\d+), (\d+), (\d+)(?:, [\d.]+)?\)", css_color)
    assert match, f"unexpected colour {css_color!r}"
    r, g, b = (int(v) for v in match.groups())
    return r, g, b


def luminance(rgb: tuple[int, ...]) -> float:
    """WCAG relative luminance: 0 is black, 1 is white."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


BROWSER_PAGES = {
    # path: (title, h1)
    "/": ("Field Notes", "Notes from a desk and a small garden"),
    "/posts/compost-layers/": (
        "Building a compost bin, in layers · Field Notes",
        "Building a compost bin, in layers",
    ),
    "/posts/seed-starting-table/": (
        "When to start seeds indoors · Field Notes",
        "When to start seeds indoors",
    ),
}


def check_in_browser(browser: Any, root: str, width: int, scheme: str) -> None:
    """Open every page of BROWSER_PAGES at ``width`` in ``scheme`` and check how it looks."""
    context = browser.new_context(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page = context.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        for path, (title, h1) in BROWSER_PAGES.items():
            where = f"{path} at {width}px, {scheme}"
            page.goto(root + path, wait_until="load")
            assert page.title() == title, where
            heading = page.locator("h1").first
            assert heading.is_visible(), where
            assert heading.inner_text().strip() == h1, where
            assert page.locator("header nav a").count() >= 5, where

            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width, f"{where}: scrolls sideways ({scroll_width}px)"

            # The stylesheet applied: the body colour is the theme's, light or dark.
            css_color = page.evaluate("getComputedStyle(document.body).backgroundColor")
            background = parse_rgb(css_color)
            if scheme == "dark":
                assert luminance(background) < 0.05, f"{where}: {css_color} is not dark"
            else:
                assert luminance(background) > 0.85, f"{where}: {css_color} is not light"

            # The screenshot shows a page, not a blank: many colours, mostly the background.
            pixels = png_pixels(page.screenshot())
            assert len(pixels) > 10, f"{where}: the screenshot is blank"
            assert tuple(pixels.most_common(1)[0][0])[:3] == background, where
        assert failed == [], f"requests failed at {width}px, {scheme}: {failed}"
    finally:
        context.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium")
def test_pages_look_right_in_a_browser(
    built: tuple[BuildReport, Path], spawn: Callable[..., subprocess.Popen[str]]
) -> None:
    from playwright.sync_api import sync_playwright  # a test dependency: fail loudly if missing

    _, build_dir = built
    port = free_port()
    server = [PYTHON, "-m", "http.server", str(port), "--bind", "127.0.0.1"]
    spawn([*server, "--directory", str(build_dir)])
    root = f"http://127.0.0.1:{port}"
    wait_for(lambda: http_get(root + "/")[0] == 200, what="the static server")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            for scheme in ("light", "dark"):
                for width in (375, 1280):
                    check_in_browser(browser, root, width, scheme)
        finally:
            browser.close()
