"""A world's tables in the data contract (``DATA_FORMAT.md``): what the matcher is given.

Only what a real data folder would hold: the hidden quality, communities, pair effects, reviewer
leniency and expected scores stay in the :class:`~bench.quality.world.World`.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

from graph_schema import SERVICE_LABELS_ZH, SERVICES, Dataset

__all__ = ["to_dataset", "village_ids", "org_ids"]

_SERVICES = np.array(SERVICES, dtype=object)
_LABELS = np.array([SERVICE_LABELS_ZH[s] for s in SERVICES], dtype=object)


def _ids(prefix: str, n: int, digits: int) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), digits)).astype(
        object
    )


def village_ids(n: int) -> np.ndarray:
    """Village ids in index order (``V00001``…: sorting them keeps the index order).

    Examples
    --------
    >>> village_ids(2).tolist()
    ['V00001', 'V00002']
    """
    return _ids("V", n, 5)


def org_ids(n: int) -> np.ndarray:
    """Organization ids in index order (``O000001``…).

    Examples
    --------
    >>> org_ids(1).tolist()
    ['O000001']
    """
    return _ids("O", n, 6)


def _dates(days: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days.astype("datetime64[D]"), unit="D").astype(object)


def _village_size(world) -> dict:
    """Population and poor households: proxies of the hidden hardship, not readings of it.

    Until session 35 the population was ``exp(6.5 + 0.4 hardship)`` exactly, so a model reading
    it would have read the hidden hardship itself. Now each is off by its own noise (correlation
    with the hardship about 0.8 for the log population, 0.7 for the share of poor households),
    drawn from a stream of its own so that nothing else in a world changes.
    """
    a = world.actors
    n = len(a.v_lat)
    rng = np.random.default_rng([world.seed, 35, zlib.crc32(world.spec.name.encode())])
    log_pop = 6.5 + 0.4 * a.v_hardship + 0.3 * rng.normal(0, 1, n)
    population = np.rint(np.exp(log_pop)).astype(np.int64)
    poor_rate = 1.0 / (1.0 + np.exp(1.4 - 0.5 * a.v_hardship - 0.5 * rng.normal(0, 1, n)))
    households = population / 3.1
    return {
        "population": population,
        "poor_households": np.rint(households * poor_rate).astype(np.int64),
    }


def to_dataset(world) -> Dataset:
    """The contract's tables of ``world``.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> to_dataset(w).counts()["organizations"]
    300
    """
    a, h = world.actors, world.history
    n_v, n_o = len(a.v_lat), len(a.o_lat)
    vid, oid = village_ids(n_v), org_ids(n_o)
    villages = pd.DataFrame(
        {
            "village_id": vid,
            "name": a.v_name,
            "county": a.county_names[a.v_county],
            "lat": np.round(a.v_lat, 5),
            "lon": np.round(a.v_lon, 5),
            **_village_size(world),
        }
    )
    nv, ns = np.nonzero(a.need_sev)
    needs = pd.DataFrame(
        {"village_id": vid[nv], "service": _SERVICES[ns], "severity": a.need_sev[nv, ns]}
    )
    orgs = pd.DataFrame(
        {
            "org_id": oid,
            "name": a.o_name,
            "kind": a.kind_codes,
            "county": a.county_names[a.o_county],
            "lat": np.round(a.o_lat, 5),
            "lon": np.round(a.o_lon, 5),
            "max_villages": a.o_capacity,
            "volunteers": a.o_volunteers,
            "rating": world.rating,
            "has_party_branch": a.o_party,
        }
    )
    co, cs = np.nonzero(a.o_level)
    caps = pd.DataFrame({"org_id": oid[co], "service": _SERVICES[cs], "level": a.o_level[co, cs]})
    n_p = len(h["lead"])
    pid = _ids("P", n_p, 7)
    year = h["start"].astype("datetime64[Y]").astype(int) + 1970
    projects = pd.DataFrame(
        {
            "project_id": pid,
            "name": np.char.mod("%d年", year).astype(object)
            + a.v_name[h["village"]]
            + _LABELS[h["service"]]
            + "项目",
            "lead_org_id": oid[h["lead"]],
            "service": _SERVICES[h["service"]],
            "village_id": vid[h["village"]],
            "start_date": _dates(h["start"]),
            "end_date": _dates(h["end"]),
            "budget_yuan": h["budget"],
        }
    )
    best = np.zeros(n_p)
    np.maximum.at(best, h["review_project"], h["review_score"])
    projects["demonstration"] = best >= 85
    pr, slot = np.nonzero(h["members"] >= 0)
    project_orgs = pd.DataFrame(
        {
            "project_id": pid[pr],
            "org_id": oid[h["members"][pr, slot]],
            "role": np.where(h["members"][pr, slot] == h["lead"][pr], "lead", "partner"),
        }
    )
    reviews = pd.DataFrame(
        {
            "project_id": pid[h["review_project"]],
            "score": h["review_score"],
            "reviewed_on": _dates(h["review_date"]),
            "reviewer": np.char.add("评审专家", (h["reviewer"] + 1).astype(str)).astype(object),
            "comment": "",
        }
    )
    role = np.where(
        np.r_[True, world.partnership_v[1:] != world.partnership_v[:-1]], "lead", "member"
    )
    partnerships = pd.DataFrame(
        {
            "village_id": vid[world.partnership_v],
            "org_id": oid[world.partnership_o],
            "role": role[: len(world.partnership_v)],
            "since": "2021-06-01",
        }
    )
    return Dataset(
        {
            "villages": villages,
            "needs": needs,
            "organizations": orgs,
            "capabilities": caps,
            "projects": projects,
            "project_orgs": project_orgs,
            "reviews": reviews,
            "partnerships": partnerships,
        }
    )
