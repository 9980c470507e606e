"""Crash safety (issue 7, item 4): ``baotuan import`` killed with SIGKILL at random moments leaves
the store exactly as before or exactly as after, never in between, on every kind of store.

The ``store`` fixture (tests/store_fixtures.py) runs it on SQLite and on Neo4j. The machinery is
``bench/crash_import.py`` (``--kills 100`` for the long run); here 20 kills per store. For SQLite
some kills are aimed inside the import's write transaction (while the process holds the store's
write lock) and the test checks that they landed there.
"""

from __future__ import annotations

import pytest

from bench.crash_import import SAMPLE, CrashRun, moment, summary
from graph_schema.store import SqliteGraphStore

KILLS = 20


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
