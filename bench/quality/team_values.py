"""How well the model's team values order the teams of one village, against the hidden truth.

The normalized score (:mod:`bench.quality.evaluate`) judges the whole formation: capacity,
candidates and team values at once, with a seed's spread of up to 0.2 on one generator. This
looks at the team values alone. For every village the optimiser may serve, a sample of the teams
it can form from its candidate list (up to ``per_village`` drawn at random, plus each valuation's
own best few) is valued twice — by the model (``matcher.teams.team_values``) and by the world's
hidden outcome model (:func:`bench.quality.greedy.true_values`) — and two numbers are read:

- *rank*: the mean over villages of the Spearman correlation between the two;
- *pick*: Σ over villages of the true value of the team the model values most, over Σ of the
  best true value among the sampled teams (1: the model's favourite is always the truly best).

Both ignore capacity: they say whether the model knows a good team when it sees one, not
whether the formation can have it. The same problem is valued with parts of the group value
taken out (:func:`ablations`), which shows what each part is worth on a world.

Examples
--------
>>> import numpy as np
>>> true = np.array([1.0, 3.0, 2.0, 5.0, 4.0])
>>> rows = np.array([0, 0, 0, 1, 1])
>>> valuation_scores(true, true, rows)
(1.0, 1.0)
>>> valuation_scores(-true, true, rows)
(-1.0, 0.625)
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from matcher.teams import TeamInputs, team_values

from .contract import org_ids, village_ids
from .greedy import true_values

__all__ = [
    "ABLATIONS",
    "SampledTeams",
    "ablations",
    "sample_teams",
    "team_value_scores",
    "valuation_scores",
]

#: the parts of a team's value taken out one at a time ("shipped": nothing taken out)
ABLATIONS = ("shipped", "no pair", "no partner", "no size", "no complement", "no group")


def _without(inp: TeamInputs, *, pair=False, partner=False, size=False, complement=False):
    out = copy.copy(inp)
    terms = copy.copy(inp.terms)
    if pair:  # ψ of every pair: joint record, community, party, kind and returns
        out.pair = np.zeros_like(inp.pair)
    if partner:  # what a partner adds by its own quality and distance
        out.quality = np.zeros_like(inp.quality)
    if size:  # every size valued as a lone organization
        terms.size_offset = np.full_like(terms.size_offset, terms.size_offset[1])
    if complement:  # a partner bringing a need the lead lacks, or a second hand in the service
        terms.complement_coef = 0.0
        terms.same_service_coef = 0.0
    out.terms = terms
    return out


def ablations(inp: TeamInputs) -> dict[str, TeamInputs]:
    """The team inputs with each part of the group value taken out (:data:`ABLATIONS`).

    Who may join without leading a need (``inp.proven``) is left as it is: the teams valued are
    the same in every ablation, only their values change.
    """
    return {
        "shipped": inp,
        "no pair": _without(inp, pair=True),
        "no partner": _without(inp, partner=True),
        "no size": _without(inp, size=True),
        "no complement": _without(inp, complement=True),
        "no group": _without(inp, pair=True, partner=True, size=True, complement=True),
    }


@dataclass(frozen=True)
class SampledTeams:
    """Teams of the problem's villages: candidate row ``row``, pattern ``pattern``, and the same
    team in the world's numbering (``village``, ``members`` padded with -1)."""

    row: np.ndarray
    pattern: np.ndarray
    village: np.ndarray
    members: np.ndarray


def sample_teams(
    world, problem, valued: dict[str, np.ndarray], per_village: int = 1500, top: int = 5, seed=0
) -> SampledTeams:
    """Up to ``per_village`` random teams allowed by the first valuation of ``valued`` (name →
    (villages, patterns) values), plus the ``top`` best of every valuation, for every village with
    at least five allowed teams."""
    rng = np.random.default_rng(seed)
    first = next(iter(valued.values()))
    rows, pats = [], []
    for r in range(first.shape[0]):
        allowed = np.flatnonzero(np.isfinite(first[r]) & (first[r] > 0))
        if len(allowed) < 5:
            continue
        chosen = [rng.choice(allowed, min(per_village, len(allowed)), replace=False)]
        for values in valued.values():
            ok = np.flatnonzero(np.isfinite(values[r]))
            chosen.append(ok[np.argsort(-values[r, ok], kind="stable")[:top]])
        p = np.unique(np.concatenate(chosen))
        rows.append(np.full(len(p), r))
        pats.append(p)
    row = np.concatenate(rows) if rows else np.zeros(0, np.int64)
    pattern = np.concatenate(pats) if pats else np.zeros(0, np.int64)
    snap, cand = problem.snap, problem.cand
    vindex = {v: i for i, v in enumerate(village_ids(world.n_villages))}
    oindex = {o: i for i, o in enumerate(org_ids(world.n_orgs))}
    world_v = np.array([vindex[snap.village_ids[x]] for x in cand.villages], np.int64)
    world_o = np.array([oindex[o] for o in snap.org_ids], np.int64)
    slots = problem.pats.members[pattern]
    orgs = np.where(slots >= 0, cand.orgs[row[:, None], np.maximum(slots, 0)], -1)
    members = np.where(orgs >= 0, world_o[np.maximum(orgs, 0)], -1)
    return SampledTeams(row, pattern, world_v[row], members)


def valuation_scores(model: np.ndarray, true: np.ndarray, rows: np.ndarray) -> tuple[float, float]:
    """(rank, pick) of model values against true values of teams grouped by village ``rows``
    (sorted). A team the model does not allow (-inf) ranks last."""
    model = np.where(np.isfinite(model), model, -1e30)
    starts = np.flatnonzero(np.r_[True, np.diff(rows) != 0])
    ends = np.r_[starts[1:], len(rows)]
    ranks, picked, best = [], 0.0, 0.0
    for a, b in zip(starts, ends, strict=True):
        if b - a > 1 and np.ptp(model[a:b]) > 0 and np.ptp(true[a:b]) > 0:
            ranks.append(spearmanr(model[a:b], true[a:b]).statistic)
        picked += float(true[a + int(np.argmax(model[a:b]))])
        best += float(true[a:b].max())
    return (float(np.mean(ranks)) if ranks else 0.0, picked / best if best > 0 else 0.0)


def team_value_scores(world, problem, per_village: int = 1500, seed: int = 0, form=None) -> dict:
    """``ablation → (rank, pick)`` for one world and its ``matcher.recommend.build_problem``;
    ``(rank, pick, form(values))`` when ``form`` is given (a score of the groups formed with one
    ablation's (villages, patterns) values)."""
    valued = {k: team_values(inp, problem.pats) for k, inp in ablations(problem.inp).items()}
    teams = sample_teams(world, problem, valued, per_village=per_village, seed=seed)
    true = true_values(world, teams.village, teams.members)
    out = {}
    for k, v in valued.items():
        out[k] = valuation_scores(v[teams.row, teams.pattern], true, teams.row)
        if form is not None:
            out[k] = (*out[k], form(v))
    return out
