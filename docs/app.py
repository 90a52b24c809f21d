"""The freezer manual: the markdown pages of content/, built into a site by freezer itself.

    freezer build --app docs/app.py      # writes docs/build/ (settings in docs/pyproject.toml)
    python docs/app.py                   # preview at http://127.0.0.1:5000/

How the markdown becomes the manual:

- Examples. A line that holds only ``<<< examples/NAME`` includes that file of
  docs/examples/ as a code block, whole or one ``# region``. It is done by the
  markdown extension in docs_markdown.py, given to ``Pages`` by name. The
  examples are whole programs that tests/test_docs.py builds, so every sample
  a reader copies runs.
- Links. Pages link to each other by file name, as they would on GitHub:
  ``[Generators](generators.md)``. ``link_pages`` rewrites each such href to
  the page's URL after the markdown is converted. It does so in the view,
  not in the markdown extension, because only the view knows where the page
  is served: it builds the URL with ``url_for``, so the URL gets the base URL,
  and the crawl follows it. A link to a page that does not exist leads to a
  404 and fails the build.
- Navigation. Every page has ``title:`` and ``order:`` in its front matter;
  the sidebar lists the pages by ``order``.
- Markdown. Besides freezer's defaults, ``def_list`` gives the API page its
  ``term`` / ``: definition`` lists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from markupsafe import Markup, escape

from freezer import Site, abort, render_template, url_for
from freezer.pages import Page, Pages

site = Site(__name__)
pages = Pages(site, "content", markdown_extensions=["def_list", "docs_markdown"])

# An <a> whose href names a page file: "generators.md" or "generators.md#drafts".
# Code blocks hold "&lt;a", never "<a", so links shown as code are left alone.
_PAGE_LINK = re.compile(r'(<a\s[^>]*?\bhref=")([\w-]+(?:/[\w-]+)*)\.md(#[^"]*)?"')


@site.template_global()
def page_url(page: Page) -> str:
    """The URL of a manual page (``index`` is the home page)."""
    return url_for("index") if page.slug == "index" else url_for("page", slug=page.slug)


def link_pages(html: Markup) -> Markup:
    """Rewrite links to ``NAME.md`` in a page's HTML into links to the page NAME."""

    def to_url(match: re.Match[str]) -> str:
        slug, fragment = match[2], match[3] or ""
        url = url_for("index") if slug == "index" else url_for("page", slug=slug)
        return f'{match[1]}{escape(url)}{fragment}"'

    return Markup(_PAGE_LINK.sub(to_url, html))


def manual() -> list[Page]:
    """Every page in reading order: by the ``order:`` of its front matter."""
    for page in pages:
        if not isinstance(page.meta.get("order"), int):
            raise ValueError(f"{page.path}: add 'order: N' to the front matter (a whole number)")
    return sorted(pages, key=lambda page: (page.meta["order"], page.slug))


def show(page: Page) -> str:
    """Render one page with the sidebar, its table of contents and previous/next links."""
    order = manual()
    at = [p.slug for p in order].index(page.slug)
    return render_template(
        "page.html",
        page=page,
        body=link_pages(page.html),
        nav=order,
        previous=order[at - 1] if at > 0 else None,
        next=order[at + 1] if at + 1 < len(order) else None,
    )


@site.route("/")
def index() -> str:
    return show(pages.get_or_404("index"))


@site.route("/<path:slug>/")
def page(slug: str) -> str:
    if slug == "index":
        abort(404)  # the home page lives at /
    return show(pages.get_or_404(slug))


@site.values("page")
def every_page() -> Iterator[dict[str, str]]:
    for each in pages:
        if each.slug != "index":
            yield {"slug": each.slug}


@site.errorhandler(404)
def not_found(error: Exception) -> tuple[str, int]:
    return render_template("404.html", nav=manual()), 404


if __name__ == "__main__":
    site.run(debug=True)
