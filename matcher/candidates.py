"""Candidate organizations for each village: within reach, providing a needed service.

One KD-tree per service over the providers that still have capacity (points on the unit sphere, so
the chord distance orders like the great-circle distance), queried for every need at once: no loop
over village × organization pairs. The nearest ``k_near`` providers of each (village, service) are
ranked by a cheap prior and the best ``top_k`` kept; a village's candidates are the union over its
needs, at most ``max_candidates``, taken round-robin so that every need keeps its best providers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.spatial import cKDTree

from .snapshot import EARTH_RADIUS_KM, Snapshot, haversine_km, unit_vectors

__all__ = [
    "Candidates",
    "find_candidates",
    "list_sizes",
    "MAX_CANDIDATES",
    "TOP_K",
    "FOURS_WITHIN",
    "MEDIUM_WORLD",
    "LARGE_WORLD",
    "K_NEAR",
    "K_NEAR_LARGE",
]

#: candidates a village and a need up to ``MEDIUM_WORLD`` villages to serve, and how many of the
#: first candidates teams of four are formed among (:func:`matcher.teams.patterns`; 109,862 teams
#: a village). Session 44: 40 / 12 instead of 32 / 10 gained on 74 of 80 development rows (city,
#: ten seeds, +0.040 ± 0.003; held out, read once, +0.032 ± 0.004) — once the model ranked teams
#: well enough, wider lists paid where in session 12 they had not; 48 / 14 with teams of four
#: among the first 40 gained +0.017 ± 0.002 more (all 213,052 teams of 48: +0.021, but 13 s a
#: city); docs/matcher.md, *Candidates*
MAX_CANDIDATES = 48
TOP_K = 14
FOURS_WITHIN = 40
#: above this many villages to serve, at most 24 candidates a village and 8 a need (12,950 teams of
#: up to 4 a village instead of 41,448 for 32). 24 / 8 gained on every development province world
#: (seed 0, mean of five 0.690 -> 0.730) but took the slowest 145 s against 94 s at 20 / 8 until the
#: formation dived (session 13, :mod:`matcher.rounding`; docs/matcher.md)
MEDIUM_WORLD = 2_000
#: above this many villages to serve, at most 12 candidates a village and 4 a need (793 teams of
#: up to 4 a village instead of 2,516): the nation's team values and formation must fit 15 minutes
LARGE_WORLD = 50_000
#: nearest providers of a need scored for its best ``top_k`` (up to ``MEDIUM_WORLD`` villages):
#: 40 instead of 24 gained on every development seed (city, mean of ten 0.696 -> 0.705) at no
#: measurable cost (Tai'an sample 5.9 s either way; session 12, docs/matcher.md)
K_NEAR = 40
#: the same above ``MEDIUM_WORLD``, where the nation's candidates already take 92 s
K_NEAR_LARGE = 24


def list_sizes(n_villages: int, max_candidates: int, top_k: int) -> tuple[int, int]:
    """Candidates a village and a need for ``n_villages`` to serve (smaller lists for large worlds).

    Examples
    --------
    >>> list_sizes(300, MAX_CANDIDATES, TOP_K), list_sizes(10_000, MAX_CANDIDATES, TOP_K)
    ((48, 14), (24, 8))
    >>> list_sizes(128_000, MAX_CANDIDATES, TOP_K)
    (12, 4)
    """
    if n_villages > LARGE_WORLD:
        return min(max_candidates, 12), min(top_k, 4)
    if n_villages > MEDIUM_WORLD:
        return min(max_candidates, 24), min(top_k, 8)
    return max_candidates, top_k


@dataclass
class Candidates:
    """Padded per-village arrays (``-1`` / 0 where a slot is empty).

    ``villages`` (n,) village indices; ``need_s`` / ``need_w`` (n, S) needed services and their
    severities; ``orgs`` / ``km`` (n, M) candidate organizations and their distances.
    """

    villages: np.ndarray
    need_s: np.ndarray
    need_w: np.ndarray
    orgs: np.ndarray
    km: np.ndarray

    def __len__(self) -> int:
        return len(self.villages)


def _chord(km: float) -> float:
    return 2.0 * np.sin(min(km / EARTH_RADIUS_KM, np.pi) / 2.0)


def _needs(snap: Snapshot, eligible: np.ndarray):
    """Padded needs (most severe first) of the eligible villages."""
    keep = eligible[snap.need_v]
    v, s, w = snap.need_v[keep], snap.need_s[keep], snap.need_sev[keep]
    order = np.lexsort((s, -w, v))
    v, s, w = v[order], s[order], w[order]
    villages, start, counts = np.unique(v, return_index=True, return_counts=True)
    width = int(counts.max(initial=1))
    pos = np.arange(len(v)) - np.repeat(start, counts)
    row = np.repeat(np.arange(len(villages)), counts)
    need_s = np.full((len(villages), width), -1, np.int64)
    need_w = np.zeros((len(villages), width), np.int64)
    need_s[row, pos], need_w[row, pos] = s, w
    return villages, need_s, need_w, row, pos


def _top_per_row(matrix: sparse.csr_matrix, per_row: int):
    """The ``per_row`` largest positive entries of each row: ``(start, mates)`` as a lookup table.

    ``mates[start[i]:start[i + 1]]`` are row ``i``'s, best first (ties by column index).
    """
    m = matrix.tocsr()
    m = m.multiply(m > 0).tocsr()
    m.sort_indices()
    counts = np.diff(m.indptr)
    row = np.repeat(np.arange(m.shape[0]), counts)
    order = np.lexsort((m.indices, -m.data, row))
    rank = np.arange(len(order)) - np.repeat(m.indptr[:-1], counts)
    keep = rank < per_row
    top_row, mates = row[order][keep], m.indices[order][keep].astype(np.int64)
    return np.searchsorted(top_row, np.arange(m.shape[0] + 1)), mates


def _expand(start, mates, seeds):
    """For each seed, its mates from a :func:`_top_per_row` table: ``(seed position, mate)``."""
    n = start[seeds + 1] - start[seeds]
    pos = np.repeat(np.arange(len(seeds)), n)
    offset = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return pos, mates[np.repeat(start[seeds], n) + offset]


def _partner_hits(snap, villages, need_s, hr, ho, hrank, partners, reach_km, per_org: int = 3):
    """(row, need, org, km, rank) of the best proven partners of each row's best candidates."""
    best = hrank < 2
    rows, seeds = hr[best], ho[best]
    start, mates = _top_per_row(partners, per_org)
    pos, mate = _expand(start, mates, seeds)
    r = rows[pos]
    ok = snap.capacity_left[mate] > 0
    v = villages[r]
    km = haversine_km(snap.v_lat[v], snap.v_lon[v], snap.o_lat[mate], snap.o_lon[mate])
    ok &= km <= reach_km
    # the need it would cover: the village's most severe need it provides
    need = np.full(len(r), -1, np.int64)
    for j in range(need_s.shape[1] - 1, -1, -1):
        s = need_s[r, j]
        provides = (s >= 0) & (snap.level_of(mate, np.maximum(s, 0)) > 0)
        need = np.where(provides, j, need)
    ok &= need >= 0
    e = np.zeros(0, np.int64)
    if not ok.any():
        return e, e, e, np.zeros(0), e
    return r[ok], need[ok], mate[ok], km[ok], np.full(int(ok.sum()), 3, np.int64)


def find_candidates(
    snap: Snapshot,
    prior_score,
    k_near: int | None = None,
    top_k: int = TOP_K,
    max_candidates: int = MAX_CANDIDATES,
    reach_km: float = 150.0,
    partners: sparse.csr_matrix | None = None,
) -> Candidates:
    """Candidates of every village without a partnership that has needs.

    Parameters
    ----------
    prior_score : callable(v, s, o, km) -> array
        Cheap score used to keep the best ``top_k`` of the nearest ``k_near`` providers.
    k_near : int, optional
        How many of the nearest providers of a need are scored (default: 40 up to
        ``MEDIUM_WORLD`` villages to serve, :data:`K_NEAR_LARGE` above).
    partners : sparse matrix, optional
        Organizations × organizations, how much each pair is expected to add to a project
        together (:meth:`matcher.scoring.Scorer.partners`; only positive entries count). The
        three best partners of each need's two best candidates join the list when they provide a
        needed service, have capacity and are within reach, however far down the list of nearest
        providers they are: teams that work well together can only be recommended if their
        members are candidates of the same village.
    """
    eligible = ~snap.v_supported
    villages, need_s, need_w, row, pos = _needs(snap, eligible)
    max_candidates, top_k = list_sizes(len(villages), max_candidates, top_k)
    if k_near is None:
        k_near = K_NEAR if len(villages) <= MEDIUM_WORLD else K_NEAR_LARGE
    n, width = need_s.shape
    left = snap.capacity_left > 0
    vxyz = unit_vectors(snap.v_lat, snap.v_lon)
    level = snap.level.tocsc()
    hits_r, hits_j, hits_o, hits_km, hits_rank = [], [], [], [], []
    for s in np.unique(need_s[need_s >= 0]):
        col = level[:, s]
        prov = col.indices[(col.data > 0) & left[col.indices]]
        if len(prov) == 0:
            continue
        prov = np.sort(prov)
        tree = cKDTree(unit_vectors(snap.o_lat[prov], snap.o_lon[prov]))
        r, j = np.nonzero(need_s == s)
        k = min(k_near, len(prov))
        chord, idx = tree.query(vxyz[villages[r]], k=k, distance_upper_bound=_chord(reach_km))
        chord, idx = chord.reshape(len(r), k), idx.reshape(len(r), k)
        ok = np.isfinite(chord)
        rr, kk = np.nonzero(ok)
        orgs = prov[idx[rr, kk]]
        km = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord[rr, kk] / 2.0, 0, 1))
        score = prior_score(villages[r[rr]], np.full(len(rr), s), orgs, km)
        # rank within each (village, need) by score, best first; ties by org index
        order = np.lexsort((orgs, -score, rr))
        rr, orgs, km = rr[order], orgs[order], km[order]
        _, first, counts = np.unique(rr, return_index=True, return_counts=True)
        rank = np.arange(len(rr)) - np.repeat(first, counts)
        top = rank < top_k
        hits_r.append(r[rr[top]])
        hits_j.append(j[rr[top]])
        hits_o.append(orgs[top])
        hits_km.append(km[top])
        hits_rank.append(rank[top])
    if hits_r:
        hr, hj, ho = np.concatenate(hits_r), np.concatenate(hits_j), np.concatenate(hits_o)
        hkm, hrank = np.concatenate(hits_km), np.concatenate(hits_rank)
    else:
        hr = hj = ho = hrank = np.zeros(0, np.int64)
        hkm = np.zeros(0)
    if partners is not None and len(hr):
        extra = _partner_hits(snap, villages, need_s, hr, ho, hrank, partners, reach_km)
        hr, hj, ho, hkm, hrank = (
            np.concatenate([a, b]) for a, b in zip((hr, hj, ho, hkm, hrank), extra, strict=True)
        )
    # round robin: every need's best first, then every need's second, ... (most severe need first)
    order = np.lexsort((ho, hj, hrank, hr))
    hr, ho, hkm = hr[order], ho[order], hkm[order]
    pair = hr * snap.n_orgs + ho
    _, first_seen = np.unique(pair, return_index=True)
    first_seen = np.sort(first_seen)
    hr, ho, hkm = hr[first_seen], ho[first_seen], hkm[first_seen]
    _, start, counts = np.unique(hr, return_index=True, return_counts=True)
    slot = np.arange(len(hr)) - np.repeat(start, counts)
    keep = slot < max_candidates
    m = int(min(max_candidates, counts.max(initial=1)))
    orgs = np.full((n, m), -1, np.int64)
    km_out = np.full((n, m), np.nan)
    orgs[hr[keep], slot[keep]] = ho[keep]
    km_out[hr[keep], slot[keep]] = hkm[keep]
    return Candidates(villages, need_s, need_w, orgs, km_out)
