"""A small blog: a home page, an about page, and posts written in markdown."""

from freezer import Site, render_template
from freezer.pages import Pages

site = Site(__name__)
posts = Pages(site, "content/posts")


@site.route("/")
def index():
    return render_template("index.html", posts=posts)


@site.route("/about/")
def about():
    return render_template("about.html")


@site.route("/posts/<slug>/", values=posts.values("slug"))
def post(slug):
    return render_template("post.html", post=posts.get_or_404(slug))


@site.errorhandler(404)
def not_found(error):
    return render_template("404.html"), 404


if __name__ == "__main__":
    site.run(debug=True)
