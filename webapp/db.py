"""The site's own SQLite database: accounts, matcher runs, integrity-check marks.

The world itself (villages, organizations, partnerships, the audit trail) lives in the
:class:`~graph_schema.store.GraphStore`; this database holds what only the site needs. Each thread
keeps its connection from one request to the next: opening one costs a file open and a schema
read, and closing the last one of a process checkpoints the WAL file, which under load took more
time than the queries of a page. A request that ends inside a transaction has it rolled back.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from flask import Flask, current_app, g

__all__ = ["get_db", "init_app", "init_db", "SCHEMA"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('officer', 'organization', 'reviewer', 'admin')),
    org_id TEXT,
    display_name TEXT,
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'disabled', 'rejected')),
    created_at TEXT NOT NULL,
    approved_by TEXT,
    approved_at TEXT,
    api_token_hash TEXT UNIQUE
);
CREATE TABLE IF NOT EXISTS matcher_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,
    stage TEXT,
    done INTEGER DEFAULT 0,
    total INTEGER DEFAULT 0,
    max_group INTEGER,
    error TEXT,
    result_json TEXT,
    owner TEXT
);
CREATE TABLE IF NOT EXISTS recommendation_decisions (
    run_id INTEGER NOT NULL REFERENCES matcher_runs(id),
    village_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    note TEXT,
    PRIMARY KEY (run_id, village_id)
);
CREATE TABLE IF NOT EXISTS integrity_marks (
    item_key TEXT PRIMARY KEY,
    checked_by TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    note TEXT
);
"""


def _connect(path: str) -> sqlite3.Connection:
    # timeout=30 is SQLite's busy timeout; WAL is a property of the file, set once by init_db
    # (opening a connection is on every request's path: one statement less matters under load).
    db = sqlite3.connect(path, timeout=30, detect_types=0)
    db.row_factory = sqlite3.Row
    return db


_KEPT_PER_THREAD = 4  # tests open many sites in one process: keep the newest few
_local = threading.local()


def _thread_connection(path: str) -> sqlite3.Connection:
    if getattr(_local, "pid", None) != os.getpid():  # a forked worker: the parent's are not ours
        _local.pid, _local.connections = os.getpid(), {}
    connections: dict[str, sqlite3.Connection] = _local.connections
    db = connections.pop(path, None) or _connect(path)
    connections[path] = db  # newest last
    while len(connections) > _KEPT_PER_THREAD:
        connections.pop(next(iter(connections))).close()
    return db


def get_db() -> sqlite3.Connection:
    """The request's connection to the site database (the thread's own, kept between requests)."""
    if "db" not in g:
        g.db = _thread_connection(current_app.config["DATABASE"])
    return g.db


def close_db(_exc: BaseException | None = None) -> None:
    db = g.pop("db", None)
    if db is not None and db.in_transaction:  # a request that failed half-way writes nothing
        db.rollback()


#: columns added after a release, with their type: added to older site databases at start
_ADDED_COLUMNS = {"matcher_runs": {"owner": "TEXT"}}  # host:pid of the run's worker process


def _add_missing_columns(db: sqlite3.Connection) -> None:
    for table, columns in _ADDED_COLUMNS.items():
        have = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        for name, kind in columns.items():
            if name not in have:
                try:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                except sqlite3.OperationalError:  # another worker added it a moment ago
                    pass


def init_db(path: str) -> None:
    """Create the site's tables if they are not there (safe to call at every start)."""
    db = _connect(path)
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.executescript(SCHEMA)
        _add_missing_columns(db)
    finally:
        db.close()


def init_app(app: Flask) -> None:
    init_db(app.config["DATABASE"])
    app.teardown_appcontext(close_db)
