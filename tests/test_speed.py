"""Speed features change nothing but speed: output is the same with any --jobs, and cold,
warm and incremental builds give the same bytes; caches notice every change."""

from __future__ import annotations

import os
import shutil

import markdown
import pytest

from freezer import BuildError, Freezer, Site, incremental, render_template
from freezer.cache import RenderCache
from freezer.markup import MarkdownRenderer, MarkdownSettings, has_pygments
from freezer.pages import Pages
from freezer.workers import SMALL_BUILD, can_fork

from .conftest import write
from .test_build import tree

POSTS = 3 * SMALL_BUILD  # enough pages for worker processes to start


@pytest.fixture
def blog(tmp_path):
    """A small copy of the benchmark site: posts, an index of all posts, tag pages."""
    for i in range(POSTS):
        write(
            tmp_path / f"content/post-{i:03d}.md",
            f"---\ntitle: Post {i}\ndate: 2024-01-{1 + i % 28:02d}\ntags: [t{i % 5}, all]\n---\n"
            f"# Post {i}\n\nText with a [link](../post-{(i + 1) % POSTS:03d}/) and `code`.\n\n"
            "```python\nprint('hi')\n```\n",
        )
    write(
        tmp_path / "templates/post.html",
        "<h1>{{ post.title }}</h1>{{ post.html }}"
        "{% for t in post.tags %}<a href=\"{{ url_for('tag', tag=t) }}\">{{ t }}</a>{% endfor %}",
    )
    write(
        tmp_path / "templates/list.html",
        "{% for p in posts %}"
        "<a href=\"{{ url_for('post', slug=p.slug) }}\">{{ p.title }}</a>{% endfor %}",
    )
    write(tmp_path / "static/site.css", "body { margin: 0 }")
    site = Site("blog", root_path=tmp_path)
    posts = Pages(site, "content")

    @site.route("/")
    def index():
        return render_template("list.html", posts=posts)

    @site.route("/posts/<slug>/", values=posts.values("slug"))
    def post(slug):
        return render_template("post.html", post=posts.get_or_404(slug))

    @site.route("/tags/<tag>/", values=posts.values("tag", "tags"))
    def tag(tag):
        return render_template("list.html", posts=posts.by_tag(tag))

    return site


def manifest(folder):
    return (folder / ".freezer-manifest.json").read_bytes()


@pytest.mark.skipif(not can_fork(), reason="worker processes need fork")
def test_output_is_byte_identical_with_one_or_two_jobs(blog, tmp_path):
    one = Freezer(blog, destination=tmp_path / "one", jobs=1).build()
    two = Freezer(blog, destination=tmp_path / "two", jobs=2).build()
    assert (one.jobs, two.jobs) == (1, 2)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert manifest(tmp_path / "one") == manifest(tmp_path / "two")
    assert len(one.pages) == POSTS + 1 + 6


def test_cold_warm_and_incremental_builds_give_the_same_bytes(blog, tmp_path):
    cold_dest, again_dest = tmp_path / "cold", tmp_path / "again"
    Freezer(blog, destination=cold_dest, jobs=2).build()
    freezer = Freezer(blog, destination=again_dest, jobs=2, incremental=True)
    first = freezer.build()
    warm = freezer.build()
    assert (first.reused, warm.reused) == (0, len(warm.pages))
    assert tree(again_dest) == tree(cold_dest)

    post = tmp_path / "content/post-007.md"
    original = post.read_text()
    post.write_text(original.replace("Text with", "Changed text with"))
    os.utime(post, ns=(1, 1))
    edited = freezer.build()
    assert edited.reused == len(edited.pages) - 1  # only that post was rendered again
    assert b"Changed text with" in (again_dest / "posts/post-007/index.html").read_bytes()
    shutil.rmtree(cold_dest)
    Freezer(blog, destination=cold_dest).build()
    assert tree(again_dest) == tree(cold_dest)  # the same as a cold build of the edited site

    post.write_text(original.replace("title: Post 7", "title: Post seven"))
    os.utime(post, ns=(2, 2))
    retitled = freezer.build()
    assert b">Post seven<" in (again_dest / "index.html").read_bytes()  # listings follow titles
    assert b">Post seven<" in (again_dest / "tags/all/index.html").read_bytes()
    assert retitled.reused < len(retitled.pages) - 3


def test_a_template_change_renders_every_page_again(blog, tmp_path):
    freezer = Freezer(blog, incremental=True)
    freezer.build()
    write(tmp_path / "templates/post.html", "<h2>{{ post.title }}</h2>{{ post.html }}")
    report = freezer.build()
    assert report.reused == 0
    assert (tmp_path / "build/posts/post-001/index.html").read_text().startswith("<h2>Post 1</h2>")


def test_a_new_post_is_built_and_a_removed_one_is_removed(blog, tmp_path):
    freezer = Freezer(blog, incremental=True)
    freezer.build()
    write(tmp_path / "content/brand-new.md", "---\ntitle: Brand new\ntags: [fresh]\n---\nHi.\n")
    last = tmp_path / f"content/post-{POSTS - 1:03d}.md"
    last.write_text(last.read_text().replace(" a [link](../post-000/)", ""))
    (tmp_path / "content/post-000.md").unlink()
    report = freezer.build()
    assert (tmp_path / "build/posts/brand-new/index.html").is_file()
    assert (tmp_path / "build/tags/fresh/index.html").is_file()
    assert "posts/post-000/index.html" in report.removed
    assert b"Brand new" in (tmp_path / "build/index.html").read_bytes()


def test_links_on_reused_pages_are_still_checked(blog, tmp_path):
    freezer = Freezer(blog, incremental=True)
    freezer.build()
    before = tree(tmp_path / "build")
    (tmp_path / "content/post-000.md").unlink()  # post-095 links to it and is not re-rendered
    with pytest.raises(BuildError, match=r"/posts/post-000/ .* \(linked from /posts/post-095/\)"):
        freezer.build()
    assert tree(tmp_path / "build") == before


def test_markdown_cache_is_keyed_by_text_and_settings(tmp_path):
    calls = []

    class Counting(MarkdownRenderer):
        def _convert(self, text):
            calls.append(text)
            return super()._convert(text)

    plain = MarkdownSettings.default()
    Counting(plain, tmp_path).convert("# One")
    Counting(plain, tmp_path).convert("# One")  # another process: read from disk
    assert calls == ["# One"]
    Counting(plain, tmp_path).convert("# Two")
    Counting(MarkdownSettings.default(["smarty"]), tmp_path).convert("# One")
    assert calls == ["# One", "# Two", "# One"]
    assert (tmp_path / ".gitignore").read_text().endswith("*\n")

    (entry,) = [
        p for p in (tmp_path / "markdown").rglob("*") if p.is_file() and b"Two" in p.read_bytes()
    ]
    entry.write_bytes(entry.read_bytes()[:-3])  # cut short, as by a crash while writing
    assert Counting(plain, tmp_path).convert("# Two").html.startswith('<h1 id="two">Two')
    assert calls[-1] == "# Two"  # converted again, and written again whole
    assert Counting(plain, tmp_path).convert("# Two").html.startswith('<h1 id="two">Two')
    assert calls.count("# Two") == 2


def test_markdown_cache_is_not_used_with_extensions_of_unknown_purity(tmp_path):
    renderer = MarkdownRenderer(MarkdownSettings.default(["tests.no_such_extension"]), tmp_path)
    assert renderer.cache is None


def _edit_body(post, old, new, stamp):
    post.write_text(post.read_text().replace(old, new))
    os.utime(post, ns=(stamp, stamp))


def test_a_rebuild_follows_new_links_and_drops_pages_no_longer_linked(blog, tmp_path):
    @blog.route("/notes/<name>/")
    def note(name):
        return f"<p>note {name}</p>"

    post = tmp_path / "content/post-003.md"
    _edit_body(post, "and `code`", "and [a note](/notes/one/)", 1)
    freezer = Freezer(blog, incremental=True)
    freezer.build()
    assert (tmp_path / "build/notes/one/index.html").is_file()

    _edit_body(post, "/notes/one/", "/notes/two/", 2)  # the body only: same URLs to start from
    report = freezer.build()
    assert report.reused == len(report.pages) - 2  # the post and the new note
    assert "notes/one/index.html" in report.removed
    cold = Freezer(blog, destination=tmp_path / "cold").build()
    assert tree(tmp_path / "build") == tree(tmp_path / "cold")
    assert sorted(report.pages) == sorted(cold.pages)


def test_a_rebuild_checks_the_links_an_edited_page_gains(blog, tmp_path):
    freezer = Freezer(blog, incremental=True)
    freezer.build()
    before = tree(tmp_path / "build")
    post = tmp_path / "content/post-004.md"
    _edit_body(post, "and `code`", "and [a typo](/post/post-001/)", 1)
    with pytest.raises(BuildError, match=r"broken link to /post/post-001/ .* on /posts/post-004/"):
        freezer.build()
    assert tree(tmp_path / "build") == before
    _edit_body(post, "/post/post-001/", "/posts/post-001/", 2)
    freezer.build()
    assert b'href="/posts/post-001/"' in (tmp_path / "build/posts/post-004/index.html").read_bytes()


def test_a_rebuild_renders_again_an_output_file_changed_by_hand(blog, tmp_path):
    freezer = Freezer(blog, incremental=True)
    freezer.build()
    page = tmp_path / "build/posts/post-002/index.html"
    good = page.read_bytes()
    page.write_bytes(b"scribbled over")
    (tmp_path / "build/posts/post-005/index.html").unlink()
    report = freezer.build()
    assert report.reused == len(report.pages) - 2
    assert page.read_bytes() == good
    assert (tmp_path / "build/posts/post-005/index.html").is_file()


def test_the_record_of_a_small_change_is_a_delta_read_back_by_a_new_process(blog, tmp_path):
    freezer = Freezer(blog, incremental=True)
    freezer.build()
    (base,) = (tmp_path / ".freezer-cache/builds").glob("*[0-9a-f].pickle")
    base_bytes = base.read_bytes()
    delta = base.with_name(base.stem + ".delta.pickle")
    assert not delta.exists()

    _edit_body(tmp_path / "content/post-001.md", "Text with", "Edited text with", 1)
    freezer.build()
    assert base.read_bytes() == base_bytes  # the one new result went to the delta
    assert delta.is_file() and delta.stat().st_size < len(base_bytes) / 2

    incremental._remembered.clear()  # as a new process: read the base and the delta
    _edit_body(tmp_path / "content/post-002.md", "Text with", "Edited text with", 2)
    report = freezer.build()
    assert report.reused == len(report.pages) - 1
    cold = Freezer(blog, destination=tmp_path / "cold").build()
    assert tree(tmp_path / "build") == tree(tmp_path / "cold")
    assert report.pages == cold.pages

    write(tmp_path / "templates/post.html", "<h2>{{ post.title }}</h2>{{ post.html }}")
    freezer.build()  # every page again: a new base, and no delta
    assert base.read_bytes() != base_bytes
    assert not delta.exists()


def test_a_delta_from_another_base_is_ignored(blog, tmp_path):
    freezer = Freezer(blog, incremental=True)
    freezer.build()
    _edit_body(tmp_path / "content/post-001.md", "Text with", "Edited text with", 1)
    freezer.build()
    (delta,) = (tmp_path / ".freezer-cache/builds").glob("*.delta.pickle")
    stale = delta.read_bytes()
    write(tmp_path / "templates/post.html", "<h2>{{ post.title }}</h2>{{ post.html }}")
    freezer.build()
    delta.write_bytes(stale)  # a delta left over from the base before
    incremental._remembered.clear()
    _edit_body(tmp_path / "content/post-001.md", "Edited text with", "Text with", 2)
    report = freezer.build()
    assert report.reused == len(report.pages) - 1
    Freezer(blog, destination=tmp_path / "cold").build()
    assert tree(tmp_path / "build") == tree(tmp_path / "cold")


def test_a_rebuild_still_finds_a_new_file_name_clashing_with_a_kept_one(blog, tmp_path):
    @blog.route("/data/<path:name>", values=[{"name": "set/x.txt"}])
    def data(name):
        return f"data {name}", {"Content-Type": "text/plain"}

    freezer = Freezer(blog, incremental=True)
    freezer.build()
    before = tree(tmp_path / "build")
    _edit_body(tmp_path / "content/post-006.md", "and `code`", "and [data](/data/set)", 1)
    with pytest.raises(BuildError, match=r"/data/set is written to the file data/set, but /data/"):
        freezer.build()
    assert tree(tmp_path / "build") == before


@pytest.mark.skipif(not has_pygments(), reason="highlighting needs Pygments")
def test_highlighting_reuses_formatters_and_gives_python_markdowns_output():
    settings = MarkdownSettings.default()
    text = (
        "# Code\n\n```python\nprint('hi')\n```\n\n```js\nlet x = 1;\n```\n\n"
        "```python\ndef f():\n    return 2\n```\n\n    indented = True\n"
    )
    plain = markdown.Markdown(
        extensions=list(settings.extensions),
        extension_configs={k: dict(v) for k, v in settings.extension_configs.items()},
    )
    renderer = MarkdownRenderer(settings)
    for _ in range(2):  # the second time with the formatters made the first time
        assert renderer.convert(text).html == plain.convert(text)
        plain.reset()
    assert 'class="highlight"' in renderer.convert(text).html


def test_markdown_cache_packs_are_merged_when_there_are_many(tmp_path):
    settings = MarkdownSettings.default()
    texts = [f"# Page {i}" for i in range(RenderCache.MAX_PACKS + 3)]
    for text in texts:  # one pack per renderer, as one per process; reading merges many
        MarkdownRenderer(settings, tmp_path).convert(text)
    assert 1 <= len(list((tmp_path / "markdown").glob("*.pack"))) < len(texts)
    calls = []

    class Counting(MarkdownRenderer):
        def _convert(self, text):
            calls.append(text)
            return super()._convert(text)

    reader = Counting(settings, tmp_path)
    assert [reader.convert(text).html for text in texts] == [
        MarkdownRenderer(settings).convert(text).html for text in texts
    ]
    assert calls == []  # every one from the cache, merged or not
