"""The ``freezer`` command: parses arguments, calls the library, prints, sets the exit code."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="freezer")
def cli() -> None:
    """Freeze a site written like a Flask app into static files."""


def main() -> None:
    """Run the ``freezer`` command line."""
    cli(prog_name="freezer")
