"""The Neo4j store's staged import: many transactions, one commit point, still all or nothing.

Every test opens stores with a tiny ``staged_above`` so that small worlds take the staged path
(``graph_schema/store/neo4j_staged.py``; docs/neo4j.md, "Transactions"). Crashes are real: a child
process kills itself with SIGKILL at a chosen step of its import.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from graph_schema import Dataset, read_data
from graph_schema.errors import CapacityError, ImportInProgressError, NotFoundError
from graph_schema.store import GroupMember
from graph_schema.store.neo4j import Neo4jGraphStore
from tests.store_fixtures import NEO4J_MARKS, open_neo4j
from tests.test_store_contract import small_world
from webapp.settings import Settings

pytestmark = list(NEO4J_MARKS)
ROOT = Path(__file__).resolve().parent.parent

#: a child that imports ``small_world()`` plus a partnership, staged, and kills itself at a step
KILLED_IMPORT = """
import os, signal, sys
import pandas as pd
from graph_schema import Dataset
from tests.store_fixtures import open_neo4j
from tests.test_neo4j_staged_import import with_partnership

phase, step = sys.argv[1], int(sys.argv[2])

def progress(now, done, total):
    if now == phase and done >= step:
        os.kill(os.getpid(), signal.SIGKILL)

store = open_neo4j(os.environ["BAOTUAN_TEST_NEO4J_URI"], staged_above=1,
                                 batch_size=2, progress=progress)
store.import_dataset(with_partnership(), actor="killed", source="kill-test")
"""


def with_partnership() -> Dataset:
    """``small_world()`` with renamed villages and O1 (room for one village) supporting V1."""
    world = small_world()
    villages = world["villages"].assign(name=world["villages"]["name"] + "·2")
    partnerships = pd.DataFrame(
        {"village_id": ["V1"], "org_id": ["O1"], "role": ["lead"], "since": ["2024-01-01"]}
    )
    return Dataset({**world, "villages": villages, "partnerships": partnerships})


def staged(uri: str, **options) -> Neo4jGraphStore:
    options.setdefault("staged_above", 1)
    options.setdefault("batch_size", 2)
    return open_neo4j(uri, **options)


def state(store) -> tuple[str, list]:
    """What a user sees: every row, and the audit trail."""
    entries = store.audit_log(limit=1000)
    return store.load_dataset().as_text(extra=True), [(e.action, e.after) for e in entries]


def pause_after_first_apply():
    """A ``progress`` that holds an import after its first applied batch until ``go`` is set."""
    applying, go = threading.Event(), threading.Event()

    def pause(phase: str, done: int, total: int) -> None:
        if phase == "applying" and done == 1:
            applying.set()
            go.wait(30)

    return applying, go, pause


def kill_import_at(phase: str, step: int) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_IMPORT, phase, str(step)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == -9, done.stderr  # SIGKILL, at the step asked for


def test_a_staged_import_stores_what_one_transaction_stores(neo4j_store, neo4j_uri, sample_dir):
    data = read_data(sample_dir)
    single = neo4j_store.import_dataset(data, actor="tester", source="sample")
    expected, entry = neo4j_store.load_dataset(), neo4j_store.audit_log()[0]
    neo4j_store.clear()
    steps: list[tuple] = []
    store = staged(neo4j_uri, batch_size=5000, progress=lambda *step: steps.append(step))
    try:
        report = store.import_dataset(data, actor="tester", source="sample")
        assert steps[-1][0] == "applying" and steps[-1][1] == steps[-1][2] > 5  # many transactions
        assert report.changed == single.changed == data.counts()
        assert store.load_dataset().equals(expected)
        got = store.audit_log()[0]
        assert (got.actor, got.action, got.target, got.after) == (
            entry.actor,
            entry.action,
            entry.target,
            entry.after,
        )
        again = store.import_dataset(data, actor="tester", source="sample")
        assert again.total_changed == 0
        assert store.load_dataset().equals(expected) and store.import_jobs() == []
        assert [e.after["changed"] for e in store.audit_log(action="import")] == [
            again.changed,
            report.changed,
        ]
    finally:
        store.close()


def test_dangling_references_are_refused_and_nothing_is_stored(neo4j_store, neo4j_uri):
    store = staged(neo4j_uri)
    try:
        world = small_world()
        store.import_dataset(Dataset({"villages": world["villages"]}))  # stored ids may be used
        before = state(store)
        needs = pd.concat(
            [
                world["needs"],
                pd.DataFrame({"village_id": ["V404"], "service": ["medical"], "severity": [3]}),
            ]
        )
        with pytest.raises(
            NotFoundError, match="needs: village_id refers to villages that are not stored: V404"
        ):
            store.import_dataset(Dataset({"needs": needs}))
        assert state(store) == before and store.import_jobs() == []
        store.import_dataset(Dataset({"needs": world["needs"]}))  # the stored villages
        assert store.counts()["needs"] == 2
    finally:
        store.close()


def test_a_failure_while_staging_leaves_the_store_unchanged(neo4j_store, neo4j_uri):
    neo4j_store.import_dataset(small_world())
    before = state(neo4j_store)

    def interrupt(phase: str, done: int, total: int) -> None:
        if phase == "staging":  # the first batches are in the database: the operator hits Ctrl-C
            raise KeyboardInterrupt

    store = staged(neo4j_uri, progress=interrupt)
    try:
        with pytest.raises(KeyboardInterrupt):
            store.import_dataset(with_partnership())
        assert state(store) == before and store.import_jobs() == []
        store.progress = None
        assert store.import_dataset(with_partnership()).changed["villages"] == 3
    finally:
        store.close()


def test_an_import_killed_while_applying_is_finished(neo4j_store, neo4j_uri):
    neo4j_store.import_dataset(small_world())
    kill_import_at("applying", 2)
    # The client is gone, but only for a moment: a store opened now waits for it, then refuses.
    waiting = staged(neo4j_uri, import_wait=1)
    try:
        (job,) = waiting.import_jobs()
        assert job.state == "applying" and job.actor == "killed"
        with pytest.raises(ImportInProgressError, match="kill-test by killed"):
            waiting.approve_group("V2", [GroupMember("O1")], actor="officer")
        with pytest.raises(ImportInProgressError):
            waiting.load_dataset()
    finally:
        waiting.close()
    # After stale_after seconds without a sign of life the next store to open finishes it.
    store = staged(neo4j_uri, stale_after=0)
    try:
        assert store.import_jobs() == []
        assert store.load_dataset().equals(with_partnership())
        entry = store.audit_log(action="import")[0]
        assert (entry.actor, entry.target) == ("killed", "kill-test")
        assert entry.after["changed"] == {**dict.fromkeys(with_partnership().counts(), 0),
                                          "villages": 3, "partnerships": 1}  # fmt: skip
        with pytest.raises(CapacityError):  # O1 supports V1 now, as imported
            store.approve_group("V2", [GroupMember("O1")], actor="officer")
    finally:
        store.close()


def test_an_import_killed_while_staging_is_discarded(neo4j_store, neo4j_uri):
    neo4j_store.import_dataset(small_world())
    before = state(neo4j_store)
    kill_import_at("staging", 1)
    assert [j.state for j in neo4j_store.import_jobs()] == ["staging"]
    assert state(neo4j_store) == before  # staged rows are not stored rows
    store = staged(neo4j_uri, stale_after=0)
    try:
        assert store.import_jobs() == [] and state(store) == before
        with store.tx.session() as session:
            assert session.run("MATCH (b:StagedBatch) RETURN count(b) AS n").single()["n"] == 0
    finally:
        store.close()


def test_an_approval_during_an_import_waits_for_it(neo4j_store, neo4j_uri):
    """An officer approves O1 (room for one village) while an import gives O1 a village."""
    neo4j_store.import_dataset(small_world())
    applying, go, pause = pause_after_first_apply()
    importer = staged(neo4j_uri, progress=pause)
    officer = open_neo4j(neo4j_uri)
    outcome: list[str] = []

    def approve() -> None:
        try:
            officer.approve_group("V2", [GroupMember("O1", "lead")], actor="officer")
            outcome.append("approved")
        except CapacityError:
            outcome.append("full")

    try:
        loading = threading.Thread(target=importer.import_dataset, args=(with_partnership(),))
        loading.start()
        assert applying.wait(60)
        approval = threading.Thread(target=approve)
        approval.start()
        approval.join(2)
        assert approval.is_alive()  # waiting for the import, not writing into half of it
        go.set()
        loading.join(60)
        approval.join(60)
        assert outcome == ["full"]
        assert officer.load_dataset().equals(with_partnership())
    finally:
        go.set()
        importer.close()
        officer.close()


def test_two_large_imports_apply_one_after_the_other(neo4j_store, neo4j_uri):
    neo4j_store.import_dataset(small_world())
    applying, go, pause = pause_after_first_apply()
    first, second = staged(neo4j_uri, progress=pause), staged(neo4j_uri)
    world = small_world()
    renamed = Dataset({"villages": world["villages"].assign(name=["甲", "乙", "丙"])})
    try:
        one = threading.Thread(target=first.import_dataset, args=(with_partnership(), "first"))
        one.start()
        assert applying.wait(60)
        two = threading.Thread(target=second.import_dataset, args=(renamed, "second"))
        two.start()
        two.join(3)
        assert two.is_alive()  # staged, waiting at its commit point
        assert sorted(j.state for j in second.import_jobs()) == ["applying", "staging"]
        go.set()
        one.join(60)
        two.join(60)
        expected = with_partnership()
        expected = Dataset({**{n: expected[n] for n in expected}, "villages": renamed["villages"]})
        assert second.load_dataset().equals(expected)
        assert [e.actor for e in second.audit_log(action="import")][:2] == ["second", "first"]
    finally:
        go.set()
        first.close()
        second.close()


def test_the_environment_sets_the_threshold(neo4j_store, neo4j_uri, monkeypatch):
    monkeypatch.setenv("BAOTUAN_NEO4J_STAGED_ABOVE", "7")
    monkeypatch.setenv("BAOTUAN_NEO4J_STALE_AFTER", "2.5")
    for options, expected in (({}, (7, 2.5)), ({"staged_above": 9}, (9, 2.5))):
        with Settings.from_env(store=neo4j_uri).open_store(**options) as store:
            assert (store.staged_above, store.stale_after) == expected


@pytest.fixture(autouse=True)
def _no_import_settings(monkeypatch):
    """The stores here take their settings as arguments, never from a developer's environment."""
    for name in list(os.environ):
        if name.startswith("BAOTUAN_NEO4J_"):
            monkeypatch.delenv(name)
