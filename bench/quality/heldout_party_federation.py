"""HELD-OUT generator: 社会组织党委 federations across counties; a bonus only under a member lead.

Who works well together: one party committee (社会组织党委) per prefecture gathers part of the
organizations with a party branch, whatever their county. A project led by a committee member
gains for every partner of the same committee; a committee partner under a lead from outside gains
nothing. Usual partners are few and carry small ± effects. Organizations are either solid or poor
(two groups), ratings are saturated (almost everyone rated 4–5 unless really poor), distance
matters less (committee members travel), and coordination costs a little per extra member.

    E = 30 + 70 σ(z),
    z = −1.0 + 1.1 [solid lead] + 0.3 share of solid partners + 0.12 (level_lead − 3)
        − 0.35 log1p(km_lead / 30)
        + [lead in a committee] · 0.55 · min(partners of the lead's committee, 2)
        + Σ pair effects − 0.15 (n − 1)
"""

from __future__ import annotations

import numpy as np

from .effects import pair_sum
from .structures import activity_dense, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]


def party_committees(a, rng, knn=None, share: float = 0.6):
    """社会组织党委: one committee per prefecture holding part of the organizations with a party
    branch, whatever their county.

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> labels = party_committees(a, np.random.default_rng(0))
    >>> bool(a.o_party[labels >= 0].all())
    True
    """
    member = a.o_party & (rng.random(len(a.o_lat)) < share)
    return np.where(member, a.county_prefecture[a.o_county], -1)


def _quality(rng, n):
    solid = rng.random(n) < 0.55
    return np.where(solid, rng.normal(1.0, 0.3, n), rng.normal(-1.0, 0.4, n))


def _rating(a, rng):
    poor = a.o_quality < -1.2
    r = np.where(poor, rng.integers(2, 4, len(poor)), rng.integers(4, 6, len(poor)))
    return np.where(rng.random(len(r)) < 0.15, 0, r).astype(np.int64)


def _effects(rng, n):
    return rng.normal(0.0, 0.25, n)


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=0.8, from_community=0.5, effect=_effects
    )


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    Two members of one committee, each leading with the other as partner:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> a, b = np.flatnonzero(w.communities == 0)[:2]
    >>> s = np.flatnonzero(w.actors.o_level[a])[0]
    >>> outcome(w, np.array([0, 0]), np.array([s, s]), np.array([a, b]),
    ...         np.array([[a, b], [a, b]])).round(1)
    array([56. , 63.8])
    """
    t = Terms(w, v, s, lead, members)
    m = np.maximum(members, 0)
    solid = w.actors.o_quality > 0
    solid_partners = np.where(t.partner, solid[m], False).sum(axis=1) / np.maximum(t.n_partners, 1)
    committee = w.communities[lead]
    same = (t.partner & (w.communities[m] == committee[:, None])).sum(axis=1)
    bonus = np.where(committee >= 0, 0.55 * np.minimum(same, 2), 0.0)
    z = (
        -1.0
        + 1.1 * solid[lead]
        + 0.3 * solid_partners
        + 0.12 * (t.level_lead - 3)
        - 0.35 * np.log1p(t.km / 30)
        + bonus
        + pair_sum(w.pairs, members)
        - 0.15 * (t.n - 1)
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="heldout_party_federation",
    summary="party committees across counties, bonus only under a member lead; two-class quality; "
    "saturated ratings; size cost linear; dense history",
    outcome=outcome,
    communities=party_committees,
    pairs=_pairs,
    rating=_rating,
    activity=activity_dense,
    quality=_quality,
    level_from_quality=0.4,
    party_share=0.45,
    projects_per_org=3.0,
    partner_mix=(0.25, 0.45),
    reviewer_sd=3.0,
    noise_sd=6.0,
)
