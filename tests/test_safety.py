"""A build never writes outside its destination, never deletes what it did not write,
and never damages the last good build."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from freezer import BuildError, Freezer, Site
from freezer.errors import UsageError
from freezer.output import MANIFEST_NAME

from .conftest import PYTHON, wait_for, write
from .test_build import tree


def snapshot(folder: Path) -> dict[str, tuple[bytes, float]]:
    """Bytes and mtime of every file under ``folder``, manifest included."""
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("..", "'..'"),
        ("a\\b", "'a\\\\b'"),
        ("nul\x00byte", "nul\\x00byte"),
    ],
)
def test_unsafe_generated_values_fail_naming_the_url(site, tmp_path, value, shown):
    site.add_url_rule("/files/<path:name>/", "file", lambda name: name, values=[{"name": value}])
    before = {p for p in tmp_path.parent.rglob("*")}
    with pytest.raises(BuildError) as info:
        Freezer(site).build()
    message = str(info.value)
    assert "generator" in message and "'file'" in message and shown in message
    assert {p for p in tmp_path.parent.rglob("*")} == before


@pytest.mark.parametrize(
    "link", ["/a/%2e%2e/%2e%2e/escape.html", "/a/..%5c..%5cx.html", "/a/%00.html"]
)
def test_unsafe_links_fail_naming_the_url(site, tmp_path, link):
    site.add_url_rule("/", "index", lambda: f'<a href="{link}">x</a>')
    site.add_url_rule("/a/<path:rest>", "catch_all", lambda rest: "gotcha")
    before = {p for p in tmp_path.parent.rglob("*")}
    with pytest.raises(BuildError, match="cannot become a file"):
        Freezer(site).build()
    assert {p for p in tmp_path.parent.rglob("*")} == before


def test_absolute_path_values_cannot_escape(site, tmp_path):
    site.add_url_rule(
        "/files/<path:name>", "file", lambda name: name, values=[{"name": "/etc/passwd"}]
    )
    with pytest.raises(BuildError, match="cannot become a file"):
        Freezer(site).build()
    assert not (tmp_path / "build").exists()


def test_stale_files_removed_only_if_freezer_wrote_them(site, tmp_path):
    pages = {"a": "A", "b": "B"}
    site.add_url_rule(
        "/<name>/", "page", lambda name: pages[name], values=lambda: [{"name": n} for n in pages]
    )
    freezer = Freezer(site)
    freezer.build()
    dest = tmp_path / "build"
    write(dest / "CNAME", "example.org")
    write(dest / "notes/mine.txt", "user file")
    del pages["b"]
    report = freezer.build()
    assert report.removed == ["b/index.html"]
    assert tree(dest) == {
        "CNAME": b"example.org",
        "a/index.html": b"A",
        "notes/mine.txt": b"user file",
    }


def test_foreign_destination_refused_unless_forced(site, tmp_path):
    site.add_url_rule("/", "index", lambda: "home")
    dest = tmp_path / "public"
    write(dest / "precious.txt", "keep me")
    with pytest.raises(BuildError, match="holds files that freezer did not write"):
        Freezer(site, destination=dest).build()
    assert tree(dest) == {"precious.txt": b"keep me"}
    Freezer(site, destination=dest, force=True).build()
    assert tree(dest) == {"index.html": b"home", "precious.txt": b"keep me"}
    assert (dest / MANIFEST_NAME).is_file()


@pytest.mark.parametrize(
    "which", ["root", "templates", "static", "parent", "home", "filesystem root"]
)
def test_dangerous_destinations_refused(site, tmp_path, monkeypatch, which):
    site.add_url_rule("/", "index", lambda: "home")
    monkeypatch.setenv("HOME", str(tmp_path.parent))
    destination = {
        "root": tmp_path,
        "templates": tmp_path / "templates",
        "static": tmp_path / "static",
        "parent": tmp_path.parent,
        "home": Path.home(),
        "filesystem root": Path("/"),
    }[which]
    with pytest.raises(UsageError, match="refusing to build into"):
        Freezer(site, destination=destination, force=True).build()
    assert not (tmp_path / MANIFEST_NAME).exists()


def test_failed_build_leaves_previous_build_untouched(site, tmp_path):
    write(tmp_path / "static/s.css", "css")
    state = {"fail": False}

    def page():
        if state["fail"]:
            raise RuntimeError("broken on purpose")
        return "home"

    site.add_url_rule("/", "index", page)
    freezer = Freezer(site)
    freezer.build()
    dest = tmp_path / "build"
    before = snapshot(dest)
    state["fail"] = True
    with pytest.raises(BuildError):
        freezer.build()
    assert snapshot(dest) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "static", "templates"]


def test_failure_while_writing_leaves_previous_build_untouched(site, tmp_path, monkeypatch):
    write(tmp_path / "static/s.css", "css")
    site.add_url_rule("/", "index", lambda: "home")
    freezer = Freezer(site)
    freezer.build()
    before = snapshot(tmp_path / "build")
    write(tmp_path / "static/t.css", "new")

    def broken_copy(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("freezer.output.shutil.copyfile", broken_copy)
    with pytest.raises(OSError, match="No space left"):
        freezer.build()
    assert snapshot(tmp_path / "build") == before
    assert not list(tmp_path.glob(".build.freezer-*"))


def test_ctrl_c_during_build_leaves_previous_build_untouched(site, tmp_path):
    state = {"interrupt": False}

    def page():
        if state["interrupt"]:
            raise KeyboardInterrupt
        return "home"

    site.add_url_rule("/", "index", page)
    freezer = Freezer(site)
    freezer.build()
    before = snapshot(tmp_path / "build")
    state["interrupt"] = True
    with pytest.raises(KeyboardInterrupt):
        freezer.build()
    assert snapshot(tmp_path / "build") == before


KILLABLE_APP = """
import os, sys, time
from freezer import Site
site = Site(__name__)
pages = [str(i) for i in range(5)]

@site.route("/<n>/", values=lambda: [{"n": n} for n in pages])
def page(n):
    if os.environ.get("HANG_AT") == n:
        open(os.environ["MARKER"], "w").close()
        time.sleep(120)  # stands for a long render; the test kills the process here
    return "page " + n + os.environ.get("VERSION", "")
"""


def test_killed_build_leaves_previous_build_and_next_build_recovers(tmp_path, spawn):
    write(tmp_path / "app.py", KILLABLE_APP)
    env = {**os.environ, "VERSION": "1"}
    first = spawn([PYTHON, "-m", "freezer.cli", "build"], cwd=tmp_path, env=env)
    assert first.wait(timeout=60) == 0, first.stderr.read()
    before = snapshot(tmp_path / "build")
    marker = tmp_path / "marker"
    env = {**env, "VERSION": "2", "HANG_AT": "3", "MARKER": str(marker)}
    # Content comes from an environment variable, which incremental builds do not track.
    build = [PYTHON, "-m", "freezer.cli", "build", "--no-incremental"]
    killed = spawn(build, cwd=tmp_path, env=env)
    wait_for(marker.exists, what="the build to reach the hanging page")
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait(timeout=10)
    assert snapshot(tmp_path / "build") == before
    env.pop("HANG_AT")
    again = spawn(build, cwd=tmp_path, env=env)
    assert again.wait(timeout=60) == 0, again.stderr.read()
    assert (tmp_path / "build/3/index.html").read_text() == "page 32"


def test_swap_interrupted_between_renames_is_recovered(site, tmp_path):
    site.add_url_rule("/", "index", lambda: "home")
    Freezer(site).build()
    # As if killed after moving the old build aside but before moving the new one in:
    os.rename(tmp_path / "build", tmp_path / ".build.freezer-old")
    report = Freezer(site).build()
    assert report.unchanged == 1  # the old build was put back and reused
    assert tree(tmp_path / "build") == {"index.html": b"home"}
    assert not (tmp_path / ".build.freezer-old").exists()


def test_static_dotfiles_skipped_unless_allowed(tmp_path):
    for name in (
        ".secret",
        ".git/config",
        ".nojekyll",
        ".well-known/security.txt",
        ".htaccess",
        "ok.txt",
    ):
        write(tmp_path / "static" / name, name)
    site = Site("dots", root_path=tmp_path)
    files = tree(Freezer(site).build().destination)
    assert sorted(files) == ["static/.nojekyll", "static/.well-known/security.txt", "static/ok.txt"]
    files = tree(Freezer(site, destination="b2", static_dotfiles=[".htaccess"]).build().destination)
    assert sorted(files) == ["static/.htaccess", "static/ok.txt"]


def many_pages_site(tmp_path, pages):
    site = Site("many", root_path=tmp_path)
    site.add_url_rule(
        "/<name>/", "page", lambda name: pages[name], values=lambda: [{"name": n} for n in pages]
    )
    return site


def test_small_change_replaces_only_changed_files_in_place(tmp_path):
    pages = {f"p{i}": f"page {i}" for i in range(30)}
    pages["gone"] = "soon stale"
    site = many_pages_site(tmp_path, pages)
    dest = tmp_path / "build"
    Freezer(site).build()
    write(dest / "notes/mine.txt", "user file")
    inode_before = (dest / "p1/index.html").stat().st_ino
    folder_inode = dest.stat().st_ino
    pages["p2"] = "page 2, edited"
    del pages["gone"]
    report = Freezer(site).build()
    assert report.removed == ["gone/index.html"]
    assert dest.stat().st_ino == folder_inode  # the folder itself was not swapped
    assert (dest / "p1/index.html").stat().st_ino == inode_before  # untouched
    assert (dest / "p2/index.html").read_text() == "page 2, edited"
    assert not (dest / "gone").exists()  # its emptied folder is pruned too
    assert (dest / "notes/mine.txt").read_text() == "user file"
    assert not list(tmp_path.glob(".build.freezer-*"))


def test_commit_interrupted_midway_is_finished_not_half_done(tmp_path, monkeypatch):
    pages = {f"p{i}": f"page {i}" for i in range(10)}
    site = many_pages_site(tmp_path, pages)
    Freezer(site).build()
    for name in ("p3", "p7"):
        pages[name] = f"{name} edited"
    real_replace = os.replace
    calls = {"n": 0}

    def failing_replace(src, dst):
        calls["n"] += 1
        if calls["n"] == 2:  # the journal is in place; the first page moved; then a failure
            raise OSError(5, "Input/output error")
        return real_replace(src, dst)

    monkeypatch.setattr("freezer.output.os.replace", failing_replace)
    with pytest.raises(OSError, match="Input/output error"):
        Freezer(site).build()
    files = tree(tmp_path / "build")
    assert files["p3/index.html"] == b"p3 edited" and files["p7/index.html"] == b"p7 edited"
    assert not list(tmp_path.glob(".build.freezer-*"))


def test_commit_killed_midway_is_finished_by_the_next_run(tmp_path, monkeypatch):
    from freezer.output import OutputTree

    pages = {f"p{i}": f"page {i}" for i in range(10)}
    site = many_pages_site(tmp_path, pages)
    Freezer(site).build()
    pages["p4"] = "p4 edited"
    monkeypatch.setattr(OutputTree, "_apply_journal", lambda self: None)  # killed right here
    monkeypatch.setattr(OutputTree, "discard", lambda self: None)
    Freezer(site).build()
    assert (tmp_path / ".build.freezer-tmp/.freezer-journal.json").is_file()
    monkeypatch.undo()
    OutputTree(tmp_path / "build")  # the next run starts by finishing the journal
    assert tree(tmp_path / "build")["p4/index.html"] == b"p4 edited"
    assert (tmp_path / ".build.freezer-tmp").exists()  # the new run's own, empty staging


def built_site_of_150_pages(tmp_path):
    """A built site with enough pages that editing them all swaps the whole tree in."""
    pages = {f"p{i}": f"page {i}" for i in range(150)}
    site = many_pages_site(tmp_path, pages)
    Freezer(site).build()
    return pages, site, tmp_path / "build"


def edit_every_page(pages):
    pages.update({name: f"{text}, edited" for name, text in pages.items()})


@pytest.mark.parametrize("many", [False, True], ids=["in place", "swapped"])
def test_a_file_of_the_users_in_the_way_of_a_new_page_fails_the_build_cleanly(tmp_path, many):
    pages, site, dest = built_site_of_150_pages(tmp_path)
    write(dest / "new", "the user's file, where the folder new/ must go")
    if many:  # enough changes that the whole tree is swapped in
        edit_every_page(pages)
    pages["new"] = "a new page"
    before = snapshot(dest)
    for _ in range(2):  # and the next build says the same: nothing is left half-done
        with pytest.raises(BuildError, match=r"build/new \(not written by freezer\) is in the way"):
            Freezer(site).build()
        assert snapshot(dest) == before
    (dest / "new").unlink()
    Freezer(site).build()
    assert (dest / "new/index.html").read_text() == "a new page"


@pytest.mark.parametrize("many", [False, True], ids=["in place", "swapped"])
def test_a_file_of_the_users_with_a_new_pages_name_is_replaced_only_with_force(tmp_path, many):
    pages, site, dest = built_site_of_150_pages(tmp_path)
    write(dest / "new/index.html", "the user's own page")
    if many:
        edit_every_page(pages)
    pages["new"] = "a new page"
    with pytest.raises(BuildError, match=r"or pass --force to let the build replace it"):
        Freezer(site).build()
    assert (dest / "new/index.html").read_text() == "the user's own page"
    Freezer(site, force=True).build()
    assert (dest / "new/index.html").read_text() == "a new page"


@pytest.mark.parametrize("many", [False, True], ids=["in place", "swapped"])
def test_a_link_of_the_users_in_the_destination_is_kept_and_never_written_through(tmp_path, many):
    pages, site, dest = built_site_of_150_pages(tmp_path)
    write(tmp_path / "outside/photo.jpg", "jpg")
    os.symlink(tmp_path / "outside", dest / "media")
    if many:
        edit_every_page(pages)
    Freezer(site).build()  # the link is carried over as a link
    assert os.readlink(dest / "media") == str(tmp_path / "outside")
    pages["media"] = "a page where the link is"
    with pytest.raises(BuildError, match=r"build/media \(not written by freezer\) is in the way"):
        Freezer(site).build()
    assert os.listdir(tmp_path / "outside") == ["photo.jpg"]
