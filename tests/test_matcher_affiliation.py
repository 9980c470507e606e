"""Networks of long-range partners (a federation, a charity alliance across counties).

Organizations that keep working with partners far away belong to a network nobody registered; when
the review history says groups inside one network did better, an officer is shown a partner from
the lead's network although the two never worked together; where it says nothing of the kind, the
better-qualified stranger is shown.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher import recommend
from matcher.collaboration import History
from matcher.snapshot import build_snapshot
from tests.support.worlds import tiny_dataset

#: far members of the two networks, each more than 100 km from the others and from 东村
FAR = {
    "N1a": (38.0, 117.0),
    "N1b": (37.2, 119.0),
    "N1c": (39.0, 115.5),
    "N2a": (38.2, 120.5),
    "N2b": (39.5, 118.0),
    "N2c": (37.5, 114.5),
}
#: A (medical 4) and B (elder care 4) are in network 1 and never worked together; C (elder care 5)
#: is in network 2; all three are at 东村 with room for one village
NETWORK = {"A": 1, "B": 1, "C": 2} | {o: int(o[1]) for o in FAR}


def _world(gain: float):
    """Each organization also works with a neighbour of its own (a local tie); a review scores 50,
    plus ``gain`` when the two partners belong to one network."""
    rng = np.random.default_rng(0)
    near = {o: [f"L{o}{i}" for i in range(2)] for o in NETWORK}
    place = dict(FAR) | {o: (36.0, 117.02) for o in "ABC"}
    projects = []
    for i in range(480):
        a = str(rng.choice(sorted(NETWORK)))
        if i % 2:
            mates = [
                o for o in NETWORK if NETWORK[o] == NETWORK[a] and {a, o} not in ({a}, {"A", "B"})
            ]
            b = str(rng.choice(mates))
        else:
            b = str(rng.choice(near[a]))
        score = 50 + gain * (NETWORK.get(b) == NETWORK[a]) + rng.normal(0, 3)
        date = f"{2005 + i // 48}-{1 + i % 12:02d}-15"
        projects.append((f"J{i:03d}", "medical", [a, b], "V0", round(score, 1), date))
    orgs = [(o, *place[o], 0, {"medical": 3}) for o in FAR]
    orgs += [
        (name, place[o][0], place[o][1] + 0.02 * (j + 1), 0, {"medical": 3})
        for o, names in near.items()
        for j, name in enumerate(names)
    ]
    orgs += [
        ("A", 36.0, 117.02, 1, {"medical": 4}),
        ("B", 36.0, 117.02, 1, {"elder_care": 4}),
        ("C", 36.0, 117.02, 1, {"elder_care": 5}),
    ]
    villages = [("V0", 40.0, 117.1, {}), ("V1", 36.0, 117.0, {"medical": 3, "elder_care": 3})]
    return tiny_dataset(villages, orgs, projects=projects)


@pytest.fixture(scope="module")
def runs():
    return {g: recommend(_world(g), max_group=4, seed=0) for g in (0.0, 8.0)}


def test_the_far_partners_of_one_network_form_one_affiliation_and_local_ties_do_not():
    snap = build_snapshot(_world(8.0))
    hist = History(snap)
    at = {str(o): i for i, o in enumerate(snap.org_ids)}
    aff = hist.affiliation
    assert aff[at["A"]] == aff[at["B"]] == aff[at["N1a"]] < snap.n_orgs
    assert aff[at["C"]] == aff[at["N2a"]] != aff[at["A"]]
    # a neighbour that only ever worked with A nearby is in no network
    assert aff[at["LA0"]] >= snap.n_orgs


def test_a_partner_of_the_leads_network_is_chosen_when_such_groups_did_better(runs):
    result = runs[8.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "B"}
    assert "跨区域合作网络" in rec.explanation
    assert "network of long-range partners" in rec.explanation_en
    assert result.summary["model"]["joint_effects"]["affiliation_coef"] > 0


def test_the_better_stranger_is_chosen_where_networks_did_no_better(runs):
    result = runs[0.0]
    (rec,) = result.recommendations
    assert {m.org_id for m in rec.members} == {"A", "C"}  # the better level for elder care
    assert "跨区域合作网络" not in rec.explanation
    joint = result.summary["model"].get("joint_effects", {"affiliation_coef": 0.0})
    assert joint["affiliation_coef"] == 0.0
