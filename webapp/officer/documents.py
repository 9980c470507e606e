"""Documents that send organizations to villages: county docking lists and the list of
partnerships in force (letters: ``letter_views.py``)."""

from __future__ import annotations

from urllib.parse import quote

from flask import Response, abort, render_template
from flask_login import current_user
from sqlalchemy import select

from ..extensions import get_store
from ..scope import county_allows, scoped_world
from ..services.events import record_event
from ..sitedb import get_session
from ..sitedb.models import User as UserRow
from ..templating import service_label
from .blueprint import bp
from .docking import docking_workbook
from .listing import filter_args, paginate
from .world_cache import current_world

__all__ = ["partnerships", "docking_list"]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _attachment(data: bytes, mimetype: str, filename: str, ascii_name: str) -> Response:
    # RFC 6266/5987: a plain ASCII name for old clients, the Chinese one for the rest.
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": disposition})


@bp.get("/partnerships")
def partnerships():
    world = scoped_world(current_world(get_store()))
    args = filter_args("county", "q")
    rows = [
        v
        for v in world.villages.values()
        if v.supported
        and (not args.get("county") or v.county == args["county"])
        and (not args.get("q") or args["q"].lower() in (v.name + v.village_id).lower())
    ]
    rows.sort(key=lambda v: (world.counties.index(v.county), v.village_id))
    return render_template(
        "officer/partnerships.html",
        page=paginate(rows),
        args=args,
        counties=world.counties,
        world=world,
    )


def _contacts(org_ids: set[str]) -> dict[str, str]:
    """How to reach organizations, where known: their accounts on this site."""
    rows = get_session().scalars(
        select(UserRow).where(
            UserRow.role == "organization", UserRow.status == "active", UserRow.org_id.is_not(None)
        )
    )
    out: dict[str, str] = {}
    for r in rows:
        if r.org_id in org_ids:
            who = r.display_name or r.username
            out[r.org_id] = f"平台账号 {r.username}" + (f"（{who}）" if who != r.username else "")
    return out


@bp.get("/docking/<county>.xlsx")
def docking_list(county: str):
    world = scoped_world(current_world(get_store()))
    if county not in world.counties or not county_allows(county):  # outside the officer's scope
        abort(404)
    org_ids = {m["org_id"] for v in world.villages.values() if v.county == county for m in v.group}
    data = docking_workbook(
        world, county, service_label, _contacts(org_ids), issued_by=current_user.actor
    )
    record_event(get_store(), current_user.actor, "export_docking_list", f"county:{county}")
    return _attachment(data, XLSX, f"{county}对接清单.xlsx", "docking-list.xlsx")
