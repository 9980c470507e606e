"""The history of a world: past projects, their teams and reviews, and partnerships in force.

Teams are drawn the way the spec says (a lead's usual partners, its community, or its neighbours);
each project's review scores are its true expected score (the spec's hidden outcome model) plus the
reviewer's leniency and noise.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from .effects import km

__all__ = ["make_history", "make_partnerships", "TODAY"]

#: the day the world is observed: projects ending later are still running (unreviewed)
TODAY = np.datetime64("2021-12-31")
_REVIEWERS_PER_COUNTY = 3


def make_partnerships(world, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """About 4 % of villages already have a group: a lead near them offering their most severe
    need at level ≥ 2 and, half the time, a second organization for another need.

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> v, o = make_partnerships(w, np.random.default_rng(0))
    >>> len(v) == len(o) > 0
    True
    """
    from .world import unit_xyz

    a = world.actors
    n_v = len(a.v_lat)
    chosen = np.sort(rng.choice(n_v, max(1, n_v // 25), replace=False))
    capacity = a.o_capacity.astype(np.int64).copy()
    tree = cKDTree(unit_xyz(a.o_lat, a.o_lon))
    _, near = tree.query(unit_xyz(a.v_lat[chosen], a.v_lon[chosen]), k=min(200, len(a.o_lat)))
    out_v, out_o = [], []
    for row, v in enumerate(chosen):
        needs = np.argsort(-a.need_sev[v], kind="stable")
        needs = needs[a.need_sev[v, needs] > 0]
        group: list[int] = []
        for s in needs[: 1 + int(rng.random() < 0.5)]:
            ok = near[row][(a.o_level[near[row], s] >= 2) & (capacity[near[row]] > 0)]
            ok = ok[~np.isin(ok, group)]
            if len(ok):
                group.append(int(ok[0]))
                capacity[ok[0]] -= 1
        out_v += [v] * len(group)
        out_o += group
    return np.array(out_v, np.int64), np.array(out_o, np.int64)


def _pick_partner(world, rng, lead, knn):
    """One partner per project: a usual partner, a community member or a neighbour."""
    spec, pairs, comm = world.spec, world.pairs, world.communities
    n = len(lead)
    p_pair, p_comm = spec.partner_mix
    u = rng.random(n)
    deg = pairs.degree()[lead]
    pair_pick = (
        pairs.partner[
            np.minimum(
                pairs.indptr[lead] + (rng.random(n) * deg).astype(np.int64), len(pairs.partner) - 1
            )
        ]
        if len(pairs.partner)
        else np.full(n, -1)
    )
    label = comm[lead]
    order = np.argsort(comm, kind="stable")
    labels = comm[order]
    lo = np.searchsorted(labels, label, "left")
    hi = np.searchsorted(labels, label, "right")
    comm_pick = order[np.minimum(lo + (rng.random(n) * (hi - lo)).astype(np.int64), len(order) - 1)]
    near_pick = knn[lead, rng.integers(1, knn.shape[1], n)]
    use_pair = (u < p_pair) & (deg > 0)
    use_comm = ~use_pair & (u < p_pair + p_comm) & (label >= 0) & (hi - lo > 1)
    return np.where(use_pair, pair_pick, np.where(use_comm, comm_pick, near_pick))


def _villages(world, rng, lead, near_v):
    """Each project's village: one of the lead's 30 nearest, at random, unless the spec says that
    strong leads go to hard villages (``params["strong_to_hard"]``, a weight on quality × the
    village's hidden hardship: the history is chosen, not drawn)."""
    k = near_v.shape[1]
    beta = world.spec.params.get("strong_to_hard")
    if not beta:
        return near_v[lead, rng.integers(0, k, len(lead))]
    options = near_v[lead]
    a = world.actors
    keys = (
        rng.gumbel(size=options.shape) + beta * a.o_quality[lead][:, None] * a.v_hardship[options]
    )
    return options[np.arange(len(lead)), np.argmax(keys, axis=1)]


def _sizes(world, rng, village, n_p):
    """Each project's group size (1..4): drawn from ``spec.size_p``, shifted up in hard villages
    when the spec says so (``params["size_by_hardship"]``, members per unit of hidden hardship)."""
    spec = world.spec
    size = 1 + rng.choice(4, n_p, p=spec.size_p)
    gamma = spec.params.get("size_by_hardship")
    if gamma:
        shift = gamma * world.actors.v_hardship[village] + rng.normal(0, 0.5, n_p)
        size = np.clip(size + np.rint(shift).astype(np.int64), 1, 4)
    return size


def make_history(world, rng: np.random.Generator, knn: np.ndarray) -> dict:
    """Projects 2016–2021 with teams, true expected scores and reviews (arrays).

    Examples
    --------
    >>> from bench.quality import spec
    >>> from bench.quality.world import build_world
    >>> w = build_world(spec("dev_local_teams"), "tiny", 0)
    >>> h = w.history  # made by make_history
    >>> bool((h["members"][:, 0] == h["lead"]).all()), h["members"].shape[1]
    (True, 4)
    """
    from .world import unit_xyz

    a, spec = world.actors, world.spec
    n_o = len(a.o_lat)
    n_p = int(round(spec.projects_per_org * n_o))
    weight = spec.activity(a, rng)
    lead = rng.choice(n_o, n_p, p=weight / weight.sum())
    keys = np.where(a.o_level[lead] > 0, rng.gumbel(size=(n_p, a.o_level.shape[1])), -np.inf)
    service = np.argmax(keys, axis=1)
    vtree = cKDTree(unit_xyz(a.v_lat, a.v_lon))
    k = min(30, len(a.v_lat))
    _, near_v = vtree.query(unit_xyz(a.o_lat, a.o_lon), k=k)
    village = _villages(world, rng, lead, near_v)
    size = _sizes(world, rng, village, n_p)
    members = np.full((n_p, 4), -1, np.int64)
    members[:, 0] = lead
    for slot in range(1, 4):
        pick = _pick_partner(world, rng, lead, knn)
        fresh = (size > slot) & ~(members[:, :slot] == pick[:, None]).any(axis=1)
        members[:, slot] = np.where(fresh, pick, -1)
    members = np.take_along_axis(members, np.argsort(members < 0, axis=1, kind="stable"), axis=1)
    expected = world.expected(village, service, lead, members)

    year = rng.integers(2016, 2022, n_p)
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]") + rng.integers(
        0, 365, n_p
    )
    end = start + rng.integers(120, 400, n_p)
    reviewed_on = end + rng.integers(7, 45, n_p)
    reviewed = reviewed_on <= TODAY
    n_rev = len(a.county_names) * _REVIEWERS_PER_COUNTY
    bias = rng.normal(0, spec.reviewer_sd, n_rev)
    r_p = np.flatnonzero(reviewed)
    second = r_p[rng.random(len(r_p)) < spec.second_review]
    county = a.v_county[village]
    first_reviewer = county * _REVIEWERS_PER_COUNTY + rng.integers(0, _REVIEWERS_PER_COUNTY, n_p)
    rev_p = np.concatenate([r_p, second])
    reviewer = np.concatenate(
        [
            first_reviewer[r_p],
            county[second] * _REVIEWERS_PER_COUNTY
            + (first_reviewer[second] + 1) % _REVIEWERS_PER_COUNTY,
        ]
    )
    rev_date = np.concatenate([reviewed_on[r_p], reviewed_on[second] + 3])
    df = spec.params.get("noise_df")  # heavy-tailed review noise (Student t) when given
    noise = spec.noise_sd * (rng.standard_t(df, len(rev_p)) if df else rng.normal(0, 1, len(rev_p)))
    score = np.round(np.clip(expected[rev_p] + bias[reviewer] + noise, 0, 100), 1)
    return {
        "lead": lead,
        "village": village,
        "service": service,
        "members": members,
        "expected": expected,
        "start": start,
        "end": end,
        "budget": np.round(rng.lognormal(11.0, 0.6, n_p), -2),
        "review_project": rev_p,
        "review_score": score,
        "review_date": rev_date,
        "reviewer": reviewer,
        "reviewer_bias": bias,
        "lead_km": km(a.v_lat[village], a.v_lon[village], a.o_lat[lead], a.o_lon[lead]),
    }
