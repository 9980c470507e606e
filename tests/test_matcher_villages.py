"""A record earned in hard villages is read as such (how large and how poor a village is).

Past projects were not sent at random: the strongest organizations often went to the hardest
villages, which score lower whoever serves them. An officer is shown the organization that did
better than the places it worked in would predict, not the one that worked in easy places — when
the villages' population and poor households say which places were hard. Where the data folder
does not say, nothing can tell them apart and the higher raw record wins.
"""

from __future__ import annotations

import numpy as np
import pytest

from graph_schema import SERVICES
from matcher import recommend
from matcher.scoring import fit_scorer
from matcher.snapshot import build_snapshot
from tests.support.worlds import tiny_dataset

HARD = [f"H{i}" for i in range(4)]
EASY = [f"E{i}" for i in range(4)]
HISTORY_ORGS = [f"K{i:02d}" for i in range(12)]


def _world(with_sizes: bool):
    """Twelve organizations with long records in four hard villages (300 people, 80 % of their
    households poor: reviews about 50) and four easy ones (2,000 people, 10 % poor: about 70), no
    capacity left; A worked only in the hard ones (about 58, eight points above them), B only in
    the easy ones (about 72, two above). Both offer medical care at level 4, as near to 东村, which
    needs it. The needs are equally severe everywhere, so only the villages' size says which were
    hard; ``with_sizes`` False leaves population and poor households out."""
    rng = np.random.default_rng(0)
    villages = [(v, 40.0 + 0.01 * i, 117.1, {"medical": 3}) for i, v in enumerate(HARD + EASY)]
    villages.append(("V1", 36.0, 117.0, {"medical": 3}))
    orgs = [(o, 40.0, 117.0 + 0.01 * i, 0, {"medical": 4}) for i, o in enumerate(HISTORY_ORGS)]
    orgs += [("A", 36.0, 117.02, 1, {"medical": 4}), ("B", 36.02, 117.0, 1, {"medical": 4})]
    projects = []

    def add(org: str, village: str, mean: float, i: int) -> None:
        date = f"{2010 + i % 10}-{1 + i % 12:02d}-15"
        score = round(mean + rng.normal(0, 2), 1)
        projects.append((f"J{len(projects):03d}", "medical", [org], village, score, date))

    for i in range(240):
        org = HISTORY_ORGS[i % len(HISTORY_ORGS)]
        hard = i % 2 == 0
        add(org, (HARD if hard else EASY)[i % 4], 50.0 if hard else 70.0, i)
    for i in range(8):
        add("A", HARD[i % 4], 58.0, i)
        add("B", EASY[i % 4], 72.0, i)
    ds = tiny_dataset(villages, orgs, projects=projects)
    if with_sizes:
        table = ds["villages"]
        hard = table["village_id"].isin(HARD).to_numpy()
        easy = table["village_id"].isin(EASY).to_numpy()
        population = np.where(hard, 300, np.where(easy, 2000, 900))
        poor = np.where(hard, 0.8, np.where(easy, 0.1, 0.4)) * population / 3.1
        table["population"] = population
        table["poor_households"] = np.rint(poor).astype(int)
    return ds


@pytest.fixture(scope="module")
def runs():
    return {w: recommend(_world(w), max_group=1, seed=0) for w in (True, False)}


def _lead(result) -> str:
    (rec,) = result.recommendations
    return rec.members[0].org_id


def test_the_organization_that_beat_its_hard_villages_is_chosen(runs):
    assert _lead(runs[True]) == "A"


def test_without_the_villages_sizes_the_higher_raw_record_wins(runs):
    assert _lead(runs[False]) == "B"


def test_a_candidates_rank_does_not_depend_on_the_other_villages_of_the_run():
    """东村's population is not known. The rank its candidates get (the linear stand-in that picks
    whom the team loop sees) fills the unknown with the reviewed projects' villages, the same
    whether 东村 is ranked alone or beside the hard and easy villages, whose sizes are known."""
    ds = _world(with_sizes=True)
    table = ds["villages"]
    table["population"] = table["population"].astype(float)
    table.loc[table["village_id"] == "V1", ["population", "poor_households"]] = np.nan
    snap = build_snapshot(ds)
    scorer = fit_scorer(snap, seed=0, evaluate=False)
    v1 = int(np.flatnonzero(snap.village_ids == "V1")[0])
    others = [int(np.flatnonzero(snap.village_ids == v)[0]) for v in HARD + EASY]
    a = int(np.flatnonzero(snap.org_ids == "A")[0])
    s = SERVICES.index("medical")
    alone = scorer.prior(np.array([v1]), np.array([s]), np.array([a]), None)
    batch = scorer.prior(np.array([v1, *others]), np.full(9, s), np.full(9, a), None)
    assert np.isfinite(alone[0])
    assert alone[0] == pytest.approx(batch[0], abs=1e-9)
