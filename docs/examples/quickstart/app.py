from freezer import Site, render_template

site = Site(__name__)

POSTS = {
    "hello": "Hello, world",
    "static-is-enough": "A static site is enough",
}


@site.route("/")
def index():
    return render_template("index.html", posts=POSTS)


@site.route("/posts/<slug>/", values=lambda: ({"slug": slug} for slug in POSTS))
def post(slug):
    return render_template("post.html", title=POSTS[slug])


if __name__ == "__main__":
    site.run(debug=True)
