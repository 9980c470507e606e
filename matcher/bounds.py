"""Upper bounds on group formation from capacity prices (Lagrangian relaxation).

Relax every organization's capacity with a price ``π_o ≥ 0``: each village then takes its best team
at reduced value ``value − Σ π`` (or none), and ``Σ_v max(0, best) + Σ_o π_o · capacity_o`` bounds
the optimum from above, whatever the prices.
"""

from __future__ import annotations

import numpy as np

from .formation import greedy
from .price_kernel import allowed_by_value, best_priced_sorted, best_priced_teams

__all__ = ["lagrangian_bound", "starting_prices", "tighten_bound"]


def _priced(values, orgs, pats, price, allowed=None):
    """Per row: the best team's value minus its members' prices (clipped at 0) and that team.

    ``allowed``: :func:`~matcher.price_kernel.allowed_by_value` of ``values`` (float32), for many
    calls with non-negative prices: each row stops at the first team whose value alone is below
    its best so far (the same teams; a subgradient step on a development city at 48 / 14 lists
    looks at a handful of teams a village instead of 109,862)."""
    best = np.empty(len(values), np.float64)
    arg = np.empty(len(values), np.int64)
    values = np.ascontiguousarray(values, dtype=np.float32)
    orgs = np.ascontiguousarray(orgs, dtype=np.int64)
    size = pats.size.astype(np.int64, copy=False)
    price = np.ascontiguousarray(price, dtype=np.float64)
    if allowed is not None and not (price < 0).any():
        best_priced_sorted(values, *allowed, orgs, pats.members, size, price, best, arg)
    else:
        best_priced_teams(values, orgs, pats.members, size, price, best, arg)
    return np.maximum(best, 0.0), np.where(best > 0, arg, -1)


def lagrangian_bound(values, orgs, pats, capacity_left, price) -> float:
    """An upper bound on the best total value, from any non-negative organization prices."""
    best, _ = _priced(values, orgs, pats, price)
    return float((price * capacity_left).sum() + best.sum())


def tighten_bound(values, orgs, pats, cap, price, target: float, iterations: int = 40):
    """Subgradient steps on the prices (Polyak steps towards ``target``, a known solution's value);
    returns the lowest bound seen and its prices. Only organizations in ``price > 0`` or
    over-demanded at some step ever get a price."""
    price = price.astype(np.float64).copy()
    best_bound, best_price, theta = np.inf, price.copy(), 1.0
    values = np.ascontiguousarray(values, dtype=np.float32)
    allowed = allowed_by_value(values) if iterations > 1 else None
    for _ in range(iterations):
        value, arg = _priced(values, orgs, pats, price, allowed)
        bound = float((price * cap).sum() + value.sum())
        if bound < best_bound - 1e-9:
            best_bound, best_price = bound, price.copy()
        else:
            theta /= 2
        on = np.flatnonzero(arg >= 0)
        slots = pats.members[arg[on]]
        used = orgs[on[:, None], np.maximum(slots, 0)][slots >= 0]
        g = cap - np.bincount(used, minlength=len(cap))
        g = np.where((price <= 0) & (g > 0), 0, g)  # prices stay non-negative
        norm = float((g.astype(np.float64) ** 2).sum())
        if norm == 0 or bound - target <= 1e-6 * max(1.0, abs(target)):
            break
        price = np.maximum(price - theta * (bound - target) / norm * g, 0.0)
    return best_bound, best_price


def starting_prices(values, orgs, pats, cap, steps: int = 30) -> np.ndarray:
    """Capacity prices from ``steps`` subgradient steps aimed at the greedy's value.

    What the column generation starts from (``colgen.START_STEPS``): a village's best teams at
    these prices are likely columns of the LP optimum.

    Examples
    --------
    >>> from matcher.teams import patterns
    >>> pats = patterns(1, 1)  # two villages want the same organization of capacity 1
    >>> price = starting_prices(np.array([[5.0], [9.0]]), np.array([[0], [0]]), pats, np.array([1]))
    >>> bool(5.0 <= price[0] <= 9.0), lagrangian_bound(np.array([[5.0], [9.0]]), np.array([[0], [0]]),
    ...                                                pats, np.array([1]), price) >= 9.0
    (True, True)
    """
    order = np.argsort(-values.max(axis=1), kind="stable")
    chosen = greedy(values, orgs, pats, cap, order)
    target = float(values[chosen >= 0, chosen[chosen >= 0]].astype(np.float64).sum())
    _, price = tighten_bound(values, orgs, pats, cap, np.zeros(len(cap)), target, steps)
    return price
