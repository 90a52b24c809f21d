"""Build a site from Python: list its URLs, build it, read the report."""

import sys

from freezer import BuildError, Freezer, Site, url_for

site = Site(__name__, static_folder=None)


@site.route("/")
def index():
    return f'<h1>Notes</h1><a href="{url_for("note", number=1)}">The first note</a>'


@site.route("/notes/<int:number>/")
def note(number):
    return f"<h1>Note {number}</h1>"


def main(destination="build"):
    freezer = Freezer(site, destination=destination, base_url="https://me.github.io/journal/")
    print("Will write:", *freezer.urls(), sep="\n  ")
    try:
        report = freezer.build()
    except BuildError as error:
        for problem in error.problems:
            print("error:", problem, file=sys.stderr)
        return 1
    for warning in report.warnings:
        print("warning:", warning, file=sys.stderr)
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
