"""The rules of group formation, each on a tiny hand-made world (both formation methods)."""

from __future__ import annotations

import pytest

from matcher import MatcherError, recommend
from matcher.explain import NO_HISTORY_ZH
from tests.support.worlds import tiny_dataset

METHODS = ("colgen", "greedy")
LAT, LON = 36.0, 117.0


def _org_load(result) -> dict[str, int]:
    load: dict[str, int] = {}
    for rec in result.recommendations:
        for m in rec.members:
            load[m.org_id] = load.get(m.org_id, 0) + 1
    return load


@pytest.mark.parametrize("method", METHODS)
def test_capacity_counts_partnerships_in_force(method):
    villages = [(f"V{i}", LAT, LON + 0.01 * i, {"medical": 3}) for i in range(1, 6)]
    villages.append(("V9", LAT, LON, {"medical": 3}))
    orgs = [("O1", LAT, LON, 2, {"medical": 5}), ("O2", LAT, LON + 0.02, 1, {"medical": 2})]
    ds = tiny_dataset(villages, orgs, partnerships=[("V9", "O1")])
    result = recommend(ds, method=method)
    load = _org_load(result)
    assert load == {"O1": 1, "O2": 1}  # O1: max 2 minus the partnership with V9
    assert result.summary["served"] == 2
    assert result.summary["capacity_violations"] == 0


@pytest.mark.parametrize("method", METHODS)
def test_one_group_per_village_of_at_most_max_group(method):
    needs = {"medical": 3, "education": 2, "elder_care": 4, "donation": 1}
    villages = [(f"V{i}", LAT + 0.01 * i, LON, needs) for i in range(4)]
    orgs = [
        (f"O{s}{k}", LAT + 0.01 * k, LON + 0.01, 4, {s: 3 + k % 2}) for s in needs for k in range(3)
    ]
    ds = tiny_dataset(villages, orgs)
    for max_group in (1, 2, 4):
        result = recommend(ds, max_group=max_group, method=method)
        ids = [r.village_id for r in result.recommendations]
        assert ids == sorted(set(ids)) == ["V0", "V1", "V2", "V3"]
        for rec in result.recommendations:
            assert 1 <= len(rec.members) <= max_group
            assert [m.role for m in rec.members].count("lead") == 1
            covered = [s for m in rec.members for s in m.covers]
            assert len(covered) == len(set(covered))  # a need is covered by one member
            assert sorted(covered + rec.uncovered) == sorted(needs)
            assert all(m.covers for m in rec.members)  # every member covers something
        if max_group == 4:
            assert all(not r.uncovered for r in result.recommendations)


@pytest.mark.parametrize("method", METHODS)
def test_villages_with_a_partnership_are_left_alone(method):
    villages = [("V1", LAT, LON, {"medical": 5}), ("V2", LAT, LON + 0.01, {"medical": 1})]
    orgs = [("O1", LAT, LON, 5, {"medical": 5}), ("O2", LAT, LON, 5, {"medical": 4})]
    result = recommend(tiny_dataset(villages, orgs, partnerships=[("V1", "O2")]), method=method)
    assert [r.village_id for r in result.recommendations] == ["V2"]
    assert result.summary["already_supported"] == 1


@pytest.mark.parametrize("method", METHODS)
def test_more_urgent_village_wins_when_capacity_is_short(method):
    # one organization with room for one village; the urgent village is even a little farther
    villages = [("V1", LAT, LON + 0.05, {"medical": 5}), ("V2", LAT, LON - 0.01, {"medical": 2})]
    orgs = [("O1", LAT, LON, 1, {"medical": 4})]
    result = recommend(tiny_dataset(villages, orgs), method=method)
    assert [r.village_id for r in result.recommendations] == ["V1"]


@pytest.mark.parametrize("method", METHODS)
def test_urgent_villages_first_among_many(method):
    villages = [(f"V{i}", LAT, LON + 0.002 * i, {"elder_care": 1 + i % 5}) for i in range(20)]
    orgs = [(f"O{k}", LAT, LON + 0.01 * k, 2, {"elder_care": 3}) for k in range(4)]
    result = recommend(tiny_dataset(villages, orgs), method=method)
    served = {r.village_id for r in result.recommendations}
    assert len(served) == 8
    severity = {v: list(n.values())[0] for v, _, _, n in villages}
    assert min(severity[v] for v in served) >= max(severity[v] for v in severity if v not in served)


def test_volunteers_never_beyond_their_hours():
    villages = [(f"V{i}", LAT, LON + 0.01 * i, {"medical": 3}) for i in range(5)]
    orgs = [("O1", LAT, LON, 5, {"medical": 4})]
    volunteers = [
        ("P1", LAT, LON, 8.0, ["medical"], None),  # 8 hours: two villages at 4 hours each
        ("P2", LAT, LON, None, ["medical"], None),  # hours unknown: never promised
        ("P3", LAT, LON, 40.0, ["education"], None),  # not a needed skill
        ("P4", LAT, LON + 2.0, 40.0, ["medical"], None),  # 180 km away
    ]
    result = recommend(tiny_dataset(villages, orgs, volunteers=volunteers))
    suggested = [p for r in result.recommendations for p in r.volunteers]
    assert suggested.count("P1") == 2
    assert set(suggested) == {"P1"}


def test_a_city_without_reviews_still_gets_recommendations_and_is_told_so():
    villages = [("V1", LAT, LON, {"medical": 4, "education": 2})]
    orgs = [("O1", LAT, LON, 1, {"medical": 4}), ("O2", LAT, LON, 1, {"education": 3})]
    result = recommend(tiny_dataset(villages, orgs))
    assert result.summary["outcome_history_used"] is False
    assert result.summary["model"] is None
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"O1", "O2"}
    assert NO_HISTORY_ZH in rec.explanation
    assert "no outcome history" in rec.explanation_en
    assert 0 < rec.score <= 1


def test_out_of_reach_and_unneeded_organizations_are_not_candidates():
    villages = [("V1", LAT, LON, {"medical": 4})]
    orgs = [
        ("FAR", LAT + 3.0, LON, 5, {"medical": 5}),  # over 300 km away
        ("WRONG", LAT, LON, 5, {"education": 5}),  # offers nothing the village needs
        ("NEAR", LAT, LON + 0.1, 5, {"medical": 1}),
    ]
    (rec,) = recommend(tiny_dataset(villages, orgs)).recommendations
    assert [m.org_id for m in rec.members] == ["NEAR"]
    assert rec.alternatives == {"medical": []}
    assert rec.members[0].levels == {"medical": 1}
    assert rec.members[0].distance_km == pytest.approx(9.0, abs=0.1)


def test_bad_arguments_are_matcher_errors():
    ds = tiny_dataset([("V1", LAT, LON, {"medical": 4})], [("O1", LAT, LON, 1, {"medical": 4})])
    with pytest.raises(MatcherError):
        recommend(ds, max_group=0)
    with pytest.raises(MatcherError):
        recommend(ds, method="magic")


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(
    "case",
    ["no needs", "no organizations", "no capacity left", "all supported"],
)
def test_nothing_to_do_is_fine(method, case):
    needs = {} if case == "no needs" else {"medical": 4}
    orgs = [] if case == "no organizations" else [("O1", LAT, LON, 1, {"medical": 4})]
    partnerships = [("V1", "O1")] if case in ("no capacity left", "all supported") else []
    villages = [("V1", LAT, LON, needs)]
    if case == "no capacity left":
        villages.append(("V2", LAT, LON, {"medical": 4}))
    ds = tiny_dataset(villages, orgs, partnerships=partnerships)
    result = recommend(ds, method=method)
    assert result.recommendations == []
    assert result.summary["served"] == 0 and result.summary["capacity_violations"] == 0
    assert result.to_contract_json()["recommendations"] == []
