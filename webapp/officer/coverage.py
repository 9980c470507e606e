"""Coverage figures for the dashboard: per county, per service, capacity, and the map's points.

Everything here is computed from a :class:`~webapp.officer.queries.World` and cached on it, so the
dashboard costs one computation per change of the stored data. The map's projection and its
organization points do not depend on the partnerships and outlive an approval (``World.lasting``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from graph_schema.contract.vocabulary import SERVICES

from .queries import World

__all__ = ["CountyStats", "ServiceStats", "dashboard_data", "map_points", "COUNTY_COLOURS"]

#: one colour per county, in county order (colour-blind-friendly palette, then greys)
COUNTY_COLOURS = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#8c6d31",
    "#7f7f7f",
)


@dataclass
class CountyStats:
    county: str
    colour: str
    villages: int = 0
    supported: int = 0
    needs: int = 0
    uncovered_needs: int = 0
    orgs: int = 0
    capacity: int = 0
    used: int = 0

    @property
    def unsupported(self) -> int:
        return self.villages - self.supported


@dataclass
class ServiceStats:
    service: str
    villages_needing: int = 0  # villages with this need
    covered: int = 0  # ...whose group in force provides it
    unsupported: int = 0  # ...with no group at all
    orgs_providing: int = 0
    capacity_left: int = 0  # villages that organizations providing it can still take on

    @property
    def uncovered(self) -> int:
        return self.villages_needing - self.covered


def colour_of(world: World, county: str) -> str:
    try:
        return COUNTY_COLOURS[world.counties.index(county) % len(COUNTY_COLOURS)]
    except ValueError:
        return COUNTY_COLOURS[-1]


def _compute(world: World) -> dict:
    counties = {c: CountyStats(c, colour_of(world, c)) for c in world.counties}
    services = {s: ServiceStats(s) for s in SERVICES}
    for v in world.villages.values():
        c = counties[v.county]
        c.villages += 1
        c.supported += v.supported
        c.needs += len(v.needs)
        c.uncovered_needs += len(v.uncovered)
        for s in v.needs:
            stats = services.setdefault(s, ServiceStats(s))
            stats.villages_needing += 1
            stats.covered += s in v.covered
            stats.unsupported += not v.supported
    usage = {"idle": 0, "partly": 0, "full": 0, "none": 0}
    for o in world.orgs.values():
        c = counties[o.county]
        c.orgs += 1
        c.capacity += o.max_villages
        c.used += o.used
        for s in o.levels:
            if s in services:
                services[s].orgs_providing += 1
                services[s].capacity_left += o.capacity_left
        if o.max_villages == 0:
            usage["none"] += 1
        elif o.used == 0:
            usage["idle"] += 1
        elif o.used < o.max_villages:
            usage["partly"] += 1
        else:
            usage["full"] += 1
    villages = len(world.villages)
    supported = sum(c.supported for c in counties.values())
    capacity = sum(c.capacity for c in counties.values())
    used = sum(c.used for c in counties.values())
    return {
        "counties": [c for c in counties.values() if c.villages or c.orgs],
        "services": [s for s in services.values() if s.villages_needing or s.orgs_providing],
        "usage": usage,
        "totals": {
            "villages": villages,
            "supported": supported,
            "unsupported": villages - supported,
            "needs": sum(c.needs for c in counties.values()),
            "uncovered_needs": sum(c.uncovered_needs for c in counties.values()),
            "orgs": len(world.orgs),
            "capacity": capacity,
            "used": used,
            "used_pct": round(100 * used / capacity, 1) if capacity else 0.0,
        },
    }


def dashboard_data(world: World) -> dict:
    """Per-county and per-service coverage, capacity use and totals (cached on ``world``)."""
    if "dashboard" not in world.cache:
        world.cache["dashboard"] = _compute(world)
    return world.cache["dashboard"]


def _projection(world: World, width: float, height: float, pad: float):
    lats = [v.lat for v in world.villages.values()] + [o.lat for o in world.orgs.values()]
    lons = [v.lon for v in world.villages.values()] + [o.lon for o in world.orgs.values()]
    if not lats:
        return lambda lat, lon: (width / 2, height / 2), height
    lat0, lat1, lon0, lon1 = min(lats), max(lats), min(lons), max(lons)
    # Equirectangular projection around the mean latitude: true shape at a city's scale.
    kx = math.cos(math.radians((lat0 + lat1) / 2))
    span_x = max((lon1 - lon0) * kx, 1e-6)
    span_y = max(lat1 - lat0, 1e-6)
    scale = (width - 2 * pad) / span_x
    height = min(max(span_y * scale + 2 * pad, 200.0), 900.0)
    scale = min(scale, (height - 2 * pad) / span_y)

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (
            round(pad + (lon - lon0) * kx * scale, 1),
            round(height - pad - (lat - lat0) * scale, 1),
        )

    return project, height


def _map_frame(world: World, width: float) -> dict:
    """The projection, the height and the organization points (cached until villages or
    organizations change, not by an approval)."""
    key = ("map_frame", width)
    if key not in world.lasting:
        project, height = _projection(world, width, 0.8 * width, 14.0)
        orgs = []
        for o in world.orgs.values():
            x, y = project(o.lat, o.lon)
            orgs.append({"x": x, "y": y, "colour": colour_of(world, o.county)})
        world.lasting[key] = {"project": project, "height": round(height, 1), "orgs": orgs}
    return world.lasting[key]


def map_points(world: World, width: float = 760.0) -> dict:
    """Villages and organizations projected to SVG coordinates, coloured by county (cached)."""
    if "map" in world.cache:
        return world.cache["map"]
    frame = _map_frame(world, width)
    project = frame["project"]
    villages = []
    for v in world.villages.values():
        x, y = project(v.lat, v.lon)
        villages.append(
            {"id": v.village_id, "name": v.name, "x": x, "y": y, "supported": v.supported}
            | {"colour": colour_of(world, v.county), "county": v.county}
        )
    links = []
    for v in world.villages.values():
        vx, vy = project(v.lat, v.lon)
        for m in v.group:
            partner = world.orgs.get(m["org_id"])
            if partner is not None:
                ox, oy = project(partner.lat, partner.lon)
                links.append((vx, vy, ox, oy))
    legend = [(c, colour_of(world, c)) for c in world.counties]
    out = {
        "width": width,
        "height": frame["height"],
        "villages": villages,
        "orgs": frame["orgs"],
        "links": links,
        "legend": legend,
    }
    world.cache["map"] = out
    return out
