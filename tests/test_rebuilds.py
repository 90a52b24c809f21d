"""Incremental rebuilds give what a cold build of the same sources gives, in the corners:
file-name clashes, pages no longer linked, files that appear, links in the file tree."""

from __future__ import annotations

import os

import pytest

from freezer import BuildError, Freezer, Response, Site, incremental, render_template, url_for
from freezer.pages import Pages

from .conftest import write
from .test_build import tree


@pytest.fixture(autouse=True)
def _a_new_process_each_time():
    incremental._remembered.clear()


def _edit(path, old, new, stamp):
    path.write_text(path.read_text().replace(old, new))
    os.utime(path, ns=(stamp, stamp))


def _same_as_cold(site, tmp_path, built):
    cold = Freezer(site, destination=tmp_path / "cold").build()
    assert tree(tmp_path / "build") == tree(tmp_path / "cold")
    assert built.pages == cold.pages


def test_a_kept_file_that_clashes_with_a_new_one_is_found(tmp_path):
    write(tmp_path / "content/a/b.md", "---\ntitle: AB\n---\nbody\n")
    site = Site("clash", root_path=tmp_path)
    posts = Pages(site, "content")

    @site.route(
        "/p/<name>", values=lambda: [{"name": p.meta["data"]} for p in posts if "data" in p.meta]
    )
    def data(name):
        return Response('{"x": 1}', mimetype="application/json")  # the file p/<name>

    @site.route("/p/<path:slug>/", values=posts.values("slug"))
    def post(slug):
        return f"<h1>{posts.get_or_404(slug).title}</h1>"

    freezer = Freezer(site, incremental=True)
    freezer.build()
    before = tree(tmp_path / "build")
    write(tmp_path / "content/c.md", "---\ntitle: C\ndata: a\n---\nbody\n")  # /p/a: the file p/a
    for _ in range(2):  # and the destination is left usable
        with pytest.raises(BuildError, match=r"/p/a is written to the file p/a, but /p/a/b/"):
            freezer.build()
        assert tree(tmp_path / "build") == before


def test_a_clash_with_a_page_no_longer_linked_is_no_clash(tmp_path):
    write(tmp_path / "content/post.md", "---\ntitle: P\n---\nSee [x](/notes/one/x/).\n")
    site = Site("unlinked", root_path=tmp_path)
    posts = Pages(site, "content")

    @site.route("/posts/<slug>/", values=posts.values("slug"))
    def post(slug):
        return f"<html><body>{posts.get_or_404(slug).html}</body></html>"

    @site.route("/notes/<name>")
    def raw(name):
        return Response(f"raw {name}", mimetype="text/plain")  # the file notes/<name>

    @site.route("/notes/<name>/<sub>/")
    def sub(name, sub):
        return f"<p>{name}/{sub}</p>"

    freezer = Freezer(site, incremental=True)
    freezer.build()
    # The body only: the build resumes, and /notes/one/x/ (the folder notes/one) goes.
    _edit(tmp_path / "content/post.md", "/notes/one/x/", "/notes/one", 1)
    report = freezer.build()
    assert "notes/one/x/index.html" in report.removed
    assert (tmp_path / "build/notes/one").read_text() == "raw one"
    _same_as_cold(site, tmp_path, report)


def test_a_static_file_that_appears_is_copied(tmp_path):
    write(tmp_path / "static/site.css", "body { margin: 0 }")
    site = Site("appears", root_path=tmp_path)

    @site.route("/")
    def index():  # data-src is no link: a missing file is no error
        return f'<img data-src="{url_for("static", filename="big.png")}">'

    freezer = Freezer(site, incremental=True)
    freezer.build()
    write(tmp_path / "static/big.png", "png")
    report = freezer.build()
    assert (tmp_path / "build/static/big.png").read_text() == "png"
    _same_as_cold(site, tmp_path, report)


def test_a_new_file_a_generator_lists_in_a_content_folder_is_built(tmp_path):
    write(tmp_path / "content/hello.md", "---\ntitle: Hello\n---\nHi.\n")
    write(tmp_path / "content/gallery/one.jpg", "jpg")
    site = Site("gallery", root_path=tmp_path)
    posts = Pages(site, "content")
    gallery = tmp_path / "content/gallery"

    @site.route("/posts/<slug>/", values=posts.values("slug"))
    def post(slug):
        return posts.get_or_404(slug).html

    @site.route("/photos/<name>/", values=lambda: [{"name": p.stem} for p in gallery.glob("*.jpg")])
    def photo(name):
        return f"<img alt={name}>"

    freezer = Freezer(site, incremental=True)
    freezer.build()
    write(gallery / "two.jpg", "jpg")
    report = freezer.build()
    assert "/photos/two/" in report.pages
    _same_as_cold(site, tmp_path, report)


def test_links_to_folders_above_do_not_trap_the_build(tmp_path):
    write(tmp_path / "templates/index.html", "<p>home</p>")
    (tmp_path / "lib").mkdir()
    os.symlink("..", tmp_path / "lib/up")  # a link back up the tree
    os.symlink("..", tmp_path / "templates/up")
    site = Site("links", root_path=tmp_path)
    site.add_url_rule("/", "index", lambda: "<p>home</p>")
    freezer = Freezer(site, incremental=True)
    freezer.build()
    assert freezer.build().reused == 1


def test_pages_given_a_folder_with_dots_see_the_changes_a_watcher_reports(tmp_path):
    write(tmp_path / "shared/post.md", "---\ntitle: P\n---\nold text\n")
    site = Site("dots", root_path=tmp_path / "site")
    posts = Pages(site, "../shared")
    site.add_url_rule("/", "index", lambda: "".join(p.html for p in posts))
    freezer = Freezer(site, incremental=True)
    freezer.build()
    post = tmp_path / "shared/post.md"
    _edit(post, "old text", "new text", 1)
    freezer.build(changed={os.path.abspath(post)})
    assert "new text" in (tmp_path / "site/build/index.html").read_text()


def test_editor_files_do_not_rebuild_everything_but_a_partial_or_a_linked_theme_does(tmp_path):
    write(tmp_path / "content/post.md", "---\ntitle: P\n---\nHi.\n")
    write(tmp_path / "content/_partials/footer.md", "v1")
    write(tmp_path / "elsewhere/theme/footer.html", "<footer>t1</footer>")
    write(tmp_path / "templates/page.html", '{{ text }}{% include "theme/footer.html" %}')
    os.symlink(tmp_path / "elsewhere/theme", tmp_path / "templates/theme")
    site = Site("litter", root_path=tmp_path)
    posts = Pages(site, "content")
    partial = tmp_path / "content/_partials/footer.md"

    @site.route("/posts/<slug>/", values=posts.values("slug"))
    def post(slug):
        return render_template("page.html", text=posts.get_or_404(slug).html + partial.read_text())

    freezer = Freezer(site, incremental=True)
    freezer.build()
    for litter in ("#post.md#", "post.md.swp", ".post.md.swp", "4913", ".obsidian/workspace.json"):
        write(tmp_path / "content" / litter, "x")
        assert freezer.build().reused == 1, litter
    _edit(partial, "v1", "v2", 1)
    assert freezer.build().reused == 0
    assert "v2" in (tmp_path / "build/posts/post/index.html").read_text()
    _edit(tmp_path / "elsewhere/theme/footer.html", "t1", "t2", 2)
    assert freezer.build().reused == 0
    assert "<footer>t2</footer>" in (tmp_path / "build/posts/post/index.html").read_text()
