"""DEVELOPMENT generator: like works with like; a partner brings its services and nothing more.

Organizations choose their usual partners among their neighbours by how alike they are: strong
ones with strong ones, weak with weak (homophily), and come back to them again and again. Yet a
partner lifts nothing: a project is as good as its lead, its lead's level and distance, and it
pays a coordination cost for every member; no pair works better or worse together than its members
apart. So a pair's good record is its members' quality seen twice, and an estimator that credits
it to the pair (and to a strong partner's company) will send strong organizations to sit in each
other's groups instead of leading elsewhere. Written in session 31, after the quality-only variant
had beaten the shipped matcher on three held-out rows: a structure under which past partners say
nothing about future ones. Dense history, ratings informative.

    E = 30 + 70 σ(z),
    z = −0.3 + 0.7 q_lead + 0.18 (level_lead − 3) + 0.1 (severity − 3)
        − 0.55 log1p(km_lead / 12) − 0.15 (n − 1)
"""

from __future__ import annotations

import numpy as np

from .effects import PairTable
from .structures import activity_dense, no_communities, rating_informative
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]

#: how alike two organizations must be to choose each other (quality units, a Laplace kernel)
LIKENESS = 0.25


def _pairs(a, rng, knn, communities):
    """Poisson(1.5) usual partners each, among the 20 nearest, drawn by likeness of quality."""
    n, q = len(a.o_lat), a.o_quality
    src = np.repeat(np.arange(n), rng.poisson(1.5, n))
    near = knn[src, 1:]
    weight = np.exp(-np.abs(q[near] - q[src][:, None]) / LIKENESS)
    cdf = np.cumsum(weight / weight.sum(axis=1, keepdims=True), axis=1)
    pick = np.minimum((rng.random(len(src))[:, None] > cdf).sum(axis=1), near.shape[1] - 1)
    dst = near[np.arange(len(src)), pick]
    return PairTable(n, src, dst, np.zeros(len(src)))


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    A lead alone, then with a partner: the partner only costs coordination.

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> a = w.actors
    >>> lead, other = int(np.argmax(a.o_quality)), int(np.argmin(a.o_quality))
    >>> s = int(np.flatnonzero(a.o_level[lead])[0])
    >>> e = outcome(w, np.array([0, 0]), np.array([s, s]), np.array([lead, lead]),
    ...             np.array([[lead, -1], [lead, other]]))
    >>> bool(e[0] > e[1])
    True
    """
    t = Terms(w, v, s, lead, members)
    z = (
        -0.3
        + 0.7 * t.q_lead
        + 0.18 * (t.level_lead - 3)
        + 0.1 * (t.severity - 3)
        - 0.55 * np.log1p(t.km / 12)
        - 0.15 * (t.n - 1)
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="dev_like_with_like",
    summary="partners chosen by likeness of quality (homophily), no pair effects; a partner adds "
    "only its services and a coordination cost 0.15 each; dense history; ratings informative",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=rating_informative,
    activity=activity_dense,
    projects_per_org=2.0,
    partner_mix=(0.75, 0.0),
    reviewer_sd=3.0,
    noise_sd=6.0,
)
