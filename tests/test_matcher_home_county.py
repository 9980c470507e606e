"""An organization in the village's own county (属地), as far as the history bears it out.

The one-to-one docking lists are drawn up county by county; whether an organization does better in
its own county than a neighbour across the border at the same distance is for the review history to
say. Where it says so, the officer is offered the local organization; where it does not, the county
changes nothing.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher import recommend
from tests.support.worlds import tiny_dataset

HISTORY_ORGS = [f"H{i:02d}" for i in range(30)]


def _world(home_gain: float):
    """30 organizations with a long record at two villages of two counties (东平县 and 肥城市, the
    organizations alternately registered in one or the other, all about as far from both), no
    capacity left; and two candidates for 东村 (岱岳区), 3 km away each: A (岱岳区, medical 4) and B
    (新泰市, medical 5). A review scores 4 points a level; a lead in the village's own county
    gains ``home_gain`` more."""
    rng = np.random.default_rng(0)
    level = {o: int(rng.integers(3, 6)) for o in HISTORY_ORGS}
    counties = {o: ("东平县", "肥城市")[i % 2] for i, o in enumerate(HISTORY_ORGS)}
    counties |= {"V0": "东平县", "V2": "肥城市", "V1": "岱岳区", "A": "岱岳区", "B": "新泰市"}
    orgs = [
        (o, 40.0, 117.15 + 0.001 * i, 0, {"medical": n}) for i, (o, n) in enumerate(level.items())
    ]
    orgs += [("A", 36.0, 117.033, 1, {"medical": 4}), ("B", 36.0, 116.967, 1, {"medical": 5})]
    villages = [
        ("V0", 40.0, 117.1, {}),
        ("V2", 40.0, 117.2, {}),
        ("V1", 36.0, 117.0, {"medical": 3}),
    ]
    projects = []
    for i in range(600):
        lead = str(rng.choice(HISTORY_ORGS))
        village = ("V0", "V2")[int(rng.integers(2))]
        home = counties[lead] == counties[village]
        score = 40 + 4 * level[lead] + home_gain * home + rng.normal(0, 3)
        date = f"{2005 + i // 60}-{1 + i % 12:02d}-15"
        projects.append((f"J{i:03d}", "medical", [lead], village, round(score, 1), date))
    return tiny_dataset(villages, orgs, projects=projects, counties=counties)


@pytest.fixture(scope="module")
def runs():
    return {g: recommend(_world(g), max_group=4, seed=0) for g in (0.0, 8.0)}


def test_the_organization_of_the_villages_own_county_is_offered_when_such_leads_did_better(runs):
    (rec,) = runs[8.0].recommendations
    assert [m.org_id for m in rec.members] == ["A"]
    (member,) = rec.members
    assert member.facts["home_county"] is True
    assert "本县组织" in member.explanation


def test_the_county_changes_nothing_where_the_history_says_nothing_about_it(runs):
    (rec,) = runs[0.0].recommendations
    assert [m.org_id for m in rec.members] == ["B"]  # the better level, as far away
    assert rec.members[0].facts["home_county"] is False
    assert "本县" not in rec.members[0].explanation
