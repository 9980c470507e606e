"""Reviewers score finished projects; officers, reviewers and admins work through the 疑点清单."""

from __future__ import annotations

import pytest

from tests.webapp_fixtures import login

RUBRIC = {
    "need_fit": "18",
    "execution": "16",
    "effect": "15.5",
    "sustainability": "12",
    "funds": "19",
}


def finished_project(app) -> tuple[str, str]:
    projects = app.extensions["baotuan_store"].query("projects")
    done = projects[projects["end_date"].notna()].sort_values("project_id").iloc[0]
    return str(done["project_id"]), str(done["lead_org_id"])


def test_finished_projects_are_listed(client):
    login(client, "reviewer")
    html = client.get("/review/").get_data(as_text=True)
    assert "项目评审" in html and "评分" in html
    filtered = client.get("/review/?service=medical&todo=1").get_data(as_text=True)
    assert "健康义诊" in filtered


def test_a_score_goes_to_the_store_and_the_track_record(client, app):
    project_id, org_id = finished_project(app)
    store = app.extensions["baotuan_store"]
    login(client, "reviewer")
    response = client.post(f"/review/projects/{project_id}", data={**RUBRIC, "comment": "效果明显"})
    assert response.status_code == 302
    mine = store.query("reviews", {"project_id": project_id, "reviewer": "reviewer"})
    assert mine["score"].tolist() == [80.5]
    assert mine["comment"].tolist() == ["效果明显"]
    entry = store.audit_log(action="review")[0]
    assert entry.actor == "reviewer:reviewer" and project_id in entry.target
    page = client.get(f"/review/projects/{project_id}").get_data(as_text=True)
    assert "80.5" in page and "15.5" in page  # the total and the parts
    record = client.get(f"/organization/record/{org_id}").get_data(as_text=True)
    assert "80.5" in record and "效果明显" in record
    # scoring again on the same day replaces the reviewer's score
    client.post(f"/review/projects/{project_id}", data={**RUBRIC, "funds": "9"})
    mine = store.query("reviews", {"project_id": project_id, "reviewer": "reviewer"})
    assert mine["score"].tolist() == [70.5]


@pytest.mark.parametrize(
    "field, value, message",
    [("funds", "25", "应为 0–20"), ("effect", "", "请打分"), ("execution", "12.3", "0.5")],
)
def test_rubric_parts_are_checked(client, app, field, value, message):
    project_id, _org = finished_project(app)
    store = app.extensions["baotuan_store"]
    login(client, "reviewer")
    response = client.post(f"/review/projects/{project_id}", data={**RUBRIC, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert store.query("reviews", {"project_id": project_id, "reviewer": "reviewer"}).empty


def test_an_unfinished_project_cannot_be_scored(client, app):
    import pandas as pd

    store = app.extensions["baotuan_store"]
    project = store.query("projects").iloc[[0]].copy()
    project["project_id"] = "JRUNNING"
    project["end_date"] = "2999-12-31"
    store.upsert_rows("projects", pd.DataFrame(project), actor="test")
    login(client, "reviewer")
    response = client.post("/review/projects/JRUNNING", data=RUBRIC)
    assert response.status_code == 400
    assert "尚未结束" in response.get_data(as_text=True)
    assert client.get("/review/projects/NOPE").status_code == 404


@pytest.mark.parametrize("username", ["org", "officer"])
def test_only_reviewers_and_admins_score(client, app, username):
    project_id, _org = finished_project(app)
    login(client, username)
    assert client.get("/review/").status_code == 403
    assert client.post(f"/review/projects/{project_id}", data=RUBRIC).status_code == 403


@pytest.mark.parametrize(
    "username, status", [("officer", 200), ("reviewer", 200), ("admin", 200), ("org", 403)]
)
def test_integrity_list_is_for_those_who_check(client, username, status):
    login(client, username)
    response = client.get("/review/integrity?status=all")
    assert response.status_code == status
    if status == 200:
        assert "疑点清单" in response.get_data(as_text=True)


def test_an_item_is_marked_checked_with_a_note_and_reopened(client, app):
    login(client, "officer")
    with app.app_context():
        from webapp.integrity.service import current_items

        item = current_items()[0]
    response = client.post(
        "/review/integrity/mark", data={"key": item.key, "note": "已电话核实，系录入错误"}
    )
    assert response.status_code == 302
    checked = client.get(f"/review/integrity?status=checked&rule={item.rule}").get_data(
        as_text=True
    )
    assert "已电话核实，系录入错误" in checked and "泰安市民政局 张干部" in checked  # display name
    assert item.key not in client.get(f"/review/integrity?rule={item.rule}").get_data(as_text=True)
    store = app.extensions["baotuan_store"]
    assert store.audit_log(action="integrity_mark")[0].target == f"integrity:{item.key}"
    client.post("/review/integrity/mark", data={"key": item.key, "action": "reopen"})
    assert item.key in client.get(f"/review/integrity?rule={item.rule}").get_data(as_text=True)
    assert client.post("/review/integrity/mark", data={"key": "no-such-item"}).status_code == 404


def test_a_new_problem_shows_up_in_the_list(client, app):
    import pandas as pd

    store = app.extensions["baotuan_store"]
    login(client, "reviewer")
    before = client.get("/review/integrity?rule=volunteer_hours").get_data(as_text=True)
    assert "每月服务 400 小时" not in before
    vol = store.query("volunteers").iloc[[0]].copy()
    vol["hours_per_month"] = 400.0
    store.upsert_rows("volunteers", pd.DataFrame(vol), actor="test")
    after = client.get("/review/integrity?rule=volunteer_hours").get_data(as_text=True)
    assert "每月服务 400 小时" in after


def test_the_rubric_and_the_list_in_english(client, app):
    project_id, _org = finished_project(app)
    login(client, "reviewer")
    client.get("/lang/en")
    html = client.get(f"/review/projects/{project_id}").get_data(as_text=True)
    assert "Roadshow rubric" in html and "Use of funds" in html
    assert "Outlying review" in client.get("/review/integrity").get_data(as_text=True)


def test_items_link_to_their_records(client):
    login(client, "officer")
    html = client.get("/review/integrity?rule=idle_village").get_data(as_text=True)
    assert 'href="/officer/villages/V' in html


def test_reasons_are_shown_in_english(client):
    login(client, "officer")
    client.get("/lang/en")
    html = client.get("/review/integrity?rule=idle_village").get_data(as_text=True)
    assert "is marked as supported but has had no project activity for 365 days" in html
