"""What the roadshow pages read: events in the officer's scope, entries with their projects,
reviewers, bars, scores and the standings (reads only; writes are :mod:`webapp.services.roadshow`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import select

from ..organization.data import rows, rows_in
from ..review.rubric import RUBRIC
from ..scope import account_county, county_allows
from ..sitedb import get_session
from ..sitedb.models import User
from ..sitedb.models_roadshow import (
    RoadshowBar,
    RoadshowEntry,
    RoadshowEvent,
    RoadshowRecusal,
    RoadshowResult,
    RoadshowReviewer,
    RoadshowScore,
)
from . import RoadshowError
from .combine import Ranked, combine, rank

__all__ = [
    "PARTS",
    "tiers_of",
    "event_in_scope",
    "events_in_scope",
    "entries",
    "reviewer_names",
    "reviewer_accounts",
    "recusals",
    "bars",
    "scores",
    "standings",
    "frozen_results",
    "candidate_projects",
    "entry_orgs",
    "organization_names",
    "Entry",
]

#: the rubric's five parts (field names)
PARTS = tuple(name for name, _label, _hint in RUBRIC)


def tiers_of(event: RoadshowEvent) -> list[tuple[str, int]]:
    """The event's award tiers, in order."""
    return [(str(name), int(count)) for name, count in json.loads(event.tiers_json)]


def event_in_scope(event_id: int) -> RoadshowEvent:
    """The event, if this request's officer may see it (404 otherwise: its existence is not
    told to another county)."""
    event = get_session().get(RoadshowEvent, event_id)
    if event is None or not county_allows(event.county):
        raise RoadshowError({"event": "路演活动不存在"}, status=404)
    return event


def events_in_scope() -> list[RoadshowEvent]:
    """Events this officer may see, newest date first."""
    query = select(RoadshowEvent).order_by(RoadshowEvent.held_on.desc(), RoadshowEvent.id.desc())
    county = account_county()
    if county is not None:
        query = query.where(RoadshowEvent.county == county)
    return list(get_session().scalars(query))


@dataclass(frozen=True)
class Entry:
    """An entered project as the pages show it."""

    project_id: str
    name: str
    service: str
    lead_org_id: str
    lead_name: str
    county: str


def _projects(project_ids: Iterable[str] | None) -> pd.DataFrame:
    """Projects (all of them for None) with their lead's name and their county."""
    if project_ids is None:  # a whole-table read beats thousands of keyed ones
        projects, orgs, villages = rows("projects"), rows("organizations"), rows("villages")
    else:
        projects = rows_in("projects", "project_id", project_ids)
        orgs = rows_in("organizations", "org_id", projects["lead_org_id"])
        villages = rows_in("villages", "village_id", projects["village_id"].dropna())
    lead = orgs.set_index("org_id")
    village_county = villages.set_index("village_id")["county"]
    projects = projects.assign(
        lead_name=projects["lead_org_id"].map(lead["name"]),
        county=projects["village_id"]
        .map(village_county)
        .fillna(projects["lead_org_id"].map(lead["county"])),
    )
    return projects


def entries(event_id: int) -> list[Entry]:
    """The event's entries, by project id."""
    ids = sorted(
        get_session().scalars(
            select(RoadshowEntry.project_id).where(RoadshowEntry.event_id == event_id)
        )
    )
    if not ids:
        return []
    frame = _projects(ids).set_index("project_id")
    out = []
    for project_id in ids:
        row = frame.loc[project_id] if project_id in frame.index else None
        out.append(
            Entry(
                project_id,
                str(row["name"]) if row is not None else project_id,
                str(row["service"]) if row is not None else "",
                str(row["lead_org_id"]) if row is not None else "",
                str(row["lead_name"]) if row is not None and pd.notna(row["lead_name"]) else "",
                str(row["county"]) if row is not None and pd.notna(row["county"]) else "",
            )
        )
    return out


def reviewer_names(event_id: int) -> list[str]:
    """Usernames of the event's reviewers, sorted."""
    return sorted(
        get_session().scalars(
            select(RoadshowReviewer.username).where(RoadshowReviewer.event_id == event_id)
        )
    )


def reviewer_accounts() -> list[User]:
    """Active reviewer accounts, the ones an officer may assign."""
    query = select(User).where(User.role == "reviewer", User.status == "active")
    return list(get_session().scalars(query.order_by(User.username)))


def recusals(event_id: int) -> list[RoadshowRecusal]:
    query = select(RoadshowRecusal).where(RoadshowRecusal.event_id == event_id)
    return list(get_session().scalars(query.order_by(RoadshowRecusal.username)))


def bars(event_id: int) -> dict[tuple[str, str], RoadshowBar]:
    """The recorded bars by ``(project_id, username)``."""
    query = select(RoadshowBar).where(RoadshowBar.event_id == event_id)
    return {(b.project_id, b.username): b for b in get_session().scalars(query)}


def scores(event_id: int) -> dict[tuple[str, str], RoadshowScore]:
    """Every saved score by ``(project_id, username)``."""
    query = select(RoadshowScore).where(RoadshowScore.event_id == event_id)
    return {(s.project_id, s.username): s for s in get_session().scalars(query)}


def standings(event: RoadshowEvent) -> list[Ranked]:
    """The ranking as it stands: every entry's counted scores combined (a barred pair's score,
    if one was saved before the tie was recorded, does not count)."""
    barred = bars(event.id)
    saved = scores(event.id)
    results = []
    for entry in entries(event.id):
        mine = {
            who: {"total": s.total, **{p: getattr(s, p) for p in PARTS}}
            for (project, who), s in saved.items()
            if project == entry.project_id and (project, who) not in barred
        }
        results.append(combine(entry.project_id, mine, event.trim))
    return rank(results, tiers_of(event))


def frozen_results(event_id: int) -> list[RoadshowResult]:
    """A finished event's ranking as it was frozen (ranked first, then unscored)."""
    query = select(RoadshowResult).where(RoadshowResult.event_id == event_id)
    found = list(get_session().scalars(query))
    return sorted(found, key=lambda r: (r.rank is None, r.rank or 0, r.project_id))


def candidate_projects(county: str | None, search: str = "", limit: int = 50) -> list[dict]:
    """Projects an officer may enter: those of the county (by village, or by lead organization
    for a county-wide project) or of the whole city, filtered by name or id."""
    frame = _projects(None)
    if search:
        needle = search.strip()
        frame = frame[
            frame["name"].str.contains(needle, regex=False, na=False)
            | frame["lead_name"].str.contains(needle, regex=False, na=False)
            | (frame["project_id"] == needle)
        ]
    if county is not None:
        frame = frame[frame["county"] == county]
    frame = frame.sort_values(
        ["end_date", "project_id"], ascending=[False, True], na_position="last"
    ).head(limit)
    keep = ["project_id", "name", "service", "lead_name", "county", "end_date"]
    shown = frame[keep].astype(object)
    return shown.where(shown.notna(), None).to_dict("records")


def entry_orgs(project_ids: Iterable[str]) -> dict[str, set[str]]:
    """Each project's organizations: its lead and every one of ``project_orgs``."""
    ids = list(project_ids)
    out: dict[str, set[str]] = {p: set() for p in ids}
    projects = rows_in("projects", "project_id", ids)
    for p in projects.itertuples(index=False):
        out[p.project_id].add(p.lead_org_id)
    for link in rows_in("project_orgs", "project_id", ids).itertuples(index=False):
        out.setdefault(link.project_id, set()).add(link.org_id)
    return out


def organization_names(org_ids: Iterable[str]) -> dict[str, Any]:
    frame = rows_in("organizations", "org_id", org_ids)
    return dict(zip(frame["org_id"], frame["name"], strict=True))
