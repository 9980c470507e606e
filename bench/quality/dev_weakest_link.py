"""DEVELOPMENT generator: the weakest member sets the level; rivals; strict and lenient reviewers.

No communities: the organizations one works with again and again are neighbours, and most of those
pairs are rivals (same county, often the same service) who do worse together. A group is as good
as its lead and its WEAKEST member (not the mean); coordination cost grows steeply with the square
of the group size. Reviewers differ a lot (some lenient, some strict, each reviewing one county)
and reviews are noisy; the history is dense and ratings follow quality.

    E = 30 + 70 σ(z),
    z = 0.1 + 0.45 q_lead + 0.45 min q_members + 0.25 (level_lead − 3)
        − 0.6 log1p(km_lead / 10) + Σ pair effects − 0.22 (n − 1)²
"""

from __future__ import annotations

import numpy as np

from .effects import pair_sum
from .structures import activity_dense, no_communities, rating_informative, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]


def _effects(rng, n):
    rival = rng.random(n) < 0.7
    return np.where(rival, -rng.uniform(0.3, 1.2, n), rng.uniform(0.2, 0.8, n))


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=2.0, from_community=0.0, effect=_effects
    )


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    The best organization alone, then with the worst one in its group:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> best, worst = np.argmax(w.actors.o_quality), np.argmin(w.actors.o_quality)
    >>> s = np.flatnonzero(w.actors.o_level[best])[0]
    >>> outcome(w, np.array([0, 0]), np.array([s, s]), np.array([best, best]),
    ...         np.array([[best, -1], [best, worst]])).round(1)
    array([93. , 50.2])
    """
    t = Terms(w, v, s, lead, members)
    q = np.where(t.present, w.actors.o_quality[np.maximum(members, 0)], np.inf)
    z = (
        0.1
        + 0.45 * t.q_lead
        + 0.45 * q.min(axis=1)
        + 0.25 * (t.level_lead - 3)
        - 0.6 * np.log1p(t.km / 10)
        + pair_sum(w.pairs, members)
        - 0.22 * (t.n - 1) ** 2
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="dev_weakest_link",
    summary="no communities; rival pairs (mostly −); weakest member counts; size cost (n−1)² steep; "
    "strict/lenient reviewers, noisy; dense history",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=rating_informative,
    activity=activity_dense,
    projects_per_org=4.0,
    partner_mix=(0.6, 0.0),
    reviewer_sd=8.0,
    noise_sd=10.0,
    second_review=0.2,
)
