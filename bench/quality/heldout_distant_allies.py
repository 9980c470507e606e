"""HELD-OUT generator: allies far away, rivals next door; effects in score points; wild reviews.

Usual partners are drawn from across the prefecture (a charity alliance without a formal label:
no community is shared). A pair from different counties works well; a pair from the same county
competes. Effects ADD in review points, with no logistic squashing (a good group can hit the 100
ceiling; a poor one sits on the floor). Coordination costs grow with the square of the size. The
local teams organizations belong to carry no value of their own. Review noise is heavy-tailed
(Student t, 3 degrees of freedom) and 60 % of organizations are unrated; the history is of
middling density.

    E = clip(30 + 24 + 8 q_lead + 3 mean q_partners + 2.5 (level_lead − 3) − 6 log1p(km_lead / 15)
             + Σ pairs (+9 across counties / −7 within one, for usual partners) − 2.5 (n − 1)²,
             30, 100)
"""

from __future__ import annotations

import numpy as np

from .effects import PairTable, member_pairs
from .structures import local_teams
from .world import FLOOR, Spec, Terms

__all__ = ["SPEC", "outcome"]


def _pairs(a, rng, knn, communities):
    n = len(a.o_lat)
    count = rng.poisson(1.3, n)
    src = np.repeat(np.arange(n), count)
    pref = a.county_prefecture[a.o_county]
    order = np.argsort(pref, kind="stable")
    lo = np.searchsorted(pref[order], pref[src], "left")
    hi = np.searchsorted(pref[order], pref[src], "right")
    far = order[np.minimum(lo + (rng.random(len(src)) * (hi - lo)).astype(int), n - 1)]
    near = knn[src, rng.integers(1, knn.shape[1], len(src))]
    dst = np.where(rng.random(len(src)) < 0.6, far, near)
    across = a.o_county[src] != a.o_county[dst]
    effect = np.where(across, rng.uniform(5, 13, len(src)), -rng.uniform(4, 10, len(src)))
    return PairTable(n, src, dst, effect)


def _rating(a, rng):
    r = np.clip(np.rint(3 + 0.7 * a.o_quality + rng.normal(0, 0.8, len(a.o_quality))), 1, 5)
    return np.where(rng.random(len(r)) < 0.6, 0, r).astype(np.int64)


def _activity(a, rng):
    return rng.gamma(2.0, 1.0, len(a.o_quality))


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    An organization with each of its usual partners (other county: +, same county: −):

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> a = np.argmax(w.pairs.degree())
    >>> partners = w.pairs.partners_of(a)
    >>> s = np.full(len(partners), np.flatnonzero(w.actors.o_level[a])[0])
    >>> bool(len(partners) > 1)
    True
    >>> e = outcome(w, np.zeros(len(partners), int), s, np.full(len(partners), a),
    ...             np.column_stack([np.full(len(partners), a), partners]))
    >>> across = w.actors.o_county[partners] != w.actors.o_county[a]
    >>> bool(e[across].mean() > e[~across].mean()) if (~across).any() else True
    True
    """
    t = Terms(w, v, s, lead, members)
    i, j = member_pairs(members.shape[1])
    pairs = w.pairs.lookup(members[:, i], members[:, j]).sum(axis=1)
    e = (
        FLOOR
        + 24
        + 8 * t.q_lead
        + 3 * t.q_partners
        + 2.5 * (t.level_lead - 3)
        - 6 * np.log1p(t.km / 15)
        + pairs
        - 2.5 * (t.n - 1) ** 2
    )
    return np.clip(e, FLOOR, 100.0)


SPEC = Spec(
    name="heldout_distant_allies",
    summary="allies across counties (+), rivals in one county (−), additive in points; size cost "
    "(n−1)²; heavy-tailed review noise; 60 % unrated",
    outcome=outcome,
    communities=local_teams,
    pairs=_pairs,
    rating=_rating,
    activity=_activity,
    projects_per_org=2.0,
    partner_mix=(0.5, 0.2),
    reviewer_sd=4.0,
    noise_sd=5.0,
    params={"noise_df": 3},
)
