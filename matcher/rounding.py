"""Whole teams from a block's fractional LP solution: dive while many villages are split, then a MIP.

The master LP of :mod:`matcher.colgen` ends with most villages on one whole team and some split
between several. Those split villages are decided by a packing MIP over their generated columns
(HiGHS), with the capacity the whole ones leave. On a province world thousands of villages can be
split, and that MIP's root (cuts, then sub-MIP heuristics) is slow: the quality bench's
dev_service_specialists province at 24 / 8 lists left 2,959 villages split and the MIP ran into
its 60 s safety net at 0.077 % of the bound, where the result depends on the machine's speed.

So while more than :data:`LARGE_SUB_MIP` villages are split, the LP *dives*: the quarter of the
split villages whose favourite column is surest (share of the LP at least :data:`DIVE_MIN_X`) are
fixed to it, where the capacity allows, and the LP is solved again from its basis (a fraction of a
second). On that world five dives (2.6 s in all) left 1,161 villages split, their MIP took 3.6 s, the
formation 116 -> 55 s, and the teams came within 0.053 % of the bound (better than the 60 s MIP).
Fixing all columns at 0.5 or more in one go lost 0.51 %; a threshold of 0.6 lost 0.10 %, 0.9
0.075 % (docs/matcher.md, *Dives*).
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from .highs import MIP_GAP, solve_packing_mip

__all__ = [
    "round_master",
    "MIP_MAX_NODES",
    "LARGE_SUB_MIP",
    "DIVE_MIN_X",
    "DIVE_SHARE",
]

#: branch-and-bound nodes a sub-MIP may take: a limit of work, reached at the same point on any
#: machine (the wall-time limit is only the safety net). Measured (session 9): the sub-MIPs of the
#: sample, the city, the demo province and the quality bench's slowest province close at the root
#: (1 node, up to 13,618 columns); the party-branch block (docs/matcher.md) once kept a city's
#: sub-MIP 45 s proving an optimum it held.
MIP_MAX_NODES = 2_000
#: a sub-MIP over more villages than this stops at a relative gap of ``LARGE_SUB_MIP_GAP`` instead
#: of ``MIP_GAP`` (1e-4): with 20 / 8 lists the quality bench's dev_service_specialists province left
#: 2,611 villages fractional, and its sub-MIP (27,074 columns) took 31 s of cuts and sub-MIP
#: heuristics at the root to reach 0.09 % and ran into the 60 s safety net at 1e-4 — where the
#: result depends on the machine's speed. 1e-3 of the sub-MIP is well under 1e-3 of the block.
#: Above it the LP also dives first (module docstring). 1,000 until session 19: with the
#: ``partner_complement`` term (groups of three and four) the same generator's *city* left 172 of
#: 288 villages split, and their sub-MIP spent its 2,000 nodes (13 s) short of 1e-4; at 100 two
#: dives fix 76 villages, the formation takes 3.0 s instead of 15.3 s, 0.067 % from the bound. 50
#: since session 44: with 48 / 14 lists the demo city left 87 villages split after its dives, and
#: their sub-MIP took 2.4 s of a 4.2 s formation to 1e-4; at 50 the formation takes 1.5 s and ends
#: 0.004 % lower (971.05 against 971.09, both 0.06 % from the bound).
LARGE_SUB_MIP = 50
LARGE_SUB_MIP_GAP = 1e-3
#: ... and also once it is within this share of its block's LP value: with the starting prices of
#: session 11, the same world's sub-MIP (2,611 villages, 22,244 columns) reached 0.136 % of its own
#: value (0.038 % of the block's) at the root after 40 s and would have run into the 60 s safety net
#: at 1e-3 alone. Either way the block ends within 0.05 % of its LP bound.
LARGE_SUB_MIP_BLOCK_GAP = 5e-4
#: a split village is fixed to its favourite column in a dive only if the LP gives it this share
DIVE_MIN_X = 0.75
#: at most this share of the split villages is fixed per dive (the surest first)
DIVE_SHARE = 0.25
#: dives before the MIP takes whatever is still split
MAX_DIVES = 20


def _split(master, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Columns at 1 and the villages the LP splits between several columns."""
    cols_r = np.asarray(master.cols_r)
    whole = x > 1.0 - 1e-6
    split = np.setdiff1d(np.unique(cols_r[x > 1e-6]), cols_r[whole])
    return whole, split


def _capacity_used(master, columns: np.ndarray) -> np.ndarray:
    used = np.zeros(len(master.caps), np.int64)
    for j in columns.tolist():
        rows = np.asarray(master.entries(master.cols_r[j], master.cols_p[j])[1:], np.int64)
        np.add.at(used, rows - master.n, 1)
    return used


def _dive(master, x: np.ndarray, split: np.ndarray, fixed: np.ndarray) -> int:
    """Fix the surest split villages to their favourite column (bounds 1..1); how many were."""
    cols_r = np.asarray(master.cols_r)
    used = _capacity_used(master, np.flatnonzero((x > 1.0 - 1e-6) | fixed))
    sure = np.flatnonzero((x >= DIVE_MIN_X) & (x <= 1.0 - 1e-6) & np.isin(cols_r, split))
    sure = sure[np.argsort(-x[sure], kind="stable")][: max(1, int(DIVE_SHARE * len(split)))]
    taken = np.zeros(master.n, bool)
    new = []
    for j in sure.tolist():
        r = int(cols_r[j])
        rows = np.asarray(master.entries(r, master.cols_p[j])[1:], np.int64) - master.n
        if not taken[r] and (used[rows] < master.caps[rows]).all():
            np.add.at(used, rows, 1)
            taken[r] = True
            new.append(j)
    if new:
        index = np.asarray(new, np.int32)
        basis = master.h.getBasis()
        master.h.changeColsBounds(len(index), index, np.ones(len(index)), np.ones(len(index)))
        if not master.run_within():  # out of work: undo the dive
            master.h.changeColsBounds(len(index), index, np.zeros(len(index)), np.ones(len(index)))
            master.restore(basis)
            return 0
        fixed[index] = True
    return len(new)


def round_master(master, time_limit: float, lp_value: float) -> tuple[np.ndarray, int, int]:
    """Integral choice per village of a solved master LP, how many villages it split and how many
    of those a dive fixed.

    ``master`` is a block's master LP of :mod:`matcher.colgen`, solved; ``lp_value`` its LP
    value. Whole LP columns are kept; while more than :data:`LARGE_SUB_MIP` villages are split the
    LP dives; a packing MIP decides the villages still split.

    Examples
    --------
    Two villages want the one place of organization 0; village 1 values it more:

    >>> from matcher.colgen import column_generation
    >>> from matcher.teams import patterns
    >>> chosen, info = column_generation(np.array([[5.0], [9.0]]), np.array([[0], [0]]),
    ...                                  patterns(1, 1), np.array([1]), np.array([0, 1]))
    >>> chosen.tolist()
    [-1, 0]
    """
    x = np.asarray(master.h.getSolution().col_value)
    whole, split = _split(master, x)
    n_split = len(split)
    fixed = np.zeros(len(x), bool)
    for _ in range(MAX_DIVES):
        if len(split) <= LARGE_SUB_MIP or master.work_left <= 0:
            break
        if _dive(master, x, split, fixed) == 0:
            break
        x = np.asarray(master.h.getSolution().col_value)
        whole, split = _split(master, x)
    cols_r, cols_p = np.asarray(master.cols_r), np.asarray(master.cols_p)
    chosen = np.full(master.n, -1, np.int64)
    chosen[cols_r[whole]] = cols_p[whole]
    if len(split) == 0:
        return chosen, n_split, int(fixed.sum())
    keep = np.isin(cols_r, split)
    left = master.caps - _capacity_used(master, np.flatnonzero(whole))
    if len(split) > LARGE_SUB_MIP and master.work_left <= 0:
        # its root LP would crawl like the master's: the largest shares first, as they fit
        order = np.lexsort((-master.values[cols_r, cols_p], -x))
        chosen[split] = _first_fit(master, order[keep[order]], split, left)
        _fill(master, chosen)
        return chosen, n_split, int(fixed.sum())
    chosen[split] = _sub_mip(master, np.flatnonzero(keep), split, left, time_limit, lp_value)
    return chosen, n_split, int(fixed.sum())


def _first_fit(master, columns: np.ndarray, rows: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Each of ``rows`` takes the first of ``columns`` (master columns, in order) that fits."""
    out = np.full(len(rows), -1, np.int64)
    local = np.searchsorted(rows, np.asarray(master.cols_r)[columns])
    cap_rows = master.capacity_rows(
        np.asarray(master.cols_r)[columns], np.asarray(master.cols_p)[columns]
    )
    left = np.maximum(caps, 0).astype(np.int64)
    for i, j in enumerate(columns.tolist()):
        used = cap_rows[i][cap_rows[i] >= 0]
        if out[local[i]] < 0 and (left[used] > 0).all():
            out[local[i]] = master.cols_p[j]
            left[used] -= 1
    return out


def _sub_mip(master, columns, rows, caps, time_limit, block_lp_value) -> np.ndarray:
    """Best of ``columns`` (master columns of ``rows``) under capacities ``caps`` (HiGHS MIP).

    Without a solution in time each village takes, best column first, the first that still fits
    (:func:`_first_fit`). A sub-MIP over more than :data:`LARGE_SUB_MIP` villages also stops
    within :data:`LARGE_SUB_MIP_BLOCK_GAP` of ``block_lp_value``, its block's LP value."""
    cols_r = np.asarray(master.cols_r)[columns]
    cols_p = np.asarray(master.cols_p)[columns]
    local = np.searchsorted(rows, cols_r)
    n, k = len(rows), len(cols_r)
    entries_r, entries_c = [], []
    for j, (r, p) in enumerate(zip(cols_r.tolist(), cols_p.tolist(), strict=True)):
        e = master.entries(r, p)
        entries_r.extend([int(local[j]), *[n + x - master.n for x in e[1:]]])
        entries_c.extend([j] * len(e))
    mat = sparse.csc_matrix(
        (np.ones(len(entries_r)), (entries_r, entries_c)), shape=(n + len(caps), k)
    )
    cost = master.values[cols_r, cols_p].astype(np.float64)
    row_upper = np.concatenate([np.ones(n), np.maximum(caps, 0).astype(float)])
    large = n > LARGE_SUB_MIP
    got, _ = solve_packing_mip(
        cost,
        mat,
        row_upper,
        master.seed,
        time_limit,
        gap=LARGE_SUB_MIP_GAP if large else MIP_GAP,
        max_nodes=MIP_MAX_NODES,
        abs_gap=LARGE_SUB_MIP_BLOCK_GAP * abs(block_lp_value) if large else None,
    )
    if got is None:
        return _first_fit(master, columns[np.argsort(-cost, kind="stable")], rows, caps)
    out = np.full(n, -1, np.int64)
    out[local[got]] = cols_p[got]
    return out


def _fill(master, chosen: np.ndarray) -> None:
    """Villages left without a team take their best team (any, generated or not) that fits.

    The capacity left is what the chosen teams leave; the villages go best team value first."""
    caps = master.caps.astype(np.int64).copy()
    on = np.flatnonzero(chosen >= 0)
    used = master.capacity_rows(on, chosen[on])
    np.subtract.at(caps, used[used >= 0], 1)
    members = master.pats.members
    empty = np.flatnonzero((chosen < 0) & np.isfinite(master.values).any(axis=1))
    for r in empty[np.argsort(-master.values[empty].max(axis=1), kind="stable")].tolist():
        rows = np.where(members >= 0, master.slot_row[r, np.maximum(members, 0)], -1)
        fits = ((rows < 0) | (caps[np.maximum(rows, 0)] > 0)).all(axis=1)
        value = np.where(fits, master.values[r], -np.inf)
        best = int(np.argmax(value))
        if np.isfinite(value[best]):
            chosen[r] = best
            taken = rows[best][rows[best] >= 0]
            caps[taken] -= 1
