"""Templates, their context, filters and globals, and static files under /assets/."""

from freezer import Site, render_template

site = Site(__name__, static_url_path="/assets")  # static/ is served at /assets/
site.config["SITE_NAME"] = "Field notes"


@site.template_filter()
def shout(text):
    return text.upper() + "!"


@site.template_global()
def menu():
    return [("index", "Home"), ("colophon", "Colophon")]


@site.context_processor
def owner():
    return {"owner": "Ada"}  # every template sees {{ owner }}


@site.route("/")
def index():
    # "name" is a context variable like any other.
    return render_template("index.html", name="World", note="<b>not bold</b>")


@site.route("/colophon/")
def colophon():
    return render_template("colophon.html", text="Built with *freezer* and **Jinja**.")


@site.route("/feed.xml")
def feed():
    xml = render_template("feed.xml", title="Notes & news")
    return xml, {"Content-Type": "application/atom+xml"}
