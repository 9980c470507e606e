"""Track records and the collaboration graph, queryable "as known before time t".

Training rows must only see reviews that came before them (else a project's own score leaks into
its features), so per-organization and per-pair outcome sums are kept as sorted cumulative arrays
and looked up with ``searchsorted``. The organization–organization co-participation graph is a
networkx graph; its Louvain communities (seeded, over the ties that cross a county border) and
Adamic–Adar link-prediction scores describe pairs that never worked together.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from .snapshot import Snapshot

__all__ = ["History", "Cumulative", "members_matrix", "pairs_of", "T_SCALE"]

#: days are below 2**17 until the year 2328; keys are ``id * T_SCALE + day``
T_SCALE = 1 << 17
#: more county-crossing ties than this get cheaper communities (Louvain in networkx is pure
#: Python: about 30 s for 60k ties); see :meth:`History._communities`
LOUVAIN_MAX_EDGES = 20_000


def members_matrix(members: sparse.csr_matrix, width: int | None = None) -> np.ndarray:
    """Rows of a 0/1 incidence matrix as a padded array of column indices (-1 = empty).

    Examples
    --------
    >>> m = sparse.csr_matrix(np.array([[1, 0, 1], [0, 1, 0]]))
    >>> members_matrix(m).tolist()
    [[0, 2], [1, -1]]
    """
    members = members.tocsr()
    members.sort_indices()
    counts = np.diff(members.indptr)
    width = int(counts.max(initial=0)) if width is None else width
    out = np.full((members.shape[0], max(width, 1)), -1, dtype=np.int64)
    rows = np.repeat(np.arange(members.shape[0]), counts)
    pos = np.arange(len(members.indices)) - np.repeat(members.indptr[:-1], counts)
    keep = pos < out.shape[1]
    out[rows[keep], pos[keep]] = members.indices[keep]
    return out[:, :width] if width else out[:, :0]


def pairs_of(group: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All pairs ``(row, a, b)`` with ``a < b`` inside each padded row of ``group``.

    Examples
    --------
    >>> r, a, b = pairs_of(np.array([[3, 1, -1], [2, 5, 4]]))
    >>> list(zip(r.tolist(), a.tolist(), b.tolist()))
    [(0, 1, 3), (1, 2, 5), (1, 2, 4), (1, 4, 5)]
    """
    rows, aa, bb = [], [], []
    w = group.shape[1]
    for i in range(w):
        for j in range(i + 1, w):
            x, y = group[:, i], group[:, j]
            ok = (x >= 0) & (y >= 0)
            rows.append(np.flatnonzero(ok))
            aa.append(np.minimum(x[ok], y[ok]))
            bb.append(np.maximum(x[ok], y[ok]))
    if not rows:
        e = np.zeros(0, np.int64)
        return e, e, e
    return np.concatenate(rows), np.concatenate(aa), np.concatenate(bb)


def _year(days):
    """Calendar year of days since 1970 (approximate at the turn of a year by under a day)."""
    return np.floor(1970 + (np.asarray(days, dtype=float) + 0.5) / 365.2425)


class Cumulative:
    """Sums and counts of values per key, for events strictly before a time.

    Examples
    --------
    >>> c = Cumulative(np.array([1, 1, 2]), np.array([10.0, 20.0, 10.0]), np.array([1.0, 3.0, 5.0]))
    >>> n, total = c.before(np.array([1, 1, 2]), np.array([15.0, np.inf, 10.0]))
    >>> n.tolist(), total.tolist()
    ([1.0, 2.0, 0.0], [1.0, 4.0, 0.0])
    """

    def __init__(self, keys: np.ndarray, t: np.ndarray, score: np.ndarray):
        t = np.nan_to_num(t, nan=0.0).astype(np.int64)
        code = keys.astype(np.int64) * T_SCALE + t
        order = np.argsort(code, kind="stable")
        self.code = code[order]
        self.keys = keys[order]
        self.csum = np.concatenate([[0.0], np.cumsum(score[order])])

    def before(self, keys: np.ndarray, t: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        keys = np.asarray(keys, dtype=np.int64)
        t_arr = np.broadcast_to(np.asarray(t, dtype=float), keys.shape)
        # an unknown time (NaN) sees no history; +inf sees all of it
        t_int = np.clip(np.nan_to_num(t_arr, nan=0.0, posinf=0.0), 0, T_SCALE - 1).astype(np.int64)
        lo = np.searchsorted(self.code, keys * T_SCALE, side="left")
        hi = np.searchsorted(self.code, keys * T_SCALE + t_int, side="left")
        inf = np.isposinf(t_arr)
        if inf.any():
            hi[inf] = np.searchsorted(self.code, (keys[inf] + 1) * T_SCALE, side="left")
        return (hi - lo).astype(float), self.csum[hi] - self.csum[lo]


class History:
    """What reviews before a time say about organizations and pairs.

    Parameters
    ----------
    snap : Snapshot
    cutoff : float
        Only projects and reviews before this day (days since 1970) are used; ``inf`` = all.
    seed : int
        Seed of the Louvain community detection.

    Examples
    --------
    >>> from graph_schema.contract.interchange import read_data  # doctest: +SKIP
    """

    def __init__(self, snap: Snapshot, cutoff: float = np.inf, seed: int = 0):
        self.n_orgs = snap.n_orgs
        #: projects before this day are in the history (and in its co-participation graph)
        self.cutoff = float(cutoff)
        t = np.nan_to_num(snap.proj_t, nan=-np.inf)
        keep = t < cutoff
        members = snap.proj_members[np.flatnonzero(keep)]
        score, pt = snap.proj_score[keep], snap.proj_t[keep]
        self.global_mean = float(score.mean()) if len(score) else float("nan")
        dated = pt[np.isfinite(pt)]
        #: the year a recommendation made now is for: the one after the latest review
        self.next_year = float(_year(dated.max()) + 1) if len(dated) else 0.0
        counts = np.diff(members.indptr)
        rows = np.repeat(np.arange(members.shape[0]), counts)
        self.orgs = Cumulative(members.indices.astype(np.int64), pt[rows], score[rows])
        group = members_matrix(members)
        r, a, b = pairs_of(group)
        self.pairs = Cumulative(a * self.n_orgs + b, pt[r], score[r])
        all_t = np.nan_to_num(snap.all_proj_t, nan=-np.inf)
        self.graph_members = snap.all_proj_members[np.flatnonzero(all_t < cutoff)]
        self._graph(seed, snap.o_county)
        from .effects import Effects  # effects builds on this module's helpers

        rows = np.flatnonzero(keep)
        #: organization quality, pair and community effects (see :mod:`matcher.effects`)
        self.effects = Effects(snap, rows, self.year_of(pt), self.community)

    def _graph(self, seed: int, county: np.ndarray | None = None) -> None:
        m = self.graph_members.astype(np.float64)
        adj = (m.T @ m).tocsr()
        adj.setdiag(0)
        adj.eliminate_zeros()
        self.coworkers = adj  # weights: number of shared projects (reviewed or not)
        binary = adj.copy()
        binary.data[:] = 1.0
        deg = np.asarray(binary.sum(axis=1)).ravel()
        inv_log = np.where(deg > 1, 1.0 / np.log(np.maximum(deg, 2)), 0.0)
        self._adj = binary
        self._inv_log = inv_log
        self._adj_w = (binary @ sparse.diags(inv_log)).tocsr()
        self.community = self._communities(adj, seed, county)

    def _communities(
        self, adj: sparse.csr_matrix, seed: int, county: np.ndarray | None = None
    ) -> np.ndarray:
        """Community of each organization; organizations without such ties get their own.

        Only the ties between organizations of *different* counties count (all ties when the
        counties are unknown): partners from one county work together because they are near,
        partners across a county border because something joins them (an alliance, a
        federation), and only the second is a community worth a bonus for pairs that never met
        (docs/matcher.md, *Communities across county borders*). Louvain (networkx, seeded) up to
        :data:`LOUVAIN_MAX_EDGES` such ties; above, the connected components of the strong ones.
        """
        n = adj.shape[0]
        community = np.arange(n, dtype=np.int64) + n
        upper = sparse.triu(adj, k=1).tocoo()
        row, col, weight = upper.row, upper.col, upper.data
        if county is not None:
            cross = (county[row] >= 0) & (county[col] >= 0) & (county[row] != county[col])
            row, col, weight = row[cross], col[cross], weight[cross]
        if len(row) == 0:
            return community
        if len(row) <= LOUVAIN_MAX_EDGES:
            g = nx.Graph()
            g.add_weighted_edges_from(zip(row.tolist(), col.tolist(), weight.tolist(), strict=True))
            parts = nx.community.louvain_communities(g, weight="weight", seed=seed)
            parts = sorted((sorted(p) for p in parts), key=lambda p: p[0])
            for i, part in enumerate(parts):
                community[np.asarray(part, dtype=np.int64)] = i
            return community
        # strong ties: pairs with at least two shared projects; their connected components are the
        # groups that keep working together (what Louvain finds on smaller graphs too)
        keep = weight >= 2
        strong = sparse.coo_matrix(
            (np.ones(int(keep.sum()), np.int8), (row[keep], col[keep])), (n, n)
        )
        _, labels = connected_components(strong.tocsr(), directed=False)
        has = np.zeros(n, bool)
        has[row[keep]] = has[col[keep]] = True
        community[has] = labels[has]
        return community

    def year_of(self, t) -> np.ndarray:
        """Calendar year of each day (``next_year`` for +inf, the year before it when unknown)."""
        t = np.asarray(t, dtype=float)
        known = _year(np.where(np.isfinite(t), t, 0.0))
        return np.where(
            np.isposinf(t), self.next_year, np.where(np.isnan(t), self.next_year - 1, known)
        )

    def org_record(self, orgs: np.ndarray, t: np.ndarray | float = np.inf):
        """``(count, mean)`` of reviewed projects of each organization before ``t`` (mean NaN if none)."""
        n, s = self.orgs.before(orgs, t)
        with np.errstate(invalid="ignore", divide="ignore"):
            return n, np.where(n > 0, s / np.maximum(n, 1), np.nan)

    def pair_record(self, a: np.ndarray, b: np.ndarray, t: np.ndarray | float = np.inf):
        """``(count, mean)`` of reviewed projects shared by ``a`` and ``b`` before ``t``."""
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        n, s = self.pairs.before(lo.astype(np.int64) * self.n_orgs + hi, t)
        with np.errstate(invalid="ignore", divide="ignore"):
            return n, np.where(n > 0, s / np.maximum(n, 1), np.nan)

    def adamic_adar(
        self, a: np.ndarray, b: np.ndarray, own: np.ndarray | None = None, chunk: int = 200_000
    ) -> np.ndarray:
        """Adamic–Adar index of each pair on the co-participation graph (as networkx defines it).

        ``own`` (one padded row of members per pair, or -1s) is the past project the pair is read
        for when that project is itself in the graph: a common neighbour linked to ``a`` or ``b``
        by that project alone is left out. Otherwise every pair of a past group of three or more
        would count the group's other members as common neighbours, which a proposed team of
        strangers never has (the Tai'an sample's time split: MAE 6.15 → 6.06 points).
        """
        out = np.zeros(len(a))
        for i in range(0, len(a), chunk):
            x = self._adj[a[i : i + chunk]]
            y = self._adj_w[b[i : i + chunk]]
            out[i : i + chunk] = np.asarray(x.multiply(y).sum(axis=1)).ravel()
        if own is None or len(a) == 0:
            return out
        for c in np.asarray(own, dtype=np.int64).T:
            mate = np.flatnonzero((c >= 0) & (c != a) & (c != b))
            if len(mate) == 0:
                continue
            ai, bi, ci = a[mate], b[mate], c[mate]
            once = (self.shared_projects(ai, ci) < 2) | (self.shared_projects(bi, ci) < 2)
            out[mate[once]] -= self._inv_log[ci[once]]
        return np.maximum(out, 0.0)

    def shared_projects(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Projects (reviewed or not) both organizations took part in."""
        return np.asarray(self.coworkers[a, b]).ravel()
