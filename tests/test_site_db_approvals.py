"""An approval's writes (intent, partnership in the store, decision) killed between them with
SIGKILL on each store, SQLite and Neo4j: a restarted site repairs, and the partnership and the
decision agree (docs/site-data.md). The site database is the instance's SQLite file, or the
PostgreSQL of ``BAOTUAN_TEST_DATABASE_URL`` (a schema of its own)."""

from __future__ import annotations

import contextlib
import os

import pytest

from graph_schema.store import SqliteGraphStore
from tests.support.crash_approval import (
    GROUP,
    POINTS,
    kill_at,
    state_after_restart,
    tiny_world,
)
from tests.support.site_backends import TEST_DATABASE_VAR, fresh_schema

pytestmark = pytest.mark.slow  # a process per kill

WANTED = {(m.org_id, m.role) for m in GROUP}


@pytest.fixture
def database_url():
    base = os.environ.get(TEST_DATABASE_VAR)
    with fresh_schema(base) if base else contextlib.nullcontext("") as url:
        yield url


def _location(store) -> str:
    store.import_dataset(tiny_world(), actor="test-setup")
    if isinstance(store, SqliteGraphStore):
        store.close()  # the child and the restarted site open it themselves
        return str(store.path)
    return store.uri


def _finished_run(instance: str, location: str, database_url: str) -> int:
    from graph_schema.store.base import now_iso
    from tests.support.crash_approval import _app
    from webapp.sitedb import get_session
    from webapp.sitedb.models import MatcherRun

    app = _app(instance, location, database_url)
    try:
        with app.app_context():
            run = MatcherRun(
                started_by="officer:crash",
                started_at=now_iso(),
                finished_at=now_iso(),
                status="done",
                max_group=4,
                result_json="{}",
            )
            get_session().add(run)
            get_session().commit()
            return int(run.id)
    finally:
        app.extensions["baotuan_store"].close()


@pytest.mark.timeout(900)
def test_an_approval_killed_between_its_writes_is_repaired_at_start(store, tmp_path, database_url):
    location = _location(store)
    instance = str(tmp_path / "instance")
    run_id = _finished_run(instance, location, database_url)
    expected = {
        # killed before the store was written: nothing anywhere, the intent undone
        "after-intent": (set(), None, "undone"),
        # killed after the store, before the decision: the repair records the decision
        "after-store": (WANTED, "accepted", "done"),
        "after-decision": (WANTED, "accepted", "done"),
    }
    villages = {"after-intent": "V1", "after-store": "V2", "after-decision": "V1"}
    for point in POINTS:
        village = villages[point]
        assert kill_at(point, instance, location, database_url, run_id, village) == -9, point
        after = state_after_restart(instance, location, database_url, run_id, village)
        partnership, decision, last_state = expected[point]
        assert after.partnership == partnership, point
        assert after.decision == decision, point
        assert after.intents[-1] == last_state, (point, after.intents)
        assert "pending" not in after.intents, (point, after.intents)
        # the invariant: a decision exactly when the group is in force
        assert (after.decision == "accepted") == (after.partnership == WANTED), point
