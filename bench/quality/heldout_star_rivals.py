"""HELD-OUT generator: a few star organizations, many rival pairs, a cubic size cost, scarce data.

Quality is heavy-tailed (a few stars, many mediocre), ratings follow head count rather than
quality, and most organizations have led one or two projects or none. Effects multiply: a star
lead lifts the whole group, a rival pair (most usual partners here are rivals) cuts it, a rare
good pair lifts it a lot. Coordination cost grows with the cube of the group size. Reviews are
moderately noisy.

    E = 30 + min(70, 70 · σ(−0.6 + 1.0 q_lead + 0.15 (level_lead − 3) − 0.45 log1p(km_lead / 15))
                   · Π_pairs (1 + effect) · (1 − 0.025 (n − 1)³))
    q = lognormal(0, 0.7) − 1.2 (hidden)
"""

from __future__ import annotations

import numpy as np

from .effects import pair_sum
from .structures import activity_sparse, no_communities, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome"]


def _quality(rng, n):
    return rng.lognormal(0.0, 0.7, n) - 1.2


def rating_by_size(a, rng) -> np.ndarray:
    """Ratings that follow head count (large organizations get 4A/5A), not quality.

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> r = rating_by_size(a, np.random.default_rng(0))
    >>> bool(np.corrcoef(r[r > 0], a.o_volunteers[r > 0])[0, 1] > 0.3)
    True
    """
    z = (np.log(a.o_volunteers + 1) - 3.0) / 0.8
    r = np.clip(np.rint(3 + 0.9 * z + rng.normal(0, 0.5, len(z))), 1, 5)
    return np.where(rng.random(len(r)) < 0.3, 0, r).astype(np.int64)


def _log_effects(rng, n):
    rival = rng.random(n) < 0.6
    return np.log1p(np.where(rival, -rng.uniform(0.2, 0.5, n), rng.uniform(0.2, 0.8, n)))


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=1.5, from_community=0.0, effect=_log_effects
    )


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    The star of the world and a median organization, each leading alone:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> q = w.actors.o_quality
    >>> star, median = np.argmax(q), np.argsort(q)[len(q) // 2]
    >>> s = np.flatnonzero(w.actors.o_level[star])[0]
    >>> outcome(w, np.array([0, 0]), np.array([s, s]), np.array([star, median]),
    ...         np.array([[star], [median]])).round(1)
    array([99.6, 40.8])
    """
    t = Terms(w, v, s, lead, members)
    base = sigmoid(-0.6 + 1.0 * t.q_lead + 0.15 * (t.level_lead - 3) - 0.45 * np.log1p(t.km / 15))
    size = np.maximum(1 - 0.025 * (t.n - 1) ** 3, 0.2)
    return FLOOR + np.minimum(70.0, 70.0 * base * np.exp(pair_sum(w.pairs, members)) * size)


SPEC = Spec(
    name="heldout_star_rivals",
    summary="heavy-tailed quality (stars); rival pairs (mostly −), multiplicative; size cost cubic; "
    "sparse history; ratings follow size",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=rating_by_size,
    activity=activity_sparse,
    quality=_quality,
    level_from_quality=0.2,
    projects_per_org=1.2,
    size_p=(0.3, 0.35, 0.25, 0.1),
    partner_mix=(0.55, 0.0),
    reviewer_sd=2.5,
    noise_sd=6.0,
)
