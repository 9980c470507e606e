"""Pair effects fitted jointly with who is good (matcher/pair_effects.py).

A pair is credited with what its members do better *together* than their own records say, and
trusted in proportion to how often they worked together: an officer who sees "worked well
together" on a recommendation must not be shown a strong organization's own quality instead.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from matcher.collaboration import History, members_matrix
from matcher.pair_effects import fit_joint_effects
from matcher.snapshot import build_snapshot
from tests.support.worlds import tiny_dataset

ORGS = [(o, 36.0, 117.01, 2, {"medical": 4}) for o in "ABCDEFGH"]


def _fit(teams, residual_of):
    """Projects of ``teams`` (a year apart), each with the residual ``residual_of(team)``."""
    projects = [
        (f"J{i:03d}", "medical", team, "V1", 50.0, f"{1990 + i // 4}-{1 + i % 12:02d}-15")
        for i, team in enumerate(teams)
    ]
    snap = build_snapshot(
        tiny_dataset([("V1", 36.0, 117.0, {"medical": 3})], ORGS, projects=projects)
    )
    ids = list(snap.org_ids)
    team = members_matrix(snap.proj_members)
    names = [frozenset(ids[m] for m in row if m >= 0) for row in team]
    noise = np.random.default_rng(0).normal(0.0, 0.3, len(names))
    residual = np.array([residual_of(n) for n in names]) + noise
    joint = fit_joint_effects(snap, History(snap), np.arange(len(names)), residual)
    return joint, {o: i for i, o in enumerate(ids)}


def test_a_strong_organization_does_not_make_its_pairs_look_good():
    # A is good with every partner: the credit is A's, not any pair's
    teams = [["A", p] for p in "BCDEFGH"] * 4 + [[p, q] for p, q in ["BC", "DE", "FG", "HB"]] * 4
    joint, idx = _fit(teams, lambda t: 1.0 if "A" in t else 0.0)
    with_a = joint.pair_term([idx["A"]] * 7, [idx[p] for p in "BCDEFGH"])
    assert np.abs(with_a).max() < 0.25, with_a


def test_a_pair_that_works_well_together_is_credited_and_a_bad_one_is_not():
    teams = [[p, q] for p, q in ["AB", "AC", "BD", "CD", "EF", "EG", "FH", "GH"]] * 5
    good, bad = frozenset("AB"), frozenset("GH")
    joint, idx = _fit(teams, lambda t: 1.0 if t == good else (-1.0 if t == bad else 0.0))
    term = joint.pair_term([idx["A"], idx["G"], idx["A"]], [idx["B"], idx["H"], idx["D"]])
    assert term[0] > 0.3
    assert term[1] < -0.3
    assert abs(term[2]) < 0.2  # never worked together, no community in common: nothing known


def test_a_pair_is_trusted_in_proportion_to_its_shared_projects():
    often = [["A", "B"]] * 8
    once = [["C", "D"]]
    rest = [[p, q] for p, q in ["EF", "GH", "EG", "FH", "AE", "CF"]] * 4
    joint, idx = _fit(often + once + rest, lambda t: 1.0 if t in ({"A", "B"}, {"C", "D"}) else 0.0)
    many, one = joint.pair_term([idx["A"], idx["C"]], [idx["B"], idx["D"]])
    assert many > one > 0


def _fit_random_pairs(prefix: str, is_special, residual: float, seed: int, **attributes):
    """400 projects of random pairs of 24 organizations ``prefix``00..23 (``attributes`` go to
    :func:`tiny_dataset`); a pair for which ``is_special(names of its two members)`` holds
    leaves ``residual`` (plus noise) beyond what its members bring."""
    names = [f"{prefix}{i:02d}" for i in range(24)]
    rng = np.random.default_rng(seed)
    teams = [list(rng.choice(names, 2, replace=False)) for _ in range(400)]
    projects = [
        (f"J{i:03d}", "medical", team, "V1", 50.0, f"{1990 + i // 20}-{1 + i % 12:02d}-15")
        for i, team in enumerate(teams)
    ]
    orgs = [(o, 36.0, 117.01, 2, {"medical": 4}) for o in names]
    village = [("V1", 36.0, 117.0, {"medical": 3})]
    snap = build_snapshot(tiny_dataset(village, orgs, projects=projects, **attributes))
    ids = list(snap.org_ids)
    team = members_matrix(snap.proj_members)
    special = np.array([bool(is_special([ids[m] for m in row if m >= 0])) for row in team])
    y = residual * special + rng.normal(0.0, 0.5, len(team))
    joint = fit_joint_effects(snap, History(snap), np.arange(len(team)), y)
    return joint, {o: i for i, o in enumerate(ids)}


def _fit_party(residual_of_mixed: float, seed: int = 0):
    """Pairs of 24 organizations, half with a party branch; a pair of one with and one without
    a branch leaves ``residual_of_mixed`` (plus noise) beyond what its members bring."""
    party = {f"P{i:02d}" for i in range(0, 24, 2)}
    mixed = lambda pair: len({o in party for o in pair}) == 2  # noqa: E731
    return _fit_random_pairs("P", mixed, residual_of_mixed, seed, party_branches=party)


def test_strangers_of_one_party_committee_are_preferred_when_mixed_pairs_did_worse():
    # P00 and P02 have party branches, P01 has none; none of them worked together before
    joint, idx = _fit_party(-0.4)
    same, mixed = joint.pair_term([idx["P00"], idx["P00"]], [idx["P02"], idx["P01"]])
    assert mixed < -0.2 and mixed < same - 0.2, (same, mixed)
    assert joint.summary()["party_coef"][1] < -0.2


def test_a_party_effect_the_history_does_not_bear_out_counts_for_nothing():
    # the same pairs, no party effect: a coefficient fitted to noise would steer every team
    joint, idx = _fit_party(0.0)
    assert joint.summary()["party_coef"] == [0.0, 0.0]
    a, b = [idx["P00"], idx["P00"]], [idx["P01"], idx["P02"]]
    assert (joint.pair_term(a, b) == replace(joint, party=None).pair_term(a, b)).all()


def _fit_kinds(residual_of_mixed: float, seed: int = 0):
    """Pairs of 24 organizations, a third of each kind; a pair of a service agency and a
    foundation leaves ``residual_of_mixed`` (plus noise) beyond what its members bring."""
    kinds = {
        f"K{i:02d}": ("social_group", "service_agency", "foundation")[i % 3] for i in range(24)
    }
    mixed = lambda pair: {kinds[o] for o in pair} == {"service_agency", "foundation"}  # noqa: E731
    return _fit_random_pairs("K", mixed, residual_of_mixed, seed, kinds=kinds)


def test_strangers_of_the_kinds_that_did_well_together_are_valued_so():
    # K01 is a service agency, K02 a foundation, K00 and K03 social groups; none worked together
    joint, idx = _fit_kinds(0.4)
    good, other, same = joint.pair_term(
        [idx["K01"], idx["K00"], idx["K00"]], [idx["K02"], idx["K02"], idx["K03"]]
    )
    assert good > 0.2 and good > other + 0.2 and good > same + 0.2, (good, other, same)
    assert joint.summary()["kind_coef"][2] > 0.2  # (service agency, foundation)


def test_a_kind_effect_the_history_does_not_bear_out_counts_for_nothing():
    joint, idx = _fit_kinds(0.0)
    assert joint.summary()["kind_coef"] == [0.0, 0.0, 0.0]
    a, b = [idx["K01"], idx["K00"]], [idx["K02"], idx["K02"]]
    assert (joint.pair_term(a, b) == replace(joint, kind=None).pair_term(a, b)).all()


def _fit_returning(gain_per_return: float, seed: int = 0):
    """Forty pairs that worked together one to four times (every project reviewed, each leaving
    ``gain_per_return · log1p(times − 1)`` plus noise), and two pairs whose joint projects were
    never reviewed: Q0 and Q1 came back three times, Q2 and Q3 met once."""
    rng = np.random.default_rng(seed)
    names = [f"P{i:02d}" for i in range(80)]
    teams, times = [], []
    for i in range(40):
        k = 1 + i % 4
        teams += [[names[2 * i], names[2 * i + 1]]] * k
        times += [k] * k
    projects = [
        (f"J{i:03d}", "medical", team, "V1", 50.0, f"{1990 + i // 20}-{1 + i % 12:02d}-15")
        for i, team in enumerate(teams)
    ]
    unreviewed = [["Q0", "Q1"]] * 4 + [["Q2", "Q3"]]
    projects += [
        (f"U{i:03d}", "medical", team, "V1", None, f"2000-{1 + i:02d}-15")
        for i, team in enumerate(unreviewed)
    ]
    orgs = [(o, 36.0, 117.01, 2, {"medical": 4}) for o in names + ["Q0", "Q1", "Q2", "Q3"]]
    snap = build_snapshot(
        tiny_dataset([("V1", 36.0, 117.0, {"medical": 3})], orgs, projects=projects)
    )
    ids = list(snap.org_ids)
    team = members_matrix(snap.proj_members)
    count = {frozenset(t): k for t, k in zip(teams, times, strict=True)}
    k = np.array([count[frozenset(ids[m] for m in row if m >= 0)] for row in team])
    residual = gain_per_return * np.log1p(k - 1) + rng.normal(0.0, 0.3, len(k))
    joint = fit_joint_effects(snap, History(snap), np.arange(len(k)), residual)
    return joint, {o: i for i, o in enumerate(ids)}


def test_partners_who_keep_coming_back_are_preferred_where_returning_pairs_did_better():
    # Q0 and Q1 have no reviewed project together; their returns are what speaks for them
    joint, idx = _fit_returning(0.5)
    returning, once = joint.pair_term([idx["Q0"], idx["Q2"]], [idx["Q1"], idx["Q3"]])
    assert returning > 0.3, joint.summary()
    assert once == 0.0
    assert joint.summary()["repeat_coef"] > 0.3


def test_coming_back_counts_for_nothing_where_returning_pairs_did_no_better():
    joint, idx = _fit_returning(0.0)
    assert joint.summary()["repeat_coef"] == 0.0
    assert joint.pair_term([idx["Q0"]], [idx["Q1"]])[0] == 0.0


def _fit_repeated_pairs(lasting: bool, seed: int = 0, multipliers=None):
    """60 pairs of 30 organizations, each working together four times spread over the years; a
    pair leaves an effect beyond its members' (sd 1) that lasts (``lasting``) or is drawn afresh
    for its newer projects, and noise. ``multipliers`` replaces the pair shrinkages tried."""
    from matcher import pair_effects

    names = [f"R{i:02d}" for i in range(30)]
    rng = np.random.default_rng(seed)
    pairs = [tuple(rng.choice(30, 2, replace=False)) for _ in range(60)]
    order = rng.permutation(np.repeat(np.arange(60), 4))  # each pair early and late
    projects = [
        (
            f"J{i:03d}",
            "medical",
            [names[a] for a in pairs[p]],
            "V1",
            50.0,
            f"{1990 + i // 24}-06-15",
        )
        for i, p in enumerate(order)
    ]
    orgs = [(o, 36.0, 117.01, 2, {"medical": 4}) for o in names]
    snap = build_snapshot(
        tiny_dataset([("V1", 36.0, 117.0, {"medical": 3})], orgs, projects=projects)
    )
    early, late = rng.normal(0.0, 1.0, 60), rng.normal(0.0, 1.0, 60)
    newer = np.arange(len(order)) >= 0.7 * len(order)
    effect = np.where(newer & (not lasting), late[order], early[order])
    y = effect + rng.normal(0.0, 0.3, len(order))
    assert members_matrix(snap.proj_members).shape[0] == len(y)  # projects kept in id order
    saved = pair_effects.PAIR_PENALTY_MULTIPLIERS
    try:
        if multipliers is not None:
            pair_effects.PAIR_PENALTY_MULTIPLIERS = multipliers
        joint = fit_joint_effects(snap, History(snap), np.arange(len(y)), y)
    finally:
        pair_effects.PAIR_PENALTY_MULTIPLIERS = saved
    ids = {o: i for i, o in enumerate(snap.org_ids)}
    a, b = ([ids[names[p[k]]] for p in pairs] for k in (0, 1))
    return joint, joint.pair_term(a, b), early


def test_a_pair_record_that_does_not_last_is_shrunk_further():
    # what pairs did together in the older years says nothing of the newer ones: the newer
    # reviews say so, and the pairs are shrunk more than the moment estimate alone would, so the
    # optimiser is promised less of what will not be there
    joint, term, _ = _fit_repeated_pairs(lasting=False)
    _, unshrunk, _ = _fit_repeated_pairs(lasting=False, multipliers=(1.0,))
    assert joint.holdout["pair_penalty_multiplier"] > 1.0
    # the pairs told apart less: what the optimiser would pick one pair over another for
    assert np.std(term) < 0.8 * np.std(unshrunk)


def test_a_pair_that_lastingly_works_well_together_keeps_its_credit():
    joint, term, effect = _fit_repeated_pairs(lasting=True)
    assert joint.holdout["pair_penalty_multiplier"] == 1.0
    assert np.corrcoef(term, effect)[0, 1] > 0.8
