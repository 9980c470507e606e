"""The past of a demo world: teams, projects, their organizations, review scores, partnerships.

The hidden model of review scores is written out in :mod:`graph_schema.demo`'s docstring; this
module draws it. All arrays are numpy, one row per project (or per project member, review...).

Examples
--------
>>> import numpy as np
>>> a = pair_synergy(np.array([3, 5]), np.array([5, 3]), salt=7)
>>> bool(a[0] == a[1])  # a pair's synergy does not depend on the order of the two
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree

from ..contract.vocabulary import SERVICES
from .names import categorical
from .outcomes import iso, partnerships, reviews

__all__ = ["History", "make_history", "pair_synergy", "SIZE_EFFECT"]

S = len(SERVICES)
EARTH_KM = 6371.0
YEARS = np.arange(2016, 2021)
#: score added for a project of 0, 1, 2, 3, 4 organizations
SIZE_EFFECT = np.array([0.0, 0.0, 3.0, 4.0, 2.0])
_PROGRAMS = {  # project brands of the source report, by service
    "elder_care": "金晖助老 微笑夕阳红 夕阳美 空巢老人支持计划",
    "child_care": "月亮家园 困境儿童关爱 爱助事实孤儿 暖冬行动 平安使者助苗成长",
    "education": "朝阳助学 小何助学 滴水公益免费午餐 春蕾助学",
    "disability_rehab": "康乐1+n助残 阳光助残 助残康复",
    "medical": "健康义诊 康复助医 送医下乡",
    "skills_training": "技能培训 巧手致富 新农人培训",
    "visiting": "走访慰问 牵手新乡村 结对帮扶",
    "donation": "情暖万家 捐款捐物 爱心衣橱",
    "women_support": "留守妇女关爱 巾帼助力",
    "emergency_relief": "大病救助 救急难 临时救助",
    "livelihood": "乡村振兴 产业帮扶 就业帮扶",
}


def _empty_int() -> np.ndarray:
    return np.zeros(0, dtype=np.int64)


def _empty_obj() -> np.ndarray:
    return np.zeros(0, dtype=object)


@dataclass
class History:
    """Projects (one row each), their members, reviews and the partnerships in force."""

    lead: np.ndarray = field(default_factory=_empty_int)
    service: np.ndarray = field(default_factory=_empty_int)
    village: np.ndarray = field(default_factory=_empty_int)  # -1: county-wide
    county: np.ndarray = field(default_factory=_empty_int)  # where a project took place
    year: np.ndarray = field(default_factory=_empty_int)
    program: np.ndarray = field(default_factory=_empty_obj)
    start: np.ndarray = field(default_factory=_empty_obj)
    end: np.ndarray = field(default_factory=_empty_obj)
    budget: np.ndarray = field(default_factory=lambda: np.zeros(0))
    demonstration: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    member_project: np.ndarray = field(default_factory=_empty_int)
    member_org: np.ndarray = field(default_factory=_empty_int)
    member_is_lead: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    review_project: np.ndarray = field(default_factory=_empty_int)
    review_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    review_date: np.ndarray = field(default_factory=_empty_obj)
    reviewer: np.ndarray = field(default_factory=_empty_obj)
    comment: np.ndarray = field(default_factory=_empty_obj)
    pair_village: np.ndarray = field(default_factory=_empty_int)
    pair_org: np.ndarray = field(default_factory=_empty_int)
    pair_is_lead: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    pair_since: np.ndarray = field(default_factory=_empty_obj)


def _xyz(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _km(chord: np.ndarray) -> np.ndarray:
    return 2 * EARTH_KM * np.arcsin(np.clip(chord / 2, 0, 1))


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64: a well-spread 64-bit hash of each value."""
    x = x + np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


def pair_synergy(a: np.ndarray, b: np.ndarray, salt: int) -> np.ndarray:
    """The hidden synergy of organizations ``a[i]`` and ``b[i]`` when they are not one team:
    90 % within ±1.5, 5 % +5..+10, 5 % -10..-5 (a fixed function of the unordered pair)."""
    lo, hi = np.minimum(a, b).astype(np.uint64), np.maximum(a, b).astype(np.uint64)
    with np.errstate(over="ignore"):
        h1 = _mix((lo << np.uint64(32)) ^ hi ^ np.uint64(salt))
        h2 = _mix(h1)
    u1 = (h1 >> np.uint64(11)).astype(np.float64) / 2.0**53
    u2 = (h2 >> np.uint64(11)).astype(np.float64) / 2.0**53
    return np.where(u1 < 0.9, (u2 - 0.5) * 3, np.where(u1 < 0.95, 5 + 5 * u2, -5 - 5 * u2))


def _others(tree: cKDTree, xyz: np.ndarray, k: int) -> np.ndarray:
    """Each point's ``k - 1`` nearest other points."""
    _, nb = tree.query(xyz, k=k)
    nb = nb.reshape(len(xyz), k)
    not_self = nb != np.arange(len(xyz))[:, None]
    order = np.argsort(~not_self, axis=1, kind="stable")[:, : k - 1]
    return np.take_along_axis(nb, order, axis=1)


def _teams(rng, others: np.ndarray, n_orgs: int):
    """Teams of 2..4 neighbouring organizations (each in at most one) and their synergy."""
    n_teams = n_orgs // 15 if others.shape[1] else 0
    seeds = rng.choice(n_orgs, size=n_teams, replace=False)
    size = 2 + categorical(rng, n_teams, [0.5, 0.35, 0.15])
    width = min(4, others.shape[1] + 1)
    cand = np.column_stack([seeds, others[seeds, : width - 1]])
    take = np.arange(width)[None, :] < size[:, None]
    team = np.broadcast_to(np.arange(n_teams)[:, None], cand.shape)[take]
    org = cand[take]
    _, first = np.unique(org, return_index=True)  # an organization joins its first team only
    first.sort()
    team, org = team[first], org[first]
    counts = np.bincount(team, minlength=n_teams)
    ok = counts[team] >= 2
    team, org = team[ok], org[ok]
    kept = np.unique(team)
    team = np.searchsorted(kept, team)
    n_kept = len(kept)
    matrix = np.full((n_kept, 4), -1, dtype=np.int64)
    order = np.argsort(team, kind="stable")
    team, org = team[order], org[order]
    starts = np.searchsorted(team, np.arange(n_kept))
    matrix[team, np.arange(len(team)) - starts[team]] = org
    org_team = np.full(n_orgs, -1, dtype=np.int64)
    org_team[org] = team
    synergy = np.select(
        [rng.random(n_kept) < 0.7, rng.random(n_kept) < 2 / 3],
        [rng.normal(6, 2, n_kept), rng.normal(0, 1.5, n_kept)],
        rng.normal(-6, 2, n_kept),
    )
    return matrix, org_team, synergy, rng.lognormal(0, 0.7, n_kept)


def _dates(rng, year: np.ndarray):
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(
        0, 180, len(year)
    )
    end = start + rng.integers(120, 366, len(year))
    return start, end


def make_history(
    rng,
    n: int,
    v: dict,
    needs: tuple,
    o: dict,
    caps: tuple,
    geo,
    report: Callable[[str, int], None],
) -> History:
    """Draw ``n`` projects with members and reviews, and the partnerships in force."""
    n_orgs, n_vill = len(o["county"]), len(v["lat"])
    if n == 0 or n_orgs == 0 or n_vill == 0:
        return History()
    cap_row, cap_service, cap_level = caps
    level = np.zeros((n_orgs, S), dtype=np.int8)
    level[cap_row, cap_service] = cap_level
    need = np.zeros((n_vill, S), dtype=np.int8)
    need[needs[0], needs[1]] = needs[2]
    org_xyz, vil_xyz = _xyz(o["lat"], o["lon"]), _xyz(v["lat"], v["lon"])
    org_tree, vil_tree = cKDTree(org_xyz), cKDTree(vil_xyz)
    others = _others(org_tree, org_xyz, min(12, n_orgs))
    team_matrix, org_team, team_synergy, team_activity = _teams(rng, others, n_orgs)
    report("teams", len(team_matrix))

    # who: a team (35 %) or a lead with 0..3 of its neighbours
    members = np.full((n, 4), -1, dtype=np.int64)
    is_team = (rng.random(n) < 0.35) & (len(team_matrix) > 0)
    t = np.flatnonzero(is_team)
    if len(t):
        chosen = categorical(rng, len(t), team_activity)
        m = team_matrix[chosen].copy()
        size = (m >= 0).sum(axis=1)
        drop = (size >= 3) & (rng.random(len(t)) < 0.25)
        m[drop, size[drop] - 1] = -1
        size -= drop
        lead_pos = (rng.random(len(t)) * size).astype(np.int64)
        lead = m[np.arange(len(t)), lead_pos]
        m[np.arange(len(t)), lead_pos] = m[:, 0]
        m[:, 0] = lead
        members[t] = m
    a = np.flatnonzero(~is_team)
    activity = np.exp(0.4 * o["quality"]) * (1 + 0.3 * o["max_villages"])
    lead = categorical(rng, len(a), activity)
    members[a, 0] = lead
    k_nb = others.shape[1]
    if k_nb:
        n_partners = np.minimum(categorical(rng, len(a), [0.5, 0.3, 0.14, 0.06]), k_nb)
        pick = np.argsort(rng.random((len(a), k_nb)), axis=1)[:, :3]
        partners = np.take_along_axis(others[lead], pick, axis=1)
        partners[np.arange(pick.shape[1])[None, :] >= n_partners[:, None]] = -1
        members[a, 1 : 1 + pick.shape[1]] = partners
    lead = members[:, 0]

    # what and where: one of the lead's services, a village near the lead (8 % county-wide)
    cap_start = np.searchsorted(cap_row, np.arange(n_orgs))
    cap_count = np.bincount(cap_row, minlength=n_orgs)
    c = cap_start[lead] + (rng.random(n) * cap_count[lead]).astype(np.int64)
    service, lead_level = cap_service[c], cap_level[c].astype(np.float64)
    county_wide = rng.random(n) < 0.08
    k_v = min(16, n_vill)
    pos = (k_v * rng.random(n) ** 2).astype(np.int64)
    village = np.empty(n, dtype=np.int64)
    km = np.empty(n)
    for s in range(0, n, 200_000):
        d, idx = vil_tree.query(org_xyz[lead[s : s + 200_000]], k=k_v)
        d, idx = d.reshape(-1, k_v), idx.reshape(-1, k_v)
        rows = np.arange(len(idx))
        village[s : s + 200_000] = idx[rows, pos[s : s + 200_000]]
        km[s : s + 200_000] = _km(d[rows, pos[s : s + 200_000]])
    village[county_wide] = -1
    km[county_wide] = 0.0
    county = np.where(county_wide, o["county"][lead], v["county"][np.maximum(village, 0)])
    severity = np.where(county_wide, 0, need[np.maximum(village, 0), service])

    # the hidden score
    present = members >= 0
    size = present.sum(axis=1)
    q = o["quality"]
    partner = present[:, 1:]
    n_p = np.maximum(partner.sum(axis=1), 1)
    qm = np.where(partner, q[np.maximum(members[:, 1:], 0)], 0).sum(axis=1) / n_p
    lm = (
        np.where(partner, level[np.maximum(members[:, 1:], 0), service[:, None]] - 2.5, 0).sum(
            axis=1
        )
        / n_p
    )
    salt = int(rng.integers(0, 2**32))
    synergy = np.zeros(n)
    for i in range(4):
        for j in range(i + 1, 4):
            both = present[:, i] & present[:, j]
            x, y = np.maximum(members[:, i], 0), np.maximum(members[:, j], 0)
            same = both & (org_team[x] >= 0) & (org_team[x] == org_team[y])
            pair = np.where(same, team_synergy[org_team[x]], pair_synergy(x, y, salt))
            synergy += np.where(both, pair, 0.0)
    need_effect = np.where(county_wide, 0.0, np.where(severity > 0, 2.0 * severity, -6.0))
    year = YEARS[categorical(rng, n, np.linspace(1, 1.8, 5))]
    expected = (
        48
        + 7 * q[lead]
        + 3 * qm
        + 4 * (lead_level - 3)
        + 1.5 * lm
        - 6 * np.log1p(km / 10)
        + need_effect
        + synergy
        + SIZE_EFFECT[size]
        + 0.8 * (year - 2016)
    )
    start, end = _dates(rng, year)
    report("projects", n)

    h = History(lead=lead, service=service, village=village, county=county, year=year)
    programs = [p.split() for p in _PROGRAMS.values()]
    table = np.array([(p * 5)[:5] for p in programs], dtype=object)
    h.program = table[
        service, (rng.random(n) * np.array([len(p) for p in programs])[service]).astype(int)
    ]
    h.start, h.end = iso(start), iso(end)
    kind = o["kind"][lead]
    h.budget = np.maximum(
        np.round(rng.lognormal(np.log(30000) + 0.6 * (kind == 2) + 0.15 * (size - 1), 0.7, n), -3),
        2000,
    )
    # each project's organizations in key order (by id), empty places last
    ordered = np.sort(np.where(present, members, n_orgs), axis=1)
    h.member_project = np.broadcast_to(np.arange(n)[:, None], members.shape)[present]
    h.member_org = ordered[ordered < n_orgs]
    h.member_is_lead = h.member_org == lead[h.member_project]
    report("project_orgs", len(h.member_org))
    reviews(rng, h, expected, start, end)
    report("reviews", len(h.review_project))
    partnerships(rng, h, o, level, need, org_tree, vil_xyz)
    report("partnerships", len(h.pair_org))
    return h
