"""The site-database tables of the organization pages: contacts and registrations awaiting 审核.

Contacts (contact person, phone) are not part of the data contract, so they live here, keyed by
``org_id``, rather than in the store: exports of the data folder stay exactly the contract, and
both stores (SQLite and Neo4j) need no change. Every write to them is audited in the store.
"""

from __future__ import annotations

import sqlite3

from flask import Flask

__all__ = ["SCHEMA", "ensure_tables", "ensure_schema"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS org_contacts (
    org_id TEXT PRIMARY KEY,
    contact_name TEXT,
    phone TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS org_registrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL,
    name TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    submitted_at TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    reason TEXT
);
CREATE INDEX IF NOT EXISTS org_registrations_status ON org_registrations(status);
"""


def ensure_schema(app: Flask, script: str) -> None:
    """Run ``CREATE ... IF NOT EXISTS`` statements on the site database (safe at every start)."""
    db = sqlite3.connect(app.config["DATABASE"], timeout=30)
    try:
        db.executescript(script)
    finally:
        db.close()


def ensure_tables(app: Flask) -> None:
    """Create the organization pages' tables if they are missing."""
    ensure_schema(app, SCHEMA)
