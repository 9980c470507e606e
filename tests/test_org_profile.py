"""The organization keeps its profile true, manages its volunteers and sees its villages."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from tests.webapp_fixtures import login


@pytest.fixture
def org_client(client):
    return login(client, "org")


@pytest.fixture
def org_id(app) -> str:
    with app.app_context():
        from webapp.accounts.models import find_by_username

        return find_by_username("org")["org_id"]


def profile_form(**overrides) -> dict:
    form = {
        "max_villages": "4",
        "volunteers": "80",
        "contact_name": "李主任",
        "phone": "13800000000",
        "level_elder_care": "5",
        "level_visiting": "2",
    }
    form.update(overrides)
    return form


def test_home_shows_the_profile(org_client, app, org_id):
    html = org_client.get("/organization/").get_data(as_text=True)
    name = app.extensions["baotuan_store"].query("organizations", {"org_id": org_id})["name"][0]
    assert name in html and "维护资料" in html


def test_profile_update_writes_the_store_and_audits(org_client, app, org_id):
    store = app.extensions["baotuan_store"]
    response = org_client.post("/organization/profile", data=profile_form())
    assert response.status_code == 302
    org = store.query("organizations", {"org_id": org_id})
    assert (int(org["max_villages"][0]), int(org["volunteers"][0])) == (4, 80)
    caps = store.query("capabilities", {"org_id": org_id})
    assert dict(zip(caps["service"], caps["level"], strict=True)) == {
        "elder_care": 5,
        "visiting": 2,
    }
    actions = {e.action for e in store.audit_log(limit=20)}
    assert {"update_profile", "set_contact"} <= actions
    assert "13800000000" in org_client.get("/organization/").get_data(as_text=True)


def test_capacity_never_below_current_partnerships(org_client, app, org_id):
    store = app.extensions["baotuan_store"]
    assigned = len(store.query("partnerships", {"org_id": org_id}))
    assert assigned >= 1
    before = store.query("organizations", {"org_id": org_id})
    response = org_client.post(
        "/organization/profile", data=profile_form(max_villages=str(assigned - 1))
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert f"已帮扶 {assigned} 个村，可承接村数不能少于 {assigned}" in html
    assert store.query("organizations", {"org_id": org_id}).equals(before)


def test_profile_needs_one_service(org_client):
    form = profile_form(level_elder_care="0", level_visiting="0")
    response = org_client.post("/organization/profile", data=form)
    assert response.status_code == 400
    assert "请至少保留一项服务" in response.get_data(as_text=True)


def test_volunteer_added_and_removed_one_by_one(org_client, app, org_id):
    store = app.extensions["baotuan_store"]
    response = org_client.post(
        "/organization/volunteers",
        data={"name": "赵志愿", "hours_per_month": "12", "skills": ["medical", "visiting"]},
    )
    assert response.status_code == 302
    mine = store.query("volunteers", {"org_id": org_id})
    added = mine[mine["name"] == "赵志愿"]
    assert len(added) == 1
    vid = added["volunteer_id"].iloc[0]
    skills = store.query("volunteer_skills", {"volunteer_id": vid})
    assert sorted(skills["service"]) == ["medical", "visiting"]
    assert "赵志愿" in org_client.get("/organization/volunteers").get_data(as_text=True)
    assert org_client.post(f"/organization/volunteers/{vid}/delete").status_code == 302
    assert store.query("volunteers", {"volunteer_id": vid}).empty
    assert store.query("volunteer_skills", {"volunteer_id": vid}).empty


def test_volunteer_form_refuses_bad_hours(org_client):
    response = org_client.post(
        "/organization/volunteers", data={"name": "钱志愿", "hours_per_month": "900"}
    )
    assert response.status_code == 400
    assert "900 超出范围 0–744" in response.get_data(as_text=True)


def test_another_organizations_volunteer_cannot_be_deleted(org_client, app, org_id):
    store = app.extensions["baotuan_store"]
    others = store.query("volunteers")
    other = others[others["org_id"].notna() & (others["org_id"] != org_id)].iloc[0]
    response = org_client.post(f"/organization/volunteers/{other['volunteer_id']}/delete")
    assert response.status_code == 404
    assert len(store.query("volunteers", {"volunteer_id": other["volunteer_id"]})) == 1


def upload(client, *files):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post(
        "/organization/volunteers/upload", data=data, content_type="multipart/form-data"
    )


def test_spreadsheet_with_problems_is_refused_whole_with_file_and_line(org_client, app, org_id):
    store = app.extensions["baotuan_store"]
    before = len(store.query("volunteers", {"org_id": org_id}))
    csv = (
        "volunteer_id,name,lat,lon,hours_per_month,org_id\n"
        "NEW1,孙一,36.1,117.1,10,\n"
        "NEW2,孙二,200,117.1,10,\n"
        "NEW3,孙三,36.1,117.1,10,O000293\n"
    ).encode()
    response = upload(org_client, ("我的志愿者.csv", csv))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "我的志愿者.csv:3: lat: 200 超出范围 3.5–54（须在中国境内" in html
    assert "我的志愿者.csv:4: org_id: 只能导入本组织" in html
    assert len(store.query("volunteers", {"org_id": org_id})) == before
    assert store.query("volunteers", {"volunteer_id": "NEW1"}).empty


def test_spreadsheet_csv_with_skills_imports_all(org_client, app, org_id):
    store = app.extensions["baotuan_store"]
    volunteers = "volunteer_id,name,lat,lon,hours_per_month\nNEW1,孙一,36.1,117.1,10\nNEW2,孙二,36.2,117.2,8\n"
    skills = "volunteer_id,service\nNEW1,medical\nNEW2,education\n"
    response = upload(
        org_client,
        ("volunteers.csv", volunteers.encode("utf-8-sig")),
        ("volunteer_skills.csv", skills.encode()),
    )
    assert response.status_code == 302
    got = store.query("volunteers", {"volunteer_id": "NEW2"})
    assert got["org_id"].tolist() == [org_id]
    assert store.query("volunteer_skills", {"volunteer_id": "NEW1"})["service"].tolist() == [
        "medical"
    ]
    assert store.audit_log(action="import")[0].actor == "organization:org"


def test_spreadsheet_xlsx_imports_and_refuses_taking_other_volunteers(org_client, app, org_id):
    store = app.extensions["baotuan_store"]
    others = store.query("volunteers")
    foreign = others[others["org_id"].notna() & (others["org_id"] != org_id)]["volunteer_id"].iloc[
        0
    ]

    def workbook(rows):
        book = Workbook()
        sheet = book.active
        sheet.title = "volunteers"
        sheet.append(["volunteer_id", "name", "lat", "lon", "hours_per_month"])
        for row in rows:
            sheet.append(row)
        skills = book.create_sheet("volunteer_skills")
        skills.append(["volunteer_id", "service"])
        skills.append(["X1", "elder_care"])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()

    bad = upload(
        org_client,
        (
            "名单.xlsx",
            workbook([["X1", "周一", 36.1, 117.1, 5], [foreign, "冒名", 36.1, 117.1, 5]]),
        ),
    )
    assert bad.status_code == 400
    assert (
        f"名单.xlsx[volunteers]:3: volunteer_id: 编号 {foreign} 已是其他组织的志愿者"
        in bad.get_data(as_text=True)
    )
    assert store.query("volunteers", {"volunteer_id": "X1"}).empty
    good = upload(org_client, ("名单.xlsx", workbook([["X1", "周一", 36.1, 117.1, 5]])))
    assert good.status_code == 302
    assert store.query("volunteer_skills", {"volunteer_id": "X1"})["service"].tolist() == [
        "elder_care"
    ]


def test_villages_show_partners_and_their_contacts(org_client, app, org_id):
    from graph_schema.store import GroupMember

    store = app.extensions["baotuan_store"]
    partners = store.query("partnerships")
    free = store.query("villages")
    free = free[~free["village_id"].isin(partners["village_id"])]["village_id"].iloc[0]
    store.approve_group(
        free, [GroupMember(org_id, "lead"), GroupMember("O000293", "member")], actor="officer:test"
    )
    with app.app_context():
        from webapp.organization.operations import set_contact

        set_contact("O000293", "陈会长", "0538-1234567", "test")
    html = org_client.get("/organization/villages").get_data(as_text=True)
    village_name = store.query("villages", {"village_id": free})["name"][0]
    assert village_name in html
    assert "陈会长" in html and "0538-1234567" in html


def test_track_record_of_another_organization_is_forbidden(org_client, org_id):
    assert org_client.get(f"/organization/record/{org_id}").status_code == 200
    assert org_client.get("/organization/record/O000293").status_code == 403


def test_officer_sees_any_track_record_but_not_the_org_pages(client):
    login(client, "officer")
    assert client.get("/organization/record/O000293").status_code == 200
    assert client.get("/organization/record/NOPE").status_code == 404
    assert client.get("/organization/").status_code == 403
