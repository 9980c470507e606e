"""Each rule of the 疑点清单: a small world that triggers exactly that rule, and one that does not."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from graph_schema import Dataset
from webapp.integrity import find_items
from webapp.integrity.rules import (
    Thresholds,
    duplicate_organizations,
    idle_supported_villages,
    normalise_name,
    normalise_phone,
    over_capacity,
    review_outliers,
    volunteer_hours,
    volunteer_in_many_orgs,
)

TODAY = dt.date(2021, 6, 30)


def org(org_id, name=None, lat=36.0, lon=117.0, max_villages=3, county="泰山区"):
    return {
        "org_id": org_id,
        "name": name or f"组织{org_id}",
        "kind": "social_group",
        "county": county,
        "lat": lat,
        "lon": lon,
        "max_villages": max_villages,
    }


def village(village_id, lat=36.0, lon=117.0):
    return {
        "village_id": village_id,
        "name": f"{village_id}村",
        "county": "泰山区",
        "lat": lat,
        "lon": lon,
    }


def world(**tables) -> Dataset:
    """A world of distinct organizations far apart, plus the given tables."""
    base = {
        "organizations": pd.DataFrame(
            [
                org("O1", "泰山区爱心助老协会", 36.0, 117.0),
                org("O2", "新泰市阳光教育基金会", 35.9, 117.7),
                org("O3", "东平县康复服务中心", 35.9, 116.4),
            ]
        ),
        "villages": pd.DataFrame([village("V1"), village("V2"), village("V3")]),
    }
    base.update({k: pd.DataFrame(v) if isinstance(v, list) else v for k, v in tables.items()})
    if "partnerships" in base and "since" not in base["partnerships"]:
        base["partnerships"]["since"] = "2021-06-01"  # new: no project activity expected yet
    return Dataset(base)


def rules_found(ds: Dataset, contacts=None) -> set[str]:
    return {i.rule for i in find_items(ds, contacts, today=TODAY)}


# -- capacity -----------------------------------------------------------------------------------
def test_over_capacity_is_found():
    ds = world(
        organizations=[org("O1", max_villages=1), org("O2", lat=35, lon=116)],
        partnerships=[{"village_id": "V1", "org_id": "O1"}, {"village_id": "V2", "org_id": "O1"}],
    )
    items = over_capacity(ds)
    assert [i.params for i in items] == [{"org_id": "O1", "assigned": 2, "max_villages": 1}]
    assert "超过其可承接上限 1 个" in items[0].reason
    assert rules_found(ds) == {"over_capacity"}


def test_at_capacity_is_fine():
    ds = world(
        organizations=[org("O1", max_villages=2), org("O2", lat=35, lon=116)],
        partnerships=[{"village_id": "V1", "org_id": "O1"}, {"village_id": "V2", "org_id": "O1"}],
    )
    assert over_capacity(ds) == []
    assert rules_found(ds) == set()


# -- volunteers ---------------------------------------------------------------------------------
def volunteers(orgs, name="王某", lat=36.12345, lon=117.12345, hours=20):
    return [
        {
            "volunteer_id": f"P{i}",
            "name": name,
            "lat": lat + i * 1e-5,
            "lon": lon,
            "org_id": o,
            "hours_per_month": hours,
        }
        for i, o in enumerate(orgs)
    ]


def test_one_person_in_three_organizations_is_found():
    ds = world(volunteers=volunteers(["O1", "O2", "O3"]))
    items = volunteer_in_many_orgs(ds)
    assert len(items) == 1
    assert items[0].params["org_ids"] == ["O1", "O2", "O3"]
    assert rules_found(ds) == {"volunteer_many_orgs"}


def test_two_organizations_or_different_places_are_plausible():
    two = world(volunteers=volunteers(["O1", "O2"]))
    assert volunteer_in_many_orgs(two) == []
    apart = volunteers(["O1", "O2", "O3"])
    for i, v in enumerate(apart):
        v["lat"] = 36.0 + i * 0.1  # three different people who share a common name
    assert rules_found(world(volunteers=apart)) == set()


def test_implausible_hours_are_found():
    ds = world(volunteers=volunteers(["O1"], hours=320))
    items = volunteer_hours(ds)
    assert [i.params["hours_per_month"] for i in items] == [320]
    assert rules_found(ds) == {"volunteer_hours"}


def test_full_time_volunteering_is_plausible():
    ds = world(volunteers=volunteers(["O1"], hours=300))
    assert volunteer_hours(ds) == []
    assert rules_found(ds) == set()


# -- reviews ------------------------------------------------------------------------------------
def reviewed(scores, org_id="O1"):
    projects = [
        {
            "project_id": f"J{i}",
            "name": f"项目{i}",
            "lead_org_id": org_id,
            "service": "medical",
            "village_id": "V1",
            "start_date": "2021-01-01",
            "end_date": "2021-05-01",
        }
        for i in range(len(scores))
    ]
    reviews = [
        {"project_id": f"J{i}", "score": s, "reviewed_on": "2021-05-02", "reviewer": "甲"}
        for i, s in enumerate(scores)
    ]
    return {"projects": projects, "reviews": reviews}


def test_a_review_far_from_the_others_is_found():
    ds = world(**reviewed([70, 72, 74, 71, 73, 20]))
    items = review_outliers(ds)
    assert [i.params["project_id"] for i in items] == ["J5"]
    assert items[0].params["z"] < -3.5
    assert rules_found(ds) == {"review_outlier"}


def test_spread_reviews_or_too_few_are_not_outliers():
    assert review_outliers(world(**reviewed([40, 55, 70, 85, 60, 50]))) == []
    assert review_outliers(world(**reviewed([70, 72, 20]))) == []  # fewer than four
    assert rules_found(world(**reviewed([40, 55, 70, 85, 60, 50]))) == set()


def test_identical_scores_and_one_outlier_use_the_mean_deviation():
    items = review_outliers(world(**reviewed([80, 80, 80, 80, 80, 30])))
    assert [i.params["project_id"] for i in items] == ["J5"]


# -- idle villages ------------------------------------------------------------------------------
def supported(since="2019-01-01"):
    return [{"village_id": "V1", "org_id": "O1", "role": "lead", "since": since}]


def project_at(village_id, start, end):
    return {
        "project_id": "J1",
        "name": "项目",
        "lead_org_id": "O1",
        "service": "medical",
        "village_id": village_id,
        "start_date": start,
        "end_date": end,
    }


def test_a_supported_village_without_activity_for_a_year_is_found():
    ds = world(partnerships=supported(), projects=[project_at("V1", "2019-03-01", "2020-03-01")])
    items = idle_supported_villages(ds, today=TODAY)
    assert [i.params for i in items] == [
        {"village_id": "V1", "last_activity": "2020-03-01", "org_ids": ["O1"]}
    ]
    assert rules_found(ds) == {"idle_village"}


def test_recent_or_running_projects_and_new_partnerships_are_fine():
    recent = world(
        partnerships=supported(), projects=[project_at("V1", "2020-03-01", "2021-01-01")]
    )
    running = world(partnerships=supported(), projects=[project_at("V1", "2019-03-01", None)])
    new = world(partnerships=supported(since="2021-03-01"))
    for ds in (recent, running, new):
        assert idle_supported_villages(ds, today=TODAY) == []
        assert rules_found(ds) == set()


# -- duplicate organizations --------------------------------------------------------------------
def test_normalising_names_and_phones():
    assert normalise_name("泰安 红帆（志愿者）协会") == normalise_name("泰安红帆(志愿者)协会")
    assert normalise_phone("+86 138-0000-0000") == normalise_phone("13800000000")
    assert normalise_phone("123") == ""


def test_similar_name_at_the_same_place_is_found():
    ds = world(
        organizations=[
            org("O1", "泰安市红帆志愿者协会", 36.2001, 117.1001),
            org("O2", "泰安市红帆志愿者协会（筹）", 36.2001, 117.1001),
            org("O3", "东平县康复服务中心", 35.9, 116.4),
        ]
    )
    items = duplicate_organizations(ds)
    assert [i.params["org_ids"] for i in items] == [["O1", "O2"]]
    assert rules_found(ds) == {"duplicate_org"}


def test_similar_name_with_the_same_phone_is_found():
    ds = world(
        organizations=[
            org("O1", "泰安市红帆志愿者协会", 36.2, 117.1),
            org("O2", "泰安红帆志愿者协会", 35.8, 116.5),
            org("O3", "东平县康复服务中心", 35.9, 116.4),
        ]
    )
    contacts = pd.DataFrame({"org_id": ["O1", "O2"], "phone": ["0538-6210000", "05386210000"]})
    items = duplicate_organizations(ds, contacts)
    assert [i.params["org_ids"] for i in items] == [["O1", "O2"]]
    assert any("电话相同" in s for s in items[0].params["signals"])
    assert rules_found(ds, contacts) == {"duplicate_org"}


def test_neighbours_with_different_names_or_one_shared_signal_are_fine():
    ds = world(
        organizations=[
            org("O1", "泰安市红帆志愿者协会", 36.2, 117.1),
            org("O2", "泰山区夕阳红助老服务中心", 36.2, 117.1),  # same building, other org
            org("O3", "泰安市红帆志愿者协会二分会", 35.8, 116.5),  # similar name, elsewhere
        ]
    )
    assert duplicate_organizations(ds) == []
    assert rules_found(ds) == set()


@pytest.mark.parametrize("rule", ["over_capacity", "volunteer_hours"])
def test_keys_change_when_the_record_gets_worse(rule):
    """A checked item comes back when the problem grows (the key holds the numbers)."""
    th = Thresholds()
    if rule == "over_capacity":

        def make(n):
            return world(
                organizations=[org("O1", max_villages=1)],
                partnerships=[{"village_id": f"V{i + 1}", "org_id": "O1"} for i in range(n)],
            )

        a, b = over_capacity(make(2), th), over_capacity(make(3), th)
    else:
        a = volunteer_hours(world(volunteers=volunteers(["O1"], hours=320)), th)
        b = volunteer_hours(world(volunteers=volunteers(["O1"], hours=400)), th)
    assert a[0].key != b[0].key and a[0].subject == b[0].subject


def test_every_item_of_the_sample_city_has_its_own_key(sample_dir):
    from graph_schema import read_data

    items = find_items(read_data(sample_dir), today=TODAY)
    assert items and len({i.key for i in items}) == len(items)


def test_every_idle_village_is_found_not_only_the_first():
    partnerships = [
        {"village_id": v, "org_id": "O1", "role": "lead", "since": "2019-01-01"}
        for v in ("V1", "V2", "V3")
    ]
    ds = world(partnerships=partnerships)
    assert [i.params["village_id"] for i in idle_supported_villages(ds, today=TODAY)] == [
        "V1",
        "V2",
        "V3",
    ]
