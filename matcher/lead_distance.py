"""What distance costs a lead, read within each organization's own projects.

Past leads were chosen: an organization sent far from home was often sent because it is good, so
across all projects the far ones score better than distance alone would let them, and a model that
reads distance across organizations (the lead's trees) credits distance with part of the lead's
quality. Within one organization's projects the lead is the same, so the change of score with
distance there is what distance costs. :func:`within_lead_distance` fits that slope (a linear
model with one intercept per lead, the other linear columns held), and the outcome model takes it
out of the target before its trees see the rest, with the distance column withheld from them.

Examples
--------
Better organizations went farther; every project loses 0.5 per unit of ``log1p(km / 10)``:

>>> rng = np.random.default_rng(0)
>>> lead = rng.integers(0, 200, 3000)
>>> quality = rng.normal(0, 1, 200)
>>> km = rng.gamma(2.0, 8.0, 3000) * np.exp(0.8 * quality[lead])
>>> y = quality[lead] - 0.5 * np.log1p(km / 10) + rng.normal(0, 0.3, 3000)
>>> pooled = np.polyfit(np.log1p(km / 10), y, 1)[0]
>>> coef = within_lead_distance(km, y, lead)
>>> bool(pooled > -0.2), bool(abs(distance_part(40.0, coef) - distance_part(0.0, coef)
...                                + 0.5 * np.log1p(4.0)) < 0.1)
(True, True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["DISTANCE_BASIS", "distance_basis", "distance_part", "within_lead_distance"]

#: the two shapes distance is read in: a log that keeps falling, and a near-field bonus
DISTANCE_BASIS = ("log1p(km / 10)", "exp(-km / 25)")
#: an unknown distance is read as this (km), as in the linear stand-in
UNKNOWN_KM = 30.0
#: where a fitted curve must not rise (km): a farther lead never scores better for it
_CHECK_KM = np.linspace(0.0, 500.0, 101)


def distance_basis(km) -> np.ndarray:
    """The columns of :data:`DISTANCE_BASIS` for distances ``km`` (NaN: :data:`UNKNOWN_KM`)."""
    km = np.nan_to_num(np.asarray(km, dtype=float), nan=UNKNOWN_KM)
    return np.stack([np.log1p(km / 10.0), np.exp(-km / 25.0)], axis=-1)


def distance_part(km, coef: np.ndarray) -> np.ndarray:
    """What distance ``km`` takes off a lead's score (model units), read with ``coef``."""
    return distance_basis(km) @ np.asarray(coef, dtype=float)


def _demeaned(a: np.ndarray, group: np.ndarray) -> np.ndarray:
    n = np.bincount(group).astype(float)
    if a.ndim == 1:
        return a - (np.bincount(group, a) / n)[group]
    return np.column_stack([c - (np.bincount(group, c) / n)[group] for c in a.T])


def within_lead_distance(km, target, lead, controls=None, alpha: float = 1.0) -> np.ndarray:
    """Coefficients of :data:`DISTANCE_BASIS` fitted within each lead's projects.

    Parameters
    ----------
    km : array of float
        The lead's distance to the village of each project (NaN: unknown, left out).
    target : array of float
        What is to be explained (model units).
    lead : array of int
        The lead organization of each project; only leads with two projects or more say anything.
    controls : array of float, optional
        Other columns held while reading distance (rows × columns); what varies within a lead's
        projects (the village, the year's track record) and may go with distance.
    alpha : float
        Ridge penalty on the demeaned columns (they are few; it only steadies a degenerate fit).

    Returns
    -------
    numpy.ndarray
        Two coefficients; a curve that would rise anywhere in 0..500 km is replaced by the
        log alone with a slope of at most 0, and too few repeated leads give zeros.
    """
    km = np.asarray(km, dtype=float)
    target = np.asarray(target, dtype=float)
    _, group = np.unique(np.asarray(lead), return_inverse=True)
    # a project without a village has no distance: it says nothing about what distance costs
    known = np.isfinite(km)
    repeated = known & (np.bincount(group, weights=known)[group] >= 2)
    if repeated.sum() < 50:
        return np.zeros(2)
    basis = distance_basis(km[repeated])
    x = basis if controls is None else np.column_stack([basis, controls[repeated]])
    g = np.unique(group[repeated], return_inverse=True)[1]
    xd, yd = _demeaned(x, g), _demeaned(target[repeated], g)
    keep = xd.std(axis=0) > 1e-9
    keep[:2] = True
    xd = xd[:, keep]
    coef = np.linalg.solve(xd.T @ xd + alpha * np.eye(xd.shape[1]), xd.T @ yd)[:2]
    if np.all(np.diff(distance_part(_CHECK_KM, coef)) <= 1e-12):
        return coef
    log = np.delete(xd, 1, axis=1)
    slope = float(np.linalg.solve(log.T @ log + alpha * np.eye(log.shape[1]), log.T @ yd)[0])
    return np.array([min(slope, 0.0), 0.0])
