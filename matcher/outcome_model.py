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

from .features import (
    GROUP_COLUMNS,
    PAIR_COLUMNS,
    UNARY_COLUMNS,
    VILLAGE_COLUMNS,
    known_mean,
    mean_filled,
)
from .lead_distance import distance_basis, distance_part, within_lead_distance

__all__ = ["OutcomeModel", "PriorModel", "TeamTerms", "QUALITY_SCREEN_COLUMN", "logit_share"]

N_UNARY = len(UNARY_COLUMNS)
#: below this many rows the trees use one thread: OpenMP start-up and contention on a shared
#: 2-core machine cost more than a second thread gains (measured: 1.3 s against 15 s)
ONE_THREAD_ROWS = 200_000
#: the score floor is this quantile of the reviewed scores: even a poor project scores ~30, so a
#: need covered badly is worth little more than one left uncovered
FLOOR_QUANTILE = 0.05
#: where the organization quality sits among the linear stand-in's columns (:func:`_screen_features`)
QUALITY_SCREEN_COLUMN = 8
KM_COLUMN = UNARY_COLUMNS.index("distance_km")
#: the linear stand-in's distance columns (:func:`_screen_features`): those of
#: :func:`matcher.lead_distance.distance_basis`
DISTANCE_SCREEN_COLUMNS = [1, 2]
#: the trees learn distance up to this quantile of the training rows' distances (see ``fit``)
KM_CAP_QUANTILE = 0.99
#: a reviewed score at (or beyond) the floor or 100 is read as this share of the room above the
#: floor, so that the logit stays finite and one noisy review cannot dominate
SHARE_BOUNDS = (0.04, 0.96)


def logit_share(scores, floor: float) -> np.ndarray:
    """Scores on the model's logit scale: the log-odds of the share of the room above ``floor``.

    Clipped to :data:`SHARE_BOUNDS`, so a score at the floor or at 100 stays finite. The model's
    fit and its group trust (:func:`matcher.scoring.group_trust`) use this one scale.

    Examples
    --------
    >>> logit_share([65.0, 30.0, 100.0], floor=30.0).round(2).tolist()
    [0.0, -3.18, 3.18]
    """
    share = np.clip((np.asarray(scores, float) - floor) / (100.0 - floor), *SHARE_BOUNDS)
    return np.log(share / (1.0 - share))


def _threads(n_rows: int) -> threadpool_limits:
    return threadpool_limits(limits=1 if n_rows < ONE_THREAD_ROWS else None, user_api="openmp")


def _screen_features(xu: np.ndarray, village_mean: np.ndarray) -> np.ndarray:
    """Unary features made fit for a linear model (NaN filled, distance on a log scale, kinds).

    An unknown village column is filled with ``village_mean`` (the training rows' mean, so that a
    candidate's rank does not depend on the other rows of its batch).
    """
    col = {c: xu[:, i] for i, c in enumerate(UNARY_COLUMNS)}
    sev = col["need_severity"]
    kind = col["kind"]
    return np.column_stack(
        [
            col["level"],
            *distance_basis(col["distance_km"]).T,  # DISTANCE_SCREEN_COLUMNS
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
            np.nan_to_num(col["lead_quality"], nan=0.0),
            np.nan_to_num(col["service_quality"], nan=0.0),
            np.nan_to_num(col["home_county"], nan=0.0),
            *mean_filled(xu[:, -len(VILLAGE_COLUMNS) :], village_mean).T,
        ]
    ).astype(float)


class TeamTerms:
    """The linear group part of a model, in the form the optimiser uses.

    ``size_term(n) + mean over partners(quality_coef · quality + km_coef · log km) + sum(pair
    terms)`` is what a group adds to a service's score, the partners being the members other than
    the one leading that service (:mod:`matcher.teams`).
    """

    def __init__(
        self,
        intercept: float,
        size_offset,
        quality_coef: float,
        pair_coef,
        floor: float = 0.0,
        link: str = "identity",
    ):
        self.intercept = float(intercept)
        #: the score a poorly run project still gets: a team is worth what it adds above it
        self.floor = float(floor)
        #: "identity": terms are review points; "logit": terms add on the logit of the share of
        #: the room above the floor a project reaches (effects then multiply, as they often do)
        self.link = link
        self.size_offset = np.asarray(size_offset, dtype=float)  # index = group size (0..4+)
        self.quality_coef = float(quality_coef)
        #: coefficient of a partner's :func:`~matcher.features.partner_log_km`
        self.km_coef = 0.0
        #: what a partner that also provides the service adds (on top of its member term)
        self.same_service_coef = 0.0
        #: what each needed service the lead lacks that a partner brings adds (a count over the
        #: partners and their services, not a mean: each adds its share, however large the group)
        self.complement_coef = 0.0
        #: what a team gains once when any partner of a need's lead is flagged
        #: (``TeamInputs.flag``: one of the largest organizations, :mod:`matcher.partner_traits`),
        #: less ``once_mean`` (the share of past groups with such a partner): the same for one
        #: such partner or three
        self.once_coef = 0.0
        self.once_mean = 0.0
        #: what each kind beyond the first among a team's members adds, once per team
        #: (``TeamInputs.kind``; :func:`matcher.pair_effects.kinds_beyond_first`)
        self.roles_coef = 0.0
        self.pair_coef = np.asarray(pair_coef, dtype=float)

    def size_term(self, size):
        return self.intercept + self.size_offset[np.minimum(np.asarray(size), 4)]

    def score(self, eta):
        """Predicted review score (points) from a sum of terms in the model's units.

        Examples
        --------
        >>> float(TeamTerms(0.0, np.zeros(5), 0.0, [], floor=30.0, link="logit").score(0.0))
        65.0
        """
        if self.link == "logit":
            return self.floor + (100.0 - self.floor) / (1.0 + np.exp(-np.asarray(eta)))
        return np.clip(eta, 0.0, 100.0)

    def gain(self, eta):
        """What a project adds over the floor (points, ≥ 0) from a sum of terms."""
        return np.maximum(self.score(eta) - self.floor, 0.0)

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
        Many small, slow steps: most organizations have one to three noisy reviews, and trees of
        15 leaves of 20 projects at 0.1 learnt part of that noise (docs/matcher.md, *Trees that do
        not learn the noise*).
    alpha : float
        Ridge penalty of the group part.
    cv : int
        Folds of the out-of-fold predictions used for backfitting.
    link : {"logit", "identity"}
        Units the terms add in (:class:`TeamTerms`). "logit" (the default): on the logit of the
        share of the room above the score floor a project reaches, so that effects multiply
        and a good team cannot push a score past 100; on the quality bench's development worlds
        it scored 0.73 / 0.16 / 0.95 against identity's 0.71 / 0.17 / 0.92.

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
        max_iter: int = 300,
        learning_rate: float = 0.03,
        max_leaf_nodes: int = 7,
        min_samples_leaf: int = 40,
        alpha: float = 1.0,
        cv: int = 2,
        link: str = "logit",
    ):
        self.link = link
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

    def fit(self, X, y, lead=None):
        """Fit on feature rows ``X`` and review scores ``y``; ``lead`` (the lead organization of
        each row), when given, lets distance be read within each lead's own projects
        (:mod:`matcher.lead_distance`) rather than by the trees across organizations."""
        X = np.asarray(X, dtype=float)
        y = np.asarray(y, dtype=float)
        xu, xg = X[:, :N_UNARY], X[:, N_UNARY:]
        # a column without any known value (no project names its village, say) says nothing
        self.blank_ = ~np.isfinite(xu).any(axis=0)
        xu = self._trees_input(xu)
        self.global_mean_ = float(y.mean())
        self.floor_ = float(np.quantile(y, FLOOR_QUANTILE))
        y = self._link(y)
        folds = KFold(min(self.cv, len(y)), shuffle=True, random_state=self.random_state)
        with _threads(len(y)):
            # the out-of-fold fits only need to be good enough to separate the group part
            oof = cross_val_predict(self._trees(0.5), xu, y, cv=folds)
            # what the leads' own features do not explain, out of fold: the joint pair effects
            # are fitted on it (:mod:`matcher.pair_effects`)
            self.residual_ = y - oof
            self.group_ = Ridge(alpha=self.alpha).fit(xg, y - oof)
            target = y - self.group_.predict(xg) + self.group_.intercept_
            self.village_mean_ = known_mean(xu[:, -len(VILLAGE_COLUMNS) :])
            screen = _screen_features(xu, self.village_mean_)
            self.screen_ = Ridge(alpha=1.0).fit(screen, target)
            # past projects were mostly near: trees would call every farther place as good as
            # the farthest one they saw. They see distances up to the 99th percentile of the
            # training rows; beyond, the linear stand-in's slope in log(km) carries on (never up)
            km = xu[:, KM_COLUMN]
            known = km[np.isfinite(km)]
            self.km_cap_ = float(np.quantile(known, KM_CAP_QUANTILE)) if len(known) else np.inf
            self.km_slope_ = min(float(self.screen_.coef_[1]), 0.0)
            self.km_within_ = None
            if lead is not None:
                # past leads were chosen, the far ones often for their quality: read across
                # organizations, distance looks cheaper than it is. Read within each lead's own
                # projects, and withheld from the trees (matcher.lead_distance)
                controls = np.delete(screen, DISTANCE_SCREEN_COLUMNS, axis=1)
                self.km_within_ = within_lead_distance(km, target, lead, controls)
            xt = self._capped(xu)
            self.unary_ = self._trees().fit(xt, target - self._km_part(xu))
        self.n_features_in_ = X.shape[1]
        return self

    def _link(self, y: np.ndarray) -> np.ndarray:
        """Scores in the model's units (see :class:`TeamTerms`)."""
        return logit_share(y, self.floor_) if self.link == "logit" else y

    def predict_unary(self, xu) -> np.ndarray:
        """Score of the lead alone (before the group terms, intercept included), model units."""
        with _threads(len(xu)):
            xu = self._trees_input(np.asarray(xu, dtype=float))
            return self.unary_.predict(self._capped(xu)) + self._km_part(xu)

    def _trees_input(self, xu: np.ndarray) -> np.ndarray:
        if not self.blank_.any():
            return xu
        out = np.array(xu, dtype=float)
        out[:, self.blank_] = 0.0
        return out

    def _capped(self, xu: np.ndarray) -> np.ndarray:
        """The unary features with distances beyond the training range cut to its edge (or
        withheld, when distance is read within leads)."""
        out = np.array(xu, dtype=float)
        if self.km_within_ is not None:
            out[:, KM_COLUMN] = 0.0
            return out
        out[:, KM_COLUMN] = np.minimum(out[:, KM_COLUMN], self.km_cap_)
        return out

    def _km_part(self, xu: np.ndarray) -> np.ndarray:
        """What distance takes off outside the trees: beyond the training range, or all of it
        when read within leads."""
        if self.km_within_ is not None:
            return distance_part(xu[:, KM_COLUMN], self.km_within_)
        km = np.nan_to_num(xu[:, KM_COLUMN], nan=0.0)
        beyond = np.log1p(km / 10.0) - np.log1p(min(self.km_cap_, 1e9) / 10.0)
        return self.km_slope_ * np.maximum(beyond, 0.0)

    def screen(self, xu) -> np.ndarray:
        """A linear stand-in for :meth:`predict_unary`, cheap enough to rank many candidates."""
        xu = np.asarray(xu, dtype=float)
        return self.screen_.predict(_screen_features(xu, self.village_mean_))

    def predict(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=float)
        group = self.group_.predict(X[:, N_UNARY:]) - self.group_.intercept_
        return self.team_terms().score(self.predict_unary(X[:, :N_UNARY]) + group)

    def team_terms(self, year: float = 0.0, coef=None) -> TeamTerms:
        """The group part for a project in ``year`` (the year term is the same for every team).

        ``coef`` (one per :data:`~matcher.features.GROUP_COLUMNS`) replaces the group ridge's own
        coefficients: the team loop reads them refitted beside the joint pair terms it adds them
        to (:func:`matcher.loop_reading.loop_coefficients`).
        """
        coef = dict(zip(GROUP_COLUMNS, self.group_.coef_ if coef is None else coef, strict=True))
        # past groups were chosen partners: a positive size or partner-distance coefficient
        # stands for *who* was chosen (an alliance spread over counties, say), which a proposed
        # group of candidates does not have; what its members bring is in the member and pair
        # terms. So a larger group never adds by its size, nor a farther partner by its distance
        size = np.minimum.accumulate(
            np.minimum([0.0, 0.0, coef["size2"], coef["size3"], coef["size4plus"]], 0.0)
        )
        # coordination costs each extra member at least what the previous one cost; large past
        # groups are few, and the ridge pulls their coefficient towards 0 (a cheap large group)
        for k in (3, 4):
            size[k] = min(size[k], 2.0 * size[k - 1] - size[k - 2])
        pair = [coef[c] for c in PAIR_COLUMNS]
        intercept = coef["year"] * year
        terms = TeamTerms(intercept, size, coef["partner_quality"], pair, self.floor_, self.link)
        terms.km_coef = min(coef["partner_log_km"], 0.0)
        terms.same_service_coef = float(coef["partner_same_service"])
        terms.complement_coef = float(coef["partner_complement"])
        return terms


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

    def team_terms(self, year: float = 0.0, coef=None) -> TeamTerms:
        return TeamTerms(0.0, np.zeros(5), 0.0, np.zeros(len(PAIR_COLUMNS)))
