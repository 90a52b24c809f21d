"""Every way to tell the build which values a rule takes."""

from freezer import Site

site = Site(__name__, static_folder=None)

PRODUCTS = [{"id": 1, "name": "Kettle"}, {"id": 5, "name": "Tea pot"}]
YEARS = [2024, 2025]


@site.route("/")
def index():
    return "<h1>Shop</h1>"  # links to nothing: the generators find every page


# region values-decorator
@site.route("/products/<int:product_id>/")
def product(product_id):
    return f"<h1>Product {product_id}</h1>"


@site.values("product")
def product_values():
    for item in PRODUCTS:
        yield {"product_id": item["id"]}


# endregion


# region values-argument
@site.route("/archive/<int:year>/", values=lambda: ({"year": y} for y in YEARS))
def archive(year):
    return f"<h1>{year}</h1>"


# endregion


# region any-converter
@site.route("/<any(en,fr):lang>/about/")
def about(lang):
    return {"en": "<h1>About</h1>", "fr": "<h1>À propos</h1>"}[lang]


# endregion


# region freeze-false
@site.route("/search/<query>/", freeze=False)
def search(query):
    return f"<p>Results for {query}</p>"  # needs a server: site.run() serves it, no build


# endregion
