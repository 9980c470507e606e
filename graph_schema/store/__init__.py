"""Stores: :class:`GraphStore` with a SQLite and a Neo4j implementation, chosen by a location."""

from __future__ import annotations

import os
from pathlib import Path

from .base import AuditEntry, GraphStore, GroupMember, ImportReport
from .sqlite import SqliteGraphStore

__all__ = [
    "GraphStore",
    "GroupMember",
    "ImportReport",
    "AuditEntry",
    "SqliteGraphStore",
    "open_store",
    "is_neo4j_uri",
]

_NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_neo4j_uri(location: str) -> bool:
    return str(location).startswith(_NEO4J_SCHEMES)


def open_store(
    location: str | os.PathLike | None = None, default_path: str | os.PathLike | None = None
) -> GraphStore:
    """Open the store at ``location``: a ``bolt://`` / ``neo4j://`` URI or a SQLite file path.

    With no location, ``BAOTUAN_STORE`` is used, then ``default_path``, then ``instance/baotuan.sqlite``.
    A Neo4j store reads ``NEO4J_USER``, ``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` from the environment.
    """
    location = (
        location
        or os.environ.get("BAOTUAN_STORE")
        or default_path
        or Path("instance") / "baotuan.sqlite"
    )
    location = str(location)
    if is_neo4j_uri(location):
        from .neo4j import Neo4jGraphStore

        return Neo4jGraphStore.from_env(location)
    return SqliteGraphStore(location.removeprefix("sqlite:"))
