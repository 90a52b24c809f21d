"""Jinja templates: the site's environment and ``render_template``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, Template, select_autoescape

from .globals import current_site, request
from .markup import markdown_filter

if TYPE_CHECKING:
    from .site import Site


def create_jinja_env(site: Site) -> Environment:
    """Return the Jinja environment for ``site``: its templates folder, autoescaped HTML and XML."""
    from .helpers import url_for

    loader = FileSystemLoader(site.template_folder) if site.template_folder else None
    env = Environment(
        loader=loader,
        autoescape=select_autoescape(
            ["html", "htm", "xml", "xhtml", "svg"], default_for_string=True
        ),
        auto_reload=True,
    )
    env.globals.update(url_for=url_for, request=request, site=current_site, config=site.config)
    env.filters["markdown"] = markdown_filter
    return env


def _context(extra: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    for processor in current_site.context_processors:
        context.update(processor())
    context.update(extra)
    return context


def render_template(
    template_name_or_list: str | Template | Sequence[str | Template], /, **context: Any
) -> str:
    """Render a template from the site's templates folder with ``context``.

    Example::

        return render_template("post.html", post=post)

    A list of names renders the first that exists.
    """
    names = template_name_or_list
    if not isinstance(names, (str, Template)):
        names = list(names)
    template = current_site.jinja_env.get_or_select_template(names)
    return template.render(_context(context))


def render_template_string(source: str, /, **context: Any) -> str:
    """Render a template given as a string (autoescaped) with ``context``."""
    return current_site.jinja_env.from_string(source).render(_context(context))
