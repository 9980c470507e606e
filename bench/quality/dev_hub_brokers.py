"""DEVELOPMENT generator: hub organizations that lift a group, heavy-tailed quality, histories dense
in some counties and sparse in others.

A few large hub organizations (枢纽型社会组织) lift every group they join, once per group, and two
hubs in one group get in each other's way. Quality is heavy-tailed: a few excellent
organizations, many alike. The lead's distance matters, the partners' does not; coordination
costs grow with the logarithm of the group size. Half the counties have a dense history, the
other half a sparse one; ratings follow quality. Usual partners are few, with small effects.

    E = 30 + 70 σ(z),
    z = −0.4 + 0.5 q_lead + 0.15 mean q_partners + 0.2 (level_lead − 3) − 0.7 log1p(km_lead / 10)
        + 0.7 [a hub in the group] − 0.9 [two hubs or more] + Σ usual-partner effects − 0.35 ln n
    q ~ Student t (3 degrees of freedom), scaled to unit spread
"""

from __future__ import annotations

import numpy as np

from .effects import pair_sum
from .structures import no_communities, rating_informative, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]

#: the share of organizations, the largest by volunteers, that are hubs
HUB_SHARE = 0.04


def _quality(rng, n):
    return np.clip(rng.standard_t(3, n) / np.sqrt(3.0), -4.0, 6.0)


def _hubs(a) -> np.ndarray:
    vol = a.o_volunteers.astype(float)
    return vol >= np.quantile(vol, 1.0 - HUB_SHARE)


def _effects(rng, n):
    return rng.normal(0.0, 0.25, n)


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=0.8, from_community=0.0, effect=_effects
    )


def _activity(a, rng) -> np.ndarray:
    dense = a.o_county % 2 == 0
    return np.where(dense, rng.gamma(8.0, 1.0, len(dense)), rng.pareto(1.3, len(dense)) + 0.05)


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    A lead alone, with a hub, and with two hubs:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> h1, h2 = np.flatnonzero(_hubs(w.actors))[:2]
    >>> lead = int(np.flatnonzero(~_hubs(w.actors))[0])
    >>> s = int(np.flatnonzero(w.actors.o_level[lead])[0])
    >>> e = outcome(w, np.zeros(3, int), np.full(3, s), np.full(3, lead),
    ...             np.array([[lead, -1, -1], [lead, h1, -1], [lead, h1, h2]]))
    >>> bool(e[1] > e[0] > e[2] - 10 and e[1] > e[2])
    True
    """
    t = Terms(w, v, s, lead, members)
    hub = _hubs(w.actors)
    hubs = np.where(t.present, hub[np.maximum(members, 0)], False).sum(axis=1)
    z = (
        -0.4
        + 0.5 * t.q_lead
        + 0.15 * t.q_partners
        + 0.2 * (t.level_lead - 3)
        - 0.7 * np.log1p(t.km / 10)
        + 0.7 * (hubs >= 1)
        - 0.9 * (hubs >= 2)
        + pair_sum(w.pairs, members)
        - 0.35 * np.log(t.n)
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="dev_hub_brokers",
    summary="hubs lift a group once, two hubs clash; heavy-tailed quality; lead distance only; "
    "size cost ln n; dense and sparse counties",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=rating_informative,
    activity=_activity,
    quality=_quality,
    level_from_quality=0.5,
    projects_per_org=2.0,
    partner_mix=(0.3, 0.0),
    reviewer_sd=3.0,
    noise_sd=6.0,
)
