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
from tests.support.worlds import far_record_and_three_candidates, tiny_dataset

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


def _service_world(gain: float):
    """24 organizations with a long record far away, half of them offering medical care (levels
    1..5) and half only elder care; every project is medical, led by one of the first half with a
    partner from either. A review scores 4 points a level of the lead and ``gain`` more points a
    level of the partner *in medical care* (0 for one without). Candidates for 东村: A (medical 4),
    B (elder care 4 and medical 3), C (elder care 5), none with a review."""
    rng = np.random.default_rng(1)
    medical = {
        o: (int(rng.integers(1, 6)) if i % 2 == 0 else 0) for i, o in enumerate(HISTORY_ORGS)
    }
    leads = [o for o in HISTORY_ORGS if medical[o]]
    projects = []
    for i in range(400):
        a = str(rng.choice(leads))
        b = str(rng.choice([o for o in HISTORY_ORGS if o != a]))
        score = 40 + 4 * medical[a] + gain * medical[b] + rng.normal(0, 3)
        date = f"{2005 + i // 40}-{1 + i % 12:02d}-15"
        projects.append((f"J{i:03d}", "medical", [a, b], "V0", round(score, 1), date))
    orgs = [
        (o, 40.0, 117.0 + 0.01 * i, 0, {"medical": n} if n else {"elder_care": 3})
        for i, (o, n) in enumerate(medical.items())
    ]
    orgs += [
        ("A", 36.0, 117.02, 1, {"medical": 4}),
        ("B", 36.0, 117.02, 1, {"elder_care": 4, "medical": 3}),
        ("C", 36.0, 117.02, 1, {"elder_care": 5}),
    ]
    villages = [("V0", 40.0, 117.1, {}), ("V1", 36.0, 117.0, {"medical": 3, "elder_care": 3})]
    return tiny_dataset(villages, orgs, projects=projects)


@pytest.fixture(scope="module")
def service_runs():
    return {g: recommend(_service_world(g), max_group=4, seed=0) for g in (0.0, 3.0)}


def test_a_partner_capable_in_the_lead_s_service_is_chosen_when_such_groups_did_better(
    service_runs,
):
    result = service_runs[3.0]
    (rec,) = result.recommendations
    # B is one level below C in elder care and one below A in medical care, but capable in both:
    # whichever leads a need, B as its partner lifts it
    assert "B" in {m.org_id for m in rec.members}
    assert "伙伴在所需服务上能力等级较高" in rec.explanation
    assert "capable in the project's own service" in rec.explanation_en
    traits = result.summary["model"]["partner_traits"]
    assert traits["coef"]["service_level"] > 0
    assert traits["evidence"]["service_level"] > 0.5


def test_a_partner_s_level_in_the_lead_s_service_changes_nothing_where_it_did_not_pay(
    service_runs,
):
    result = service_runs[0.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "C"}  # the better level for elder care
    assert "所需服务上能力等级" not in rec.explanation
    traits = result.summary["model"].get("partner_traits", {"coef": {"service_level": 0.0}})
    assert traits["coef"]["service_level"] == 0.0
