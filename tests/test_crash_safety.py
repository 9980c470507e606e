"""Crash safety (issue 7, item 4): ``baotuan import`` killed with SIGKILL at random moments leaves
the store exactly as before or exactly as after, never in between, on every kind of store.

The ``store`` fixture (tests/store_fixtures.py) runs it on SQLite and on Neo4j. The machinery is
``bench/crash_import.py`` (``--kills 100`` for the long run); here 20 kills per store. For SQLite
some kills are aimed inside the import's write transaction (while the process holds the store's
write lock) and the test checks that they landed there. On Neo4j a second run stages every import
(a tiny ``staged_above``: many transactions, one commit point) and aims kills at both sides of
the commit point: killed while staging, the store is as before; while applying, as after.
"""

from __future__ import annotations

import pytest

from graph_schema.store import SqliteGraphStore
from tests.store_fixtures import NEO4J_MARKS
from tests.support.crash_import import SAMPLE, CrashRun, moment, summary

pytestmark = pytest.mark.slow  # a subprocess per kill: minutes

KILLS = 20
STAGED_KILLS = 12


def _location(store) -> str:
    if isinstance(store, SqliteGraphStore):
        # This process must hold no connection while the crash run probes SQLite's locks.
        store.close()
        return str(store.path)
    return store.uri


@pytest.mark.timeout(3600)
def test_killed_imports_leave_the_store_before_or_after(store, tmp_path):
    run = CrashRun(_location(store), SAMPLE, tmp_path, seed=2020)
    run.setup()
    modes = ("timed", "in-transaction") if run.sqlite else ("timed",)
    trials = run.run(KILLS, modes)
    table = "\n".join(summary(trials))
    killed = [t for t in trials if t.killed]
    assert len(killed) >= KILLS, table
    assert all(t.state in ("before", "after") for t in trials), table
    assert {t.state for t in killed} >= {"before"}, table
    if run.sqlite:
        inside = [t for t in killed if moment(t) == "killed inside the write transaction"]
        assert len(inside) >= KILLS // 4, table


@pytest.mark.timeout(3600)
@NEO4J_MARKS[0]
@NEO4J_MARKS[1]
def test_killed_staged_imports_leave_the_store_before_or_after(neo4j_store, tmp_path, monkeypatch):
    # The sample (34,445 rows) in batches of 10,000: about ten transactions to apply.
    for variable in ("BAOTUAN_NEO4J_STAGED_ABOVE", "BAOTUAN_NEO4J_STALE_AFTER"):
        monkeypatch.setenv(variable, "")  # restored after the test; the run sets them
    run = CrashRun(neo4j_store.uri, SAMPLE, tmp_path, seed=2021, staged_above=1000)
    try:
        run.setup()
        trials = run.run(STAGED_KILLS, run.modes())
    finally:
        run.close()
    table = "\n".join(summary(trials))
    killed = [t for t in trials if t.killed]
    assert len(killed) >= STAGED_KILLS, table
    assert all(t.state in ("before", "after") for t in trials), table
    # Before the commit point nothing is stored; after it the import completes.
    staging = [t for t in killed if t.stage == "staging"]
    applying = [t for t in killed if t.stage == "applying"]
    assert staging and all(t.state == "before" for t in staging), table
    assert applying and all(t.state == "after" for t in applying), table
