"""The compiled loops that price every team of every village during the formation.

- :func:`best_priced_teams`: each village's best team at ``value − Σ price of its members``, for
  the starting prices and the Lagrangian bound (:mod:`matcher.bounds`);
- :func:`top_reduced_teams`: each village's 8 best teams at ``value − Σ capacity duals − village
  dual``, for each round of the column generation (:mod:`matcher.colgen`);
- :func:`greedy_teams`: the greedy formation (villages one by one, each its best team that fits;
  :func:`matcher.formation.greedy`), and :func:`best_free_teams`: each village's best team of
  uncontested organizations (a column the master LP always starts with). Their array versions
  masked every team of a village (a villages × teams temporary, or one team × slot mask per
  village): 1.4 s and 1.8 s of a development city's 13 s at 48 candidates a village (session 44).

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

__all__ = [
    "best_priced_teams",
    "best_priced_sorted",
    "allowed_by_value",
    "top_reduced_teams",
    "greedy_teams",
    "best_free_teams",
]


@njit(cache=True, nogil=True)
def _slot_prices(rows, price, out):
    """``out[m]``: the price of slot ``m``'s row (organization or capacity row; -1: none, 0)."""
    for m in range(len(rows)):
        c = rows[m]
        out[m] = price[c] if c >= 0 else 0.0


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
        _slot_prices(slot_row[r], pi, slot_price)
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


@njit(cache=True, nogil=True)
def greedy_teams(
    values,  # (n, P) float32 team values, -inf: not allowed
    orgs,  # (n, M) int64 organization of each candidate slot, -1: empty
    members,  # (P, G) int64 slot indices, -1 padded
    size,  # (P,) int64 team sizes
    cap,  # (n_orgs,) int64 capacity left, lowered as teams are taken
    order,  # (k,) int64 village rows, in the order they choose
    chosen,  # (n,) int64 out: each row's team, -1 where none fits (filled by the caller)
):
    """Each village in ``order`` takes its best team whose members all have capacity left."""
    n_patterns = values.shape[1]
    for r in order:
        b = -np.inf
        a = -1
        for p in range(n_patterns):
            v = values[r, p]
            if not v > b:
                continue  # ties go to the first team, as with numpy.argmax
            fits = True
            for i in range(size[p]):
                o = orgs[r, members[p, i]]
                if o < 0 or cap[o] <= 0:
                    fits = False
                    break
            if fits:
                b = v
                a = p
        if a >= 0:
            chosen[r] = a
            for i in range(size[a]):
                cap[orgs[r, members[a, i]]] -= 1


@njit(cache=True, nogil=True)
def best_free_teams(
    values,  # (n, P) float32 team values, -inf: not allowed
    slot_row,  # (n, M) int64 capacity row of each slot, -1: uncontested
    members,  # (P, G) int64 slot indices, -1 padded
    size,  # (P,) int64 team sizes
    arg,  # (n,) int64 out: each row's best team without a contested slot, -1: none
):
    """Each village's best team none of whose members is contested (always feasible together)."""
    n, n_patterns = values.shape
    for r in range(n):
        b = -np.inf
        a = -1
        for p in range(n_patterns):
            v = values[r, p]
            if not v > b:
                continue
            free = True
            for i in range(size[p]):
                if slot_row[r, members[p, i]] >= 0:
                    free = False
                    break
            if free:
                b = v
                a = p
        arg[r] = a


@njit(cache=True, nogil=True)
def allowed_by_value(values):
    """Each row's allowed teams (finite value), best first, the first team first on ties: ``(start,
    teams)``, row ``r``'s being ``teams[start[r]:start[r + 1]]``."""
    n, n_patterns = values.shape
    start = np.zeros(n + 1, np.int64)
    for r in range(n):
        count = 0
        for p in range(n_patterns):
            if values[r, p] > -np.inf:
                count += 1
        start[r + 1] = start[r] + count
    teams = np.empty(start[n], np.int64)
    for r in range(n):
        idx = np.empty(start[r + 1] - start[r], np.int64)
        key = np.empty(len(idx))
        j = 0
        for p in range(n_patterns):
            if values[r, p] > -np.inf:
                idx[j] = p
                key[j] = -np.float64(values[r, p])
                j += 1
        order = np.argsort(key, kind="mergesort")  # stable: equal values keep the team order
        for j in range(len(idx)):
            teams[start[r] + j] = idx[order[j]]
    return start, teams


@njit(cache=True, nogil=True)
def best_priced_sorted(
    values,  # (n, P) float32 team values, -inf: not allowed
    start,  # (n + 1,) int64, teams  # (K,) int64: :func:`allowed_by_value`
    teams,
    orgs,  # (n, M) int64 organization of each candidate slot, -1: empty
    members,  # (P, G) int64 slot indices, -1 padded
    size,  # (P,) int64 team sizes
    price,  # (n_orgs,) float64 prices, all >= 0
    best,  # (n,) float64 out
    arg,  # (n,) int64 out
):
    """:func:`best_priced_teams` over each row's allowed teams best first, for prices that are
    never negative: a team whose value is below the best reduced value so far ends the row (no
    later team can reach it), so a row looks at a handful of teams instead of all of them."""
    n = values.shape[0]
    m_slots = orgs.shape[1]
    slot_price = np.zeros(m_slots)
    for r in range(n):
        _slot_prices(orgs[r], price, slot_price)
        b = -np.inf
        a = 0
        for j in range(start[r], start[r + 1]):
            p = teams[j]
            v = np.float64(values[r, p])
            if v < b:
                break
            for i in range(size[p]):
                v -= slot_price[members[p, i]]
            if v > b or (v == b and p < a):
                b = v
                a = p
        best[r] = b
        arg[r] = a
