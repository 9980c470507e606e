"""Hidden structures generators combine: communities, usual partners, ratings, activity.

Each function is a building block a :class:`~bench.quality.world.Spec` names; what makes two
generators differ is which blocks they take and how their outcome model reads them.
"""

from __future__ import annotations

import numpy as np

from .actors import Actors
from .effects import PairTable

__all__ = [
    "no_communities",
    "local_teams",
    "prefecture_alliances",
    "usual_partners",
    "rating_informative",
    "rating_uninformative",
    "activity_dense",
    "activity_sparse",
]


def no_communities(a: Actors, rng: np.random.Generator, knn: np.ndarray) -> np.ndarray:
    """No organization belongs to a community (label -1 for all).

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> set(no_communities(a, None, None).tolist())
    {-1}
    """
    return np.full(len(a.o_lat), -1, np.int64)


def local_teams(a: Actors, rng: np.random.Generator, knn: np.ndarray, share: float = 0.22):
    """Teams of 3–6 neighbouring organizations (about ``share`` of all), label per org.

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> knn = np.array([np.roll(np.arange(300), -i)[:21] for i in range(300)])
    >>> labels = local_teams(a, np.random.default_rng(0), knn)
    >>> bool(0.1 < (labels >= 0).mean() < 0.35)
    True
    """
    n = len(a.o_lat)
    label = np.full(n, -1, np.int64)
    seeds = rng.permutation(n)[: max(1, int(n * share / 4.5))]
    team = 0
    for seed in seeds:
        if label[seed] >= 0:
            continue
        free = knn[seed][label[knn[seed]] < 0][: rng.integers(3, 7)]
        if len(free) >= 2:
            label[free] = team
            team += 1
    return label


def prefecture_alliances(
    a: Actors, rng: np.random.Generator, knn=None, per_prefecture: int = 4, share: float = 0.2
):
    """Charity alliances spread over the counties of a prefecture: members are not neighbours.

    ``share`` of the organizations belong to one; each prefecture has ``per_prefecture`` of them.

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> labels = prefecture_alliances(a, np.random.default_rng(0))
    >>> counties = {int(c) for c in a.o_county[labels == labels.max()]}
    >>> len(counties) > 1  # an alliance spans counties
    True
    """
    n = len(a.o_lat)
    member = rng.random(n) < share
    pref = a.county_prefecture[a.o_county]
    return np.where(member, pref * per_prefecture + rng.integers(0, per_prefecture, n), -1)


def usual_partners(
    a: Actors,
    rng: np.random.Generator,
    knn: np.ndarray,
    communities: np.ndarray,
    *,
    per_org: float,
    from_community: float,
    effect,
) -> PairTable:
    """Pairs who work together again and again, with ``effect(rng, n)`` as their hidden effect.

    Each organization gets Poisson(``per_org``) pairs: with probability ``from_community`` a
    member of its community (when it has one), otherwise one of its 20 nearest organizations.

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> knn = np.array([np.roll(np.arange(300), -i)[:21] for i in range(300)])
    >>> t = usual_partners(a, np.random.default_rng(0), knn, np.full(300, -1), per_org=1.0,
    ...     from_community=0.0, effect=lambda rng, n: np.ones(n))
    >>> 200 < len(t) <= 330, float(t.effect.max())
    (True, 1.0)
    """
    n = len(a.o_lat)
    count = rng.poisson(per_org, n)
    src = np.repeat(np.arange(n), count)
    order = np.argsort(communities, kind="stable")
    labels = communities[order]
    lab = communities[src]
    lo, hi = np.searchsorted(labels, lab, "left"), np.searchsorted(labels, lab, "right")
    in_comm = order[np.minimum(lo + (rng.random(len(src)) * (hi - lo)).astype(int), n - 1)]
    near = knn[src, rng.integers(1, knn.shape[1], len(src))]
    use = (lab >= 0) & (hi - lo > 1) & (rng.random(len(src)) < from_community)
    dst = np.where(use, in_comm, near)
    return PairTable(n, src, dst, effect(rng, len(src)))


def rating_informative(a: Actors, rng: np.random.Generator) -> np.ndarray:
    """A quarter unrated; the rest ≈ 3 + 0.9 quality (1..5).

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> r = rating_informative(a, np.random.default_rng(0))
    >>> bool(np.corrcoef(r[r > 0], a.o_quality[r > 0])[0, 1] > 0.5)
    True
    """
    r = np.clip(np.rint(3 + 0.9 * a.o_quality + rng.normal(0, 0.6, len(a.o_quality))), 1, 5)
    return np.where(rng.random(len(r)) < 0.25, 0, r).astype(np.int64)


def rating_uninformative(a: Actors, rng: np.random.Generator) -> np.ndarray:
    """40 % unrated; the rest 1..5 regardless of quality.

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> sorted(set(rating_uninformative(a, np.random.default_rng(0)).tolist()))
    [0, 1, 2, 3, 4, 5]
    """
    r = rng.integers(1, 6, len(a.o_quality))
    return np.where(rng.random(len(r)) < 0.4, 0, r).astype(np.int64)


def activity_dense(a: Actors, rng: np.random.Generator) -> np.ndarray:
    """Every organization leads a few projects (better ones a little more).

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> w = activity_dense(a, np.random.default_rng(0))
    >>> bool(w.max() / w.min() < 20)
    True
    """
    return rng.gamma(8.0, 1.0, len(a.o_quality)) * np.exp(0.2 * a.o_quality)


def activity_sparse(a: Actors, rng: np.random.Generator) -> np.ndarray:
    """Heavy-tailed: most organizations lead one or two projects or none, a few lead many.

    Examples
    --------
    >>> from bench.quality.actors import make_actors
    >>> a = make_actors("tiny", np.random.default_rng(0))
    >>> w = activity_sparse(a, np.random.default_rng(0))
    >>> bool(w.max() / np.median(w) > 20)
    True
    """
    return rng.pareto(1.3, len(a.o_quality)) + 0.05
