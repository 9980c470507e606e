"""Fit the outcome model on a snapshot and score every candidate with it."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .candidates import Candidates
from .collaboration import History
from .errors import MatcherError
from .evaluation import MIN_REVIEWS, evaluate_time_split
from .features import member_quality, pair_vectors, training_rows, unary_features
from .outcome_model import OutcomeModel, PriorModel
from .snapshot import Snapshot
from .teams import TeamInputs

__all__ = ["Scorer", "fit_scorer", "MAX_TRAIN"]

#: the model is fitted on at most this many reviewed projects (a random, seeded sample); every
#: review still feeds the track records and the collaboration graph
MAX_TRAIN = 300_000


@dataclass
class Scorer:
    """A fitted model with the history it reads its features from."""

    snap: Snapshot
    hist: History
    model: OutcomeModel | PriorModel
    history_used: bool
    metrics: dict | None

    def unary(self, v, s, o) -> np.ndarray:
        """Predicted score of organization ``o`` leading service ``s`` in village ``v``, alone."""
        hist = self.hist if self.history_used else None
        return self.model.predict_unary(unary_features(self.snap, hist, v, s, o))

    def prior(self, v, s, o, km) -> np.ndarray:
        """What candidate search ranks by: the model's linear stand-in (cheap for many rows)."""
        hist = self.hist if self.history_used else None
        return self.model.screen(unary_features(self.snap, hist, v, s, o))

    def team_inputs(self, cand: Candidates) -> TeamInputs:
        """Unary scores, member quality and pair terms of every village's candidates."""
        n, width = cand.need_s.shape
        m = cand.orgs.shape[1]
        unary = np.full((n, width, m), np.nan, np.float32)
        r, j, k = np.nonzero((cand.need_s[:, :, None] >= 0) & (cand.orgs[:, None, :] >= 0))
        o, s = cand.orgs[r, k], cand.need_s[r, j]
        can = self.snap.level_of(o, s) > 0
        r, j, k, o, s = r[can], j[can], k[can], o[can], s[can]
        unary[r, j, k] = self.unary(cand.villages[r], s, o)
        present = cand.orgs >= 0
        quality = np.zeros((n, m), np.float32)
        pair = np.zeros((n, m, m), np.float32)
        terms = self.model.team_terms(self.hist.next_year)
        if self.history_used:
            pr, pc = np.nonzero(present)
            quality[pr, pc] = member_quality(self.hist, cand.orgs[pr, pc])
            a_slot, b_slot = np.triu_indices(m, 1)
            both = present[:, a_slot] & present[:, b_slot]
            rr, pp = np.nonzero(both)
            a, b = cand.orgs[rr, a_slot[pp]], cand.orgs[rr, b_slot[pp]]
            term = terms.pair_term(pair_vectors(self.hist, a, b))
            pair[rr, a_slot[pp], b_slot[pp]] = term
            pair[rr, b_slot[pp], a_slot[pp]] = term
        return TeamInputs(unary, cand.need_w.astype(np.float32), quality, pair, present, terms)


def fit_scorer(snap: Snapshot, seed: int = 0, evaluate: bool = True) -> Scorer:
    """Fit the outcome model on every reviewed project (or fall back to the prior rule).

    ``evaluate`` also runs the time-split evaluation; its metrics go to the summary.
    """
    hist = History(snap, seed=seed)
    if len(snap.proj_score) < MIN_REVIEWS:
        return Scorer(snap, hist, PriorModel().fit(), False, None)
    rows = np.arange(len(snap.proj_score))
    if len(rows) > MAX_TRAIN:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_TRAIN, replace=False))
    x, y, _ = training_rows(snap, hist, rows)
    model = OutcomeModel(random_state=seed).fit(x, y)
    metrics: dict = {
        "n_train": int(len(y)),
        "n_reviewed": int(len(snap.proj_score)),
        "kind": "OutcomeModel",
    }
    if evaluate:
        try:
            # sampled on large worlds: the summary needs the metrics, not every row
            metrics["time_split"] = evaluate_time_split(
                snap, seed=seed, max_train=100_000, max_test=100_000
            )
        except MatcherError as exc:
            metrics["time_split"] = {"skipped": str(exc)}
    return Scorer(snap, hist, model, True, metrics)
