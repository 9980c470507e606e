"""The assistance ledger (帮扶台账) in both stores: activities.csv and activity_volunteers.csv.

Each test runs against SQLite and against the real Neo4j test server (the ``store`` fixture).
"""

from __future__ import annotations

import pandas as pd
import pytest

from graph_schema import Dataset, ValidationError, read_data
from graph_schema.contract.interchange import write_data
from graph_schema.operations import import_path
from tests.test_store_contract import small_world

__all__: list[str] = []


def _volunteers() -> dict[str, pd.DataFrame]:
    return {
        "volunteers": pd.DataFrame(
            {
                "volunteer_id": ["P1", "P2"],
                "name": ["张伟", "李娜"],
                "lat": [36.2, 36.1],
                "lon": [117.1, 117.0],
                "county": ["泰山区", "泰山区"],
                "hours_per_month": [20.0, None],
                "org_id": ["O1", "O2"],
            }
        )
    }


def _ledger() -> dict[str, pd.DataFrame]:
    return {
        "activities": pd.DataFrame(
            {
                "activity_id": ["A1", "A2"],
                "village_id": ["V1", "V2"],
                "org_id": ["O1", "O2"],
                "service": ["medical", "education"],
                "date": ["2026-05-03", "2026-06-10"],
                "beneficiaries": [120, None],
                "value_yuan": [3500.0, None],
                "note": ["义诊：血压、血糖筛查", None],
            }
        ),
        "activity_volunteers": pd.DataFrame(
            {
                "activity_id": ["A1", "A1", "A2"],
                "volunteer_id": ["P1", "P2", "P2"],
                "hours": [6.0, 4.5, 3.0],
            }
        ),
    }


def ledger_world() -> Dataset:
    """The small world of the contract tests with two volunteers and two recorded activities."""
    return Dataset({**small_world(), **_volunteers(), **_ledger()})


def test_the_ledger_is_stored_and_exported_as_imported(store, tmp_path):
    folder = write_data(ledger_world(), tmp_path / "in")
    report = import_path(store, folder, actor="县民政局")
    assert report.changed["activities"] == 2 and report.changed["activity_volunteers"] == 3
    assert store.counts()["activity_volunteers"] == 3
    loaded = store.load_dataset()
    assert loaded.equals(read_data(folder))
    a1 = loaded["activities"].set_index("activity_id").loc["A1"]
    assert (a1["village_id"], a1["service"], a1["beneficiaries"]) == ("V1", "medical", 120)
    assert pd.isna(loaded["activities"].set_index("activity_id").loc["A2", "value_yuan"])
    out = write_data(loaded, tmp_path / "out")
    assert (out / "activity_volunteers.csv").exists()
    assert read_data(out).equals(read_data(folder))
    # the same folder again changes nothing
    again = import_path(store, folder)
    assert again.changed["activities"] == 0 and again.changed["activity_volunteers"] == 0


def test_a_later_file_of_hours_may_refer_to_stored_activities(store, tmp_path):
    store.import_dataset(ledger_world())
    later = Dataset(
        {
            "activity_volunteers": pd.DataFrame(
                {"activity_id": ["A2"], "volunteer_id": ["P1"], "hours": [2.0]}
            )
        }
    )
    folder = write_data(later, tmp_path / "later")
    for name in ("villages", "needs", "organizations", "capabilities"):
        (folder / f"{name}.csv").unlink()  # only the one file, as an organization would send it
    store.import_dataset(read_data(folder, known_ids=store.known_ids(), require_all=False))
    hours = store.query("activity_volunteers", {"activity_id": "A2"})
    assert sorted(hours["volunteer_id"]) == ["P1", "P2"]


def test_an_activity_in_an_unknown_village_is_refused_and_nothing_is_lost(store, tmp_path):
    store.import_dataset(ledger_world())
    before = store.load_dataset()
    bad = Dataset(
        {
            "activities": pd.DataFrame(
                {
                    "activity_id": ["A3"],
                    "village_id": ["V9"],
                    "org_id": ["O1"],
                    "service": ["medical"],
                    "date": ["2026-07-01"],
                }
            )
        }
    )
    folder = write_data(bad, tmp_path / "bad")
    with pytest.raises(ValidationError) as refused:
        import_path(store, folder)
    assert "activities.csv:2: village_id: unknown village 'V9'" in map(str, refused.value.problems)
    assert store.load_dataset().equals(before)


def test_one_activity_recorded_changed_and_removed_with_its_audit(store):
    store.import_dataset(ledger_world())
    row = pd.DataFrame(
        {
            "activity_id": ["A3"],
            "village_id": ["V1"],
            "org_id": ["O1"],
            "service": ["medical"],
            "date": ["2026-07-01"],
            "beneficiaries": [40],
        }
    )
    assert store.upsert_rows("activities", row, actor="O1") == 1
    row["beneficiaries"] = [45]
    assert store.upsert_rows("activities", row, actor="O1") == 1
    got = store.query("activities", {"village_id": "V1"}).set_index("activity_id")
    assert got.loc["A3", "beneficiaries"] == 45 and set(got.index) == {"A1", "A3"}
    assert store.delete_rows("activities", [("A3",)], actor="O1") == 1
    entry = store.audit_log(limit=1)[0]
    assert (entry.actor, entry.action, entry.target) == ("O1", "delete", "activities:A3")
    assert "A3" not in set(store.load_dataset()["activities"]["activity_id"])
