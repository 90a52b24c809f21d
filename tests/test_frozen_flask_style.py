"""A site written as Frozen-Flask users write theirs freezes to exactly the expected tree,
and the tree works when a real static file server serves it from a sub-path."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

from freezer import Freezer, Site, redirect, render_template, url_for

from .conftest import PYTHON, free_port, http_get, wait_for, write
from .test_build import tree

PRODUCTS = {1: "Kettle", 5: "Tea pot", 10: "Cup"}


@pytest.fixture
def shop(tmp_path):
    write(
        tmp_path / "templates/base.html",
        """
        <!doctype html><title>{% block title %}{% endblock %} · Shop</title>
        <link rel="stylesheet" href="{{ url_for('static', filename='style.css') }}">
        <nav><a href="{{ url_for('index') }}">Home</a> <a href="{{ url_for('about') }}">About</a></nav>
        {% block body %}{% endblock %}
        """,
    )
    write(
        tmp_path / "templates/index.html",
        """
        {% extends "base.html" %}{% block title %}Home{% endblock %}{% block body %}
        <ul>{% for id, name in products %}<li><a href="{{ url_for('product', product_id=id) }}">{{ name }}</a></li>{% endfor %}</ul>
        {% endblock %}
        """,
    )
    write(
        tmp_path / "templates/product.html",
        """
        {% extends "base.html" %}{% block title %}{{ name }}{% endblock %}{% block body %}
        <h1>{{ name }}</h1><img src="{{ url_for('static', filename='img/product.svg') }}" alt="">
        {% endblock %}
        """,
    )
    write(tmp_path / "static/style.css", "body { background: url(img/bg.svg) }\n")
    write(tmp_path / "static/img/bg.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>")
    write(
        tmp_path / "static/img/product.svg",
        "<svg xmlns='http://www.w3.org/2000/svg'><circle r='1'/></svg>",
    )
    site = Site("shop", root_path=tmp_path)

    @site.route("/")
    def index():
        return render_template("index.html", products=sorted(PRODUCTS.items()))

    @site.route("/about/")
    def about():
        return render_template("base.html")

    @site.route("/product_<int:product_id>/")
    def product(product_id):
        return render_template("product.html", name=PRODUCTS[product_id])

    @site.route("/robots.txt")
    def robots():
        return "User-agent: *\nAllow: /\n", {"Content-Type": "text/plain; charset=utf-8"}

    @site.route("/shop/")
    def old_shop():
        return redirect(url_for("index"))

    @site.route("/cart/", methods=["POST"])
    def add_to_cart():
        raise AssertionError("a POST view must never be called by a build")

    return site


def test_whole_tree(shop, tmp_path):
    freezer = Freezer(shop, base_url="https://shop.example.org/")

    @freezer.register_generator
    def old_shop():
        yield {}

    report = freezer.build()
    files = tree(tmp_path / "build")
    assert sorted(files) == [
        "about/index.html",
        "index.html",
        "product_1/index.html",
        "product_10/index.html",
        "product_5/index.html",
        "robots.txt",
        "shop/index.html",
        "sitemap.xml",
        "static/img/bg.svg",
        "static/img/product.svg",
        "static/style.css",
    ]
    assert report.warnings == []
    assert files["robots.txt"] == b"User-agent: *\nAllow: /\n"
    assert b"<title>Tea pot \xc2\xb7 Shop</title>" in files["product_5/index.html"]
    assert b'url=https://shop.example.org/"' in files["shop/index.html"]
    assert files["static/style.css"] == b"body { background: url(img/bg.svg) }\n"
    assert files["sitemap.xml"].count(b"<loc>") == 5  # the pages, not the redirect
    expected_index = (
        '<a href="/product_1/">Kettle</a></li><li><a href="/product_5/">Tea pot</a></li>'
        '<li><a href="/product_10/">Cup</a>'
    )
    assert expected_index in files["index.html"].decode()


def test_relative_build_works_from_a_static_server_under_any_path(shop, tmp_path, spawn):
    Freezer(shop, destination=tmp_path / "www/deep/site", relative_urls=True).build()
    port = free_port()
    spawn(
        [
            PYTHON,
            "-m",
            "http.server",
            str(port),
            "--bind",
            "127.0.0.1",
            "--directory",
            str(tmp_path / "www"),
        ]
    )
    root = f"http://127.0.0.1:{port}/deep/site/"
    wait_for(lambda: http_get(root + "index.html")[0] == 200, what="static server")
    seen: set[str] = set()
    queue = [root + "index.html"]
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        status, headers, body = http_get(url)
        assert status == 200, url
        if headers.get("Content-type", "").startswith(("text/html", "text/css")):
            for link in re.findall(r'(?:href|src)="([^"#]+)"|url\(([^)]+)\)', body.decode()):
                target = urljoin(url, link[0] or link[1])
                if target.startswith(root):
                    queue.append(target)
    names = {url[len(root) :] for url in seen}
    assert {
        "index.html",
        "about/index.html",
        "product_5/index.html",
        "static/style.css",
        "static/img/bg.svg",
    } <= names
