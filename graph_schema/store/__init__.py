"""Stores: :class:`GraphStore` with a SQLite and a Neo4j implementation, chosen by a location.

Nothing in this package reads the environment: the caller passes the location and, for Neo4j,
the :class:`StoreCredentials` (the command line and the site build them once, in
:class:`webapp.settings.Settings`).

Examples
--------
>>> import os, tempfile
>>> with open_store(os.path.join(tempfile.mkdtemp(), "baotuan.sqlite")) as store:
...     store.counts()["villages"]
0
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from .base import AuditEntry, GraphStore, GroupMember, ImportReport
from .sqlite import SqliteGraphStore

__all__ = [
    "GraphStore",
    "GroupMember",
    "ImportReport",
    "AuditEntry",
    "SqliteGraphStore",
    "StoreCredentials",
    "open_store",
    "is_neo4j_uri",
]

_NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


@dataclass(frozen=True)
class StoreCredentials:
    """How to sign in to a Neo4j store, and how its imports behave (a SQLite store ignores it).

    Parameters
    ----------
    user, password, database : str
        The Neo4j account and database.
    staged_above, stale_after, import_wait : optional
        Passed to :class:`~graph_schema.store.neo4j.Neo4jGraphStore` when set; ``None`` keeps
        its default.

    Examples
    --------
    >>> StoreCredentials(password="secret").options()
    {}
    >>> StoreCredentials(import_wait=5.0).options()
    {'import_wait': 5.0}
    """

    user: str = "neo4j"
    password: str = ""
    database: str = "neo4j"
    staged_above: int | None = None
    stale_after: float | None = None
    import_wait: float | None = None

    def __repr__(self) -> str:  # never print the password (settings end up in logs)
        return f"StoreCredentials(user={self.user!r}, database={self.database!r}, password=***)"

    def options(self) -> dict[str, Any]:
        """The store options that are set, as keyword arguments."""
        names = ("staged_above", "stale_after", "import_wait")
        return {name: getattr(self, name) for name in names if getattr(self, name) is not None}


def is_neo4j_uri(location: str) -> bool:
    """Whether ``location`` names a Neo4j server rather than a SQLite file.

    Examples
    --------
    >>> is_neo4j_uri("bolt://db:7687"), is_neo4j_uri("instance/baotuan.sqlite")
    (True, False)
    """
    return str(location).startswith(_NEO4J_SCHEMES)


def open_store(
    location: str | os.PathLike,
    credentials: StoreCredentials | None = None,
    **options: Any,
) -> GraphStore:
    """Open the store at ``location``: a ``bolt://`` / ``neo4j://`` URI or a SQLite file path.

    Parameters
    ----------
    location : str or path
        A Neo4j URI, or a SQLite file (an optional ``sqlite:`` prefix is dropped).
    credentials : StoreCredentials, optional
        The Neo4j account (default: user ``neo4j``, no password, database ``neo4j``).
    **options
        More Neo4j store options (``batch_size``, ``progress``...); they win over the ones in
        ``credentials``.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "baotuan.sqlite")
    >>> with open_store(path) as store:
    ...     store.location == "sqlite:" + path
    True
    """
    location = str(location)
    if is_neo4j_uri(location):
        from .neo4j import Neo4jGraphStore

        credentials = credentials or StoreCredentials()
        return Neo4jGraphStore(
            location,
            user=credentials.user,
            password=credentials.password,
            database=credentials.database,
            **{**credentials.options(), **options},
        )
    return SqliteGraphStore(location.removeprefix("sqlite:"))
