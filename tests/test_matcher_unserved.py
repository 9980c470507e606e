"""No village silently left out: every village without a partnership is recommended or listed in
``unserved`` with a true reason (DATA_FORMAT.md, "The batch interface")."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from matcher import recommend
from tests.support.worlds import tiny_dataset
from webapp.cli import main

METHODS = ("colgen", "greedy")
LAT, LON = 36.0, 117.0


def _unserved(result) -> dict:
    return {u.village_id: u for u in result.unserved}


@pytest.mark.parametrize("method", METHODS)
def test_a_far_village_has_no_provider_in_reach(method):
    villages = [("NEAR", LAT, LON, {"medical": 3}), ("FAR", LAT + 4.0, LON, {"medical": 5})]
    orgs = [("O1", LAT, LON + 0.05, 5, {"medical": 4})]
    result = recommend(tiny_dataset(villages, orgs), method=method)
    assert [r.village_id for r in result.recommendations] == ["NEAR"]
    far = _unserved(result)["FAR"]
    assert far.reason == "no_provider_in_reach"
    assert far.needs == ["medical"] and far.providers == []
    # the nearest provider is named with its distance (4 degrees of latitude: about 445 km)
    assert (
        "150公里内没有可提供的社会组织" in far.explanation
        and "O1协会在445公里外" in far.explanation
    )
    assert "No organization within 150 km" in far.explanation_en


@pytest.mark.parametrize("method", METHODS)
def test_providers_taken_by_more_urgent_villages_are_named_with_who_took_them(method):
    villages = [
        ("URGENT", LAT, LON + 0.02, {"medical": 5, "education": 4}),
        ("CALM", LAT, LON - 0.02, {"medical": 1}),
    ]
    orgs = [("O1", LAT, LON, 1, {"medical": 4}), ("O2", LAT + 0.1, LON, 1, {"education": 3})]
    result = recommend(tiny_dataset(villages, orgs), method=method)
    assert [r.village_id for r in result.recommendations] == ["URGENT"]
    calm = _unserved(result)["CALM"]
    assert calm.reason == "capacity_taken"
    assert calm.providers == [{"org_id": "O1", "km": 1.8, "taken_by": ["URGENT"], "in_force": 0}]
    assert "O1协会（1.8公里）本次推荐给URGENT村" in calm.explanation
    assert "帮扶容量都已用完" in calm.explanation
    assert "O1协会 (1.8 km) recommended for URGENT村" in calm.explanation_en


def test_capacity_used_by_partnerships_in_force_is_said_so():
    villages = [("OLD", LAT, LON, {"medical": 3}), ("NEW", LAT, LON + 0.01, {"medical": 3})]
    orgs = [("O1", LAT, LON, 1, {"medical": 4})]
    result = recommend(tiny_dataset(villages, orgs, partnerships=[("OLD", "O1")]))
    (new,) = result.unserved
    assert new.village_id == "NEW" and new.reason == "capacity_taken"
    assert new.providers[0]["in_force"] == 1 and new.providers[0]["taken_by"] == []
    assert "已在帮1个村" in new.explanation


@pytest.mark.parametrize("method", METHODS)
def test_a_village_without_needs_is_listed_as_such(method):
    villages = [("V1", LAT, LON, {"medical": 3}), ("EMPTY", LAT, LON, {})]
    orgs = [("O1", LAT, LON, 5, {"medical": 4})]
    result = recommend(tiny_dataset(villages, orgs), method=method)
    assert _unserved(result)["EMPTY"].reason == "no_needs"
    assert "没有登记任何需求" in _unserved(result)["EMPTY"].explanation
    doc = result.to_dict()
    assert doc["unserved"] == [u.to_dict() for u in result.unserved]
    assert doc["summary"]["unserved"] == 1 and doc["summary"]["eligible"] == 2


@pytest.mark.parametrize("method", METHODS)
def test_a_free_provider_beyond_the_candidates_gets_a_second_chance(method):
    # with one candidate per village both villages want O1 (the strongest); it has room for one.
    # O2 is never a candidate, yet it is near and free: the village left over must get it.
    villages = [("V1", LAT, LON, {"medical": 5}), ("V2", LAT, LON + 0.02, {"medical": 4})]
    orgs = [("O1", LAT, LON + 0.01, 1, {"medical": 5}), ("O2", LAT, LON + 0.03, 1, {"medical": 1})]
    result = recommend(tiny_dataset(villages, orgs), method=method, max_candidates=1, top_k=1)
    groups = {r.village_id: [m.org_id for m in r.members] for r in result.recommendations}
    assert groups == {"V1": ["O1"], "V2": ["O2"]}
    assert result.unserved == []
    assert result.summary["second_chance"]["served"] == 1


def test_every_village_once_on_the_taian_sample(sample_dir, tmp_path):
    out = tmp_path / "r.json"
    assert main(["recommend", str(sample_dir), "--output", str(out), "--method", "greedy"]) == 0
    doc = json.loads(out.read_text(encoding="utf-8"))
    villages = pd.read_csv(sample_dir / "villages.csv", dtype=str)["village_id"]
    partnered = set(pd.read_csv(sample_dir / "partnerships.csv", dtype=str)["village_id"])
    recommended = [r["village_id"] for r in doc["recommendations"]]
    unserved = [u["village_id"] for u in doc["unserved"]]
    listed = recommended + unserved
    assert len(listed) == len(set(listed))  # exactly once
    assert set(listed) == set(villages) - partnered
    assert doc["summary"]["served"] + doc["summary"]["unserved"] == doc["summary"]["eligible"]
    for u in doc["unserved"]:
        assert u["reason"] in ("no_provider_in_reach", "capacity_taken", "no_needs")
        assert u["explanation"]


def test_same_input_same_unserved_and_explanations():
    villages = [(f"V{i}", LAT, LON + 0.01 * i, {"medical": 1 + i % 5}) for i in range(12)]
    villages += [("FAR", LAT + 3.0, LON, {"medical": 2}), ("EMPTY", LAT, LON, {})]
    orgs = [(f"O{k}", LAT, LON + 0.02 * k, 2, {"medical": 3 + k % 3}) for k in range(3)]
    first = recommend(tiny_dataset(villages, orgs)).to_dict()
    again = recommend(tiny_dataset(villages, orgs)).to_dict()
    for doc in (first, again):
        doc["summary"].pop("seconds")
        doc["summary"]["formation"].pop("seconds", None)
    assert first == again
    reasons = {u["village_id"]: u["reason"] for u in first["unserved"]}
    assert reasons["FAR"] == "no_provider_in_reach" and reasons["EMPTY"] == "no_needs"
    assert sum(r == "capacity_taken" for r in reasons.values()) == 12 - 6
