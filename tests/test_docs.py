"""The manual in docs/ builds strictly, links only to what exists, and every example in it runs."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from freezer import Freezer
from freezer.cli import cli
from freezer.loading import load_site

from .builtsite import broken_links
from .test_build import tree

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
CONTENT = DOCS / "content"
EXAMPLES = DOCS / "examples"

#: Every setting Frozen-Flask reads from app.config (flask_frozen/__init__.py,
#: Freezer.init_app), plus FREEZER_IGNORE_ENDPOINTS, which many freeze.py scripts use.
FROZEN_FLASK_SETTINGS = [
    "FREEZER_BASE_URL",
    "FREEZER_DESTINATION",
    "FREEZER_DESTINATION_IGNORE",
    "FREEZER_DEFAULT_MIMETYPE",
    "FREEZER_IGNORE_404_NOT_FOUND",
    "FREEZER_IGNORE_MIMETYPE_WARNINGS",
    "FREEZER_REDIRECT_POLICY",
    "FREEZER_RELATIVE_URLS",
    "FREEZER_REMOVE_EXTRA_FILES",
    "FREEZER_SKIP_EXISTING",
    "FREEZER_STATIC_IGNORE",
    "FREEZER_IGNORE_ENDPOINTS",
]

#: Each example site of docs/examples/ and exactly the files its build writes.
EXAMPLE_TREES = {
    "quickstart/app.py": {
        "index.html",
        "posts/hello/index.html",
        "posts/static-is-enough/index.html",
    },
    "getting_started/app.py": {
        "404.html",
        "index.html",
        "about/index.html",
        "posts/hello/index.html",
        "posts/second-post/index.html",
        "static/style.css",
    },
    "routes/app.py": {
        "404.html",
        "index.html",
        "about/index.html",
        "contact/index.html",
        "docs/guide/install.txt",
        "lang/en/index.html",
        "lang/fr/index.html",
        "old-about/index.html",
        "posts/7/index.html",
        "reports/12345678-1234-5678-1234-567812345678/index.html",
        "stats.json",
        "tags/python+web/index.html",
        "users/ada/index.html",
        "users/grace/index.html",
        "zoom/1.5/index.html",
    },
    "generators/app.py": {
        "index.html",
        "archive/2024/index.html",
        "archive/2025/index.html",
        "en/about/index.html",
        "fr/about/index.html",
        "products/1/index.html",
        "products/5/index.html",
    },
    "templating/app.py": {
        "index.html",
        "colophon/index.html",
        "feed.xml",
        "assets/css/site.css",
        "assets/img/logo.svg",
        "assets/.well-known/security.txt",
    },
    "pages/app.py": {
        "index.html",
        "2025/index.html",
        "2026/index.html",
        "posts/hello/index.html",
        "posts/a-better-name/index.html",
        "posts/notes/tables/index.html",
        "tags/python/index.html",
        "tags/web/index.html",
    },
}

#: The other Python files of docs/examples/, each run by a test of its own below.
EXAMPLE_SCRIPTS = {"frozen_flask/app.py", "frozen_flask/freeze.py", "api/build_site.py"}


def page_url(slug: str) -> str:
    return "/" if slug == "index" else f"/{slug}/"


class _Anchors(HTMLParser):
    """Collects the ids of a page and the hrefs of its sidebar navigation."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.nav: list[str] = []
        self._in_nav = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"] or "")
        if tag == "nav" and "sidebar" in (attributes.get("class") or ""):
            self._in_nav = True
        elif tag == "a" and self._in_nav and attributes.get("href"):
            self.nav.append(attributes["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav":
            self._in_nav = False


def parse(path: Path) -> _Anchors:
    parser = _Anchors()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def import_script(path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """Import ``path`` as ``python path`` would: its folder first on sys.path, its app fresh."""
    monkeypatch.syspath_prepend(str(path.parent))
    monkeypatch.delitem(sys.modules, "app", raising=False)
    spec = importlib.util.spec_from_file_location(f"docs_example_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- the manual ----------------------------------------------------------------


@pytest.fixture(scope="module")
def manual(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The manual, built once by `freezer build --strict` into a temporary folder."""
    destination = tmp_path_factory.mktemp("manual") / "build"
    result = CliRunner().invoke(
        cli, ["build", "--app", str(DOCS / "app.py"), "--dest", str(destination), "--strict"]
    )
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output
    assert result.output.startswith("Built "), result.output
    return destination


def test_manual_settings_build_strictly_into_docs_build():
    settings = tomllib.loads((DOCS / "pyproject.toml").read_text(encoding="utf-8"))
    assert settings["tool"]["freezer"]["strict"] is True
    assert settings["tool"]["freezer"]["dest"] == "build"
    assert "build/" in (DOCS / ".gitignore").read_text(encoding="utf-8").split()


def test_manual_builds_every_page_with_its_stylesheets(manual):
    for markdown in CONTENT.glob("*.md"):
        assert (manual / page_url(markdown.stem).lstrip("/") / "index.html").is_file()
    assert (manual / "static/style.css").is_file()
    assert (manual / "static/pygments.css").is_file()


def test_manual_has_no_broken_links(manual):
    assert broken_links(manual) == []


def test_every_page_is_in_the_navigation_in_order(manual):
    site = load_site(str(DOCS / "app.py"))
    (pages,) = site.content_sources
    order = sorted(pages, key=lambda page: (page.meta["order"], page.slug))
    expected = [page_url(page.slug) for page in order]
    assert sorted(expected) == sorted(page_url(p.stem) for p in CONTENT.glob("*.md"))
    assert parse(manual / "index.html").nav == expected
    assert parse(manual / "api/index.html").nav == expected


def test_every_page_has_a_title_and_an_order():
    site = load_site(str(DOCS / "app.py"))
    (pages,) = site.content_sources
    for page in pages:
        assert page.meta.get("title"), f"{page.path} has no 'title:'"
        assert isinstance(page.meta.get("order"), int), f"{page.path} has no 'order:'"


def test_links_between_pages_are_rewritten_and_their_anchors_exist(manual):
    for html_file in sorted(manual.rglob("*.html")):
        text = html_file.read_text(encoding="utf-8")
        assert not re.search(r'<a\s[^>]*href="[^"]*\.md[#"]', text), html_file
        for path, fragment in re.findall(r'<a\s[^>]*href="(/[^"#]*)#([^"]+)"', text):
            target = manual / path.lstrip("/") / "index.html"
            assert fragment in parse(target).ids, f"{html_file}: {path}#{fragment}"


def test_code_is_highlighted(manual):
    assert '<div class="highlight"><pre>' in (manual / "routes/index.html").read_text()


def test_manual_has_a_404_page_beside_its_catch_all_rule(manual):
    # /<path:slug>/ would redirect /404.html to /404.html/; the 404 page must be written anyway.
    text = (manual / "404.html").read_text(encoding="utf-8")
    assert "<h1>Page not found</h1>" in text
    assert parse(manual / "404.html").nav == parse(manual / "index.html").nav


def test_manual_shows_an_edited_example_on_the_next_build(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(
        DOCS, docs, ignore=shutil.ignore_patterns("build", ".freezer-cache", "__pycache__")
    )
    # Real processes, as people run it: in this one, docs_markdown stays imported from docs/.
    build = [
        sys.executable,
        "-m",
        "freezer.cli",
        "build",
        "--app",
        str(docs / "app.py"),
        "--dest",
        str(tmp_path / "build"),
    ]
    assert subprocess.run(build, capture_output=True).returncode == 0
    example = docs / "examples/routes/app.py"
    example.write_text(example.read_text(encoding="utf-8").replace("Zoom x", "Zoom by x"))
    assert subprocess.run(build, capture_output=True).returncode == 0
    assert "Zoom by x" in (tmp_path / "build/routes/index.html").read_text(encoding="utf-8")


# -- the Frozen-Flask table ------------------------------------------------------


@pytest.mark.parametrize("setting", FROZEN_FLASK_SETTINGS)
def test_frozen_flask_table_maps_every_setting(setting):
    text = (CONTENT / "frozen-flask.md").read_text(encoding="utf-8")
    assert re.search(rf"^\| `{setting}` \| [^|]*\S[^|]* \| [^|]*\S", text, re.M), setting


# -- the examples ----------------------------------------------------------------


@pytest.mark.parametrize("example", sorted(EXAMPLE_TREES))
def test_example_builds_exactly_these_files(example, tmp_path):
    site = load_site(str(EXAMPLES / example))
    report = Freezer(site, destination=tmp_path / "build", strict=True).build()
    assert set(tree(tmp_path / "build")) == EXAMPLE_TREES[example]
    assert report.warnings == []


def test_pages_example_leaves_its_draft_out(tmp_path):
    site = load_site(str(EXAMPLES / "pages/app.py"))
    report = Freezer(site, destination=tmp_path / "build", strict=True).build()
    assert report.drafts == 1
    assert "1 draft left out" in report.summary()


def test_getting_started_builds_with_its_pyproject(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["build", "--app", str(EXAMPLES / "getting_started/app.py"), "--dest", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "warning:" not in result.output
    assert set(tree(tmp_path)) == EXAMPLE_TREES["getting_started/app.py"]


def test_frozen_flask_freeze_script_builds_with_its_generators(tmp_path, monkeypatch):
    freeze = import_script(EXAMPLES / "frozen_flask/freeze.py", monkeypatch)
    freezer = freeze.freezer.with_config(destination=tmp_path / "build", strict=True)
    report = freezer.build()
    assert set(tree(tmp_path / "build")) == {
        "index.html",
        "product_1/index.html",
        "product_5/index.html",
    }
    assert report.warnings == []


def test_api_example_builds_and_prints_its_report(tmp_path, monkeypatch, capsys):
    script = import_script(EXAMPLES / "api/build_site.py", monkeypatch)
    assert script.main(tmp_path / "build") == 0
    assert set(tree(tmp_path / "build")) == {"index.html", "notes/1/index.html", "sitemap.xml"}
    out = capsys.readouterr()
    assert out.out.startswith(
        "Will write:\n  /journal/\n  /journal/notes/1/\n  /journal/sitemap.xml\nBuilt 2 pages"
    )
    assert out.err == ""


def test_every_example_is_tested_and_shown_in_the_manual():
    programs = {p.relative_to(EXAMPLES).as_posix() for p in EXAMPLES.rglob("*.py")}
    assert programs == set(EXAMPLE_TREES) | EXAMPLE_SCRIPTS
    manual_text = "\n".join(p.read_text(encoding="utf-8") for p in CONTENT.glob("*.md"))
    for program in programs:
        assert f"<<< examples/{program}" in manual_text, f"{program} is not in the manual"


def test_generators_page_quotes_the_warning_as_the_build_prints_it(tmp_path):
    site = load_site(str(EXAMPLES / "generators/app.py"))
    site.value_generators.pop("product")  # as if the @site.values generator were missing
    report = Freezer(site, destination=tmp_path / "build").build()
    (warning,) = report.warnings
    text = (CONTENT / "generators.md").read_text(encoding="utf-8")
    quoted = re.search(r"```text\n(warning: nothing reached.*?)```", text, re.S)
    assert quoted is not None
    assert " ".join(quoted[1].split()) == f"warning: {warning}"


def test_generators_page_shows_what_freezer_routes_prints():
    result = CliRunner().invoke(cli, ["routes", "--app", str(EXAMPLES / "generators/app.py")])
    assert result.exit_code == 0, result.output
    text = (CONTENT / "generators.md").read_text(encoding="utf-8")
    assert f"$ freezer routes\n{result.output}```" in text


# -- the include directive ---------------------------------------------------------


@pytest.fixture
def docs_markdown(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """docs/docs_markdown.py, the markdown extension that includes examples."""
    return import_script(DOCS / "docs_markdown.py", monkeypatch)


def test_include_gives_a_whole_file_without_region_markers(docs_markdown):
    text = docs_markdown.read_example("examples/generators/app.py")
    assert '@site.values("product")' in text
    assert "region" not in text


def test_include_gives_one_region_dedented(docs_markdown):
    text = docs_markdown.read_example("examples/generators/app.py", "values-argument")
    assert text.startswith('@site.route("/archive/<int:year>/"')
    assert "product" not in text


@pytest.mark.parametrize(
    ("path", "region", "message"),
    [
        ("examples/nope.py", None, "no such file"),
        ("examples/../app.py", None, "no such file"),
        ("examples/generators/app.py", "nope", "has no '# region nope'"),
    ],
)
def test_include_names_what_is_missing(docs_markdown, path, region, message):
    with pytest.raises(docs_markdown.ExampleNotFound, match=re.escape(message)):
        docs_markdown.read_example(path, region)


def test_include_fence_is_longer_than_any_fence_inside(docs_markdown):
    assert docs_markdown.fenced("a\n```\nb", "text") == ["````text", "a", "```", "b", "````"]
