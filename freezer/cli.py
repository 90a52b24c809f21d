"""The ``freezer`` command: parses arguments, calls the library, prints, sets the exit code."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import click
from werkzeug.routing import RequestRedirect

from .build import Freezer
from .config import BuildConfig, ProjectSettings, default_jobs, read_project_settings
from .errors import FreezerError
from .loading import load_app
from .scaffold import create_site
from .site import Site


class Progress:
    """A one-line progress bar on stderr, shown only on a terminal once a build takes 1 s."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty()
        self.started = time.monotonic()
        self.shown_at = 0.0
        self.visible = False

    def __call__(self, done: int, known: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.started < 1.0 or now - self.shown_at < 0.1:
            return
        self.shown_at = now
        width = 30
        filled = int(width * done / max(known, 1))
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\r[{bar}] {done}/{known} URLs", nl=False, err=True)
        self.visible = True

    def clear(self) -> None:
        """Erase the bar so the summary starts on a clean line."""
        if self.visible:
            click.echo("\r" + " " * 60 + "\r", nl=False, err=True)


def _fail(error: FreezerError) -> None:
    click.echo(f"Error: {error}", err=True)
    sys.exit(error.exit_code)


def _load_app(app_spec: str | None) -> tuple[Site, ProjectSettings, ModuleType]:
    """Load the site (from --app, [tool.freezer] app, or ./app.py) and its project settings."""
    cwd = Path.cwd()
    if app_spec is None:
        project = read_project_settings(cwd)
        app_value = project.values.get("app")
        if app_value is not None:
            is_path = app_value.split(":")[0].endswith(".py") or "/" in app_value
            app_spec = str(project.folder / app_value) if is_path else app_value
            if not is_path and str(project.folder) not in sys.path:
                sys.path.insert(0, str(project.folder))
    site, module = load_app(app_spec, cwd)
    project = read_project_settings(Path(site.root_path))
    site.markdown_engine = project.values.get("markdown_engine", site.markdown_engine)
    return site, project, module


def _pick(flag: Any, project: ProjectSettings, key: str, default: Any) -> Any:
    if flag is not None:
        return flag
    return project.values.get(key, default)


def make_freezer(
    site: Site, project: ProjectSettings, module: ModuleType | None = None, **flags: Any
) -> Freezer:
    """Build the Freezer from command-line flags over [tool.freezer] over defaults."""
    dest_flag: Path | None = flags.pop("dest", None)
    if dest_flag is not None:
        destination = dest_flag.resolve()
    else:
        destination = project.path("dest") or Path(site.root_path) / "build"
    config = BuildConfig(
        destination=destination,
        base_url=_pick(flags.get("base_url"), project, "base_url", None),
        relative_urls=_pick(flags.get("relative_urls"), project, "relative_urls", False),
        jobs=_pick(flags.get("jobs"), project, "jobs", default_jobs()),
        strict=_pick(flags.get("strict"), project, "strict", False),
        force=_pick(flags.get("force"), project, "force", False),
        exclude=tuple(project.values.get("exclude", ())),
        sitemap=project.values.get("sitemap", True),
        static_dotfiles=tuple(project.values.get("static_dotfiles", (".well-known", ".nojekyll"))),
        incremental=_pick(flags.get("incremental"), project, "incremental", True),
    )
    freezer = Freezer(site, config=config)
    freezer.generators.extend(_registered_generators(site, module))
    return freezer


def _registered_generators(site: Site, module: ModuleType | None) -> list[Any]:
    """Generators a Frozen-Flask style ``freeze.py`` registered on a Freezer for this site."""
    found: list[Any] = []
    for source in (module, sys.modules.get(site.import_name)):
        for value in vars(source).values() if source is not None else ():
            if isinstance(value, Freezer) and value.site is site:
                found.extend(g for g in value.generators if g not in found)
    return found


app_option = click.option(
    "--app",
    "app_spec",
    metavar="MODULE:ATTR|PATH",
    help="The site: a .py file, a module, or module:attr. Default: app.py here.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="freezer")
def cli() -> None:
    """Freeze a site written like a Flask app into static files."""


@cli.command()
@app_option
@click.option("--dest", type=click.Path(file_okay=False, path_type=Path), help="Output folder.")
@click.option("--base-url", help="Where the site will live, e.g. https://me.github.io/repo/.")
@click.option(
    "--relative-urls/--no-relative-urls", default=None, help="Make internal links relative."
)
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes.")
@click.option("--strict/--no-strict", default=None, help="Fail the build on any warning.")
@click.option(
    "--force", is_flag=True, default=None, help="Build into a folder freezer did not write."
)
@click.option(
    "--incremental/--no-incremental",
    default=None,
    help="Reuse pages whose inputs did not change (default), or render every page.",
)
def build(app_spec: str | None, **flags: Any) -> None:
    """Crawl the site and write it as static files."""
    progress = Progress()
    try:
        site, project, module = _load_app(app_spec)
        report = make_freezer(site, project, module, **flags).build(progress=progress)
    except FreezerError as error:
        progress.clear()
        _fail(error)
    except KeyboardInterrupt:
        progress.clear()
        click.echo("Interrupted: the previous build was left as it was.", err=True)
        sys.exit(1)
    progress.clear()
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.removed:
        click.echo(f"removed {len(report.removed)} stale files of the previous build", err=True)
    click.echo(report.summary())


@cli.command()
@app_option
def routes(app_spec: str | None) -> None:
    """List the URL map, with how many URLs each rule expands to."""
    try:
        site, project, module = _load_app(app_spec)
        freezer = make_freezer(site, project, module)
        renderer = freezer.renderer()
        counts: Counter[str] = Counter()
        site.building = True  # count what a build expands: drafts are left out
        for seed in freezer.seeds(renderer):
            try:
                rule, _ = renderer.adapter.match(seed.path, method="GET", return_rule=True)
            except RequestRedirect:
                continue  # a value that only redirects to another URL
            counts[rule.rule] += 1
    except FreezerError as error:
        _fail(error)
    rows = [("Rule", "Endpoint", "Methods", "URLs")]
    for rule in sorted(site.url_map.iter_rules(), key=lambda r: r.rule):
        methods = ",".join(sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}))
        if rule.endpoint in site.unfrozen_endpoints:
            count = "not frozen"
        elif "GET" not in (rule.methods or ()):
            count = "-"
        else:
            count = str(counts[rule.rule])
        rows.append((rule.rule, rule.endpoint, methods, count))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


@cli.command()
@app_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--built", is_flag=True, help="Build, then serve the files as GitHub Pages would.")
@click.option("--debug", is_flag=True, help="Show tracebacks in the browser (werkzeug debugger).")
@click.option("--unsafe-debug", is_flag=True, help="Allow --debug on a non-loopback host.")
def serve(
    app_spec: str | None, host: str, port: int, built: bool, debug: bool, unsafe_debug: bool
) -> None:
    """Preview the site, reloading the browser on every save."""
    from . import serve as preview

    _log_to_stderr()
    try:
        preview.check_host(host, debug, unsafe_debug)
        if built:

            def freezer_for(site: Site) -> Freezer:
                return make_freezer(site, read_project_settings(Path(site.root_path)))

            preview.serve_built(app_spec, host, port, freezer_for)
        else:
            preview.serve_live(app_spec, host, port, debug)
    except FreezerError as error:
        _fail(error)


def _log_to_stderr() -> None:
    """Send freezer's log lines (requests, rebuilds, errors) to stderr, one per line."""
    log = logging.getLogger("freezer")
    log.setLevel(logging.INFO)
    if not any(getattr(h, "freezer_cli", False) for h in log.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.freezer_cli = True  # type: ignore[attr-defined]
        log.addHandler(handler)


@cli.command()
@app_option
@click.option("--remote", help="The git remote to push to.  [default: origin]")
@click.option("--branch", help="The branch that holds the site.  [default: gh-pages]")
@click.option("--cname", metavar="DOMAIN", help="Write CNAME for a custom domain.")
@click.option("--message", "-m", help="Commit message.  [default: Publish <source commit>]")
@click.option("--no-push", is_flag=True, help="Commit the branch locally, do not push.")
@click.option("--no-build", is_flag=True, help="Publish the existing build as it is.")
@click.option("--strict/--no-strict", default=None, help="Refuse to publish a build with warnings.")
@click.option("--force", is_flag=True, help="Replace the branch's history with this build.")
@click.option("--workflow", is_flag=True, help="Write a GitHub Actions workflow instead.")
def publish(app_spec: str | None, **flags: Any) -> None:
    """Build the site and put it on GitHub Pages (the gh-pages branch)."""
    from . import publish as pages

    try:
        site, project, module = _load_app(app_spec)
        freezer = make_freezer(site, project, module, strict=flags["strict"])
        repo = pages.repository_of(Path(site.root_path))
        remote = flags["remote"] or project.values.get("remote", "origin")
        branch = flags["branch"] or project.values.get("branch", "gh-pages")
        cname = flags["cname"] or project.values.get("cname")
        if flags["workflow"]:
            app_file = Path(getattr(module, "__file__", None) or Path(site.root_path) / "app.py")
            target = pages.write_workflow(
                repo,
                app=os.path.relpath(app_file, repo),
                dest=os.path.relpath(freezer.config.destination, repo),
                branch=_source_branch(repo),
                install="-e ." if (repo / "pyproject.toml").exists() else "freezer",
                force=flags["force"],
            )
            click.echo(
                f"Wrote {target}. Commit it, then choose GitHub Actions in Settings > Pages."
            )
            return
        publisher = pages.Publisher(
            repo=repo,
            folder=freezer.config.destination,
            remote=remote,
            branch=branch,
            message=flags["message"],
            cname=cname,
            push=not flags["no_push"],
            force=flags["force"],
        )

        def build_site() -> None:
            warnings: list[str] = []
            if not flags["no_build"]:
                report = freezer.build()
                warnings.extend(report.warnings)
                click.echo(report.summary())
            remote_url = publisher.remote_url()
            if remote_url is not None:
                mismatch = pages.base_url_warning(remote_url, freezer.config.base_url, cname)
                if mismatch:
                    warnings.append(mismatch)
            for warning in warnings:
                click.echo(f"warning: {warning}", err=True)

        result = publisher.publish(build=build_site)
    except FreezerError as error:
        _fail(error)
    click.echo(result.summary())


def _source_branch(repo: Path) -> str:
    done = subprocess.run(
        ["git", "symbolic-ref", "--short", "HEAD"], cwd=repo, capture_output=True, text=True
    )
    return done.stdout.strip() or "main"


@cli.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """Write a small starter site into FOLDER (new or empty)."""
    try:
        written = create_site(folder)
    except FreezerError as error:
        _fail(error)
    for name in written:
        click.echo(f"  {folder / name}")
    click.echo(f"Created a site in {folder}. Next:\n  cd {folder}\n  freezer build")


def main() -> None:
    """Run the ``freezer`` command line."""
    try:
        cli(prog_name="freezer")
    except SystemExit as done:
        code = done.code
    else:
        code = 0
    if code is None:
        code = 0
    elif not isinstance(code, int):
        print(code, file=sys.stderr)
        code = 1
    # Leave without freeing the build's data object by object: after a large
    # build that takes longer than the interpreter's start (mypy does the same).
    try:
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


if __name__ == "__main__":
    main()
