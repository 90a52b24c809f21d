"""Routes, converters, redirects, errors, and what a view may return."""

import uuid

from werkzeug.routing import BaseConverter

from freezer import Site, abort, make_response, redirect, request, url_for

site = Site(__name__, static_folder=None)  # this site has no static files


# region custom-converter
class ListConverter(BaseConverter):
    """`/tags/python+web/` gives the view ["python", "web"]."""

    def to_python(self, value):
        return value.split("+")

    def to_url(self, value):
        return "+".join(BaseConverter.to_url(self, item) for item in value)


site.url_map.converters["list"] = ListConverter  # before any rule uses it
# endregion

USERS = {"ada": "Ada Lovelace", "grace": "Grace Hopper"}
REPORT_ID = uuid.UUID("12345678-1234-5678-1234-567812345678")


# region index
@site.route("/")
def index():
    links = [
        url_for("user", username="ada"),  # /users/ada/
        url_for("post", post_id=7),  # /posts/7/
        url_for("zoom", level=1.5),  # /zoom/1.5/
        url_for("doc", subpath="guide/install.txt"),  # /docs/guide/install.txt
        url_for("report", report_id=REPORT_ID),  # /reports/12345678-1234-.../
        url_for("tags", names=["python", "web"]),  # /tags/python+web/
        url_for("stats"),  # /stats.json
        url_for("about", _anchor="team"),  # /about/#team
    ]
    return "".join(f'<a href="{link}">{link}</a>\n' for link in links)


# endregion


# region converters
@site.route("/users/<username>/", values=lambda: ({"username": u} for u in USERS))
def user(username):
    if username not in USERS:
        abort(404)
    return f"<h1>{USERS[username]}</h1>"


@site.route("/posts/<int:post_id>/")
def post(post_id):
    return f"<h1>Post {post_id}</h1>"


@site.route("/zoom/<float:level>/")
def zoom(level):
    return f"<p>Zoom x{level}</p>"


@site.route("/docs/<path:subpath>")
def doc(subpath):
    return f"The text of {subpath}\n", {"Content-Type": "text/plain; charset=utf-8"}


@site.route("/reports/<uuid:report_id>/")
def report(report_id):
    return f"<p>Report {report_id}</p>"


@site.route("/tags/<list:names>/")
def tags(names):
    return f"<p>Tagged {' and '.join(names)}</p>"


@site.route("/lang/<any(en,fr):lang>/")
def language(lang):
    return {"en": "<p>Hello</p>", "fr": "<p>Bonjour</p>"}[lang]


# endregion


# region returns
@site.route("/stats.json")
def stats():
    return {"users": len(USERS), "path": request.path}  # a dict becomes JSON


@site.route("/about/")
def about():
    response = make_response("<h1 id='team'>The team</h1>")
    response.headers["X-Note"] = "kept by site.run(), not by a static host"
    return response


# endregion


# region redirect
@site.route("/old-about/")
def old_about():
    return redirect(url_for("about"))


# endregion


# region methods
@site.route("/contact/", methods=["GET", "POST"])
def contact():
    if request.method == "POST":
        return "<p>Thanks!</p>"  # site.run() answers POST; a static host cannot
    return "<form method='post'><button>Send</button></form>"


# endregion


# region errors
@site.errorhandler(404)
def not_found(error):
    return "<h1>Nothing here</h1>", 404


# endregion


if __name__ == "__main__":
    site.run(debug=True)
