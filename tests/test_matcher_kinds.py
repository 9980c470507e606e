"""Kinds of organization (社会团体、社会服务机构、基金会) in the teams, as far as the history bears
them out.

An officer is shown a team mixing the kinds the review history says work well together, with the
reason in the explanation; where the history says nothing about kinds, they change nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher import recommend
from tests.support.worlds import far_record_and_three_candidates

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
