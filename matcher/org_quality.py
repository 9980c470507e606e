"""How good each organization is, with its partners' part taken out: one ridge a year.

A project's residual (its review less what anyone can see, :mod:`matcher.effects`) is shared by
its members. Averaging it per organization credits a weak organization with a strong partner's
work, which matters most in sparse histories where an organization has one or two projects. So
the qualities are fitted *jointly*, as a mixed model's random effects: the residual of a project
is the mean of its members' qualities, each quality shrunk towards 0 by the pseudo-count
``σ² / τ²`` (a ridge penalty; for an organization that always worked alone this is exactly the
shrunk mean).

Training rows must only see the history before them, so the fit is repeated at every 1 January
of the history: a project reviewed in year Y is described by the qualities fitted on the reviews
before that year (:meth:`JointQuality.at`); a recommendation uses the fit on every review. On the
quality bench's development worlds the Spearman correlation of the estimates with the hidden
quality rose from 0.48 / 0.37 / 0.52 (per-organization shrunk means) to 0.56 / 0.44 / 0.63.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import lsqr

__all__ = ["JointQuality", "year_starts"]

_EPOCH = np.datetime64("1970-01-01", "D")


def year_starts(t: np.ndarray) -> np.ndarray:
    """1 January (days since 1970) of every year after the first one that has a known ``t``.

    Examples
    --------
    >>> days = (np.array(["2019-05-01", "2021-02-03"], dtype="datetime64[D]") - _EPOCH)
    >>> year_starts(days.astype(float)).tolist()
    [18262.0, 18628.0]
    """
    known = np.asarray(t, dtype=float)
    known = known[np.isfinite(known)]
    if len(known) == 0:
        return np.zeros(0)
    first = (_EPOCH + int(known.min())).astype("datetime64[Y]").astype(int) + 1970
    last = (_EPOCH + int(known.max())).astype("datetime64[Y]").astype(int) + 1970
    years = np.arange(first + 1, last + 1)
    starts = np.array([np.datetime64(f"{y}-01-01", "D") for y in years], dtype="datetime64[D]")
    return (starts - _EPOCH).astype(float)


class JointQuality:
    """Organization qualities fitted on the reviews before each 1 January, and on all of them.

    Parameters
    ----------
    members : scipy.sparse.csr_matrix
        Projects × organizations, 1 where the organization took part.
    t : array of float
        Review day of each project (days since 1970; NaN: unknown, used only in the full fit).
    residual : array of float
        Each project's residual (review points).
    k : float
        The pseudo-count ``σ² / τ²`` (ridge penalty).

    Examples
    --------
    A strong organization (0) and the weak ones it worked with (1, 2):

    >>> members = sparse.csr_matrix(np.array([[1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 0, 0]]))
    >>> q = JointQuality(members, np.array([10.0, 20, 30, 40]), np.array([5.0, 5, -5, 10]), 1.0)
    >>> est = q.at(np.array([0, 1, 2]), np.inf)
    >>> bool(est[0] > 0 > max(est[1], est[2]))
    True
    """

    def __init__(self, members: sparse.csr_matrix, t: np.ndarray, residual: np.ndarray, k: float):
        self.n_orgs = members.shape[1]
        size = np.maximum(np.diff(members.indptr), 1)
        design = sparse.diags(1.0 / size) @ members.astype(float)
        design = design.tocsr()
        self.k = float(k)
        t = np.asarray(t, dtype=float)
        self.cuts = year_starts(t)
        fits = []
        start = np.zeros(self.n_orgs)
        for cut in self.cuts:
            rows = np.flatnonzero(t < cut)
            start = self._solve(design[rows], residual[rows], start)
            fits.append(start)
        fits.append(self._solve(design, residual, start))
        self.fits = np.array(fits, dtype=np.float32)  # (len(cuts) + 1, n_orgs); last: all

    def _solve(self, design, y, start: np.ndarray) -> np.ndarray:
        if design.shape[0] == 0:
            return np.zeros(self.n_orgs)
        damp = np.sqrt(self.k)
        fit = lsqr(design, y, damp=damp, x0=start, atol=1e-6, btol=1e-6, iter_lim=1000)
        return fit[0]

    def at(self, o, t=np.inf) -> np.ndarray:
        """Quality of organizations ``o`` as known before ``t`` (+inf: now; NaN: nothing known)."""
        o = np.asarray(o, dtype=np.int64)
        t = np.broadcast_to(np.asarray(t, dtype=float), o.shape)
        which = np.searchsorted(self.cuts, np.nan_to_num(t, nan=-np.inf), side="right") - 1
        which = np.where(np.isposinf(t), len(self.cuts), which)
        out = self.fits[np.maximum(which, 0), o].astype(float)
        return np.where(which >= 0, out, 0.0)
