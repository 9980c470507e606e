"""报到 and 逾期未报到 (issue 15, point b): the lead organization reports its group's arrival at
the village, an officer reports or confirms it, and officers list the groups whose letter is
older than the set days without a 报到 — for their own county only."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from tests.webapp_fixtures import login

__all__: list[str] = []

#: the letters of these tests are issued on this day (Beijing 2026-10-01)
ISSUED_AT = "2026-10-01T02:00:00+00:00"
PASSWORD = "Village-2026-kq"


def _group(app) -> tuple[str, str, str | None]:
    """A village with a group in force: its id, its lead and (if any) another member."""
    groups = app.extensions["baotuan_store"].query("partnerships")
    sizes = groups.groupby("village_id").size()
    village = str(sizes.sort_values(ascending=False).index[0])
    members = groups[groups["village_id"] == village]
    lead = str(members.loc[members["role"] == "lead", "org_id"].iloc[0])
    others = members.loc[members["role"] != "lead", "org_id"]
    return village, lead, (str(others.iloc[0]) if len(others) else None)


def _issue_letter(app, monkeypatch, village: str, org_id: str, at: str = ISSUED_AT):
    """Issue the lead's letter as if on ``at`` (the store stamps letters with ``now_iso``)."""
    import graph_schema.store.base as base
    from webapp.services.letters import letter_in_force
    from webapp.sitedb import get_session

    with monkeypatch.context() as patch, app.app_context():
        patch.setattr(base, "now_iso", lambda: at)
        store = app.extensions["baotuan_store"]
        return letter_in_force(store, get_session(), village, org_id, app.config)


def _org_client(app, org_id: str, username: str):
    from webapp.accounts.operations import create_user

    with app.app_context():
        create_user(username, PASSWORD, "organization", org_id=org_id, actor="test-setup")
    return login(app.test_client(), username, PASSWORD)


def _arrival(app, village: str):
    from webapp.services.arrivals import arrival_for, lead_letter
    from webapp.sitedb import get_session

    with app.app_context():
        row = arrival_for(get_session(), lead_letter(app.extensions["baotuan_store"], village))
        return None if row is None else (row.arrived_on, row.received_by_name, row.confirmed_by)


def _flash(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def group(app, monkeypatch):
    village, lead, member = _group(app)
    letter = _issue_letter(app, monkeypatch, village, lead)
    return village, lead, member, letter


def test_the_lead_reports_arrival_and_wrong_dates_are_refused(app, group):
    village, lead, member, letter = group
    client = _org_client(app, lead, "lead-org")
    url = f"/organization/villages/{village}/arrival"
    form = {"received_by_name": "王建国", "received_by_role": "村党支部书记", "note": "入村对接"}
    early = client.post(url, data={**form, "arrived_on": "2026-09-30"}, follow_redirects=True)
    assert "报到日期 2026-09-30 早于介绍信开具日期 2026-10-01" in _flash(early)
    future = client.post(url, data={**form, "arrived_on": "2099-01-01"}, follow_redirects=True)
    assert "报到日期 2099-01-01 晚于今天" in _flash(future)
    nameless = {**form, "received_by_name": " ", "arrived_on": "2026-10-05"}
    assert "请填写接待人姓名" in _flash(client.post(url, data=nameless, follow_redirects=True))
    assert _arrival(app, village) is None  # nothing of the refused forms was kept

    page = client.post(url, data={**form, "arrived_on": "2026-10-05"}, follow_redirects=True)
    assert "已登记报到" in _flash(page) and "2026-10-05 报到" in _flash(page)
    assert "王建国（村党支部书记）" in _flash(page)
    assert _arrival(app, village) == ("2026-10-05", "王建国", None)
    audit = app.extensions["baotuan_store"].audit_log(limit=5, action="report_arrival")
    assert audit and audit[0].target == f"village:{village}" and audit[0].actor.endswith("lead-org")
    assert letter.reference in str(audit[0].after)

    if member is not None:  # another member of the group may not report for it
        other = _org_client(app, member, "member-org")
        refused = other.post(url, data={**form, "arrived_on": "2026-10-06"}, follow_redirects=True)
        assert "只有抱团组的牵头组织可以报到" in _flash(refused)
        assert _arrival(app, village)[0] == "2026-10-05"


def test_a_village_without_a_letter_has_no_arrival_yet(app):
    groups = app.extensions["baotuan_store"].query("partnerships")
    village, lead = groups.loc[groups["role"] == "lead", ["village_id", "org_id"]].iloc[-1]
    client = _org_client(app, str(lead), "no-letter-org")
    response = client.post(
        f"/organization/villages/{village}/arrival",
        data={"arrived_on": "2026-10-05", "received_by_name": "甲", "received_by_role": "主任"},
        follow_redirects=True,
    )
    assert "还没有开具介绍信" in _flash(response)


def test_overdue_counts_days_after_the_letter_for_an_explicit_today(app, group):
    from webapp.services.arrivals import overdue_groups, report_arrival
    from webapp.sitedb import get_session

    village, lead, _member, letter = group
    store = app.extensions["baotuan_store"]
    county = str(store.query("villages", {"village_id": village})["county"].iloc[0])
    with app.test_request_context():
        session = get_session()

        def listed(today: str, days: int = 15, county: str | None = None) -> list:
            return [
                o
                for o in overdue_groups(store, session, today, days, county)
                if o.village_id == village
            ]

        assert listed("2026-10-16") == []  # 15 days: not more than 15
        (late,) = listed("2026-10-17")
        assert (late.days, late.days_overdue, late.lead_org_id) == (16, 1, lead)
        assert late.letter_reference == letter.reference and late.issued_on == "2026-10-01"
        assert listed("2026-10-17", days=30) == []
        assert len(listed("2026-10-17", county=county)) == 1
        assert listed("2026-10-17", county="不存在县") == []
        form = {"arrived_on": "2026-10-20", "received_by_name": "李", "received_by_role": "主任"}
        report_arrival(
            store, session, village, form, "officer:officer", org_id=None, today="2026-10-21"
        )
        assert listed("2026-10-30") == []  # reported: off the list


def test_the_officer_list_its_workbook_and_an_officers_arrival(app, group, officer_client):
    village, lead, _member, letter = group
    html = officer_client.get("/officer/arrivals/overdue").get_data(as_text=True)
    assert f'id="overdue-{village}"' in html and letter.reference in html
    assert "/officer/arrivals/overdue" in officer_client.get("/officer/").get_data(as_text=True)
    book = officer_client.get("/officer/arrivals/overdue.xlsx")
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.data))["逾期未报到"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(cells) if row[0] == "村")
    rows = {row[1]: row for row in cells[header + 1 :]}
    assert rows[village][6] == letter.reference and rows[village][7] == "2026-10-01"

    ledger = officer_client.get(f"/officer/villages/{village}/ledger").get_data(as_text=True)
    assert "尚未报到" in ledger and "代为登记报到" in ledger
    form = {
        "action": "report",
        "arrived_on": "2026-10-09",
        "received_by_name": "赵敏",
        "received_by_role": "村委会主任",
    }
    done = officer_client.post(
        f"/officer/villages/{village}/arrival", data=form, follow_redirects=True
    ).get_data(as_text=True)
    assert "已登记报到" in done and "2026-10-09 报到" in done and "已确认" in done
    assert _arrival(app, village) == ("2026-10-09", "赵敏", "officer:officer")
    again = officer_client.get("/officer/arrivals/overdue").get_data(as_text=True)
    assert f'id="overdue-{village}"' not in again
    officer_client.get("/lang/en")  # the page speaks English too (arrivals.po)
    english = officer_client.get("/officer/arrivals/overdue").get_data(as_text=True)
    assert "Overdue arrivals" in english and "No group is overdue" in english


def test_an_officer_confirms_and_then_the_group_cannot_change_it(app, group, officer_client):
    village, lead, _member, _letter = group
    org = _org_client(app, lead, "lead-org-2")
    url = f"/organization/villages/{village}/arrival"
    form = {"arrived_on": "2026-10-03", "received_by_name": "孙", "received_by_role": "书记"}
    org.post(url, data=form)
    confirm = officer_client.post(
        f"/officer/villages/{village}/arrival", data={"action": "confirm"}, follow_redirects=True
    )
    assert "已确认报到" in confirm.get_data(as_text=True)
    assert _arrival(app, village) == ("2026-10-03", "孙", "officer:officer")
    changed = org.post(url, data={**form, "arrived_on": "2026-10-04"}, follow_redirects=True)
    assert "报到已由民政部门确认" in _flash(changed)
    assert _arrival(app, village)[0] == "2026-10-03"
    audit = app.extensions["baotuan_store"].audit_log(limit=5, action="confirm_arrival")
    assert audit and audit[0].target == f"village:{village}"


def test_another_countys_officer_neither_sees_nor_reports_the_group(app, group):
    from webapp.accounts.operations import create_user

    village, _lead, _member, letter = group
    villages = app.extensions["baotuan_store"].query("villages")
    home = str(villages.loc[villages["village_id"] == village, "county"].iloc[0])
    other = str(villages.loc[villages["county"] != home, "county"].iloc[0])
    with app.app_context():
        create_user("far-officer", PASSWORD, "officer", county=other, actor="test-setup")
        create_user("near-officer", PASSWORD, "officer", county=home, actor="test-setup")
    far = login(app.test_client(), "far-officer", PASSWORD)
    assert f'id="overdue-{village}"' not in far.get("/officer/arrivals/overdue").get_data(True)
    form = {
        "action": "report",
        "arrived_on": "2026-10-09",
        "received_by_name": "钱",
        "received_by_role": "主任",
    }
    assert far.post(f"/officer/villages/{village}/arrival", data=form).status_code == 404
    assert far.get(f"/officer/villages/{village}/ledger").status_code == 404
    assert _arrival(app, village) is None
    near = login(app.test_client(), "near-officer", PASSWORD)
    listed = near.get("/officer/arrivals/overdue").get_data(as_text=True)
    assert f'id="overdue-{village}"' in listed and letter.reference in listed
    org = app.test_client()
    login(org, "org")
    assert org.get("/officer/arrivals/overdue").status_code == 403


# -- 帮扶台账 from a spreadsheet on the organization's page -----------------------------------------
def _busy_org(app, username: str):
    """A client signed in for an organization with a village and volunteers, and what it has."""
    store = app.extensions["baotuan_store"]
    counts = store.query("volunteers").groupby("org_id").size()
    partners = store.query("partnerships")
    org_id = next(o for o in partners["org_id"] if counts.get(o, 0) >= 2)
    village = str(partners.loc[partners["org_id"] == org_id, "village_id"].iloc[0])
    volunteers = store.query("volunteers", {"org_id": org_id})["volunteer_id"].tolist()
    return _org_client(app, org_id, username), org_id, village, volunteers


def _upload(client, *files: tuple[str, bytes]):
    data = {"files": [(io.BytesIO(body), name) for name, body in files]}
    return client.post(
        "/organization/activities/upload", data=data, content_type="multipart/form-data"
    )


def test_a_ledger_spreadsheet_is_imported_whole(app):
    client, org_id, village, (p1, p2, *_rest) = _busy_org(app, "sheet-org")
    acts = (
        "activity_id,village_id,service,date,beneficiaries,value_yuan,note\n"
        f"UP-1,{village},medical,2026-06-01,40,,义诊（表格）\n"
        f"UP-2,{village},education,2026-06-15,,1500,捐赠图书（表格）\n"
    ).encode()
    hours = f"activity_id,volunteer_id,hours\nUP-1,{p1},4\nUP-1,{p2},3.5\nUP-2,{p1},2\n".encode()
    response = _upload(client, ("activities.csv", acts), ("activity_volunteers.csv", hours))
    assert response.status_code == 302
    page = client.get("/organization/activities").get_data(as_text=True)
    assert "已导入 2 次活动、3 条志愿服务记录" in page and "捐赠图书（表格）" in page
    store = app.extensions["baotuan_store"]
    stored = store.query("activities", {"org_id": org_id})
    assert {"UP-1", "UP-2"} <= set(stored["activity_id"])
    assert store.query("activity_volunteers", {"activity_id": "UP-1"})["hours"].sum() == 7.5
    (entry,) = store.audit_log(limit=1, action="import")
    assert (
        entry.target == f"organization:{org_id} activities activities.csv, activity_volunteers.csv"
    )
    assert entry.actor.endswith("sheet-org") and entry.after["rows"]["activities"] == 2

    # one workbook with both sheets: the template filled in
    book = load_workbook(io.BytesIO(client.get("/organization/activities/template.xlsx").data))
    assert book.sheetnames == ["说明", "activities", "activity_volunteers"]
    book["activities"].append(["UP-3", village, "健康义诊", "2026-07-01", 25, None, "表格三"])
    book["activity_volunteers"].append(["UP-3", p2, 6])
    out = io.BytesIO()
    book.save(out)
    assert _upload(client, ("台账.xlsx", out.getvalue())).status_code == 302
    assert store.query("activity_volunteers", {"activity_id": "UP-3"})["hours"].tolist() == [6.0]
    assert store.query("activities", {"activity_id": "UP-3"})["service"].tolist() == ["medical"]


def test_a_wrong_ledger_spreadsheet_is_refused_whole_with_lines(app):
    client, org_id, village, (p1, *_rest) = _busy_org(app, "sheet-org")
    store = app.extensions["baotuan_store"]
    supported = set(store.query("partnerships", {"org_id": org_id})["village_id"])
    elsewhere = next(v for v in store.query("villages")["village_id"] if v not in supported)
    others = store.query("volunteers")
    stranger = others.loc[others["org_id"] != org_id, "volunteer_id"].iloc[0]
    other_org = others.loc[others["org_id"] != org_id, "org_id"].iloc[0]
    acts = (
        "activity_id,village_id,org_id,service,date,beneficiaries\n"
        f"BAD-1,{village},,medical,2026-06-01,10\n"
        f"BAD-2,{elsewhere},,medical,2026-06-02,10\n"
        f"BAD-3,{village},{other_org},medical,2026-06-03,10\n"
        f"BAD-4,{village},,medical,2026-13-01,10\n"
    ).encode()
    hours = f"activity_id,volunteer_id,hours\nBAD-1,{p1},4\nBAD-1,{stranger},2\nBAD-1,{p1},30\n"
    before = (len(store.query("activities")), len(store.query("activity_volunteers")))
    response = _upload(client, ("activities.csv", acts), ("hours.csv", hours.encode()))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "未导入任何数据" in html
    assert f"activities.csv:3: village_id: {elsewhere} 不是本组织正在帮扶的村" in html
    assert "activities.csv:4: org_id: 只能导入本组织" in html
    assert "activities.csv:5: date:" in html and "2026-13-01" in html
    assert f"hours.csv:3: volunteer_id: {stranger} 不是本组织的志愿者" in html
    assert "hours.csv:4: " in html  # 30 hours: above 24 (and the same pair twice)
    after = (len(store.query("activities")), len(store.query("activity_volunteers")))
    assert after == before  # BAD-1 and its good hours were not stored either
    assert _upload(client, ("notes.docx", b"x")).status_code == 400
