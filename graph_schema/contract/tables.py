"""The tables of the data contract: their columns, types, keys and references.

One :class:`Table` per file of ``DATA_FORMAT.md``. The importer, the exporter, both stores and
the site's forms read these specs, so a column is described exactly once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .vocabulary import ORG_KINDS, PARTNERSHIP_ROLES, PROJECT_ROLES, SERVICES

__all__ = [
    "Column",
    "Table",
    "TABLES",
    "TABLE_ORDER",
    "REQUIRED_TABLES",
    "UNSTORED_TABLES",
    "CONTRACT_TABLES",
    "CHINA_LAT",
    "CHINA_LON",
    "table",
]


@dataclass(frozen=True)
class Column:
    """One column: ``kind`` is str, int, float, bool, date or code (one of ``codes``)."""

    name: str
    kind: str = "str"
    required: bool = False
    min: float | None = None
    max: float | None = None
    codes: tuple[str, ...] = ()
    #: ``(table, column)`` this column refers to; empty values are allowed unless required.
    ref: tuple[str, str] | None = None
    #: whether ``min`` itself is outside the range (hours > 0)
    exclusive_min: bool = False


@dataclass(frozen=True)
class Table:
    """One file of a data folder; ``key`` names the columns that identify a row."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False
    #: Columns that the project adds beyond the contract; written on export, never required.
    extra: tuple[str, ...] = field(default=())

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _id(name: str, ref: tuple[str, str] | None = None, required: bool = True) -> Column:
    return Column(name, "str", required=required, ref=ref)


#: China's extent (DATA_FORMAT.md): a point outside it — (0, 0), a swapped pair, Sydney — would
#: silently drop out of matching, so it is a problem of its line.
CHINA_LAT: tuple[float, float] = (3.5, 54.0)
CHINA_LON: tuple[float, float] = (73.0, 136.0)


def _lat(required: bool = True) -> Column:
    return Column("lat", "float", required=required, min=CHINA_LAT[0], max=CHINA_LAT[1])


def _lon(required: bool = True) -> Column:
    return Column("lon", "float", required=required, min=CHINA_LON[0], max=CHINA_LON[1])


_SERVICE = Column("service", "code", required=True, codes=SERVICES)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "villages",
            (
                _id("village_id"),
                Column("name", required=True),
                Column("county", required=True),
                Column("town"),
                _lat(),
                _lon(),
                Column("population", "int", min=0),
                Column("poor_households", "int", min=0),
            ),
            key=("village_id",),
            required=True,
        ),
        Table(
            "needs",
            (
                _id("village_id", ref=("villages", "village_id")),
                _SERVICE,
                Column("severity", "int", required=True, min=1, max=5),
            ),
            key=("village_id", "service"),
            required=True,
        ),
        Table(
            "organizations",
            (
                _id("org_id"),
                Column("name", required=True),
                Column("kind", "code", required=True, codes=ORG_KINDS),
                Column("county", required=True),
                _lat(),
                _lon(),
                Column("max_villages", "int", required=True, min=0),
                Column("volunteers", "int", min=0),
                Column("rating", "int", min=0, max=5),
                Column("has_party_branch", "bool"),
            ),
            key=("org_id",),
            required=True,
        ),
        Table(
            "capabilities",
            (
                _id("org_id", ref=("organizations", "org_id")),
                _SERVICE,
                Column("level", "int", required=True, min=1, max=5),
            ),
            key=("org_id", "service"),
            required=True,
        ),
        Table(
            "volunteers",
            (
                _id("volunteer_id"),
                Column("name", required=True),
                _lat(),
                _lon(),
                Column("county"),
                Column("hours_per_month", "float", min=0, max=744),
                _id("org_id", ref=("organizations", "org_id"), required=False),
            ),
            key=("volunteer_id",),
        ),
        Table(
            "volunteer_skills",
            (_id("volunteer_id", ref=("volunteers", "volunteer_id")), _SERVICE),
            key=("volunteer_id", "service"),
        ),
        Table(
            "projects",
            (
                _id("project_id"),
                Column("name", required=True),
                _id("lead_org_id", ref=("organizations", "org_id")),
                _SERVICE,
                _id("village_id", ref=("villages", "village_id"), required=False),
                Column("start_date", "date"),
                Column("end_date", "date"),
                Column("budget_yuan", "float", min=0),
                Column("demonstration", "bool"),
            ),
            key=("project_id",),
        ),
        Table(
            "project_orgs",
            (
                _id("project_id", ref=("projects", "project_id")),
                _id("org_id", ref=("organizations", "org_id")),
                Column("role", "code", codes=PROJECT_ROLES),
            ),
            key=("project_id", "org_id"),
        ),
        Table(
            "reviews",
            (
                _id("project_id", ref=("projects", "project_id")),
                Column("score", "float", required=True, min=0, max=100),
                Column("reviewed_on", "date"),
                Column("reviewer"),
                Column("comment"),
            ),
            key=("project_id", "reviewed_on", "reviewer"),
        ),
        Table(
            "partnerships",
            (
                _id("village_id", ref=("villages", "village_id")),
                _id("org_id", ref=("organizations", "org_id")),
                Column("role", "code", codes=PARTNERSHIP_ROLES),
                Column("since", "date"),
                Column("approved_by"),
                Column("approved_at"),
            ),
            key=("village_id", "org_id"),
            extra=("approved_by", "approved_at"),
        ),
        # 帮扶台账: what an organization did in a village, and its volunteers' hours
        Table(
            "activities",
            (
                _id("activity_id"),
                _id("village_id", ref=("villages", "village_id")),
                _id("org_id", ref=("organizations", "org_id")),
                _SERVICE,
                Column("date", "date", required=True),
                Column("beneficiaries", "int", min=0),
                Column("value_yuan", "float", min=0),
                Column("note"),
            ),
            key=("activity_id",),
        ),
        Table(
            "activity_volunteers",
            (
                _id("activity_id", ref=("activities", "activity_id")),
                _id("volunteer_id", ref=("volunteers", "volunteer_id")),
                Column("hours", "float", required=True, min=0, max=24, exclusive_min=True),
            ),
            key=("activity_id", "volunteer_id"),
        ),
    )
}

#: Order in which tables are validated and written: referenced tables first.
TABLE_ORDER: tuple[str, ...] = tuple(TABLES)
REQUIRED_TABLES: tuple[str, ...] = tuple(n for n, t in TABLES.items() if t.required)

#: Files of the contract that were once read and checked but not stored. Activities
#: (帮扶台账) are stored since issue 15, so none is left; the name stays for readers of it.
UNSTORED_TABLES: dict[str, Table] = {}
#: Every file a data folder may hold, in the order they are checked.
CONTRACT_TABLES: dict[str, Table] = {**TABLES, **UNSTORED_TABLES}


def table(name: str) -> Table:
    """Return the spec of table ``name`` (``KeyError`` if it is not part of the contract).

    Examples
    --------
    >>> table("activity_volunteers").column("hours").max
    24
    """
    return CONTRACT_TABLES[name]
