"""HiGHS, as the matcher uses it: silent, single-threaded (so deterministic), seeded."""

from __future__ import annotations

import os
import sys

import highspy
import numpy as np
from scipy import sparse

__all__ = ["MIP_GAP", "new_highs", "solve_packing_mip"]

#: relative gap at which a MIP stops by default (HiGHS's own default)
MIP_GAP = 1e-4

_BANNER_SHOWN = False


def new_highs(seed: int = 0, time_limit: float | None = None) -> highspy.Highs:
    """A silent, single-threaded (so deterministic) HiGHS instance."""
    global _BANNER_SHOWN
    if not _BANNER_SHOWN:  # HiGHS prints a banner on stdout once per process: keep stdout clean
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN = True
    else:
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", int(seed))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    return h


def solve_packing_mip(
    cost: np.ndarray,
    matrix: sparse.csc_matrix,
    row_upper: np.ndarray,
    seed: int = 0,
    time_limit: float | None = None,
    gap: float = MIP_GAP,
    max_nodes: int | None = None,
    abs_gap: float | None = None,
) -> tuple[np.ndarray | None, highspy.Highs]:
    """Maximise ``cost · x`` over binary ``x`` with ``matrix @ x <= row_upper``.

    Returns the solution (None when HiGHS found none within its limits) and the solver, for its
    bounds. ``max_nodes`` bounds the branch-and-bound tree: a limit of work, so a run that reaches
    it stops at the same point on a busy machine as on a quiet one (``time_limit`` does not).
    ``abs_gap``: also stop once the incumbent is within this much of the bound (whichever of the
    two gaps is reached first).

    Examples
    --------
    >>> m = sparse.csc_matrix(np.array([[1.0, 1.0]]))
    >>> x, _ = solve_packing_mip(np.array([3.0, 5.0]), m, np.array([1.0]))
    >>> x.tolist()
    [False, True]
    """
    k = len(cost)
    h = new_highs(seed, time_limit)
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = k, matrix.shape[0]
    lp.col_cost_ = np.asarray(cost, dtype=np.float64)
    lp.col_lower_, lp.col_upper_ = np.zeros(k), np.ones(k)
    lp.row_lower_ = np.full(lp.num_row_, -highspy.kHighsInf)
    lp.row_upper_ = np.asarray(row_upper, dtype=np.float64)
    lp.sense_ = highspy.ObjSense.kMaximize
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(np.float64)
    lp.integrality_ = [highspy.HighsVarType.kInteger] * k
    h.passModel(lp)
    h.setOptionValue("mip_rel_gap", float(gap))
    if abs_gap is not None:
        h.setOptionValue("mip_abs_gap", float(abs_gap))
    if max_nodes is not None:
        h.setOptionValue("mip_max_nodes", int(max_nodes))
    h.run()
    x = np.asarray(h.getSolution().col_value)
    if len(x) != k or h.getInfo().primal_solution_status != 2:
        return None, h
    return x > 0.5, h
