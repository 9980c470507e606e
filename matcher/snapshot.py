"""A :class:`Snapshot`: the tables of a :class:`~graph_schema.Dataset` as integer-indexed arrays.

Everything the matcher computes works on these arrays (villages, organizations and services are
numbered in sorted id order, so the same input always gives the same numbering).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from graph_schema.contract.vocabulary import ORG_KINDS, SERVICES

from .errors import MatcherError

__all__ = ["Snapshot", "build_snapshot", "haversine_km", "unit_vectors", "EARTH_RADIUS_KM"]

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasts).

    Examples
    --------
    >>> round(float(haversine_km(36.2, 117.1, 36.2, 117.2)), 2)
    8.97
    """
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(np.asarray(lon2) - np.asarray(lon1))
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def unit_vectors(lat, lon) -> np.ndarray:
    """Points on the unit sphere (n × 3), for a KD-tree whose chord distance orders like km.

    Examples
    --------
    >>> unit_vectors([0.0], [0.0]).round(3).tolist()
    [[1.0, 0.0, 0.0]]
    """
    phi, lmb = np.radians(np.asarray(lat, float)), np.radians(np.asarray(lon, float))
    return np.column_stack([np.cos(phi) * np.cos(lmb), np.cos(phi) * np.sin(lmb), np.sin(phi)])


def _days(values: pd.Series) -> np.ndarray:
    """ISO dates as days since 1970 (NaN when empty or unreadable)."""
    stamps = pd.to_datetime(values, errors="coerce", format="mixed")
    out = (stamps - pd.Timestamp("1970-01-01")).dt.days.to_numpy(dtype="float64", na_value=np.nan)
    return out


def _index(ids: np.ndarray, values: pd.Series) -> np.ndarray:
    """Position of each value in the sorted ``ids`` (-1 when absent or empty)."""
    vals = values.to_numpy(dtype=object)
    present = np.array([v is not None for v in vals], dtype=bool)
    out = np.full(len(vals), -1, dtype=np.int64)
    if len(ids) and present.any():
        keys = vals[present].astype(str)
        pos = np.searchsorted(ids, keys)
        pos = np.minimum(pos, len(ids) - 1)
        found = ids[pos] == keys
        out[np.flatnonzero(present)[found]] = pos[found]
    return out


def _entries(matrix: sparse.csr_matrix, rows, cols) -> np.ndarray:
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    if len(rows) == 0:
        return np.zeros(0, dtype=matrix.dtype)
    return np.asarray(matrix[rows, cols]).ravel()


@dataclass
class Snapshot:
    """Integer-indexed view of one dataset; see :func:`build_snapshot`."""

    village_ids: np.ndarray
    village_names: np.ndarray
    v_lat: np.ndarray
    v_lon: np.ndarray
    v_supported: np.ndarray  # bool: has a partnership in force
    org_ids: np.ndarray
    org_names: np.ndarray
    o_lat: np.ndarray
    o_lon: np.ndarray
    o_kind: np.ndarray  # index into ORG_KINDS
    o_rating: np.ndarray  # 0..5 (0 also when unknown)
    o_volunteers: np.ndarray  # head count, 0 when unknown
    o_capacity: np.ndarray  # max_villages
    o_committed: np.ndarray  # partnerships in force
    level: sparse.csr_matrix  # orgs × services, capability level 1..5 (0 = not provided)
    need_v: np.ndarray
    need_s: np.ndarray
    need_sev: np.ndarray
    need_matrix: sparse.csr_matrix  # villages × services, severity (0 = not needed)
    # reviewed projects: one row per project with at least one review (mean score)
    proj_v: np.ndarray  # village index or -1
    proj_s: np.ndarray
    proj_lead: np.ndarray
    proj_t: np.ndarray  # days since 1970 of the review (NaN when unknown)
    proj_score: np.ndarray
    proj_reviewer: np.ndarray  # first reviewer of the project (-1: unknown)
    # participation of every project (reviewed or not) as a sparse projects × orgs incidence
    all_proj_members: sparse.csr_matrix
    all_proj_t: np.ndarray
    # members of each reviewed project (rows aligned with proj_*)
    proj_members: sparse.csr_matrix
    # has a party branch (党支部; False also when unknown)
    o_party: np.ndarray | None = None
    # county of each village and organization, one integer per county name (-1: unknown)
    v_county: np.ndarray | None = None
    o_county: np.ndarray | None = None
    # how large and how poor each village is (NaN: not given; both columns are optional)
    v_log_population: np.ndarray | None = None
    v_poor_share: np.ndarray | None = None

    def home_county(self, v, o) -> np.ndarray:
        """1 where organization ``o`` is registered in village ``v``'s county, 0 where not, NaN
        where either county is unknown (or ``v`` is -1: no village)."""
        v, o = np.asarray(v, dtype=np.int64), np.asarray(o, dtype=np.int64)
        if self.v_county is None or self.o_county is None:
            return np.full(np.broadcast(v, o).shape, np.nan)
        vc = np.where(v >= 0, self.v_county[np.maximum(v, 0)], -1)
        oc = self.o_county[o]
        return np.where((vc >= 0) & (oc >= 0), (vc == oc).astype(float), np.nan)

    @property
    def n_villages(self) -> int:
        return len(self.village_ids)

    @property
    def n_orgs(self) -> int:
        return len(self.org_ids)

    @cached_property
    def o_mean_level(self) -> np.ndarray:
        """Each organization's mean capability level over the services it offers (0: none).

        One level is one noisy reading of how capable an organization is; the mean over all its
        services is a steadier one, and is known before any review.
        """
        breadth = np.diff(self.level.indptr)
        total = np.asarray(self.level.sum(axis=1)).ravel()
        return total / np.maximum(breadth, 1)

    @cached_property
    def v_mean_severity(self) -> np.ndarray:
        """Mean severity of each village's needs (0 for a village without any)."""
        total = np.asarray(self.need_matrix.sum(axis=1)).ravel().astype(float)
        return total / np.maximum(np.diff(self.need_matrix.indptr), 1)

    def level_of(self, o, s) -> np.ndarray:
        """Capability level of organizations ``o`` in services ``s`` (0 = not provided)."""
        return _entries(self.level, o, s)

    def severity_of(self, v, s) -> np.ndarray:
        """Severity of villages ``v``'s need of services ``s`` (0 = not needed)."""
        return _entries(self.need_matrix, v, s)

    @property
    def capacity_left(self) -> np.ndarray:
        """How many more villages each organization can take on (never negative)."""
        return np.maximum(self.o_capacity - self.o_committed, 0)


def _projects(ds, vids, oids, service_index):
    projects = ds["projects"]
    pids = np.sort(projects["project_id"].to_numpy(dtype=str))
    pos = _index(pids, projects["project_id"])
    p_lead = np.full(len(pids), -1, np.int64)
    p_v = np.full(len(pids), -1, np.int64)
    p_s = np.full(len(pids), -1, np.int64)
    p_t = np.full(len(pids), np.nan)
    p_lead[pos] = _index(oids, projects["lead_org_id"])
    p_v[pos] = _index(vids, projects["village_id"])
    p_s[pos] = projects["service"].map(service_index).to_numpy(dtype=np.int64)
    start = _days(projects["end_date"])
    start = np.where(np.isnan(start), _days(projects["start_date"]), start)
    p_t[pos] = start
    po = ds["project_orgs"]
    rows = np.concatenate([_index(pids, po["project_id"]), np.arange(len(pids))])
    cols = np.concatenate([_index(oids, po["org_id"]), p_lead])
    ok = (rows >= 0) & (cols >= 0)
    members = sparse.csr_matrix(
        (np.ones(ok.sum(), np.int8), (rows[ok], cols[ok])), shape=(len(pids), len(oids))
    )
    members.data[:] = 1  # duplicates (lead listed twice) count once
    reviews = ds["reviews"]
    r_p = _index(pids, reviews["project_id"])
    r_t = _days(reviews["reviewed_on"])
    r_ok = r_p >= 0
    # who reviewed: the first reviewer of a project (numbered in sorted name order, -1 unknown)
    who = reviews["reviewer"].astype("string").fillna("").to_numpy(dtype=str)
    names, code = np.unique(who, return_inverse=True)
    code = np.where(who == "", -1, code)
    frame = pd.DataFrame(
        {
            "p": r_p[r_ok],
            "score": reviews["score"].to_numpy()[r_ok],
            "t": r_t[r_ok],
            "who": code[r_ok],
        }
    )
    agg = frame.groupby("p", sort=True).agg(
        score=("score", "mean"), t=("t", "max"), who=("who", "first")
    )
    rp = agg.index.to_numpy(dtype=np.int64)
    rt = agg["t"].to_numpy(dtype=float)
    rt = np.where(np.isnan(rt), p_t[rp], rt)
    keep = (p_lead[rp] >= 0) & (p_s[rp] >= 0)
    rp = rp[keep]
    return (
        p_v[rp],
        p_s[rp],
        p_lead[rp],
        rt[keep],
        agg["score"].to_numpy(dtype=float)[keep],
        members,
        p_t,
        members[rp],
        agg["who"].to_numpy(dtype=np.int64)[keep],
    )


def build_snapshot(dataset) -> Snapshot:
    """Number the villages, organizations and services of ``dataset`` and gather their arrays.

    Examples
    --------
    >>> import pandas as pd
    >>> from graph_schema import Dataset
    >>> ds = Dataset({"villages": pd.DataFrame({"village_id": ["V2", "V1"], "name": ["a", "b"],
    ...     "county": ["c", "c"], "lat": [36.3, 36.1], "lon": [117.2, 117.0]})})
    >>> build_snapshot(ds).village_ids.tolist()
    ['V1', 'V2']
    """
    try:
        villages, orgs = dataset["villages"], dataset["organizations"]
    except KeyError as exc:  # pragma: no cover - a Dataset always has every table
        raise MatcherError(f"the dataset lacks the table {exc}") from None
    service_index = {s: i for i, s in enumerate(SERVICES)}
    villages = villages.sort_values("village_id", kind="stable")
    orgs = orgs.sort_values("org_id", kind="stable")
    vids = villages["village_id"].to_numpy(dtype=str)
    oids = orgs["org_id"].to_numpy(dtype=str)
    if len(np.unique(vids)) != len(vids) or len(np.unique(oids)) != len(oids):
        raise MatcherError("village_id and org_id must be unique")
    supported = np.zeros(len(vids), bool)
    committed = np.zeros(len(oids), np.int64)
    part = dataset["partnerships"]
    pv, po = _index(vids, part["village_id"]), _index(oids, part["org_id"])
    supported[pv[pv >= 0]] = True
    np.add.at(committed, po[po >= 0], 1)
    caps = dataset["capabilities"]
    c_o = _index(oids, caps["org_id"])
    c_s = caps["service"].map(service_index).to_numpy(dtype=np.int64)
    ok = c_o >= 0
    level = sparse.csr_matrix(
        (caps["level"].to_numpy(dtype=np.int64, na_value=1)[ok], (c_o[ok], c_s[ok])),
        shape=(len(oids), len(SERVICES)),
    )
    needs = dataset["needs"]
    n_v = _index(vids, needs["village_id"])
    n_ok = n_v >= 0
    need_s = needs["service"].map(service_index).to_numpy(dtype=np.int64)[n_ok]
    need_sev = needs["severity"].to_numpy(dtype=np.int64, na_value=1)[n_ok]
    need_matrix = sparse.csr_matrix(
        (need_sev, (n_v[n_ok], need_s)), shape=(len(vids), len(SERVICES))
    )
    kinds = {k: i for i, k in enumerate(ORG_KINDS)}
    proj = _projects(dataset, vids, oids, service_index)
    return Snapshot(
        village_ids=vids,
        village_names=villages["name"].to_numpy(dtype=object),
        v_lat=villages["lat"].to_numpy(dtype=float),
        v_lon=villages["lon"].to_numpy(dtype=float),
        v_supported=supported,
        org_ids=oids,
        org_names=orgs["name"].to_numpy(dtype=object),
        o_lat=orgs["lat"].to_numpy(dtype=float),
        o_lon=orgs["lon"].to_numpy(dtype=float),
        o_kind=orgs["kind"].map(kinds).fillna(0).to_numpy(dtype=np.int64),
        o_rating=orgs["rating"].to_numpy(dtype=float, na_value=0.0),
        o_volunteers=orgs["volunteers"].to_numpy(dtype=float, na_value=0.0),
        o_capacity=orgs["max_villages"].to_numpy(dtype=np.int64, na_value=0),
        o_committed=committed,
        level=level,
        need_v=n_v[n_ok],
        need_s=need_s,
        need_sev=need_sev,
        need_matrix=need_matrix,
        proj_v=proj[0],
        proj_s=proj[1],
        proj_lead=proj[2],
        proj_t=proj[3],
        proj_score=proj[4],
        proj_reviewer=proj[8],
        all_proj_members=proj[5],
        all_proj_t=proj[6],
        proj_members=proj[7],
        o_party=_has_party_branch(orgs),
        **_counties(villages, orgs),
        **_village_size(villages),
    )


def _village_size(villages: pd.DataFrame) -> dict:
    """``v_log_population`` and ``v_poor_share`` (poor households over households of 3.1 people,
    the national mean; NaN where a column is missing or blank)."""
    n = len(villages)

    def column(name: str) -> np.ndarray:
        if name not in villages:
            return np.full(n, np.nan)
        return pd.to_numeric(villages[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    population, poor = column("population"), column("poor_households")
    sized = population > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        log_population = np.where(sized, np.log(np.where(sized, population, 1.0)), np.nan)
        share = np.where(
            sized, np.clip(poor * 3.1 / np.where(sized, population, 1.0), 0, 1), np.nan
        )
    return {"v_log_population": log_population, "v_poor_share": share}


def _counties(villages: pd.DataFrame, orgs: pd.DataFrame) -> dict:
    """``v_county`` / ``o_county``: one integer code per county name, shared by both tables
    (-1 where the name is missing)."""
    names = [
        t["county"].astype("string").str.strip()
        if "county" in t
        else pd.Series(pd.NA, index=t.index, dtype="string")
        for t in (villages, orgs)
    ]
    codes = {c: i for i, c in enumerate(sorted(pd.concat(names).dropna().unique()))}
    v, o = (col.map(codes).fillna(-1).to_numpy(dtype=np.int64) for col in names)
    return {"v_county": v, "o_county": o}


def _has_party_branch(orgs: pd.DataFrame) -> np.ndarray:
    """``has_party_branch`` as booleans (an optional column: unknown counts as without)."""
    if "has_party_branch" not in orgs:
        return np.zeros(len(orgs), bool)
    return orgs["has_party_branch"].astype("boolean").fillna(False).to_numpy(dtype=bool)
