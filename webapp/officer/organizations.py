"""Organizations: the list with filters and paging, and one organization's page."""

from __future__ import annotations

from flask import abort, render_template

from ..extensions import get_store
from .blueprint import bp
from .listing import filter_args, paginate
from .queries import OrgRow, World
from .world_cache import current_world

__all__ = ["organizations", "organization", "filter_orgs"]

_FILTERS = ("county", "service", "kind", "capacity", "q")


def filter_orgs(world: World, args: dict[str, str]) -> list[OrgRow]:
    """Organizations matching the filters (county, service provided, kind, capacity left, name)."""
    county, service, kind = args.get("county"), args.get("service"), args.get("kind")
    free, q = args.get("capacity") == "free", args.get("q", "").lower()
    out = []
    for o in world.orgs.values():
        if county and o.county != county:
            continue
        if service and service not in o.levels:
            continue
        if kind and o.kind != kind:
            continue
        if free and o.capacity_left < 1:
            continue
        if q and q not in o.name.lower() and q not in o.org_id.lower():
            continue
        out.append(o)
    if service:  # the strongest in the service first
        out.sort(key=lambda o: (-o.levels.get(service, 0), -o.capacity_left, o.org_id))
    else:
        out.sort(key=lambda o: o.org_id)
    return out


@bp.get("/organizations")
def organizations():
    world = current_world(get_store())
    args = filter_args(*_FILTERS)
    return render_template(
        "officer/organizations.html",
        page=paginate(filter_orgs(world, args)),
        args=args,
        counties=world.counties,
        world=world,
    )


@bp.get("/organizations/<org_id>")
def organization(org_id: str):
    world = current_world(get_store())
    org = world.orgs.get(org_id)
    if org is None:
        abort(404)
    projects = world.org_projects(org_id)
    partners = {}
    for village_id in org.villages:
        partners[village_id] = [
            m for m in world.villages[village_id].group if m["org_id"] != org_id
        ]
    return render_template(
        "officer/organization.html",
        o=org,
        world=world,
        projects=projects,
        partners=partners,
    )
