"""Every possible team of a village, as a pattern over its candidate slots, and its value.

With ``M`` candidate slots and groups of at most ``G`` organizations there are
``sum(C(M, k), k=1..G)`` patterns (793 for M=12, G=4), the same for every village; a compiled loop
(:mod:`matcher.team_kernel`) values every pattern of every village. A team's value is the severity-weighted
predicted improvement over the score floor (what even a poor project scores, see
:class:`~matcher.outcome_model.TeamTerms`) over the needs it covers (uncovered needs add nothing):

    value = sum_j w_j · clip(best_j + bonus − floor, 0, 100 − floor),
    best_j = max over members of unary(j, member)
    bonus_j = size_term(|T|) + mean over T minus the lead of j of member(m) + sum(pair terms)
              + same_service_coef · share of those partners that also provide j
              + complement_coef · how many of the needs the lead of j does not provide
                                  they bring, each partner's counted
              + once_coef · ([any of them is flagged] − once_mean)
              + mean over them of service_lift(j, m)  (their level in j's own service)
              + roles_coef · (kinds among T − 1)       (once per team, not per pair)
    member(m) = quality_coef · quality(m) + km_coef · log1p(km(m) / 10) + traits(m)
                (``TeamInputs.quality``; traits: :mod:`matcher.partner_traits`)

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

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from .outcome_model import TeamTerms
from .team_kernel import fill_team_values

__all__ = ["Patterns", "patterns", "TeamInputs", "team_values", "assign_needs"]

#: at most this many threads share the villages of :func:`team_values`
MAX_THREADS = 8


@dataclass(frozen=True)
class Patterns:
    """All teams over ``m`` slots: ``members`` (P, G) slot indices padded with -1, ``size`` (P,)."""

    members: np.ndarray
    size: np.ndarray
    incidence: np.ndarray  # (P, m) bool

    def __len__(self) -> int:
        return len(self.size)


def patterns(m: int, max_group: int, fours_within: int | None = None) -> Patterns:
    """The teams of 1..``max_group`` slots out of ``m``, by size then lexicographically.

    ``fours_within``: teams of four or more only among the first ``fours_within`` slots (a
    village's candidates come each need's best first, :func:`matcher.candidates.find_candidates`);
    smaller teams reach every slot. Teams of four are most of the patterns (91,390 of 102,090 over
    40 slots): the deeper candidates join teams of up to three for a tenth of the cost of all.

    Examples
    --------
    >>> p = patterns(3, 2)
    >>> p.members.tolist()
    [[0, -1], [1, -1], [2, -1], [0, 1], [0, 2], [1, 2]]
    >>> len(patterns(5, 4)), len(patterns(5, 4, fours_within=4))  # 5 + 10 + 10 + 5, then 4 + 1
    (30, 26)
    """
    g = max(1, min(max_group, m))
    reach = m if fours_within is None else min(m, max(fours_within, 0))
    rows = [c for k in range(1, g + 1) for c in combinations(range(m if k < 4 else reach), k)]
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
    #: (n, M) float32, 1 where a candidate is a partner counted once per group
    #: (``terms.once_coef``; None: nobody is)
    flag: np.ndarray | None = None
    #: (n, S, M) float32: what a candidate adds as a partner of need ``s`` by its capability level
    #: in that need's service, averaged over the need's partners (None: nothing)
    service_lift: np.ndarray | None = None
    #: (n, M) int64: each candidate's kind, whose count in a team less one ``terms.roles_coef``
    #: weighs (None: not read)
    kind: np.ndarray | None = None


def team_values(inp: TeamInputs, pats: Patterns) -> np.ndarray:
    """Value of every pattern for every village, (n, P) float32, ``-inf`` where not allowed.

    Examples
    --------
    >>> terms = TeamTerms(0.0, np.zeros(5), 0.0, [])
    >>> unary = np.array([[[60.0, np.nan], [np.nan, 40.0]]], np.float32)  # 2 needs, 2 slots
    >>> inp = TeamInputs(unary, np.array([[1.0, 0.5]], np.float32), np.zeros((1, 2), np.float32),
    ...                  np.zeros((1, 2, 2), np.float32), np.ones((1, 2), bool), terms)
    >>> team_values(inp, patterns(2, 2)).tolist()  # slot 0, slot 1, both
    [[60.0, 20.0, 80.0]]
    """
    n = inp.unary.shape[0]
    out = np.full((n, len(pats)), -np.inf, np.float32)
    if n == 0 or len(pats) == 0:
        return out
    terms = inp.terms
    g = pats.members.shape[1]
    size_term = np.array([terms.size_term(k) for k in range(g + 1)], float)
    proven = np.ascontiguousarray(
        inp.proven if inp.proven is not None else np.zeros((1, 1, 1)), bool
    )
    arrays = [
        np.ascontiguousarray(a, t)
        for a, t in (
            (inp.unary, np.float32),
            (inp.w, np.float32),
            (inp.quality, np.float32),
            (inp.pair, np.float32),
            (inp.present, bool),
        )
    ]
    fixed = (
        np.ascontiguousarray(pats.members, np.int64),
        np.ascontiguousarray(pats.size, np.int64),
        size_term,
        float(terms.same_service_coef),
        float(terms.complement_coef),
        float(terms.floor),
        terms.link == "logit",
    )
    flagged = inp.flag is not None and terms.once_coef != 0.0
    flag = np.ascontiguousarray(inp.flag if flagged else np.zeros((n, 1)), np.float32)
    once = (float(terms.once_coef) if flagged else 0.0, float(terms.once_mean))
    has_lift = inp.service_lift is not None
    lift = np.ascontiguousarray(inp.service_lift if has_lift else np.zeros((n, 1, 1)), np.float32)
    has_kind = inp.kind is not None and terms.roles_coef != 0.0
    kind = np.ascontiguousarray(inp.kind if has_kind else np.zeros((n, 1)), np.int64)
    roles_coef = float(terms.roles_coef) if has_kind else 0.0

    def fill(rows: slice) -> None:
        mine = proven[rows] if inp.proven is not None else proven
        kernel: Callable[..., None] = fill_team_values  # Numba's stubs do not know its arguments
        kernel(
            *(a[rows] for a in arrays),
            mine,
            inp.proven is not None,
            *fixed,
            flag[rows],
            *once,
            lift[rows],
            has_lift,
            kind[rows],
            roles_coef,
            out[rows],
        )

    # the kernel releases the GIL: villages in equal shares over the machine's cores
    threads = max(1, min(os.cpu_count() or 1, MAX_THREADS, n // 256))
    bounds = np.linspace(0, n, threads + 1).astype(int)
    shares = [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    if threads == 1:
        fill(shares[0])
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(fill, shares))
    return out


def assign_needs(inp: TeamInputs, row: int, slots: np.ndarray) -> np.ndarray:
    """For one village and team, the slot covering each need (-1 = uncovered)."""
    u = inp.unary[row][:, slots]
    u = np.where(np.isnan(u), -np.inf, u)
    best = u.argmax(axis=1)
    return np.where(np.isfinite(u.max(axis=1)), slots[best], -1)
