"""A Frozen-Flask site after the move: only the imports and Flask(__name__) changed."""

from freezer import Site, render_template

site = Site(__name__, static_folder=None)

PRODUCTS = {1: "Kettle", 5: "Tea pot"}


@site.route("/")
def products_list():
    return render_template("index.html", products=PRODUCTS)


@site.route("/product_<int:product_id>/")
def product_details(product_id):
    return render_template("product.html", name=PRODUCTS[product_id])
