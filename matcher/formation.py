"""Group formation over all villages at once.

Each village gets at most one team (a pattern of its candidate slots), each organization at most
its capacity left; the objective is the sum of team values (severity-weighted predicted outcome).

- :func:`greedy` — villages in urgency order, each takes its best team among organizations with
  capacity left: the per-village baseline.
- :func:`column_generation` (in :mod:`matcher.colgen`) — the LP over team columns priced with the
  capacity duals, then a MIP over the generated columns with HiGHS.
"""

from __future__ import annotations

import numpy as np

from .price_kernel import greedy_teams
from .teams import Patterns

__all__ = ["urgency_order", "greedy", "objective", "check_capacity"]


def urgency_order(need_w: np.ndarray, village_ids: np.ndarray) -> np.ndarray:
    """Rows most urgent first: total severity, then the worst need, then village id."""
    return np.lexsort((village_ids, -need_w.max(axis=1), -need_w.sum(axis=1)))


def greedy(
    values: np.ndarray,
    orgs: np.ndarray,
    pats: Patterns,
    capacity_left: np.ndarray,
    order: np.ndarray,
) -> np.ndarray:
    """Chosen pattern per village row (-1 = none), taking villages one by one in ``order``.

    Examples
    --------
    >>> from matcher.teams import patterns
    >>> pats = patterns(1, 1)
    >>> greedy(np.array([[5.0], [9.0]]), np.array([[0], [0]]), pats, np.array([1]), np.array([0, 1]))
    array([ 0, -1])
    """
    cap = capacity_left.astype(np.int64).copy()
    chosen = np.full(len(values), -1, np.int64)
    if len(cap) == 0 or values.shape[1] == 0:
        return chosen
    greedy_teams(
        np.ascontiguousarray(values),
        np.ascontiguousarray(orgs, dtype=np.int64),
        pats.members,
        pats.size.astype(np.int64),
        cap,
        np.asarray(order, dtype=np.int64),
        chosen,
    )
    return chosen


def objective(values: np.ndarray, chosen: np.ndarray) -> float:
    """Sum of the chosen teams' values."""
    rows = np.flatnonzero(chosen >= 0)
    return float(values[rows, chosen[rows]].astype(np.float64).sum())


def check_capacity(orgs, pats: Patterns, chosen: np.ndarray, capacity_left: np.ndarray) -> int:
    """How many organizations the choice puts over their capacity left (must be 0)."""
    rows = np.flatnonzero(chosen >= 0)
    slots = pats.members[chosen[rows]]
    used = orgs[rows[:, None], np.maximum(slots, 0)][slots >= 0]
    load = np.bincount(used, minlength=len(capacity_left))
    return int((load > capacity_left).sum())
