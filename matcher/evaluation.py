"""Time-split evaluation of the outcome model against two baselines.

Train on reviews of earlier years, test on the latest year; test rows only see history from before
the cut (as a recommendation made at the start of that year would). Baselines: the global mean
score, and a model that knows only the lead organization's rating. The same model without its
group columns ("no group terms") is fitted too: whether what the history says about groups
predicts the newer reviews better than leaving it out is how :func:`matcher.scoring.fit_scorer`
decides whether to use it (``variant="auto"``). The test projects are also valued as the team
loop values a team ("team loop", :mod:`matcher.loop_reading`): how far what the loop adds held
on them is how far the loop trusts its group terms (:func:`matcher.scoring.group_trust`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import spearmanr
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from .collaboration import History, members_matrix
from .errors import MatcherError
from .features import GROUP_COLUMNS, UNARY_COLUMNS, training_rows
from .loop_reading import loop_coefficients, loop_predictions
from .outcome_model import N_UNARY, OutcomeModel
from .pair_effects import fit_joint_effects
from .snapshot import Snapshot

__all__ = [
    "time_split",
    "evaluate_time_split",
    "format_table",
    "blank_group_columns",
    "MIN_REVIEWS",
]

#: fewer reviewed projects than this and the prior rule is used instead of a learned model
MIN_REVIEWS = 30


def time_split(snap: Snapshot, min_share: float = 0.1) -> tuple[float, int]:
    """The cut (days since 1970, 1 January of the test year) and the test year.

    The test year is the latest year such that it and the years after it hold at least
    ``min_share`` of the dated reviews (a last year with a handful of late reviews joins the one
    before it).
    """
    t = snap.proj_t[np.isfinite(snap.proj_t)]
    if len(t) == 0:
        raise MatcherError("no dated reviews: cannot split by time")
    years = pd.to_datetime(t, unit="D").year.to_numpy()
    values, counts = np.unique(years, return_counts=True)
    from_year = np.cumsum(counts[::-1])[::-1]  # reviews in this year and later
    ok = np.flatnonzero(from_year >= min_share * len(t))
    test = int(values[ok[-1]]) if len(ok) else int(values[-1])
    cut = float((pd.Timestamp(f"{test}-01-01") - pd.Timestamp("1970-01-01")).days)
    return cut, test


def blank_group_columns(x: np.ndarray) -> np.ndarray:
    """Feature rows without what they say about the group (the year kept), in place.

    The lead's part then learns the average group's effect: the model of ``variant="quality_only"``.
    """
    x[:, [N_UNARY + i for i, c in enumerate(GROUP_COLUMNS) if c != "year"]] = 0.0
    return x


def _paired_gain(y: np.ndarray, with_groups: np.ndarray, without: np.ndarray) -> dict[str, float]:
    """How much the group terms lower the absolute error of a test project, on average, and the
    standard error of that mean (the same projects predicted twice: a paired comparison)."""
    gain = np.abs(y - without) - np.abs(y - with_groups)
    se = float(gain.std(ddof=1) / np.sqrt(len(gain))) if len(gain) > 1 else float("inf")
    return {"mae_gain": float(gain.mean()), "se": se}


def _metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    rho = spearmanr(y, pred).statistic if np.ptp(pred) > 0 else 0.0
    return {"mae": float(np.mean(np.abs(y - pred))), "spearman": float(np.nan_to_num(rho))}


def evaluate_time_split(
    snap: Snapshot,
    seed: int = 0,
    max_train: int | None = 200_000,
    max_test: int | None = None,
    keep_predictions: bool = False,
):
    """MAE and Spearman on the latest year for the model and both baselines.

    With ``keep_predictions`` the result is ``(metrics, held_out)``, ``held_out`` a
    :class:`matcher.calibration.HeldOut` of the model's own test predictions (for calibration).

    Examples
    --------
    >>> from graph_schema.contract.interchange import read_data  # doctest: +SKIP
    >>> from matcher.snapshot import build_snapshot  # doctest: +SKIP
    >>> evaluate_time_split(build_snapshot(read_data("taian-city")))["model"]["mae"]  # doctest: +SKIP
    """
    cut, year = time_split(snap)
    t = np.nan_to_num(snap.proj_t, nan=-np.inf)
    train, test = np.flatnonzero(t < cut), np.flatnonzero(t >= cut)
    if len(train) < MIN_REVIEWS or len(test) == 0:
        raise MatcherError(
            f"too few reviews for a time split ({len(train)} before {year}, {len(test)} in it)"
        )
    rng = np.random.default_rng(seed)
    if max_train is not None and len(train) > max_train:
        train = np.sort(rng.choice(train, max_train, replace=False))
    n_test_all = len(test)
    if max_test is not None and len(test) > max_test:
        test = np.sort(rng.choice(test, max_test, replace=False))
    hist = History(snap, cutoff=cut, seed=seed)
    x_tr, y_tr, _ = training_rows(snap, hist, train)
    x_te, y_te, _ = training_rows(snap, hist, test, at=cut)
    lead_tr = snap.proj_lead[train]
    rating = [UNARY_COLUMNS.index("rating")]
    models = {
        "global mean": DummyRegressor().fit(x_tr, y_tr),
        "rating only": make_pipeline(OneHotEncoder(handle_unknown="ignore"), Ridge(alpha=1e-3)).fit(
            x_tr[:, rating], y_tr
        ),
        "model": OutcomeModel(random_state=seed).fit(x_tr, y_tr, lead_tr),
        "no group terms": OutcomeModel(random_state=seed).fit(
            blank_group_columns(x_tr.copy()), y_tr, lead_tr
        ),
    }
    last = int(pd.to_datetime(np.nanmax(snap.proj_t), unit="D").year)
    out: dict = {
        "test_year": year,
        "last_year": last,
        "n_train": int(len(train)),
        "n_test": int(len(test)),
        "n_test_all": int(n_test_all),
    }
    preds = {}
    for name, m in models.items():
        x = x_te[:, rating] if name == "rating only" else x_te
        preds[name] = m.predict(blank_group_columns(x.copy()) if name == "no group terms" else x)
        out[name] = _metrics(y_te, preds[name])
    # the same projects valued as the team loop values a team (matcher.loop_reading): whether
    # what it adds predicts them better than nothing decides whether the loop uses it
    # (matcher.scoring.choose_variant), how far it held is how far the loop trusts it
    # (matcher.scoring.group_trust), and the calibration shows it
    model = models["model"]
    joint = fit_joint_effects(snap, hist, train, model.residual_)
    coef = loop_coefficients(model, joint, snap, train, x_tr)
    preds["team loop"] = loop_predictions(model, joint, snap, test, x_te, coef)
    out["team loop"] = _metrics(y_te, preds["team loop"])
    out["group_terms"] = _paired_gain(y_te, preds["team loop"], preds["no group terms"])
    if not keep_predictions:
        return out
    from .calibration import HeldOut, group_evidence  # calibration builds on this module

    evidence = group_evidence(hist, members_matrix(snap.proj_members[test]), cut)
    return out, HeldOut(year, preds["team loop"], y_te, evidence, preds["no group terms"])


def format_table(ev: dict) -> str:
    """The evaluation as a Markdown table."""
    years = str(ev["test_year"])
    if ev.get("last_year", ev["test_year"]) != ev["test_year"]:
        years += f"–{ev['last_year']}"
    lines = [
        f"Time split: train on reviews before {ev['test_year']} ({ev['n_train']} projects), "
        f"test on {years} ({ev['n_test']} projects).",
        "",
        "| model | MAE | Spearman |",
        "| --- | ---: | ---: |",
    ]
    for name in ("global mean", "rating only", "model", "team loop", "no group terms"):
        if name not in ev:
            continue
        lines.append(f"| {name} | {ev[name]['mae']:.2f} | {ev[name]['spearman']:.3f} |")
    return "\n".join(lines)
