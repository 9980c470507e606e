"""DEVELOPMENT generator: each kind of organization brings one role, and a group is worth the roles
it holds, not the pairs it has.

A social group (志愿者协会) brings volunteers, a service agency (社会工作服务中心) professional
social workers, a foundation (慈善基金会) money. A group gains once for every *kind* beyond the
first among its members — a second volunteer association adds nothing its first did not — and pays
a coordination cost for every member. Read pair by pair, the roles are overcounted: a group of two
associations and two agencies has four pairs of two kinds but only one role more than either kind
alone. Written in session 37 as the development world for a structure that no other development
world had: kinds that matter per group rather than per pair. Sparse history (most organizations
lead one or two projects), ratings uninformative, a few usual partners with small effects.

    E = 30 + 70 σ(z),
    z = −0.35 + 0.55 q_lead + 0.1 mean q_partners + 0.18 (level_lead − 3) + 0.1 (severity − 3)
        − 0.6 log1p(km_lead / 15) + 0.4 (kinds in the group − 1) − 0.2 (n − 1)
        + Σ usual-partner effects
"""

from __future__ import annotations

import numpy as np

from .effects import pair_sum
from .structures import activity_sparse, no_communities, rating_uninformative, usual_partners
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome", "kinds_in_group"]

#: what each kind beyond the first adds to a group (logit units)
ROLE = 0.4
#: what every member beyond the first costs (logit units)
COORDINATION = 0.2


def kinds_in_group(kind: np.ndarray, members: np.ndarray) -> np.ndarray:
    """How many different kinds the members of each group (a row, padded with -1) are of.

    Examples
    --------
    >>> kinds_in_group(np.array([0, 0, 1, 2]), np.array([[0, 1, -1], [0, 2, 3], [3, -1, -1]]))
    array([1, 3, 1])
    """
    present = members >= 0
    k = np.where(present, kind[np.maximum(members, 0)], -1)
    return np.stack([(k == c).any(axis=1) for c in range(int(kind.max()) + 1)]).sum(axis=0)


def _effects(rng, n):
    return rng.normal(0.0, 0.15, n)


def _pairs(a, rng, knn, communities):
    return usual_partners(
        a, rng, knn, communities, per_org=0.7, from_community=0.0, effect=_effects
    )


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    A lead alone, with a partner of its own kind, and with one of another kind:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> kind = w.actors.o_kind
    >>> lead = int(np.flatnonzero(kind == 1)[0])
    >>> same, other = int(np.flatnonzero(kind == 1)[1]), int(np.flatnonzero(kind == 0)[0])
    >>> s = int(np.flatnonzero(w.actors.o_level[lead])[0])
    >>> e = outcome(w, np.zeros(3, int), np.full(3, s), np.full(3, lead),
    ...             np.array([[lead, -1], [lead, same], [lead, other]]))
    >>> bool(e[2] > e[0] > e[1] - 10)
    True
    """
    t = Terms(w, v, s, lead, members)
    z = (
        -0.35
        + 0.55 * t.q_lead
        + 0.1 * t.q_partners
        + 0.18 * (t.level_lead - 3)
        + 0.1 * (t.severity - 3)
        - 0.6 * np.log1p(t.km / 15)
        + ROLE * (kinds_in_group(w.actors.o_kind, members) - 1)
        - COORDINATION * (t.n - 1)
        + pair_sum(w.pairs, members)
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="dev_kind_roles",
    summary="each kind brings one role: a group gains 0.4 per kind beyond the first, once per "
    "group, and pays 0.2 a member; sparse history; ratings uninformative; small usual-partner "
    "effects",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=rating_uninformative,
    activity=activity_sparse,
    projects_per_org=2.0,
    partner_mix=(0.3, 0.0),
    reviewer_sd=3.0,
    noise_sd=7.0,
)
