"""freezer publish, with real git: a local bare repository stands in for GitHub."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from freezer.cli import cli
from freezer.publish import base_url_warning, expected_base_url

from .conftest import write

APP = """
from freezer import Site
site = Site(__name__)

@site.route("/")
def index():
    return "<h1>home</h1>"
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A source repository with a site, pushed to a bare 'origin'; the working folder is the repo."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(origin))
    source = tmp_path / "source"
    source.mkdir()
    git(source, "init", "--quiet", "-b", "main")
    git(source, "config", "user.name", "Ada Lovelace")
    git(source, "config", "user.email", "ada@example.org")
    write(source / "app.py", APP)
    write(source / ".gitignore", "build/\n__pycache__/\n")
    write(source / "notes.txt", "draft notes\n")
    git(source, "add", "-A")
    git(source, "commit", "--quiet", "-m", "Site source")
    git(source, "remote", "add", "origin", str(origin))
    git(source, "push", "--quiet", "origin", "main")
    monkeypatch.chdir(source)
    return source


def state(repo: Path) -> tuple[str, str, str, str, str]:
    """What a publish must never change: HEAD, branch, status, index and stash."""
    return (
        git(repo, "rev-parse", "HEAD"),
        git(repo, "symbolic-ref", "HEAD"),
        git(repo, "status", "--porcelain", "--untracked-files=all"),
        git(repo, "diff", "--cached", "--stat"),
        git(repo, "stash", "list"),
    )


def origin_tree(repo: Path, branch: str = "gh-pages") -> dict[str, str]:
    origin = repo.parent / "origin.git"
    names = git(origin, "ls-tree", "-r", "--name-only", branch).splitlines()
    return {name: git(origin, "show", f"{branch}:{name}") for name in names}


def publish(runner, *args: str):
    result = runner.invoke(cli, ["publish", *args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_publish_commits_the_build_as_the_branch_tree_without_touching_the_work_tree(runner, repo):
    (repo / "notes.txt").write_text("uncommitted edit\n")  # a dirty working tree stays dirty
    git(repo, "stash", "push", "--quiet", "--", "notes.txt")
    (repo / "notes.txt").write_text("another edit\n")
    git(repo, "add", "notes.txt")  # and a staged change stays staged
    before = state(repo)
    result = publish(runner)
    assert result.exit_code == 0, result.output
    assert "Committed" in result.output and "pushed" in result.output
    assert state(repo) == before
    assert origin_tree(repo) == {".nojekyll": "", "index.html": "<h1>home</h1>"}
    origin = repo.parent / "origin.git"
    head = git(repo, "rev-parse", "--short", "HEAD")
    assert (
        git(origin, "log", "--format=%s|%an|%ae", "gh-pages")
        == f"Publish {head}|Ada Lovelace|ada@example.org"
    )
    assert git(repo, "rev-parse", "gh-pages") == git(origin, "rev-parse", "gh-pages")


def test_history_grows_by_one_commit_per_publish_and_unchanged_makes_none(runner, repo):
    origin = repo.parent / "origin.git"
    assert publish(runner).exit_code == 0
    result = publish(runner)
    assert result.exit_code == 0
    assert "gh-pages already holds this build; no new commit" in result.output
    assert git(origin, "rev-list", "--count", "gh-pages") == "1"
    write(repo / "app.py", APP.replace("home", "home, edited"))
    assert publish(runner, "-m", "Second edition").exit_code == 0
    assert git(origin, "log", "--format=%s", "gh-pages").splitlines() == [
        "Second edition",
        f"Publish {git(repo, 'rev-parse', '--short', 'HEAD')}",
    ]
    assert origin_tree(repo)["index.html"] == "<h1>home, edited</h1>"


def test_no_push_leaves_the_remote_untouched(runner, repo):
    result = publish(runner, "--no-push")
    assert result.exit_code == 0, result.output
    assert "not pushed" in result.output
    assert git(repo, "ls-tree", "-r", "--name-only", "gh-pages").splitlines() == [
        ".nojekyll",
        "index.html",
    ]
    assert git(repo.parent / "origin.git", "branch", "--list", "gh-pages") == ""


def test_cname_is_written_and_kept(runner, repo):
    assert publish(runner, "--cname", "www.example.org").exit_code == 0
    assert origin_tree(repo)["CNAME"] == "www.example.org"
    write(repo / "app.py", APP.replace("home", "changed"))
    assert publish(runner).exit_code == 0
    assert origin_tree(repo)["CNAME"] == "www.example.org"  # kept without --cname


def test_cname_setting_in_pyproject(runner, repo):
    write(repo / "pyproject.toml", '[tool.freezer]\ncname = "docs.example.org"\n')
    assert publish(runner).exit_code == 0
    assert origin_tree(repo)["CNAME"] == "docs.example.org"


def test_refuses_the_checked_out_branch(runner, repo):
    before = state(repo)
    result = publish(runner, "--branch", "main")
    assert result.exit_code == 2
    assert "the branch 'main' is checked out" in result.output
    assert state(repo) == before


def test_refuses_the_remote_default_branch(runner, repo):
    git(repo, "switch", "--quiet", "-c", "work")
    result = publish(runner, "--branch", "main")
    assert result.exit_code == 2
    assert "'main' is the default branch of 'origin'" in result.output
    assert git(repo.parent / "origin.git", "ls-tree", "--name-only", "main").splitlines() == [
        ".gitignore",
        "app.py",
        "notes.txt",
    ]


def test_failed_build_publishes_nothing(runner, repo):
    write(repo / "app.py", APP.replace('"<h1>home</h1>"', "'<a href=\"/missing/\">x</a>'"))
    result = publish(runner)
    assert result.exit_code == 1
    assert "broken link to /missing/" in result.output
    assert git(repo, "branch", "--list", "gh-pages") == ""
    assert git(repo.parent / "origin.git", "branch", "--list", "gh-pages") == ""


def test_strict_build_with_warnings_publishes_nothing(runner, repo):
    write(repo / "app.py", APP + '\n@site.route("/t/<tag>/")\ndef tag(tag):\n    return tag\n')
    result = publish(runner, "--strict")
    assert result.exit_code == 1
    assert "(--strict) nothing reached endpoint 'tag'" in result.output
    assert git(repo.parent / "origin.git", "branch", "--list", "gh-pages") == ""


def test_diverged_remote_is_refused_and_force_replaces_it(runner, repo, tmp_path):
    assert publish(runner, "--no-push").exit_code == 0
    other = tmp_path / "other"
    git(tmp_path, "clone", "--quiet", str(tmp_path / "origin.git"), str(other))
    git(other, "switch", "--quiet", "--orphan", "gh-pages")
    write(other / "index.html", "someone else")
    git(other, "add", "-A")
    git(
        other,
        "-c",
        "user.name=Bob",
        "-c",
        "user.email=bob@example.org",
        "commit",
        "--quiet",
        "-m",
        "Theirs",
    )
    git(other, "push", "--quiet", "origin", "gh-pages")
    local_before = git(repo, "rev-parse", "gh-pages")
    result = publish(runner)
    assert result.exit_code == 1
    assert "have diverged; publish with --force" in result.output
    assert git(repo, "rev-parse", "gh-pages") == local_before  # nothing local lost
    assert origin_tree(repo)["index.html"] == "someone else"
    result = publish(runner, "--force")
    assert result.exit_code == 0, result.output
    assert origin_tree(repo)["index.html"] == "<h1>home</h1>"
    assert git(repo.parent / "origin.git", "rev-list", "--count", "gh-pages") == "1"


def test_rejected_push_says_why_and_keeps_the_local_commit(runner, repo):
    hook = repo.parent / "origin.git/hooks/pre-receive"
    write(hook, "#!/bin/sh\necho 'remote: publishing is frozen today' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = publish(runner)
    assert result.exit_code == 1
    assert "pushing gh-pages to origin was refused" in result.output
    assert "publishing is frozen today" in result.output
    assert "The commit is kept on your local gh-pages branch" in result.output
    assert git(repo, "ls-tree", "--name-only", "gh-pages").splitlines() == [
        ".nojekyll",
        "index.html",
    ]


def test_base_url_warning_for_a_project_pages_remote(runner, repo):
    origin = repo.parent / "origin.git"
    git(repo, "remote", "set-url", "origin", "https://github.com/alice/blog.git")
    git(repo, "config", f"url.{origin}.insteadOf", "https://github.com/alice/blog.git")
    result = publish(runner)
    assert result.exit_code == 0, result.output
    assert 'base_url = "https://alice.github.io/blog/"' in result.output
    write(repo / "pyproject.toml", '[tool.freezer]\nbase_url = "https://alice.github.io/blog/"\n')
    result = publish(runner)
    assert result.exit_code == 0
    assert "warning:" not in result.output


@pytest.mark.parametrize(
    ("remote", "expected"),
    [
        ("https://github.com/alice/blog.git", "https://alice.github.io/blog/"),
        ("git@github.com:alice/blog.git", "https://alice.github.io/blog/"),
        ("https://github.com/Alice/alice.github.io", "https://alice.github.io/"),
        ("https://gitlab.com/alice/blog.git", None),
    ],
)
def test_expected_base_url(remote, expected):
    assert expected_base_url(remote) == expected


def test_no_warning_with_custom_domain_or_matching_base_url():
    assert base_url_warning("https://github.com/a/b.git", None, "example.org") is None
    assert base_url_warning("https://github.com/a/b.git", "https://a.github.io/b/", None) is None
    assert base_url_warning("https://github.com/a/a.github.io", None, None) is None


def test_workflow_is_written_once(runner, repo):
    result = publish(runner, "--workflow")
    assert result.exit_code == 0, result.output
    workflow = (repo / ".github/workflows/pages.yml").read_text()
    assert "freezer build --app app.py --dest build --strict" in workflow
    assert "actions/upload-pages-artifact@v4" in workflow and "actions/deploy-pages@v4" in workflow
    assert "branches: [main]" in workflow
    assert "${{ steps.deployment.outputs.page_url }}" in workflow
    assert publish(runner, "--workflow").exit_code == 2


def test_not_a_git_repository(runner, tmp_path, monkeypatch):
    write(tmp_path / "plain/app.py", APP)
    monkeypatch.chdir(tmp_path / "plain")
    result = publish(runner)
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.output
