"""Every example of the Flask quickstart, written against freezer, behaves as in Flask."""

from __future__ import annotations

import pytest

from freezer import (
    Site,
    abort,
    escape,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)

from .conftest import write


@pytest.fixture
def app(tmp_path):
    write(
        tmp_path / "templates/hello.html",
        """
        <!doctype html>
        <title>Hello from Flask</title>
        {% if person %}
          <h1>Hello {{ person }}!</h1>
        {% else %}
          <h1>Hello, World!</h1>
        {% endif %}
        """,
    )
    write(tmp_path / "templates/page_not_found.html", "<h1>Not here</h1>")
    write(tmp_path / "templates/error.html", "<h1>Error page</h1>")
    write(tmp_path / "static/style.css", "h1 { color: teal }")
    app = Site("quickstart", root_path=tmp_path)

    @app.route("/")
    def index():
        return "<p>Hello, World!</p>"

    @app.route("/greet/<name>")
    def greet(name):
        return f"Hello, {escape(name)}!"

    @app.route("/user/<username>")
    def profile(username):
        return f"User {escape(username)}"

    @app.route("/post/<int:post_id>")
    def show_post(post_id):
        return f"Post {post_id}"

    @app.route("/path/<path:subpath>")
    def show_subpath(subpath):
        return f"Subpath {escape(subpath)}"

    @app.route("/projects/")
    def projects():
        return "The project page"

    @app.route("/about")
    def about():
        return "The about page"

    @app.get("/login")
    def login_get():
        return f"form next={request.args.get('next', '')}"

    @app.post("/login")
    def login_post():
        return f"logged in as {request.form['username']}"

    @app.route("/hello/")
    @app.route("/hello/<name>")
    def hello(name=None):
        return render_template("hello.html", person=name)

    @app.route("/go")
    def go():
        return redirect(url_for("login_get"))

    @app.route("/private")
    def private():
        abort(401)

    @app.errorhandler(404)
    def page_not_found(error):
        return render_template("page_not_found.html"), 404

    @app.route("/broken")
    def broken():
        resp = make_response(render_template("error.html"), 404)
        resp.headers["X-Something"] = "A value"
        return resp

    @app.route("/me")
    def me_api():
        return {"username": "ada", "theme": "dark"}

    return app


def test_hello_world(app):
    assert app.test_client().get("/").data == b"<p>Hello, World!</p>"


def test_html_escaping(app):
    assert app.test_client().get("/greet/<script>").data == b"Hello, &lt;script&gt;!"


@pytest.mark.parametrize(
    ("path", "body"),
    [("/user/ada", b"User ada"), ("/post/7", b"Post 7"), ("/path/a/b", b"Subpath a/b")],
)
def test_variable_rules(app, path, body):
    assert app.test_client().get(path).data == body


def test_unique_urls_and_redirection_behaviour(app):
    client = app.test_client()
    assert client.get("/projects").status_code == 308
    assert client.get("/projects/").data == b"The project page"
    assert client.get("/about/").status_code == 404


def test_url_building(app):
    with app.test_request_context():
        assert url_for("index") == "/"
        assert url_for("login_get") == "/login"
        assert url_for("login_get", next="/") == "/login?next=/"
        assert url_for("profile", username="John Doe") == "/user/John%20Doe"
        assert url_for("static", filename="style.css") == "/static/style.css"


def test_http_methods(app):
    client = app.test_client()
    assert client.get("/login?next=/x").data == b"form next=/x"
    assert client.post("/login", data={"username": "ada"}).data == b"logged in as ada"


def test_rendering_templates(app):
    client = app.test_client()
    assert b"<h1>Hello, World!</h1>" in client.get("/hello/").data
    assert b"<h1>Hello &lt;b&gt;!</h1>" in client.get("/hello/<b>").data


def test_static_files(app):
    assert app.test_client().get("/static/style.css").data == b"h1 { color: teal }"


def test_redirects_and_errors(app):
    client = app.test_client()
    response = client.get("/go")
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    assert client.get("/private").status_code == 401
    missing = client.get("/no/such/page")
    assert (missing.status_code, missing.data) == (404, b"<h1>Not here</h1>")


def test_responses_with_headers(app):
    response = app.test_client().get("/broken")
    assert response.status_code == 404
    assert response.headers["X-Something"] == "A value"
    assert response.data == b"<h1>Error page</h1>"


def test_json_from_dict(app):
    response = app.test_client().get("/me")
    assert response.headers["Content-Type"] == "application/json"
    assert response.get_json() == {"username": "ada", "theme": "dark"}
