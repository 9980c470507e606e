"""Feature rows for the outcome model: one row is (village, service, lead organization, group, time).

Two blocks, both plain float arrays built with numpy:

- *unary* features describe the lead organization doing the service for the village: capability
  level, distance, rating, kind, size, capacity, breadth, how many reviewed projects it had before
  ``t`` and its *quality* then (its shrunk residual effect, :mod:`matcher.effects`);
- *group* features describe the group around it: its size, the mean quality of its members, the
  year, and sums over its pairs of what the history says (shared reviewed projects, the pair's
  shrunk effect, Adamic–Adar link prediction, same community and that community's shrunk effect).

The group block is built from per-pair vectors :func:`pair_vectors` summed over the pairs, which
is what lets the optimiser score a whole team from pair terms (see :mod:`matcher.outcome_model`).
"""

from __future__ import annotations

import numpy as np

from .collaboration import History, members_matrix, pairs_of
from .snapshot import Snapshot, haversine_km

__all__ = [
    "UNARY_COLUMNS",
    "PAIR_COLUMNS",
    "GROUP_COLUMNS",
    "unary_features",
    "pair_vectors",
    "member_quality",
    "group_features",
    "training_rows",
]

UNARY_COLUMNS = (
    "level",
    "distance_km",
    "rating",
    "kind",
    "log_volunteers",
    "max_villages",
    "breadth",
    "log_track_n",
    "quality",
    "need_severity",
)
PAIR_COLUMNS = (
    "pair_history",
    "pair_effect",
    "pair_log_shared",
    "pair_log_aa",
    "pair_same_community",
    "pair_community_effect",
)
GROUP_COLUMNS = ("size2", "size3", "size4plus", "member_quality", "year", *PAIR_COLUMNS)


def unary_features(snap: Snapshot, hist: History | None, v, s, o, t=np.inf) -> np.ndarray:
    """Features of organization ``o`` leading service ``s`` in village ``v`` (``v`` = -1: unknown)."""
    v, s, o = (np.asarray(x, dtype=np.int64) for x in (v, s, o))
    out = np.empty((len(o), len(UNARY_COLUMNS)), dtype=np.float64)
    out[:, 0] = snap.level_of(o, s)
    has_v = v >= 0
    vv = np.where(has_v, v, 0)
    dist = haversine_km(snap.v_lat[vv], snap.v_lon[vv], snap.o_lat[o], snap.o_lon[o])
    out[:, 1] = np.where(has_v, dist, np.nan)
    out[:, 2] = snap.o_rating[o]
    out[:, 3] = snap.o_kind[o]
    out[:, 4] = np.log1p(snap.o_volunteers[o])
    out[:, 5] = snap.o_capacity[o]
    out[:, 6] = np.diff(snap.level.indptr)[o]
    if hist is None or np.isnan(hist.global_mean):
        out[:, 7] = 0.0
        out[:, 8] = np.nan
    else:
        n, _ = hist.org_record(o, t)
        out[:, 7] = np.log1p(n)
        out[:, 8] = hist.effects.org_effect(o, t)
    # how badly the village needs this service today (0: not needed, NaN: no village)
    sev = snap.severity_of(vv, s).astype(float)
    out[:, 9] = np.where(has_v, sev, np.nan)
    return out


def pair_vectors(hist: History, a, b, t=np.inf) -> np.ndarray:
    """One row of :data:`PAIR_COLUMNS` per pair ``(a, b)``."""
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    n, effect = hist.effects.pair_effect(a, b, t)
    out = np.empty((len(a), len(PAIR_COLUMNS)))
    out[:, 0] = n > 0
    out[:, 1] = effect
    out[:, 2] = np.log1p(n)
    out[:, 3] = np.log1p(hist.adamic_adar(a, b)) if len(a) else 0.0
    out[:, 4] = hist.community[a] == hist.community[b]
    out[:, 5] = hist.effects.community_effect(a, b, t)
    return out


def member_quality(hist: History, o, t=np.inf) -> np.ndarray:
    """Quality of each organization: its shrunk residual effect (:mod:`matcher.effects`)."""
    return hist.effects.org_effect(np.asarray(o, dtype=np.int64), t)


def group_features(hist: History, group: np.ndarray, t=np.inf) -> np.ndarray:
    """Rows of :data:`GROUP_COLUMNS` for padded groups (``-1`` = empty slot).

    Pair columns are sums over the group's pairs (a group of three has three pairs).
    """
    n_rows = group.shape[0]
    size = (group >= 0).sum(axis=1)
    out = np.zeros((n_rows, len(GROUP_COLUMNS)))
    out[:, 0] = size == 2
    out[:, 1] = size == 3
    out[:, 2] = size >= 4
    t_rows = np.broadcast_to(np.asarray(t, dtype=float), (n_rows,))
    r, c = np.nonzero(group >= 0)
    q = member_quality(hist, group[r, c], t_rows[r])
    out[:, 3] = np.bincount(r, q, minlength=n_rows) / np.maximum(size, 1)
    out[:, 4] = hist.year_of(t_rows)
    pr, a, b = pairs_of(group)
    if len(pr):
        vec = pair_vectors(hist, a, b, t_rows[pr])
        for j in range(len(PAIR_COLUMNS)):
            out[:, 5 + j] = np.bincount(pr, vec[:, j], minlength=n_rows)
    return out


def training_rows(snap: Snapshot, hist: History, rows: np.ndarray | None = None, at=None):
    """Features ``X`` (unary then group columns), target ``y`` and time ``t`` of reviewed projects.

    Every row only sees the history strictly before its own review date, or before ``at`` when
    given (the cut of a time split).
    """
    rows = np.arange(len(snap.proj_score)) if rows is None else rows
    t = snap.proj_t[rows] if at is None else np.full(len(rows), float(at))
    unary = unary_features(
        snap, hist, snap.proj_v[rows], snap.proj_s[rows], snap.proj_lead[rows], t
    )
    group = members_matrix(snap.proj_members[rows])
    x = np.hstack([unary, group_features(hist, group, t)])
    return x, snap.proj_score[rows].astype(float), t
