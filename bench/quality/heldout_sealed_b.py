"""HELD-OUT generator: organizations that changed since their reviews; roadshow juries that favour
big names; partners with diminishing returns.

The reviews of 2016–2021 judged organizations as they were then. Since, a quarter of them grew
(hired trained social workers, found a steady funder) and a quarter declined (founders left,
grants ended); the rest stayed as they were. A new project is carried out by the organization as
it is NOW. The civil-affairs assessment (等级评估) behind the ratings is recent and sees the
present; the capability levels organizations declare follow the present too. Reviews were given
at roadshows (公益路演) whose juries favour big names: a lead with many volunteers was scored
higher than its project deserved, a small one lower (the halo is in the reviews only, not in what
a project achieves). Partners count by rank: the best partner fully, the second half, the third
a third (a bad partner still drags). No pair of organizations is special.

    E (a new project) = 30 + 70 σ(z(q_now))
    E (in the history) = clip(30 + 70 σ(z(q_then)) + halo(lead), 30, 100)
    z(q) = −0.4 + 0.75 q_lead + 0.3 Σ_k q_partner(k) / k (partners best first)
           + 0.2 (level_lead − 3) − 0.5 log1p(km_lead / 12) − 0.22 (n − 1)
    q_then = q_now − Δ;  Δ = +U(0.7, 1.6) for 25 % (grew), −U(0.7, 1.6) for 25 % (declined),
             N(0, 0.2) for the rest
    halo = 5 clip((ln(volunteers + 1) − 3) / 0.8, −1, 2)   (review points)

The history's expected scores are drawn while the world is being built (its ``history`` still
empty): that is how :func:`outcome` tells a past project from a new one.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .structures import usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome", "change", "halo"]


@lru_cache(maxsize=4)
def _change(seed: int, n_orgs: int) -> np.ndarray:
    # drawn here rather than by the actors (which know one quality per organization), from the
    # world's seed and size
    rng = np.random.default_rng([seed, n_orgs, 29, 7])
    u = rng.random(n_orgs)
    step = rng.uniform(0.7, 1.6, n_orgs)
    return np.where(u < 0.25, step, np.where(u < 0.5, -step, rng.normal(0.0, 0.2, n_orgs)))


def change(w) -> np.ndarray:
    """Δ: how much each organization's quality changed since the history (hidden).

    Examples
    --------
    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> d = change(w)
    >>> bool(0.15 < (d > 0.6).mean() < 0.35 and 0.15 < (d < -0.6).mean() < 0.35)
    True
    """
    return _change(int(w.seed), len(w.actors.o_lat))


def halo(a) -> np.ndarray:
    """Review points a roadshow jury adds for an organization's name (its size), −5..+10.

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> h = halo(make_actors("tiny", np.random.default_rng(0)))
    >>> bool(h.min() >= -5 and h.max() <= 10)
    True
    """
    return 5.0 * np.clip((np.log(a.o_volunteers + 1.0) - 3.0) / 0.8, -1.0, 2.0)


def _in_history(w) -> bool:
    return not w.history


def _no_effect(rng, n):
    return np.zeros(n)


def _communities(a, rng, knn):
    return np.full(len(a.o_lat), -1, np.int64)


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=1.0, from_community=0.0, effect=_no_effect
    )


def _rating(a, rng):
    """The recent assessment: follows the present quality; 35 % unassessed (0)."""
    q = a.o_quality
    r = np.clip(np.rint(3 + 0.7 * q + rng.normal(0, 0.8, len(q))), 1, 5)
    return np.where(rng.random(len(q)) < 0.35, 0, r).astype(np.int64)


def _activity(a, rng):
    return rng.gamma(4.0, 1.0, len(a.o_quality)) * ((a.o_volunteers + 1.0) / 21.0) ** 0.4


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    The organization that grew the most, alone: what it achieves now, and what its reviews
    expected while the history was drawn:

    >>> import dataclasses
    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> o = int(np.argmax(change(w)))
    >>> s = np.array([np.flatnonzero(w.actors.o_level[o])[0]])
    >>> now = outcome(w, np.array([0]), s, np.array([o]), np.array([[o, -1]]))
    >>> then = outcome(dataclasses.replace(w, history={}), np.array([0]), s, np.array([o]),
    ...                np.array([[o, -1]]))
    >>> bool(now[0] > then[0] - halo(w.actors)[o] + 10), bool(30 <= now[0] <= 100)
    (True, True)
    """
    a = w.actors
    t = Terms(w, v, s, lead, members)
    past = _in_history(w)
    q = a.o_quality - change(w) if past else a.o_quality
    m = np.maximum(members, 0)
    qp = np.sort(np.where(t.partner, q[m], -np.inf), axis=1)[:, ::-1]  # best first, pads last
    rank = np.arange(1, qp.shape[1] + 1)
    partners = np.where(np.isfinite(qp), qp / rank, 0.0).sum(axis=1)
    z = (
        -0.4
        + 0.75 * q[lead]
        + 0.3 * partners
        + 0.2 * (t.level_lead - 3)
        - 0.5 * np.log1p(t.km / 12)
        - 0.22 * (t.n - 1)
    )
    e = FLOOR + (100 - FLOOR) * sigmoid(z)
    if past:
        e = np.clip(e + halo(a)[lead], FLOOR, 100.0)
    return e


SPEC = Spec(
    name="heldout_sealed_b",
    summary="sealed: described in the module docstring",
    outcome=outcome,
    communities=_communities,
    pairs=_pairs,
    rating=_rating,
    activity=_activity,
    level_from_quality=0.35,
    party_share=0.4,
    projects_per_org=2.5,
    size_p=(0.4, 0.3, 0.2, 0.1),
    partner_mix=(0.3, 0.0),
    reviewer_sd=3.0,
    noise_sd=5.0,
    second_review=0.1,
)
