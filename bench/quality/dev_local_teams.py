"""DEVELOPMENT generator: local teams, additive effects, a dense history, informative ratings.

Who works well together is local: teams of 3–6 neighbouring organizations (and usual partners,
mostly neighbours) whose joint projects score higher; usual partners also include pairs that
do badly together (30 %). Effects add up on the logit of the improvement over the floor; a
group pays a coordination cost growing with the square of its size. Every organization has a few
reviewed projects; ratings follow quality; reviewers are mildly lenient or strict.

    E = 30 + 70 σ(z),
    z = −0.3 + 0.6 q_lead + 0.25 mean q_partners + 0.18 (level_lead − 3) + 0.1 (severity − 3)
        − 0.55 log1p(km_lead / 12) − 0.2 log1p(mean km_partners / 12)
        + 0.5 min(pairs in one team, 3) + Σ usual-partner effects − 0.08 (n − 1)²
"""

from __future__ import annotations

import numpy as np

from .effects import pair_sum, same_group_pairs
from .structures import activity_dense, local_teams, rating_informative, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]


def _effects(rng, n):
    good = rng.random(n) < 0.7
    return np.where(good, rng.uniform(0.3, 0.8, n), -rng.uniform(0.3, 1.0, n))


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=1.5, from_community=0.6, effect=_effects
    )


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    A lead alone, then with a member of its local team (same village and service):

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> a, b = np.flatnonzero(w.communities == 0)[:2]
    >>> s = np.flatnonzero(w.actors.o_level[a])[0]
    >>> outcome(w, np.array([0, 0]), np.array([s, s]), np.array([a, a]),
    ...         np.array([[a, -1], [a, b]])).round(1)
    array([50.1, 55.6])
    """
    t = Terms(w, v, s, lead, members)
    partner_km = t.partner_km.sum(axis=1) / np.maximum(t.n_partners, 1)
    z = (
        -0.3
        + 0.6 * t.q_lead
        + 0.25 * t.q_partners
        + 0.18 * (t.level_lead - 3)
        + 0.1 * (t.severity - 3)
        - 0.55 * np.log1p(t.km / 12)
        - 0.2 * np.log1p(partner_km / 12)
        + 0.5 * np.minimum(same_group_pairs(w.communities, members), 3)
        + pair_sum(w.pairs, members)
        - 0.08 * (t.n - 1) ** 2
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="dev_local_teams",
    summary="local teams; additive pair effects ±; size cost (n−1)²; dense history; ratings informative",
    outcome=outcome,
    communities=local_teams,
    pairs=_pairs,
    rating=rating_informative,
    activity=activity_dense,
    projects_per_org=4.0,
    partner_mix=(0.45, 0.3),
    reviewer_sd=3.0,
    noise_sd=6.0,
)
