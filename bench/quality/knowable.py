"""A world's truth cut down to what its review history could reveal, for an upper bound.

The quality bench's target (issue 11) compares a data-driven matcher with a greedy that knows the
hidden outcome model. Part of that truth no history can reveal: the quality of an organization
that never took part in a reviewed project, and the effect of a pair that never shared one. The
*knowable* world keeps the truth where the history saw it, noise-free, and replaces the rest by its
best guess from what anyone can see:

- an organization's quality, when it took part in no reviewed project, by its expected value given
  its capability levels, rating, kind, volunteers and party branch (a least-squares fit on every
  organization's *true* quality: an oracle regression, so better than any estimate from data);
- a pair's effect, when the pair never shared a reviewed project, by 0 (an unlisted pair).

Communities and every other hidden part stay as they are (generous to the bound). Teams valued in
this world and judged in the real one give a bound on any matcher that learns from the same
history: it is generous (noise-free, oracle regression), so a bound below the target says the
target is out of reach on that world, whatever the model.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .effects import PairTable, member_pairs
from .world import World

__all__ = ["knowable_world", "estimable_world", "seen_organizations", "detected_communities"]


def seen_organizations(world: World) -> np.ndarray:
    """Whether each organization took part in a reviewed project of the history.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> seen = seen_organizations(build_world(spec("dev_alliance_multiply"), "tiny", 0))
    >>> bool(0 < seen.mean() < 1)
    True
    """
    members = _reviewed_members(world)
    seen = np.zeros(world.n_orgs, bool)
    seen[members[members >= 0]] = True
    return seen


def _reviewed_members(world: World) -> np.ndarray:
    h = world.history
    return h["members"][np.unique(h["review_project"])]


def _observables(world: World) -> np.ndarray:
    a = world.actors
    level = a.o_level.astype(float)
    offered = np.maximum((level > 0).sum(axis=1), 1)
    kinds = np.eye(int(a.o_kind.max()) + 1)[a.o_kind]
    return np.column_stack(
        [
            np.ones(len(level)),
            level.sum(axis=1) / offered,
            level.max(axis=1),
            offered,
            np.asarray(world.rating, float),
            np.log1p(np.asarray(a.o_volunteers, float)),
            np.asarray(a.o_party, float),
            kinds[:, 1:],
        ]
    )


def _prior(world: World) -> tuple[np.ndarray, float]:
    """Each organization's expected quality given its attributes (oracle fit), and the spread."""
    x = _observables(world)
    coef, *_ = np.linalg.lstsq(x, world.actors.o_quality, rcond=None)
    mean = x @ coef
    return mean, float(np.std(world.actors.o_quality - mean))


def _pair_keys(members: np.ndarray, n: int) -> np.ndarray:
    """``min · n + max`` of every pair of members of every row (a pair once per row it shares)."""
    i, j = member_pairs(members.shape[1])
    a, b = members[:, i].ravel(), members[:, j].ravel()
    ok = (a >= 0) & (b >= 0) & (a != b)
    return np.minimum(a[ok], b[ok]) * n + np.maximum(a[ok], b[ok])


def _seen_pairs(world: World) -> np.ndarray:
    return np.unique(_pair_keys(_reviewed_members(world), world.n_orgs))


def knowable_world(world: World) -> World:
    """A copy of ``world`` whose hidden quality and pair effects are only what its history saw.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_alliance_multiply"), "tiny", 0)
    >>> k = knowable_world(w)
    >>> seen = seen_organizations(w)
    >>> bool((k.actors.o_quality[seen] == w.actors.o_quality[seen]).all())
    True
    >>> len(k.pairs) <= len(w.pairs), bool(k.actors.o_quality[~seen].std() < 1)
    (True, True)
    """
    a = world.actors
    seen = seen_organizations(world)
    prior, _ = _prior(world)
    quality = np.where(seen, a.o_quality, prior)
    keep = np.isin(world.pairs.keys, _seen_pairs(world))
    n = world.n_orgs
    lo, hi = world.pairs.keys // n, world.pairs.keys % n
    pairs = PairTable(n, lo[keep], hi[keep], world.pairs.effect[keep])
    return dataclasses.replace(_with_quality(world, quality), pairs=pairs)


def detected_communities(world: World, seed: int = 0) -> np.ndarray:
    """Communities found in the history's co-participation graph (Louvain), -1 for loners.

    What a model can know of the hidden communities: who worked with whom, reviewed or not.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> label = detected_communities(build_world(spec("dev_alliance_multiply"), "tiny", 0))
    >>> bool(label.max() > 0)
    True
    """
    import networkx as nx

    key, weight = np.unique(_pair_keys(world.history["members"], world.n_orgs), return_counts=True)
    g = nx.Graph()
    g.add_weighted_edges_from(
        zip(
            (key // world.n_orgs).tolist(),
            (key % world.n_orgs).tolist(),
            weight.tolist(),
            strict=True,
        )
    )
    label = np.full(world.n_orgs, -1, np.int64)
    parts = nx.community.louvain_communities(g, weight="weight", seed=seed)
    for c, part in enumerate(sorted((sorted(p) for p in parts), key=lambda p: p[0])):
        label[np.asarray(part, np.int64)] = c
    return label


def _with_quality(world: World, quality: np.ndarray) -> World:
    return dataclasses.replace(world, actors=dataclasses.replace(world.actors, o_quality=quality))


def estimable_world(world: World, pairs: bool = False, communities: bool = False) -> World:
    """The knowable world with each quality *estimated* from the reviews, knowing all else.

    Where :func:`knowable_world` hands over every seen organization's quality noise-free, this
    one estimates the qualities as a matcher would have to, but with every advantage: the
    generator's own outcome model, every other hidden part (pair effects, communities, each
    reviewer's leniency) known exactly, and the oracle prior of :func:`knowable_world`. The
    estimate is the posterior mode (least squares of the reviews' residuals, in units of the
    review noise, and of the qualities' distance from their prior, in units of its spread).
    With ``pairs`` the effect of every pair that shared a reviewed project is estimated too (its
    prior: 0, with the spread of the true effects of those pairs), instead of handed over.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_alliance_multiply"), "tiny", 0)
    >>> q = estimable_world(w).actors.o_quality
    >>> bool(np.corrcoef(q, w.actors.o_quality)[0, 1] > 0.5)
    True
    >>> e = estimable_world(w, pairs=True)
    >>> len(e.pairs) >= len(knowable_world(w).pairs)
    True
    """
    from scipy import sparse
    from scipy.optimize import least_squares

    base = knowable_world(world)
    if communities:
        base = dataclasses.replace(base, communities=detected_communities(world))
    h = world.history
    p = h["review_project"]
    v, s, lead, members = h["village"][p], h["service"][p], h["lead"][p], h["members"][p]
    score = h["review_score"] - h["reviewer_bias"][h["reviewer"]]
    noise = float(world.spec.noise_sd)
    prior, spread = _prior(world)
    n = world.n_orgs
    keys = _seen_pairs(world) if pairs else np.zeros(0, np.int64)
    lo, hi = keys // n, keys % n
    pair_spread = float(np.sqrt(np.mean(world.pairs.lookup(lo, hi) ** 2))) if len(keys) else 1.0
    scale = np.r_[np.full(n, max(spread, 1e-6)), np.full(len(keys), max(pair_spread, 1e-6))]
    start = np.r_[prior, np.zeros(len(keys))]

    def guess(x: np.ndarray) -> World:
        out = _with_quality(base, x[:n])
        if pairs:
            out = dataclasses.replace(out, pairs=PairTable(n, lo, hi, x[n:]))
        return out

    def residuals(x: np.ndarray) -> np.ndarray:
        expected = guess(x).expected(v, s, lead, members)
        return np.concatenate([(score - expected) / noise, (x - start) / scale])

    width = members.shape[1]
    rows = [np.repeat(np.arange(len(p)), width)]
    cols = [members.ravel()]
    if pairs:
        i, j = member_pairs(width)
        a, b = members[:, i], members[:, j]
        key = np.minimum(a, b) * n + np.maximum(a, b)
        at = np.clip(np.searchsorted(keys, key), 0, max(len(keys) - 1, 0))
        hit = (a >= 0) & (b >= 0) & (a != b)
        rows.append(np.repeat(np.arange(len(p)), len(i)).reshape(a.shape)[hit])
        cols.append(n + at[hit])
    rows.append(len(p) + np.arange(len(start)))
    cols.append(np.arange(len(start)))
    r, c = np.concatenate(rows), np.concatenate(cols)
    ok = c >= 0
    shape = (len(p) + len(start), len(start))
    pattern = sparse.coo_matrix((np.ones(int(ok.sum())), (r[ok], c[ok])), shape=shape)
    fit = least_squares(residuals, start, jac_sparsity=pattern.tocsr(), method="trf")
    return guess(fit.x)
