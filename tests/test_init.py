"""freezer init writes a starter site that builds at once, and never into a non-empty folder."""

from __future__ import annotations

from freezer.cli import cli

from .builtsite import broken_links
from .conftest import write


def test_init_writes_a_site_that_builds_without_warnings(runner, tmp_path, monkeypatch):
    folder = tmp_path / "mysite"
    result = runner.invoke(cli, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert files == [
        ".gitignore",
        "app.py",
        "content/posts/hello.md",
        "pyproject.toml",
        "static/style.css",
        "templates/404.html",
        "templates/base.html",
        "templates/index.html",
        "templates/post.html",
    ]
    monkeypatch.chdir(folder)
    result = runner.invoke(cli, ["build"])
    assert result.exit_code == 0, result.output
    assert "warning" not in result.output
    built = sorted(
        p.relative_to(folder / "build").as_posix()
        for p in (folder / "build").rglob("*")
        if p.is_file()
    )
    assert built == [
        ".freezer-manifest.json",
        "404.html",
        "index.html",
        "posts/hello/index.html",
        "static/style.css",
    ]
    assert "<h1>Hello, world</h1>" in (folder / "build/posts/hello/index.html").read_text()
    assert broken_links(folder / "build") == []


def test_init_refuses_a_non_empty_folder(runner, tmp_path):
    write(tmp_path / "mine.txt", "keep")
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "is not empty" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.txt"]


def test_init_into_an_empty_existing_folder(runner, tmp_path):
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "app.py").is_file()
