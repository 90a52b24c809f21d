"""Putting a build on GitHub Pages: a commit on the gh-pages branch, or the Actions workflow.

The branch is written with git plumbing and a temporary index, so the
user's working tree, index, stash and current branch are never touched.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .errors import FreezerError, UsageError
from .output import MANIFEST_NAME
from .paths import SiteLocation


class PublishError(FreezerError):
    """Publishing failed; nothing local was lost."""


@dataclass(frozen=True)
class PublishResult:
    """What a publish did."""

    branch: str
    commit: str | None  # None when the branch already held this build
    pushed: bool

    def summary(self) -> str:
        """One line saying what happened."""
        if self.commit is None:
            head = f"{self.branch} already holds this build; no new commit"
        else:
            head = f"Committed {self.commit[:10]} to {self.branch}"
        return head + (", pushed." if self.pushed else ", not pushed (--no-push).")


class Git:
    """Runs git in one repository, turning failures into PublishError."""

    def __init__(self, repo: Path, env: dict[str, str] | None = None) -> None:
        self.repo = repo
        self.env = env

    def run(
        self, *args: str, input: str | None = None, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """Run ``git args`` and return the finished process."""
        try:
            done = subprocess.run(
                ["git", *args],
                cwd=self.repo,
                env=self.env,
                input=input,
                capture_output=True,
                text=True,
            )
        except FileNotFoundError as error:
            raise PublishError("git is not installed or not on PATH") from error
        if check and done.returncode != 0:
            raise PublishError(f"git {' '.join(args)} failed:\n{done.stderr.strip()}")
        return done

    def out(self, *args: str) -> str:
        """Run ``git args`` and return its output, stripped."""
        return self.run(*args).stdout.strip()

    def ref(self, name: str) -> str | None:
        """Return the commit ``name`` points to, or None."""
        done = self.run("rev-parse", "--verify", "--quiet", name + "^{commit}", check=False)
        return done.stdout.strip() or None

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Whether commit ``older`` is in the history of ``newer``."""
        return self.run("merge-base", "--is-ancestor", older, newer, check=False).returncode == 0


def repository_of(folder: Path) -> Path:
    """Return the top folder of the git repository holding ``folder``."""
    done = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=folder, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise UsageError(
            f"{folder} is not inside a git repository; run `git init` and "
            "`git remote add origin https://github.com/USER/REPO.git` first"
        )
    return Path(done.stdout.strip())


_GITHUB = re.compile(r"github\.com[:/](?P<owner>[^/]+)/(?P<repo>[^/]+?)(?:\.git)?/?$")


def expected_base_url(remote_url: str) -> str | None:
    """Return the base_url GitHub Pages will serve a github.com remote's site at, if known."""
    match = _GITHUB.search(remote_url)
    if match is None:
        return None
    owner, repo = match.group("owner"), match.group("repo")
    if repo.lower() == f"{owner.lower()}.github.io":
        return f"https://{owner.lower()}.github.io/"
    return f"https://{owner.lower()}.github.io/{repo}/"


def base_url_warning(remote_url: str, base_url: str | None, cname: str | None) -> str | None:
    """Warn when base_url does not put the site where GitHub Pages will serve it."""
    if cname:
        return None  # a custom domain serves the site at its root
    expected = expected_base_url(remote_url)
    if expected is None:
        return None
    wanted = SiteLocation.from_base_url(expected).base_path
    actual = SiteLocation.from_base_url(base_url).base_path
    if wanted == actual:
        return None
    return (
        f"the remote {remote_url} publishes to {expected}, but base_url puts the site at "
        f"{actual or '/'}; links will break there. Add to [tool.freezer] in pyproject.toml:\n"
        f'    base_url = "{expected}"'
    )


@dataclass
class Publisher:
    """Commits a built folder as the whole tree of a branch and pushes it."""

    repo: Path
    folder: Path
    remote: str = "origin"
    branch: str = "gh-pages"
    message: str | None = None
    cname: str | None = None
    push: bool = True
    force: bool = False

    def __post_init__(self) -> None:
        self.git = Git(self.repo)

    def remote_url(self) -> str | None:
        """The remote's URL as configured (before insteadOf rewriting), or None."""
        done = self.git.run("config", "--get", f"remote.{self.remote}.url", check=False)
        return done.stdout.strip() or None

    def check(self) -> None:
        """Refuse a branch that is checked out or is the remote's default branch."""
        worktrees = self.git.out("worktree", "list", "--porcelain")
        if f"branch refs/heads/{self.branch}" in worktrees.splitlines():
            raise UsageError(
                f"the branch {self.branch!r} is checked out; publishing replaces its whole tree. "
                "Switch to your source branch, or publish to another --branch"
            )
        if self.push and self.remote_url() is None:
            raise UsageError(
                f"there is no remote {self.remote!r}; add it with `git remote add {self.remote} "
                "URL`, or use --no-push"
            )
        default = self._remote_default_branch()
        if default is not None and default == self.branch:
            raise UsageError(
                f"{self.branch!r} is the default branch of {self.remote!r}; publishing would "
                "replace your source there. Publish to gh-pages (the default)"
            )

    def _remote_default_branch(self) -> str | None:
        if self.push:
            done = self.git.run("ls-remote", "--symref", self.remote, "HEAD", check=False)
            match = re.search(r"^ref: refs/heads/(\S+)\s+HEAD", done.stdout, re.M)
            if match:
                return match.group(1)
        done = self.git.run(
            "symbolic-ref", "--quiet", f"refs/remotes/{self.remote}/HEAD", check=False
        )
        prefix = f"refs/remotes/{self.remote}/"
        ref = done.stdout.strip()
        return ref[len(prefix) :] if ref.startswith(prefix) else None

    def _parent(self) -> str | None:
        local = self.git.ref(f"refs/heads/{self.branch}")
        remote = None
        if self.push:
            fetched = self.git.run(
                "fetch",
                "--quiet",
                self.remote,
                f"+refs/heads/{self.branch}:refs/remotes/{self.remote}/{self.branch}",
                check=False,
            )
            if fetched.returncode == 0:
                remote = self.git.ref(f"refs/remotes/{self.remote}/{self.branch}")
        if self.force:
            return None
        if local and remote and local != remote:
            if self.git.is_ancestor(remote, local):
                return local
            if self.git.is_ancestor(local, remote):
                return remote
            raise PublishError(
                f"the local {self.branch} and {self.remote}/{self.branch} have diverged; "
                "publish with --force to replace the remote branch with this build"
            )
        return local or remote

    def _tree(self, parent: str | None) -> str:
        git_dir = self.git.out("rev-parse", "--absolute-git-dir")
        with tempfile.TemporaryDirectory() as scratch:
            env = {
                **os.environ,
                "GIT_DIR": git_dir,
                "GIT_WORK_TREE": str(self.folder),
                "GIT_INDEX_FILE": os.path.join(scratch, "index"),
            }
            git = Git(self.folder, env)
            # --force: the repository's .gitignore must not drop built files.
            git.run("add", "--all", "--force", ".")
            git.run("rm", "--cached", "--quiet", "--ignore-unmatch", MANIFEST_NAME)
            extra = {".nojekyll": ""}
            if self.cname:
                extra["CNAME"] = self.cname.strip() + "\n"
            elif not (self.folder / "CNAME").exists() and parent is not None:
                kept = self.git.run("cat-file", "-p", f"{parent}:CNAME", check=False)
                if kept.returncode == 0:
                    extra["CNAME"] = kept.stdout  # a custom domain set earlier survives
            for name, text in extra.items():
                blob = git.run("hash-object", "-w", "--stdin", input=text).stdout.strip()
                git.run("update-index", "--add", "--cacheinfo", f"100644,{blob},{name}")
            return git.out("write-tree")

    def _default_message(self) -> str:
        head = self.git.run("rev-parse", "--short", "HEAD", check=False).stdout.strip()
        return f"Publish {head}" if head else "Publish"

    def publish(self, build: Callable[[], object] | None = None) -> PublishResult:
        """Check the branch, run ``build`` (if given), commit the folder and push it.

        The refusals come before the build, so a long build is not wasted.
        """
        self.check()
        if build is not None:
            build()
        if not (self.folder / MANIFEST_NAME).is_file():
            raise UsageError(
                f"{self.folder} is not a freezer build (no {MANIFEST_NAME}); run freezer build "
                "first, or publish without --no-build"
            )
        parent = self._parent()
        tree = self._tree(parent)
        commit = None
        if parent is not None and self.git.out("rev-parse", f"{parent}^{{tree}}") == tree:
            tip = parent
        else:
            args = ["commit-tree", tree, "-m", self.message or self._default_message()]
            if parent is not None:
                args[2:2] = ["-p", parent]
            commit = self.git.out(*args)
            tip = commit
        old = self.git.ref(f"refs/heads/{self.branch}") or ""
        if tip != old:
            reason = f"freezer publish: {self.message or 'publish'}"
            if self.force:
                self.git.run("update-ref", "-m", reason, f"refs/heads/{self.branch}", tip)
            else:
                self.git.run("update-ref", "-m", reason, f"refs/heads/{self.branch}", tip, old)
        if self.push:
            self._push()
        return PublishResult(self.branch, commit, self.push)

    def _push(self) -> None:
        args = [
            "push",
            "--porcelain",
            self.remote,
            f"refs/heads/{self.branch}:refs/heads/{self.branch}",
        ]
        if self.force:
            args.insert(1, "--force")
        done = self.git.run(*args, check=False)
        if done.returncode == 0:
            return
        detail = (done.stderr or done.stdout).strip()
        if "non-fast-forward" in detail or "fetch first" in detail or "[rejected]" in detail:
            hint = (
                "the remote branch has commits this one does not (someone published in "
                "between); run freezer publish again, or --force to replace it"
            )
        elif "Authentication" in detail or "Permission" in detail or "could not read" in detail:
            hint = "git could not authenticate; check the remote URL and your credentials"
        else:
            hint = "see git's message above"
        raise PublishError(
            f"pushing {self.branch} to {self.remote} was refused:\n{detail}\n{hint}. "
            f"The commit is kept on your local {self.branch} branch; nothing was lost."
        )


WORKFLOW = """\
# Build the site with freezer and deploy it to GitHub Pages with GitHub Actions.
# In the repository's Settings > Pages, set "Source" to "GitHub Actions".
name: Deploy to GitHub Pages

on:
  push:
    branches: [{branch}]
  workflow_dispatch:

permissions:
  contents: read
  pages: write
  id-token: write

concurrency:
  group: pages
  cancel-in-progress: false

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Install
        run: pip install {install}
      - name: Build
        run: freezer build --app {app} --dest {dest} --strict
      # upload-pages-artifact leaves dotfiles out (since v4): a freezer build needs
      # none of them (.nojekyll is only for branch publishing; no Jekyll runs here).
      - uses: actions/upload-pages-artifact@v4
        with:
          path: {dest}

  deploy:
    needs: build
    runs-on: ubuntu-latest
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: actions/deploy-pages@v4
"""


def write_workflow(repo: Path, app: str, dest: str, branch: str, install: str, force: bool) -> Path:
    """Write .github/workflows/pages.yml for the Actions route; return its path."""
    target = repo / ".github" / "workflows" / "pages.yml"
    if target.exists() and not force:
        raise UsageError(f"{target} exists; pass --force to replace it")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(
        WORKFLOW.format(branch=branch, app=app, dest=dest, install=install), encoding="utf-8"
    )
    return target
