"""The officer's overview: coverage per county and per service, capacity use, and the map."""

from __future__ import annotations

from flask import render_template

from ..extensions import get_store
from .blueprint import bp
from .coverage import dashboard_data, map_points
from .queries import current_world

__all__ = ["dashboard"]


@bp.get("/")
def dashboard():
    world = current_world(get_store())
    data = dashboard_data(world)
    return render_template("officer/dashboard.html", map=map_points(world), **data)
