"""``recommend``: a group (抱团) for every village still without support, explained."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from graph_schema.contract.vocabulary import SERVICES
from graph_schema.rules import MAX_GROUP

from .assemble import assemble
from .calibration import HeldOut, attach_uncertainty, calibrate
from .candidates import FOURS_WITHIN, MAX_CANDIDATES, TOP_K, Candidates, find_candidates, list_sizes
from .errors import MatcherError
from .formation import check_capacity, greedy, objective, urgency_order
from .result import Calibration, RecommendationResult
from .scoring import Scorer, fit_scorer
from .snapshot import Snapshot, build_snapshot
from .teams import Patterns, TeamInputs, patterns, team_values
from .unserved import Formed, second_chance, team_load, unserved_villages
from .volunteers import suggest_volunteers

__all__ = ["recommend", "build_problem", "Problem", "Progress"]

Progress = Callable[[str, int, int], None]


def _formation(method: str, values, cand, pats, cap, order, seed, coords):
    if method == "greedy":
        return greedy(values, cand.orgs, pats, cap, order), {"method": "greedy"}
    from .colgen import column_generation

    return column_generation(values, cand.orgs, pats, cap, order, seed=seed, coords=coords)


def recommend(
    dataset,
    max_group: int = MAX_GROUP,
    seed: int = 0,
    progress: Progress | None = None,
    *,
    method: str = "colgen",
    evaluate: bool = True,
    max_candidates: int = MAX_CANDIDATES,
    top_k: int = TOP_K,
    baseline: bool = False,
    variant: str = "auto",
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
    evaluate : bool
        Also run the time-split evaluation of the outcome model (``summary["model"]``).
    baseline : bool
        Also run the greedy baseline on the same teams (``summary["baseline"]``; benchmarks).
    variant : "auto", "full" or "quality_only"
        The outcome model's group terms and partner search, or organization quality alone
        (a benchmark reference); "auto" keeps the group terms only where a time split of the
        world's own history says they predict better than none (:func:`matcher.scoring.choose_variant`;
        ``summary["model"]["variant"]`` says which was used).

    Examples
    --------
    >>> from graph_schema.contract.interchange import read_data  # doctest: +SKIP
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

    prob = build_problem(
        dataset, max_group, seed, evaluate, max_candidates, top_k, step, variant=variant
    )
    snap, scorer, cand, inp, pats, values = (
        prob.snap,
        prob.scorer,
        prob.cand,
        prob.inp,
        prob.pats,
        prob.values,
    )
    cap, order = prob.capacity_left, prob.order
    step(4, 4)
    coords = np.column_stack([snap.v_lat[cand.villages], snap.v_lon[cand.villages]])
    chosen, info = _formation(method, values, cand, pats, cap, order, seed, coords)
    if "upper_bound" in info:  # in the units of summary["objective"]
        info["upper_bound"] = round(info["upper_bound"] / 100.0, 4)
    if baseline:
        t0 = time.perf_counter()
        base = greedy(values, cand.orgs, pats, cap, order)
        info["baseline"] = {
            "objective": round(objective(values, base) / 100.0, 4),
            "served": int((base >= 0).sum()),
            "seconds": round(time.perf_counter() - t0, 3),
        }
    violations = check_capacity(cand.orgs, pats, chosen, cap)
    if violations:  # never expected: the formation keeps capacities by construction
        raise MatcherError(f"internal error: {violations} organizations over capacity")
    first = Formed(cand, inp, pats, values, chosen, np.arange(len(cand)))
    # the second chance's lists are no longer than the formation's (smaller in large worlds)
    width = list_sizes(len(cand), max_candidates, top_k)[0]
    rounds = [first, *second_chance(scorer, first, cap, max_group, width)]
    loads = [team_load(f, snap.n_orgs) for f in rounds]
    cap_final = cap - sum(loads)
    if (cap_final < 0).any():  # never expected: every round keeps what the earlier ones left
        raise MatcherError("internal error: organizations over capacity after the second chance")
    step(5, 5)
    vols = _volunteers(dataset, snap, rounds, order)
    step(6, 6)
    recs = []
    for f, load, v in zip(rounds, loads, vols, strict=True):
        # alternatives are providers with capacity left once every round has taken its teams
        recs += assemble(scorer, f.cand, f.inp, f.pats, f.values, f.chosen, cap_final + load, v)
    recs.sort(key=lambda rec: rec.village_id)
    unserved = unserved_villages(snap, recs, cap_final)
    calibration = _calibration(scorer) if evaluate and scorer.history_used else None
    if calibration is not None:
        recs = attach_uncertainty(recs, snap, scorer.hist, calibration)
    rescued = rounds[1:]
    summary = {
        "villages": snap.n_villages,
        "eligible": int((~snap.v_supported).sum()),
        "with_needs": len(cand),
        "already_supported": int(snap.v_supported.sum()),
        "served": len(recs),
        "unserved": len(unserved),
        "capacity_violations": violations,
        "seconds": round(time.perf_counter() - start, 2),
        "outcome_history_used": scorer.history_used,
        "model": scorer.metrics,
        "max_group": max_group,
        "seed": seed,
        "objective": round(objective(values, chosen) / 100.0, 4),
        "formation": info,
        "second_chance": {
            "rounds": len(rescued),
            "served": int(sum((f.chosen >= 0).sum() for f in rescued)),
            "objective": round(sum(objective(f.values, f.chosen) for f in rescued) / 100.0, 4),
        },
    }
    step(6, 7)
    return RecommendationResult(recs, summary, unserved, calibration)


def _volunteers(dataset, snap, rounds, order) -> list[dict]:
    """Volunteers for the teams of every round (most urgent village first), by round and row."""
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    served = sorted(
        (
            (int(rank[f.rows[r]]), i, int(r))
            for i, f in enumerate(rounds)
            for r in np.flatnonzero(f.chosen >= 0)
        ),
    )
    requests = []
    for _, i, r in served:
        f = rounds[i]
        needs = [SERVICES[s] for s in f.cand.need_s[r] if s >= 0]
        members = {snap.org_ids[o] for o in _team(f.cand, f.pats, r, f.chosen[r])}
        v = f.cand.villages[r]
        requests.append((snap.v_lat[v], snap.v_lon[v], needs, members))
    vols: list[dict] = [{} for _ in rounds]
    for (_, i, r), people in zip(served, suggest_volunteers(dataset, requests), strict=True):
        vols[i][r] = people
    return vols


def _calibration(scorer: Scorer) -> Calibration | None:
    """Calibration from the evaluation's own held-out predictions (None without a time split)."""
    if not isinstance(scorer.held_out, HeldOut):  # the split failed: too few dated reviews
        return None
    try:
        return calibrate(scorer.held_out)
    except MatcherError:  # an empty test year
        return None


@dataclass
class Problem:
    """Group formation as the optimiser sees it: candidates, team patterns and their values."""

    snap: Snapshot
    scorer: Scorer
    cand: Candidates
    inp: TeamInputs
    pats: Patterns
    values: np.ndarray
    capacity_left: np.ndarray
    order: np.ndarray


def build_problem(
    dataset,
    max_group: int = MAX_GROUP,
    seed: int = 0,
    evaluate: bool = False,
    max_candidates: int = MAX_CANDIDATES,
    top_k: int = TOP_K,
    step: Callable[..., None] | None = None,
    variant: str = "auto",
) -> Problem:
    """Snapshot, outcome model, candidates and every team's value (what ``recommend`` optimises)."""

    def report(i: int) -> None:
        if step is not None:
            step(i, i)

    report(0)
    snap = build_snapshot(dataset)
    report(1)
    scorer = fit_scorer(snap, seed=seed, evaluate=evaluate, variant=variant)
    report(2)
    cand = find_candidates(
        snap, scorer.prior, top_k=top_k, max_candidates=max_candidates, partners=scorer.partners()
    )
    report(3)
    inp = scorer.team_inputs(cand)
    pats = patterns(cand.orgs.shape[1], max_group, FOURS_WITHIN)
    values = team_values(inp, pats)
    order = urgency_order(cand.need_w, snap.village_ids[cand.villages])
    return Problem(snap, scorer, cand, inp, pats, values, snap.capacity_left, order)


def _team(cand: Candidates, pats: Patterns, r, p) -> np.ndarray:
    slots = pats.members[p]
    return cand.orgs[r, slots[slots >= 0]]
