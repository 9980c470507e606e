"""The 疑点清单 rules on the assistance ledger (issue 15): each triggers on a small world that
shows it, and stays quiet just below its line."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graph_schema import Dataset
from webapp.integrity import find_items
from webapp.integrity.ledger_rules import (
    activity_outside_partnership,
    ledger_hours_beyond_month,
    reach_beyond_population,
    volunteer_in_distant_villages,
)
from webapp.integrity.rules import RULE_LABELS_ZH, Thresholds

__all__: list[str] = []

TODAY = dt.date(2026, 12, 1)


def ledger(activities: list[tuple], hours: list[tuple] | tuple = (), **tables) -> Dataset:
    """Villages V1 (泰山区) and V2 (25 km away) and V3 (东平县, ~100 km), volunteers P1/P2,
    O1 supporting V1 since 2026-03-01, and the given activities and hours."""
    villages = pd.DataFrame(
        {
            "village_id": ["V1", "V2", "V3"],
            "name": ["易洼村", "邹营村", "上泉村"],
            "county": ["泰山区", "岱岳区", "东平县"],
            "lat": [36.30, 36.10, 35.90],
            "lon": [117.20, 117.10, 116.15],
            "population": [490, 800, None],
        }
    )
    volunteers = pd.DataFrame(
        {
            "volunteer_id": ["P1", "P2"],
            "name": ["张伟", "李娜"],
            "lat": [36.2, 36.1],
            "lon": [117.1, 117.0],
            "hours_per_month": [10.0, None],
            "org_id": ["O1", "O1"],
        }
    )
    acts = pd.DataFrame(
        activities,
        columns=["activity_id", "village_id", "org_id", "date", "beneficiaries"],
    ).assign(service="medical")
    return Dataset(
        {
            "villages": villages,
            "volunteers": volunteers,
            "partnerships": pd.DataFrame(
                {"village_id": ["V1"], "org_id": ["O1"], "since": ["2026-03-01"]}
            ),
            "activities": acts,
            "activity_volunteers": pd.DataFrame(
                list(hours), columns=["activity_id", "volunteer_id", "hours"]
            ),
            **tables,
        }
    )


def test_hours_beyond_what_a_volunteer_gives_a_month_are_found_per_month():
    ds = ledger(
        [
            ("A1", "V1", "O1", "2026-05-03", None),
            ("A2", "V1", "O1", "2026-05-20", None),
            ("A3", "V1", "O1", "2026-06-02", None),
        ],
        [("A1", "P1", 6.0), ("A2", "P1", 5.0), ("A3", "P1", 10.0), ("A1", "P2", 24.0)],
    )
    items = ledger_hours_beyond_month(ds)
    # May: 11 h of 10; June: exactly 10 is fine; P2 gave no monthly hours, so nothing to exceed
    assert [i.params for i in items] == [
        {"volunteer_id": "P1", "month": "2026-05", "hours": 11, "hours_per_month": 10}
    ]
    assert items[0].subject == "volunteers:P1"
    more = ledger(
        [("A1", "V1", "O1", "2026-05-03", None), ("A2", "V1", "O1", "2026-05-20", None)],
        [("A1", "P1", 6.0), ("A2", "P1", 6.0)],
    )
    # one more hour is a new item (a different key), so a checked item comes back
    assert ledger_hours_beyond_month(more)[0].key != items[0].key


def test_one_volunteer_in_two_distant_villages_the_same_day():
    ds = ledger(
        [
            ("A1", "V1", "O1", "2026-05-03", None),
            ("A2", "V3", "O1", "2026-05-03", None),
            ("A3", "V2", "O1", "2026-05-04", None),
            ("A4", "V1", "O1", "2026-05-04", None),
        ],
        [("A1", "P1", 2.0), ("A2", "P1", 2.0), ("A3", "P2", 2.0), ("A4", "P2", 2.0)],
    )
    items = volunteer_in_distant_villages(ds)
    # P1: 易洼村 and 上泉村 ~108 km apart on one day; P2: 邹营村 and 易洼村 only ~23 km apart
    assert [(i.params["volunteer_id"], i.params["village_ids"]) for i in items] == [
        ("P1", ["V1", "V3"])
    ]
    assert "易洼村（V1）和 上泉村（V3）" in items[0].reason
    assert volunteer_in_distant_villages(ds, Thresholds(ledger_distant_km=20.0))[1:] != []


def test_people_reached_beyond_the_village_population():
    ds = ledger(
        [
            ("A1", "V1", "O1", "2026-05-03", 491),
            ("A2", "V1", "O1", "2026-05-04", 490),
            ("A3", "V3", "O1", "2026-05-04", 100_000),  # population unknown: nothing to compare
        ]
    )
    items = reach_beyond_population(ds)
    assert [i.params["activity_id"] for i in items] == ["A1"]
    assert (
        items[0].reason == "活动 A1（易洼村 V1，2026-05-03）记录服务 491 人次，超过该村人口 490 人"
    )


def test_activities_outside_the_partnership_dates():
    ds = ledger(
        [
            ("A1", "V1", "O1", "2026-02-28", None),  # the day before the partnership began
            ("A2", "V1", "O1", "2026-03-01", None),  # its first day: fine
            ("A3", "V2", "O1", "2026-05-01", None),  # no partnership of O1 with V2
            ("A4", "V1", "O1", "2026-12-02", None),  # after today
        ]
    )
    items = activity_outside_partnership(ds, today=TODAY)
    assert [(i.params["activity_id"], i.params["why"]) for i in items] == [
        ("A1", "early"),
        ("A3", "none"),
        ("A4", "future"),
    ]
    assert items[0].reason == "活动 A1（O1 在 V1，2026-02-28）早于帮扶关系开始日期 2026-03-01"


def test_the_list_runs_the_ledger_rules_with_the_others():
    ds = ledger(
        [("A1", "V2", "O1", "2026-05-03", 900)],
        [("A1", "P1", 12.0)],
    )
    rules = {i.rule for i in find_items(ds, today=TODAY)}
    assert {"ledger_hours", "reach_beyond_population", "activity_outside_partnership"} <= rules
    assert RULE_LABELS_ZH["volunteer_two_places"] == "志愿者同日异地"
    # a world without any ledger gives none of them
    empty = Dataset({"villages": ds["villages"], "volunteers": ds["volunteers"]})
    assert not {i.rule for i in find_items(empty, today=TODAY)} & {
        "ledger_hours",
        "volunteer_two_places",
        "reach_beyond_population",
        "activity_outside_partnership",
    }
