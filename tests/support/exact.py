"""The exact optimum of group formation over every team pattern, for small instances.

Test and benchmark use only (it needs OR-Tools, a test/bench dependency): one Boolean per
(village, team) with a finite value, at most one per village, capacity rows for the organizations,
maximise the total value. Teams that a sub-team (one member fewer) matches or beats are dropped
first: an optimal solution never needs them. ``solver="highs"`` solves the same MIP with HiGHS.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from matcher.teams import Patterns

__all__ = ["exact_formation", "dominated"]

#: objective coefficients are rounded to 1/SCALE of a value unit for CP-SAT (integers only)
SCALE = 1000


def dominated(values: np.ndarray, pats: Patterns) -> np.ndarray:
    """(n, P) True where a team with one member fewer is at least as valuable (or value is -inf)."""
    index = {tuple(m[m >= 0].tolist()): i for i, m in enumerate(pats.members)}
    out = ~np.isfinite(values)
    for p, m in enumerate(pats.members):
        team = m[m >= 0].tolist()
        if len(team) < 2:
            continue
        for drop in range(len(team)):
            q = index[tuple(team[:drop] + team[drop + 1 :])]
            out[:, p] |= values[:, q] >= values[:, p]
    return out


def exact_formation(
    values: np.ndarray,
    orgs: np.ndarray,
    pats: Patterns,
    capacity_left: np.ndarray,
    solver: str = "cpsat",
    time_limit: float = 600.0,
    workers: int = 8,
    seed: int = 0,
) -> tuple[np.ndarray, dict]:
    """Optimal pattern per village row (-1 = none) and ``{"objective", "bound", "optimal"}``.

    Examples
    --------
    >>> from matcher.teams import patterns
    >>> chosen, info = exact_formation(np.array([[5.0], [9.0]]), np.array([[0], [0]]),
    ...                                patterns(1, 1), np.array([1]))
    >>> chosen.tolist(), info["optimal"]
    ([-1, 0], True)
    """
    keep = ~dominated(values, pats)
    r, p = np.nonzero(keep)
    slots = pats.members[p]
    col_orgs = np.where(slots >= 0, orgs[r[:, None], np.maximum(slots, 0)], -1)
    if solver == "cpsat":
        got, info = _cpsat(values[r, p], r, col_orgs, capacity_left, time_limit, workers, seed)
    elif solver == "highs":
        got, info = _highs(values[r, p], r, col_orgs, len(values), capacity_left, time_limit, seed)
    else:
        raise ValueError(f"unknown solver {solver!r}")
    chosen = np.full(len(values), -1, np.int64)
    chosen[r[got]] = p[got]
    info["columns"] = int(len(r))
    return chosen, info


def _cpsat(cost, r, col_orgs, caps, time_limit, workers, seed):
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    x = [model.NewBoolVar(f"x{i}") for i in range(len(cost))]
    order = np.argsort(r, kind="stable")
    bounds = np.flatnonzero(np.diff(np.concatenate([[-1], r[order], [-2]])))
    for a, b in zip(bounds[:-1], bounds[1:], strict=True):
        model.AddAtMostOne([x[i] for i in order[a:b]])
    rows, cols = np.nonzero(col_orgs >= 0)
    org = col_orgs[rows, cols]
    by_org = np.argsort(org, kind="stable")
    obounds = np.flatnonzero(np.diff(np.concatenate([[-1], org[by_org], [-2]])))
    for a, b in zip(obounds[:-1], obounds[1:], strict=True):
        o = org[by_org[a]]
        members = rows[by_org[a:b]]
        if len(members) > caps[o]:
            model.Add(sum(x[i] for i in members) <= int(caps[o]))
    model.Maximize(sum(int(round(c * SCALE)) * v for c, v in zip(cost, x, strict=True)))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = float(time_limit)
    solver.parameters.num_workers = int(workers)
    solver.parameters.random_seed = int(seed)
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return np.zeros(len(cost), bool), {
            "objective": 0.0,
            "bound": float("inf"),
            "optimal": False,
        }
    got = np.array([solver.BooleanValue(v) for v in x], bool)
    return got, {
        "objective": float(cost[got].astype(np.float64).sum()),
        "bound": solver.BestObjectiveBound() / SCALE,
        "optimal": status == cp_model.OPTIMAL,
    }


def _highs(cost, r, col_orgs, n_rows, caps, time_limit, seed):
    import highspy

    from matcher.highs import solve_packing_mip

    k = len(cost)
    rows, cols = np.nonzero(col_orgs >= 0)
    a = np.concatenate([r, n_rows + col_orgs[rows, cols]])
    c = np.concatenate([np.arange(k), rows])
    mat = sparse.csc_matrix((np.ones(len(a)), (a, c)), shape=(n_rows + len(caps), k))
    row_upper = np.concatenate([np.ones(n_rows), caps.astype(float)])
    got, h = solve_packing_mip(cost, mat, row_upper, seed, time_limit, gap=0.0)
    got = np.zeros(k, bool) if got is None else got
    return got, {
        "objective": float(cost[got].astype(np.float64).sum()),
        "bound": float(h.getInfo().mip_dual_bound),
        "optimal": h.getModelStatus() == highspy.HighsModelStatus.kOptimal,
    }
