"""Team columns: the LP over whole teams priced with capacity duals, then a MIP with HiGHS.

The master problem chooses at most one team (column) per village with every organization within
its capacity left. Only *contested* organizations (candidates of more villages than they have
capacity for) need a capacity row; a village none of whose candidates is contested simply takes its
best team. The rest splits into components (villages linked by contested organizations); a
component larger than ``block`` villages is cut into compact blocks by recursive coordinate
bisection, solved one after the other, each with the capacity the earlier ones left. Per block:

1. start with each village's best team, its best team without contested organizations and its
   best few teams at capacity prices from a few subgradient steps of the Lagrangian dual (Polyak
   steps towards the greedy's value): the first LP then starts near the optimum's columns, and
   the re-solves that cost most (tens of thousands of simplex iterations each while the duals
   are still far off) are mostly not needed;
2. solve the LP relaxation with HiGHS; price every team pattern of every village with the duals
   (``value - sum of capacity duals - village dual``, a compiled loop:
   :func:`matcher.price_kernel.top_reduced_teams`) and add the best few with positive reduced
   cost (up to ``per_round`` per village); repeat until none is left (the LP is then optimal over
   *all* teams of the block). More columns per round mean fewer of the expensive re-solves: on the
   province world 8 per round took 15.5 s of CPU against 28.1 s with 3 and 59 s with 1, and ended
   at the same LP optimum. Columns priced far below zero (``drop_below``) leave the master between
   rounds: they are out of the basis and only slow the re-solves down;
3. keep the villages whose LP choice is already whole; where the LP splits many villages, fix the
   surest of them and solve the LP again (a dive); solve the MIP over the generated columns of the
   villages still split (HiGHS, deterministic, limited in nodes; :mod:`matcher.rounding`).

Any non-negative capacity prices give an upper bound on the optimum (Lagrangian relaxation:
``sum_v max(0, max_team value - prices) + sum_o price_o · capacity_o``); the bound from the blocks'
duals is reported, so the gap is known even where no exact solver can go.
"""

from __future__ import annotations

import time
from typing import NamedTuple

import highspy
import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from .bounds import lagrangian_bound, starting_prices, tighten_bound
from .formation import greedy
from .highs import new_highs
from .price_kernel import best_free_teams, top_reduced_teams
from .rounding import round_master
from .teams import Patterns

__all__ = ["column_generation", "new_highs", "lagrangian_bound", "split_blocks"]

#: subgradient steps for the starting prices (``bounds.tighten_bound``). Measured on the quality
#: bench's dev_service_specialists province (9,600 villages in one block, 20 / 8 lists): the LP
#: re-solves took 77 s over 13 rounds from the plain start, 9 s over 5 rounds after 30 steps
#: (7 s), to the same LP optimum.
START_STEPS = 30
#: a block of at least this many villages solves its first LP by interior point with crossover
#: (``_Master.solve_lp``); smaller ones by the dual simplex, as before
INTERIOR_FIRST_VILLAGES = 5_000
#: simplex iterations one re-solve or dive may take, and a block all of them after its first LP.
#: A block that reaches either is *out of work*: the round that ran out is taken back, the last
#: optimal master is rounded and its split villages take their largest LP share that fits, then
#: any team that fits (``rounding.round_master``). A limit of work, so the same on any machine.
#: Where the values are flat the LP crawls (a province world with a party-branch term: 56,000
#: iterations for one re-solve at 1,000 a second, then as many in dives); eleven province worlds of
#: the quality bench without that term took at most 16,129 in one solve and 26,192 in all
#: (session 23, bench/bench_formation_lp.py).
LP_SOLVE_LIMIT = 25_000
LP_WORK_LIMIT = 60_000
_NO_LIMIT = 2**31 - 1


class _Master:
    """The restricted master LP of one block."""

    def __init__(self, values, slot_row, caps, pats: Patterns, seed: int):
        self.values = values  # (n, P) float32
        self.slot_row = slot_row  # (n, M): local capacity row of each slot, -1 = uncontested
        self.caps = caps
        self.pats = pats
        self.n = len(values)
        self.cols_r: list[int] = []
        self.cols_p: list[int] = []
        self.seen = np.zeros(values.shape, bool)
        self.seed = seed
        self.work_left = LP_WORK_LIMIT  # simplex iterations left after the first LP
        self._undo: tuple = (0, None)
        self.h = new_highs(seed)
        lp = highspy.HighsLp()
        lp.num_col_ = 0
        lp.num_row_ = self.n + len(caps)
        lp.row_lower_ = np.full(lp.num_row_, -highspy.kHighsInf)
        lp.row_upper_ = np.concatenate([np.ones(self.n), caps.astype(float)])
        lp.sense_ = highspy.ObjSense.kMaximize
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.zeros(1, np.int32)
        self.h.passModel(lp)

    def entries(self, r: int, p: int) -> list[int]:
        slots = self.pats.members[p]
        cap_rows = self.slot_row[r, slots[slots >= 0]]
        return [r, *(self.n + cap_rows[cap_rows >= 0]).tolist()]

    def capacity_rows(self, rows: np.ndarray, pats: np.ndarray) -> np.ndarray:
        """(k, team size): the capacity row each member of column (row, team) uses, -1 = none."""
        slots = self.pats.members[pats]
        return np.where(slots >= 0, self.slot_row[rows[:, None], np.maximum(slots, 0)], -1)

    def add(self, rows: np.ndarray, pats: np.ndarray) -> int:
        rows, pats = np.asarray(rows, np.int64), np.asarray(pats, np.int64)
        code = np.unique(rows * len(self.pats) + pats)  # sorted: same columns, same order
        rows, pats = code // len(self.pats), code % len(self.pats)
        fresh = ~self.seen[rows, pats]
        rows, pats = rows[fresh], pats[fresh]
        if len(rows) == 0:
            return 0
        self.seen[rows, pats] = True
        self.cols_r.extend(rows.tolist())
        self.cols_p.extend(pats.tolist())
        cap_rows = self.capacity_rows(rows, pats)
        entries = np.column_stack([rows, np.where(cap_rows >= 0, cap_rows + self.n, -1)])
        filled = entries >= 0
        counts = filled.sum(axis=1)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
        index = entries[filled].astype(np.int32)
        k = len(rows)
        self.h.addCols(
            k,
            self.values[rows, pats].astype(np.float64),
            np.zeros(k),
            np.ones(k),
            len(index),
            starts,
            index,
            np.ones(len(index)),
        )
        return k

    def drop(self, mu: np.ndarray, pi: np.ndarray, below: np.ndarray) -> int:
        """Remove the columns whose reduced cost is under ``-below`` of their village.

        They are non-basic at 0 (a basic or chosen column prices at ≥ 0), so the LP's solution and
        basis stay; a dropped column may come back when its price turns positive again.
        """
        rows, pats = np.asarray(self.cols_r, np.int64), np.asarray(self.cols_p, np.int64)
        cap_rows = self.capacity_rows(rows, pats)
        priced = np.where(cap_rows >= 0, pi[np.maximum(cap_rows, 0)], 0.0).sum(axis=1)
        gone = self.values[rows, pats] - priced - mu[rows] < -below[rows]
        if not gone.any():
            return 0
        index = np.flatnonzero(gone).astype(np.int32)
        self.h.deleteCols(len(index), index)
        self.seen[rows[gone], pats[gone]] = False
        self.cols_r, self.cols_p = rows[~gone].tolist(), pats[~gone].tolist()
        return len(index)

    def solve_lp(self, interior: bool = False) -> tuple[float, np.ndarray, np.ndarray]:
        """Solve the LP from scratch; ``interior``: by interior point with crossover (a vertex).

        The interior point method is for a large block's first LP: where many teams are worth
        nearly the same the dual simplex crawls there (a province world with a party-branch
        term: 206,342 iterations in 202 s, interior point 12 s; docs/matcher.md, *Party branches*).
        """
        if interior:
            self.h.setOptionValue("solver", "ipm")
            self.h.setOptionValue("run_crossover", "on")
        self.h.run()
        if interior:
            self.h.setOptionValue("solver", "simplex")
        return self.solution()

    def solution(self) -> tuple[float, np.ndarray, np.ndarray]:
        """LP value, village duals and capacity duals of the last solve."""
        dual = np.maximum(np.asarray(self.h.getSolution().row_dual), 0.0)
        return self.h.getInfo().objective_function_value, dual[: self.n], dual[self.n :]

    def add_round(self, rows: np.ndarray, pats: np.ndarray) -> int:
        """:meth:`add`, remembering how to take the round back (:meth:`resolve`)."""
        basis = self.h.getBasis()
        before = len(self.cols_r)
        added = self.add(rows, pats)
        self._undo = (before, basis)
        return added

    def run_within(self) -> bool:
        """Run the simplex from the current basis within the limits of work; False if it ran out.

        Work is counted in simplex iterations, so a block stops at the same point on a busy
        machine as on a quiet one."""
        self.h.setOptionValue(
            "simplex_iteration_limit", max(min(self.work_left, LP_SOLVE_LIMIT), 0)
        )
        self.h.run()
        self.h.setOptionValue("simplex_iteration_limit", _NO_LIMIT)
        self.work_left -= self.h.getInfo().simplex_iteration_count
        if self.h.getModelStatus() == highspy.HighsModelStatus.kIterationLimit:
            self.work_left = 0  # one solve that long: the rest would crawl the same way
            return False
        return True

    def restore(self, basis) -> None:
        """Back to a basis that was optimal (after the change that ran out of work is undone)."""
        self.h.setBasis(basis)
        self.h.run()

    def resolve(self) -> tuple[float, np.ndarray, np.ndarray] | None:
        """Re-solve after :meth:`add_round`; None (the round taken back) if the work ran out."""
        if self.run_within():
            return self.solution()
        before, basis = self._undo
        gone = np.arange(before, len(self.cols_r))
        self.h.deleteCols(len(gone), gone.astype(np.int32))
        self.seen[np.asarray(self.cols_r[before:]), np.asarray(self.cols_p[before:])] = False
        del self.cols_r[before:], self.cols_p[before:]
        self.restore(basis)
        return None

    def priced_in(self, mu: np.ndarray, pi: np.ndarray, k: int, tol: np.ndarray):
        """Rows and teams of each village's ``k`` best teams of reduced cost above ``tol``."""
        top = np.empty((self.n, min(k, len(self.pats))), np.int64)
        top_value = np.empty(top.shape, np.float64)
        top_reduced_teams(
            self.values,
            self.slot_row,
            self.pats.members,
            self.pats.size,
            np.ascontiguousarray(pi, np.float64),
            np.ascontiguousarray(mu, np.float64),
            np.ascontiguousarray(tol, np.float64),
            top,
            top_value,
        )
        r, j = np.nonzero(top >= 0)
        return r, top[r, j]

    def round(self, time_limit: float, lp_value: float) -> tuple[np.ndarray, int, int]:
        """Integral choice: whole LP columns kept, a dive and a MIP for the split villages."""
        return round_master(self, time_limit, lp_value)


def split_blocks(rows: np.ndarray, coords: np.ndarray | None, block: int) -> list[np.ndarray]:
    """Cut ``rows`` into pieces of at most ``block`` by recursive coordinate bisection.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 0.0], [5.0, 1.0]])
    >>> [b.tolist() for b in split_blocks(np.arange(4), xy, 2)]
    [[0, 1], [2, 3]]
    """
    if len(rows) <= block:
        return [rows]
    if coords is None:
        half = len(rows) // 2
        return split_blocks(rows[:half], None, block) + split_blocks(rows[half:], None, block)
    lat, lon = coords[rows, 0], coords[rows, 1]
    spread_lon = np.ptp(lon) * np.cos(np.radians(np.mean(lat)))
    key = lat if np.ptp(lat) >= spread_lon else lon
    order = np.lexsort((rows, key))
    half = len(rows) // 2
    return split_blocks(rows[order[:half]], coords, block) + split_blocks(
        rows[order[half:]], coords, block
    )


class _BlockResult(NamedTuple):
    """What one block's column generation gives back."""

    chosen: np.ndarray  # each village's team (-1: none)
    prices: np.ndarray  # the last LP's capacity duals
    rounds: int
    columns: int  # in the master at the end
    fractional: int  # villages the LP split
    dived: int  # of them, fixed by a dive
    dropped: int  # columns priced out between rounds
    out_of_work: bool  # reached LP_SOLVE_LIMIT or LP_WORK_LIMIT


def _solve_block(
    values, slot_row, caps, pats, seed, per_round, max_rounds, time_limit, drop_below, start_price
) -> _BlockResult:
    master = _Master(values, slot_row, caps, pats, seed)
    n = len(values)
    rows = np.arange(n)
    master.add(rows, np.argmax(values, axis=1))
    scale = np.maximum(1.0, np.abs(values.max(axis=1)))
    tol = 1e-6 * scale
    if start_price is not None and start_price.any():
        # the best few teams at the starting prices: what the optimum's columns likely are
        master.add(*master.priced_in(np.zeros(n), start_price, per_round, tol))
    # each village's best team without contested organizations: always feasible together
    free = np.full(n, -1, np.int64)
    best_free_teams(
        np.ascontiguousarray(values),
        np.ascontiguousarray(slot_row, dtype=np.int64),
        pats.members,
        pats.size.astype(np.int64),
        free,
    )
    master.add(rows[free >= 0], free[free >= 0])
    lp_value, pi, rounds, dropped = 0.0, np.zeros(len(caps)), 0, 0
    while rounds < max_rounds:
        rounds += 1
        solved = (
            master.solve_lp(interior=n >= INTERIOR_FIRST_VILLAGES)
            if rounds == 1
            else master.resolve()
        )
        if solved is None:
            break  # out of work: the last optimal master (this round taken back) gets rounded
        lp_value, mu, pi = solved
        r, picked = master.priced_in(mu, pi, per_round, tol)
        if master.seen[r, picked].all():
            break  # the LP is optimal over every team; its solution is what gets rounded
        if drop_below is not None and rounds > 1:
            # Columns far out of the basis only slow the re-solves down: on a province world the
            # master grew to 238,491 columns and one re-solve ran at 900 simplex iterations a
            # second (6,600 with the priced-out columns dropped; docs/matcher.md, "Formation: team columns").
            dropped += master.drop(mu, pi, drop_below * scale)
        master.add_round(r, picked)  # skips the columns it holds already
    chosen, n_frac, n_dived = master.round(time_limit, lp_value)
    return _BlockResult(
        chosen, pi, rounds, len(master.cols_r), n_frac, n_dived, dropped, master.work_left <= 0
    )


def column_generation(
    values: np.ndarray,
    orgs: np.ndarray,
    pats: Patterns,
    capacity_left: np.ndarray,
    order: np.ndarray,
    seed: int = 0,
    coords: np.ndarray | None = None,
    block: int = 12000,
    passes: int = 2,
    per_round: int = 8,
    max_rounds: int = 60,
    time_limit: float = 60.0,
    drop_below: float | None = 0.05,
    start_steps: int = START_STEPS,
) -> tuple[np.ndarray, dict]:
    """Chosen pattern per village row (-1 = none) and what the solver did.

    ``coords`` (n, 2) lat/lon of each row decides how a large component is cut into blocks.
    ``drop_below``: between pricing rounds, columns whose reduced cost is below minus this share of
    their village's best team value leave the master LP (None keeps every column).
    ``start_steps``: subgradient steps for the starting prices whose best teams the first LP
    starts with (0: only each village's best team and its best without contested organizations).

    Examples
    --------
    >>> from matcher.teams import patterns
    >>> pats = patterns(1, 1)  # two villages want the same organization of capacity 1
    >>> chosen, info = column_generation(np.array([[5.0], [9.0]]), np.array([[0], [0]]), pats,
    ...                                  np.array([1]), np.array([0, 1]))
    >>> chosen.tolist(), info["upper_bound"]
    ([-1, 0], 9.0)
    """
    start = time.perf_counter()
    n = len(values)
    chosen = np.full(n, -1, np.int64)
    has_team = np.isfinite(values).any(axis=1)
    if not has_team.any():  # no village has a possible team (no organization within reach)
        return chosen, {"method": "colgen", "upper_bound": 0.0, "seconds": 0.0}
    present = orgs >= 0
    r_idx, c_idx = np.nonzero(present)
    appear = np.bincount(orgs[r_idx, c_idx], minlength=len(capacity_left))
    contested = appear > capacity_left
    slot_contested = present & contested[np.maximum(orgs, 0)]
    touched = slot_contested.any(axis=1) & has_team
    easy = has_team & ~touched
    chosen[easy] = np.argmax(values[easy], axis=1)
    info: dict = {
        "method": "colgen",
        "components": 0,
        "blocks": 0,
        "largest_block": 0,
        "columns": 0,
        "rounds": 0,
        "fractional": 0,
        "dived": 0,
        "passes": 0,
        "dropped": 0,
        "out_of_work": 0,
    }
    price = np.zeros(len(capacity_left))
    cap = capacity_left.astype(np.int64)
    components: list[np.ndarray] = []
    rows_t = np.flatnonzero(touched)
    if len(rows_t):
        c_orgs = np.unique(orgs[rows_t][slot_contested[rows_t]])
        rr, cc = np.nonzero(slot_contested[rows_t])
        graph = sparse.csr_matrix(
            (np.ones(len(rr)), (rr, np.searchsorted(c_orgs, orgs[rows_t[rr], cc]))),
            shape=(len(rows_t), len(c_orgs)),
        )
        _, labels = connected_components(
            sparse.bmat([[None, graph], [graph.T, None]]), directed=False
        )
        labels = labels[: len(rows_t)]
        _, first = np.unique(labels, return_index=True)
        components = [rows_t[labels == labels[f]] for f in np.sort(first)]
    info["components"] = len(components)
    args = (seed, per_round, max_rounds, time_limit, drop_below, start_steps, price, info)
    for rows in components:
        if len(rows) <= block:  # the whole component at once: the LP bound is its own
            chosen[rows] = _block_choice(values, orgs, pats, cap, rows, *args)
            info["blocks"] += 1
            continue
        # too large for one LP: start from the greedy, then re-optimise one compact block at a time
        # with the capacity the rest leaves; each pass cuts the blocks differently, so what one
        # pass's boundary splits another pass solves together (the total never decreases)
        sub_rank = np.argsort(np.argsort(order))[rows]
        chosen[rows] = greedy(
            values[rows], orgs[rows], pats, cap, np.argsort(sub_rank, kind="stable")
        )
        for turn in range(passes):
            pieces = split_blocks(np.arange(len(rows)), _turned(coords, rows, turn), block)
            for piece in pieces:
                _improve(values, orgs, pats, cap, chosen, rows[piece], args)
            info["blocks"] += len(pieces)
            info["passes"] = max(info["passes"], turn + 1)
    bound = lagrangian_bound(values, orgs, pats, capacity_left, price)
    total = float(values[chosen >= 0, chosen[chosen >= 0]].astype(np.float64).sum())
    if info["passes"] and bound > total * (1 + 1e-4):  # block duals are loose across blocks
        # villages without contested candidates add their best team whatever the prices
        fixed = float(values[easy, chosen[easy]].astype(np.float64).sum())
        rows_b = np.flatnonzero(touched)
        sub, _ = tighten_bound(
            values[rows_b], orgs[rows_b], pats, capacity_left, price, total - fixed
        )
        bound = min(bound, sub + fixed)
    info["upper_bound"] = round(bound, 4)
    info["seconds"] = round(time.perf_counter() - start, 3)
    return chosen, info


def _turned(coords, rows, turn):
    """Coordinates of ``rows`` turned by 45° every other pass, so block boundaries move."""
    if coords is None:
        return None
    xy = coords[rows]
    if turn % 2 == 0:
        return xy
    return np.column_stack([xy[:, 0] + xy[:, 1], xy[:, 0] - xy[:, 1]]) / np.sqrt(2.0)


def _usage(orgs, pats, chosen, rows, n_orgs) -> np.ndarray:
    on = rows[chosen[rows] >= 0]
    slots = pats.members[chosen[on]]
    used = orgs[on[:, None], np.maximum(slots, 0)][slots >= 0]
    return np.bincount(used, minlength=n_orgs)


def _improve(values, orgs, pats, cap, chosen, rows, args) -> None:
    """Re-solve ``rows`` with what everyone else leaves of the capacity; keep it if not worse."""
    inside = _usage(orgs, pats, chosen, rows, len(cap))
    everyone = np.flatnonzero(chosen >= 0)
    avail = cap - (_usage(orgs, pats, chosen, everyone, len(cap)) - inside)
    got = _block_choice(values, orgs, pats, avail, rows, *args)
    old = chosen[rows]
    new_value = float(values[rows[got >= 0], got[got >= 0]].astype(np.float64).sum())
    old_value = float(values[rows[old >= 0], old[old >= 0]].astype(np.float64).sum())
    if new_value >= old_value:
        chosen[rows] = got


def _block_choice(
    values,
    orgs,
    pats,
    left,
    rows,
    seed,
    per_round,
    max_rounds,
    time_limit,
    drop_below,
    start_steps,
    price,
    info,
):
    """Solve one block with the capacity ``left``; record its duals into ``price``."""
    o = orgs[rows]
    present = o >= 0
    r_idx, c_idx = np.nonzero(present)
    appear = np.bincount(o[r_idx, c_idx], minlength=len(left))
    tight = appear > left
    slot_org = np.where(present & tight[np.maximum(o, 0)], o, -1)
    block_orgs = np.unique(slot_org[slot_org >= 0])
    slot_row = np.where(slot_org >= 0, np.searchsorted(block_orgs, np.maximum(slot_org, 0)), -1)
    start_price = None
    if len(block_orgs) and start_steps > 0:
        start_price = starting_prices(values[rows], o, pats, left, start_steps)[block_orgs]
    solved = _solve_block(
        values[rows],
        slot_row,
        left[block_orgs],
        pats,
        seed,
        per_round,
        max_rounds,
        time_limit,
        drop_below,
        start_price,
    )
    price[block_orgs] = solved.prices
    info["largest_block"] = max(info["largest_block"], len(rows))
    info["columns"] += solved.columns
    info["rounds"] = max(info["rounds"], solved.rounds)
    info["fractional"] += solved.fractional
    info["dived"] += solved.dived
    info["dropped"] += solved.dropped
    info["out_of_work"] += int(solved.out_of_work)
    return solved.chosen
