"""The file watcher behind freezer serve: inotify where the system has it, else polling."""

from __future__ import annotations

import errno
import os
import sys
import time

import pytest
from livereload.watcher import Watcher

import freezer.watch
from freezer.watch import InotifyWatcher, make_watcher

needs_inotify = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify: Linux")


def drain(watcher, seconds=2.0):
    """Every path the watcher reports until it has reported nothing for a moment."""
    seen: set[str] = set()
    deadline = time.monotonic() + seconds
    quiet_since = None
    while time.monotonic() < deadline:
        path, _delay = watcher.examine()
        if path:
            seen.add(path)
            quiet_since = None
            continue
        quiet_since = quiet_since or time.monotonic()
        if seen and time.monotonic() - quiet_since > 0.2:
            break
        time.sleep(0.02)
    return seen


@needs_inotify
def test_inotify_reports_edited_new_and_nested_files(tmp_path):
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "posts/a.md").write_text("a")
    watcher = make_watcher()
    assert isinstance(watcher, InotifyWatcher)
    watcher.watch(str(content), ignore=lambda p: p.endswith(".tmp"))
    assert watcher.examine() == (None, None)

    (content / "posts/a.md").write_text("edited")
    (content / "posts/ignored.tmp").write_text("x")
    (content / "posts/.b.md.swp").write_text("x")
    assert drain(watcher) == {str(content / "posts/a.md")}

    (content / "new/deeper").mkdir(parents=True)  # watched as soon as it appears
    (content / "new/deeper/c.md").write_text("c")
    assert str(content / "new/deeper/c.md") in drain(watcher)
    (content / "new/deeper/c.md").write_text("c again")
    assert drain(watcher) == {str(content / "new/deeper/c.md")}

    (content / "posts/a.md").unlink()
    assert drain(watcher) == {str(content / "posts/a.md")}
    watcher.close()


@needs_inotify
def test_a_watched_file_saved_by_renaming_over_it_is_reported(tmp_path):
    app = tmp_path / "app.py"
    app.write_text("one")
    (tmp_path / "notes.txt").write_text("not watched")
    watcher = make_watcher()
    watcher.watch(str(app))
    replacement = tmp_path / "app.py.new"
    replacement.write_text("two")
    os.replace(replacement, app)  # how many editors save
    (tmp_path / "notes.txt").write_text("changed, but not watched")
    assert drain(watcher) == {str(app)}
    app.write_text("three")  # the new file is watched too
    assert drain(watcher) == {str(app)}
    watcher.close()


def test_without_inotify_the_polling_watcher_is_used(tmp_path, monkeypatch):
    monkeypatch.setattr(freezer.watch, "_libc", lambda: None)
    watcher = make_watcher()
    assert type(watcher) is Watcher
    watcher.watch(str(tmp_path))
    watcher.examine()
    time.sleep(0.01)
    (tmp_path / "page.md").write_text("new")
    assert str(tmp_path / "page.md") in drain(watcher)


@needs_inotify
def test_a_folder_inotify_cannot_watch_is_polled(tmp_path, monkeypatch):
    watcher = make_watcher()

    def refuse(folder):
        raise OSError(errno.ENOSPC, "No space left on device", folder)

    monkeypatch.setattr(watcher, "_watch_folder", refuse)
    watcher.watch(str(tmp_path))
    assert watcher.needs_polling
    watcher.examine()
    time.sleep(0.01)
    (tmp_path / "page.md").write_text("new")
    assert str(tmp_path / "page.md") in drain(watcher)
    watcher.close()


@needs_inotify
def test_folders_renamed_away_and_back_or_made_again_are_reported_by_their_names(tmp_path):
    content = tmp_path / "content"
    (content / "d1").mkdir(parents=True)
    (content / "d1/b.md").write_text("b")
    (content / "sub").mkdir()
    watcher = make_watcher()
    watcher.watch(str(content))

    (content / "d1").rename(content / "d2")
    assert str(content / "d2/b.md") in drain(watcher)
    (content / "d2").rename(content / "d1")
    assert str(content / "d1/b.md") in drain(watcher)
    (content / "d1/b.md").write_text("edited")
    assert drain(watcher) == {str(content / "d1/b.md")}  # not under the name it had before

    (content / "sub").rename(tmp_path / "elsewhere")
    (content / "sub").mkdir()
    drain(watcher)
    (content / "sub/new.md").write_text("new")
    assert drain(watcher) == {str(content / "sub/new.md")}
    (tmp_path / "elsewhere/x.md").write_text("moved out: not watched")
    assert drain(watcher, seconds=0.5) == set()
    watcher.close()


@needs_inotify
def test_a_folder_renamed_twice_before_the_events_are_read_is_still_watched(tmp_path):
    content = tmp_path / "content"
    (content / "d1").mkdir(parents=True)
    (content / "d1/b.md").write_text("b")
    watcher = make_watcher()
    watcher.watch(str(content))
    (content / "d1").rename(content / "d2")
    (content / "d2").rename(content / "d1")  # before the watcher has read a thing
    drain(watcher)
    assert not watcher.needs_polling
    (content / "d1/b.md").write_text("edited")
    assert drain(watcher) == {str(content / "d1/b.md")}
    watcher.close()


@needs_inotify
def test_a_watched_folder_moved_away_and_made_again_is_watched_again(tmp_path):
    shared = tmp_path / "shared"  # its parent is not watched: Pages(site, "../shared")
    shared.mkdir()
    (shared / "a.md").write_text("a")
    watcher = make_watcher()
    watcher.watch(str(shared))
    shared.rename(tmp_path / "shared.old")
    assert str(shared) in drain(watcher)
    shared.mkdir()
    (shared / "b.md").write_text("b")
    assert str(shared / "b.md") in drain(watcher)
    (shared / "b.md").write_text("edited")
    assert drain(watcher) == {str(shared / "b.md")}
    watcher.close()
