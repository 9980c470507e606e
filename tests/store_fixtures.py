"""Store fixtures: ``store`` runs a test once against each store, SQLite and a real Neo4j.

``tests/conftest.py`` imports the fixtures and the ``pytest_runtest_setup`` hook, so every test
module can ask for ``store``, ``neo4j_store`` or ``neo4j_uri``.

The Neo4j runs use the server named by ``BAOTUAN_TEST_NEO4J_URI`` (with ``NEO4J_USER`` and
``NEO4J_PASSWORD``), which ``.ci/neo4j-server`` starts; every test gets the database emptied first.
They carry ``pytest.mark.neo4j`` and ``xdist_group("neo4j")``; and because the one database
Community has must not be emptied under a running test, ``neo4j_store`` also holds a file lock
per server for the whole test, so two xdist workers (or two test runs in one checkout) take
turns. (The lock is what counts. ``--dist loadgroup`` also sends every ``neo4j`` test to one
worker, so the other is not left waiting on the lock: pytest-xdist 3.8 renames ``item._nodeid``,
which pytest 9 ignores, and ``tests/conftest.py`` gives the group its name itself.) Without the variable
the tests are skipped with one line saying how to start the server; with ``CI`` set they fail.
"""

from __future__ import annotations

import fcntl
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from graph_schema.errors import StoreUnavailableError
from graph_schema.store import GraphStore, SqliteGraphStore

__all__ = [
    "NEO4J_URI_VAR",
    "START_HINT",
    "NEO4J_MARKS",
    "STORE_KINDS",
    "pytest_runtest_setup",
    "neo4j_uri",
    "neo4j_store",
    "each_store",
    "open_again",
    "exclusive_server",
    "open_neo4j",
]

NEO4J_URI_VAR = "BAOTUAN_TEST_NEO4J_URI"
START_HINT = 'bash .ci/neo4j-server fetch && bash .ci/neo4j-server start && eval "$(bash .ci/neo4j-server env)"'
#: marks for a test (or a parameter) that needs the Neo4j test server
NEO4J_MARKS = (pytest.mark.neo4j, pytest.mark.xdist_group("neo4j"))
STORE_KINDS = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("neo4j", id="neo4j", marks=NEO4J_MARKS),
)


def _no_server() -> None:
    """Skip (fail under ``CI``) when no test server is configured."""
    if os.environ.get(NEO4J_URI_VAR):
        return
    message = f"no Neo4j test server ({NEO4J_URI_VAR} unset); start one: {START_HINT}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def pytest_runtest_setup(item) -> None:
    """Tests marked ``neo4j`` skip here, before their fixtures, so ``-ra`` shows one line for all."""
    if item.get_closest_marker("neo4j") is not None:
        _no_server()


@pytest.fixture(scope="session")
def neo4j_uri() -> str:
    """The test server's URI (skips, or fails under CI, when none is configured)."""
    _no_server()
    return os.environ[NEO4J_URI_VAR]


def open_neo4j(uri: str, **options):
    """A Neo4j store on ``uri`` with the test server's credentials (``NEO4J_USER``, ...)."""
    from graph_schema.store import open_store
    from webapp.settings import credentials_from_env

    return open_store(uri, credentials_from_env(), **options)


@contextmanager
def exclusive_server(uri: str) -> Iterator[None]:
    """Hold the test server ``uri`` for this process: other processes wait (an flock on a file)."""
    name = re.sub(r"[^A-Za-z0-9]+", "-", uri).strip("-")
    path = Path(tempfile.gettempdir()) / f"baotuan-neo4j-tests-{name}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@pytest.fixture
def neo4j_store(neo4j_uri):
    """A :class:`Neo4jGraphStore` on an emptied database, held by this test alone."""
    with exclusive_server(neo4j_uri):
        try:
            store = open_neo4j(neo4j_uri)
        except StoreUnavailableError as exc:
            pytest.fail(f"{exc}; restart it: {START_HINT}", pytrace=False)
        store.clear()
        yield store
        store.close()


@pytest.fixture(name="store", params=STORE_KINDS)
def each_store(request, tmp_path) -> GraphStore:
    """An empty store of each kind: the test runs once per store."""
    if request.param == "neo4j":
        return request.getfixturevalue("neo4j_store")
    sqlite = SqliteGraphStore(tmp_path / "baotuan.sqlite")
    request.addfinalizer(sqlite.close)
    return sqlite


def open_again(store: GraphStore) -> GraphStore:
    """A second, independent store object on the same database (another process would do this)."""
    if isinstance(store, SqliteGraphStore):
        return SqliteGraphStore(store.path)
    from graph_schema.store.neo4j import Neo4jGraphStore

    assert isinstance(store, Neo4jGraphStore)
    return open_neo4j(store.uri)
