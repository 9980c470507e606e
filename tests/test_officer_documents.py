"""Introduction letters (HTML for A4 printing, PDF with an embedded CJK font) and docking lists."""

from __future__ import annotations

import io
import re
import subprocess

from openpyxl import load_workbook

from graph_schema.store.base import GroupMember
from webapp.officer.docking import DOCKING_HEADERS


def _store(app):
    return app.extensions["baotuan_store"]


def _approve_two(app) -> tuple[str, str, str]:
    """Approve a two-organization group for an unsupported village of 泰山区; returns the ids."""
    ds = _store(app).load_dataset()
    supported = set(ds["partnerships"]["village_id"])
    villages = ds["villages"]
    village = villages[(villages["county"] == "泰山区") & ~villages["village_id"].isin(supported)]
    village_id = str(village["village_id"].iloc[0])
    needs = set(ds["needs"].loc[ds["needs"]["village_id"] == village_id, "service"])
    caps = ds["capabilities"]
    used = ds["partnerships"].groupby("org_id").size()
    orgs = ds["organizations"].set_index("org_id")
    free = [o for o in orgs.index if orgs.loc[o, "max_villages"] > used.get(o, 0)]
    useful = [o for o in free if needs & set(caps.loc[caps["org_id"] == o, "service"])][:2]
    _store(app).approve_group(
        village_id,
        [GroupMember(useful[0], "lead"), GroupMember(useful[1], "member")],
        actor="officer:officer",
    )
    return village_id, useful[0], useful[1]


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "letter.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def test_letter_names_everyone_with_seal_contacts_validity_and_verification(
    officer_client, app, tmp_path
):
    village_id, lead, member = _approve_two(app)
    ds = _store(app).load_dataset()
    names = ds["organizations"].set_index("org_id")["name"]
    village_name = ds["villages"].set_index("village_id").loc[village_id, "name"]
    page = officer_client.get(f"/officer/letters/{village_id}/{member}").get_data(as_text=True)
    reference = re.search(r"泰民社介〔\d{4}〕\d+号", page).group(0)
    code = re.search(r"[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}", page).group(0)
    text = _pdf_text(
        officer_client.get(f"/officer/letters/{village_id}/{member}.pdf").data, tmp_path
    )
    assert f"{village_name}村民委员会：" in text
    assert "泰安市民政局" in text and "中共泰安市社会组织委员会" in text
    assert text.count("盖章处") == 2
    assert re.sub(r"\s+", "", f"兹介绍{names[member]}作为抱团帮扶成员组织") in text
    assert re.sub(r"\s+", "", f"{names[lead]}（牵头）") in text
    assert "有效期至" in text and "民政部门联系人" in text
    assert reference in text and code in text
    assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", text)
    # the activities are the group's own services, not a fixed list
    assert "走访慰问、捐款捐物、健康义诊、技能培训" not in text
    # a village checks it on the public page, without an account
    app.test_client().get("/")
    check = app.test_client().get(
        "/letters/verify", query_string={"reference": reference, "code": code}
    )
    assert "该介绍信由本平台签发" in check.get_data(as_text=True)
    wrong = app.test_client().get(
        "/letters/verify", query_string={"reference": reference, "code": "0000-0000-0000"}
    )
    assert "未找到" in wrong.get_data(as_text=True)


def test_letter_for_an_organization_outside_the_group_is_404(officer_client, app):
    village_id, lead, member = _approve_two(app)
    other = next(o for o in ("O000000", "O000001", "O000002") if o not in (lead, member))
    assert officer_client.get(f"/officer/letters/{village_id}/{other}").status_code == 404
    assert officer_client.get(f"/officer/letters/{village_id}/{other}.pdf").status_code == 404


def test_letter_pdf_embeds_a_cjk_font(officer_client, app):
    village_id, lead, _member = _approve_two(app)
    response = officer_client.get(f"/officer/letters/{village_id}/{lead}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.data
    assert data.startswith(b"%PDF")
    assert b"WenQuanYi" in data or b"DroidSans" in data  # one CJK TrueType font, embedded
    assert b"/FontFile2" in data
    assert b"/MediaBox [ 0 0 595.2756 841.8898 ]" in data  # A4


def test_docking_list_reads_back_with_the_approved_group(officer_client, app):
    village_id, lead, member = _approve_two(app)
    response = officer_client.get("/officer/docking/泰山区.xlsx")
    assert response.status_code == 200
    assert "spreadsheetml" in response.mimetype
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["对接清单", "未帮扶村"]
    sheet = book["对接清单"]
    assert sheet["A1"].value.startswith("泰山区社会组织抱团帮扶对接清单")
    headers = [c.value for c in sheet[2]]
    assert tuple(headers) == DOCKING_HEADERS
    rows = [
        dict(zip(headers, (c.value for c in row), strict=True))
        for row in sheet.iter_rows(min_row=3)
    ]
    ours = [r for r in rows if r["村编号"] == village_id]
    assert {(r["组织编号"], r["角色"]) for r in ours} == {(lead, "牵头"), (member, "成员")}
    assert all(r["批准人"] == "泰安市民政局 张干部" and r["帮扶开始日期"] for r in ours)  # a name
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r["批准时间"]) for r in ours)  # Beijing
    assert all(r["县（市、区）"] == "泰山区" for r in rows)
    assert ours[0]["需求（紧迫程度）"]
    left = [row[4].value for row in book["未帮扶村"].iter_rows(min_row=3)]
    assert village_id not in left and left


def test_docking_list_names_organization_accounts_as_contacts(officer_client, app):
    from webapp.accounts.operations import create_user

    village_id, lead, _member = _approve_two(app)
    with app.app_context():
        create_user(
            "lead-org", "Taishan-2020-x", "organization", org_id=lead, display_name="王会长"
        )
    book = load_workbook(io.BytesIO(officer_client.get("/officer/docking/泰山区.xlsx").data))
    sheet = book["对接清单"]
    headers = [c.value for c in sheet[2]]
    rows = [
        dict(zip(headers, (c.value for c in row), strict=True))
        for row in sheet.iter_rows(min_row=3)
    ]
    contact = next(r["联系方式"] for r in rows if r["组织编号"] == lead)
    assert "lead-org" in contact and "王会长" in contact


def test_unknown_county_has_no_docking_list(officer_client):
    assert officer_client.get("/officer/docking/不存在县.xlsx").status_code == 404


def test_partnerships_page_links_letters_and_county_lists(officer_client, app):
    village_id, lead, _member = _approve_two(app)
    html = officer_client.get("/officer/partnerships?county=泰山区").get_data(as_text=True)
    assert f"/officer/letters/{village_id}/{lead}" in html
    assert "/officer/docking/" in html
