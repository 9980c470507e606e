"""Which store, site database and Redis the site's test fixtures use, switched by environment.

By default (the first CI pass and everyday development) a site under test has a SQLite store
(a copy of the seeded sample), a SQLite site database in its instance folder and no Redis. The
second CI pass (``.ci/test``) runs the site and contract test files again with

==============================  ===============================================================
``BAOTUAN_TEST_STORE=neo4j``    the store is the Neo4j test server (``BAOTUAN_TEST_NEO4J_URI``),
                                holding the sample city; re-imported only after a test changed it
``BAOTUAN_TEST_DATABASE_URL``   a PostgreSQL database: each test gets a schema of its own
``BAOTUAN_TEST_REDIS_URL``      Redis: each test gets an emptied logical database (throttling
                                counts and the job queue); :func:`tests.webapp_fixtures.run_worker`
                                starts a ``baotuan worker`` for the tests that run the matcher
==============================  ===============================================================

Examples
--------
>>> with_search_path("postgresql://u:p@127.0.0.1:5432/site", "t_1")
'postgresql://u:p@127.0.0.1:5432/site?options=-csearch_path%3Dt_1'
"""

from __future__ import annotations

import functools
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

__all__ = [
    "TEST_STORE_VAR",
    "TEST_DATABASE_VAR",
    "TEST_REDIS_VAR",
    "site_store_kind",
    "with_search_path",
    "fresh_schema",
    "seeded_neo4j",
]

TEST_STORE_VAR = "BAOTUAN_TEST_STORE"
TEST_DATABASE_VAR = "BAOTUAN_TEST_DATABASE_URL"
TEST_REDIS_VAR = "BAOTUAN_TEST_REDIS_URL"


def site_store_kind() -> str:
    """``sqlite`` (default) or ``neo4j``: the store the site fixtures give an app."""
    kind = (os.environ.get(TEST_STORE_VAR) or "sqlite").strip().lower()
    if kind not in ("sqlite", "neo4j"):
        raise ValueError(f"{TEST_STORE_VAR}={kind!r}: expected sqlite or neo4j")
    return kind


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections look up tables in ``schema`` (psycopg's ``options``)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}', safe='')}"


@contextmanager
def fresh_schema(base_url: str) -> Iterator[str]:
    """A PostgreSQL schema of its own in the database ``base_url``, dropped afterwards.

    Yields the URL whose connections use it: the site's migrations create their tables there, so
    tests running at once (pytest-xdist) or one after another never see each other's rows.
    """
    from sqlalchemy import text

    from webapp.sitedb.engine import dispose_engine, make_engine

    schema = f"t_{uuid.uuid4().hex[:16]}"
    url = with_search_path(base_url, schema)
    admin = make_engine(base_url)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield url
    finally:
        dispose_engine(url)  # the site's pooled connections to it (else DROP SCHEMA waits for them)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _fingerprint(store) -> str:
    """What changes whenever a test writes data: the table versions and the row counts.

    The audit trail is left out: every sign-in appends to it, so it grows across the tests of a
    pass (a test must not count all of its entries, only look for its own).
    """
    return repr((sorted(store.table_versions().items()), sorted(store.counts().items())))


def _seeded_record(uri: str) -> Path:
    """Where the fingerprint of the last seeding of ``uri`` is kept, for every test process (the
    xdist workers take turns on the server, so a per-process memory would re-seed each turn)."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", uri).strip("-")
    return Path(tempfile.gettempdir()) / f"baotuan-neo4j-tests-{name}.seeded"


@functools.cache
def _sample(sample_dir: Path):
    """The sample folder, read and checked once per process (the seeding imports it often)."""
    from graph_schema.contract.interchange import read_data

    return read_data(sample_dir)


@contextmanager
def seeded_neo4j(uri: str, sample_dir: Path) -> Iterator[str]:
    """The Neo4j test server holding exactly the sample city, for one test (held exclusively).

    The sample is imported again only when the database is not as this process left it after
    its last import (a test wrote to it, or another process used the server), so the tests that
    only read cost nothing.
    """
    from tests.store_fixtures import exclusive_server, open_neo4j

    with exclusive_server(uri):
        record = _seeded_record(uri)
        store = open_neo4j(uri)
        try:
            last = record.read_text(encoding="utf-8") if record.exists() else None
            if last != _fingerprint(store):
                record.unlink(missing_ok=True)  # a seeding cut short must not count
                store.clear()
                store.import_dataset(
                    _sample(sample_dir), actor="test-setup", source=os.fspath(sample_dir)
                )
                record.write_text(_fingerprint(store), encoding="utf-8")
        finally:
            store.close()
        yield uri
