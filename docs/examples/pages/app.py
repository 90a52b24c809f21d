"""A blog from a folder of markdown files: posts, tags and yearly archives."""

from freezer import Site, render_template
from freezer.pages import Pages

site = Site(__name__, static_folder=None)
posts = Pages(site, "content/posts", markdown_extensions=["admonition"])


@site.route("/")
def index():
    return render_template("list.html", title="All posts", posts=posts)


@site.route("/posts/<path:slug>/", values=posts.values("slug"))
def post(slug):
    return render_template("post.html", post=posts.get_or_404(slug))


@site.route("/tags/<tag>/", values=posts.values("tag", "tags"))
def tag(tag):
    return render_template("list.html", title=f"Tagged {tag}", posts=posts.by_tag(tag))


@site.route("/<int:year>/", values=posts.values("year", "date.year"))
def year(year):
    found = [p for p in posts if p.date and p.date.year == year]
    return render_template("list.html", title=f"Posts of {year}", posts=found)
