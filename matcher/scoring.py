"""Fit the outcome model on a snapshot and score every candidate with it."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse

from .calibration import HeldOut
from .candidates import Candidates
from .collaboration import History
from .errors import MatcherError
from .evaluation import MIN_REVIEWS, blank_group_columns, evaluate_time_split
from .features import (
    member_quality,
    pair_vectors,
    partner_log_km,
    training_rows,
    unary_features,
)
from .loop_reading import loop_coefficients
from .outcome_model import (
    QUALITY_SCREEN_COLUMN,
    OutcomeModel,
    PriorModel,
    TeamTerms,
    logit_share,
)
from .pair_effects import JointEffects, fit_joint_effects
from .partner_traits import PartnerTraits, fit_partner_traits
from .snapshot import Snapshot
from .teams import TeamInputs

__all__ = ["Scorer", "fit_scorer", "choose_variant", "MAX_TRAIN", "VARIANTS", "COMMUNITY_LINKS"]

#: the model is fitted on at most this many reviewed projects (a random, seeded sample); every
#: review still feeds the track records and the collaboration graph
MAX_TRAIN = 300_000
#: "full": quality, pair, community and group-size terms; "quality_only": the lead's score with
#: its organization quality, no group terms and no partner search; "auto" (the default of
#: :func:`matcher.recommend`): "full" unless, on a time split of the world's own history, the model
#: without group terms predicted the newer reviews clearly better (:func:`choose_variant`)
VARIANTS = ("full", "quality_only", "auto")
#: group terms are dropped when they raise the time split's error by more than this many
#: standard errors (:func:`choose_variant`)
DROP_MARGIN = 2.0
#: every organization is linked to this many of its community's best members as possible partners
COMMUNITY_LINKS = 4


@dataclass
class Scorer:
    """A fitted model with the history it reads its features from."""

    snap: Snapshot
    hist: History
    model: OutcomeModel | PriorModel
    history_used: bool
    metrics: dict | None
    variant: str = "full"
    #: the time split's own test predictions (:class:`matcher.calibration.HeldOut`), if evaluated
    held_out: object = None
    #: pair and community effects fitted jointly with who is good (:mod:`matcher.pair_effects`)
    joint: JointEffects | None = None
    #: how far the group terms are trusted (0..1): the newest year's calibration slope of the group
    #: part (:func:`group_trust`)
    trust: float = 1.0
    #: what partners' registered traits add to a group (:mod:`matcher.partner_traits`)
    traits: PartnerTraits | None = None
    #: the group ridge's coefficients refitted beside the joint terms, which the team loop reads
    #: (:func:`matcher.loop_reading.loop_coefficients`)
    loop_coef: tuple[np.ndarray, float] | None = None

    @property
    def group_terms(self) -> bool:
        """Whether pair, community and group-size terms count (the full variant with history)."""
        return self.history_used and self.variant == "full"

    def partners(self) -> sparse.csr_matrix | None:
        """Organizations × organizations: what each possible partner adds to a project together.

        Proven collaborators (every pair that shared a project) and, inside each community of the
        co-participation graph, its :data:`COMMUNITY_LINKS` best members by quality; the value of
        a link ``a → b`` is the pair's model term plus what ``b``'s quality adds to a lead's score
        (the linear stand-in's coefficient). ``None`` when there are no group terms.
        """
        if not self.group_terms:
            return None
        hist, n = self.hist, self.snap.n_orgs
        upper = sparse.triu(hist.coworkers, k=1).tocoo()
        comm = hist.community
        quality = member_quality(hist, np.arange(n))
        order = np.lexsort((np.arange(n), -quality, comm))
        first = np.searchsorted(comm[order], comm[order], side="left")
        rank = np.arange(n) - first
        best = order[rank < COMMUNITY_LINKS]
        # each organization with the best members of its community (itself excluded)
        start = np.searchsorted(comm[best], np.arange(comm.max(initial=0) + 2), side="left")
        counts = start[comm + 1] - start[comm]
        a = np.repeat(np.arange(n), counts)
        offset = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        b = best[np.repeat(start[comm], counts) + offset]
        a = np.concatenate([upper.row, upper.col, a]).astype(np.int64)
        b = np.concatenate([upper.col, upper.row, b]).astype(np.int64)
        keep = a != b
        a, b = a[keep], b[keep]
        key = np.unique(a * n + b)
        a, b = key // n, key % n
        term = self._pair_term(a, b)
        weight = term + self._quality_weight() * quality[b]
        ok = (term > 0) & (weight > 0)
        return sparse.csr_matrix((weight[ok], (a[ok], b[ok])), shape=(n, n))

    def _pair_term(self, a, b) -> np.ndarray:
        """What pairs ``(a, b)`` add to a group's score, in the model's units."""
        if self.joint is not None:
            return self.joint.pair_term(a, b)
        return self.model.team_terms(self.hist.next_year).pair_term(pair_vectors(self.hist, a, b))

    def _quality_weight(self) -> float:
        screen = getattr(self.model, "screen_", None)
        return max(float(screen.coef_[QUALITY_SCREEN_COLUMN]), 0.0) if screen is not None else 0.0

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
        proven = flag = lift = None
        roles = self.joint if self.group_terms and self._roles_count() else None
        terms = self.team_terms()
        if self.history_used:
            pr, pc = np.nonzero(present)
            q = member_quality(self.hist, cand.orgs[pr, pc])
            km = partner_log_km(cand.km[pr, pc])
            quality[pr, pc] = terms.quality_coef * q + terms.km_coef * km
            if self.traits is not None and self.group_terms:
                quality[pr, pc] += self.traits.member_term(cand.orgs[pr, pc])
                if self.traits.once_coef != 0.0:
                    flag = np.zeros((n, m), np.float32)
                    flag[pr, pc] = self.traits.flag(cand.orgs[pr, pc])
                if self.traits.service_level_coef != 0.0:
                    lift = self._service_lift(cand, present)
            a_slot, b_slot = np.triu_indices(m, 1)
            both = present[:, a_slot] & present[:, b_slot]
            rr, pp = np.nonzero(both)
            a, b = cand.orgs[rr, a_slot[pp]], cand.orgs[rr, b_slot[pp]]
            term = self._pair_term(a, b) if self.group_terms else 0.0
            pair[rr, a_slot[pp], b_slot[pp]] = term
            pair[rr, b_slot[pp], a_slot[pp]] = term
            if self.joint is not None and self.group_terms:
                # who may join without leading a need (matcher.teams)
                proven = np.zeros((n, m, m), bool)
                good = self.joint.proven(a, b)
                proven[rr, a_slot[pp], b_slot[pp]] = good
                proven[rr, b_slot[pp], a_slot[pp]] = good
        # the member terms are folded into ``quality``: the optimiser only takes their mean
        trust = np.float32(self.trust)
        quality *= trust
        pair *= trust
        # the size cost is not weighed down: every team of a size pays it, so the optimiser cannot
        # pick where it is overstated (the curse the trust guards against), and the ridge already
        # pulls the cost of large groups towards 0. Trust near 0 would make coordination free
        # and every team as large as the rule allows (docs/matcher.md, *How far to trust them*)
        folded = TeamTerms(terms.intercept, terms.size_offset.copy(), 1.0, terms.pair_coef)
        folded.floor, folded.link = terms.floor, terms.link
        folded.same_service_coef = self.trust * terms.same_service_coef
        folded.complement_coef = self.trust * terms.complement_coef
        if flag is not None and self.traits is not None:
            folded.once_coef = self.trust * self.traits.once_coef
            folded.once_mean = self.traits.once_mean
        kind = None
        if roles is not None:
            # each kind a team holds counts once (matcher.pair_effects, ``roles``); like the size
            # cost, one coefficient every team of that many kinds gets, kept only as far as its t
            # statistic bears it out, so not weighed down by the trust
            folded.roles_coef = roles.roles_coef
            kind = self.snap.o_kind[np.maximum(cand.orgs, 0)]
        w = cand.need_w.astype(np.float32)
        return TeamInputs(unary, w, quality, pair, present, folded, proven, flag, lift, kind)

    def team_terms(self) -> TeamTerms:
        """The group part the team loop adds, for a project of the coming year: with group terms,
        the size and partner coefficients read beside the joint terms the loop adds them to
        (:func:`matcher.loop_reading.loop_coefficients`)."""
        loop = self.loop_coef if self.group_terms else None
        terms = self.model.team_terms(self.hist.next_year, coef=loop[0] if loop else None)
        terms.intercept += loop[1] if loop else 0.0
        return terms

    def _roles_count(self) -> bool:
        """Whether the kinds a team holds count once per team (``JointEffects.roles_coef``)."""
        return self.joint is not None and self.joint.roles_coef != 0.0

    def _service_lift(self, cand: Candidates, present: np.ndarray) -> np.ndarray:
        """(n, S, M): what each candidate adds as a partner of each need by its level in the
        need's service (:meth:`matcher.partner_traits.PartnerTraits.service_lift`), trusted as
        the member terms are."""
        n, width = cand.need_s.shape
        lift = np.zeros((n, width, cand.orgs.shape[1]), np.float32)
        r, j, k = np.nonzero((cand.need_s[:, :, None] >= 0) & present[:, None, :])
        level = self.snap.level_of(cand.orgs[r, k], cand.need_s[r, j])
        assert self.traits is not None
        lift[r, j, k] = self.trust * self.traits.service_lift(level)
        return lift


def choose_variant(time_split: dict) -> str:
    """Whether to trust what the history says about groups: "full" or "quality_only".

    What past groups say (pairs, communities, partners, size) is learnt from groups their members
    chose; the world's own history is the only evidence of whether it carries over. Fitted on the
    older reviews, the model with and without its group terms predict the newer ones; the group
    terms are dropped only when they make those predictions clearly worse: the mean absolute
    error higher by more than :data:`DROP_MARGIN` standard errors of the paired difference. A
    wrong drop costs more than a wrong keep (on the quality bench's alliances, 0.50 → 0.21 when a
    difference of 0.03 points decided), hence the margin.

    Examples
    --------
    >>> choose_variant({"group_terms": {"mae_gain": 0.23, "se": 0.11}})
    'full'
    >>> choose_variant({"group_terms": {"mae_gain": -0.03, "se": 0.20}})
    'full'
    >>> choose_variant({"group_terms": {"mae_gain": -0.9, "se": 0.2}})
    'quality_only'
    >>> choose_variant({"skipped": "too few reviews"})
    'full'
    """
    paired = time_split.get("group_terms")
    if not paired:
        return "full"
    return "quality_only" if paired["mae_gain"] < -DROP_MARGIN * paired["se"] else "full"


def fit_scorer(
    snap: Snapshot, seed: int = 0, evaluate: bool = True, variant: str = "full"
) -> Scorer:
    """Fit the outcome model on every reviewed project (or fall back to the prior rule).

    ``evaluate`` also runs the time-split evaluation; its metrics go to the summary (with
    ``variant="auto"`` it always runs: it decides the variant). ``variant`` is one of
    :data:`VARIANTS`.
    """
    if variant not in VARIANTS:
        raise MatcherError(f"unknown model variant {variant!r}: one of {', '.join(VARIANTS)}")
    hist = History(snap, seed=seed)
    if len(snap.proj_score) < MIN_REVIEWS:
        return Scorer(snap, hist, PriorModel().fit(), False, None, variant)
    rows = np.arange(len(snap.proj_score))
    if len(rows) > MAX_TRAIN:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_TRAIN, replace=False))
    held_out: HeldOut | None = None
    split: dict | None = None
    requested = variant
    if evaluate or variant == "auto":
        try:
            # sampled on large worlds: the summary needs the metrics, not every row
            split, held_out = evaluate_time_split(
                snap, seed=seed, max_train=100_000, max_test=100_000, keep_predictions=True
            )
        except MatcherError as exc:
            split = {"skipped": str(exc)}
    if variant == "auto":
        variant = choose_variant(split or {})
    if variant == "quality_only" and held_out is not None and held_out.without_groups is not None:
        # calibration shows the model that is used
        held_out = replace(held_out, predicted=held_out.without_groups)
    x, y, _ = training_rows(snap, hist, rows)
    if variant == "quality_only":
        # no group terms: their columns are blanked, so the lead's part learns their average
        blank_group_columns(x)
    model = OutcomeModel(random_state=seed).fit(x, y, snap.proj_lead[rows])
    metrics: dict = {
        "n_train": int(len(y)),
        "n_reviewed": int(len(snap.proj_score)),
        "kind": "OutcomeModel",
        "variant": variant,
        "variant_requested": requested,
        "floor": round(model.floor_, 2),
        "effects": hist.effects.summary(),
    }
    if split is not None:
        metrics["time_split"] = split
    joint = traits = loop_coef = None
    if variant == "full":
        joint = fit_joint_effects(snap, hist, rows, model.residual_)
        metrics["joint_effects"] = joint.summary()
        loop_coef = loop_coefficients(model, joint, snap, rows, x)
        traits = fit_partner_traits(snap, rows, model.residual_)
        metrics["partner_traits"] = traits.summary()
    trust = group_trust(held_out, model.floor_) if variant == "full" else 1.0
    metrics["group_trust"] = round(trust, 3)
    # calibration reads the evaluation's own predictions (no second fit)
    return Scorer(
        snap, hist, model, True, metrics, variant, held_out, joint, trust, traits, loop_coef
    )


def group_trust(held_out: HeldOut | None, floor: float) -> float:
    """How far to trust the group terms: their calibration slope on the time split's newest year.

    The same projects predicted with and without group terms; on the model's logit scale the
    reviewed score's excess over the prediction without them is regressed on what the group terms
    added. A slope below 1 says they promised more than the newer reviews gave: an optimiser that
    picks the teams with the largest promised bonus would pick exactly where the promise is most
    overstated. 1 without a time split; clipped to 0..1.
    """
    if held_out is None or held_out.without_groups is None or len(held_out.reviewed) < 30:
        return 1.0

    base = logit_share(held_out.without_groups, floor)
    added = logit_share(held_out.predicted, floor) - base
    spread = float(np.dot(added, added))
    if spread <= 0:
        return 1.0
    excess = logit_share(held_out.reviewed, floor) - base
    return float(np.clip(np.dot(excess, added) / spread, 0.0, 1.0))
