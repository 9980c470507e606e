"""Villages: the list with filters and paging, and one village's page."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import get_store
from ..scope import scoped_world
from ..services import ending
from ..services.runs import latest_recommendation
from .blueprint import bp
from .listing import filter_args, paginate
from .queries import VillageRow, World
from .world_cache import current_world

__all__ = ["villages", "village", "end_group", "filter_villages"]

_FILTERS = ("county", "town", "service", "supported", "q")


def filter_villages(world: World, args: dict[str, str]) -> list[VillageRow]:
    """Villages matching the filters (county, town, service needed, supported yes/no, name or id)."""
    county, town, service = args.get("county"), args.get("town"), args.get("service")
    supported, q = args.get("supported"), args.get("q", "").lower()
    out = []
    for v in world.villages.values():
        if county and v.county != county:
            continue
        if town and v.town != town:
            continue
        if service and service not in v.needs:
            continue
        if supported == "yes" and not v.supported or supported == "no" and v.supported:
            continue
        if q and q not in v.name.lower() and q not in v.village_id.lower():
            continue
        out.append(v)
    # Unsupported villages with the most urgent needs first: the officer's work list.
    out.sort(key=lambda v: (v.supported, -max(v.needs.values(), default=0), v.village_id))
    return out


@bp.get("/villages")
def villages():
    world = scoped_world(current_world(get_store()))
    args = filter_args(*_FILTERS)
    page = paginate(filter_villages(world, args))
    return render_template(
        "officer/villages.html",
        page=page,
        args=args,
        counties=world.counties,
        towns=world.towns(args.get("county")),
        world=world,
    )


@bp.get("/villages/<village_id>")
def village(village_id: str):
    world = scoped_world(current_world(get_store()))
    row = world.villages.get(village_id)
    if row is None:
        abort(404)
    projects = world.village_projects(village_id)
    scores = [p["score"] for p in projects if p["score"] is not None]
    return render_template(
        "officer/village.html",
        v=row,
        world=world,
        projects=projects,
        mean_score=sum(scores) / len(scores) if scores else None,
        recommendation=latest_recommendation(village_id),
    )


@bp.post("/villages/<village_id>/end")
def end_group(village_id: str):
    if village_id not in scoped_world(current_world(get_store())).villages:
        abort(404)  # unknown, or outside the officer's county (webapp/scope.py)
    reason = request.form.get("reason", "").strip()
    if not reason:
        flash(_("请填写结束帮扶关系的理由"), "error")
    else:
        # each letter of the ended group gets a 撤销 record; the letters stay as issued
        ended = ending.end_group(
            get_store(), village_id, current_user.actor, reason, current_app.config
        )
        if ended.ended:
            flash(_("已结束该村的帮扶关系（%(n)s 个组织）", n=ended.ended), "success")
    return redirect(url_for("officer.village", village_id=village_id))
