"""DEVELOPMENT generator: a chosen history — strong leads and big groups go to the hard villages.

In every other world a past project's village, service and group size were drawn at random, so
what the reviews say about a lead or a group size is not confounded with where it worked. Real
histories are chosen: a civil-affairs bureau sends its strongest organizations, in larger groups,
to the hardest villages, and hard villages score lower whoever serves them. Here a project's
village is chosen among the lead's 30 nearest with a preference of quality × hardship (strong
leads to hard villages), and its group is larger the harder the village. The hidden hardship is
seen only through proxies: the severity of the needs and, noisily, the village's population and
poor households. A naive reading learns that strong organizations and large groups do worse than
they do. Partners truly help (each brings +0.2 and its quality), coordination costs (n − 1)²,
usual partners among neighbours are ± (60 % good). Dense history, ratings informative. Written in
session 35: no other development world has a history chosen on what the outcome depends on.

    E = 30 + 70 σ(z),
    z = −0.1 + 0.65 q_lead + 0.2 (level_lead − 3) − 0.45 log1p(km_lead / 15) − 0.55 hardship
        + Σ over partners (0.2 + 0.12 q_partner) − 0.06 (n − 1)² + Σ pair effects
"""

from __future__ import annotations

import numpy as np

from .effects import pair_sum
from .structures import activity_dense, no_communities, rating_informative, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]


def _effects(rng, n):
    good = rng.random(n) < 0.6
    return np.where(good, rng.uniform(0.1, 0.4, n), -rng.uniform(0.1, 0.4, n))


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=1.3, from_community=0.0, effect=_effects
    )


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    The same team scores lower in a harder village:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> a = w.actors
    >>> easy, hard = int(np.argmin(a.v_hardship)), int(np.argmax(a.v_hardship))
    >>> lead = 0
    >>> s = int(np.flatnonzero(a.o_level[lead])[0])
    >>> e = outcome(w, np.array([easy, hard]), np.array([s, s]), np.array([lead, lead]),
    ...             np.array([[lead], [lead]]))
    >>> bool(e[0] > e[1])
    True
    """
    t = Terms(w, v, s, lead, members)
    q_partners = t.q_partners * t.n_partners  # their sum
    z = (
        -0.1
        + 0.65 * t.q_lead
        + 0.2 * (t.level_lead - 3)
        - 0.45 * np.log1p(t.km / 15)
        - 0.55 * w.actors.v_hardship[v]
        + 0.2 * t.n_partners
        + 0.12 * q_partners
        - 0.06 * (t.n - 1) ** 2
        + pair_sum(w.pairs, members)
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="dev_hard_villages",
    summary="a chosen history: strong leads and larger groups go to harder villages, which score "
    "lower; partners help (+0.2 each), cost (n − 1)²; usual partners ±; dense history",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=rating_informative,
    activity=activity_dense,
    projects_per_org=2.5,
    size_p=(0.4, 0.3, 0.2, 0.1),
    partner_mix=(0.45, 0.0),
    reviewer_sd=3.0,
    noise_sd=6.0,
    params={"strong_to_hard": 0.7, "size_by_hardship": 0.8},
)
