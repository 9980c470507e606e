"""The quality bench's own machinery (bench/quality): worlds, greedies and the judge are sound."""

from __future__ import annotations

import doctest
import importlib
import pickle
import pkgutil
from pathlib import Path

import numpy as np
import pytest

import bench.quality as quality
from bench.quality import DEVELOPMENT, GENERATORS, HELD_OUT, spec
from bench.quality.baselines import shrunk_mean_values
from bench.quality.effects import pair_sum
from bench.quality.evaluate import alone_and_lift, groups_from_contract_json, judge_groups
from bench.quality.greedy import capacity_left, eligible_order, reference_greedy
from bench.quality.world import build_world
from graph_schema import read_data, write_data

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def worlds():
    return {name: build_world(spec(name), "tiny", 0) for name in GENERATORS}


def test_development_and_held_out_generators_are_split_as_documented():
    assert len(GENERATORS) >= 6 and len(HELD_OUT) >= 3 and len(DEVELOPMENT) <= len(HELD_OUT)
    folder = Path(quality.__file__).parent
    assert {p.stem for p in folder.glob("dev_*.py")} == set(DEVELOPMENT)
    assert {p.stem for p in folder.glob("heldout_*.py")} == set(HELD_OUT)
    doc = (Path(__file__).parent.parent / "docs" / "quality-bench.md").read_text("utf-8")
    assert all(name in doc for name in GENERATORS)


@pytest.mark.parametrize("name", GENERATORS)
def test_a_world_is_a_data_folder_the_importer_accepts(worlds, name, tmp_path):
    world = worlds[name]
    write_data(world.dataset, tmp_path / "world")
    back = read_data(tmp_path / "world")  # validates every table against the contract
    assert back.equals(world.dataset)
    counts = back.counts()
    assert counts["villages"] == 60 and counts["organizations"] == 300
    assert counts["reviews"] > 0 and counts["partnerships"] > 0


@pytest.mark.parametrize("name", GENERATORS)
def test_reviews_come_from_the_hidden_outcome_above_the_floor(worlds, name):
    h = worlds[name].history
    assert (h["expected"] >= 30).all() and (h["expected"] <= 100).all()
    rho = np.corrcoef(h["expected"][h["review_project"]], h["review_score"])[0, 1]
    assert rho > 0.3


def test_same_seed_same_world_other_seed_other_world(worlds):
    name = DEVELOPMENT[0]
    again = build_world(spec(name), "tiny", 0)
    assert again.dataset.equals(worlds[name].dataset)
    assert not build_world(spec(name), "tiny", 1).dataset.equals(again.dataset)


def _hardship_correlations(world) -> tuple[float, float]:
    """How far a world's history sent its larger groups and its stronger leads to harder villages."""
    h, a = world.history, world.actors
    hard = a.v_hardship[h["village"]]
    size = (h["members"] >= 0).sum(axis=1)
    return (
        float(np.corrcoef(size, hard)[0, 1]),
        float(np.corrcoef(a.o_quality[h["lead"]], hard)[0, 1]),
    )


def test_a_chosen_history_sends_strong_leads_and_larger_groups_to_hard_villages(worlds):
    size, strong = _hardship_correlations(worlds["dev_hard_villages"])
    assert size > 0.3 and strong > 0.3
    # every other development world draws its villages and group sizes at random
    for name in DEVELOPMENT:
        if name != "dev_hard_villages":
            assert all(abs(c) < 0.15 for c in _hardship_correlations(worlds[name])), name
    # population and poor households follow the hidden hardship, but only noisily
    villages = worlds["dev_hard_villages"].dataset["villages"]
    hardship = worlds["dev_hard_villages"].actors.v_hardship
    share = villages["poor_households"] * 3.1 / villages["population"]
    for proxy in (np.log(villages["population"]), share):
        assert 0.4 < np.corrcoef(proxy, hardship)[0, 1] < 0.95


@pytest.mark.parametrize("value", ["naive", "true", "shrunk mean"])
def test_greedies_keep_capacities_max_group_and_partnerships(worlds, value):
    world = worlds[DEVELOPMENT[0]]
    score = shrunk_mean_values(world) if value == "shrunk mean" else value
    groups = reference_greedy(world, score, max_group=3)
    assert groups and all(1 <= len(g) <= 3 for g in groups.values())
    used = np.bincount(np.concatenate(list(groups.values())), minlength=world.n_orgs)
    assert (used <= capacity_left(world)).all()
    assert not set(groups) & set(world.partnership_v.tolist())
    assert set(groups) <= set(eligible_order(world).tolist())
    judged = judge_groups(world, groups, max_group=3)
    assert judged.capacity_violations == 0 and judged.rule_violations == 0


@pytest.mark.parametrize("name", GENERATORS)
def test_truth_greedy_beats_naive_greedy_in_true_value(worlds, name):
    world = worlds[name]
    naive = judge_groups(world, reference_greedy(world, "naive")).value
    truth = judge_groups(world, reference_greedy(world, "true")).value
    assert truth > naive > 0


def test_the_judge_counts_an_overloaded_organization_and_a_partnered_village(worlds):
    world = worlds[DEVELOPMENT[0]]
    org = int(np.argmin(world.actors.o_capacity))
    free = eligible_order(world)[: int(world.actors.o_capacity[org]) + 1]
    recs = [
        {"village_id": f"V{v + 1:05d}", "organizations": [{"org_id": f"O{org + 1:06d}"}]}
        for v in free
    ]
    recs.append(
        {
            "village_id": f"V{world.partnership_v[0] + 1:05d}",
            "organizations": recs[0]["organizations"],
        }
    )
    groups = groups_from_contract_json(world, {"recommendations": recs})
    judged = judge_groups(world, groups)
    assert judged.capacity_violations == 1 and judged.rule_violations == 1


def test_alone_and_lift_split_the_true_value_of_the_covered_needs(worlds):
    # bench_quality_gap.py: what the members bring alone plus what grouping adds is the value
    w = worlds["dev_local_teams"]
    groups = reference_greedy(w, "true")
    a = w.actors
    covered = sum(
        float(a.need_sev[v][(a.need_sev[v] > 0) & (a.o_level[g] > 0).any(axis=0)].sum())
        for v, g in groups.items()
    )
    alone, lift = alone_and_lift(w, groups)
    assert (alone + lift) * covered == pytest.approx(judge_groups(w, groups).value)
    assert any(len(g) > 1 for g in groups.values()) and lift != 0.0
    singles = {v: g[:1] for v, g in groups.items()}
    assert alone_and_lift(w, singles)[1] == pytest.approx(0.0)


def test_docstring_examples_of_the_bench_run():
    names = [quality.__name__] + [
        info.name for info in pkgutil.walk_packages(quality.__path__, prefix="bench.quality.")
    ]
    for name in names:
        result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
        assert result.failed == 0, name


def test_a_comparison_pairs_rows_by_run_and_gives_the_mean_difference_with_its_error(tmp_path):
    from bench.compare_quality import main as compare_main
    from bench.quality.evaluate import Judged

    def run(values: dict[str, float]) -> list[dict]:
        return [
            {
                "generator": name,
                "scale": "city",
                "held_out": name.startswith("heldout"),
                "naive": Judged(0.0, 1, 0, 0),
                "true": Judged(100.0, 1, 0, 0),
                "shipped": Judged(value, 1, 0, 0),
            }
            for name, value in values.items()
        ]

    files = {}
    for label, rows in {
        "before0": run({"dev_a": 50.0, "dev_b": 60.0, "heldout_c": 40.0}),
        "before1": run({"dev_a": 52.0, "dev_b": 58.0, "heldout_c": 44.0}),
        "dev_after0": run({"dev_a": 55.0, "dev_b": 61.0}),
        "held_after0": run({"heldout_c": 40.0}),
        "after1": run({"dev_a": 55.0, "dev_b": 64.0, "heldout_c": 41.0}),
    }.items():
        files[label] = tmp_path / f"{label}.pkl"
        files[label].write_bytes(pickle.dumps(rows))
    out = tmp_path / "compare.md"
    compare_main(
        [
            "--before",
            f"{files['before0']},{files['before1']}",
            "--after",
            f"{files['dev_after0']}+{files['held_after0']},{files['after1']}",
            "--output",
            str(out),
        ]
    )
    text = out.read_text(encoding="utf-8")
    assert "| dev_b | dev | city | 1 | 0.580 | 0.640 | +0.060 |" in text
    # development: +0.05, +0.01, +0.03, +0.06 -> mean +0.0375, standard error 0.0111
    assert "| development | 4 | 0.550 | 0.588 | +0.0375 | 0.0111 | 4 / 0 |" in text
    assert "| held out | 2 | 0.420 | 0.405 | -0.0150 | 0.0150 | 0 / 1 |" in text
    with pytest.raises(SystemExit, match="pair them"):
        compare_main(
            ["--before", str(files["before0"]), "--after", f"{files['after1']},{files['after1']}"]
        )


def test_a_comparison_leaves_out_rows_measured_on_one_side_only(tmp_path):
    from bench.compare_quality import main as compare_main
    from bench.quality.evaluate import Judged

    def row(name: str, quality_only: float | None) -> dict:
        out = {
            "generator": name,
            "scale": "city",
            "held_out": False,
            "naive": Judged(0.0, 1, 0, 0),
            "true": Judged(100.0, 1, 0, 0),
            "shipped": Judged(50.0, 1, 0, 0),
        }
        if quality_only is not None:
            out["quality_only"] = Judged(quality_only, 1, 0, 0)
        return out

    before, after = tmp_path / "before.pkl", tmp_path / "after.pkl"
    before.write_bytes(pickle.dumps([row("dev_a", 40.0), row("dev_b", None)]))
    after.write_bytes(pickle.dumps([row("dev_a", 45.0), row("dev_b", 70.0)]))
    out = tmp_path / "compare.md"
    compare_main(
        ["--before", str(before), "--after", str(after), "--what", "quality_only"]
        + ["--output", str(out)]
    )
    text = out.read_text(encoding="utf-8")
    # dev_b has no quality-only score before: its row shows nan, the means leave it out
    assert "| dev_b | dev | city | 0 | nan | 0.700 | +nan |" in text
    assert "| development | 1 | 0.400 | 0.450 | +0.0500 | nan | 1 / 0 |" in text


def test_on_the_kind_roles_world_a_group_gains_once_for_each_kind_it_holds(worlds):
    """A second member of a kind the group already holds brings no role, only its coordination
    cost; a member of a new kind brings one (the structure ``dev_kind_roles`` is there for)."""
    world = worlds["dev_kind_roles"]
    kind, level = world.actors.o_kind, world.actors.o_level
    lead = int(np.flatnonzero(kind == 1)[0])
    s = int(np.flatnonzero(level[lead])[0])
    same = [int(o) for o in np.flatnonzero(kind == 1)[1:3]]
    other = [int(np.flatnonzero(kind == k)[0]) for k in (0, 2)]
    groups = np.array(
        [
            [lead, other[0], -1, -1],  # two kinds
            [lead, other[0], same[0], -1],  # still two kinds, one more member
            [lead, other[0], other[1], -1],  # three kinds
            [lead, same[0], same[1], -1],  # one kind
        ]
    )
    e = world.expected(np.zeros(4, int), np.full(4, s), np.full(4, lead), groups)
    # the usual partners' effects and the partners' quality aside, read from the world
    z = np.log((e - 30.0) / (100.0 - e)) - pair_sum(world.pairs, groups)
    z -= 0.1 * np.array([world.actors.o_quality[g[1:][g[1:] >= 0]].mean() for g in groups])
    assert z[1] - z[0] == pytest.approx(-0.2, abs=1e-6)  # a coordination cost, no role
    assert z[2] - z[1] == pytest.approx(0.4, abs=1e-6)  # a role
    assert z[3] - z[0] == pytest.approx(-0.2 - 0.4, abs=1e-6)
