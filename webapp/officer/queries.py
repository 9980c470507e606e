"""The stored world read into the shapes the officer pages show.

Loading a city (300 villages, 2,000 organizations) and deriving coverage takes a noticeable
fraction of a second, so :mod:`.world_cache` keeps a :class:`World` per store while the store's
:meth:`~graph_schema.store.GraphStore.table_versions` stay the same. What does not depend on the
partnerships (village and organization rows, project scores, the map's organization layer) sits
in ``World.lasting``, which a World derived again after an approval shares with its predecessor:
the common write while officers work then costs milliseconds, in every worker process.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from graph_schema.contract.dataset import Dataset
from graph_schema.contract.vocabulary import COUNTIES_TAIAN
from graph_schema.store import GraphStore

__all__ = [
    "World",
    "VillageRow",
    "OrgRow",
    "build_world",
    "with_partnerships",
    "county_order",
    "VIEW_TABLES",
]


@dataclass
class VillageRow:
    """One village with what the pages need about it."""

    village_id: str
    name: str
    county: str
    town: str
    lat: float
    lon: float
    population: int | None
    poor_households: int | None
    needs: dict[str, int]  # service -> severity, most urgent first
    group: list[dict]  # the partnership in force: org_id, role, since, approved_by, approved_at
    covered: list[str]  # needs that an organization of the group provides
    uncovered: list[str]  # needs no organization of the group provides

    @property
    def supported(self) -> bool:
        return bool(self.group)


@dataclass
class OrgRow:
    """One organization with its capacity and track record."""

    org_id: str
    name: str
    kind: str
    county: str
    lat: float
    lon: float
    max_villages: int
    volunteers: int | None
    rating: int | None
    has_party_branch: bool | None
    levels: dict[str, int]  # service -> level, strongest first
    villages: list[str] = field(default_factory=list)  # villages it supports now
    projects: int = 0
    mean_score: float | None = None

    @property
    def used(self) -> int:
        return len(self.villages)

    @property
    def capacity_left(self) -> int:
        return max(self.max_villages - self.used, 0)


@dataclass
class World:
    """The stored data as village and organization rows plus the raw tables."""

    dataset: Mapping[str, pd.DataFrame]  # the tables of VIEW_TABLES as read
    villages: dict[str, VillageRow]
    orgs: dict[str, OrgRow]
    counties: list[str]
    version: dict[str, int] = field(default_factory=dict)
    cache: dict = field(default_factory=dict)  # derived data, computed once per version
    lasting: dict = field(default_factory=dict)  # derived data that outlives partnership changes
    people: dict = field(default_factory=dict)  # volunteers read by id (volunteers.py)
    store: GraphStore | None = None  # for the volunteers, read by id when a page needs them

    def org_name(self, org_id: str) -> str:
        org = self.orgs.get(org_id)
        return org.name if org else org_id

    def village_name(self, village_id: str) -> str:
        village = self.villages.get(village_id)
        return village.name if village else village_id

    def towns(self, county: str | None = None) -> list[str]:
        return sorted(
            {
                v.town
                for v in self.villages.values()
                if v.town and (not county or v.county == county)
            }
        )

    def village_projects(self, village_id: str) -> list[dict]:
        """The village's projects with their mean review score (``score``), newest first."""
        return self._project_index()[0].get(village_id, [])

    def org_projects(self, org_id: str) -> list[dict]:
        """Projects the organization led or took part in, newest first, with its ``role`` in
        each (``lead`` or the role in ``project_orgs``, ``partner`` when that has none)."""
        return self._project_index()[1].get(org_id, [])

    def _project_index(self) -> tuple[dict[str, list[dict]], dict[str, list[dict]]]:
        # Indexed once per version of the projects (filtering 4,000 rows per page took most of it)
        if "projects" not in self.lasting:
            projects = self.dataset["projects"]
            scores = self.dataset["reviews"].groupby("project_id")["score"].mean()
            scored = projects.assign(score=projects["project_id"].map(scores))
            ordered = _records(
                scored.sort_values("start_date", ascending=False, na_position="last")
            )
            roles: dict[str, dict[str, str]] = defaultdict(dict)  # project -> org -> role
            for pid, org_id, role in self.dataset["project_orgs"][
                ["project_id", "org_id", "role"]
            ].itertuples(index=False):
                roles[pid][org_id] = role if isinstance(role, str) and role else "partner"
            by_village: dict[str, list[dict]] = defaultdict(list)
            by_org: dict[str, list[dict]] = defaultdict(list)
            for project in ordered:
                if project["village_id"]:
                    by_village[project["village_id"]].append(project)
                taking = dict(roles.get(project["project_id"], {}))
                if project["lead_org_id"]:
                    taking[project["lead_org_id"]] = "lead"
                for org_id, role in taking.items():
                    by_org[org_id].append({**project, "role": role})
            self.lasting["projects"] = (dict(by_village), dict(by_org))
        return self.lasting["projects"]


def county_order(names) -> list[str]:
    """Tai'an's counties in the report's order first, any other county after, alphabetically."""
    names = set(names)
    known = [c for c in COUNTIES_TAIAN if c in names]
    return known + sorted(names - set(known))


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


#: the tables the pages read; volunteers (the big ones) are looked up by id when a page needs them
VIEW_TABLES = (
    "villages",
    "needs",
    "organizations",
    "capabilities",
    "partnerships",
    "projects",
    "project_orgs",
    "reviews",
)


def _load(store: GraphStore) -> Dataset:
    return Dataset({name: store.query(name) for name in VIEW_TABLES})


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with NaN/NA as None (faster than itertuples on wide frames)."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def _org_rows(ds: Dataset) -> dict[str, OrgRow]:
    levels: dict[str, dict[str, int]] = defaultdict(dict)
    caps = ds["capabilities"].sort_values(["org_id", "level"], ascending=[True, False])
    for org_id, service, level in caps[["org_id", "service", "level"]].itertuples(index=False):
        levels[org_id][service] = int(level)
    orgs = {}
    for r in _records(ds["organizations"]):
        orgs[r["org_id"]] = OrgRow(
            org_id=r["org_id"],
            name=_text(r["name"]),
            kind=_text(r["kind"]),
            county=_text(r["county"]),
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            max_villages=_int(r["max_villages"]) or 0,
            volunteers=_int(r["volunteers"]),
            rating=_int(r["rating"]),
            has_party_branch=None if r["has_party_branch"] is None else bool(r["has_party_branch"]),
            levels=levels.get(r["org_id"], {}),
        )
    # Track record: projects taken part in (as lead or partner) and their mean review score.
    takes = ds["project_orgs"][["project_id", "org_id"]]
    leads = ds["projects"][["project_id", "lead_org_id"]].rename(columns={"lead_org_id": "org_id"})
    takes = pd.concat([takes, leads.dropna()]).drop_duplicates()
    scores = ds["reviews"].groupby("project_id")["score"].mean()
    takes = takes.assign(score=takes["project_id"].map(scores))
    stats = takes.groupby("org_id").agg(projects=("project_id", "size"), mean=("score", "mean"))
    for org_id, n, mean in stats.itertuples(name=None):
        if org_id in orgs:
            orgs[org_id].projects = int(n)
            orgs[org_id].mean_score = None if pd.isna(mean) else float(mean)
    return orgs


def _village_base(ds: Mapping[str, pd.DataFrame]) -> tuple[list[dict], dict[str, dict[str, int]]]:
    """The villages as records and their needs, most urgent first (independent of partnerships)."""
    needs: dict[str, dict[str, int]] = defaultdict(dict)
    ordered = ds["needs"].sort_values(["village_id", "severity"], ascending=[True, False])
    for village_id, service, severity in ordered[["village_id", "service", "severity"]].itertuples(
        index=False
    ):
        needs[village_id][service] = int(severity)
    return _records(ds["villages"]), needs


def build_world(ds: Dataset, version: dict[str, int] | None = None) -> World:
    """Derive village and organization rows (coverage, capacity, track record) from a dataset.

    Examples
    --------
    >>> import pandas as pd
    >>> ds = Dataset({"villages": pd.DataFrame({"village_id": ["V1"], "name": ["易洼村"],
    ...     "county": ["泰山区"], "lat": [36.3], "lon": [117.2]}),
    ...     "needs": pd.DataFrame({"village_id": ["V1"], "service": ["medical"], "severity": [4]})})
    >>> world = build_world(ds)
    >>> world.villages["V1"].uncovered, world.villages["V1"].supported
    (['medical'], False)
    """
    tables = {name: ds[name] for name in VIEW_TABLES}
    orgs = _org_rows(ds)
    base = World(tables, {}, orgs, [], lasting={"village_base": _village_base(ds)})
    return with_partnerships(base, tables["partnerships"], version or {})


def with_partnerships(world: World, partnerships: pd.DataFrame, version: dict[str, int]) -> World:
    """A new :class:`World` like ``world`` but with ``partnerships`` in force.

    It shares the rows of ``world`` that the partnerships do not change (``world`` itself stays
    as it was, for the requests still reading it).
    """
    groups: dict[str, list[dict]] = defaultdict(list)
    held: dict[str, list[str]] = defaultdict(list)
    for p in _records(partnerships.sort_values(["village_id", "role", "org_id"])):
        groups[p["village_id"]].append(
            {
                "org_id": p["org_id"],
                "role": _text(p["role"]) or "member",
                "since": _text(p["since"]),
                "approved_by": _text(p["approved_by"]),
                "approved_at": _text(p["approved_at"]),
            }
        )
        held[p["org_id"]].append(p["village_id"])
    orgs = {
        org_id: org
        if org.villages == held.get(org_id, [])
        else dataclasses.replace(org, villages=held.get(org_id, []))
        for org_id, org in world.orgs.items()
    }
    records, needs = world.lasting["village_base"]
    villages = {}
    for v in records:
        village_id = v["village_id"]
        group = groups.get(village_id, [])
        provided = {s for m in group for s in orgs[m["org_id"]].levels if m["org_id"] in orgs}
        wanted = needs.get(village_id, {})
        villages[village_id] = VillageRow(
            village_id=village_id,
            name=_text(v["name"]),
            county=_text(v["county"]),
            town=_text(v["town"]),
            lat=float(v["lat"]),
            lon=float(v["lon"]),
            population=_int(v["population"]),
            poor_households=_int(v["poor_households"]),
            needs=wanted,
            group=group,
            covered=[s for s in wanted if s in provided],
            uncovered=[s for s in wanted if s not in provided],
        )
    counties = world.counties or county_order(
        {v.county for v in villages.values()} | {o.county for o in orgs.values()}
    )
    tables = {**world.dataset, "partnerships": partnerships}
    return World(
        tables, villages, orgs, counties, version, lasting=world.lasting, store=world.store
    )
