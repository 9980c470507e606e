"""Partners who keep coming back, as far as the review history bears out that such pairs do better.

An officer is shown the team of two organizations that have worked together again and again,
even without reviews of that joint work, where the history says returning pairs did better; where
it says nothing of the kind, a better capability level wins as before.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher import recommend
from tests.support.worlds import far_record_and_three_candidates

HISTORY_ORGS = [f"P{i:02d}" for i in range(24)]
STEADY = [(HISTORY_ORGS[2 * i], HISTORY_ORGS[2 * i + 1]) for i in range(6)]


def _world(return_gain: float):
    """24 organizations with a long record far away (no capacity left): six steady pairs that
    worked together ten times each, and 300 projects of pairs drawn at random. A review scores 4
    points a level; a steady pair's project ``return_gain`` more. Three candidates for 东村: A
    (medical), B (elder care, level 4) and C (elder care, level 5); A and B did five projects
    together that were never reviewed, A and C none."""
    rng = np.random.default_rng(0)
    level = {o: int(rng.integers(3, 6)) for o in HISTORY_ORGS}
    teams = [list(p) for p in STEADY for _ in range(10)]
    teams += [list(rng.choice(HISTORY_ORGS, 2, replace=False)) for _ in range(300)]
    order = rng.permutation(len(teams))
    projects = []
    for i, k in enumerate(order):
        a, b = teams[k]
        steady = (a, b) in STEADY
        score = 40 + 4 * level[a] + return_gain * steady + rng.normal(0, 3)
        date = f"{2005 + i // 36}-{1 + i % 12:02d}-15"
        projects.append((f"J{i:03d}", "medical", [a, b], "V0", round(score, 1), date))
    projects += [
        (f"U{i}", "medical", ["A", "B"], "V0", None, f"2012-{1 + i:02d}-15") for i in range(5)
    ]
    return far_record_and_three_candidates(level, projects)


@pytest.fixture(scope="module")
def runs():
    return {g: recommend(_world(g), max_group=4, seed=0) for g in (0.0, 20.0)}


def test_partners_who_keep_coming_back_are_chosen_where_returning_pairs_did_better(runs):
    result = runs[20.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "B"}
    assert "曾合作5个项目" in rec.explanation  # the officer sees why
    assert result.summary["model"]["joint_effects"]["repeat_coef"] > 0


def test_coming_back_changes_nothing_where_the_history_says_nothing_about_it(runs):
    result = runs[0.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "C"}  # the better level for elder care
    assert result.summary["model"]["joint_effects"]["repeat_coef"] == 0.0
