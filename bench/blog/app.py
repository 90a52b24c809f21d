"""The benchmark site: one page per post, an index of every post, one page per tag.

The corpus folder comes from FREEZER_BENCH_CORPUS (the folder holding posts/).
"""

import os

from freezer import Site, render_template
from freezer.pages import Pages

site = Site(__name__)
posts = Pages(
    site,
    os.path.join(os.environ.get("FREEZER_BENCH_CORPUS", "corpus"), "posts"),
    markdown_engine=os.environ.get("FREEZER_MARKDOWN_ENGINE"),  # "cmark" to try cmarkgfm
)


@site.route("/")
def index():
    return render_template("index.html", posts=posts)


@site.route("/posts/<slug>/", values=posts.values("slug"))
def post(slug):
    return render_template("post.html", post=posts.get_or_404(slug))


@site.route("/tags/<tag>/", values=posts.values("tag", "tags"))
def tag(tag):
    return render_template("tag.html", tag=tag, posts=posts.by_tag(tag))
