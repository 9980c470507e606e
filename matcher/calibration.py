"""Calibration: how the model's predictions compare with reviewed outcomes it never saw.

The held-out projects are those of the time split's test year (see :mod:`matcher.evaluation`):
predicted with a model fitted on earlier years and features known before the cut. From them come

- the calibration table: bins of predicted score with their mean predicted and mean reviewed score;
- the spread of the error by *evidence* — how much reviewed history stands behind a group (mean
  reviewed projects per member plus reviewed joint projects of its pairs). A group of unknowns is
  predicted from capability level and distance alone, and its real outcome can be far off; that
  spread is each recommendation's uncertainty, so an officer knows which groups to check by hand.

The interface with the model is :class:`HeldOut`: ``evaluate_time_split(..., keep_predictions=True)``
returns one beside its metrics, and :func:`~matcher.scoring.fit_scorer` keeps it as
``Scorer.held_out``, so calibration shows the model that was evaluated and fits nothing more;
:func:`held_out_predictions` asks the evaluation for it when a scorer has none.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .collaboration import History, pairs_of
from .errors import MatcherError
from .evaluation import evaluate_time_split
from .result import Calibration, CalibrationBin, EvidenceBand, Recommendation
from .snapshot import Snapshot

__all__ = [
    "HeldOut",
    "EVIDENCE_EDGES",
    "group_evidence",
    "held_out_predictions",
    "calibrate",
    "uncertainty_of",
    "flag_most_uncertain",
    "attach_uncertainty",
]

#: evidence bands (lower edges); the last is open
EVIDENCE_EDGES = (0.0, 1.0, 3.0, 6.0, 12.0)
#: a band with fewer held-out projects than this borrows the spread of all of them
MIN_BAND = 20
#: the share of a run's recommendations flagged for a check by hand (the most uncertain)
CHECK_SHARE = 0.1


@dataclass(frozen=True)
class HeldOut:
    """Out-of-time predictions: ``predicted`` and ``reviewed`` scores (0..100) and ``evidence``
    (:func:`group_evidence` at the cut) of the test year's projects, ``predicted`` as the team
    loop values a team (:func:`matcher.loop_reading.loop_predictions`); ``without_groups`` the
    same model's predictions without group terms (what is shown when those are not used)."""

    test_year: int
    predicted: np.ndarray
    reviewed: np.ndarray
    evidence: np.ndarray
    without_groups: np.ndarray | None = None


def group_evidence(hist: History, group: np.ndarray, t=np.inf) -> np.ndarray:
    """Evidence behind padded groups (``-1`` = empty slot), as known before ``t``.

    Mean reviewed projects per member plus the reviewed projects shared by its pairs.

    Examples
    --------
    >>> from graph_schema.contract.interchange import read_data  # doctest: +SKIP
    >>> group_evidence(History(snap), np.array([[0, 1], [2, -1]]))  # doctest: +SKIP
    array([4.5, 0. ])
    """
    group = np.asarray(group, dtype=np.int64).reshape(len(group), -1)
    n_rows = len(group)
    t_rows = np.broadcast_to(np.asarray(t, dtype=float), (n_rows,))
    r, c = np.nonzero(group >= 0)
    n, _ = hist.org_record(group[r, c], t_rows[r])
    size = np.maximum((group >= 0).sum(axis=1), 1)
    out = np.bincount(r, n.astype(float), minlength=n_rows) / size
    pr, a, b = pairs_of(group)
    if len(pr):
        k, _ = hist.pair_record(a, b, t_rows[pr])
        out += np.bincount(pr, k.astype(float), minlength=n_rows)
    return out


def held_out_predictions(
    snap: Snapshot, seed: int = 0, max_train: int = 100_000, max_test: int = 100_000
) -> HeldOut:
    """The time split's held-out predictions (what the evaluation predicts for the test year).

    Raises :class:`MatcherError` when there are too few dated reviews for a time split.
    """
    _, held = evaluate_time_split(
        snap, seed=seed, max_train=max_train, max_test=max_test, keep_predictions=True
    )
    return held


def _bands(residual: np.ndarray, evidence: np.ndarray) -> list[EvidenceBand]:
    overall = _spread(residual)
    edges = (*EVIDENCE_EDGES, np.inf)
    out = []
    for low, high in zip(edges[:-1], edges[1:], strict=True):
        inside = (evidence >= low) & (evidence < high)
        part = residual[inside]
        spread = _spread(part) if len(part) >= MIN_BAND else overall
        mae = float(np.abs(part).mean()) if len(part) else float(np.abs(residual).mean())
        top = None if np.isinf(high) else float(high)  # JSON has no infinity
        out.append(EvidenceBand(low, top, int(inside.sum()), round(mae, 2), spread))
    return out


def _spread(residual: np.ndarray) -> float:
    if len(residual) == 0:
        return 0.0
    lo, hi = np.percentile(residual, [10, 90])
    return round(float(hi - lo) / 2.0, 2)


def calibrate(held: HeldOut, n_bins: int = 8) -> Calibration:
    """The calibration table (bins of equal count by predicted score) and the evidence bands.

    Examples
    --------
    >>> p = np.linspace(40, 90, 200)
    >>> held = HeldOut(2023, p, p + 5.0, np.repeat([0.0, 8.0], 100))
    >>> cal = calibrate(held, n_bins=4)
    >>> [(b.count, round(b.mean_reviewed - b.mean_predicted, 1)) for b in cal.bins]
    [(50, 5.0), (50, 5.0), (50, 5.0), (50, 5.0)]
    >>> [b.count for b in cal.bands]
    [100, 0, 0, 100, 0]
    """
    pred, y = np.asarray(held.predicted, float), np.asarray(held.reviewed, float)
    if len(pred) == 0:
        raise MatcherError("no held-out projects to calibrate on")
    edges = np.unique(np.percentile(pred, np.linspace(0, 100, n_bins + 1)))
    which = np.clip(np.searchsorted(edges, pred, side="right") - 1, 0, max(len(edges) - 2, 0))
    bins = []
    for i in range(max(len(edges) - 1, 1)):
        inside = which == i
        if not inside.any():
            continue
        bins.append(
            CalibrationBin(
                round(float(edges[i]), 2),
                round(float(edges[min(i + 1, len(edges) - 1)]), 2),
                int(inside.sum()),
                round(float(pred[inside].mean()), 2),
                round(float(y[inside].mean()), 2),
            )
        )
    bands = _bands(y - pred, np.asarray(held.evidence, float))
    return Calibration(int(held.test_year), int(len(pred)), bins, bands)


def uncertainty_of(cal: Calibration, evidence: np.ndarray) -> np.ndarray:
    """The spread (score points) of the evidence band each value falls in.

    Examples
    --------
    >>> band = EvidenceBand
    >>> cal = Calibration(2023, 2, [], [band(0.0, 3.0, 1, 9.0, 12.0), band(3.0, None, 1, 4.0, 5.0)])
    >>> uncertainty_of(cal, np.array([0.0, 2.5, 7.0])).tolist()
    [12.0, 12.0, 5.0]
    """
    lows = np.array([b.low for b in cal.bands])
    spreads = np.array([b.spread for b in cal.bands])
    band = np.clip(np.searchsorted(lows, np.asarray(evidence, float), side="right") - 1, 0, None)
    return spreads[band]


def flag_most_uncertain(uncertainty: np.ndarray, evidence: np.ndarray, ids) -> np.ndarray:
    """True for the :data:`CHECK_SHARE` most uncertain (at least one when there are any).

    Ties go to less evidence, then to the smaller id, so the same run flags the same villages.

    Examples
    --------
    >>> flag_most_uncertain(np.array([5.0, 12.0, 12.0]), np.array([9.0, 0.5, 0.0]),
    ...                     ["V1", "V2", "V3"]).tolist()
    [False, False, True]
    """
    n = len(uncertainty)
    flags = np.zeros(n, bool)
    if n == 0:
        return flags
    order = np.lexsort((np.asarray(ids, dtype=str), evidence, -np.asarray(uncertainty)))
    flags[order[: max(1, int(round(CHECK_SHARE * n)))]] = True
    return flags


def attach_uncertainty(recs: list[Recommendation], snap: Snapshot, hist: History, cal: Calibration):
    """The recommendations with their evidence, uncertainty (0..1) and check-by-hand flag."""
    if not recs:
        return recs
    width = max(len(r.members) for r in recs)
    group = np.full((len(recs), width), -1, np.int64)
    for i, rec in enumerate(recs):
        ids = [m.org_id for m in rec.members]
        group[i, : len(ids)] = np.searchsorted(snap.org_ids, ids)
    evidence = group_evidence(hist, group)
    spread = uncertainty_of(cal, evidence)
    flags = flag_most_uncertain(spread, evidence, [r.village_id for r in recs])
    return [
        replace(
            r,
            uncertainty=round(float(u) / 100.0, 3),
            evidence=round(float(e), 2),
            check_by_hand=bool(f),
        )
        for r, u, e, f in zip(recs, spread, evidence, flags, strict=True)
    ]
