"""The Site layer behaves as Flask does: routes, responses, url_for, templates, static, errors."""

from __future__ import annotations

import uuid

import pytest
from werkzeug.routing import BaseConverter, BuildError

from freezer import (
    Response,
    Site,
    abort,
    current_site,
    make_response,
    redirect,
    render_template,
    render_template_string,
    request,
    url_for,
)
from freezer.errors import UsageError, ViewError

from .conftest import write


@pytest.mark.parametrize(
    ("returned", "status", "body", "header"),
    [
        ("hello", 200, b"hello", None),
        (b"\x00bytes", 200, b"\x00bytes", None),
        (("created", 201), 201, b"created", None),
        (("teapot", "418 I'M A TEAPOT"), 418, b"teapot", None),
        (("with header", {"X-Thing": "1"}), 200, b"with header", ("X-Thing", "1")),
        (("all three", 202, [("X-Thing", "2")]), 202, b"all three", ("X-Thing", "2")),
        ({"a": 1}, 200, b'{"a": 1}\n', ("Content-Type", "application/json")),
    ],
)
def test_view_return_values_become_responses(site, client, returned, status, body, header):
    site.add_url_rule("/", "index", lambda: returned)
    response = client.get("/")
    assert response.status_code == status
    assert response.data == body
    if header:
        assert response.headers[header[0]] == header[1]


def test_str_response_is_html_utf8(site, client):
    site.add_url_rule("/", "index", lambda: "héllo")
    response = client.get("/")
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.data == "héllo".encode()


def test_view_returning_none_names_the_view(site, client):
    @site.route("/")
    def forgetful():
        pass

    with pytest.raises(ViewError, match="'forgetful' did not return a valid response"):
        site.propagate_exceptions = True
        client.get("/")


def test_view_returning_none_is_500_when_not_propagating(site, client, caplog):
    site.add_url_rule("/", "forgetful", lambda: None)
    assert client.get("/").status_code == 500
    assert "forgetful" in caplog.text


def test_response_object_and_make_response_headers(site, client):
    @site.route("/r")
    def with_headers():
        response = make_response("body", 203)
        response.headers["X-Custom"] = "yes"
        return response

    @site.route("/plain")
    def plain():
        return Response("text", mimetype="text/plain")

    response = client.get("/r")
    assert (response.status_code, response.headers["X-Custom"], response.data) == (
        203,
        "yes",
        b"body",
    )
    assert client.get("/plain").headers["Content-Type"] == "text/plain; charset=utf-8"


def test_methods_only_get_by_default(site, client):
    @site.route("/form", methods=["GET", "POST"])
    def form():
        return request.method

    site.add_url_rule("/only-get", "only_get", lambda: "get")
    assert client.post("/form").data == b"POST"
    assert client.get("/form").data == b"GET"
    assert client.post("/only-get").status_code == 405
    assert client.head("/only-get").status_code == 200


class UpperConverter(BaseConverter):
    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value.lower()


@pytest.mark.parametrize(
    ("rule", "path", "expected"),
    [
        ("/s/<name>", "/s/abc", "'abc'"),
        ("/i/<int:n>", "/i/42", "42"),
        ("/f/<float:x>", "/f/1.5", "1.5"),
        ("/p/<path:rest>", "/p/a/b/c.txt", "'a/b/c.txt'"),
        (
            "/u/<uuid:u>",
            "/u/12345678-1234-5678-1234-567812345678",
            repr(uuid.UUID("12345678-1234-5678-1234-567812345678")),
        ),
        ("/l/<any(en,fr):lang>", "/l/fr", "'fr'"),
        ("/c/<upper:word>", "/c/shout", "'SHOUT'"),
    ],
)
def test_converters(site, client, rule, path, expected):
    site.url_map.converters["upper"] = UpperConverter
    site.add_url_rule(rule, "view", lambda **kw: repr(next(iter(kw.values()))))
    assert client.get(path).data.decode() == expected


def test_int_converter_rejects_text(site, client):
    site.add_url_rule("/i/<int:n>", "view", lambda n: str(n))
    assert client.get("/i/abc").status_code == 404


def test_url_for_quotes_values_and_supports_anchor_and_external(site):
    site.add_url_rule("/user/<username>", "profile", lambda username: username)
    site.add_url_rule("/", "index", lambda: "")
    with site.test_request_context("/", base_url="https://example.org/"):
        assert url_for("profile", username="John Doe") == "/user/John%20Doe"
        assert url_for("profile", username="ü") == "/user/%C3%BC"
        assert url_for("index", _anchor="top") == "/#top"
        assert url_for("index", page=2) == "/?page=2"
        assert url_for("profile", username="x", _external=True) == "https://example.org/user/x"
        assert url_for("static", filename="css/site.css") == "/static/css/site.css"


def test_url_for_under_a_script_root(site):
    site.add_url_rule("/about/", "about", lambda: "")
    with site.test_request_context("/", base_url="https://user.github.io/repo/"):
        assert url_for("about") == "/repo/about/"
        assert url_for("about", _external=True) == "https://user.github.io/repo/about/"


def test_url_for_unknown_endpoint_suggests_closest(site):
    site.add_url_rule("/posts/", "posts", lambda: "")
    with site.test_request_context("/"), pytest.raises(BuildError) as info:
        url_for("post")
    assert "post" in str(info.value)
    assert "Did you mean 'posts' instead?" in str(info.value)


def test_url_for_missing_value_names_it(site):
    site.add_url_rule("/posts/<slug>/", "post", lambda slug: "")
    with site.test_request_context("/"), pytest.raises(BuildError) as info:
        url_for("post")
    assert "slug" in str(info.value)


def test_url_for_outside_request_says_how_to_fix():
    with pytest.raises(RuntimeError, match="test_request_context"):
        url_for("index")
    with pytest.raises(RuntimeError, match="Working outside of a request"):
        _ = request.path


def test_render_template_autoescapes_html_and_xml(site, client, tmp_path):
    write(tmp_path / "templates/page.html", "<p>{{ text }}</p>")
    write(tmp_path / "templates/feed.xml", "<t>{{ text }}</t>")
    write(tmp_path / "templates/plain.txt", "{{ text }}")
    site.add_url_rule("/p/<name>", "page", lambda name: render_template(name, text="<b>&"))
    assert client.get("/p/page.html").data == b"<p>&lt;b&gt;&amp;</p>"
    assert client.get("/p/feed.xml").data == b"<t>&lt;b&gt;&amp;</t>"
    assert client.get("/p/plain.txt").data == b"<b>&"


def test_render_template_accepts_name_as_context_variable(site, client, tmp_path):
    write(tmp_path / "templates/hello.html", "Hello {{ name }}!")
    site.add_url_rule("/", "index", lambda: render_template("hello.html", name="World"))
    assert client.get("/").data == b"Hello World!"


def test_missing_template_names_folder_searched(site, tmp_path):
    site.add_url_rule("/", "index", lambda: render_template("nope.html"))
    site.propagate_exceptions = True
    with pytest.raises(Exception, match=r"nope\.html") as info:
        site.test_client().get("/")
    assert str(tmp_path / "templates") in str(info.value)


def test_templates_see_request_site_url_for_filters_globals_and_processors(site, client, tmp_path):
    write(
        tmp_path / "templates/t.html",
        "{{ request.path }}|{{ url_for('t') }}|{{ 'ab'|reverse_it }}|{{ shout('x') }}|"
        "{{ who }}|{{ site.import_name }}|{{ config.TITLE }}",
    )
    site.config["TITLE"] = "My site"

    @site.template_filter()
    def reverse_it(s):
        return s[::-1]

    @site.template_global("shout")
    def make_loud(s):
        return s.upper()

    @site.context_processor
    def add_who():
        return {"who": "me"}

    site.add_url_rule("/t/", "t", lambda: render_template("t.html"))
    assert client.get("/t/").data == b"/t/|/t/|ba|X|me|testsite|My site"


def test_template_filter_without_parentheses(site, client, tmp_path):
    @site.template_filter
    def twice(s):
        return s * 2

    site.add_url_rule("/", "index", lambda: render_template_string("{{ 'a'|twice }}"))
    assert client.get("/").data == b"aa"


def test_current_site_in_view(site, client):
    site.add_url_rule("/", "index", lambda: current_site.import_name)
    assert client.get("/").data == b"testsite"


def test_static_files_served_with_content_type(site, client, tmp_path):
    write(tmp_path / "static/css/site.css", "body{}")
    (tmp_path / "static/logo.png").write_bytes(b"\x89PNG\r\n")
    response = client.get("/static/css/site.css")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/css")
    assert response.data == b"body{}"
    assert client.get("/static/logo.png").headers["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    "path",
    [
        "/static/../secret.txt",
        "/static/%2e%2e/secret.txt",
        "/static/..%2fsecret.txt",
        "/static//etc/passwd",
        "/static/..\\secret.txt",
    ],
)
def test_static_cannot_escape_its_folder(site, client, tmp_path, path):
    write(tmp_path / "secret.txt", "secret")
    response = client.get(path)
    # werkzeug merges doubled slashes with a redirect that stays under /static/.
    assert response.status_code in (308, 404)
    assert response.headers.get("Location", "/static/").startswith(
        ("/static/", "http://localhost/static/")
    )
    assert b"secret" not in response.data


def test_custom_static_url_path(tmp_path):
    write(tmp_path / "assets/a.txt", "A")
    site = Site("x", root_path=tmp_path, static_folder="assets", static_url_path="/files/")
    with site.test_request_context("/"):
        assert url_for("static", filename="a.txt") == "/files/a.txt"
    assert site.test_client().get("/files/a.txt").data == b"A"


def test_trailing_slashes_as_in_flask(site, client):
    site.add_url_rule("/projects/", "projects", lambda: "projects")
    site.add_url_rule("/about", "about", lambda: "about")
    response = client.get("/projects")
    assert response.status_code == 308
    assert response.headers["Location"].endswith("/projects/")
    assert client.get("/about/").status_code == 404
    assert client.get("/about").data == b"about"


def test_error_handlers_for_codes_and_exceptions(site, client):
    class Missing(Exception):
        pass

    @site.errorhandler(404)
    def not_found(e):
        return f"nothing at {request.path}", 404

    @site.errorhandler(Missing)
    def missing(e):
        return "missing thing", 410

    @site.route("/secret")
    def secret():
        abort(401)

    @site.route("/thing")
    def thing():
        raise Missing()

    assert (client.get("/nowhere").status_code, client.get("/nowhere").data) == (
        404,
        b"nothing at /nowhere",
    )
    assert client.get("/secret").status_code == 401
    assert (client.get("/thing").status_code, client.get("/thing").data) == (410, b"missing thing")


def test_unhandled_exception_is_500_with_handler(site, client):
    @site.errorhandler(500)
    def server_error(e):
        return f"oops: {type(e.original_exception).__name__}", 500

    @site.route("/boom")
    def boom():
        raise ValueError("bad")

    response = client.get("/boom")
    assert (response.status_code, response.data) == (500, b"oops: ValueError")


def test_redirect(site, client):
    site.add_url_rule("/new/", "new", lambda: "new")
    site.add_url_rule("/old", "old", lambda: redirect(url_for("new")))
    response = client.get("/old")
    assert response.status_code == 302
    assert response.headers["Location"] == "/new/"


def test_values_generators_are_stored_per_endpoint(site):
    def slugs():
        yield {"slug": "a"}

    site.add_url_rule("/p/<slug>/", "post", lambda slug: slug, values=slugs)

    @site.values("post")
    def more():
        yield {"slug": "b"}

    assert site.value_generators["post"] == [slugs, more]


def test_freeze_false_is_recorded(site):
    site.add_url_rule("/admin/", "admin", lambda: "", freeze=False)
    assert site.unfrozen_endpoints == {"admin"}


def test_registration_after_first_request_is_refused(site, client):
    site.add_url_rule("/", "index", lambda: "")
    client.get("/")
    with pytest.raises(UsageError, match="after it served its first request"):
        site.add_url_rule("/late", "late", lambda: "")


def test_duplicate_endpoint_is_refused(site):
    site.add_url_rule("/a", "same", lambda: "a")
    with pytest.raises(UsageError, match="endpoint 'same' is already taken"):
        site.add_url_rule("/b", "same", lambda: "b")


def test_site_is_a_wsgi_app(site):
    site.add_url_rule("/", "index", lambda: "wsgi")
    seen = {}

    def start_response(status, headers):
        seen["status"] = status

    from werkzeug.test import EnvironBuilder

    body = b"".join(site(EnvironBuilder("/").get_environ(), start_response))
    assert (seen["status"], body) == ("200 OK", b"wsgi")


def test_root_path_defaults_to_module_folder():
    site = Site(__name__)
    assert site.template_folder.endswith("tests/templates")
