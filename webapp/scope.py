"""Where an officer serves: the whole city, or one county (市、县、乡、村四级联动).

An officer account has a ``county`` (set by an administrator; empty = the whole city). What a
county officer sees and acts on is cut down here, once, so every page, the API and matcher runs
agree:

- :func:`scoped_world` — the officer pages' :class:`~webapp.officer.queries.World` with only the
  county's villages (and the rows of the tables about villages); every organization stays,
  because an organization of any county may serve the county's villages. Pages that look a
  village up in the World answer 404 for a village outside the scope.
- :func:`scope_dataset` — a matcher run's Dataset: only the county's villages keep their needs
  (a village without needs gets no recommendation), while every village row, every
  organization, every partnership in force and all history stay, so capacities already taken
  by groups approved elsewhere in the city stay taken and the model learns from the whole city.
- :func:`account_county` / :func:`county_allows` — the county of the signed-in officer (web or
  API) and whether a county is inside it.

Examples
--------
>>> import pandas as pd
>>> data = {"villages": pd.DataFrame({"village_id": ["v1", "v2"], "county": ["A", "B"]}),
...         "needs": pd.DataFrame({"village_id": ["v1", "v2"], "service": ["x", "y"]}),
...         "partnerships": pd.DataFrame({"village_id": ["v2"], "org_id": ["o1"]})}
>>> scoped = scope_dataset(data, "A")
>>> list(scoped["needs"]["village_id"]), len(scoped["villages"]), len(scoped["partnerships"])
(['v1'], 2, 1)
>>> scope_dataset(data, None) is data
True
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from flask import g, has_request_context
from flask_login import current_user

__all__ = [
    "account_county",
    "county_allows",
    "scoped_world",
    "scope_dataset",
    "run_county",
    "village_county",
    "api_county",
    "subjects_in_scope",
    "villages_in_scope",
    "projects_in_scope",
    "run_in_scope",
    "SCOPED_TABLES",
]

#: the matcher's Dataset tables cut to the county (partnerships and history stay whole)
SCOPED_TABLES = ("needs",)

_lock = threading.Lock()
_worlds: dict[tuple[int, str], Any] = {}


def account_county() -> str | None:
    """The county of the officer of this request (API token or session); None: the whole city
    (also for every other role, whose pages are not about villages)."""
    if not has_request_context():
        return None
    user = g.get("api_user")
    if user is None and current_user and current_user.is_authenticated:
        user = current_user
    if user is None or getattr(user, "role", None) != "officer":
        return None
    return getattr(user, "county", None) or None


def county_allows(county: str | None) -> bool:
    """Whether a village or list of ``county`` is inside this request's scope."""
    scope = account_county()
    return scope is None or county == scope


def scoped_world(world: Any, county: str | None = ...) -> Any:  # type: ignore[assignment]
    """``world`` cut to ``county`` (default: this request's); the same object for the city.

    The cut World is kept per (World, county) so its derived figures are computed once.
    """
    if county is ...:
        county = account_county()
    if county is None:
        return world
    key = (id(world), county)
    with _lock:
        cached = _worlds.get(key)
        if cached is not None and cached[0] is world:
            return cached[1]
    from .officer.queries import World

    villages = {k: v for k, v in world.villages.items() if v.county == county}
    dataset = dict(world.dataset)
    for name, frame in world.dataset.items():
        if name != "projects" and name != "reviews" and "village_id" in frame.columns:
            dataset[name] = frame[frame["village_id"].isin(villages)]
    cut = World(
        dataset,
        villages,
        world.orgs,
        world.counties,  # every county stays named: organizations of any county serve here
        world.version,
        {},
        {},
        store=world.store,
    )
    cut.people = world.people
    with _lock:
        if len(_worlds) > 32:
            _worlds.clear()
        _worlds[key] = (world, cut)
    return cut


def scope_dataset(dataset: Mapping[str, Any], county: str | None) -> Mapping[str, Any]:
    """The Dataset a county officer's matcher run works on (see the module's docstring)."""
    if county is None:
        return dataset
    out = dict(dataset)
    villages = dataset["villages"]
    kept = set(villages.loc[villages["county"] == county, "village_id"])
    for name in SCOPED_TABLES:
        if name in out:
            frame = out[name]
            out[name] = frame[frame["village_id"].isin(kept)].reset_index(drop=True)
    from graph_schema.contract.dataset import Dataset

    return Dataset(out) if isinstance(dataset, Dataset) else out


def run_county(run_id: int) -> str | None:
    """The county of the officer who started a matcher run (None: a city-wide run)."""
    from sqlalchemy import select

    from .sitedb import get_session
    from .sitedb.models import MatcherRun, User

    started_by = get_session().scalar(select(MatcherRun.started_by).where(MatcherRun.id == run_id))
    role, _sep, username = (started_by or "").partition(":")
    if role != "officer":
        return None
    county = get_session().scalar(select(User.county).where(User.username == username))
    return county or None


def village_county(village_id: str) -> str | None:
    """The county of a stored village (None: no such village)."""
    from .extensions import get_store

    frame = get_store().query("villages", {"village_id": village_id})
    return None if frame.empty else str(frame["county"].iloc[0])


def api_county(asked: str | None) -> str | None:
    """The county an API list is cut to: the officer's own, the one asked for, or None (all).

    Asking for another county than the officer's is an :class:`~webapp.api.errors.ApiError` 403.
    """
    scope = account_county()
    if scope is None:
        return asked
    if asked is not None and asked != scope:
        from .api.errors import ApiError

        raise ApiError(403, f"this officer works in {scope}, not in {asked}")
    return scope


def subjects_in_scope() -> set[str] | None:
    """The 疑点清单 subjects (``table:id``) inside this request's county; None: no cut.

    A village, organization or volunteer is in it by its own county; a project (and its reviews)
    by its village's county, or its lead organization's for a county-wide project.
    """
    county = account_county()
    if county is None:
        return None
    from .extensions import get_store

    store = get_store()
    out: set[str] = set()
    villages = store.query("villages")
    in_county = set(villages.loc[villages["county"] == county, "village_id"])
    out |= {f"villages:{v}" for v in in_county}
    for table, key in (("organizations", "org_id"), ("volunteers", "volunteer_id")):
        frame = store.query(table)
        out |= {f"{table}:{k}" for k in frame.loc[frame["county"] == county, key]}
    for project in _county_projects(store, county, in_county):
        out |= {f"projects:{project}", f"reviews:{project}"}
    return out


def _county_projects(store: Any, county: str, villages: set[str]) -> set[str]:
    """Projects in ``villages``, and county-wide ones (no village) led by the county's
    organizations."""
    projects = store.query("projects")
    orgs = store.query("organizations")
    local_orgs = set(orgs.loc[orgs["county"] == county, "org_id"])
    by_village = projects["village_id"].isin(villages)
    by_lead = projects["village_id"].isna() & projects["lead_org_id"].isin(local_orgs)
    return set(projects.loc[by_village | by_lead, "project_id"])


def villages_in_scope() -> set[str] | None:
    """The ids of the villages inside this request's county; None: no cut (the whole city)."""
    county = account_county()
    if county is None:
        return None
    from .extensions import get_store

    villages = get_store().query("villages")
    return set(villages.loc[villages["county"] == county, "village_id"])


def projects_in_scope() -> set[str] | None:
    """The ids of the projects inside this request's county (as for the 疑点清单: by the
    project's village, or its lead organization's county for a county-wide project); None: no
    cut."""
    villages = villages_in_scope()
    if villages is None:
        return None
    from .extensions import get_store

    return _county_projects(get_store(), str(account_county()), villages)


def run_in_scope(run_id: int) -> bool:
    """Whether a matcher run is this request's to see: a city-wide run (it covers every county)
    or one started by an officer of the same county."""
    scope = account_county()
    if scope is None:
        return True
    county = run_county(run_id)
    return county is None or county == scope
