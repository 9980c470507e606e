"""The officer's overview: coverage per county and per service, capacity use, and the map."""

from __future__ import annotations

import threading

from flask import render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from ..extensions import get_store
from ..scope import scoped_world
from .blueprint import bp
from .coverage import dashboard_data, map_points
from .map_svg import links_layer, orgs_layer, villages_layer
from .queries import World
from .world_cache import current_world

__all__ = ["dashboard", "dashboard_figures"]

_rendering = threading.Lock()


def _map_layers(world: World) -> Markup:
    points = map_points(world)
    lasting = world.lasting  # what an approval does not change: organization points, hrefs
    orgs_key, hrefs_key = ("map_orgs_svg", points["width"]), ("village_hrefs", request.script_root)
    if orgs_key not in lasting:
        lasting[orgs_key] = orgs_layer(points)
    if hrefs_key not in lasting:
        lasting[hrefs_key] = {
            v["id"]: url_for("officer.village", village_id=v["id"]) for v in points["villages"]
        }
    villages = villages_layer(points, lasting[hrefs_key], _("已帮扶"), _("未帮扶"))
    return links_layer(points) + lasting[orgs_key] + villages


def dashboard_figures(world: World) -> Markup:
    """The dashboard's figures as HTML, rendered once per version of the data and language.

    They are the same for every officer, and rendering them cost ~40 ms a request (the map has
    some 2,600 elements at city scale). After an approval each worker renders them once again:
    one thread does it while the others wait for its result instead of doing the same.
    """
    key = ("dashboard_html", str(get_locale()), request.script_root)
    figures = world.cache.get(key)
    if figures is not None:
        return figures
    with _rendering:
        figures = world.cache.get(key)
        if figures is None:
            figures = Markup(
                render_template(
                    "officer/_dashboard_body.html",
                    map=map_points(world),
                    map_layers=_map_layers(world),
                    **dashboard_data(world),
                )
            )
            world.cache[key] = figures
    return figures


@bp.get("/")
def dashboard():
    return render_template(
        "officer/dashboard.html",
        figures=dashboard_figures(scoped_world(current_world(get_store()))),
    )
