"""Who is good, and who is good together: outcome effects separated from what is observable.

A review score mixes what anyone can see (capability level, distance, service, year, rating, kind,
group size, how hard a place the village is) with what only the history tells: how good an
organization is, and how well certain organizations work together. :class:`Effects` separates
them, as a mixed model would:

1. a ridge *baseline* on the observable columns (:data:`BASE_COLUMNS`) fitted on the reviewed
   projects; a project's *residual* is its score minus that baseline;
2. an organization's *quality*: the residual of a project is the mean of its members' qualities,
   fitted jointly with a ridge penalty ``k = σ² / τ²`` estimated from the data (one-way
   random-effects model, method of moments; :mod:`matcher.org_quality`): an organization with one
   review is trusted little when reviews are noisy and organizations differ little, a lot in the
   opposite case, and a strong partner's work is not credited to it;
3. a *pair effect* is the mean, over the projects two organizations shared, of what is left after
   their members' qualities (residual − mean member quality known before that project), shrunk
   the same way with its own pseudo-count: a sign and a size, trusted in proportion to the evidence;
4. a *community effect*: the same leftover averaged over every pair inside one community of the
   co-participation graph (a federation, an alliance), for pairs that never worked together.

Every effect is kept as sorted cumulative sums (:class:`matcher.collaboration.Cumulative`), so a
training row only sees projects reviewed before it (no leakage), and a recommendation sees all.
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import Ridge

from graph_schema.contract.vocabulary import SERVICES

from .collaboration import Cumulative, members_matrix, pairs_of
from .features import mean_filled, village_columns
from .org_quality import JointQuality
from .snapshot import Snapshot, haversine_km

__all__ = ["Effects", "BASE_COLUMNS", "pseudo_count", "baseline_features"]

BASE_COLUMNS = (
    *(f"level{i}" for i in range(6)),
    "log_km",
    "near",
    "km_unknown",
    *(f"service_{s}" for s in SERVICES),
    "year",
    "size2",
    "size3",
    "size4plus",
    "rating",
    "kind1",
    "kind2",
    "need_severity",
    "village_severity",
    "log_population",
    "poor_share",
    "village_unknown",
)
#: bounds of the estimated pseudo-counts (a degenerate variance estimate must not trust one review
#: completely, nor ignore a long record)
K_MIN, K_MAX = 0.3, 200.0


def pseudo_count(keys: np.ndarray, values: np.ndarray, default: float = 3.0) -> float:
    """``σ² / τ²`` of a one-way random-effects model of ``values`` grouped by ``keys``.

    σ² is the pooled within-group variance, τ² the variance of the group means less what their
    own noise explains (method of moments). The shrunk effect of a group with ``n`` values of mean
    ``m`` is ``n · m / (n + k)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> keys = np.repeat(np.arange(200), 5)
    >>> strong = rng.normal(0, 10, 200)[keys] + rng.normal(0, 5, 1000)  # τ = 10, σ = 5
    >>> round(pseudo_count(keys, strong), 1)  # about 25 / 100
    0.3
    >>> weak = rng.normal(0, 1, 200)[keys] + rng.normal(0, 10, 1000)  # τ = 1, σ = 10
    >>> pseudo_count(keys, weak) > 20
    True
    """
    if len(values) < 2:
        return default
    _, inv, n = np.unique(keys, return_inverse=True, return_counts=True)
    mean = np.bincount(inv, values) / n
    dof = int((n - 1).sum())
    if dof <= 0:
        return default
    sigma2 = float(((values - mean[inv]) ** 2).sum() / dof)
    if len(n) < 2 or sigma2 <= 0:
        return default
    tau2 = float(np.var(mean) - np.mean(sigma2 / n))
    tau2 = max(tau2, sigma2 / K_MAX)
    return float(np.clip(sigma2 / tau2, K_MIN, K_MAX))


def baseline_features(snap: Snapshot, v, s, lead, size, year) -> np.ndarray:
    """Rows of :data:`BASE_COLUMNS`: what anyone can see about a project (``v`` = -1: unknown).

    Examples
    --------
    >>> from tests.support.worlds import tiny_dataset
    >>> from matcher.snapshot import build_snapshot
    >>> snap = build_snapshot(tiny_dataset([("V1", 36.0, 117.0, {"medical": 3})],
    ...     [("A", 36.0, 117.1, 2, {"medical": 4})]))
    >>> x = baseline_features(snap, [0], [SERVICES.index("medical")], [0], [2], [0.0])
    >>> float(x[0, BASE_COLUMNS.index("level4")]), float(x[0, BASE_COLUMNS.index("size2")])
    (1.0, 1.0)
    """
    v, s, lead = (np.asarray(a, dtype=np.int64) for a in (v, s, lead))
    size, year = np.asarray(size), np.asarray(year, dtype=float)
    out = np.zeros((len(lead), len(BASE_COLUMNS)))
    level = np.clip(snap.level_of(lead, s), 0, 5).astype(np.int64)
    out[np.arange(len(lead)), level] = 1.0
    has_v = v >= 0
    vv = np.where(has_v, v, 0)
    km = haversine_km(snap.v_lat[vv], snap.v_lon[vv], snap.o_lat[lead], snap.o_lon[lead])
    km = np.where(has_v, km, 30.0)
    out[:, 6] = np.log1p(km / 10.0)
    out[:, 7] = np.exp(-km / 25.0)
    out[:, 8] = ~has_v
    out[np.arange(len(lead)), 9 + s] = 1.0
    col = 9 + len(SERVICES)
    out[:, col] = year
    out[:, col + 1] = size == 2
    out[:, col + 2] = size == 3
    out[:, col + 3] = size >= 4
    out[:, col + 4] = snap.o_rating[lead]
    out[:, col + 5] = snap.o_kind[lead] == 1
    out[:, col + 6] = snap.o_kind[lead] == 2
    # the village: projects were sent where they were needed, the strongest often to the hardest
    # places (features.village_columns); an unknown value sits at the mean of the known ones
    out[:, col + 7] = np.where(has_v, snap.severity_of(vv, s), 0.0)
    place = village_columns(snap, np.where(has_v, v, -1))
    out[:, col + 8 : col + 11] = mean_filled(place)
    out[:, col + 11] = ~np.isfinite(place).all(axis=1)
    return out


class Effects:
    """Organization quality, pair and community effects, queryable "before time t".

    Parameters
    ----------
    snap : Snapshot
    rows : array of int
        The reviewed projects (indices into ``snap.proj_*``) the history holds.
    year : array of float
        Calendar year of each of those projects.
    community : array of int
        Community of every organization (see :class:`matcher.collaboration.History`).

    Examples
    --------
    >>> from matcher.collaboration import History
    >>> from tests.support.worlds import tiny_dataset
    >>> from matcher.snapshot import build_snapshot
    >>> villages = [("V1", 36.0, 117.0, {"medical": 3})]
    >>> orgs = [(o, 36.0, 117.01, 2, {"medical": 4}) for o in "ABC"]
    >>> projects = [(f"J{i}", "medical", team, "V1", score, f"{2010 + i}-12-31")
    ...     for i, (team, score) in enumerate([(["A"], 70.0), (["B"], 40.0), (["C"], 40.0)] * 4)]
    >>> eff = History(build_snapshot(tiny_dataset(villages, orgs, projects=projects))).effects
    >>> q = eff.org_effect(np.array([0, 1, 2]))
    >>> bool(q[0] > 10 > 0 > max(q[1], q[2]))
    True
    """

    def __init__(self, snap: Snapshot, rows: np.ndarray, year: np.ndarray, community: np.ndarray):
        self.n_orgs = snap.n_orgs
        self.community = community
        t = snap.proj_t[rows]
        y = snap.proj_score[rows].astype(float)
        members = snap.proj_members[rows]
        size = np.diff(members.indptr)
        self.year0 = float(np.max(year)) if len(year) else 0.0
        x = baseline_features(
            snap,
            snap.proj_v[rows],
            snap.proj_s[rows],
            snap.proj_lead[rows],
            size,
            year - self.year0,
        )
        self.baseline = Ridge(alpha=1.0).fit(x, y) if len(y) else None
        resid = y - self.baseline.predict(x) if self.baseline is not None else y
        # lenient and strict reviewers: each reviewer's shrunk mean residual is theirs, not the
        # organizations' (reviewers are not known for a future project, so only this uses them)
        who = snap.proj_reviewer[rows]
        known = who >= 0
        self.k_reviewer = pseudo_count(who[known], resid[known])
        total = np.bincount(who[known], resid[known], minlength=max(who.max(initial=0) + 1, 1))
        count = np.bincount(who[known], minlength=len(total))
        self.reviewer_offset = total / (count + self.k_reviewer)
        resid = resid - np.where(known, self.reviewer_offset[np.maximum(who, 0)], 0.0)
        self.residual_sd = float(resid.std()) if len(y) else 0.0
        # organizations: every member of a project shares its residual
        mrow = np.repeat(np.arange(len(rows)), size)
        morg = members.indices.astype(np.int64)
        self.k_org = pseudo_count(morg, resid[mrow])
        # fitted jointly, so that a partner's work is not credited to the organization
        self.quality = JointQuality(members, t, resid, self.k_org)
        # the same, counting only the projects an organization led (a lead weighs most)
        lead = snap.proj_lead[rows]
        self.k_lead = pseudo_count(lead, resid)
        self.leads = Cumulative(lead, t, resid)
        # what a project did beyond its members' qualities known before it
        q = self.org_effect(morg, t[mrow])
        # an organization good at one service may be poor at another: how its projects in a
        # service differ from all it led (a nested effect: 0 for one that led in one service)
        self.n_services = len(SERVICES)
        service_key = lead * self.n_services + snap.proj_s[rows]
        self.services = Cumulative(service_key, t, resid)
        led = np.bincount(lead, minlength=self.n_orgs)
        lead_mean = np.bincount(lead, resid, minlength=self.n_orgs) / np.maximum(led, 1)
        n_kinds = np.bincount(np.unique(service_key) // self.n_services, minlength=self.n_orgs)
        several = n_kinds[lead] > 1
        self.k_service = pseudo_count(service_key[several], (resid - lead_mean[lead])[several])
        left = resid - np.bincount(mrow, q, minlength=len(rows)) / np.maximum(size, 1)
        pr, a, b = pairs_of(members_matrix(members))
        key = a * self.n_orgs + b
        self.k_pair = pseudo_count(key, left[pr])
        self.pairs = Cumulative(key, t[pr], left[pr])
        same = community[a] == community[b]
        ck = community[a][same]
        self.k_community = pseudo_count(ck, left[pr][same])
        self.communities = Cumulative(ck, t[pr][same], left[pr][same])

    @staticmethod
    def _shrunk(cum: Cumulative, keys, t, k: float) -> tuple[np.ndarray, np.ndarray]:
        n, total = cum.before(np.asarray(keys, dtype=np.int64), t)
        return n, total / (n + k)

    def org_effect(self, o, t=np.inf) -> np.ndarray:
        """Shrunk quality of organizations ``o`` (review points above what is observable).

        Fitted jointly over the projects' members (:class:`matcher.org_quality.JointQuality`);
        before ``t`` means before the last 1 January up to ``t``.
        """
        return self.quality.at(o, t)

    def lead_effect(self, o, t=np.inf) -> np.ndarray:
        """Shrunk quality of organizations ``o`` from the projects they led only."""
        return self._shrunk(self.leads, o, t, self.k_lead)[1]

    def service_effect(self, o, s, t=np.inf) -> np.ndarray:
        """How much better (or worse) organizations ``o`` did leading service ``s`` than leading
        any service, shrunk (review points)."""
        o = np.asarray(o, dtype=np.int64)
        key = o * self.n_services + np.asarray(s, dtype=np.int64)
        n_s, total_s = self.services.before(key, t)
        n_all, total_all = self.leads.before(o, t)
        gap = total_s / np.maximum(n_s, 1) - total_all / np.maximum(n_all, 1)
        return np.where(n_s > 0, n_s / (n_s + self.k_service) * gap, 0.0)

    def pair_effect(self, a, b, t=np.inf) -> tuple[np.ndarray, np.ndarray]:
        """``(shared reviewed projects, shrunk pair effect)`` of pairs ``(a, b)`` before ``t``."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        key = np.minimum(a, b) * self.n_orgs + np.maximum(a, b)
        return self._shrunk(self.pairs, key, t, self.k_pair)

    def community_effect(self, a, b, t=np.inf) -> np.ndarray:
        """Shrunk effect of the community shared by ``a`` and ``b`` (0 when not the same one)."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        ca, cb = self.community[a], self.community[b]
        effect = self._shrunk(self.communities, ca, t, self.k_community)[1]
        return np.where(ca == cb, effect, 0.0)

    def summary(self) -> dict[str, float]:
        """The estimated pseudo-counts and the residual spread (for the run summary)."""
        return {
            "k_org": round(self.k_org, 3),
            "k_lead": round(self.k_lead, 3),
            "k_reviewer": round(self.k_reviewer, 3),
            "k_service": round(self.k_service, 3),
            "k_pair": round(self.k_pair, 3),
            "k_community": round(self.k_community, 3),
            "residual_sd": round(self.residual_sd, 3),
        }
