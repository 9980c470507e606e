"""Party branches (党支部) in the teams, as far as the review history bears them out.

An officer is shown a team whose members' party branches the history says matter, with the reason
in the explanation; where the history says nothing about them, they change nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher import recommend
from tests.support.worlds import far_record_and_three_candidates

HISTORY_ORGS = [f"P{i:02d}" for i in range(24)]


def _world(mixed_penalty: float):
    """24 organizations with a long record far away (half with a party branch, no capacity left),
    and three candidates for 东村: A (branch, medical), B (branch, elder care, level 4) and C (no
    branch, elder care, level 5). A review scores 4 points a level; a group of one organization
    with a branch and one without loses ``mixed_penalty`` more."""
    rng = np.random.default_rng(0)
    level = {o: int(rng.integers(3, 6)) for o in HISTORY_ORGS}
    party = set(HISTORY_ORGS[::2]) | {"A", "B"}
    projects = []
    for i in range(400):
        a, b = rng.choice(HISTORY_ORGS, 2, replace=False)
        mixed = (a in party) != (b in party)
        score = 40 + 4 * level[a] - mixed_penalty * mixed + rng.normal(0, 3)
        date = f"{2005 + i // 40}-{1 + i % 12:02d}-15"
        projects.append((f"J{i:03d}", "medical", [a, b], "V0", round(score, 1), date))
    return far_record_and_three_candidates(level, projects, party_branches=party)


@pytest.fixture(scope="module")
def runs():
    return {p: recommend(_world(p), max_group=4, seed=0) for p in (0.0, 8.0)}


def test_a_team_of_one_party_status_is_chosen_when_mixed_groups_did_worse(runs):
    result = runs[8.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "B"}
    assert "均设有党支部" in rec.explanation
    assert "party branch" in rec.explanation_en
    assert result.summary["model"]["joint_effects"]["party_coef"][1] < 0


def test_party_branches_change_nothing_where_the_history_says_nothing_about_them(runs):
    result = runs[0.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "C"}  # the better level for elder care
    assert "党支部" not in rec.explanation
    # where the group terms are kept at all, the party block is not (no county-crossing ties in
    # this history, so no community terms: the time split may keep the quality-only variant)
    joint = result.summary["model"].get("joint_effects")
    assert joint is None or joint["party_coef"] == [0.0, 0.0]
