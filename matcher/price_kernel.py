"""The compiled loops that price every team of every village during the formation.

- :func:`best_priced_teams`: each village's best team at ``value − Σ price of its members``, for
  the starting prices and the Lagrangian bound (:mod:`matcher.bounds`);
- :func:`top_reduced_teams`: each village's 8 best teams at ``value − Σ capacity duals − village
  dual``, for each round of the column generation (:mod:`matcher.colgen`).

The array versions these replace multiplied every village's slot prices into every team
(villages × teams × slots, with a 500 MB temporary) at each step: on a province world at 24 / 8
lists (9,600 villages × 12,950 teams) 30 subgradient steps took 35–39 s and the pricing rounds
23 s; now 9.7–9.9 s and 2.2 s (docs/matcher.md, *Pricing: a compiled loop*). Prices are never
negative, so a team whose value alone does not beat the best so far (or the k-th best, or the
tolerance) is passed over before its members' prices are summed; most teams are (83 % of them are
not allowed at all). Ties go to the first team, as with ``numpy.argmax``.

Numba compiles them on first use and caches the machine code next to this file (as
:mod:`matcher.team_kernel`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["best_priced_teams", "top_reduced_teams"]


@njit(cache=True, nogil=True)
def best_priced_teams(
    values,  # (n, P) float32 team values, -inf: not allowed
    orgs,  # (n, M) int64 organization of each candidate slot, -1: empty
    members,  # (P, G) int64 slot indices, -1 padded
    size,  # (P,) int64 team sizes
    price,  # (n_orgs,) float64 prices
    best,  # (n,) float64 out: the best reduced value (-inf when no team is allowed)
    arg,  # (n,) int64 out: its team
):
    n, n_patterns = values.shape
    m_slots = orgs.shape[1]
    slot_price = np.zeros(m_slots)
    for r in range(n):
        priced = False
        negative = False
        for m in range(m_slots):
            o = orgs[r, m]
            x = price[o] if o >= 0 else 0.0
            slot_price[m] = x
            if x != 0.0:
                priced = True
                if x < 0.0:
                    negative = True
        b = -np.inf
        a = 0
        for p in range(n_patterns):
            v = np.float64(values[r, p])
            if v <= b and not negative:
                continue  # its members' prices can only lower it
            if priced:
                for i in range(size[p]):
                    v -= slot_price[members[p, i]]
            if v > b:
                b = v
                a = p
        best[r] = b
        arg[r] = a


@njit(cache=True, nogil=True)
def top_reduced_teams(
    values,  # (n, P) float32 team values, -inf: not allowed
    slot_row,  # (n, M) int64 capacity row of each slot, -1: uncontested (no price)
    members,  # (P, G) int64 slot indices, -1 padded
    size,  # (P,) int64 team sizes
    pi,  # (n_rows,) float64 capacity prices, >= 0
    mu,  # (n,) float64 village prices, >= 0
    tol,  # (n,) float64: a team is priced in only above this reduced value
    top,  # (n, k) int64 out: the best teams priced in, best first, -1 padded
    top_value,  # (n, k) float64 out: their reduced values
):
    """Each village's ``k`` best teams at reduced value ``value − Σ π − μ`` above ``tol``."""
    n, n_patterns = values.shape
    m_slots = slot_row.shape[1]
    k = top.shape[1]
    slot_price = np.zeros(m_slots)
    for r in range(n):
        for m in range(m_slots):
            c = slot_row[r, m]
            slot_price[m] = pi[c] if c >= 0 else 0.0
        for j in range(k):
            top[r, j] = -1
            top_value[r, j] = -np.inf
        floor = tol[r]  # the k-th best so far once there are k, else tol
        for p in range(n_patterns):
            v = np.float64(values[r, p]) - mu[r]
            if v <= floor:
                continue  # its members' prices can only lower it
            for i in range(size[p]):
                v -= slot_price[members[p, i]]
            if v <= floor:
                continue
            j = k - 1  # insert, keeping the first of equal values ahead
            while j > 0 and top_value[r, j - 1] < v:
                top_value[r, j] = top_value[r, j - 1]
                top[r, j] = top[r, j - 1]
                j -= 1
            top_value[r, j] = v
            top[r, j] = p
            if top[r, k - 1] >= 0:
                floor = max(tol[r], top_value[r, k - 1])
