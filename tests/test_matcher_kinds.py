"""Kinds of organization (社会团体、社会服务机构、基金会) in the teams, as far as the history bears
them out.

An officer is shown a team mixing the kinds the review history says work well together, with the
reason in the explanation; where the history says nothing about kinds, they change nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher import recommend
from matcher.collaboration import members_matrix
from matcher.features import training_rows
from matcher.loop_reading import loop_predictions
from matcher.scoring import fit_scorer
from matcher.snapshot import build_snapshot
from tests.support.worlds import far_record_and_three_candidates, tiny_dataset

HISTORY_ORGS = [f"K{i:02d}" for i in range(24)]


def _world(mixed_gain: float):
    """24 organizations with a long record far away (half foundations, half social groups, no
    capacity left), and three candidates for 东村: A (foundation, medical), B (social group, elder
    care, level 4) and C (foundation, elder care, level 5). A review scores 4 points a level; a
    group of a social group and a foundation gains ``mixed_gain`` more."""
    rng = np.random.default_rng(0)
    level = {o: int(rng.integers(3, 6)) for o in HISTORY_ORGS}
    foundations = set(HISTORY_ORGS[::2]) | {"A", "C"}
    projects = []
    for i in range(400):
        a, b = rng.choice(HISTORY_ORGS, 2, replace=False)
        mixed = (a in foundations) != (b in foundations)
        score = 40 + 4 * level[a] + mixed_gain * mixed + rng.normal(0, 3)
        date = f"{2005 + i // 40}-{1 + i % 12:02d}-15"
        projects.append((f"J{i:03d}", "medical", [a, b], "V0", round(score, 1), date))
    kinds = dict.fromkeys(foundations, "foundation")
    return far_record_and_three_candidates(level, projects, kinds=kinds)


@pytest.fixture(scope="module")
def runs():
    return {g: recommend(_world(g), max_group=4, seed=0) for g in (0.0, 8.0)}


def test_a_team_mixing_kinds_is_chosen_when_such_groups_did_better(runs):
    result = runs[8.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "B"}
    assert "社会团体和基金会" in rec.explanation
    assert "foundation" in rec.explanation_en
    assert result.summary["model"]["joint_effects"]["kind_coef"][1] > 0  # social group + foundation


def test_kinds_change_nothing_where_the_history_says_nothing_about_them(runs):
    result = runs[0.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "C"}  # the better level for elder care
    assert "基金会" not in rec.explanation
    # the group terms were either dropped (the time split found nothing in them) or kept without
    # any kind effect
    joint = result.summary["model"].get("joint_effects", {"kind_coef": [0.0, 0.0, 0.0]})
    assert joint["kind_coef"] == [0.0, 0.0, 0.0]


ROLE_KINDS = ("social_group", "service_agency", "foundation")


def _role_history(per: str, seed: int = 1, member_cost: float = 3.0, role_gain: float = 8.0):
    """36 organizations (levels, kinds other than social group, 600 projects): a third of each
    kind, in groups of 2 to 4; a review scores 4 points a level of the lead, less ``member_cost``
    a member beyond the first, plus ``role_gain`` for each kind beyond the first the group holds
    (``per="group"``) or for each pair of members of two kinds (``per="pair"``)."""
    rng = np.random.default_rng(seed)
    names = [f"R{i:02d}" for i in range(36)]
    level = {o: int(rng.integers(3, 6)) for o in names}
    kind = {o: ROLE_KINDS[i % 3] for i, o in enumerate(names)}
    projects = []
    for i in range(600):
        team = list(rng.choice(names, int(rng.choice([2, 3, 4])), replace=False))
        kinds = [kind[o] for o in team]
        if per == "group":
            gain = role_gain * (len(set(kinds)) - 1)
        else:
            gain = role_gain * sum(a != b for j, a in enumerate(kinds) for b in kinds[j + 1 :])
        score = 40 + 4 * level[team[0]] - member_cost * (len(team) - 1) + gain + rng.normal(0, 3)
        date = f"{2005 + i // 60}-{1 + i % 12:02d}-15"
        projects.append((f"J{i:03d}", "medical", team, "V0", round(min(score, 100.0), 1), date))
    return level, {o: k for o, k in kind.items() if k != "social_group"}, projects


def _roles_world(per: str):
    """:func:`_role_history` with a long record far away; candidates for 东村: A (social group,
    medical 4), B (social group, elder care 5) and C (service agency, elder care 4)."""
    level, kinds, projects = _role_history(per)
    return far_record_and_three_candidates(level, projects, kinds=kinds | {"C": "service_agency"})


@pytest.fixture(scope="module")
def role_runs():
    return {per: recommend(_roles_world(per), max_group=4, seed=0) for per in ("group", "pair")}


def test_each_kind_a_group_holds_counts_once_when_the_history_says_so(role_runs):
    """Where a second kind lifted past groups once, however many members were of each kind, the
    fit reads it once per group — not pair by pair, which would credit a group of two associations
    and two agencies four times — and the team mixes kinds, saying why."""
    result = role_runs["group"]
    joint = result.summary["model"]["joint_effects"]
    assert joint["roles_coef"] > 0.1
    assert max(joint["kind_coef"]) < joint["roles_coef"] / 5  # the pairs left with noise
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "C"}  # two kinds over the better elder care
    assert "各展所长" in rec.explanation
    assert "each bringing its own part" in rec.explanation_en


def test_kinds_read_pair_by_pair_when_each_pair_of_two_kinds_lifted_the_group(role_runs):
    joint = role_runs["pair"].summary["model"]["joint_effects"]
    assert joint["roles_coef"] < min(joint["kind_coef"]) / 5
    assert min(joint["kind_coef"]) > 0.1  # every pair of two kinds


def _costly_members_world(per: str = "group", member_cost: float = 5.0, gain: float = 10.0):
    """The history of :func:`_role_history` with dearer members (``member_cost`` each beyond the
    first) and dearer kinds (``gain`` for each kind beyond the first, or each pair of two kinds),
    so that a member of a kind a team already holds costs more than its better level brings.
    Candidates for 东村 (medical, elder care and education): A (social group, medical 4,
    education 2), C (service agency, elder care 5) and D (service agency, education 5)."""
    level, kinds, projects = _role_history(per, seed=2, member_cost=member_cost, role_gain=gain)
    orgs = [
        (o, 40.0, 117.0 + 0.01 * i, 0, {"medical": n}) for i, (o, n) in enumerate(level.items())
    ]
    orgs += [
        ("A", 36.0, 117.02, 1, {"medical": 4, "education": 2}),
        ("C", 36.0, 117.02, 1, {"elder_care": 5}),
        ("D", 36.0, 117.02, 1, {"education": 5}),
    ]
    needs = {"medical": 3, "elder_care": 3, "education": 3}
    villages = [("V0", 40.0, 117.1, {}), ("V1", 36.0, 117.0, needs)]
    kinds |= {"C": "service_agency", "D": "service_agency"}
    return tiny_dataset(villages, orgs, projects=projects, kinds=kinds)


def test_a_member_of_a_kind_the_team_holds_pays_the_size_cost_read_beside_the_kinds():
    """Past groups of more members held more kinds, so read without the kinds, size looks nearly
    free. Read beside them, every member costs 5 points on each need: D's better education (+12)
    does not pay for a third member (−15) of a kind the team already holds: the team stays A and
    C, A leading education too."""
    result = recommend(_costly_members_world(), max_group=4, seed=0)
    assert result.summary["model"]["joint_effects"]["roles_coef"] > 0.1
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "C"}


def test_a_third_member_pays_the_size_cost_read_beside_the_pairs_of_kinds():
    """Past groups of more members held more pairs of two kinds, each worth 5 points, so read
    without the kinds, size looks nearly free. Read beside them, every member costs 10 points on
    each need: D's better education (+12) and its one new pair of two kinds (+15) do not pay for a
    third member (−30). The team stays A and C, A leading education too."""
    result = recommend(_costly_members_world("pair", member_cost=10.0, gain=5.0), 4, seed=0)
    assert min(result.summary["model"]["joint_effects"]["kind_coef"]) > 0.1
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "C"}


@pytest.mark.parametrize("per", ["pair", "group"])
def test_the_team_loop_values_past_groups_of_every_size_near_their_reviews(per):
    """The team loop adds the joint pair and kind terms to size offsets read beside them: a past
    group of four, valued as the loop values a team, is predicted near what such groups got. With
    session 39's size shift (the ridge's size coefficients less everything those terms added),
    groups of four of the pair history were put 15.8 points below their reviews."""
    snap = build_snapshot(_roles_world(per))
    scorer = fit_scorer(snap, seed=0, evaluate=False)
    assert scorer.group_terms and scorer.loop_coef is not None
    rows = np.arange(len(snap.proj_score))
    x, y, _ = training_rows(snap, scorer.hist, rows)
    predicted = loop_predictions(scorer.model, scorer.joint, snap, rows, x, scorer.loop_coef)
    size = (members_matrix(snap.proj_members[rows]) >= 0).sum(axis=1)
    for k in (2, 3, 4):
        assert abs(float(np.mean(y[size == k] - predicted[size == k]))) < 1.5, k
