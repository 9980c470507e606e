"""What the history says about groups is used only where the world's own history supports it.

``recommend(variant="auto")`` (the default) fits the outcome model with and without its group
terms on the older reviews and keeps the group terms only when they predict the newer reviews at
least as well, within a margin (:func:`matcher.scoring.choose_variant`). Where joint records did
not carry into the latest year it drops them; on the Tai'an sample it keeps them. The model also
tells past partners that brought none of the village's needs from the partners it recommends
(``partner_no_need``, :func:`matcher.features.provides_a_need`).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from bench.quality import spec
from bench.quality.evaluate import groups_from_contract_json, judge_groups, normalized
from bench.quality.greedy import reference_greedy
from bench.quality.world import build_world
from graph_schema import read_data
from matcher import recommend
from matcher.recommend import _formation, build_problem
from matcher.scoring import DROP_MARGIN
from matcher.teams import team_values
from tests.support.worlds import tiny_dataset

pytestmark = pytest.mark.timeout(600)


def _strip(doc: dict) -> dict:
    doc["summary"].pop("seconds", None)
    doc["summary"].get("formation", {}).pop("seconds", None)
    return doc


def test_past_partners_that_brought_nothing_the_village_needed_do_not_set_the_group_size():
    # service specialists: a partner pays when it brings a needed service the lead lacks and costs
    # when it brings nothing new; past partners were often neighbours that brought nothing
    world = build_world(spec("dev_service_specialists"), "city", 0)
    result = recommend(world.dataset, max_group=4, seed=0, evaluate=False)
    assert result.summary["model"]["variant"] == "full"
    doc = result.to_contract_json()
    value = judge_groups(world, groups_from_contract_json(world, doc)).value
    naive = judge_groups(world, reference_greedy(world, "naive")).value
    truth = judge_groups(world, reference_greedy(world, "true")).value
    # 0.59 of the way from the naive greedy to the truth-knowing one (0.60 with session 19's
    # trees, which followed the reviews' noise more closely); 0.47 before partners that
    # bring a needed service the lead lacks were counted (partner_complement), 0.31 when every
    # past partner counted alike (the group-size cost then stood for useless partners), 0.37
    # without any group term
    assert normalized(value, naive, truth) > 0.53


def test_group_terms_the_history_supports_are_kept(sample_dir):
    ds = read_data(sample_dir)
    auto = _strip(recommend(ds, max_group=4, seed=0).to_contract_json())
    split = auto["summary"]["model"]["time_split"]
    assert auto["summary"]["model"]["variant"] == "full"
    # kept because they are not clearly worse on the newer reviews (within the margin of
    # choose_variant): MAE 6.03 read as the team loop uses them, 6.05 without (session 40; read
    # on the outcome model's ridge 6.07, and 6.28 against 6.39 with session 19's trees)
    paired = split["group_terms"]
    assert paired["mae_gain"] > -DROP_MARGIN * paired["se"]
    full = _strip(recommend(ds, max_group=4, seed=0, variant="full").to_contract_json())
    assert [r["organizations"] for r in auto["recommendations"]] == [
        r["organizations"] for r in full["recommendations"]
    ]


KM = 1.0 / 90.0  # about 1 km per 0.011° of longitude at this latitude


def _reversed_partnerships_world(latest: float = -1.0):
    """30 medical and 30 education providers near one village, each with ordinary solo records.

    Each medical organization ``Mi`` ran joint projects with ``E(i)`` … ``E(i+3)``: until 2019 a
    pair did 20 points better or worse than alone (alternately, so that no organization's own
    record moves); in 2021 every pair did ``latest`` times that: -1, the opposite (who worked well
    with whom before did not carry over, and the latest year says so), 1 the same, 0.8 a part.
    """
    orgs, projects = [], []
    for i in range(30):
        km = 2 + 10 * i / 30
        m, e = f"M{i:02d}", f"E{i:02d}"
        orgs.append((m, 36.0, 117.0 + km * KM, 2, {"medical": 3}))
        orgs.append((e, 36.0, 117.0 - km * KM, 2, {"education": 3}))
        for k, year in enumerate((2014, 2016, 2018, 2021)):
            for o, service in ((m, "medical"), (e, "education")):
                projects.append(
                    (f"J{o}{k}", service, [o], "V1", 55.0 + (i + k) % 3, f"{year}-05-15")
                )
        for j in range(4):
            partner = f"E{(i + j) % 30:02d}"
            sign = 1.0 if j % 2 == 0 else -1.0
            for k, year in enumerate((2015, 2018, 2021)):
                score = 55.0 + 20.0 * (1.0 if year < 2021 else latest) * sign + k % 3
                team = [m, partner]
                projects.append(
                    (f"J{m}{partner}{k}", "medical", team, "V1", score, f"{year}-09-15")
                )
    village = ("V1", 36.0, 117.0, {"medical": 3, "education": 3})
    return tiny_dataset([village], orgs, projects=projects)


def test_joint_records_that_did_not_carry_into_the_latest_year_do_not_choose_partners():
    ds = _reversed_partnerships_world()
    auto = recommend(ds, max_group=4, seed=0, evaluate=False)
    model = auto.summary["model"]
    paired = model["time_split"]["group_terms"]
    assert model["variant"] == "quality_only"
    assert paired["mae_gain"] < -2 * paired["se"]
    alone = recommend(ds, max_group=4, seed=0, evaluate=False, variant="quality_only")
    full = recommend(ds, max_group=4, seed=0, evaluate=False, variant="full")
    members = [[m.org_id for m in r.members] for r in auto.recommendations]
    assert members == [[m.org_id for m in r.members] for r in alone.recommendations]
    assert members != [[m.org_id for m in r.members] for r in full.recommendations]


@pytest.mark.parametrize("latest", [1.0, 0.8, 0.6], ids=["carried", "most", "part"])
def test_group_terms_are_trusted_as_far_as_the_latest_year_bore_them_out(latest):
    # joint records that held in full are trusted in full; records that held to a part of what
    # they promised are kept (they still predict better than none) but weighed down by that
    # part, so the optimiser does not pick teams for a promise the newest reviews did not keep.
    # The trust is read on the pair terms the team loop uses (matcher.loop_reading): read on the
    # outcome model's pair columns it was 0.92 / 0.65 / 0.46
    ds = _reversed_partnerships_world(latest)
    result = recommend(ds, max_group=4, seed=0, evaluate=False)
    model = result.summary["model"]
    assert model["variant"] == "full"
    assert model["group_trust"] == pytest.approx(latest, abs=0.08)


def test_coordination_still_costs_where_the_group_terms_are_not_trusted():
    # like with like: usual partners were chosen for being alike, no pair works better together,
    # and a partner brings its services and a coordination cost only. Groups stay as small as
    # their needs allow, and stay so when the group terms' promises are weighed down to nothing
    # (trust 0): the size cost is not weighed down (every team of a size pays it)
    world = build_world(spec("dev_like_with_like"), "city", 0)
    naive = judge_groups(world, reference_greedy(world, "naive")).value
    truth = judge_groups(world, reference_greedy(world, "true")).value
    result = recommend(world.dataset, max_group=4, seed=0, evaluate=False)
    sizes = [len(r.members) for r in result.recommendations]
    assert sum(sizes) / len(sizes) < 2.45  # 2.27 (trust 0.82); 2.59 when the cost was weighed
    doc = result.to_contract_json()
    value = judge_groups(world, groups_from_contract_json(world, doc)).value
    assert normalized(value, naive, truth) > 1.57  # 1.61; 1.51 before

    problem = build_problem(world.dataset, max_group=4, seed=0)
    untrusted = dataclasses.replace(problem.scorer, trust=0.0)
    values = team_values(untrusted.team_inputs(problem.cand), problem.pats)
    cand, pats = problem.cand, problem.pats
    coords = np.column_stack([problem.snap.v_lat[cand.villages], problem.snap.v_lon[cand.villages]])
    chosen, _ = _formation(
        "colgen", values, cand, pats, problem.capacity_left, problem.order, 0, coords
    )
    served = np.flatnonzero(chosen >= 0)
    teams = pats.members[chosen[served]]
    assert (teams >= 0).sum(axis=1).mean() < 2.45  # 2.30: coordination is not free
