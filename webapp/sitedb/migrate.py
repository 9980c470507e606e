"""Bring a site database to the newest schema with Alembic (at every start, and ``baotuan db upgrade``).

Several processes may start at once (gunicorn workers, two web servers on one PostgreSQL): the
upgrade runs in one transaction that first takes the database's write lock, so the first process
migrates and the others find the database at head. SQLite and PostgreSQL both roll DDL back with
the transaction, so a migration cut short leaves the database as it was.

Examples
--------
>>> from webapp.sitedb.engine import make_engine
>>> engine = make_engine("sqlite://")
>>> upgrade_to_head(engine)
>>> current_revision(engine) == head_revision()
True
"""

from __future__ import annotations

import zlib
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

__all__ = ["alembic_config", "upgrade_to_head", "current_revision", "head_revision", "check"]

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = zlib.crc32(b"baotuan-site-db-migrate")


def alembic_config(connection: Connection | None = None) -> Config:
    """Alembic's configuration for the site database (no ``alembic.ini`` needed).

    Examples
    --------
    >>> alembic_config().get_main_option("script_location").endswith("migrations")
    True
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    """The newest revision in the migration history.

    Examples
    --------
    >>> len(head_revision())  # revisions are numbered 0001, 0002, ...
    4
    """
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (None before the first upgrade)."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _locked_connection(engine: Engine) -> Connection:
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection = connection.execution_options(baotuan_begin="IMMEDIATE")
        connection.begin()
    else:
        connection.begin()
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    return connection


def upgrade_to_head(engine: Engine) -> None:
    """Upgrade the database to the newest revision (adopting the tables of a file from before)."""
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        raw = engine.raw_connection()  # a property of the file, set outside any transaction
        try:
            raw.cursor().execute("PRAGMA journal_mode=WAL")
        finally:
            raw.close()
    with _locked_connection(engine) as connection:
        if MigrationContext.configure(connection).get_current_revision() != head_revision():
            command.upgrade(alembic_config(connection), "head")
        connection.commit()


def check(engine: Engine) -> None:
    """``alembic check``: raise when the models and the migrated database differ."""
    with engine.connect() as connection:
        command.check(alembic_config(connection))
