"""HELD-OUT generator: groups that mix kinds of organizations, a few bad apples, grant chasers.

What makes a group work is its mix of KINDS: a foundation (基金会) brings money, a social-work
service agency (社工服务中心) delivers, a volunteer association (志愿者协会) mobilizes people. Each
extra kind in a group helps; partners of the lead's own kind are redundant and cost; a foundation
leading without a service agency in the group does poorly (funders do not deliver). No pair of
organizations is special. Quality is skewed the other way: most organizations are decent, a few
are bad. Someone must be on site: the NEAREST member's distance counts, not the lead's. Effects
saturate fast near the top (a Gompertz curve, not a logistic one). Ratings exist only for the
organizations that applied for an assessment (3A–5A), mostly the better ones; the organizations
that lead most projects are the weaker ones (they chase grants).

    E = 30 + 70 (1 − exp(−exp(z))),
    z = −0.5 + 0.45 q_lead + 0.25 mean q_partners + 0.2 (level_lead − 3)
        + 0.55 (kinds in the group − 1) − 0.35 (partners of the lead's kind)
        − 0.9 [a foundation leads, no service agency in the group] + 0.3 [a foundation in the group]
        − 0.55 log1p(min km of the members / 10) − 0.12 (n − 1)^1.5
    q ~ −Gamma(1.5), standardized
"""

from __future__ import annotations

import numpy as np

from .structures import no_communities, usual_partners
from .world import FLOOR, Spec, Terms

__all__ = ["SPEC", "outcome"]

_SOCIAL_GROUP, _SERVICE_AGENCY, _FOUNDATION = 0, 1, 2  # the order of actors._ORG_KINDS


def _quality(rng, n):
    g = -rng.gamma(1.5, 1.0, n)
    return (g - g.mean()) / g.std()


def _no_effect(rng, n):
    return np.zeros(n)


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=1.5, from_community=0.0, effect=_no_effect
    )


def _rating(a, rng):
    """Assessed (3A–5A) with probability σ(1.5 q); unassessed organizations are unrated."""
    q = a.o_quality
    assessed = rng.random(len(q)) < 1 / (1 + np.exp(-1.5 * q))
    r = np.clip(np.rint(3.6 + 0.5 * q + rng.normal(0, 0.6, len(q))), 3, 5)
    return np.where(assessed, r, 0).astype(np.int64)


def _activity(a, rng):
    return rng.gamma(3.0, 1.0, len(a.o_quality)) * np.exp(-0.45 * a.o_quality)


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    A volunteer association alone, with another one, then with a service agency instead (the
    partners sit next to it):

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> kind = w.actors.o_kind
    >>> a = np.flatnonzero(kind == 0)[0]
    >>> same = np.flatnonzero(kind == 0)[1]
    >>> other = np.flatnonzero(kind == 1)[0]
    >>> s = np.flatnonzero(w.actors.o_level[a])[0]
    >>> e = outcome(w, np.zeros(3, int), np.full(3, s), np.full(3, a),
    ...             np.array([[a, -1], [a, same], [a, other]]))
    >>> bool(e[2] > e[1]), bool(((30 <= e) & (e <= 100)).all())
    (True, True)
    """
    t = Terms(w, v, s, lead, members)
    kind = w.actors.o_kind
    mk = np.where(t.present, kind[np.maximum(members, 0)], -1)
    has = np.stack([(mk == k).any(axis=1) for k in range(3)], axis=1)
    n_kinds = has.sum(axis=1)
    lead_kind = kind[lead]
    same_kind = (t.partner & (mk == lead_kind[:, None])).sum(axis=1)
    funder_alone = (lead_kind == _FOUNDATION) & ~has[:, _SERVICE_AGENCY]
    near_km = np.where(t.partner, t.partner_km, np.inf).min(axis=1)
    near_km = np.minimum(near_km, t.km)
    z = (
        -0.5
        + 0.45 * t.q_lead
        + 0.25 * t.q_partners
        + 0.2 * (t.level_lead - 3)
        + 0.55 * (n_kinds - 1)
        - 0.35 * same_kind
        - 0.9 * funder_alone
        + 0.3 * has[:, _FOUNDATION]
        - 0.55 * np.log1p(near_km / 10)
        - 0.12 * (t.n - 1) ** 1.5
    )
    return FLOOR + (100 - FLOOR) * (1 - np.exp(-np.exp(np.minimum(z, 5.0))))


SPEC = Spec(
    name="heldout_kind_mix",
    summary="kinds of organizations that complete each other; no special pairs; a few bad apples; "
    "nearest member's distance; Gompertz saturation; ratings only for the assessed; "
    "weaker organizations lead more",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=_rating,
    activity=_activity,
    quality=_quality,
    level_from_quality=0.35,
    projects_per_org=2.5,
    size_p=(0.35, 0.3, 0.22, 0.13),
    partner_mix=(0.35, 0.0),
    reviewer_sd=4.0,
    noise_sd=7.0,
    second_review=0.15,
)
