"""``table_versions`` and ``query``: what the site's caches rely on, on both stores."""

from __future__ import annotations

import pandas as pd
import pytest

from graph_schema.operations import import_path
from graph_schema.store import GroupMember


def test_versions_move_with_the_table_that_changed(store, sample_dir):
    start = store.table_versions()
    import_path(store, sample_dir)
    after_import = store.table_versions()
    assert all(after_import[t] > start[t] for t in ("villages", "needs", "partnerships"))

    again = import_path(store, sample_dir)
    assert again.total_changed == 0
    assert store.table_versions() == after_import  # a no-op import changes no version

    store.append_audit("officer:a", "export_letter", "village:V000000")
    assert store.table_versions() == after_import  # an event that changes no data

    village = sorted(
        set(store.load_dataset()["villages"]["village_id"])
        - set(store.load_dataset()["partnerships"]["village_id"])
    )[0]
    orgs = store.load_dataset()["organizations"]
    free = orgs.loc[orgs["max_villages"] >= 3, "org_id"].iloc[0]
    store.approve_group(village, [GroupMember(free, "lead")], actor="officer:a")
    approved = store.table_versions()
    assert approved["partnerships"] > after_import["partnerships"]
    assert {t: v for t, v in approved.items() if t != "partnerships"} == {
        t: v for t, v in after_import.items() if t != "partnerships"
    }

    store.upsert_rows(
        "needs",
        pd.DataFrame({"village_id": [village], "service": ["livelihood"], "severity": [5]}),
        actor="officer:a",
    )
    assert store.table_versions()["needs"] > approved["needs"]


def test_query_reads_rows_by_column(store, sample_dir):
    import_path(store, sample_dir)
    needs = store.query("needs", {"village_id": "V000000"})
    expected = store.load_dataset()["needs"]
    expected = expected[expected["village_id"] == "V000000"]
    assert sorted(needs["service"]) == sorted(expected["service"])
    assert needs["severity"].dtype == "Int64"
    assert store.query("villages", {"village_id": "nope"}).empty


@pytest.mark.neo4j
def test_an_emptied_and_reimported_neo4j_store_never_shows_the_cached_world(
    neo4j_store, sample_dir
):
    # A demo reset (clear, then import) while the site runs: had the versions started again at 0,
    # the same writes would bring them back to numbers the site cached a World for, and its pages
    # would go on showing the old partnerships (seen as an order-dependent test failure).
    from webapp.officer.world_cache import current_world

    def approve_a_free_village(index: int) -> str:
        dataset = neo4j_store.load_dataset()
        villages = sorted(
            set(dataset["villages"]["village_id"]) - set(dataset["partnerships"]["village_id"])
        )
        village = villages[index]
        orgs = dataset["organizations"]
        free = orgs.loc[orgs["max_villages"] >= 3, "org_id"].iloc[0]
        neo4j_store.approve_group(village, [GroupMember(free, "lead")], actor="officer:a")
        return village

    import_path(neo4j_store, sample_dir)
    first = approve_a_free_village(0)
    seen = neo4j_store.table_versions()
    assert first in set(current_world(neo4j_store).dataset["partnerships"]["village_id"])

    neo4j_store.clear()
    assert all(v > seen[t] for t, v in neo4j_store.table_versions().items())  # never back
    import_path(neo4j_store, sample_dir)
    second = approve_a_free_village(1)  # as many writes as before
    shown = set(current_world(neo4j_store).dataset["partnerships"]["village_id"])
    assert second in shown and first not in shown
