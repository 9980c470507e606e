"""bench/bench_team_values.py: team values judged against a world's hidden outcome model."""

from __future__ import annotations

import numpy as np
import pytest

from bench.bench_team_values import main as team_values_main
from bench.quality import spec
from bench.quality.greedy import true_values
from bench.quality.team_values import (
    ablations,
    sample_teams,
    team_value_scores,
    valuation_scores,
)
from bench.quality.world import build_world
from matcher.recommend import build_problem
from matcher.teams import team_values

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def weakest_link():
    world = build_world(spec("dev_weakest_link"), "tiny", 0)
    return world, build_problem(world.dataset, max_group=4, seed=0)


def test_sampled_teams_are_the_villages_own_candidates_in_the_worlds_numbering(weakest_link):
    world, problem = weakest_link
    valued = {"shipped": team_values(problem.inp, problem.pats)}
    teams = sample_teams(world, problem, valued, per_village=50)
    assert len(teams.row) > 100 and (np.diff(teams.row) >= 0).all()
    a = world.actors
    for v, members in zip(teams.village, teams.members, strict=True):
        present = members[members >= 0]
        assert len(present) >= 1
        # every member offers one of the village's needs, as a candidate must
        assert ((a.o_level[present] > 0) & (a.need_sev[v] > 0)).any(axis=1).all()
    # a model that knew the hidden values would pick the best sampled team of every village
    true = true_values(world, teams.village, teams.members)
    assert valuation_scores(true, true, teams.row) == (1.0, 1.0)


def test_the_size_cost_is_what_a_weakest_link_world_values_teams_by(weakest_link):
    # dev_weakest_link: coordination cost grows with the square of the group size
    world, problem = weakest_link
    got = team_value_scores(world, problem, per_village=300)
    assert set(got) == set(ablations(problem.inp))
    rank, pick = got["shipped"]
    assert 0.3 < rank <= 1.0 and 0.5 < pick <= 1.0
    assert got["no size"][0] < rank - 0.2 and got["no size"][1] < pick


def test_held_out_generators_are_refused():
    with pytest.raises(SystemExit, match="not a development generator: heldout_sealed_a"):
        team_values_main(["--generators", "heldout_sealed_a", "--seeds", "0"])


def test_the_table_forms_groups_with_each_valuation(tmp_path):
    out = tmp_path / "team-values.md"
    args = ["--generators", "dev_weakest_link", "--scale", "tiny", "--seeds", "0"]
    team_values_main(
        [*args, "--per-village", "200", "--cache", str(tmp_path), "--output", str(out)]
    )
    row = next(line for line in out.read_text("utf-8").splitlines() if line.startswith("| dev_"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[:2] == ["dev_weakest_link", "0"] and len(cells) == 8
    shipped, no_size = (tuple(map(float, cells[i].split(" / "))) for i in (2, 5))
    # groups formed without the size cost are worth less on a world whose cost is steep
    assert no_size[2] < shipped[2] and shipped[1] <= 1.0
