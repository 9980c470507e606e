"""The loop: reviews made on the platform feed the next matcher run, and the bench's simulated
year on the platform is data the store accepts (issue 15 point 5, ``bench/bench_loop.py``)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.quality import spec
from bench.quality.greedy import reference_greedy
from bench.quality.loop import after_year, pairs_with_evidence, simulate_year
from bench.quality.world import build_world
from graph_schema import write_data
from graph_schema.operations import import_path
from graph_schema.store import SqliteGraphStore
from matcher import recommend
from matcher.collaboration import History
from matcher.snapshot import build_snapshot
from tests.webapp_fixtures import login

FULL_MARKS = {
    "need_fit": "20",
    "execution": "20",
    "effect": "20",
    "sustainability": "20",
    "funds": "20",
}


def _quality(dataset, org_id: str) -> float:
    snap = build_snapshot(dataset)
    o = int(np.flatnonzero(snap.org_ids == org_id)[0])
    return float(History(snap).effects.org_effect(np.array([o]))[0])


def test_a_review_made_on_the_site_feeds_the_next_matcher_run(client, app):
    store = app.extensions["baotuan_store"]
    before = store.load_dataset()
    reviewed = set(before["reviews"]["project_id"])
    projects = before["projects"]
    done = projects[projects["end_date"].notna() & ~projects["project_id"].isin(reviewed)]
    project = done.sort_values("project_id").iloc[0]
    lead = str(project["lead_org_id"])
    model_before = recommend(before, max_group=4, seed=0).summary["model"]

    login(client, "reviewer")
    response = client.post(f"/review/projects/{project['project_id']}", data=FULL_MARKS)
    assert response.status_code == 302

    after = store.load_dataset()
    assert len(after["reviews"]) == len(before["reviews"]) + 1
    model_after = recommend(after, max_group=4, seed=0).summary["model"]
    # the shipped model learns from one more reviewed project
    assert model_after["n_reviewed"] == model_before["n_reviewed"] + 1
    assert model_after["n_train"] == model_before["n_train"] + 1
    # the review is dated today: it is in the time split's test year, the latest one
    split_before, split_after = model_before["time_split"], model_after["time_split"]
    assert split_after["test_year"] == split_before["test_year"]
    assert split_after["n_test_all"] == split_before["n_test_all"] + 1
    assert split_after["n_train"] == split_before["n_train"]
    # a score of 100 raises the lead's estimated quality
    assert _quality(after, lead) > _quality(before, lead)


@pytest.fixture(scope="module")
def tiny_year():
    world = build_world(spec("dev_local_teams"), "tiny", 0)
    doc = recommend(world.dataset, max_group=4, seed=0).to_contract_json()
    return world, doc, simulate_year(world, doc, 2022, seed=0)


def test_a_simulated_year_is_data_the_store_imports(tiny_year, tmp_path):
    world, _doc, year = tiny_year
    write_data(year.dataset, tmp_path / "after")
    store = SqliteGraphStore(tmp_path / "store.sqlite")
    try:
        import_path(store, tmp_path / "after", actor="test")  # validates against the contract
        stored = store.load_dataset()
    finally:
        store.close()
    added = stored["reviews"][stored["reviews"]["project_id"].isin(year.projects["project_id"])]
    assert len(added) == len(year.reviews) > 0
    assert len(stored["reviews"]) == len(world.dataset["reviews"]) + len(year.reviews)
    # as the review page writes them: a site account, half points, no comment, a date in the year
    assert added["reviewer"].str.fullmatch(r"reviewer\d{3}").all()
    assert ((added["score"] * 2) % 1 == 0).all()
    assert added["comment"].isna().all()
    assert added["reviewed_on"].astype(str).str.startswith("2022-").all()


def test_the_added_projects_are_the_recommended_groups(tiny_year):
    world, doc, year = tiny_year
    groups = {r["village_id"]: r["organizations"] for r in doc["recommendations"]}
    covered = sum(len(m["covers"]) for members in groups.values() for m in members)
    assert len(year.projects) == covered
    teams = year.project_orgs.groupby("project_id")["org_id"].apply(set)
    for p in year.projects.itertuples():
        members = groups[p.village_id]
        assert teams[p.project_id] == {m["org_id"] for m in members}
        lead = next(m for m in members if m["org_id"] == p.lead_org_id)
        assert p.service in lead["covers"]
    assert set(year.reviews["project_id"]) == set(year.projects["project_id"])
    # the joint projects are new evidence on pairs
    assert pairs_with_evidence(year.dataset) > pairs_with_evidence(world.dataset)


def test_the_world_after_the_year_keeps_its_needs_and_baselines(tiny_year):
    world, _doc, year = tiny_year
    after = after_year(world, year)
    assert after.dataset["villages"].equals(world.dataset["villages"])
    assert after.dataset["partnerships"].equals(world.dataset["partnerships"])
    for which in ("naive", "true"):  # the greedies do not read the history
        a, b = reference_greedy(world, which), reference_greedy(after, which)
        assert {k: v.tolist() for k, v in a.items()} == {k: v.tolist() for k, v in b.items()}
