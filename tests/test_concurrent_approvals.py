"""Two officers approving groups that together exceed an organization's capacity: one wins.

1,000 races per store through a real server process (see ``bench/race_approvals.py``).
"""

from __future__ import annotations

import pytest

from tests.store_fixtures import STORE_KINDS
from tests.support.race_approvals import run_races

RACES = 1000


@pytest.mark.slow
@pytest.mark.parametrize("kind", STORE_KINDS)
def test_exactly_one_approval_wins_every_race(kind, request, tmp_path):
    if kind == "neo4j":
        store = request.getfixturevalue("neo4j_store")
        location = store.uri
    else:
        from graph_schema.store import SqliteGraphStore

        location = str(tmp_path / "race.sqlite")
        store = SqliteGraphStore(location)
        request.addfinalizer(store.close)
    report = run_races(store, location, RACES, tmp_path / "instance", parallel=4)
    assert report.unexpected == []
    assert report.one_winner == RACES and report.clear_refusals == RACES
    assert report.both_won == 0 and report.none_won == 0 and report.server_errors == 0
    assert report.violations == 0
    partners = store.load_dataset()["partnerships"]
    assert len(partners) == RACES
    approvers = {e.actor for e in store.audit_log(limit=RACES + 10, action="approve_group")}
    assert approvers <= {"officer:officer_a", "officer:officer_b"} and len(approvers) == 2
