"""Building blocks of the hidden outcome models: distances, pair effects, group terms.

A group is an int array ``members`` of shape (rows, width), padded with -1. Every function here is
vectorised over rows, so a generator's outcome model scores thousands of projects in one call.
"""

from __future__ import annotations

import numpy as np

__all__ = ["PairTable", "km", "member_pairs", "pair_sum", "same_group_pairs", "group_size"]

_EARTH_KM = 6371.0


def km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km (haversine).

    Examples
    --------
    >>> round(float(km(26.0, 106.0, 27.0, 106.0)), 1)
    111.2
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * _EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


class PairTable:
    """Effects of unordered pairs of organizations (0 for a pair not listed).

    Examples
    --------
    >>> t = PairTable(10, np.array([3, 1]), np.array([1, 2]), np.array([0.5, -1.0]))
    >>> t.lookup(np.array([1, 2, 0]), np.array([3, 1, 4])).tolist()
    [0.5, -1.0, 0.0]
    >>> t.partners_of(1).tolist()
    [2, 3]
    """

    def __init__(self, n_orgs: int, a: np.ndarray, b: np.ndarray, effect: np.ndarray):
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        ok = a != b
        lo, hi = np.minimum(a, b)[ok], np.maximum(a, b)[ok]
        keys, first = np.unique(lo * n_orgs + hi, return_index=True)  # a repeated pair: first
        self.n_orgs = n_orgs
        self.keys = keys
        self.effect = np.asarray(effect, float)[ok][first]
        # both directions, grouped by organization, for "who does o usually work with"
        lo, hi = keys // n_orgs, keys % n_orgs
        src, dst = np.concatenate([lo, hi]), np.concatenate([hi, lo])
        order = np.lexsort((dst, src))
        self.partner = dst[order]
        self.indptr = np.searchsorted(src[order], np.arange(n_orgs + 1))

    def __len__(self) -> int:
        return len(self.keys)

    def lookup(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The effect of each pair ``(a[i], b[i])``; 0 when unlisted or when either is -1."""
        a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
        key = np.minimum(a, b) * self.n_orgs + np.maximum(a, b)
        if len(self.keys) == 0:
            return np.zeros(key.shape)
        pos = np.clip(np.searchsorted(self.keys, key), 0, len(self.keys) - 1)
        hit = (self.keys[pos] == key) & (a >= 0) & (b >= 0)
        return np.where(hit, self.effect[pos], 0.0)

    def partners_of(self, o: int) -> np.ndarray:
        """The organizations listed in a pair with ``o``."""
        return self.partner[self.indptr[o] : self.indptr[o + 1]]

    def degree(self) -> np.ndarray:
        """How many listed pairs each organization is in."""
        return np.diff(self.indptr)


def member_pairs(width: int) -> tuple[np.ndarray, np.ndarray]:
    """Slot indices ``(i, j)`` with ``i < j`` of a group of ``width`` slots."""
    i, j = np.triu_indices(width, 1)
    return i, j


def pair_sum(table: PairTable, members: np.ndarray, weight: np.ndarray | None = None) -> np.ndarray:
    """Σ of the effects of every pair of members in each row (``weight`` scales each pair).

    Examples
    --------
    >>> t = PairTable(5, np.array([0, 0]), np.array([1, 2]), np.array([1.0, -2.0]))
    >>> pair_sum(t, np.array([[0, 1, 2, -1], [3, -1, -1, -1]])).tolist()
    [-1.0, 0.0]
    """
    i, j = member_pairs(members.shape[1])
    effects = table.lookup(members[:, i], members[:, j])
    if weight is not None:
        effects = effects * weight
    return effects.sum(axis=1)


def same_group_pairs(label: np.ndarray, members: np.ndarray) -> np.ndarray:
    """How many pairs of members share a label ≥ 0 (a community, a federation, an alliance).

    Examples
    --------
    >>> same_group_pairs(np.array([0, 0, 1, -1]), np.array([[0, 1, 3, -1], [2, 3, -1, -1]])).tolist()
    [1, 0]
    """
    i, j = member_pairs(members.shape[1])
    a, b = members[:, i], members[:, j]
    la = np.where(a >= 0, label[np.maximum(a, 0)], -1)
    lb = np.where(b >= 0, label[np.maximum(b, 0)], -2)
    return ((la == lb) & (la >= 0)).sum(axis=1)


def group_size(members: np.ndarray) -> np.ndarray:
    """Members per row.

    Examples
    --------
    >>> group_size(np.array([[4, 2, -1], [1, -1, -1]])).tolist()
    [2, 1]
    """
    return (members >= 0).sum(axis=1)
