"""DEVELOPMENT generator: charity alliances across counties, multiplicative effects, sparse history.

Who works well together is spread out: charity alliances (联合会、慈善联盟) of organizations from
different counties of a prefecture; usual partners come mostly from one's alliance. Effects
MULTIPLY a group's base improvement (a good lead with a bad partner loses a share of what it would
bring); coordination costs a fixed share per extra member. The history is sparse (most
organizations lead one or two projects or none) and ratings say nothing about quality.

    E = 30 + min(70, 70 · base · Π_pairs (1 + 0.35 [same alliance]) (1 + effect) · (1 − 0.07 (n − 1))
                        · (1 + 0.12 mean q_partners))
    base = σ(−0.2 + 0.7 q_lead + 0.2 (level_lead − 3) − 0.5 log1p(km_lead / 20))
"""

from __future__ import annotations

import numpy as np

from .effects import pair_sum, same_group_pairs
from .structures import activity_sparse, prefecture_alliances, rating_uninformative, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]


def _effects(rng, n):
    good = rng.random(n) < 0.65
    return np.where(good, rng.uniform(0.15, 0.5, n), -rng.uniform(0.15, 0.45, n))


def _pairs(a, rng, knn, communities):
    log_effect = lambda r, n: np.log1p(_effects(r, n))  # noqa: E731 - used once, here
    return usual_partners(
        a, rng, knn, communities, per_org=1.2, from_community=0.8, effect=log_effect
    )


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    A lead alone, then with a member of its alliance from another county:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> county = w.actors.o_county
    >>> label = next(c for c in range(8) if len(set(county[w.communities == c])) > 1)
    >>> a = np.flatnonzero(w.communities == label)[0]
    >>> ally = np.flatnonzero((w.communities == label) & (county != county[a]))[0]
    >>> s = np.flatnonzero(w.actors.o_level[a])[0]
    >>> outcome(w, np.array([0, 0]), np.array([s, s]), np.array([a, a]),
    ...         np.array([[a, -1], [a, ally]])).round(1)
    array([68.6, 73.6])
    """
    t = Terms(w, v, s, lead, members)
    base = sigmoid(-0.2 + 0.7 * t.q_lead + 0.2 * (t.level_lead - 3) - 0.5 * np.log1p(t.km / 20))
    log_synergy = np.log(1.35) * same_group_pairs(w.communities, members) + pair_sum(
        w.pairs, members
    )
    partners = np.where(t.n_partners > 0, np.clip(1 + 0.12 * t.q_partners, 0.7, 1.3), 1.0)
    size = np.maximum(1 - 0.07 * (t.n - 1), 0.5)
    return FLOOR + np.minimum(70.0, 70.0 * base * np.exp(log_synergy) * size * partners)


SPEC = Spec(
    name="dev_alliance_multiply",
    summary="alliances across counties; multiplicative effects ±; size cost linear; sparse history; "
    "ratings uninformative",
    outcome=outcome,
    communities=prefecture_alliances,
    pairs=_pairs,
    rating=rating_uninformative,
    activity=activity_sparse,
    level_from_quality=0.3,
    projects_per_org=1.5,
    size_p=(0.35, 0.3, 0.2, 0.15),
    partner_mix=(0.5, 0.3),
    reviewer_sd=2.0,
    noise_sd=7.0,
)
