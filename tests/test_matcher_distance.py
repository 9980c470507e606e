"""What distance costs a lead, when the history sent the best organizations farthest.

An officer reads a lead's predicted score beside its distance. Past projects were not sent at
random: the strongest organizations went to the far villages, so across the history far projects
scored about as well as near ones. The score shown for a far lead must still fall by what the
distance costs each organization, not by the little the raw history shows.
"""

from __future__ import annotations

import numpy as np
import pytest

from graph_schema import SERVICES
from matcher.scoring import fit_scorer
from matcher.snapshot import build_snapshot
from tests.support.worlds import tiny_dataset

#: what a unit of log1p(km / 10) takes off the logit of a review's share above 30 points
COST = 0.8
HOME = (36.0, 117.0)
KM_PER_DEGREE_LON = 111.32 * np.cos(np.radians(HOME[0]))


def _history(chosen: bool, seed: int = 0):
    """40 organizations at one place, all of level 3, each leading 14 projects alone in villages
    1.5 … 60 km east of it; a review scores 30 + 70 σ(0.3 + 0.6 q − COST log1p(km / 10)), ``q``
    the organization's hidden quality. ``chosen``: the better an organization, the farther its villages."""
    rng = np.random.default_rng(seed)
    km = np.linspace(1.5, 60.0, 40)
    villages = [
        (f"V{j:02d}", HOME[0], HOME[1] + k / KM_PER_DEGREE_LON, {"medical": 3})
        for j, k in enumerate(km)
    ]
    names = [f"O{i:02d}" for i in range(40)]
    quality = rng.normal(0.0, 1.0, len(names))
    orgs = [(o, *HOME, 1, {"medical": 3}) for o in names]
    projects = []
    for i, o in enumerate(names):
        tilt = 2.0 * quality[i] if chosen else 0.0
        weight = np.exp(tilt * (km - km.mean()) / km.std())
        for n, j in enumerate(rng.choice(len(km), 14, p=weight / weight.sum())):
            score = true_score(quality[i], km[j]) + rng.normal(0, 2)
            date = f"{2012 + (n % 12)}-{1 + i % 12:02d}-15"
            projects.append(
                (f"J{i:02d}{n:02d}", "medical", [o], f"V{j:02d}", round(score, 1), date)
            )
    ds = tiny_dataset(villages, orgs, projects=projects)
    pooled = np.polyfit(
        [np.log1p(km[int(p[3][1:])] / 10) for p in projects], [p[4] for p in projects], 1
    )[0]
    return ds, km, pooled, quality


def true_score(quality, km):
    """The expected review of organizations of hidden ``quality`` at ``km`` (see :func:`_history`)."""
    return 30 + 70 / (1 + np.exp(-(0.3 + 0.6 * quality - COST * np.log1p(km / 10))))


@pytest.mark.parametrize("chosen", [True, False], ids=["best-sent-farthest", "sent-at-random"])
def test_a_far_lead_is_scored_down_by_what_distance_costs_each_organization(chosen):
    ds, km, pooled, quality = _history(chosen)
    if chosen:
        # the raw history hides most of the cost: the far projects were the best organizations'
        assert pooled > 0.6 * _history(False)[2]
    scorer = fit_scorer(build_snapshot(ds), seed=0, evaluate=False)
    terms = scorer.team_terms()
    near, far = int(np.argmin(abs(km - 2.0))), int(np.argmin(abs(km - 40.0)))
    orgs = np.arange(40)
    medical = np.full(40, SERVICES.index("medical"))
    score = {
        j: terms.score(scorer.unary(np.full(40, j), medical, orgs) + terms.size_term(1))
        for j in (near, far)
    }
    drop = float(np.mean(score[near] - score[far]))
    true_drop = float(np.mean(true_score(quality, km[near]) - true_score(quality, km[far])))
    assert drop == pytest.approx(true_drop, rel=0.25)
