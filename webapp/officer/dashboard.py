"""The officer's overview: coverage per county and per service, capacity use, and the map."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from ..extensions import get_store
from .blueprint import bp
from .coverage import dashboard_data, map_points
from .queries import World
from .world_cache import current_world

__all__ = ["dashboard", "dashboard_figures"]


def dashboard_figures(world: World) -> Markup:
    """The dashboard's figures as HTML, rendered once per version of the data and language.

    They are the same for every officer, and rendering them (the map alone has some 2,600 SVG
    elements at city scale) cost ~40 ms a request; the organization layer of the map outlives an
    approval, the rest is rendered again after one.
    """
    key = ("dashboard_html", str(get_locale()), request.script_root)
    figures = world.cache.get(key)
    if figures is None:
        points = map_points(world)
        layer_key = ("map_orgs_html", points["width"])
        if layer_key not in world.lasting:
            world.lasting[layer_key] = Markup(render_template("officer/_map_orgs.html", map=points))
        figures = Markup(
            render_template(
                "officer/_dashboard_body.html",
                map=points,
                orgs_layer=world.lasting[layer_key],
                **dashboard_data(world),
            )
        )
        world.cache[key] = figures
    return figures


@bp.get("/")
def dashboard():
    return render_template(
        "officer/dashboard.html", figures=dashboard_figures(current_world(get_store()))
    )
