"""Partners' registered traits (rating, capability, size) in the teams, as far as the reviews bear
them out.

An officer is shown the better-rated partner when the review history says groups with
better-rated partners did better, even for candidates without any review of their own; where the
history says nothing about partners' ratings, the rating changes nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher import recommend
from matcher.partner_traits import TRAITS
from tests.support.worlds import far_record_and_three_candidates

HISTORY_ORGS = [f"R{i:02d}" for i in range(24)]


def _world(gain: float):
    """24 organizations with a long record far away (ratings 1..5, no capacity left), and three
    candidates for 东村 without any review: A (medical 4, rated 3), B (elder care 4, rated 5 = 5A)
    and C (elder care 5, rated 1). A review scores 4 points a level of the lead; ``gain`` more
    points per grade of the partner's rating above 3."""
    rng = np.random.default_rng(0)
    level = {o: int(rng.integers(3, 6)) for o in HISTORY_ORGS}
    ratings = {o: int(rng.integers(1, 6)) for o in HISTORY_ORGS} | {"B": 5, "C": 1}
    projects = []
    for i in range(400):
        a, b = rng.choice(HISTORY_ORGS, 2, replace=False)
        score = 40 + 4 * level[a] + gain * (ratings[b] - 3) + rng.normal(0, 3)
        date = f"{2005 + i // 40}-{1 + i % 12:02d}-15"
        projects.append((f"J{i:03d}", "medical", [a, b], "V0", round(score, 1), date))
    return far_record_and_three_candidates(level, projects, ratings=ratings)


@pytest.fixture(scope="module")
def runs():
    return {g: recommend(_world(g), max_group=4, seed=0) for g in (0.0, 4.0)}


def test_the_better_rated_partner_is_chosen_when_such_groups_did_better(runs):
    result = runs[4.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "B"}
    assert "评估等级较高" in rec.explanation
    assert "evaluation grade" in rec.explanation_en
    traits = result.summary["model"]["partner_traits"]
    assert traits["coef"]["rating"] > 0
    assert traits["evidence"]["rating"] > 0.5


def test_ratings_change_nothing_where_the_history_says_nothing_about_them(runs):
    result = runs[0.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "C"}  # the better level for elder care
    assert "评估等级" not in rec.explanation
    # the group terms were either dropped (the time split found nothing in them) or kept without
    # any trait effect
    traits = result.summary["model"].get("partner_traits", {"coef": dict.fromkeys(TRAITS, 0.0)})
    assert traits["coef"]["rating"] == 0.0
