"""Field Notes: a small blog-and-project site, built with freezer.

Preview it while you write (drafts are shown, edits reload)::

    freezer serve

Build it into static files in build/ (drafts are left out)::

    freezer build

Settings (base_url, strict) are in pyproject.toml beside this file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import groupby

from freezer import Site, abort, make_response, redirect, render_template, url_for
from freezer.pages import Page, Pages

site = Site(__name__)  # templates/ and static/ beside this file
site.config.update(
    title="Field Notes",
    author="Mira Halvorsen",
    description="Mira Halvorsen writes about Python, static sites, typography and a small garden.",
    recent_posts=5,
)

# "smarty" turns straight quotes into curly ones, and -- and --- into dashes.
posts = Pages(site, "content/posts", markdown_extensions=["smarty"])  # blog posts: dated, tagged
pages = Pages(site, "content/pages", markdown_extensions=["smarty"])  # standalone: about, projects


# -- template helpers -----------------------------------------------------------------


@site.template_filter("longdate")
def longdate(value: dt.date) -> str:
    """2024-03-05 -> "5 March 2024"."""
    return f"{value.day} {value:%B %Y}"


def as_datetime(value: dt.date) -> dt.datetime:
    """A date or datetime from front matter as an aware datetime (UTC when no zone is given)."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


@site.template_filter("rfc3339")
def rfc3339(value: dt.date) -> str:
    """A date or datetime as the RFC 3339 timestamp Atom wants: 2024-03-05T00:00:00Z."""
    return as_datetime(value).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@site.context_processor
def years_of_writing() -> dict[str, object]:
    """The first and last year with a post, for the footer's copyright line."""
    years = [p.date.year for p in posts]
    return {"first_year": min(years, default=None), "last_year": max(years, default=None)}


def by_year(items: list[Page]) -> list[tuple[int, list[Page]]]:
    """Posts grouped by year, newest year first (the posts are already newest first)."""
    return [(year, list(group)) for year, group in groupby(items, key=lambda p: p.date.year)]


# -- the blog ---------------------------------------------------------------------------


@site.route("/")
def index():
    recent = list(posts)[: site.config["recent_posts"]]
    return render_template("index.html", posts=recent, total=len(posts))


@site.route("/posts/<slug>/", values=posts.values("slug"))
def post(slug: str):
    page = posts.get(slug)
    if page is None:
        # A post that was renamed keeps its old address: front matter `aliases: [old-slug]`.
        for candidate in posts:
            if slug in candidate.meta.get("aliases", []):
                return redirect(url_for("post", slug=candidate.slug))
        abort(404)
    newer, older = neighbours(page)
    return render_template("post.html", post=page, newer=newer, older=older)


@site.values("post")
def old_post_addresses() -> Iterator[dict[str, str]]:
    """The old slugs of renamed posts, so the build writes a redirect page for each."""
    for page in posts:
        for alias in page.meta.get("aliases", []):
            yield {"slug": alias}


def neighbours(page: Page) -> tuple[Page | None, Page | None]:
    """The post after and the post before ``page``."""
    ordered = list(posts)
    i = ordered.index(page)
    newer = ordered[i - 1] if i > 0 else None
    older = ordered[i + 1] if i + 1 < len(ordered) else None
    return newer, older


@site.route("/tags/")
def tags():
    counts = {tag: len(posts.by_tag(tag)) for tag in posts.tags()}
    return render_template("tags.html", counts=counts)


@site.route("/tags/<tag>/", values=posts.values("tag", "tags"))
def tag(tag: str):
    tagged = posts.by_tag(tag)
    if not tagged:
        abort(404)
    return render_template("tag.html", tag=tag, posts=tagged)


@site.route("/archive/")
def archive():
    return render_template("archive.html", years=by_year(list(posts)))


@site.route("/<int:year>/", values=posts.values("year", "date.year"))
def year(year: int):
    in_year = [p for p in posts if p.date.year == year]
    if not in_year:
        abort(404)
    return render_template("year.html", year=year, posts=in_year)


@site.route("/blog/")
def old_blog():
    """The blog used to live under /blog/; the build turns this into a forwarding page."""
    return redirect(url_for("index"))


# -- standalone pages, feed, robots.txt, 404 ----------------------------------------------


def render_page(slug: str) -> str:
    return render_template("page.html", page=pages.get_or_404(slug))


@site.route("/about/")
def about():
    return render_page("about")  # content/pages/about.md


@site.route("/projects/")
def projects():
    return render_page("projects")  # content/pages/projects.md


@site.route("/feed.xml")
def feed():
    entries = list(posts)
    # The feed changed when its newest entry did (front matter `updated:` counts too).
    updated = max((as_datetime(p.meta.get("updated") or p.date) for p in entries), default=None)
    body = render_template("feed.xml", posts=entries, updated=updated)
    response = make_response(body)
    response.headers["Content-Type"] = "application/atom+xml; charset=utf-8"
    return response


@site.route("/robots.txt")
def robots():
    # freezer writes sitemap.xml when base_url is absolute. (Crawlers only read robots.txt
    # at the root of a host, so a site under a sub-path needs one there instead.)
    sitemap = url_for("index", _external=True) + "sitemap.xml"
    body = f"User-agent: *\nAllow: /\n\nSitemap: {sitemap}\n"
    return body, {"Content-Type": "text/plain; charset=utf-8"}


@site.errorhandler(404)
def not_found(error):
    return render_template("404.html"), 404
