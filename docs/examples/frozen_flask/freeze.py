"""Build the site from Python, with Frozen-Flask style URL generators."""

from app import site

from freezer import Freezer

freezer = Freezer(site, destination="build")


@freezer.register_generator
def product_details():  # dicts: values for the endpoint named like the function
    yield {"product_id": 1}


@freezer.register_generator
def more_products():
    yield "product_details", {"product_id": 5}  # an (endpoint, values) tuple
    yield "/product_1/"  # a URL; seen twice, built once


if __name__ == "__main__":
    report = freezer.build()
    print(report.summary())
