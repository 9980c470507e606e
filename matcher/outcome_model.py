"""The outcome model: predicts a project's review score (0..100) for a village, a service and a group.

:class:`OutcomeModel` is a scikit-learn regressor in two additive parts, fitted by backfitting:

- a gradient-boosted tree model (``HistGradientBoostingRegressor``) on the *unary* features of the
  lead organization (capability level, distance, rating, kind, size, track record);
- a ridge model on the *group* features (size, mean member track record, and the means over the
  group's members' track records, sums over its pairs of the collaboration-graph features).

Because the group part is linear in means over members and pairs, a whole team's predicted score
is ``unary + size_offset[n] + quality_coef · mean(member quality) + sum(pair terms)``; the
optimiser uses exactly this (:meth:`OutcomeModel.team_terms`) and so optimises what the model says.

:class:`PriorModel` is the transparent rule used when a city has no review history yet.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold, cross_val_predict
from threadpoolctl import threadpool_limits

from .features import GROUP_COLUMNS, PAIR_COLUMNS, UNARY_COLUMNS

__all__ = ["OutcomeModel", "PriorModel", "TeamTerms", "QUALITY_SCREEN_COLUMN"]

N_UNARY = len(UNARY_COLUMNS)
#: below this many rows the trees use one thread: OpenMP start-up and contention on a shared
#: 2-core machine cost more than a second thread gains (measured: 1.3 s against 15 s)
ONE_THREAD_ROWS = 200_000
#: the score floor is this quantile of the reviewed scores: even a poor project scores ~30, so a
#: need covered badly is worth little more than one left uncovered
FLOOR_QUANTILE = 0.05
#: where the organization quality sits among the linear stand-in's columns (:func:`_screen_features`)
QUALITY_SCREEN_COLUMN = 8


def _threads(n_rows: int) -> threadpool_limits:
    return threadpool_limits(limits=1 if n_rows < ONE_THREAD_ROWS else None, user_api="openmp")


def _screen_features(xu: np.ndarray) -> np.ndarray:
    """Unary features made fit for a linear model (NaN filled, distance on a log scale, kinds)."""
    col = {c: xu[:, i] for i, c in enumerate(UNARY_COLUMNS)}
    km = np.nan_to_num(col["distance_km"], nan=30.0)
    sev = col["need_severity"]
    kind = col["kind"]
    return np.column_stack(
        [
            col["level"],
            np.log1p(km / 10.0),
            km,
            col["rating"],
            col["log_volunteers"],
            col["max_villages"],
            col["breadth"],
            col["log_track_n"],
            np.nan_to_num(col["quality"], nan=0.0),
            np.nan_to_num(sev, nan=0.0),
            np.nan_to_num(sev, nan=1.0) == 0,
            kind == 1,
            kind == 2,
        ]
    ).astype(float)


class TeamTerms:
    """The linear group part of a model, in the form the optimiser uses.

    ``size_term(n) + quality_coef · mean(member quality) + sum(pair terms)`` is what a group adds
    to each service's score.
    """

    def __init__(
        self, intercept: float, size_offset, quality_coef: float, pair_coef, floor: float = 0.0
    ):
        self.intercept = float(intercept)
        #: the score a poorly run project still gets: a team is worth what it adds above it
        self.floor = float(floor)
        self.size_offset = np.asarray(size_offset, dtype=float)  # index = group size (0..4+)
        self.quality_coef = float(quality_coef)
        self.pair_coef = np.asarray(pair_coef, dtype=float)

    def size_term(self, size):
        return self.intercept + self.size_offset[np.minimum(np.asarray(size), 4)]

    def pair_term(self, pair_vectors: np.ndarray) -> np.ndarray:
        """Each pair's contribution (a group adds those of all its pairs)."""
        if len(pair_vectors) == 0:
            return np.zeros(0)
        return pair_vectors @ self.pair_coef


class OutcomeModel(RegressorMixin, BaseEstimator):
    """Predicted review score of a project from unary and group features.

    Parameters
    ----------
    random_state : int
        Seed of the tree model and of the cross-validation folds.
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf : tree-model settings.
    alpha : float
        Ridge penalty of the group part.
    cv : int
        Folds of the out-of-fold predictions used for backfitting.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = rng.random((300, len(UNARY_COLUMNS) + len(GROUP_COLUMNS)))
    >>> X[:, UNARY_COLUMNS.index("kind")] = rng.integers(0, 3, 300)
    >>> y = 40 + 30 * X[:, 0]
    >>> m = OutcomeModel(max_iter=50).fit(X, y)
    >>> bool(abs(m.predict(X) - y).mean() < 3)
    True
    """

    def __init__(
        self,
        random_state: int = 0,
        max_iter: int = 150,
        learning_rate: float = 0.1,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 20,
        alpha: float = 1.0,
        cv: int = 2,
    ):
        self.random_state = random_state
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.alpha = alpha
        self.cv = cv

    def _trees(self, fraction: float = 1.0) -> HistGradientBoostingRegressor:
        return HistGradientBoostingRegressor(
            max_iter=max(10, int(self.max_iter * fraction)),
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            categorical_features=[UNARY_COLUMNS.index("kind")],
            early_stopping=False,
            random_state=self.random_state,
        )

    def fit(self, X, y):
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        xu, xg = X[:, :N_UNARY], X[:, N_UNARY:]
        self.global_mean_ = float(y.mean())
        self.floor_ = float(np.quantile(y, FLOOR_QUANTILE))
        folds = KFold(min(self.cv, len(y)), shuffle=True, random_state=self.random_state)
        with _threads(len(y)):
            # the out-of-fold fits only need to be good enough to separate the group part
            oof = cross_val_predict(self._trees(0.5), xu, y, cv=folds)
            self.group_ = Ridge(alpha=self.alpha).fit(xg, y - oof)
            target = y - self.group_.predict(xg) + self.group_.intercept_
            self.unary_ = self._trees().fit(xu, target)
            self.screen_ = Ridge(alpha=1.0).fit(_screen_features(xu), target)
        self.n_features_in_ = X.shape[1]
        return self

    def predict_unary(self, xu) -> np.ndarray:
        """Score of the lead alone (before the group terms, intercept included)."""
        with _threads(len(xu)):
            return self.unary_.predict(np.asarray(xu, dtype=float))

    def screen(self, xu) -> np.ndarray:
        """A linear stand-in for :meth:`predict_unary`, cheap enough to rank many candidates."""
        return self.screen_.predict(_screen_features(np.asarray(xu, dtype=float)))

    def predict(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        group = self.group_.predict(X[:, N_UNARY:]) - self.group_.intercept_
        return np.clip(self.predict_unary(X[:, :N_UNARY]) + group, 0.0, 100.0)

    def team_terms(self, year: float = 0.0) -> TeamTerms:
        """The group part for a project in ``year`` (the year term is the same for every team)."""
        coef = dict(zip(GROUP_COLUMNS, self.group_.coef_, strict=True))
        size = [0.0, 0.0, coef["size2"], coef["size3"], coef["size4plus"]]
        pair = [coef[c] for c in PAIR_COLUMNS]
        return TeamTerms(coef["year"] * year, size, coef["member_quality"], pair, self.floor_)


class PriorModel(RegressorMixin, BaseEstimator):
    """A transparent score when no reviews exist: capability level, rating and nearness.

    ``score = 100 · (0.45 · level/5 + 0.25 · rating/5 + 0.30 · exp(-km / 40))``

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((1, len(UNARY_COLUMNS))); x[0, :3] = [5, 0, 5]
    >>> PriorModel().fit(x, [0.0]).predict_unary(x).round(1).tolist()
    [100.0]
    """

    def fit(self, X=None, y=None):
        self.global_mean_ = float("nan")
        return self

    def predict_unary(self, xu) -> np.ndarray:
        xu = np.asarray(xu, dtype=float)
        level, km, rating = xu[:, 0], np.nan_to_num(xu[:, 1], nan=40.0), xu[:, 2]
        return 100.0 * (0.45 * level / 5 + 0.25 * rating / 5 + 0.30 * np.exp(-km / 40.0))

    def screen(self, xu) -> np.ndarray:
        return self.predict_unary(xu)

    def predict(self, X) -> np.ndarray:
        return np.clip(self.predict_unary(np.asarray(X, dtype=float)[:, :N_UNARY]), 0.0, 100.0)

    def team_terms(self, year: float = 0.0) -> TeamTerms:
        return TeamTerms(0.0, np.zeros(5), 0.0, np.zeros(len(PAIR_COLUMNS)))
