"""A team's value (what the optimiser maximises) and the predicted scores shown for it agree."""

from __future__ import annotations

import numpy as np
import pytest

from matcher.assemble import _predicted
from matcher.outcome_model import TeamTerms
from matcher.teams import TeamInputs, assign_needs, patterns, team_values


def _inputs(same_service_coef: float) -> TeamInputs:
    """One village needing medical care (weight 3) and education (weight 2); candidates 0 and 1
    provide medical care, 2 education; 1 may join 0 as a supporter."""
    nan = np.nan
    unary = np.array([[[1.0, 0.4, nan], [nan, nan, 0.8]]], np.float32)
    terms = TeamTerms(0.0, [0.0, 0.0, -0.2, -0.5, -0.9], 1.0, [], floor=30.0, link="logit")
    terms.same_service_coef = same_service_coef
    quality = np.array([[0.1, 0.3, -0.1]], np.float32)
    pair = np.zeros((1, 3, 3), np.float32)
    present = np.ones((1, 3), bool)
    proven = np.zeros((1, 3, 3), bool)
    proven[0, 0, 1] = proven[0, 1, 0] = True  # 1 may support 0 (a good joint record)
    w = np.array([[3, 2]], np.float32)
    return TeamInputs(unary, w, quality, pair, present, terms, proven)


@pytest.mark.parametrize("coef", [0.0, -0.6])
def test_a_team_is_valued_as_its_predicted_scores_say(coef):
    inp = _inputs(coef)
    pats = patterns(3, 3)
    values = team_values(inp, pats)
    for p in range(len(pats)):
        slots = pats.members[p][pats.members[p] >= 0]
        if not np.isfinite(values[0, p]):
            continue
        shown = _predicted(inp, 0, slots, assign_needs(inp, 0, slots))
        expected = sum(inp.w[0, j] * (score - 30.0) for j, score in shown.items())
        assert values[0, p] == pytest.approx(expected, rel=1e-5)


def test_a_second_provider_of_the_same_service_counts_as_the_history_says():
    pats = patterns(3, 3)
    team = {tuple(m[m >= 0]): p for p, m in enumerate(pats.members)}
    plain, costly = team_values(_inputs(0.0), pats), team_values(_inputs(-0.6), pats)
    # the lead of medical care with an education partner: no second hand anywhere, same value
    assert costly[0, team[(0, 2)]] == pytest.approx(plain[0, team[(0, 2)]])
    # a second medical provider in the team: worth less when a second hand costs
    assert costly[0, team[(0, 1, 2)]] < plain[0, team[(0, 1, 2)]] - 1.0


def test_a_partner_bringing_a_service_its_lead_lacks_counts_as_the_history_says():
    pats = patterns(3, 3)
    team = {tuple(m[m >= 0]): p for p, m in enumerate(pats.members)}
    plain = _inputs(0.0)
    complementary = _inputs(0.0)
    complementary.terms.complement_coef = 0.5
    before, after = team_values(plain, pats), team_values(complementary, pats)
    # medical care led by 0 with 2 bringing education (which 0 lacks): both needs gain
    assert after[0, team[(0, 2)]] > before[0, team[(0, 2)]] + 1.0
    # 1 brings nothing 0 lacks: its team with 0 is valued as before
    assert after[0, team[(0, 1)]] == pytest.approx(before[0, team[(0, 1)]])


def test_a_partner_bringing_two_services_its_lead_lacks_counts_twice():
    # medical care (weight 3), education and elder care (weight 2 each); 0 provides medical care
    # only, 1 education only, 2 education and elder care
    nan = np.nan
    unary = np.array([[[1.0, nan, nan], [nan, 0.8, 0.7], [nan, nan, 0.6]]], np.float32)
    terms = TeamTerms(0.0, [0.0, 0.0, 0.0, 0.0, 0.0], 1.0, [], floor=30.0, link="logit")
    terms.complement_coef = 0.4
    inp = TeamInputs(
        unary,
        np.array([[3, 2, 2]], np.float32),
        np.zeros((1, 3), np.float32),
        np.zeros((1, 3, 3), np.float32),
        np.ones((1, 3), bool),
        terms,
        np.zeros((1, 3, 3), bool),
    )
    pats = patterns(3, 2)
    team = {tuple(m[m >= 0]): p for p, m in enumerate(pats.members)}
    values = team_values(inp, pats)
    led_by_0 = {}
    for mate in (1, 2):
        slots = np.array([0, mate])
        shown = _predicted(inp, 0, slots, assign_needs(inp, 0, slots))
        led_by_0[mate] = shown[0]  # medical care, led by 0 in both teams
        expected = sum(inp.w[0, j] * (score - 30.0) for j, score in shown.items())
        assert values[0, team[(0, mate)]] == pytest.approx(expected, rel=1e-5)
    # 0's medical care gains the coefficient once with 1 (education) and twice with 2
    logit = lambda score: np.log((score - 30.0) / (100.0 - score))  # noqa: E731
    assert logit(led_by_0[1]) == pytest.approx(1.0 + 0.4, abs=1e-4)
    assert logit(led_by_0[2]) == pytest.approx(1.0 + 0.8, abs=1e-4)


def _random_inputs(n: int, seed: int) -> TeamInputs:
    """``n`` villages of 3 needs and 6 candidate slots, some empty, some unable, some proven."""
    rng = np.random.default_rng(seed)
    s, m = 3, 6
    unary = rng.normal(0.0, 1.0, (n, s, m)).astype(np.float32)
    unary[rng.random((n, s, m)) < 0.5] = np.nan
    w = rng.integers(0, 4, (n, s)).astype(np.float32)
    pair = rng.normal(0.0, 0.2, (n, m, m)).astype(np.float32)
    pair = np.triu(pair, 1) + np.transpose(np.triu(pair, 1), (0, 2, 1))
    proven = rng.random((n, m, m)) < 0.15
    proven |= np.transpose(proven, (0, 2, 1))
    terms = TeamTerms(0.2, [0.0, 0.0, -0.1, -0.3, -0.6], 0.5, [], floor=30.0, link="logit")
    terms.same_service_coef = -0.2
    terms.complement_coef = 0.3
    terms.once_coef, terms.once_mean = 0.4, 0.2
    quality = rng.normal(0.0, 0.5, (n, m)).astype(np.float32)
    present = rng.random((n, m)) < 0.9
    flag = (rng.random((n, m)) < 0.2).astype(np.float32)
    lift = rng.normal(0.0, 0.3, (n, s, m)).astype(np.float32)
    terms.roles_coef = 0.25
    kind = rng.integers(0, 3, (n, m))
    return TeamInputs(unary, w, quality, pair, present, terms, proven, flag, lift, kind)


def _allowed(inp: TeamInputs, row: int, slots: np.ndarray) -> bool:
    """The membership rule of matcher.teams, one team at a time."""
    wanted = inp.w[row] > 0
    if not wanted.any() or not inp.present[row, slots].all():
        return False
    if np.isnan(inp.unary[row][:, slots]).all(axis=0).any():  # provides none of the needs
        return False
    leads = assign_needs(inp, row, slots)
    if (leads < 0).all():
        return False
    for m in slots:
        partners = [o for o in slots if o != m]
        if m not in leads and not inp.proven[row, m, partners].any():
            return False
    return True


def test_every_team_of_many_villages_is_allowed_and_valued_as_the_rule_says():
    # 600 villages: team_values shares them out over threads; each share must match the rule
    inp = _random_inputs(600, seed=7)
    pats = patterns(6, 4)
    values = team_values(inp, pats)
    checked = 0
    for row in range(len(values)):
        for p in range(len(pats)):
            slots = pats.members[p][pats.members[p] >= 0]
            assert np.isfinite(values[row, p]) == _allowed(inp, row, slots), (row, slots)
            if np.isfinite(values[row, p]):
                shown = _predicted(inp, row, slots, assign_needs(inp, row, slots))
                expected = sum(inp.w[row, j] * (score - 30.0) for j, score in shown.items())
                assert values[row, p] == pytest.approx(expected, rel=1e-4, abs=1e-3)
                checked += 1
    assert checked > 1000  # the rule allows many teams, not only the trivial ones


def _four_slots_one_need_that_counts() -> TeamInputs:
    """One village, four candidate slots: slot k leads need k; only need 0 counts (weight 1)."""
    unary = np.full((1, 4, 4), np.nan, np.float32)
    unary[0, 0, 0] = 0.0
    for k in (1, 2, 3):
        unary[0, k, k] = -1.0
    terms = TeamTerms(0.0, [0.0, 0.0, 0.0, 0.0, 0.0], 1.0, [], floor=30.0, link="logit")
    return TeamInputs(
        unary,
        np.array([[1.0, 0.0, 0.0, 0.0]], np.float32),
        np.zeros((1, 4), np.float32),
        np.zeros((1, 4, 4), np.float32),
        np.ones((1, 4), bool),
        terms,
    )


def test_one_of_the_largest_lifts_a_team_once_however_many_join():
    """A partner among the largest organizations lifts each need's score once (what the reviews
    said, matcher.partner_traits): a second such partner adds nothing more, as it would have in
    the mean over partners."""
    inp = _four_slots_one_need_that_counts()
    terms = inp.terms
    terms.once_coef, terms.once_mean = 0.5, 0.0
    inp.flag = np.array([[0.0, 1.0, 1.0, 0.0]], np.float32)
    pats = patterns(4, 3)
    team = {tuple(t[t >= 0]): i for i, t in enumerate(pats.members)}
    values = team_values(inp, pats)[0]
    lone = terms.score(0.0) - 30.0
    lifted = terms.score(0.5) - 30.0
    assert values[team[(0, 3)]] == pytest.approx(lone, abs=1e-3)  # not among the largest
    assert values[team[(0, 1)]] == pytest.approx(lifted, abs=1e-3)
    assert values[team[(0, 1, 2)]] == pytest.approx(lifted, abs=1e-3)  # two of them: still once
    assert values[team[(0, 1, 3)]] == pytest.approx(lifted, abs=1e-3)
    for t in ((0, 1), (0, 1, 2), (0, 3)):
        slots = np.array(t)
        shown = _predicted(inp, 0, slots, assign_needs(inp, 0, slots))
        assert shown[0] - 30.0 == pytest.approx(values[team[t]], abs=1e-3)


def test_a_partner_capable_in_a_need_s_own_service_lifts_that_need_only():
    """A partner's level in the service of a need (matcher.partner_traits) counts for the needs it
    partners in, averaged over that need's partners, and not for the need it leads itself."""
    nan = np.nan
    # slot k leads need k; only need 0 counts (weight 1). Slot 1 also provides need 0 (worse than
    # slot 0): as a partner of need 0 it is capable in its service, slot 2 is not
    unary = np.array([[[0.0, -1.0, nan], [nan, 0.0, nan], [nan, nan, 0.0]]], np.float32)
    terms = TeamTerms(0.0, [0.0, 0.0, 0.0, 0.0, 0.0], 1.0, [], floor=30.0, link="logit")
    lift = np.zeros((1, 3, 3), np.float32)
    lift[0, 0, 1] = 0.6  # slot 1 as a partner of need 0
    lift[0, 1, 0] = 5.0  # slot 0 as a partner of need 1, whose weight is 0
    inp = TeamInputs(
        unary,
        np.array([[1.0, 0.0, 0.0]], np.float32),
        np.zeros((1, 3), np.float32),
        np.zeros((1, 3, 3), np.float32),
        np.ones((1, 3), bool),
        terms,
        service_lift=lift,
    )
    pats = patterns(3, 3)
    team = {tuple(t[t >= 0]): i for i, t in enumerate(pats.members)}
    values = team_values(inp, pats)[0]
    assert values[team[(0, 2)]] == pytest.approx(terms.score(0.0) - 30.0, abs=1e-3)
    assert values[team[(0, 1)]] == pytest.approx(terms.score(0.6) - 30.0, abs=1e-3)
    assert values[team[(0, 1, 2)]] == pytest.approx(terms.score(0.3) - 30.0, abs=1e-3)  # a mean
    for t in ((0, 1), (0, 1, 2)):
        slots = np.array(t)
        shown = _predicted(inp, 0, slots, assign_needs(inp, 0, slots))
        assert shown[0] - 30.0 == pytest.approx(values[team[t]], abs=1e-3)


def test_each_kind_a_team_holds_lifts_it_once_however_many_members_are_of_it():
    """Kinds read once per group (matcher.pair_effects, ``roles``): a second member of a kind the
    team already holds adds nothing, a member of a new kind adds ``roles_coef`` to every need."""
    inp = _four_slots_one_need_that_counts()
    terms = inp.terms
    terms.roles_coef = 0.4
    inp.kind = np.array([[0, 0, 1, 2]])
    pats = patterns(4, 4)
    team = {tuple(t[t >= 0]): i for i, t in enumerate(pats.members)}
    values = team_values(inp, pats)[0]
    one, two, three = (terms.score(0.4 * k) - 30.0 for k in (0, 1, 2))
    assert values[team[(0, 1)]] == pytest.approx(one, abs=1e-3)  # one kind
    assert values[team[(0, 2)]] == pytest.approx(two, abs=1e-3)
    assert values[team[(0, 1, 2)]] == pytest.approx(two, abs=1e-3)  # two pairs of two kinds: once
    assert values[team[(0, 2, 3)]] == pytest.approx(three, abs=1e-3)
    assert values[team[(0, 1, 2, 3)]] == pytest.approx(three, abs=1e-3)
    for t in ((0, 1), (0, 1, 2), (0, 1, 2, 3)):
        slots = np.array(t)
        shown = _predicted(inp, 0, slots, assign_needs(inp, 0, slots))
        assert shown[0] - 30.0 == pytest.approx(values[team[t]], abs=1e-3)


def test_teams_of_four_are_formed_among_the_first_candidates_only():
    # A village's candidates come each need's best first; the deeper ones join teams of up to
    # three (matcher.candidates.FOURS_WITHIN): every pair and triple of 48 slots, fours of 40.
    full, limited = patterns(48, 4), patterns(48, 4, fours_within=40)
    assert len(full) == 213_052 and len(limited) == 18_472 + 91_390
    fours = limited.members[limited.size == 4]
    assert fours.max() == 39 and len(fours) == 91_390
    small = limited.members[limited.size < 4]
    assert small.max() == 47 and len(small) == (full.size < 4).sum()
    assert limited.incidence.shape == (len(limited), 48)
