"""Who lives in a demo world: villages and their needs, organizations and their capabilities,
volunteers and their skills. Drawn by :func:`graph_schema.demo.generate_world`, whose docstring
describes the model; every function takes the world's ``numpy`` generator and returns arrays.

Examples
--------
>>> import numpy as np
>>> from graph_schema.demo.places import geography
>>> v = villages(np.random.default_rng(0), geography("city"), 10)
>>> len(v["lat"]), bool((v["poor"] <= v["population"]).all())
(10, True)
"""

from __future__ import annotations

import numpy as np

from ..contract.vocabulary import SERVICES
from .names import categorical, org_names
from .places import Geography

__all__ = ["villages", "needs", "organizations", "capabilities", "volunteers", "NAME_RANK"]

S = len(SERVICES)
#: how often a village needs each service (order of SERVICES)
_NEED_W = np.array([0.80, 0.60, 0.35, 0.30, 0.60, 0.30, 0.35, 0.60, 0.25, 0.20, 0.30])
#: how often an organization of each kind offers each service
_OFFER_W = np.array(
    [
        [0.80, 0.60, 0.40, 0.016, 0.60, 0.30, 1.00, 1.00, 0.022, 0.020, 0.030],  # social_group
        [1.00, 0.90, 0.40, 0.032, 0.50, 0.30, 0.50, 0.40, 0.028, 0.016, 0.020],  # service_agency
        [0.40, 0.50, 0.90, 0.028, 0.30, 0.20, 0.30, 1.00, 0.012, 0.080, 0.040],  # foundation
    ]
)
#: each service code's place in alphabetical order, and back
NAME_RANK = np.argsort(np.argsort(np.array(SERVICES)))
_BY_RANK = np.argsort(np.array(SERVICES))
_SKILL_W = np.array([0.9, 0.7, 0.6, 0.2, 0.5, 0.4, 0.8, 0.5, 0.2, 0.1, 0.3])


def _top_k(
    rng: np.random.Generator, weights: np.ndarray, k: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For row i, ``k[i]`` distinct services drawn by ``weights`` (one row per item, or shared).

    Returns ``(row, service)`` sorted by row, the first service of a row the most likely one.
    """
    keys = np.log(np.broadcast_to(weights, (len(k), S))) + rng.gumbel(size=(len(k), S))
    order = np.argsort(-keys, axis=1)[:, : int(k.max(initial=1))]
    take = np.arange(order.shape[1]) < k[:, None]
    return np.repeat(np.arange(len(k)), k), order[take]


def _scatter(
    rng, geo: Geography, county: np.ndarray, spread: float
) -> tuple[np.ndarray, np.ndarray]:
    r = geo.radius[county] * spread
    lat = geo.lat[county] + rng.normal(0, 1, len(county)) * r
    lon = geo.lon[county] + rng.normal(0, 1, len(county)) * r / np.cos(np.radians(lat))
    b = geo.box
    return np.round(np.clip(lat, b[0], b[1]), 5), np.round(np.clip(lon, b[2], b[3]), 5)


def villages(rng, geo: Geography, n: int) -> dict[str, np.ndarray]:
    county = categorical(rng, n, geo.village_weight)
    lat, lon = _scatter(rng, geo, county, 1.0)
    town = geo.town_start[county] + (rng.random(n) * geo.town_count[county]).astype(np.int64)
    population = np.clip(np.round(rng.lognormal(np.log(1200), 0.55, n)), 150, 8000).astype(np.int64)
    rate = rng.beta(2.0, 9.0, n) + 0.02
    poor = np.round(population / 3.1 * rate).astype(np.int64)
    return {
        "county": county,
        "lat": lat,
        "lon": lon,
        "town": town,
        "population": population,
        "poor": poor,
        "hardship": (rate - rate.mean()) / rate.std(),
    }


def needs(rng, hardship: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    k = 2 + categorical(rng, len(hardship), [0.3, 0.35, 0.25, 0.1])
    row, service = _top_k(rng, _NEED_W, k)
    urgent = np.array([0.0] * S)
    urgent[SERVICES.index("emergency_relief")] = 0.5
    urgent[SERVICES.index("medical")] = 0.3
    sev = 2.5 + 0.9 * hardship[row] + urgent[service] + rng.normal(0, 1, len(row))
    order = np.lexsort((NAME_RANK[service], row))  # key order, so writing needs no sort
    return row[order], service[order], np.clip(np.round(sev), 1, 5).astype(np.int64)[order]


def organizations(rng, geo: Geography, n: int, scale: str) -> dict[str, np.ndarray]:
    county = categorical(rng, n, geo.org_weight)
    kind = categorical(rng, n, [0.45, 0.50, 0.05])
    quality = rng.normal(0, 1, n)
    lat, lon = _scatter(rng, geo, county, 0.45)
    head = rng.lognormal(np.log(18) + 0.3 * quality - 0.8 * (kind == 2), 0.9)
    volunteers = np.clip(np.round(head), 0, 5000).astype(np.int64)
    max_villages = np.clip(1 + rng.poisson(0.2 + 0.3 * np.log1p(volunteers)), 1, 5)
    rated = rng.random(n) < 1 / (1 + np.exp(0.3 - 0.8 * quality - 0.3 * np.log(head / 18)))
    rating = np.where(rated, np.clip(np.round(3 + 0.9 * quality + rng.normal(0, 0.7, n)), 1, 5), 0)
    party = rng.random(n) < 1 / (1 + np.exp(0.6 - 0.5 * quality - 0.3 * (rating >= 4)))
    # a share of organizations is registered at the region (泰安市, 济南市, 河南省) rather than the county
    regional = rng.random(n) < {"city": 0.3, "province": 0.2, "nation": 0.02}[scale]
    n_county = len(geo.county)
    area = np.where(regional, n_county + geo.region[county], county)
    area_names = np.concatenate([geo.county, np.array(geo.region_names, dtype=object)]).astype(str)
    names = org_names(
        rng, kind, area, area_names, geo.town.astype(str), geo.town_start, geo.town_count, county
    )
    return {
        "county": county,
        "kind": kind,
        "quality": quality,
        "lat": lat,
        "lon": lon,
        "volunteers": volunteers,
        "max_villages": max_villages,
        "rating": rating,
        "party": party,
        "name": names,
    }


def capabilities(rng, kind: np.ndarray, quality: np.ndarray):
    k = 1 + categorical(rng, len(kind), [0.3, 0.35, 0.22, 0.13])
    row, service = _top_k(rng, _OFFER_W[kind], k)
    primary = np.r_[True, row[1:] != row[:-1]]
    level = 2.4 + 0.7 * quality[row] + 0.6 * primary + rng.normal(0, 0.9, len(row))
    order = np.lexsort((NAME_RANK[service], row))
    return row[order], service[order], np.clip(np.round(level), 1, 5).astype(np.int64)[order]


def volunteers(rng, geo: Geography, orgs: dict, caps: tuple, n: int):
    n_orgs = len(orgs["county"])
    member = (rng.random(n) < 0.7) & (n_orgs > 0)
    weight = orgs["volunteers"] + 1.0
    org = np.where(member, categorical(rng, n, weight), -1)
    home = categorical(rng, n, geo.org_weight)
    county = np.where(member, orgs["county"][np.maximum(org, 0)], home)
    lat, lon = _scatter(rng, geo, county, 0.8)
    near = np.maximum(org, 0)
    lat = np.where(member, np.round(orgs["lat"][near] + rng.normal(0, 0.03, n), 5), lat)
    lon = np.where(member, np.round(orgs["lon"][near] + rng.normal(0, 0.03, n), 5), lon)
    lat, lon = np.clip(lat, geo.box[0], geo.box[1]), np.clip(lon, geo.box[2], geo.box[3])
    hours = np.clip(np.round(rng.gamma(2.0, 6.0, n) + 4 * member), 1, 160)
    # skills: up to three draws, the org's own services likely; repeats within a volunteer dropped
    cap_row, cap_service, _ = caps
    cap_start = np.searchsorted(cap_row, np.arange(n_orgs))
    cap_count = np.bincount(cap_row, minlength=n_orgs)
    k = 1 + categorical(rng, n, [0.45, 0.35, 0.2])
    draws = np.empty((n, 3), dtype=np.int64)
    for j in range(3):
        own = member & (rng.random(n) < 0.6)
        pick = cap_start[near] + (rng.random(n) * cap_count[near]).astype(np.int64)
        draws[:, j] = np.where(
            own, cap_service[np.minimum(pick, len(cap_service) - 1)], categorical(rng, n, _SKILL_W)
        )
    keep = np.arange(3)[None, :] < k[:, None]
    keep[:, 1] &= draws[:, 1] != draws[:, 0]
    keep[:, 2] &= (draws[:, 2] != draws[:, 0]) & (draws[:, 2] != draws[:, 1])
    # each volunteer's skills in key order (by service code), dropped draws last
    ranked = np.where(keep, NAME_RANK[draws], S)
    ranked.sort(axis=1)
    keep = ranked < S
    skill_row = np.broadcast_to(np.arange(n)[:, None], (n, 3))[keep]
    return {
        "org": org,
        "county": county,
        "lat": lat,
        "lon": lon,
        "hours": hours,
        "skill_row": skill_row,
        "skill_service": _BY_RANK[ranked[keep]],
    }
