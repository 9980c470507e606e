"""HELD-OUT generator: trust that travels through acquaintances; good leads that are poor partners.

Organizations work on trust (熟人社会): whom they know, and whom the people they know know. A hidden
TRUST NETWORK links organizations: most ties are neighbours (the same county seat), some run along
a line of work across the prefecture (organizations whose main service is the same answer to the
same 业务主管单位 and meet at its trainings), and a share of the friends of friends have since
met (triadic closure). Two members of a group trust each other fully when tied (a tie's strength
is its own), partly when they share an acquaintance (friend of a friend), not at all otherwise.
A member is INTEGRATED by its strongest trust to any other member of the group: a chain
lead–A–B works; a member who knows nobody in the group is a passenger who costs. The usual
partners of the history are the direct ties.

What an organization brings as a partner is not what it achieves as a lead: a hidden
COOPERATION trait, negatively related to its quality as a lead (strong organizations like to run
things their own way; modest ones are good supporters). Ratings (等级评估) follow the quality as a
lead. The history is dense; reviewers are mildly lenient or strict.

    E = 30 + 70 σ(z),
    z = −0.4 + 0.6 q_lead + 0.18 (level_lead − 3) + 0.1 (severity − 3) − 0.5 log1p(km_lead / 12)
        + 0.3 Σ_partners coop + [n ≥ 2] Σ_members (0.3 u_k − 0.25 [u_k = 0]) − 0.15 (n − 1)
    u_k = max over the other members j of trust(k, j);
    trust = tie strength U(0.6, 1) when tied, 0.4 when they share a tie, 0 otherwise
    coop = −0.45 q + 0.89 ε,  ε ~ N(0, 1) (hidden)
    ties: Poisson(1.6) per organization to one of its 20 nearest, Poisson(0.6) to an organization
          of its prefecture with the same main service; then 15 % of the open two-paths closed
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.sparse as sp

from .effects import PairTable, member_pairs
from .structures import activity_dense, no_communities
from .world import FLOOR, Spec, Terms, sigmoid

__all__ = ["SPEC", "outcome", "TrustNetwork", "cooperation", "trust"]

_TWO_HOP = 0.4  # trust between two organizations that share an acquaintance
_CLOSURE = 0.15  # share of the open two-paths closed since


class TrustNetwork(PairTable):
    """Direct ties (the usual partners, with their strength) and the pairs that share a tie."""

    def __init__(self, n_orgs: int, a: np.ndarray, b: np.ndarray, strength: np.ndarray):
        super().__init__(n_orgs, a, b, strength)
        lo, hi = self.keys // n_orgs, self.keys % n_orgs
        adj = sp.coo_matrix(
            (np.ones(2 * len(lo)), (np.r_[lo, hi], np.r_[hi, lo])), shape=(n_orgs, n_orgs)
        ).tocsr()
        two = sp.triu(adj @ adj, k=1).tocoo()
        keys = two.row.astype(np.int64) * n_orgs + two.col.astype(np.int64)
        self.shared_keys = np.setdiff1d(keys, self.keys)  # sorted, unique; direct ties left out

    def shares_a_tie(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """True where ``a[i]`` and ``b[i]`` are not tied but have a tie in common."""
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        key = np.minimum(a, b) * self.n_orgs + np.maximum(a, b)
        if len(self.shared_keys) == 0:
            return np.zeros(key.shape, bool)
        pos = np.clip(np.searchsorted(self.shared_keys, key), 0, len(self.shared_keys) - 1)
        return (self.shared_keys[pos] == key) & (a >= 0) & (b >= 0)


def _sample_within(group: np.ndarray, src: np.ndarray, rng) -> np.ndarray:
    """For each ``src``, a random organization with the same ``group`` label (itself if alone)."""
    order = np.argsort(group, kind="stable")
    labels = group[order]
    lo = np.searchsorted(labels, group[src], "left")
    hi = np.searchsorted(labels, group[src], "right")
    return order[np.minimum(lo + (rng.random(len(src)) * (hi - lo)).astype(np.int64), hi - 1)]


def _pairs(a, rng, knn, communities) -> TrustNetwork:
    n = len(a.o_lat)
    src_near = np.repeat(np.arange(n), rng.poisson(1.6, n))
    dst_near = knn[src_near, rng.integers(1, knn.shape[1], len(src_near))]
    main = np.argmax(a.o_level, axis=1)
    line = a.county_prefecture[a.o_county] * a.o_level.shape[1] + main
    src_line = np.repeat(np.arange(n), rng.poisson(0.6, n))
    dst_line = _sample_within(line, src_line, rng)
    src = np.r_[src_near, src_line]
    dst = np.r_[dst_near, dst_line]
    first = TrustNetwork(n, src, dst, np.ones(len(src)))
    closed = first.shared_keys[rng.random(len(first.shared_keys)) < _CLOSURE]
    src = np.r_[first.keys // n, closed // n]
    dst = np.r_[first.keys % n, closed % n]
    return TrustNetwork(n, src, dst, rng.uniform(0.6, 1.0, len(src)))


@lru_cache(maxsize=4)
def _noise(seed: int, n_orgs: int) -> np.ndarray:
    # drawn here rather than by the actors (which know one quality per organization)
    return np.random.default_rng([seed, n_orgs, 35, 3]).normal(0.0, 1.0, n_orgs)


def cooperation(w) -> np.ndarray:
    """What each organization brings as a partner (hidden).

    Examples
    --------
    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> bool(np.corrcoef(cooperation(w), w.actors.o_quality)[0, 1] < 0)
    True
    """
    q = w.actors.o_quality
    return -0.45 * q + 0.89 * _noise(int(w.seed), len(q))


def trust(w, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Trust between ``a[i]`` and ``b[i]``: tie strength, 0.4 through an acquaintance, else 0.

    Examples
    --------
    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> o = int(np.argmax(w.pairs.degree()))
    >>> friend = int(w.pairs.partners_of(o)[0])
    >>> bool(trust(w, np.array([o]), np.array([friend]))[0] >= 0.6)
    True
    """
    direct = w.pairs.lookup(a, b)
    return np.where(direct > 0, direct, _TWO_HOP * w.pairs.shares_a_tie(a, b))


def _rating(a, rng):
    """Follows the quality as a lead; 35 % unrated."""
    q = a.o_quality
    r = np.clip(np.rint(3 + 0.8 * q + rng.normal(0, 0.6, len(q))), 1, 5)
    return np.where(rng.random(len(q)) < 0.35, 0, r).astype(np.int64)


def outcome(w, v, s, lead, members):
    """True expected score (see the module docstring).

    Examples
    --------
    An organization with one of its ties, then with a stranger from the far end of the map:

    >>> from bench.quality.world import build_world
    >>> w = build_world(SPEC, "tiny", 0)
    >>> o = int(np.argmax(w.pairs.degree()))
    >>> friend = int(w.pairs.partners_of(o)[0])
    >>> stranger = int(np.argmax(np.abs(w.actors.o_lat - w.actors.o_lat[o])))
    >>> s = int(np.flatnonzero(w.actors.o_level[o])[0])
    >>> e = outcome(w, np.zeros(3, int), np.full(3, s), np.full(3, o),
    ...             np.array([[o, -1], [o, friend], [o, stranger]]))
    >>> bool(e[1] > e[2]), bool(((30 <= e) & (e <= 100)).all())
    (True, True)
    """
    t = Terms(w, v, s, lead, members)
    m = np.maximum(members, 0)
    width = members.shape[1]
    u = np.zeros(members.shape)
    if width > 1:
        i, j = member_pairs(width)
        tr = trust(w, members[:, i], members[:, j])
        for p in range(len(i)):
            u[:, i[p]] = np.maximum(u[:, i[p]], tr[:, p])
            u[:, j[p]] = np.maximum(u[:, j[p]], tr[:, p])
    group = np.where(t.present, 0.3 * u - 0.25 * (u == 0), 0.0).sum(axis=1)
    coop = np.where(t.partner, cooperation(w)[m], 0.0).sum(axis=1)
    z = (
        -0.4
        + 0.6 * t.q_lead
        + 0.18 * (t.level_lead - 3)
        + 0.1 * (t.severity - 3)
        - 0.5 * np.log1p(t.km / 12)
        + 0.3 * coop
        + np.where(t.n >= 2, group, 0.0)
        - 0.15 * (t.n - 1)
    )
    return FLOOR + (100 - FLOOR) * sigmoid(z)


SPEC = Spec(
    name="heldout_sealed_c",
    summary="sealed: described in the module docstring",
    outcome=outcome,
    communities=no_communities,
    pairs=_pairs,
    rating=_rating,
    activity=activity_dense,
    level_from_quality=0.4,
    party_share=0.4,
    projects_per_org=2.5,
    size_p=(0.3, 0.3, 0.25, 0.15),
    partner_mix=(0.45, 0.0),
    reviewer_sd=3.0,
    noise_sd=6.0,
    second_review=0.12,
)
