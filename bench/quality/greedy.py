"""True and naive values of groups, and the two reference greedies of issue 11.

*True value* of a group ``G`` for village ``v`` (what every number of the bench is in)::

    Σ over the needs s of v that some member offers:
        severity(v, s) × max over members p offering s of (E[score | v, s, lead p, group G] − floor)

``E`` is the generator's hidden outcome model and the floor 30: the improvement the group brings
over a project that barely happens. Each need is led by the member that does it best; every member
is in every need's team (pair effects and coordination cost count for all). *Naive value*: the same
sum of ``severity × max level/5 × exp(−km/25)``.

Both greedies take villages without a partnership in order of total need severity (ties by id);
a village's candidates are the 40 nearest organizations that offer one of its needs and have
capacity left; members are added one at a time, the one that raises the value most, while the
value grows, up to ``max_group``. Capacities (``max_villages`` minus partnerships in force) hold.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .effects import km

__all__ = ["true_values", "naive_values", "reference_greedy", "eligible_order", "N_CANDIDATES"]

N_CANDIDATES = 40


def _need_rows(world, v: np.ndarray, groups: np.ndarray):
    """Rows (group i, need s, member slot k) where member k offers need s of village v[i]."""
    a = world.actors
    sev = a.need_sev[v]  # [n, S]
    g = np.maximum(groups, 0)
    offers = (groups[:, :, None] >= 0) & (a.o_level[g] > 0) & (sev[:, None, :] > 0)  # [n, k, S]
    i, k, s = np.nonzero(offers)
    return i, k, s, sev


def true_values(world, v: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """True value of each (village ``v[i]``, group ``groups[i]``) (-1 pads a group).

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> float(true_values(w, np.array([0]), np.array([[-1, -1]]))[0])
    0.0
    """
    v = np.asarray(v, np.int64)
    groups = np.asarray(groups, np.int64)
    i, k, s, sev = _need_rows(world, v, groups)
    best = np.zeros((len(v), sev.shape[1]))
    if len(i):
        gain = world.expected(v[i], s, groups[i, k], groups[i]) - world.floor
        np.maximum.at(best, (i, s), gain)
    return (sev * best).sum(axis=1)


def naive_values(
    world, v: np.ndarray, groups: np.ndarray, org_weight: np.ndarray | None = None
) -> np.ndarray:
    """Naive value: Σ over covered needs of severity × max level/5 × exp(−km/25).

    ``org_weight`` multiplies each organization's term (a data-only reference uses it).
    """
    a = world.actors
    v = np.asarray(v, np.int64)
    groups = np.asarray(groups, np.int64)
    i, k, s, sev = _need_rows(world, v, groups)
    best = np.zeros((len(v), sev.shape[1]))
    if len(i):
        o = groups[i, k]
        d = km(a.v_lat[v[i]], a.v_lon[v[i]], a.o_lat[o], a.o_lon[o])
        term = a.o_level[o, s] / 5.0 * np.exp(-d / 25.0)
        if org_weight is not None:
            term = term * org_weight[o]
        np.maximum.at(best, (i, s), term)
    return (sev * best).sum(axis=1)


def eligible_order(world) -> np.ndarray:
    """Villages without a partnership and with a need, most total severity first (ties by id)."""
    total = world.actors.need_sev.sum(axis=1).astype(np.int64)
    ok = total > 0
    ok[world.partnership_v] = False
    idx = np.flatnonzero(ok)
    return idx[np.lexsort((idx, -total[idx]))]


def capacity_left(world) -> np.ndarray:
    """``max_villages`` minus the partnerships in force."""
    cap = world.actors.o_capacity.astype(np.int64).copy()
    np.subtract.at(cap, world.partnership_o, 1)
    return np.maximum(cap, 0)


def reference_greedy(world, value, max_group: int = 4) -> dict[int, np.ndarray]:
    """The naive (``value="naive"``) or truth-knowing (``value="true"``) greedy.

    ``value`` may also be a function ``(world, villages, groups) -> values`` (another reference).

    Returns village index → member org indices.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> groups = reference_greedy(w, "naive")
    >>> max(len(g) for g in groups.values()) <= 4
    True
    """
    from .world import unit_xyz

    score = {"naive": naive_values, "true": true_values}[value] if isinstance(value, str) else value
    a = world.actors
    n_o = len(a.o_lat)
    cap = capacity_left(world)
    order = eligible_order(world)
    tree = cKDTree(unit_xyz(a.o_lat, a.o_lon))
    k0 = min(n_o, 400)
    _, near = tree.query(unit_xyz(a.v_lat[order], a.v_lon[order]), k=k0)
    near = near.reshape(len(order), -1)
    out: dict[int, np.ndarray] = {}
    for row, v in enumerate(order):
        needed = a.need_sev[v] > 0
        cand, k = _candidates(a, near[row], needed, cap), k0
        while len(cand) < N_CANDIDATES and k < n_o:  # rare: look further
            k = min(n_o, k * 4)
            _, wider = tree.query(unit_xyz(a.v_lat[v], a.v_lon[v]), k=k)
            cand = _candidates(a, np.asarray(wider).reshape(-1), needed, cap)
        if len(cand) == 0:
            continue
        group: list[int] = []
        current = 0.0
        while len(group) < max_group:
            rest = cand[~np.isin(cand, group)]
            if len(rest) == 0:
                break
            trial = np.full((len(rest), len(group) + 1), -1, np.int64)
            trial[:, : len(group)] = group
            trial[:, -1] = rest
            vals = score(world, np.full(len(rest), v), trial)
            j = int(np.argmax(vals))
            if vals[j] <= current + 1e-9:
                break
            group.append(int(rest[j]))
            current = float(vals[j])
        if group:
            out[int(v)] = np.array(group, np.int64)
            cap[group] -= 1
    return out


def _candidates(a, near: np.ndarray, needed: np.ndarray, cap: np.ndarray) -> np.ndarray:
    ok = (a.o_level[near][:, needed] > 0).any(axis=1) & (cap[near] > 0)
    return near[ok][:N_CANDIDATES]
