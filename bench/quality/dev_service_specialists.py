"""DEVELOPMENT generator: quality that depends on the service, complementary partners, ratings that
follow size.

An organization is good at some services and poor at others: its skill in a service is a shared
quality plus a larger service-specific part, and capability levels only see the shared part. A
partner helps when it brings one of the village's needed services the lead does not offer, and
costs a little when it brings nothing new. Ratings follow how big an organization is, not how
good. Usual partners are mostly neighbours, with effects of both signs; history of middling
density.

    E = 30 + 70 σ(z),
    z = −0.2 + 0.35 q_lead + 0.7 skill(lead, s) + 0.15 (level_lead − 3) − 0.5 log1p(km_lead / 15)
        + 0.2 mean q_partners + Σ_partners (0.3 min(new services, 2) − 0.25 [none new])
        + Σ usual-partner effects − 0.1 (n − 1)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .effects import pair_sum
from .structures import activity_dense, no_communities, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]


@lru_cache(maxsize=4)
def _skill(seed: int, n_orgs: int, n_services: int) -> np.ndarray:
    # the service-specific part of the hidden quality; drawn here rather than by the actors
    # (which know one quality per organization), from the world's seed and size
    rng = np.random.default_rng([seed, n_orgs, n_services, 17])
    return rng.normal(0.0, 1.0, (n_orgs, n_services))


def _effects(rng, n):
    good = rng.random(n) < 0.55
    return np.where(good, rng.uniform(0.2, 0.6, n), -rng.uniform(0.2, 0.7, n))


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=1.0, from_community=0.0, effect=_effects
    )


def _rating_by_size(a, rng) -> np.ndarray:
    size = np.log1p(a.o_volunteers.astype(float))
    z = (size - size.mean()) / max(size.std(), 1e-9)
    r = np.clip(np.rint(3 + 0.9 * z + rng.normal(0, 0.7, len(z))), 1, 5)
    return np.where(rng.random(len(r)) < 0.2, 0, r).astype(np.int64)


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    A lead alone, then with a partner that adds nothing the village needs beyond the lead:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> a = w.actors
    >>> v = int(np.flatnonzero(a.need_sev.sum(axis=1))[0])
    >>> s = int(np.flatnonzero(a.need_sev[v])[0])
    >>> lead = int(np.flatnonzero(a.o_level[:, s])[0])
    >>> same = int(next(o for o in range(len(a.o_lat)) if o != lead and
    ...     set(np.flatnonzero(a.o_level[o] * a.need_sev[v])) <= set(np.flatnonzero(a.o_level[lead]))))
    >>> e = outcome(w, np.array([v, v]), np.array([s, s]), np.array([lead, lead]),
    ...             np.array([[lead, -1], [lead, same]]))
    >>> bool(30 <= e.min() and e.max() <= 100)
    True
    """
    a = w.actors
    t = Terms(w, v, s, lead, members)
    skill = _skill(w.seed, len(a.o_lat), a.o_level.shape[1])
    m = np.maximum(members, 0)
    needed = a.need_sev[v] > 0  # (rows, S)
    lead_offers = a.o_level[lead] > 0
    brings = (a.o_level[m] > 0) & needed[:, None, :] & ~lead_offers[:, None, :]  # (rows, k, S)
    new = brings.sum(axis=2)
    comp = np.where(t.partner, 0.3 * np.minimum(new, 2) - 0.25 * (new == 0), 0.0).sum(axis=1)
    z = (
        -0.2
        + 0.35 * t.q_lead
        + 0.7 * skill[lead, s]
        + 0.15 * (t.level_lead - 3)
        - 0.5 * np.log1p(t.km / 15)
        + 0.2 * t.q_partners
        + comp
        + pair_sum(w.pairs, members)
        - 0.1 * (t.n - 1)
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="dev_service_specialists",
    summary="quality per service; partners pay when they bring a service the lead lacks; ratings "
    "follow size; usual partners ± near; middling history",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=_rating_by_size,
    activity=activity_dense,
    level_from_quality=0.4,
    projects_per_org=2.5,
    partner_mix=(0.4, 0.0),
    reviewer_sd=3.0,
    noise_sd=7.0,
)
