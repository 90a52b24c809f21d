"""Markdown content: front matter, slugs, order, drafts, rendering, errors naming file and line."""

from __future__ import annotations

import datetime as dt
import os

import pytest

import freezer.pages
from freezer import BuildError, Freezer, render_template
from freezer.markup import has_pygments
from freezer.pages import ContentError, Pages
from freezer.workers import can_fork, map_in_processes

from .conftest import write


@pytest.fixture
def posts(site, tmp_path):
    write(
        tmp_path / "content/posts/hello.md",
        """
        ---
        title: Hello, world
        date: 2024-03-01
        tags: [python, web]
        summary: The *first* post.
        ---
        Some **bold** text.

        ## A section

        | a | b |
        |---|---|
        | 1 | 2 |
        """,
    )
    write(
        tmp_path / "content/posts/second.md",
        """
        ---
        date: 2025-01-15 09:30
        tags: python
        ---
        # Heading as title

        Text with a footnote[^1].

        [^1]: The note.
        """,
    )
    write(tmp_path / "content/posts/nested/deep.md", "No front matter, no heading.\n")
    write(
        tmp_path / "content/posts/wip.md",
        """
        ---
        title: Not yet
        date: 2026-01-01
        draft: true
        ---
        Draft text.
        """,
    )
    return Pages(site, "content/posts")


def test_page_fields(posts):
    page = posts.get("hello")
    assert page.slug == "hello"
    assert page.title == "Hello, world"
    assert page.date == dt.date(2024, 3, 1)
    assert page.tags == ["python", "web"]
    assert page.meta["summary"] == "The *first* post."
    assert page.body.startswith("Some **bold** text.")
    assert "<strong>bold</strong>" in page.html
    assert "<table>" in page.html
    assert '<h2 id="a-section">' in page.html


def test_title_falls_back_to_first_heading_then_slug(posts):
    assert posts.get("second").title == "Heading as title"
    assert posts.get("nested/deep").title == "nested/deep"


def test_datetime_and_comma_tags(posts):
    page = posts.get("second")
    assert page.date == dt.datetime(2025, 1, 15, 9, 30)
    assert page.tags == ["python"]
    assert 'class="footnote"' in page.html


def test_iteration_is_newest_first_and_drafts_show_in_preview(posts, site):
    assert [p.slug for p in posts] == ["wip", "second", "hello", "nested/deep"]
    site.building = True
    assert [p.slug for p in posts] == ["second", "hello", "nested/deep"]
    assert posts.get("wip") is None
    assert posts.drafts == 1


def test_values_generators(posts):
    assert list(posts.values("slug")()) == [
        {"slug": s} for s in ("wip", "second", "hello", "nested/deep")
    ]
    assert list(posts.values("tag", "tags")()) == [{"tag": "python"}, {"tag": "web"}]
    assert list(posts.values("year", "date.year")()) == [
        {"year": 2026},
        {"year": 2025},
        {"year": 2024},
    ]
    assert posts.tags() == ["python", "web"]
    assert [p.slug for p in posts.by_tag("web")] == ["hello"]


def test_get_or_404(posts, site):
    with site.test_request_context("/"):
        from werkzeug.exceptions import NotFound

        with pytest.raises(NotFound):
            posts.get_or_404("nope")


def test_html_is_rendered_once_and_again_when_the_file_changes(posts, tmp_path, monkeypatch):
    calls = []
    convert = posts.renderer()._convert

    def counting(text):
        calls.append(text)
        return convert(text)

    monkeypatch.setattr(posts.renderer(), "_convert", counting)
    page = posts.get("hello")
    _ = page.html, page.html, posts.get("hello").html
    assert len(calls) == 1
    path = tmp_path / "content/posts/hello.md"
    path.write_text(path.read_text().replace("Some **bold**", "Changed **bold**"))
    os.utime(path, ns=(1, 1))  # a different mtime, whatever the clock's resolution
    assert "Changed" in posts.get("hello").html
    assert "Changed" in page.html  # an old Page object sees the new file too
    assert len(calls) == 2


def test_reading_pages_does_not_render_markdown(posts, monkeypatch):
    monkeypatch.setattr(posts.renderer(), "convert", lambda text: pytest.fail("rendered"))
    assert next(p.title for p in posts) == "Not yet"


@pytest.mark.skipif(not has_pygments(), reason="pygments not installed")
def test_code_blocks_highlighted_with_pygments(site, tmp_path):
    write(tmp_path / "c/code.md", "```python\ndef f():\n    return 1\n```\n")
    html = Pages(site, "c").get("code").html
    assert '<div class="highlight">' in html
    assert '<span class="k">def</span>' in html


def test_markdown_filter(site, tmp_path):
    write(tmp_path / "templates/t.html", "{{ text|markdown }}|{{ text|markdown(inline=True) }}")
    site.add_url_rule("/", "index", lambda: render_template("t.html", text="*hi*"))
    assert site.test_client().get("/").data == b"<p><em>hi</em></p>|<em>hi</em>"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\ntitle: [unclosed\n---\nbody\n", r"bad\.md:3: invalid YAML front matter"),
        ("---\ntitle: ok\ndate: someday\n---\n", r"bad\.md:3: date 'someday' is not a date"),
        ("---\n- a list\n---\n", r"bad\.md:2: front matter must be 'key: value' lines"),
        ("---\ntags: 3\n---\n", r"bad\.md:2: tags must be a list"),
    ],
)
def test_bad_front_matter_names_file_and_line(site, tmp_path, text, message):
    (tmp_path / "c").mkdir()
    (tmp_path / "c/bad.md").write_text(text)
    with pytest.raises(ContentError, match=message):
        list(Pages(site, "c"))


def test_duplicate_slugs_name_both_files(site, tmp_path):
    write(tmp_path / "c/a.md", "---\nslug: same\n---\n")
    write(tmp_path / "c/b.md", "---\nslug: same\n---\n")
    with pytest.raises(ContentError, match=r"b\.md and .*a\.md have the same slug 'same'"):
        list(Pages(site, "c"))


def test_build_leaves_drafts_out_and_counts_them(posts, site, tmp_path):
    write(tmp_path / "templates/post.html", "<h1>{{ post.title }}</h1>{{ post.html }}")
    write(
        tmp_path / "templates/index.html",
        "{% for p in posts %}<a href=\"{{ url_for('post', slug=p.slug) }}\">{{ p.title }}</a>{% endfor %}",
    )
    site.add_url_rule("/", "index", lambda: render_template("index.html", posts=posts))
    site.add_url_rule(
        "/posts/<path:slug>/",
        "post",
        lambda slug: render_template("post.html", post=posts.get_or_404(slug)),
        values=posts.values("slug"),
    )
    report = Freezer(site).build()
    built = sorted(
        p.relative_to(tmp_path / "build").as_posix() for p in (tmp_path / "build").rglob("*.html")
    )
    assert built == [
        "index.html",
        "posts/hello/index.html",
        "posts/nested/deep/index.html",
        "posts/second/index.html",
    ]
    assert report.drafts == 1
    assert "1 draft left out" in report.summary()
    assert site.building is False
    assert next(p.slug for p in posts) == "wip"  # preview shows drafts again


def test_link_to_a_draft_fails_the_build(posts, site, tmp_path):
    site.add_url_rule("/", "index", lambda: '<a href="/posts/wip/">soon</a>')
    site.add_url_rule("/posts/<path:slug>/", "post", lambda slug: posts.get_or_404(slug).html)
    with pytest.raises(BuildError, match=r"/posts/wip/ \(endpoint 'post'\) returned status 404"):
        Freezer(site).build()


def test_content_folder_is_a_refused_destination(posts, site, tmp_path):
    site.add_url_rule("/", "index", lambda: "x")
    from freezer.errors import UsageError

    with pytest.raises(UsageError, match="refusing to build into"):
        Freezer(site, destination=tmp_path / "content").build()


def test_missing_content_folder_is_named(site):
    with pytest.raises(ContentError, match=r"the content folder .*nope does not exist"):
        list(Pages(site, "nope"))


def test_unchanged_files_are_not_read_again_by_a_new_process(posts, site, tmp_path, monkeypatch):
    list(posts)  # reads every file and fills the page cache
    again = Pages(site, "content/posts")  # as a new process would
    read = []

    def spying_open(file, *args, **kwargs):
        read.append(os.path.basename(file))
        return open(file, *args, **kwargs)

    monkeypatch.setattr(freezer.pages, "open", spying_open, raising=False)
    assert [p.title for p in again] == [p.title for p in posts]
    assert read == []
    edited = tmp_path / "content/posts/hello.md"
    edited.write_text(edited.read_text().replace("Hello, world", "Hello again"))
    os.utime(edited, ns=(1, 1))
    third = Pages(site, "content/posts")
    assert third.get("hello").title == "Hello again"
    assert read == ["hello.md"]


def test_a_second_build_in_the_same_process_sees_edited_pages(posts, site, tmp_path):
    site.add_url_rule(
        "/posts/<path:slug>/",
        "post",
        lambda slug: str(posts.get_or_404(slug).html),
        values=posts.values("slug"),
    )
    freezer = Freezer(site, incremental=True)  # as freezer serve --built rebuilds
    freezer.build()
    page = tmp_path / "content/posts/hello.md"
    page.write_text(page.read_text().replace("Some **bold** text.", "Rewritten text."))
    os.utime(page, ns=(1, 1))
    freezer.build()
    assert "Rewritten text." in (tmp_path / "build/posts/hello/index.html").read_text()


def test_refresh_with_the_changed_files_reads_just_those(posts, site, tmp_path):
    site.building = True  # as in a build: the folder is read when refresh() says so
    folder = tmp_path / "content/posts"
    posts.refresh()
    before = {p.slug: p.title for p in posts}
    hello = folder / "hello.md"
    hello.write_text(hello.read_text().replace("Hello, world", "Hello again"))
    os.utime(hello, ns=(5, 5))
    write(folder / "brand-new.md", "---\ntitle: Brand new\n---\nHi.\n")
    unlisted = folder / "nested/deep.md"
    unlisted.write_text("---\ntitle: Not reported\n---\n")
    os.utime(unlisted, ns=(6, 6))

    posts.refresh(changed={str(hello), str(folder / "brand-new.md"), str(tmp_path / "x.txt")})
    titles = {p.slug: p.title for p in posts}
    assert titles["hello"] == "Hello again"
    assert titles["brand-new"] == "Brand new"
    assert titles["nested/deep"] == before["nested/deep"]  # not reported: not looked at

    (folder / "brand-new.md").unlink()
    posts.refresh(changed={str(folder / "brand-new.md")})
    assert "brand-new" not in {p.slug for p in posts}

    write(folder / "2025/nested.md", "---\ntitle: Nested\n---\n")  # a new folder: a full scan
    posts.refresh(changed={str(folder / "2025")})
    titles = {p.slug: p.title for p in posts}
    assert titles["2025/nested"] == "Nested"
    assert titles["nested/deep"] == "Not reported"


def test_a_reported_file_that_is_no_page_needs_no_scan(posts, site, tmp_path, monkeypatch):
    site.building = True
    posts.refresh()
    image = tmp_path / "content/posts/photo.jpg"
    image.write_bytes(b"jpg")
    scans = []
    real_scan = posts._scan
    monkeypatch.setattr(posts, "_scan", lambda: scans.append(1) or real_scan())
    posts.refresh(changed={str(image)})
    assert scans == []
    (tmp_path / "content/posts/2026").mkdir()  # a new folder: everything is looked at
    posts.refresh(changed={str(tmp_path / "content/posts/2026")})
    assert scans == [1]


@pytest.mark.skipif(not can_fork(), reason="worker processes need fork")
def test_many_new_files_are_read_in_worker_processes_with_the_same_result(
    posts, site, tmp_path, monkeypatch
):
    site.building = True
    monkeypatch.setattr(site, "cache_folder", None)  # every file is read
    posts.refresh()
    serial = {p.slug: (p.title, p.date, p.tags, p.meta, p.digest) for p in posts}
    monkeypatch.setattr(freezer.pages, "_PARALLEL_READ", 2)
    again = Pages(site, "content/posts")
    used = []

    def in_processes(function, items):
        used.append(len(items))
        return map_in_processes(function, items, jobs=2)

    again.refresh(None, in_processes)
    assert used == [len(serial) + 1]  # every file, the draft included
    assert {p.slug: (p.title, p.date, p.tags, p.meta, p.digest) for p in again} == serial

    write(tmp_path / "content/posts/broken.md", "---\ntitle: [unclosed\n---\n")
    with pytest.raises(ContentError, match=r"broken.md:3: invalid YAML front matter"):
        Pages(site, "content/posts").refresh(None, in_processes)
