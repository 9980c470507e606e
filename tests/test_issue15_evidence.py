"""Issue 15 points no other test showed whole (docs/evidence/issue-15.md).

* the ledger files (activities.csv, activity_volunteers.csv) through ``baotuan import`` and
  ``baotuan export`` on each store, and from a Neo4j export into a SQLite store;
* a finished roadshow's scores are reviews the next matcher run learns from;
* the 60-day 预警 on the county ledger: 61 quiet days warn, 59 do not.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from graph_schema import read_data, write_data
from graph_schema.store import SqliteGraphStore
from matcher import recommend
from matcher.collaboration import History
from matcher.snapshot import build_snapshot
from tests.test_roadshow import as_reviewer, create_event, make_reviewers, rubric
from tests.test_store_activities import ledger_world
from tests.webapp_fixtures import login
from webapp.cli import main

__all__: list[str] = []

LEDGER = ("activities", "activity_volunteers")


def _cli_location(store) -> str:
    """What a user types after ``--store`` for this store: the file, or the bolt URI."""
    return str(store.path) if isinstance(store, SqliteGraphStore) else store.uri


def test_the_ledger_files_go_through_baotuan_import_and_export(store, tmp_path, capsys):
    folder = write_data(ledger_world(), tmp_path / "in")
    where = ["--instance", str(tmp_path / "instance"), "--store", _cli_location(store)]
    assert main([*where, "import", str(folder)]) == 0
    err = capsys.readouterr().err
    assert "activities" in err and "activity_volunteers" in err
    assert store.counts()["activities"] == 2 and store.counts()["activity_volunteers"] == 3

    sent = read_data(folder)
    assert main([*where, "export", str(tmp_path / "out.xlsx")]) == 0
    assert main([*where, "export", str(tmp_path / "out")]) == 0
    for exported in (read_data(tmp_path / "out.xlsx"), read_data(tmp_path / "out")):
        for name in LEDGER:
            pd.testing.assert_frame_equal(exported[name], sent[name])
    # the neo4j-admin files carry the ledger too (node file and relationship file)
    assert main([*where, "export", "--format", "neo4j-admin", str(tmp_path / "admin")]) == 0
    assert (tmp_path / "admin" / "activities.csv").exists()
    assert any("SERVED_IN" in p.read_text(encoding="utf-8") for p in (tmp_path / "admin").iterdir())

    # the exported workbook goes into another store unchanged, and again changes nothing
    other = ["--instance", str(tmp_path / "other"), "--store", str(tmp_path / "other.sqlite")]
    assert main([*other, "import", str(tmp_path / "out.xlsx")]) == 0
    copy = SqliteGraphStore(tmp_path / "other.sqlite")
    try:
        assert copy.load_dataset().equals(store.load_dataset())
    finally:
        copy.close()
    capsys.readouterr()
    assert main([*where, "import", str(tmp_path / "out.xlsx")]) == 0
    assert "; 0 inserted or changed" in capsys.readouterr().err


def _quality(dataset, org_id: str) -> float:
    snap = build_snapshot(dataset)
    o = int(np.flatnonzero(snap.org_ids == org_id)[0])
    return float(History(snap).effects.org_effect(np.array([o]))[0])


def _unreviewed_projects(store, n: int) -> pd.DataFrame:
    """``n`` finished, never reviewed projects sharing no organization."""
    projects = store.query("projects")
    reviewed = set(store.query("reviews")["project_id"])
    links = store.query("project_orgs")
    done = projects[projects["end_date"].notna() & ~projects["project_id"].isin(reviewed)]
    chosen: list[str] = []
    used: set[str] = set()
    for p in done.sort_values("project_id").itertuples(index=False):
        orgs = {p.lead_org_id, *links.loc[links["project_id"] == p.project_id, "org_id"]}
        if not orgs & used:
            chosen.append(p.project_id)
            used |= orgs
        if len(chosen) == n:
            break
    assert len(chosen) == n
    return done.set_index("project_id").loc[chosen].reset_index()


def test_a_finished_roadshow_is_learned_by_the_next_matcher_run(app, client):
    store = app.extensions["baotuan_store"]
    picked = _unreviewed_projects(store, 2)
    good, poor = picked["project_id"]
    good_lead, poor_lead = (str(x) for x in picked["lead_org_id"])
    before = store.load_dataset()
    model_before = recommend(before, max_group=4, seed=0).summary["model"]

    make_reviewers(app, {"ev_a": None, "ev_b": None, "ev_c": None})
    login(client, "officer")
    event_id = create_event(client, tiers="一等奖 1\n二等奖 1")
    client.post(f"/roadshow/events/{event_id}/entries", data={"project_id": [good, poor]})
    for name in ("ev_a", "ev_b", "ev_c"):
        client.post(f"/roadshow/events/{event_id}/reviewers", data={"username": name})
        reviewer = as_reviewer(app, name)
        for project, total in ((good, 100), (poor, 20)):
            answer = reviewer.post(
                f"/roadshow/review/{event_id}/projects/{project}", data=rubric(total)
            )
            assert answer.status_code == 302
    assert client.post(f"/roadshow/events/{event_id}/finish").status_code == 302

    after = store.load_dataset()
    model_after = recommend(after, max_group=4, seed=0).summary["model"]
    # the two entries are reviewed projects the model now trains on
    assert model_after["n_reviewed"] == model_before["n_reviewed"] + 2
    assert model_after["n_train"] == model_before["n_train"] + 2
    # and what the panel said moves the organizations' estimated quality its way
    assert _quality(after, good_lead) > _quality(before, good_lead)
    assert _quality(after, poor_lead) < _quality(before, poor_lead)


def test_the_county_ledger_warns_after_sixty_quiet_days_not_before(officer_client, app):
    store = app.extensions["baotuan_store"]
    world = store.load_dataset()
    villages = world["villages"].set_index("village_id")
    partners = world["partnerships"].copy()
    partners["county"] = partners["village_id"].map(villages["county"])
    county = partners["county"].value_counts().index[0]  # a county with several groups
    quiet, recent = sorted(set(partners.loc[partners["county"] == county, "village_id"]))[:2]
    org = partners["org_id"].iloc[0]
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    store.upsert_rows(
        "activities",
        pd.DataFrame(
            {
                "activity_id": ["E-Q", "E-R"],
                "village_id": [quiet, recent],
                "org_id": [org, org],
                "service": ["medical", "medical"],
                "date": [str(today - dt.timedelta(days=61)), str(today - dt.timedelta(days=59))],
            }
        ),
        actor="test",
    )
    html = officer_client.get("/officer/ledger", query_string={"county": county}).get_data(
        as_text=True
    )
    warned = html.split('id="idle-villages"')[1]
    assert f"/officer/villages/{quiet}/ledger" in warned and "61" in warned
    assert f"/officer/villages/{recent}/ledger" not in warned
