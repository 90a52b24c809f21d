"""freezer build: discovery, file mapping, checks and warnings, through the Python API."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from freezer import BuildError, Freezer, Response, Site, redirect, render_template, request, url_for

from .conftest import write


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (manifest excluded) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != ".freezer-manifest.json"
    }


def build(site: Site, **kwargs) -> tuple[dict[str, bytes], object]:
    freezer = Freezer(site, **kwargs)
    report = freezer.build()
    return tree(freezer.config.destination), report


# -- discovery ----------------------------------------------------------------


def test_seeds_rules_generators_any_converters_and_static(site, tmp_path):
    write(tmp_path / "static/css/site.css", "body{}")
    site.add_url_rule("/", "index", lambda: "home")
    site.add_url_rule("/p/<slug>/", "post", lambda slug: slug, values=[{"slug": "a"}])

    @site.values("post")
    def more_posts():
        yield {"slug": "b"}

    site.add_url_rule(
        "/y/<int:year>/",
        "year",
        lambda year: str(year),
        values=lambda: ({"year": y} for y in (2024, 2025)),
    )
    site.add_url_rule("/lang/<any(en,fr):lang>/", "lang", lambda lang: lang)
    files, report = build(site)
    assert files == {
        "index.html": b"home",
        "p/a/index.html": b"a",
        "p/b/index.html": b"b",
        "y/2024/index.html": b"2024",
        "y/2025/index.html": b"2025",
        "lang/en/index.html": b"en",
        "lang/fr/index.html": b"fr",
        "static/css/site.css": b"body{}",
    }
    assert report.warnings == []
    assert sorted(report.static_files) == ["/static/css/site.css"]


def test_register_generator_accepts_dicts_tuples_and_urls(site):
    site.add_url_rule("/p/<slug>/", "post", lambda slug: slug)
    site.add_url_rule("/t/<tag>/", "tag", lambda tag: tag)
    freezer = Freezer(site)

    @freezer.register_generator
    def post():
        yield {"slug": "from-dict"}
        yield ("tag", {"tag": "from-tuple"})
        yield "/p/from-url/"

    assert freezer.urls() == ["/p/from-dict/", "/p/from-url/", "/t/from-tuple/"]


def test_crawl_follows_links_and_url_for(site, tmp_path):
    write(tmp_path / "static/bg.png", "png")
    write(tmp_path / "static/font.woff2", "font")
    write(tmp_path / "static/site.css", "@font-face{src:url('font.woff2')}")
    write(
        tmp_path / "templates/index.html",
        """
        <link rel="stylesheet" href="/static/site.css?v=3">
        <a href="/by-href/#section">a</a> <a href="by-relative/">r</a>
        <img src="/by-src.png" srcset="/by-srcset-1x.png 1x, /by-srcset-2x.png 2x">
        <div style="background: url('/by-style.png')"></div>
        <style>.x { background: url(/by-style-block.png) }</style>
        {% set unused = url_for('by_url_for') %}
        <a href="https://example.com/x">ext</a> <a href="mailto:me@example.com">mail</a>
        <a href="#top">top</a>
        """,
    )
    write(
        tmp_path / "templates/refresh.html",
        '<meta http-equiv="refresh" content="0; url=/by-refresh/">',
    )
    site.add_url_rule("/", "index", lambda: render_template("index.html"))
    for name in ("by_href", "by_relative", "by_url_for", "by_refresh"):
        site.add_url_rule(f"/{name.replace('_', '-')}/", name, lambda: "ok")
    for name in ("by_src", "by_srcset_1x", "by_srcset_2x", "by_style", "by_style_block"):
        site.add_url_rule(
            f"/{name.replace('_', '-')}.png", name, lambda: Response(b"img", mimetype="image/png")
        )
    site.add_url_rule("/refresh", "refresh", lambda: render_template("refresh.html"), freeze=True)
    files, _ = build(site)
    for name in (
        "by-href/index.html",
        "by-relative/index.html",
        "by-url-for/index.html",
        "by-refresh/index.html",
        "by-src.png",
        "by-srcset-1x.png",
        "by-srcset-2x.png",
        "by-style.png",
        "by-style-block.png",
        "static/font.woff2",
    ):
        assert name in files, name


def test_only_get_routes_are_requested(site):
    calls = []

    @site.route("/form", methods=["POST"])
    def submit():
        calls.append(request.method)
        return "posted"

    site.add_url_rule(
        "/", "index", lambda: f'<form method=post action="{url_for("submit")}"></form>'
    )
    files, report = build(site)
    assert calls == []
    assert list(files) == ["index.html"]
    assert report.warnings == []


def test_freeze_false_and_exclude_patterns(site):
    site.add_url_rule("/", "index", lambda: "home")
    site.add_url_rule("/admin/", "admin", lambda: "admin", freeze=False)
    site.add_url_rule("/drafts/one/", "draft_one", lambda: "draft")
    site.add_url_rule("/drafts/two/", "draft_two", lambda: "draft")
    files, _ = build(site, exclude=["/drafts/*"])
    assert list(files) == ["index.html"]


def test_link_to_excluded_page_is_broken(site):
    site.add_url_rule("/", "index", lambda: '<a href="/admin/">admin</a>')
    site.add_url_rule("/admin/", "admin", lambda: "admin", freeze=False)
    with pytest.raises(
        BuildError, match=r"broken link to /admin/ \(its route says freeze=False\) on /"
    ):
        build(site)


def test_link_to_excluded_pattern_is_broken_and_not_written(site):
    site.add_url_rule("/", "index", lambda: '<a href="/drafts/one/">draft</a>')
    site.add_url_rule("/drafts/one/", "draft", lambda: "draft")
    freezer = Freezer(site, exclude=["/drafts/*"])
    with pytest.raises(
        BuildError, match=r"broken link to /drafts/one/ \(it matches an exclude pattern\) on /"
    ):
        freezer.build()
    assert not freezer.config.destination.exists()


def test_404_page_from_error_handler(site):
    site.add_url_rule("/", "index", lambda: "home")

    @site.errorhandler(404)
    def not_found(error):
        return "<h1>Lost?</h1>", 404

    files, report = build(site)
    assert files["404.html"] == b"<h1>Lost?</h1>"
    assert "/404.html" in report.pages


# -- writing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "mimetype", "expected"),
    [
        ("/", "text/html", "index.html"),
        ("/a/", "text/html", "a/index.html"),
        ("/feed.xml", "application/xml", "feed.xml"),
        ("/a", "text/html", "a.html"),
        ("/robots.txt", "text/plain", "robots.txt"),
        ("/deep/er/page.html", "text/html", "deep/er/page.html"),
    ],
)
def test_url_to_file_mapping(site, rule, mimetype, expected):
    site.add_url_rule(rule, "view", lambda: Response("x", mimetype=mimetype))
    files, _ = build(site)
    assert list(files) == [expected]


def test_page_and_folder_of_same_name_both_written(site):
    site.add_url_rule("/post", "posts", lambda: "all posts")
    site.add_url_rule("/post/<slug>/", "post", lambda slug: slug, values=[{"slug": "one"}])
    files, _ = build(site)
    assert files == {"post.html": b"all posts", "post/one/index.html": b"one"}


def test_extensionless_non_html_clash_is_reported(site):
    site.add_url_rule("/data", "data", lambda: Response("{}", mimetype="application/json"))
    site.add_url_rule("/data/<k>/", "item", lambda k: k, values=[{"k": "x"}])
    with pytest.raises(
        BuildError, match="/data is written to the file data, but /data/x/ needs a folder"
    ):
        build(site)


def test_unicode_and_spaces_in_values(site):
    decomposed = "cafe\u0301"  # é as e + combining accent: written NFC
    site.add_url_rule(
        "/t/<tag>/", "tag", lambda tag: tag, values=[{"tag": "hello world"}, {"tag": decomposed}]
    )
    site.add_url_rule("/", "index", lambda: f'<a href="{url_for("tag", tag="hello world")}">x</a>')
    files, _ = build(site)
    assert set(files) == {"index.html", "t/hello world/index.html", "t/caf\u00e9/index.html"}


def test_redirect_becomes_forwarding_page(site):
    site.add_url_rule("/new/", "new", lambda: "new")
    site.add_url_rule("/old/", "old", lambda: redirect('/new/?a=1&b="2"'))
    files, _ = build(site)
    page = files["old/index.html"].decode()
    target = "/new/?a=1&amp;b=%222%22"  # werkzeug percent-encodes the quotes; we escape the &
    assert f'<meta http-equiv="refresh" content="0; url={target}">' in page
    assert f'<link rel="canonical" href="{target}">' in page
    assert f'<a href="{target}">' in page


def test_strict_slash_link_is_resolved_not_duplicated(site):
    site.add_url_rule("/", "index", lambda: '<a href="/projects">projects</a>')
    site.add_url_rule("/projects/", "projects", lambda: "projects")
    files, _ = build(site)
    assert set(files) == {"index.html", "projects/index.html"}


def test_unchanged_files_keep_their_mtime(site, tmp_path):
    write(tmp_path / "static/logo.svg", "<svg/>")
    state = {"text": "one"}
    site.add_url_rule("/", "index", lambda: "home")
    site.add_url_rule("/changing/", "changing", lambda: state["text"])
    freezer = Freezer(site)
    freezer.build()
    dest = freezer.config.destination
    old = 1_000_000_000
    for name in ("index.html", "changing/index.html", "static/logo.svg"):
        os.utime(dest / name, (old, old))
    state["text"] = "two"
    report = freezer.build()
    assert (dest / "index.html").stat().st_mtime == old
    assert (dest / "static/logo.svg").stat().st_mtime == old
    assert (dest / "changing/index.html").stat().st_mtime != old
    assert (dest / "changing/index.html").read_text() == "two"
    assert report.unchanged == 2


def test_static_files_keep_exact_bytes(site, tmp_path):
    blob = bytes(range(256)) * 100
    (tmp_path / "static/blob.bin").write_bytes(blob)
    files, _ = build(site)
    assert files["static/blob.bin"] == blob


def test_base_url_prefixes_generated_urls_and_writes_at_root(site, tmp_path):
    write(tmp_path / "static/s.css", "x")
    site.add_url_rule(
        "/",
        "index",
        lambda: (
            f'<a href="{url_for("about")}">a</a>'
            f'<link href="{url_for("static", filename="s.css")}">'
            f'<a href="{url_for("about", _external=True)}">abs</a>'
        ),
    )
    site.add_url_rule("/about/", "about", lambda: "about")
    files, report = build(site, base_url="https://user.github.io/repo/")
    assert files["index.html"] == (
        b'<a href="/repo/about/">a</a><link href="/repo/static/s.css">'
        b'<a href="https://user.github.io/repo/about/">abs</a>'
    )
    assert "about/index.html" in files
    assert sorted(report.pages) == ["/repo/", "/repo/about/"]
    assert files["sitemap.xml"].decode().count("<loc>") == 2
    assert "<loc>https://user.github.io/repo/about/</loc>" in files["sitemap.xml"].decode()


def test_sitemap_only_for_absolute_base_url_and_can_be_turned_off(site):
    site.add_url_rule("/", "index", lambda: "home")
    assert "sitemap.xml" not in build(site)[0]
    assert (
        "sitemap.xml"
        not in build(site, base_url="https://x.org/", sitemap=False, destination="b2")[0]
    )


def test_relative_urls_resolve_from_each_file(site, tmp_path):
    write(tmp_path / "static/s.css", "body { background: url(/static/img/bg.png) }")
    write(tmp_path / "static/img/bg.png", "png")
    site.add_url_rule(
        "/",
        "index",
        lambda: (
            f'<a href="{url_for("post", slug="a")}#c">p</a><link href="/static/s.css?v=1">'
            '<a href="/about">about</a><a href="https://example.com/">x</a>'
        ),
    )
    site.add_url_rule(
        "/posts/<slug>/",
        "post",
        lambda slug: '<a href="/">home</a><a href="/moved/">m</a>',
        values=[{"slug": "a"}],
    )
    site.add_url_rule("/about/", "about", lambda: "about")
    site.add_url_rule("/moved/", "moved", lambda: redirect("/about/"))
    files, _ = build(site, relative_urls=True)
    assert files["index.html"] == (
        b'<a href="posts/a/index.html#c">p</a><link href="static/s.css?v=1">'
        b'<a href="about/index.html">about</a><a href="https://example.com/">x</a>'
    )
    assert (
        files["posts/a/index.html"]
        == b'<a href="../../index.html">home</a><a href="../../moved/index.html">m</a>'
    )
    assert files["static/s.css"] == b"body { background: url(img/bg.png) }"
    assert b'url=../about/index.html"' in files["moved/index.html"]


def test_relative_urls_under_a_base_path(site):
    site.add_url_rule("/", "index", lambda: f'<a href="{url_for("about")}">a</a>')
    site.add_url_rule("/about/", "about", lambda: f'<a href="{url_for("index")}">home</a>')
    files, _ = build(site, relative_urls=True, base_url="https://user.github.io/repo/")
    assert files["index.html"] == b'<a href="about/index.html">a</a>'
    assert files["about/index.html"] == b'<a href="../index.html">home</a>'


# -- checks and warnings --------------------------------------------------------


def test_broken_link_fails_build_naming_url_and_every_page(site):
    site.add_url_rule("/", "index", lambda: '<a href="/nowhere/">x</a>')
    site.add_url_rule(
        "/a/", "a", lambda: '<a href="/nowhere/">x</a><img src="/static/missing.png">'
    )
    site.add_url_rule("/b/", "b", lambda: "")
    with pytest.raises(BuildError) as info:
        build(site)
    message = str(info.value)
    assert "broken link to /nowhere/ (no route matches it) on /, /a/" in message
    assert (
        "broken link to /static/missing.png (no such file in the static folder) on /a/" in message
    )


def test_view_exception_fails_build_naming_url_endpoint_exception_and_referrer(site, tmp_path):
    app = write(
        tmp_path / "views.py",
        """
        def broken(slug):
            raise ValueError(f"no post called {slug}")
        """,
    )
    import importlib.util

    spec = importlib.util.spec_from_file_location("views_under_test", app)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    site.add_url_rule("/", "index", lambda: '<a href="/p/x/">x</a>')
    site.add_url_rule("/p/<slug>/", "post", module.broken)
    with pytest.raises(BuildError) as info:
        build(site)
    message = str(info.value)
    assert (
        "/p/x/ (endpoint 'post') raised ValueError: no post called x (views.py, line 2)" in message
    )
    assert "linked from /" in message


def test_error_status_fails_build(site):
    site.add_url_rule("/", "index", lambda: ("gone", 410))
    with pytest.raises(BuildError, match=r"/ \(endpoint 'index'\) returned status 410 GONE"):
        build(site)


def test_template_error_names_template_file_and_line(site, tmp_path):
    write(tmp_path / "templates/page.html", "line one\n{{ missing.attribute }}\n")
    site.add_url_rule("/", "index", lambda: render_template("page.html"))
    with pytest.raises(
        BuildError, match=r"UndefinedError: 'missing' is undefined \(templates/page.html, line 2\)"
    ):
        build(site)


def test_unreached_endpoint_warns_with_remedy(site):
    site.add_url_rule("/", "index", lambda: "home")
    site.add_url_rule("/p/<slug>/", "post", lambda slug: slug)
    _, report = build(site)
    assert report.warnings == [
        "nothing reached endpoint 'post' (/p/<slug>/): no page links to it and it has no "
        "generator; add one with @site.values('post') or route(..., values=...), or mark it freeze=False"
    ]


def test_content_type_mismatch_warns(site):
    site.add_url_rule("/feed.xml", "feed", lambda: "<feed/>")  # text/html by default
    _, report = build(site)
    assert report.warnings == [
        "/feed.xml is served as text/html but a static host will serve the file feed.xml as "
        "application/xml; give the URL a matching extension"
    ]


def test_query_string_and_cookie_reads_warn(site):
    site.add_url_rule(
        "/", "index", lambda: request.args.get("page", "1") + request.cookies.get("c", "")
    )
    _, report = build(site)
    assert any("/ read the query string" in w for w in report.warnings)
    assert any("/ read cookies" in w for w in report.warnings)


def test_strict_turns_warnings_into_failure_and_writes_nothing(site):
    site.add_url_rule("/", "index", lambda: "home")
    site.add_url_rule("/p/<slug>/", "post", lambda slug: slug)
    freezer = Freezer(site, strict=True)
    with pytest.raises(BuildError, match=r"\(--strict\) nothing reached endpoint 'post'"):
        freezer.build()
    assert not freezer.config.destination.exists()


def test_report_summary_line(site, tmp_path):
    write(tmp_path / "static/a.txt", "a")
    site.add_url_rule("/", "index", lambda: "home")
    _, report = build(site)
    summary = report.summary()
    assert summary.startswith("Built 1 page and 1 static file (5 bytes) in ")
    assert summary.endswith(f"with 1 job into {tmp_path / 'build'}")


def test_build_is_deterministic(site, tmp_path):
    write(tmp_path / "static/a.txt", "a")
    site.add_url_rule("/", "index", lambda: "home")
    site.add_url_rule(
        "/p/<slug>/", "post", lambda slug: slug, values=lambda: [{"slug": s} for s in "cab"]
    )
    first = Freezer(site, destination=tmp_path / "one", base_url="https://x.org/").build()
    second = Freezer(site, destination=tmp_path / "two", base_url="https://x.org/").build()
    assert first.pages == second.pages
    manifest = ".freezer-manifest.json"
    assert (tmp_path / "one" / manifest).read_bytes() == (tmp_path / "two" / manifest).read_bytes()
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_404_page_written_when_a_catch_all_rule_covers_404_html(site):
    site.add_url_rule("/", "index", lambda: "home")
    site.add_url_rule("/<path:slug>/", "page", lambda slug: slug, values=[{"slug": "a"}])

    @site.errorhandler(404)
    def not_found(error):
        return "<h1>Lost?</h1>", 404

    files, _ = build(site)
    assert files["404.html"] == b"<h1>Lost?</h1>"


def test_relative_urls_keep_absolute_urls_absolute(site):
    site.add_url_rule(
        "/",
        "index",
        lambda: (
            f'<link rel="canonical" href="{url_for("index", _external=True)}">'
            f'<a href="{url_for("about")}">about</a>'
        ),
    )
    site.add_url_rule("/about/", "about", lambda: "about")
    site.add_url_rule("/old/", "old", lambda: redirect(url_for("about")))
    files, _ = build(site, relative_urls=True, base_url="https://me.github.io/blog/")
    assert (
        files["index.html"]
        == b'<link rel="canonical" href="https://me.github.io/blog/"><a href="about/index.html">about</a>'
    )
    assert b'content="0; url=../about/index.html"' in files["old/index.html"]


def test_request_endpoint_as_in_flask(site, client):
    site.add_url_rule("/here/", "here", lambda: request.endpoint)
    assert client.get("/here/").data == b"here"


def test_relative_urls_keep_query_and_fragment(site):
    site.add_url_rule("/", "index", lambda: '<a href="/list/?page=2#top">next</a>')
    site.add_url_rule("/list/", "listing", lambda: "list")
    files, _ = build(site, relative_urls=True)
    assert files["index.html"] == b'<a href="list/index.html?page=2#top">next</a>'
