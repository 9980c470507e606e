"""Spreadsheets out (issue 12, point 3): every workbook the project writes keeps text literal.

An organization named ``=HYPERLINK(...)``, a town ``=1+1`` and an approver ``@SUM(A1)`` are
imported text; in the county docking list, the full export, the audit export and the templates
they must stay text (never a formula Excel would run), and every workbook prints on A4 landscape.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from openpyxl import load_workbook

from graph_schema.store.base import GroupMember
from tests.webapp_fixtures import login

LINK = '=HYPERLINK("http://example.invalid/claim","点此领取补贴")'
TOWN = "=1+1"
APPROVER = "@SUM(A1:A9)"


def _store(app):
    return app.extensions["baotuan_store"]


@pytest.fixture
def hostile(app) -> dict[str, str]:
    """A group in 泰山区 whose lead has a formula-like name, in a village with such a town."""
    store = _store(app)
    ds = store.load_dataset()
    supported = set(ds["partnerships"]["village_id"])
    villages = ds["villages"]
    village = villages[(villages["county"] == "泰山区") & ~villages["village_id"].isin(supported)]
    village = village.iloc[[0]].copy()
    village["town"] = TOWN
    store.upsert_rows("villages", village.reset_index(drop=True), "test")
    used = ds["partnerships"].groupby("org_id").size()
    orgs = ds["organizations"]
    free = orgs[orgs["max_villages"] > orgs["org_id"].map(used).fillna(0)]
    lead, member = free.iloc[[0]].copy(), free.iloc[1]
    lead["name"] = LINK
    store.upsert_rows("organizations", lead.reset_index(drop=True), "test")
    village_id, lead_id = str(village["village_id"].iloc[0]), str(lead["org_id"].iloc[0])
    store.approve_group(
        village_id,
        [GroupMember(lead_id, "lead"), GroupMember(str(member["org_id"]), "member")],
        actor=APPROVER,
    )
    return {"village_id": village_id, "lead": lead_id}


def _cells(data: bytes):
    book = load_workbook(io.BytesIO(data))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            yield from row


def _assert_literal(data: bytes, *texts: str) -> None:
    """No formula anywhere; each of ``texts`` is in some cell, as a string."""
    cells = list(_cells(data))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    for text in texts:
        found = [c for c in cells if c.value == text]
        assert found, f"{text!r} not written"
        assert all(c.data_type == "s" and c.quotePrefix for c in found)


def _assert_prints_on_a4_landscape(data: bytes, header_rows: int) -> None:
    for sheet in load_workbook(io.BytesIO(data)).worksheets:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert sheet.page_setup.paperSize in (9, "9"), sheet.title
        assert (
            sheet.page_setup.fitToWidth in (1, "1") and sheet.sheet_properties.pageSetUpPr.fitToPage
        )
        assert sheet.print_title_rows == f"$1:${header_rows}", sheet.title


def test_docking_list_writes_names_towns_and_approvers_as_text(officer_client, app, hostile):
    data = officer_client.get("/officer/docking/泰山区.xlsx").data
    _assert_literal(data, LINK, TOWN, APPROVER)
    _assert_prints_on_a4_landscape(data, header_rows=2)


def test_docking_list_gives_the_profile_contact_and_phone(officer_client, app, hostile):
    from webapp.organization.operations import set_contact

    with app.test_request_context():
        set_contact(hostile["lead"], "王会长", "0538-8210000", "test")
        from webapp.sitedb import get_session

        get_session().commit()
    book = load_workbook(io.BytesIO(officer_client.get("/officer/docking/泰山区.xlsx").data))
    sheet = book["对接清单"]
    headers = [c.value for c in sheet[2]]
    rows = [
        dict(zip(headers, (c.value for c in r), strict=True)) for r in sheet.iter_rows(min_row=3)
    ]
    contact = next(r["联系方式"] for r in rows if r["组织编号"] == hostile["lead"])
    assert "王会长" in contact and "0538-8210000" in contact


def test_full_export_writes_names_and_towns_as_text(client, app, hostile):
    data = login(client, "admin").get("/admin/export.xlsx").data
    _assert_literal(data, LINK, TOWN, APPROVER)
    _assert_prints_on_a4_landscape(data, header_rows=1)
    book = load_workbook(io.BytesIO(data))
    numbers = [c for c in book["villages"]["G"][1:] if c.value is not None]  # population
    assert numbers and all(c.data_type == "n" for c in numbers)


def test_audit_export_writes_targets_as_text(client, app, hostile):
    _store(app).append_audit("officer:officer", "test_event", LINK, None, {"town": TOWN})
    data = login(client, "admin").get("/admin/audit.xlsx?action=test_event").data
    _assert_literal(data, LINK)
    _assert_prints_on_a4_landscape(data, header_rows=1)


@pytest.mark.parametrize(
    "user, url, sheets",
    [
        ("admin", "/admin/templates/data.xlsx", 13),
        ("org", "/organization/volunteers/template.xlsx", 3),
    ],
)
def test_templates_have_drop_downs_and_print_setup(client, user, url, sheets):
    response = login(client, user).get(url)
    assert response.status_code == 200 and "spreadsheetml" in response.mimetype
    book = load_workbook(io.BytesIO(response.data))
    assert len(book.sheetnames) == sheets
    lists = [
        v.formula1
        for sheet in book.worksheets
        for v in sheet.data_validations.dataValidation
        if v.type == "list"
    ]
    assert any("关爱老人" in f for f in lists)  # services by their Chinese labels
    if user == "admin":
        assert any("基金会" in f for f in lists)  # organization kinds
    assert not [c for c in _cells(response.data) if c.data_type == "f"]
    for sheet in book.worksheets:
        assert sheet.page_setup.orientation == "landscape"


def test_volunteer_template_filled_in_imports_with_skills(client, app):
    org_client = login(client, "org")
    from webapp.accounts.operations import find_by_username

    with app.app_context():
        org_id = find_by_username("org")["org_id"]
    book = load_workbook(io.BytesIO(org_client.get("/organization/volunteers/template.xlsx").data))
    sheet = book["volunteers"]
    headers = [c.value for c in sheet[1]]
    row = {
        "name": "张三（模板）",
        "hours_per_month": 12,
        "service_1": "关爱老人",
        "service_2": "助学",
    }
    sheet.append([row.get(h) for h in headers])
    filled = io.BytesIO()
    book.save(filled)
    response = org_client.post(
        "/organization/volunteers/upload",
        data={"files": (io.BytesIO(filled.getvalue()), "志愿者.xlsx")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    volunteers = _store(app).query("volunteers", {"org_id": org_id})
    new = volunteers[volunteers["name"] == "张三（模板）"]
    assert len(new) == 1 and new["volunteer_id"].iloc[0].startswith(f"{org_id}-P")
    org = _store(app).query("organizations", {"org_id": org_id}).iloc[0]
    assert new["lat"].iloc[0] == pytest.approx(org["lat"])
    skills = _store(app).query("volunteer_skills", {"volunteer_id": new["volunteer_id"].iloc[0]})
    assert sorted(skills["service"]) == ["education", "elder_care"]
    assert isinstance(volunteers, pd.DataFrame)
