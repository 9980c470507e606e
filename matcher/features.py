"""Feature rows for the outcome model: one row is (village, service, lead organization, group, time).

Two blocks, both plain float arrays built with numpy:

- *unary* features describe the lead organization doing the service for the village: capability
  level, distance, rating, kind, size, capacity, breadth, how many reviewed projects it had before
  ``t`` and its *quality* then (its shrunk residual effect, :mod:`matcher.effects`), and its mean
  level over all the services it offers (a steadier reading of how capable it is than one level,
  known before any review: ``Snapshot.o_mean_level``), and whether it is registered in the
  village's own county (属地: the docking lists are drawn up county by county; whether that
  matters beyond the distance is for the trees to read from the reviews), and how hard a place
  the village is (:func:`village_columns`);
- *group* features describe the group around it: its size, the mean quality of its members, the
  shares of its partners that brought none of the village's needs or a second hand in the
  project's service (past partners were not chosen as the recommender chooses), how many of them
  brought a needed service the lead lacks (each bringing what it is good at), the year, and
  sums over its pairs of what the history says (shared reviewed projects, the pair's shrunk
  effect, Adamic–Adar link prediction, same community and that community's shrunk effect).

The group block is built from per-pair vectors :func:`pair_vectors` summed over the pairs, which
is what lets the optimiser score a whole team from pair terms (see :mod:`matcher.outcome_model`).
"""

from __future__ import annotations

import numpy as np

from .collaboration import History, members_matrix, pairs_of
from .snapshot import Snapshot, haversine_km

__all__ = [
    "UNARY_COLUMNS",
    "VILLAGE_COLUMNS",
    "PAIR_COLUMNS",
    "GROUP_COLUMNS",
    "unary_features",
    "village_columns",
    "known_mean",
    "mean_filled",
    "pair_vectors",
    "member_quality",
    "partner_log_km",
    "provides_a_need",
    "brings_what_lead_lacks",
    "group_features",
    "training_rows",
]

#: how hard a place the village is (:func:`village_columns`), the last unary columns
VILLAGE_COLUMNS = ("village_severity", "village_log_population", "village_poor_share")
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
    "lead_quality",
    "service_quality",
    "mean_level",
    "home_county",
    *VILLAGE_COLUMNS,
)
PAIR_COLUMNS = (
    "pair_history",
    "pair_effect",
    "pair_log_shared",
    "pair_log_aa",
    "pair_same_community",
    "pair_community_effect",
)
GROUP_COLUMNS = (
    "size2",
    "size3",
    "size4plus",
    "partner_quality",
    "partner_log_km",
    "partner_no_need",
    "partner_same_service",
    "partner_complement",
    "year",
    *PAIR_COLUMNS,
)
#: partner columns are means over the members other than the lead (0 for a lone organization)
N_FIXED_GROUP = GROUP_COLUMNS.index("year") + 1


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
    out[:, UNARY_COLUMNS.index("mean_level")] = snap.o_mean_level[o]
    out[:, UNARY_COLUMNS.index("home_county")] = snap.home_county(v, o)
    if hist is None or np.isnan(hist.global_mean):
        out[:, 7] = 0.0
        out[:, 8] = np.nan
        out[:, 10] = np.nan
        out[:, 11] = np.nan
    else:
        n, _ = hist.org_record(o, t)
        out[:, 7] = np.log1p(n)
        out[:, 8] = hist.effects.org_effect(o, t)
        out[:, 10] = hist.effects.lead_effect(o, t)
        out[:, 11] = hist.effects.service_effect(o, s, t)
    # how badly the village needs this service today (0: not needed, NaN: no village)
    sev = snap.severity_of(vv, s).astype(float)
    out[:, 9] = np.where(has_v, sev, np.nan)
    out[:, -len(VILLAGE_COLUMNS) :] = village_columns(snap, v)
    return out


def known_mean(x: np.ndarray) -> np.ndarray:
    """Each column's mean over its known values (0 where none is known)."""
    x = np.asarray(x, dtype=float)
    known = np.isfinite(x)
    return np.where(known, x, 0.0).sum(axis=0) / np.maximum(known.sum(axis=0), 1)


def mean_filled(x: np.ndarray, mean: np.ndarray | None = None) -> np.ndarray:
    """``x`` (rows × columns) with each column's unknown values at ``mean``, by default the mean of
    its known ones (0 where none is known): a linear model's reading of an optional column. A
    model fills the rows it predicts with its training rows' means (:func:`known_mean`), so that a
    prediction does not depend on what else is in the batch.

    Examples
    --------
    >>> mean_filled(np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan]])).tolist()
    [[1.0, 0.0], [3.0, 0.0], [2.0, 0.0]]
    >>> mean_filled(np.array([[np.nan, 5.0]]), mean=np.array([2.0, 0.0])).tolist()
    [[2.0, 5.0]]
    """
    x = np.asarray(x, dtype=float)
    return np.where(np.isfinite(x), x, known_mean(x) if mean is None else mean)


def village_columns(snap: Snapshot, v) -> np.ndarray:
    """How hard a place the village is: the mean severity of its needs, its log population and its
    share of poor households (NaN: unknown village or value).

    Past projects were not sent to villages at random — a bureau sends its strongest organizations,
    in larger groups, to its hardest villages, which score lower whoever serves them. Without these
    columns that shows up as strong organizations and large groups doing worse than they do.

    Examples
    --------
    >>> from tests.support.worlds import tiny_dataset
    >>> from matcher.snapshot import build_snapshot
    >>> snap = build_snapshot(tiny_dataset([("V1", 36.0, 117.0, {"medical": 3, "education": 5})],
    ...     [("A", 36.0, 117.1, 2, {"medical": 4})]))
    >>> village_columns(snap, np.array([0, -1]))[:, 0].tolist()
    [4.0, nan]
    """
    v = np.asarray(v, dtype=np.int64)
    has_v = v >= 0
    vv = np.where(has_v, v, 0)
    out = np.full((len(v), 3), np.nan)
    out[:, 0] = np.where(has_v, snap.v_mean_severity[vv], np.nan)
    for col, values in ((1, snap.v_log_population), (2, snap.v_poor_share)):
        if values is not None:
            out[:, col] = np.where(has_v, values[vv], np.nan)
    return out


def pair_vectors(hist: History, a, b, t=np.inf, own=None) -> np.ndarray:
    """One row of :data:`PAIR_COLUMNS` per pair ``(a, b)``.

    ``own``: for pairs of a past project that is in the history's graph, that project's members
    (one padded row per pair, -1s for other pairs), so that the link prediction does not count
    the project itself (:meth:`History.adamic_adar`).
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    n, effect = hist.effects.pair_effect(a, b, t)
    out = np.empty((len(a), len(PAIR_COLUMNS)))
    out[:, 0] = n > 0
    out[:, 1] = effect
    out[:, 2] = np.log1p(n)
    out[:, 3] = np.log1p(hist.adamic_adar(a, b, own)) if len(a) else 0.0
    out[:, 4] = hist.community[a] == hist.community[b]
    out[:, 5] = hist.effects.community_effect(a, b, t)
    return out


def member_quality(hist: History, o, t=np.inf) -> np.ndarray:
    """Quality of each organization: its shrunk residual effect (:mod:`matcher.effects`)."""
    return hist.effects.org_effect(np.asarray(o, dtype=np.int64), t)


def partner_log_km(km) -> np.ndarray:
    """How a partner's distance to the village enters the model (km NaN: unknown, read as 30).

    Examples
    --------
    >>> partner_log_km([0.0, 90.0]).round(2).tolist()
    [0.0, 2.3]
    """
    return np.log1p(np.nan_to_num(np.asarray(km, dtype=float), nan=30.0) / 10.0)


def provides_a_need(snap: Snapshot, v, o) -> np.ndarray:
    """Whether organization ``o`` provides one of village ``v``'s needed services (``v`` = -1: True).

    Past partners often brought nothing the village needed; a recommended member always does (the
    rule of :mod:`graph_schema.rules`), so the model tells the two apart (``partner_no_need``).
    """
    v, o = np.asarray(v, dtype=np.int64), np.asarray(o, dtype=np.int64)
    if len(o) == 0:
        return np.zeros(0, bool)
    needs = snap.need_matrix[np.maximum(v, 0)] > 0
    both = needs.multiply(snap.level[o] > 0)
    return (np.asarray(both.sum(axis=1)).ravel() > 0) | (v < 0)


def brings_what_lead_lacks(snap: Snapshot, v, o, lead) -> np.ndarray:
    """How many of village ``v``'s needs ``o`` provides that organization ``lead`` does not.

    A partner that brings other needed services (each bringing what it is good at) is told apart
    from one that duplicates the lead, and one that brings two from one that brings one
    (``partner_complement``).
    """
    v, o, lead = (np.asarray(x, dtype=np.int64) for x in (v, o, lead))
    if len(o) == 0:
        return np.zeros(0, np.int64)
    needs = snap.need_matrix[np.maximum(v, 0)] > 0
    mine = needs.multiply(snap.level[o] > 0)
    shared = mine.multiply(snap.level[lead] > 0)
    more = np.asarray(mine.sum(axis=1)).ravel() - np.asarray(shared.sum(axis=1)).ravel()
    return np.where(v >= 0, more, 0).astype(np.int64)


def group_features(
    hist: History,
    group: np.ndarray,
    t=np.inf,
    lead=None,
    member_km=None,
    useful=None,
    same_service=None,
    complement=None,
    in_graph=None,
) -> np.ndarray:
    """Rows of :data:`GROUP_COLUMNS` for padded groups (``-1`` = empty slot).

    ``lead`` (one per row), ``member_km``, ``useful``, ``same_service`` and ``complement`` (like
    ``group``: each member's distance to the village, whether it provides one of the village's
    needs, whether it provides the project's own service, whether it provides a need the lead
    does not) describe the partners; without them the first member leads, distances are unknown,
    every partner counts as useful in another service and none as bringing what the lead lacks.
    Pair columns are sums over the group's pairs (a group of three has three pairs). ``in_graph``
    (bool, one per row) marks the groups that are past projects in the history's
    co-participation graph (:func:`pair_vectors`' ``own``).
    """
    n_rows = group.shape[0]
    size = (group >= 0).sum(axis=1)
    out = np.zeros((n_rows, len(GROUP_COLUMNS)))
    out[:, 0] = size == 2
    out[:, 1] = size == 3
    out[:, 2] = size >= 4
    t_rows = np.broadcast_to(np.asarray(t, dtype=float), (n_rows,))
    lead = group[:, 0] if lead is None else np.asarray(lead)
    r, c = np.nonzero((group >= 0) & (group != lead[:, None]))
    n_partners = np.maximum(size - 1, 1)
    q = member_quality(hist, group[r, c], t_rows[r])
    out[:, 3] = np.bincount(r, q, minlength=n_rows) / n_partners
    km = np.full(len(r), np.nan) if member_km is None else member_km[r, c]
    out[:, 4] = np.bincount(r, partner_log_km(km), minlength=n_rows) / n_partners
    if useful is not None:
        no_need = np.bincount(r, ~useful[r, c], minlength=n_rows) / n_partners
        out[:, GROUP_COLUMNS.index("partner_no_need")] = no_need
    if same_service is not None:
        same = np.bincount(r, same_service[r, c], minlength=n_rows) / n_partners
        out[:, GROUP_COLUMNS.index("partner_same_service")] = same
    if complement is not None:
        brings = np.bincount(r, complement[r, c], minlength=n_rows)
        out[:, GROUP_COLUMNS.index("partner_complement")] = brings
    out[:, GROUP_COLUMNS.index("year")] = hist.year_of(t_rows)
    pr, a, b = pairs_of(group)
    if len(pr):
        own = None
        if in_graph is not None:
            own = np.where(np.asarray(in_graph, dtype=bool)[pr][:, None], group[pr], -1)
        vec = pair_vectors(hist, a, b, t_rows[pr], own)
        for j in range(len(PAIR_COLUMNS)):
            out[:, N_FIXED_GROUP + j] = np.bincount(pr, vec[:, j], minlength=n_rows)
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
    v = np.broadcast_to(snap.proj_v[rows][:, None], group.shape)
    vv, g = np.maximum(v, 0), np.maximum(group, 0)
    km = haversine_km(snap.v_lat[vv], snap.v_lon[vv], snap.o_lat[g], snap.o_lon[g])
    km = np.where((v >= 0) & (group >= 0), km, np.nan)
    lead = snap.proj_lead[rows]
    useful = np.ones(group.shape, bool)
    useful[group >= 0] = provides_a_need(snap, v[group >= 0], group[group >= 0])
    # whether a member provides the project's own service (a second hand, not another service)
    s = np.broadcast_to(snap.proj_s[rows][:, None], group.shape)
    same = np.zeros(group.shape, bool)
    same[group >= 0] = snap.level_of(group[group >= 0], s[group >= 0]) > 0
    complement = np.zeros(group.shape, np.int64)
    lead_rows = np.broadcast_to(lead[:, None], group.shape)
    complement[group >= 0] = brings_what_lead_lacks(
        snap, v[group >= 0], group[group >= 0], lead_rows[group >= 0]
    )
    # a project reviewed before the history's cut is in its co-participation graph: its pairs must
    # not count it as a link. A time split's test project reviewed after the cut is taken as not
    # in it; one that ended before the cut is (69 of 1,057 on dev_local_teams, none on the Tai'an
    # sample) and still counts itself there — in the evaluation only, never in a recommendation
    in_graph = np.nan_to_num(snap.proj_t[rows], nan=-np.inf) < hist.cutoff
    columns = group_features(hist, group, t, lead, km, useful, same, complement, in_graph)
    x = np.hstack([unary, columns])
    return x, snap.proj_score[rows].astype(float), t
