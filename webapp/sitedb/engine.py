"""Engines for the site database: SQLite by default, PostgreSQL when a URL says so.

SQLite: pysqlite begins a transaction just before a statement's first write, as the site always
did (reads see the newest data, and a write waits for another writer instead of failing on a
stale snapshot); a transaction that must exclude other writers from its first read begins with
``BEGIN IMMEDIATE`` (:func:`write_lock`, the migrations). PostgreSQL (driver psycopg 3): the same
through a transaction-scoped advisory lock. Engines are kept per process and URL (a cache, never relied on for correctness), and a
forked child drops the parent's pooled connections.

Examples
--------
>>> engine = make_engine("sqlite://")
>>> engine.dialect.name
'sqlite'
"""

from __future__ import annotations

import os
import zlib
from collections import OrderedDict

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

__all__ = [
    "make_engine",
    "cached_engine",
    "dispose_engine",
    "write_lock",
    "sqlite_url",
    "is_sqlite",
]

_BEGIN_OPTION = "baotuan_begin"
_KEPT_ENGINES = 8  # tests open many sites in one process: keep the newest few
_engines: OrderedDict[str, Engine] = OrderedDict()


def sqlite_url(path: str) -> str:
    """The SQLAlchemy URL of a SQLite file.

    Examples
    --------
    >>> sqlite_url("/srv/instance/site.sqlite")
    'sqlite:////srv/instance/site.sqlite'
    """
    return f"sqlite:///{path}"


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` is a SQLite database.

    Examples
    --------
    >>> is_sqlite(make_engine("sqlite://"))
    True
    """
    return engine.dialect.name == "sqlite"


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "begin")
    def _begin(conn):
        # pysqlite itself begins a (deferred) transaction just before the first INSERT, UPDATE or
        # DELETE, so reads run outside one and a write never meets a stale read snapshot (in WAL
        # mode that fails at once with "database is locked"). A transaction that must exclude
        # other writers from its first read asks for BEGIN IMMEDIATE (write_lock, migrations).
        if conn.get_execution_options().get(_BEGIN_OPTION) == "IMMEDIATE":
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str) -> Engine:
    """A new engine for ``url`` (``sqlite:///path`` or ``postgresql+psycopg://...``).

    Examples
    --------
    >>> make_engine("postgresql://u:p@127.0.0.1/db").dialect.driver
    'psycopg'
    """
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith("sqlite"):
        # timeout is SQLite's busy timeout: a writer waits for another instead of failing.
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        _sqlite_events(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def cached_engine(url: str) -> Engine:
    """The process's engine for ``url`` (made on first use; the oldest of many is disposed).

    Examples
    --------
    >>> cached_engine("sqlite://") is cached_engine("sqlite://")
    True
    """
    engine = _engines.pop(url, None) or make_engine(url)
    _engines[url] = engine  # newest last
    while len(_engines) > _KEPT_ENGINES:
        _engines.popitem(last=False)[1].dispose()  # a later use simply reconnects
    return engine


def dispose_engine(url: str) -> None:
    """Close the process's pooled connections to ``url`` (before its database or schema goes).

    Examples
    --------
    >>> dispose_engine("sqlite://")
    """
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def _after_fork() -> None:
    for engine in _engines.values():
        engine.dispose(close=False)  # the parent's connections are not ours to use or close


os.register_at_fork(after_in_child=_after_fork)


def write_lock(session: Session, name: str) -> None:
    """Begin a transaction that holds the site-wide write lock ``name`` until it commits.

    Call it first, before the transaction reads anything: whatever the session did before is
    committed. Two web servers (or worker processes) running the same check-then-write then take
    turns. SQLite takes its one write lock (``BEGIN IMMEDIATE``); PostgreSQL an advisory lock.

    Examples
    --------
    >>> with Session(make_engine("sqlite://")) as session:
    ...     write_lock(session, "matcher-run")
    ...     session.commit()
    """
    session.commit()
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
    else:
        key = zlib.crc32(name.encode())
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
