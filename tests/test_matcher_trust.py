"""What the history says about groups is used only where the world's own history supports it.

``recommend(variant="auto")`` (the default) fits the outcome model with and without its group
terms on the older reviews and keeps the group terms only when they predict the newer reviews at
least as well (:func:`matcher.scoring.choose_variant`). On a development world of the quality
bench where learnt group terms cost value (service specialists, city, seed 0) it drops them and
its groups are worth more in the world's hidden truth; on the Tai'an sample it keeps them.
"""

from __future__ import annotations

import pytest

from bench.quality import spec
from bench.quality.evaluate import groups_from_contract_json, judge_groups
from bench.quality.world import build_world
from graph_schema import read_data
from matcher import recommend

pytestmark = pytest.mark.timeout(600)


def _strip(doc: dict) -> dict:
    doc["summary"].pop("seconds", None)
    doc["summary"].get("formation", {}).pop("seconds", None)
    return doc


def test_group_terms_the_history_does_not_support_are_dropped_and_the_groups_gain():
    world = build_world(spec("dev_service_specialists"), "city", 0)
    auto = recommend(world.dataset, max_group=4, seed=0, evaluate=False)
    model = auto.summary["model"]
    split = model["time_split"]
    # the officer's summary says what was decided and on what evidence
    assert model["variant_requested"] == "auto" and model["variant"] == "quality_only"
    assert split["model"]["mae"] > split["no group terms"]["mae"]
    full = recommend(world.dataset, max_group=4, seed=0, evaluate=False, variant="full")
    assert full.summary["model"]["variant"] == "full"

    def true_value(result) -> float:
        return judge_groups(
            world, groups_from_contract_json(world, result.to_contract_json())
        ).value

    # the hidden truth of the world: the groups without the unsupported terms are worth more
    assert true_value(auto) > 1.01 * true_value(full)  # 130,973 against 128,948
    # and they are exactly the groups of the model without group terms
    alone = recommend(world.dataset, max_group=4, seed=0, evaluate=False, variant="quality_only")
    assert [r["organizations"] for r in auto.to_contract_json()["recommendations"]] == [
        r["organizations"] for r in alone.to_contract_json()["recommendations"]
    ]


def test_group_terms_the_history_supports_are_kept(sample_dir):
    ds = read_data(sample_dir)
    auto = _strip(recommend(ds, max_group=4, seed=0).to_contract_json())
    split = auto["summary"]["model"]["time_split"]
    assert auto["summary"]["model"]["variant"] == "full"
    assert split["model"]["mae"] <= split["no group terms"]["mae"]
    full = _strip(recommend(ds, max_group=4, seed=0, variant="full").to_contract_json())
    assert [r["organizations"] for r in auto["recommendations"]] == [
        r["organizations"] for r in full["recommendations"]
    ]
