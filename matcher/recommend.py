"""``recommend``: a group (抱团) for every village still without support, explained."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from graph_schema.vocabulary import ORG_KINDS, SERVICES

from .candidates import Candidates, find_candidates
from .errors import MatcherError
from .explain import group_sentences, member_facts, member_sentences
from .formation import check_capacity, greedy, objective, urgency_order
from .result import Member, Recommendation, RecommendationResult
from .scoring import Scorer, fit_scorer
from .snapshot import build_snapshot
from .teams import Patterns, TeamInputs, assign_needs, patterns, team_values
from .volunteers import suggest_volunteers

__all__ = ["recommend", "Progress"]

Progress = Callable[[str, int, int], None]


def _formation(method: str, values, cand, pats, cap, order, seed):
    if method == "greedy":
        return greedy(values, cand.orgs, pats, cap, order), {"method": "greedy"}
    from .colgen import column_generation

    return column_generation(values, cand.orgs, pats, cap, order, seed=seed)


def recommend(
    dataset,
    max_group: int = 4,
    seed: int = 0,
    progress: Progress | None = None,
    *,
    method: str = "greedy",
    evaluate: bool = True,
    max_candidates: int = 12,
    top_k: int = 4,
) -> RecommendationResult:
    """Recommend a group of organizations (and volunteers) for every village without a partnership.

    Parameters
    ----------
    dataset : graph_schema.Dataset
        A snapshot: the tables of the data contract.
    max_group : int
        At most this many organizations per village.
    seed : int
        Same dataset and seed give the same recommendations.
    progress : callable(stage, done, total) or None
        Called as each stage starts and ends.
    method : "colgen" or "greedy"
        Group formation: team columns with HiGHS, or the per-village greedy baseline.

    Examples
    --------
    >>> from graph_schema.interchange import read_data  # doctest: +SKIP
    >>> result = recommend(read_data("taian-city"), max_group=4, seed=0)  # doctest: +SKIP
    >>> result.summary["capacity_violations"]  # doctest: +SKIP
    0
    """
    if max_group < 1:
        raise MatcherError(f"max_group must be at least 1, not {max_group}")
    if method not in ("colgen", "greedy"):
        raise MatcherError(f"unknown formation method {method!r}")
    start = time.perf_counter()
    stages = (
        "snapshot",
        "model",
        "candidates",
        "scoring",
        "formation",
        "volunteers",
        "explanations",
    )

    def step(i: int, done: int = 0) -> None:
        if progress is not None:
            progress(stages[i], done, len(stages))

    step(0)
    snap = build_snapshot(dataset)
    step(1, 1)
    scorer = fit_scorer(snap, seed=seed, evaluate=evaluate)
    step(2, 2)
    cand = find_candidates(snap, scorer.prior, top_k=top_k, max_candidates=max_candidates)
    step(3, 3)
    inp = scorer.team_inputs(cand)
    pats = patterns(cand.orgs.shape[1], max_group)
    values = team_values(inp, pats)
    step(4, 4)
    cap = snap.capacity_left
    order = urgency_order(cand.need_w, snap.village_ids[cand.villages])
    chosen, info = _formation(method, values, cand, pats, cap, order, seed)
    violations = check_capacity(cand.orgs, pats, chosen, cap)
    if violations:  # never expected: the formation keeps capacities by construction
        raise MatcherError(f"internal error: {violations} organizations over capacity")
    step(5, 5)
    served = [int(r) for r in order if chosen[r] >= 0]
    requests = []
    for r in served:
        needs = [SERVICES[s] for s in cand.need_s[r] if s >= 0]
        members = {snap.org_ids[o] for o in _team(cand, pats, r, chosen[r])}
        v = cand.villages[r]
        requests.append((snap.v_lat[v], snap.v_lon[v], needs, members))
    vols = dict(zip(served, suggest_volunteers(dataset, requests), strict=True))
    step(6, 6)
    recs = _assemble(scorer, cand, inp, pats, values, chosen, cap, vols)
    summary = {
        "villages": snap.n_villages,
        "eligible": len(cand),
        "already_supported": int(snap.v_supported.sum()),
        "served": len(recs),
        "capacity_violations": violations,
        "seconds": round(time.perf_counter() - start, 2),
        "outcome_history_used": scorer.history_used,
        "model": scorer.metrics,
        "max_group": max_group,
        "seed": seed,
        "objective": round(objective(values, chosen) / 100.0, 4),
        "formation": info,
    }
    step(6, 7)
    return RecommendationResult(recs, summary)


def _team(cand: Candidates, pats: Patterns, r, p) -> np.ndarray:
    slots = pats.members[p]
    return cand.orgs[r, slots[slots >= 0]]


def _assemble(scorer: Scorer, cand, inp: TeamInputs, pats, values, chosen, cap, vols):
    snap = scorer.snap
    used = np.zeros(snap.n_orgs, np.int64)
    for r in np.flatnonzero(chosen >= 0):
        np.add.at(used, _team(cand, pats, r, chosen[r]), 1)
    left_after = cap - used
    names = dict(zip(snap.org_ids.tolist(), snap.org_names.tolist(), strict=True))
    recs = []
    for r in np.flatnonzero(chosen >= 0):
        recs.append(
            _one(scorer, cand, inp, pats, values, int(r), int(chosen[r]), left_after, vols, names)
        )
    recs.sort(key=lambda rec: rec.village_id)
    return recs


def _one(scorer: Scorer, cand, inp, pats, values, r, p, left_after, vols, names) -> Recommendation:
    snap, hist = scorer.snap, scorer.hist
    slots = pats.members[p][pats.members[p] >= 0]
    orgs = cand.orgs[r, slots]
    cover = assign_needs(inp, r, slots)
    need_s, need_w = cand.need_s[r], cand.need_w[r]
    needs = [j for j in range(len(need_s)) if need_s[j] >= 0]
    ids = [str(snap.org_ids[o]) for o in orgs]
    weight = {slot: sum(int(need_w[j]) for j in needs if cover[j] == slot) for slot in slots}
    lead_slot = max(slots, key=lambda sl: (weight[sl], -int(cand.orgs[r, sl])))
    n_rec, mean_rec = hist.org_record(orgs)
    terms = inp.terms
    bonus = float(terms.size_term(len(slots)) + terms.quality_coef * inp.quality[r, slots].mean())
    if len(slots) > 1:
        a, b = np.triu_indices(len(slots), 1)
        bonus += float(inp.pair[r, slots[a], slots[b]].mean())
    members = []
    for i, (slot, o) in enumerate(zip(slots, orgs, strict=True)):
        covered = [j for j in needs if cover[j] == slot]
        levels = {SERVICES[need_s[j]]: int(snap.level[o, need_s[j]]) for j in covered}
        shared = {}
        for k, other in enumerate(orgs):
            if k != i:
                n_pair, m_pair = hist.pair_record(np.array([o]), np.array([other]))
                n_all = int(hist.shared_projects(np.array([o]), np.array([other]))[0])
                shared[ids[k]] = (
                    n_all,
                    int(n_pair[0]),
                    None if n_pair[0] == 0 else float(m_pair[0]),
                )
        predicted = {
            SERVICES[need_s[j]]: float(np.clip(inp.unary[r, j, slot] + bonus, 0, 100))
            for j in covered
        }
        mean = None if n_rec[i] == 0 else float(mean_rec[i])
        facts = member_facts(
            n_rec[i], mean, snap.o_rating[o], ORG_KINDS[snap.o_kind[o]], shared, predicted
        )
        km = round(float(cand.km[r, slot]), 1)
        zh, en = member_sentences(names[ids[i]], levels, km, facts, names)
        role = "lead" if slot == lead_slot else "member"
        members.append(Member(ids[i], role, list(levels), levels, km, facts, zh, en))
    members.sort(key=lambda m: (m.role != "lead", -len(m.covers), m.org_id))
    uncovered = [SERVICES[need_s[j]] for j in needs if cover[j] < 0]
    total_w = float(need_w.sum())
    score = round(float(values[r, p]) / (100.0 * total_w), 4) if total_w > 0 else 0.0
    best_pair = None
    for m in members:
        for other, d in m.facts["shared"].items():
            if d["projects"] and (best_pair is None or d["projects"] > best_pair[2]):
                best_pair = (names[m.org_id], names[other], d["projects"], d["mean_score"])
    village = snap.village_names[cand.villages[r]]
    zh, en = group_sentences(
        village,
        names[members[0].org_id],
        len(members),
        len(needs),
        uncovered,
        score,
        best_pair,
        scorer.history_used,
    )
    alternatives = {}
    for j in needs:
        u = inp.unary[r, j]
        other = [k for k in range(len(u)) if not np.isnan(u[k]) and k not in set(slots.tolist())]
        other = [k for k in other if left_after[cand.orgs[r, k]] > 0]
        other.sort(key=lambda k: (-float(u[k]), int(cand.orgs[r, k])))
        alternatives[SERVICES[need_s[j]]] = [str(snap.org_ids[cand.orgs[r, k]]) for k in other[:5]]
    return Recommendation(
        str(snap.village_ids[cand.villages[r]]),
        members,
        vols.get(r, []),
        score,
        uncovered,
        zh,
        en,
        alternatives,
    )
