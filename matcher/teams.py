"""Every possible team of a village, as a pattern over its candidate slots, and its value.

With ``M`` candidate slots and groups of at most ``G`` organizations there are
``sum(C(M, k), k=1..G)`` patterns (793 for M=12, G=4), the same for every village, so a team's value
for all villages is one array operation per pattern size. A team's value is the severity-weighted
predicted improvement over the score floor (what even a poor project scores, see
:class:`~matcher.outcome_model.TeamTerms`) over the needs it covers (uncovered needs add nothing):

    value = sum_j w_j · clip(best_j + bonus − floor, 0, 100 − floor),
    best_j = max over members of unary(j, member)
    bonus_j = size_term(|T|) + mean over T minus the lead of j of member(m) + sum(pair terms)
              + same_service_coef · share of those partners that also provide j
    member(m) = quality_coef · quality(m) + km_coef · log1p(km(m) / 10)   (``TeamInputs.quality``)

Every member must provide one of the village's needs (the rule of :mod:`graph_schema.rules`) and
either lead one of them or *support* the others: a member that is not the best provider of any
need may join when it has a good joint record (:meth:`JointEffects.proven
<matcher.pair_effects.JointEffects.proven>`) with another member, as partners of past projects
did (they worked in the lead's service); it counts through the partner, pair and size terms only.
On the quality bench's development worlds allowing such members moved the normalized score from
0.86 / 0.34 / 1.02 to 0.92 / 0.38 / 1.01 (seed 1: 0.90 / 0.43 / 1.00 to 0.93 / 0.50 / 1.00;
allowing any member to support gained no more, and made the Tai'an sample's groups 3.65
organizations on average instead of 3.25). Other teams, and teams that cover no need, get
``-inf``.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .outcome_model import TeamTerms

__all__ = ["Patterns", "patterns", "TeamInputs", "team_values", "assign_needs", "BLOCK_CELLS"]

#: villages × needs × patterns cells computed at once by :func:`team_values`
BLOCK_CELLS = 1 << 20


@dataclass(frozen=True)
class Patterns:
    """All teams over ``m`` slots: ``members`` (P, G) slot indices padded with -1, ``size`` (P,)."""

    members: np.ndarray
    size: np.ndarray
    incidence: np.ndarray  # (P, m) bool

    def __len__(self) -> int:
        return len(self.size)


def patterns(m: int, max_group: int) -> Patterns:
    """The teams of 1..``max_group`` slots out of ``m``, by size then lexicographically.

    Examples
    --------
    >>> p = patterns(3, 2)
    >>> p.members.tolist()
    [[0, -1], [1, -1], [2, -1], [0, 1], [0, 2], [1, 2]]
    """
    g = max(1, min(max_group, m))
    rows = [c for k in range(1, g + 1) for c in combinations(range(m), k)]
    members = np.full((len(rows), g), -1, np.int64)
    for i, team in enumerate(rows):
        members[i, : len(team)] = team
    incidence = np.zeros((len(rows), m), bool)
    r, c = np.nonzero(members >= 0)
    incidence[r, members[r, c]] = True
    return Patterns(members, (members >= 0).sum(axis=1), incidence)


@dataclass
class TeamInputs:
    """Per village: unary scores ``unary`` (n, S, M) (NaN = cannot), weights ``w`` (n, S),
    what each candidate adds as a partner ``quality`` (n, M: the model's member term, quality and
    distance), pair terms ``pair`` (n, M, M), slot filled ``present`` (n, M)."""

    unary: np.ndarray
    w: np.ndarray
    quality: np.ndarray
    pair: np.ndarray
    present: np.ndarray
    terms: TeamTerms
    #: (n, M, M) bool: the two candidates have a good joint record; a member that leads no need
    #: must have one with another member of the team (None: no one has, no member supports)
    proven: np.ndarray | None = None


def _block(inp: TeamInputs, rows, comb: np.ndarray) -> np.ndarray:
    k = comb.shape[1]
    u = inp.unary[rows]
    u = np.where(np.isnan(u), np.float32(-np.inf), u)  # (c, S, M)
    # best member per need, one member position at a time (argmax over a last axis of 2..4 is slow)
    best = u[:, :, comb[:, 0]]  # (c, S, P)
    arg = np.zeros(best.shape, np.int8)
    # how many members provide each need (its lead and the partners that are a second hand)
    count_hands = k > 1 and bool(inp.terms.same_service_coef)
    hands = np.isfinite(best).astype(np.float32) if count_hands else None
    for i in range(1, k):
        x = u[:, :, comb[:, i]]
        better = x > best
        best = np.where(better, x, best)
        arg[better] = i
        if hands is not None:
            hands += np.isfinite(x)
    covered = np.isfinite(best)
    valid = inp.present[rows][:, comb].all(axis=2) & covered.any(axis=1)
    provides = np.asarray(np.isfinite(u).any(axis=1))  # (c, M): it provides one of the needs
    valid &= provides[:, comb].all(axis=2)
    proven = inp.proven[rows] if inp.proven is not None else None
    for slot in range(k):
        # a member leads a need, or supports with a proven partner of the team
        ok = (covered & (arg == slot)).any(axis=1)
        if proven is not None:
            for other in range(k):
                if other != slot:
                    ok |= proven[:, comb[:, slot], comb[:, other]]
        valid &= ok
    bonus = np.full((u.shape[0], len(comb)), inp.terms.size_term(k), np.float32)
    if k > 1:
        a, b = np.triu_indices(k, 1)
        bonus = bonus + inp.pair[rows][:, comb[:, a], comb[:, b]].sum(axis=2)
        # the partners of need j's lead: every member but the best provider of j
        member = inp.quality[rows][:, comb]  # (c, P, k)
        lead_term = np.take_along_axis(member[:, None, :, :], arg[..., None].astype(np.intp), 3)
        partners = (member.sum(axis=2)[:, None, :] - lead_term[..., 0]) / (k - 1)
        bonus = bonus[:, None, :] + partners
        if hands is not None:
            # the share of need j's partners that also provide j (its lead does)
            bonus = bonus + inp.terms.same_service_coef * (hands - 1.0) / (k - 1)
    else:
        bonus = bonus[:, None, :]
    gain = inp.terms.gain(best + bonus)
    score = np.where(covered, gain, 0.0)
    value = (inp.w[rows][:, :, None] * score).sum(axis=1)
    return np.where(valid, value, -np.inf).astype(np.float32)


def team_values(inp: TeamInputs, pats: Patterns, chunk: int = 1024) -> np.ndarray:
    """Value of every pattern for every village, (n, P) float32, ``-inf`` where not allowed."""
    n, needs = inp.unary.shape[:2]
    out = np.full((n, len(pats)), -np.inf, np.float32)
    n_needs = (inp.w > 0).sum(axis=1)
    for k in np.unique(pats.size):
        idx = np.flatnonzero(pats.size == k)
        rows_k = np.flatnonzero(n_needs >= 1)
        # villages × needs × patterns arrays of a few MB: larger ones spill out of the caches
        # (24 candidates: 10,626 teams of 4, and the time grew ~10× with 1,024 villages a block)
        step = int(max(1, min(chunk, BLOCK_CELLS // max(1, needs * len(idx)))))
        for start in range(0, len(rows_k), step):
            rows = rows_k[start : start + step]
            out[np.ix_(rows, idx)] = _block(inp, rows, pats.members[idx, :k])
    return out


def assign_needs(inp: TeamInputs, row: int, slots: np.ndarray) -> np.ndarray:
    """For one village and team, the slot covering each need (-1 = uncovered)."""
    u = inp.unary[row][:, slots]
    u = np.where(np.isnan(u), -np.inf, u)
    best = u.argmax(axis=1)
    return np.where(np.isfinite(u.max(axis=1)), slots[best], -1)
