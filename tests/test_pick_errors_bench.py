"""bench/bench_pick_errors.py: the recommended teams' predicted score against the hidden one,
split into the lead's part and the group's."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from bench import bench_pick_errors
from bench.quality import spec
from bench.quality.world import build_world
from matcher import recommend
from matcher.scoring import fit_scorer
from matcher.snapshot import build_snapshot

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def parts():
    world = build_world(spec("dev_local_teams"), "tiny", 0)
    result = recommend(world.dataset, max_group=4, seed=0)
    variant = result.summary["model"]["variant"]
    scorer = fit_scorer(build_snapshot(world.dataset), seed=0, variant=variant)
    return bench_pick_errors.pick_parts(world, result.to_contract_json(), scorer)


def test_a_lone_member_is_predicted_as_the_recommendation_predicts_it(parts):
    # the lead part is read as the team loop values a group of one: where the team is one
    # organization, the explanation's predicted score is exactly that
    alone = parts["size"] == 1
    if alone.any():
        assert parts["predicted"][alone] == pytest.approx(parts["predicted_alone"][alone], abs=0.06)
    # and on the review scale (0..100), not the model's logit
    for col in ("predicted", "predicted_alone", "true", "true_alone"):
        assert np.all((parts[col] >= 0.0) & (parts[col] <= 100.0))


def test_the_lead_part_and_the_group_part_add_up_to_the_error(parts):
    (row,) = [r for r in bench_pick_errors.summarise(parts) if r[0] == "all"]
    _, n, error, lead, group, lift_predicted, lift_true = row
    assert n == len(parts["size"]) > 10
    assert lead + group == pytest.approx(error, abs=1e-9)
    assert lift_predicted - lift_true == pytest.approx(group, abs=1e-9)


def test_the_table_has_a_row_per_part_of_the_teams(tmp_path):
    out = tmp_path / "picks.md"
    argv = ["--generators", "dev_local_teams", "--scale", "tiny", "--cache", str(tmp_path)]
    assert bench_pick_errors.main([*argv, "--output", str(out)]) == 0
    rows = [line for line in out.read_text(encoding="utf-8").splitlines() if "dev_local" in line]
    labels = [r.strip("|").split("|")[1].strip() for r in rows]
    assert labels[0] == "all"
    assert {"strangers", "with a record"} & set(labels)
    # every number cell parses: needs, then six signed means in points
    for r in rows:
        cells = [c.strip() for c in r.strip("|").split("|")]
        assert int(cells[2].replace(",", "")) > 0
        assert all(abs(float(c)) < 100.0 for c in cells[3:])


def test_held_out_worlds_are_refused(capsys):
    with pytest.raises(SystemExit):
        bench_pick_errors.main(["--generators", "heldout_sealed_a"])
    assert "not a development generator" in capsys.readouterr().err


def test_the_docstring_examples_run():
    assert doctest.testmod(bench_pick_errors).failed == 0
