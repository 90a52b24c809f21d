"""The plain render-and-write floor: markdown + jinja2 + write, no framework.

Usage: python bench/floor.py CORPUS OUT [--jobs N] [--prebaked FILE]

Renders the same pages as bench/blog (one per post, the index, one per tag)
with the same templates and the same markdown extensions as freezer, writing
plain files. With --prebaked, markdown comes already converted (a pickle made
by --bake), so only jinja2 rendering and writing are timed.
"""

from __future__ import annotations

import argparse
import pickle
import re
from multiprocessing import Pool
from pathlib import Path

import jinja2
import markdown
import yaml

TEMPLATES = Path(__file__).parent / "blog" / "templates"
EXTENSIONS = ["tables", "fenced_code", "footnotes", "attr_list", "toc", "sane_lists", "codehilite"]
CONFIGS = {"toc": {"permalink": "#"}, "codehilite": {"guess_lang": False, "css_class": "highlight"}}
FRONT = re.compile(r"\A---\n(.*?\n)---\n", re.S)
ROUTES = {"index": "/", "post": "/posts/{slug}/", "tag": "/tags/{tag}/"}


class Post:
    def __init__(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8")
        match = FRONT.match(text)
        assert match is not None, path
        self.meta = yaml.load(match.group(1), Loader=yaml.CSafeLoader)
        self.body = text[match.end() :]
        self.slug = str(self.meta["slug"])
        self.title = self.meta["title"]
        self.date = self.meta["date"]
        self.tags = self.meta["tags"]
        self.html = ""


def url_for(endpoint: str, **values: str) -> str:
    return ROUTES[endpoint].format(**values)


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)
    env.globals["url_for"] = url_for
    return env


def write(out: Path, url: str, text: str) -> None:
    target = out / url.strip("/") / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def render_posts(
    args: tuple[list[Path], str, dict[str, str] | None],
) -> list[tuple[str, str, object, list[str]]]:
    paths, out, prebaked = args
    env = environment()
    template = env.get_template("post.html")
    converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=CONFIGS)
    summary = []
    for path in paths:
        post = Post(path)
        if prebaked is not None:
            post.html = prebaked[post.slug]
        else:
            post.html = converter.convert(post.body)
            converter.reset()
        post.html = jinja2.utils.markupsafe.Markup(post.html)
        write(Path(out), url_for("post", slug=post.slug), template.render(post=post))
        summary.append((post.slug, post.title, post.date, post.tags))
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("out")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--prebaked")
    parser.add_argument("--bake", help="convert all markdown into this pickle, then stop")
    args = parser.parse_args()
    paths = sorted((Path(args.corpus) / "posts").glob("*.md"))
    if args.bake:
        converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=CONFIGS)
        baked = {}
        for path in paths:
            post = Post(path)
            baked[post.slug] = converter.convert(post.body)
            converter.reset()
        Path(args.bake).write_bytes(pickle.dumps(baked))
        return
    prebaked = pickle.loads(Path(args.prebaked).read_bytes()) if args.prebaked else None
    chunks = [paths[i :: args.jobs] for i in range(args.jobs)]
    work = [(chunk, args.out, prebaked) for chunk in chunks]
    if args.jobs == 1:
        results = [render_posts(work[0])]
    else:
        with Pool(args.jobs) as pool:
            results = pool.map(render_posts, work)

    class Row:
        def __init__(self, row: tuple[str, str, object, list[str]]) -> None:
            self.slug, self.title, self.date, self.tags = row

    posts = sorted(
        (Row(r) for chunk in results for r in chunk), key=lambda p: (p.date, p.slug), reverse=True
    )
    env = environment()
    out = Path(args.out)
    write(out, "/", env.get_template("index.html").render(posts=posts))
    tag_template = env.get_template("tag.html")
    for tag in sorted({t for p in posts for t in p.tags}):
        write(
            out,
            url_for("tag", tag=tag),
            tag_template.render(tag=tag, posts=[p for p in posts if tag in p.tags]),
        )


if __name__ == "__main__":
    main()
