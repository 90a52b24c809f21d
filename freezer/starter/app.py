"""A small site made by `freezer init`: a home page and markdown posts."""

from freezer import Site, render_template
from freezer.pages import Pages

site = Site(__name__)
posts = Pages(site, "content/posts")


@site.route("/")
def index():
    return render_template("index.html", posts=posts)


@site.route("/posts/<path:slug>/", values=posts.values("slug"))
def post(slug):
    return render_template("post.html", post=posts.get_or_404(slug))


@site.errorhandler(404)
def not_found(error):
    return render_template("404.html"), 404


if __name__ == "__main__":
    site.run(debug=True)
