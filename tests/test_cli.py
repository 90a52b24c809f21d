"""The freezer command line: app discovery, settings, flags, exit codes, messages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from freezer.cli import cli

from .conftest import write

APP = """
from freezer import Site, url_for
site = Site(__name__)

@site.route("/")
def index():
    return f'<a href="{url_for("post", slug="one")}">one</a>'

@site.route("/posts/<slug>/")
def post(slug):
    return slug
"""


@pytest.fixture
def project(tmp_path, monkeypatch):
    write(tmp_path / "app.py", APP)
    for name in ("app", "freeze", "factory"):  # each test's modules are its own
        monkeypatch.delitem(sys.modules, name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def invoke(runner, *args):
    result = runner.invoke(cli, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_build_with_default_app_py(runner, project):
    result = invoke(runner, "build")
    assert result.exit_code == 0, result.output
    assert (project / "build/posts/one/index.html").read_text() == "one"
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("Built 2 pages and 0 static files")
    assert last.endswith(f"with 1 job into {project / 'build'}")


@pytest.mark.parametrize("spec", ["app.py", "app", "app:site", "{path}", "{path}:site"])
def test_app_forms(runner, project, spec):
    result = invoke(runner, "build", "--app", spec.format(path=project / "app.py"), "--dest", "out")
    assert result.exit_code == 0, result.output
    assert (project / "out/index.html").is_file()


def test_app_factory(runner, project):
    write(
        project / "factory.py",
        APP.replace(
            "site = Site(__name__)", "def create():\n    return _site\n_site = Site(__name__)"
        ).replace("@site.", "@_site."),
    )
    result = invoke(runner, "build", "--app", "factory:create")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--app", "missing.py"], "no such file"),
        (["--app", "nomodule"], "no module named 'nomodule'"),
        (["--app", "app:nope"], "app has no attribute 'nope'"),
        (["--jobs", "0"], "Invalid value for '--jobs'"),
        (["--base-url", "ftp://x/"], "must start with https://"),
        (["--dest", "."], "refusing to build into"),
    ],
)
def test_usage_errors_exit_2(runner, project, args, message):
    result = invoke(runner, "build", *args)
    assert result.exit_code == 2
    assert message in result.output


def test_syntax_error_in_app_names_file_and_line(runner, project):
    write(project / "app.py", "from freezer import Site\nsite = Site(__name__\n")
    result = invoke(runner, "build")
    assert result.exit_code == 2
    assert "SyntaxError" in result.output and "app.py, line 2" in result.output


def test_no_site_in_module(runner, project):
    write(project / "app.py", "x = 1\n")
    result = invoke(runner, "build")
    assert result.exit_code == 2
    assert "defines no Site; add `site = Site(__name__)`" in result.output


def test_broken_link_exits_1_naming_page(runner, project):
    write(
        project / "app.py",
        APP + '\n@site.route("/about/")\ndef about():\n    return \'<a href="/gone/">x</a>\'\n',
    )
    result = invoke(runner, "build")
    assert result.exit_code == 1
    assert "broken link to /gone/ (no route matches it) on /about/" in result.output
    assert not (project / "build").exists()


def test_warnings_printed_and_strict_fails(runner, project):
    write(
        project / "app.py", APP + '\n@site.route("/tags/<tag>/")\ndef tag(tag):\n    return tag\n'
    )
    result = invoke(runner, "build")
    assert result.exit_code == 0
    assert "warning: nothing reached endpoint 'tag'" in result.output
    result = invoke(runner, "build", "--strict", "--dest", "strict")
    assert result.exit_code == 1
    assert "(--strict) nothing reached endpoint 'tag'" in result.output


def test_pyproject_settings_and_flags_override(runner, project):
    write(
        project / "pyproject.toml",
        """
        [tool.freezer]
        dest = "public"
        base_url = "https://me.github.io/blog/"
        """,
    )
    result = invoke(runner, "build")
    assert result.exit_code == 0, result.output
    assert '<a href="/blog/posts/one/">' in (project / "public/index.html").read_text()
    assert (project / "public/sitemap.xml").is_file()
    result = invoke(runner, "build", "--dest", "elsewhere", "--base-url", "/x/")
    assert result.exit_code == 0, result.output
    assert '<a href="/x/posts/one/">' in (project / "elsewhere/index.html").read_text()


def test_pyproject_app_setting(runner, project):
    site_dir = project / "site"
    site_dir.mkdir()
    (project / "app.py").rename(site_dir / "main.py")
    write(project / "pyproject.toml", '[tool.freezer]\napp = "site/main.py"\ndest = "out"\n')
    result = invoke(runner, "build")
    assert result.exit_code == 0, result.output
    assert (project / "out/index.html").is_file()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "destination = 'x'",
            "unknown setting 'destination' in [tool.freezer]. Did you mean 'dest'?",
        ),
        ("strict = 'yes'", "strict = 'yes' should be true or false"),
        ("jobs = true", "jobs = True should be a whole number"),
        ("exclude = '/x/*'", "exclude = '/x/*' should be a list of strings"),
    ],
)
def test_bad_pyproject_settings_exit_2(runner, project, setting, message):
    write(project / "pyproject.toml", f"[tool.freezer]\n{setting}\n")
    result = invoke(runner, "build")
    assert result.exit_code == 2
    assert message in result.output
    assert "pyproject.toml" in result.output


def test_force_flag(runner, project):
    write(project / "build/user.txt", "mine")
    assert invoke(runner, "build").exit_code == 1
    result = invoke(runner, "build", "--force")
    assert result.exit_code == 0
    assert (project / "build/user.txt").read_text() == "mine"


def test_relative_urls_flag(runner, project):
    assert invoke(runner, "build", "--relative-urls").exit_code == 0
    assert (project / "build/index.html").read_text() == '<a href="posts/one/index.html">one</a>'


def test_routes_lists_rules_and_url_counts(runner, project):
    write(
        project / "app.py",
        APP
        + '\n@site.values("post")\ndef slugs():\n    yield {"slug": "one"}\n    yield {"slug": "two"}\n'
        + '\n@site.route("/contact", methods=["POST"])\ndef contact():\n    return "ok"\n'
        + '\n@site.route("/admin/", freeze=False)\ndef admin():\n    return "no"\n',
    )
    write(project / "static/a.css", "")
    result = invoke(runner, "routes")
    assert result.exit_code == 0
    lines = [line.split() for line in result.output.strip().splitlines()]
    assert lines[0] == ["Rule", "Endpoint", "Methods", "URLs"]
    assert ["/", "index", "GET", "1"] in lines
    assert ["/posts/<slug>/", "post", "GET", "2"] in lines
    assert ["/contact", "contact", "POST", "-"] in lines
    assert ["/admin/", "admin", "GET", "not", "frozen"] in lines
    assert ["/static/<path:filename>", "static", "GET", "1"] in lines


def test_unknown_command_exits_2(runner):
    result = runner.invoke(cli, ["frobnicate"])
    assert result.exit_code == 2
    assert "No such command 'frobnicate'" in result.output


def test_frozen_flask_freeze_py_generators_are_used(runner, project):
    write(
        project / "freeze.py",
        """
        from app import site
        from freezer import Freezer

        freezer = Freezer(site)

        @freezer.register_generator
        def post():
            yield {"slug": "from-freeze-py"}
            yield "/posts/as-url/"
        """,
    )
    result = invoke(runner, "build", "--app", "freeze.py")
    assert result.exit_code == 0, result.output
    assert (project / "build/posts/from-freeze-py/index.html").read_text() == "from-freeze-py"
    assert (project / "build/posts/as-url/index.html").is_file()


def test_progress_bar_draws_on_a_terminal_after_a_second(monkeypatch, capsys):
    from freezer.cli import Progress

    progress = Progress()
    progress.enabled = True  # as on a terminal
    progress(1, 10)
    assert capsys.readouterr().err == ""  # nothing during the first second
    progress.started -= 2
    progress(5, 10)
    progress.clear()
    err = capsys.readouterr().err
    assert "[###############---------------] 5/10 URLs" in err
    assert err.endswith("\r")


def test_a_build_where_every_page_raises_gives_one_traceback_and_a_short_list(tmp_path):
    write(
        tmp_path / "app.py",
        """
        from freezer import Site
        site = Site(__name__)

        @site.route("/posts/<int:n>/", values=[{"n": n} for n in range(40)])
        def post(n):
            return broken_helper(n)

        def broken_helper(n):
            raise KeyError(f"missing {n}")
        """,
    )
    done = subprocess.run(
        [sys.executable, "-m", "freezer.cli", "build", "-j", "1"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert "the build failed (40 problems):" in done.stderr
    assert "/posts/0/ (endpoint 'post') raised KeyError: 'missing 0' (app.py, line 9)" in (
        done.stderr
    )
    assert "  ... and 15 more" in done.stderr
    assert done.stderr.count("Traceback (most recent call last)") == 1
    assert "/posts/0/ raised (the first page that did):" in done.stderr
    assert 'in broken_helper\n    raise KeyError(f"missing {n}")' in done.stderr
    assert not (tmp_path / "build").exists()
