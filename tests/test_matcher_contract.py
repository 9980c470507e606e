"""``baotuan recommend`` on the Tai'an sample: the batch interface of DATA_FORMAT.md, and the API."""

from __future__ import annotations

import json
import math
from collections import Counter

import pandas as pd
import pytest

from graph_schema.contract.interchange import read_data
from matcher import Member, Recommendation, recommend
from webapp.cli import main


@pytest.fixture(scope="module")
def sample_tables(sample_dir):
    return {
        name: pd.read_csv(sample_dir / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in (
            "villages",
            "needs",
            "organizations",
            "capabilities",
            "partnerships",
            "volunteers",
            "volunteer_skills",
        )
    }


@pytest.fixture(scope="module")
def cli_output(sample_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("rec") / "recommendations.json"
    assert main(["recommend", str(sample_dir), "--output", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_output_has_the_documented_shape(cli_output):
    assert set(cli_output) >= {"recommendations", "summary"}
    summary = cli_output["summary"]
    assert {"villages", "served", "capacity_violations", "seconds"} <= set(summary)
    assert summary["villages"] == 300
    assert summary["capacity_violations"] == 0
    assert summary["served"] == len(cli_output["recommendations"]) > 250
    assert summary["outcome_history_used"] is True
    for rec in cli_output["recommendations"]:
        assert {
            "village_id",
            "organizations",
            "volunteers",
            "score",
            "uncovered",
            "explanation",
        } <= set(rec)
        assert 0.0 <= rec["score"] <= 1.0
        assert isinstance(rec["explanation"], str) and rec["explanation"]
        for org in rec["organizations"]:
            assert {"org_id", "role", "covers"} <= set(org)
            assert org["role"] in ("lead", "member")
        assert [o["role"] for o in rec["organizations"]].count("lead") == 1


def test_each_village_at_most_once_and_groups_within_max_group(cli_output):
    ids = [r["village_id"] for r in cli_output["recommendations"]]
    assert ids == sorted(ids)
    assert len(ids) == len(set(ids))
    assert all(1 <= len(r["organizations"]) <= 4 for r in cli_output["recommendations"])


def test_capacity_counts_partnerships_and_is_never_exceeded(cli_output, sample_tables):
    load = Counter(p for p in sample_tables["partnerships"]["org_id"])
    for rec in cli_output["recommendations"]:
        load.update(o["org_id"] for o in rec["organizations"])
    cap = dict(
        zip(
            sample_tables["organizations"]["org_id"],
            sample_tables["organizations"]["max_villages"].astype(int),
            strict=True,
        )
    )
    assert all(n <= cap[o] for o, n in load.items())


def test_villages_with_a_partnership_are_not_recommended_again(cli_output, sample_tables):
    partnered = set(sample_tables["partnerships"]["village_id"])
    assert partnered
    assert not partnered & {r["village_id"] for r in cli_output["recommendations"]}


def test_covers_are_needs_the_organization_provides(cli_output, sample_tables):
    needs = sample_tables["needs"].groupby("village_id")["service"].apply(set).to_dict()
    caps = sample_tables["capabilities"].groupby("org_id")["service"].apply(set).to_dict()
    for rec in cli_output["recommendations"]:
        covered = [s for o in rec["organizations"] for s in o["covers"]]
        assert len(covered) == len(set(covered))
        assert set(covered) | set(rec["uncovered"]) == needs[rec["village_id"]]
        for org in rec["organizations"]:
            assert set(org["covers"]) <= caps[org["org_id"]] & needs[rec["village_id"]]


def test_volunteers_have_a_needed_skill_and_hours_for_every_village(cli_output, sample_tables):
    skills = (
        sample_tables["volunteer_skills"].groupby("volunteer_id")["service"].apply(set).to_dict()
    )
    hours = dict(
        zip(
            sample_tables["volunteers"]["volunteer_id"],
            sample_tables["volunteers"]["hours_per_month"],
            strict=True,
        )
    )
    needs = sample_tables["needs"].groupby("village_id")["service"].apply(set).to_dict()
    count: Counter[str] = Counter()
    for rec in cli_output["recommendations"]:
        for p in rec["volunteers"]:
            assert skills[p] & needs[rec["village_id"]]
        count.update(rec["volunteers"])
    assert count
    assert all(n <= math.floor(float(hours[p]) / 4.0) for p, n in count.items())


def test_explanations_name_shared_projects(cli_output):
    texts = [o["explanation"] for r in cli_output["recommendations"] for o in r["organizations"]]
    assert all("公里" in t for t in texts)
    assert any("曾与" in t and "合作" in t for t in texts)


def test_max_group_option(sample_dir, tmp_path):
    out = tmp_path / "r.json"
    assert (
        main(
            [
                "recommend",
                str(sample_dir),
                "--output",
                str(out),
                "--max-group",
                "1",
                "--method",
                "greedy",
            ]
        )
        == 0
    )
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["summary"]["max_group"] == 1
    assert all(len(r["organizations"]) == 1 for r in doc["recommendations"])


def test_a_broken_folder_exits_1_with_its_problems(sample_copy, tmp_path, capsys):
    needs = sample_copy / "needs.csv"
    needs.write_text(
        needs.read_text(encoding="utf-8").replace(
            "V000000,elder_care,1", "V000000,elder_care,7", 1
        ),
        encoding="utf-8",
    )
    out = tmp_path / "r.json"
    assert main(["recommend", str(sample_copy), "--output", str(out)]) == 1
    assert "needs.csv:2: severity" in capsys.readouterr().err
    assert not out.exists()


def test_same_input_and_seed_give_the_same_recommendations(sample_dir):
    dataset = read_data(sample_dir)
    first = recommend(dataset, seed=3, evaluate=False).to_contract_json()
    again = recommend(read_data(sample_dir), seed=3, evaluate=False).to_contract_json()
    for doc in (first, again):
        doc["summary"].pop("seconds")
        doc["summary"]["formation"].pop("seconds")
    assert json.dumps(first, sort_keys=True, ensure_ascii=False) == json.dumps(
        again, sort_keys=True, ensure_ascii=False
    )


def test_python_api_returns_typed_recommendations(sample_dir):
    progress = []
    result = recommend(
        read_data(sample_dir),
        max_group=3,
        seed=0,
        progress=lambda *a: progress.append(a),
        evaluate=False,
    )
    assert progress and all(isinstance(s, str) and 0 <= d <= t for s, d, t in progress)
    rec = result.recommendations[0]
    assert isinstance(rec, Recommendation) and isinstance(rec.members[0], Member)
    assert rec.to_dict()["organizations"][0]["org_id"] == rec.members[0].org_id
    member = rec.members[0]
    assert member.role == "lead" and member.covers and member.levels and member.distance_km >= 0
    assert {"projects", "mean_score", "shared"} <= set(member.facts)
    assert member.explanation and member.explanation_en
    assert set(rec.alternatives) == set(rec.uncovered) | {s for m in rec.members for s in m.covers}
    taken = {m.org_id for m in rec.members}
    assert all(len(alts) <= 5 and not set(alts) & taken for alts in rec.alternatives.values())
    assert result.summary["max_group"] == 3 and result.summary["capacity_violations"] == 0
