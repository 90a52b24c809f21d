"""freezer: write a site like a Flask app, freeze it into static files."""

from __future__ import annotations

from markupsafe import Markup, escape

from .build import BuildReport, Freezer
from .errors import BuildError, FreezerError
from .globals import current_site, request
from .helpers import abort, make_response, redirect, url_for
from .site import Site
from .templating import render_template, render_template_string
from .wrappers import Request, Response

__all__ = [
    "BuildError",
    "BuildReport",
    "Freezer",
    "FreezerError",
    "Markup",
    "Request",
    "Response",
    "Site",
    "abort",
    "current_site",
    "escape",
    "make_response",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "url_for",
]
