"""The compiled loop behind :func:`matcher.teams.team_values`.

One pass per village and team, with no temporaries: a team is dropped as soon as one of its
members is not present, provides none of the village's needs, or neither leads a need nor has a
proven partner in the team (most teams of four fail one of these), before its value is summed.
The array version this replaces built villages × needs × teams arrays for every step of the
formula and spent 38 s on the demo province with 24 candidates a village (12,950 teams, 13 % of
them allowed); see docs/matcher.md, *Team values: a compiled loop*.

Numba compiles it on first use and caches the machine code next to this file. It is serial and
releases the GIL; :func:`~matcher.teams.team_values` gives each thread a share of the villages
(rather than Numba's ``parallel=True``, whose default threading layer refuses kernels launched
from several threads at once, as the web site's workers would).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = ["fill_team_values"]


@njit(cache=True, nogil=True)
def _brings(unary, r, members, p, k, lead):
    """How many of the village's needs member ``lead`` does not provide its partners bring (a
    need two partners bring counts twice: each brings it)."""
    top = members[p, lead]
    count = 0
    for i in range(k):
        if i == lead:
            continue
        mate = members[p, i]
        for s in range(unary.shape[1]):
            if math.isnan(unary[r, s, top]) and not math.isnan(unary[r, s, mate]):
                count += 1
    return count


@njit(cache=True, nogil=True)
def fill_team_values(
    unary,  # (n, S, M) float32, NaN: cannot serve
    w,  # (n, S) float32 need weights
    quality,  # (n, M) float32 member term (the mean over a need's partners is taken)
    pair,  # (n, M, M) float32 pair terms
    present,  # (n, M) bool
    proven,  # (n, M, M) bool, or (1, 1, 1) when has_proven is False
    has_proven,
    members,  # (P, G) int64 slot indices, -1 padded
    size,  # (P,) int64
    size_term,  # (G + 1,) float64: the size term of a team of each size
    same_service_coef,
    complement_coef,
    floor,
    logit,
    flag,  # (n, M) float32 1: a partner counted once per group (once_coef), or (1, 1)
    once_coef,
    once_mean,
    lift,  # (n, S, M) float32: a partner's term for each need (service level), or (n, 1, 1)
    has_lift,
    kind,  # (n, M) int64 each candidate's kind (0..62), or (n, 1) when roles_coef is 0
    roles_coef,
    out,  # (n, P) float32, filled with -inf by the caller
):
    n, n_needs, m_slots = unary.shape
    n_patterns = members.shape[0]
    best = np.empty(n_needs)
    lead = np.empty(n_needs, np.int64)
    hands = np.empty(n_needs, np.int64)
    provides = np.empty(m_slots, np.bool_)
    for r in range(n):
        wanted = False
        for s in range(n_needs):
            if w[r, s] > 0:
                wanted = True
        if not wanted:
            continue
        for m in range(m_slots):
            provides[m] = False
            for s in range(n_needs):
                if not math.isnan(unary[r, s, m]):
                    provides[m] = True
        for p in range(n_patterns):
            k = size[p]
            usable = True
            for i in range(k):
                m = members[p, i]
                if not (present[r, m] and provides[m]):
                    usable = False
                    break
            if not usable:
                continue
            # the best provider of each need (ties: the earlier slot) and how many provide it
            covered = False
            for s in range(n_needs):
                b = -np.inf
                a = 0
                h = 0
                for i in range(k):
                    x = unary[r, s, members[p, i]]
                    if not math.isnan(x):
                        h += 1
                        if x > b:
                            b = x
                            a = i
                best[s] = b
                lead[s] = a
                hands[s] = h
                if h > 0:
                    covered = True
            if not covered:
                continue
            # every member leads a need or supports a proven partner of the team
            for i in range(k):
                ok = False
                for s in range(n_needs):
                    if hands[s] > 0 and lead[s] == i:
                        ok = True
                        break
                if not ok and has_proven:
                    for o in range(k):
                        if o != i and proven[r, members[p, i], members[p, o]]:
                            ok = True
                            break
                if not ok:
                    usable = False
                    break
            if not usable:
                continue
            base = size_term[k]
            q_sum = 0.0
            for i in range(k):
                q_sum += quality[r, members[p, i]]
                for j in range(i + 1, k):
                    base += pair[r, members[p, i], members[p, j]]
            if roles_coef != 0.0 and k > 1:
                # the kinds the team holds, each counted once however many members are of it
                held = 0
                for i in range(k):
                    held |= 1 << kind[r, members[p, i]]
                kinds = 0
                while held:
                    kinds += held & 1
                    held >>= 1
                base += roles_coef * (kinds - 1)
            total = 0.0
            for s in range(n_needs):
                if hands[s] == 0:
                    continue
                eta = best[s] + base
                if k > 1:
                    # the partners of the need's lead, and the share of them that also provide it
                    eta += (q_sum - quality[r, members[p, lead[s]]]) / (k - 1)
                    eta += same_service_coef * (hands[s] - 1) / (k - 1)
                    if complement_coef != 0.0:
                        eta += complement_coef * _brings(unary, r, members, p, k, lead[s])
                    if once_coef != 0.0:
                        # any partner of the lead flagged: counted once, however many are
                        flagged = 0.0
                        for i in range(k):
                            if i != lead[s] and flag[r, members[p, i]] > flagged:
                                flagged = flag[r, members[p, i]]
                        eta += once_coef * (flagged - once_mean)
                    if has_lift:
                        # the partners' levels in this need's own service
                        extra = 0.0
                        for i in range(k):
                            if i != lead[s]:
                                extra += lift[r, s, members[p, i]]
                        eta += extra / (k - 1)
                if logit:
                    score = floor + (100.0 - floor) / (1.0 + math.exp(-eta))
                else:
                    score = min(max(eta, 0.0), 100.0)
                total += w[r, s] * max(score - floor, 0.0)
            out[r, p] = total
