"""Pair effects fitted jointly with who is good (matcher/pair_effects.py).

A pair is credited with what its members do better *together* than their own records say, and
trusted in proportion to how often they worked together: an officer who sees "worked well
together" on a recommendation must not be shown a strong organization's own quality instead.
"""

from __future__ import annotations

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
