"""Evidence for issue 12 where the other tests stop short (see docs/evidence/issue-12.md).

- every ``.xlsx`` the site serves is named here with the test that checks its cells, and each
  one downloads without a single formula cell;
- the 逾期未报到 list and the command line's ``baotuan export`` keep formula-like names literal;
- through the Chinese site a refused import names each problem by file and line in Chinese,
  counts every problem truthfully ("（列出前 500 条，共 2,503 条问题）") and never speaks of bytes;
- a GBK data folder uploaded through the site previews exactly like its UTF-8 twin.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from tests.support.import_steps import upload
from tests.webapp_fixtures import login
from webapp.cli import main

from .test_arrivals import _issue_letter
from .test_spreadsheets_out import APPROVER, LINK, TOWN, _assert_literal, hostile  # noqa: F401

__all__: list[str] = []

#: every workbook route of the site → the test that shows its cells are literal text
XLSX_ROUTES = {
    "admin.export_xlsx": "test_spreadsheets_out.py::test_full_export_writes_names_and_towns_as_text",
    "admin.audit_export": "test_spreadsheets_out.py::test_audit_export_writes_targets_as_text",
    "admin.data_template": "test_spreadsheets_out.py::test_templates_have_drop_downs_and_print_setup",
    "officer.docking_list": "test_spreadsheets_out.py::test_docking_list_writes_names_towns_and_approvers_as_text",
    "officer.overdue_arrivals_xlsx": "test_issue12_evidence.py::test_the_overdue_list_writes_formula_like_names_as_text",
    "roadshow.export_xlsx": "test_roadshow.py::test_export_cells_stay_text",
    "organization.volunteer_template": "test_spreadsheets_out.py::test_templates_have_drop_downs_and_print_setup",
    "organization.activity_template": "test_issue12_evidence.py::test_every_workbook_without_an_id_downloads_without_a_formula",
}

#: who may download each workbook (the rest of the URL needs no stored id)
_USER_OF = {"admin": "admin", "officer": "officer", "organization": "org", "roadshow": "officer"}


def _xlsx_rules(app) -> dict[str, str]:
    return {
        r.endpoint: r.rule.replace(".<fmt>", ".xlsx")
        for r in app.url_map.iter_rules()
        if r.rule.endswith((".xlsx", ".<fmt>"))
    }


def test_every_workbook_route_is_named_with_the_test_of_its_cells(app):
    # a new .xlsx route fails here until its cells are checked and it is added above
    assert set(_xlsx_rules(app)) == set(XLSX_ROUTES), _xlsx_rules(app)


def _no_formula(data: bytes) -> None:
    book = load_workbook(io.BytesIO(data))
    formulas = [
        f"{s.title}!{c.coordinate}"
        for s in book.worksheets
        for r in s.iter_rows()
        for c in r
        if c.data_type == "f"
    ]
    assert formulas == []


def test_every_workbook_without_an_id_downloads_without_a_formula(app, hostile):  # noqa: F811
    for endpoint, rule in sorted(_xlsx_rules(app).items()):
        if "<" in rule and "docking" not in rule:
            continue  # the roadshow ranking needs an event: test_roadshow.py checks its cells
        url = rule.replace("<county>", "泰山区")
        client = login(app.test_client(), _USER_OF[endpoint.split(".")[0]])
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        assert response.data[:2] == b"PK", url
        _no_formula(response.data)
        for sheet in load_workbook(io.BytesIO(response.data)).worksheets:  # prints on A4 landscape
            setup = (sheet.page_setup.orientation, str(sheet.page_setup.paperSize))
            assert setup == ("landscape", "9"), (url, sheet.title)
            assert sheet.sheet_properties.pageSetUpPr.fitToPage, (url, sheet.title)
            assert sheet.print_title_rows, (url, sheet.title)


def test_the_overdue_list_writes_formula_like_names_as_text(
    app,
    hostile,  # noqa: F811
    officer_client,
    monkeypatch,
):
    from webapp.organization.operations import set_contact
    from webapp.sitedb import get_session

    store = app.extensions["baotuan_store"]
    village = store.query("villages")
    village = village[village["village_id"] == hostile["village_id"]].copy()
    village["name"] = "=1+2"
    store.upsert_rows("villages", village.reset_index(drop=True), "test")
    with app.test_request_context():
        set_contact(hostile["lead"], "@联系人", "+86 538 8210000", "test")
        get_session().commit()
    letter = _issue_letter(app, monkeypatch, hostile["village_id"], hostile["lead"])
    data = officer_client.get("/officer/arrivals/overdue.xlsx").data
    _assert_literal(data, "=1+2", LINK, "@联系人", "+86 538 8210000")
    rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(data)).active.iter_rows()]
    assert any(row[1] == hostile["village_id"] and row[6] == letter.reference for row in rows)


def test_the_command_line_export_writes_formula_like_names_as_text(
    app,
    hostile,  # noqa: F811
    tmp_path,
):
    out = tmp_path / "cli-export.xlsx"
    assert main(["export", str(out), "--store", app.extensions["baotuan_settings"].store]) == 0
    _assert_literal(out.read_bytes(), LINK, TOWN, APPROVER)


# -- imports through the Chinese site -----------------------------------------------------------
def _zip_of(folder: Path, encoding: str = "utf-8") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for csv in sorted(folder.glob("*.csv")):
            zf.writestr(csv.name, csv.read_text(encoding="utf-8-sig").encode(encoding))
    return out.getvalue()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_zero_zero_through_the_site_is_refused_as_its_line_in_chinese(client, sample_copy):
    path = sample_copy / "villages.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame.loc[3, ["lat", "lon"]] = ["0", "0"]  # line 5 (line 1 is the header)
    frame.to_csv(path, index=False)
    response = upload(login(client, "admin"), _zip_of(sample_copy), "泰安数据.zip")
    html = _text(response.get_data(as_text=True))
    assert response.status_code == 422
    problems = re.findall(r"villages\.csv:\d+: [^ ]+ [^ ]+", html)
    assert problems and all(p.startswith("villages.csv:5: ") for p in problems), problems
    assert "超出" in html or "不在" in html, html[:3000]  # said in Chinese
    assert "byte" not in html and "字节" not in html and "outside" not in html


def test_the_site_counts_every_problem_truthfully_in_chinese(client, tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    rows = "".join(f"V{i},村{i},泰山区,north,117\n" for i in range(2500))
    (folder / "villages.csv").write_text("village_id,name,county,lat,lon\n" + rows)
    response = upload(login(client, "admin"), _zip_of(folder), "many.zip")
    html = _text(response.get_data(as_text=True))
    assert response.status_code == 422
    # 2,500 bad lines, and the folder lacks the other required files (one problem each)
    total = re.search(r"发现 ([\d,]+) 个问题", html)
    assert total and int(total.group(1).replace(",", "")) >= 2500, html[:3000]
    assert f"（列出前 500 条，共 {total.group(1)} 条问题）" in html
    assert (
        "villages.csv:2: lat: “north”不是数字" in html
        and "organizations.csv: 缺少必需的文件" in html
    )
    assert len(re.findall(r"villages\.csv:\d+: ", html)) == 500 - 3  # the first 500 listed
    assert f"被拒绝 {total.group(1)} 个问题" in html  # the list of recent imports says it too
    assert "1000 problem" not in html and "byte" not in html


def test_an_undecodable_line_is_named_by_its_line_on_the_site(client, sample_copy):
    path = sample_copy / "villages.csv"
    lines = path.read_bytes().split(b"\n")
    lines[4] += b"\xff\xfe"
    path.write_bytes(b"\n".join(lines))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        for csv in sorted(sample_copy.glob("*.csv")):
            zf.writestr(csv.name, csv.read_bytes())
    response = upload(login(client, "admin"), out.getvalue(), "泰安数据.zip")
    html = _text(response.get_data(as_text=True))
    assert response.status_code == 422
    assert "villages.csv:5: " in html
    assert "byte" not in html and "position" not in html and "字节" not in html


def test_a_gbk_folder_previews_on_the_site_exactly_like_its_utf8_twin(app, sample_copy):
    def preview(encoding: str) -> str:
        client = login(app.test_client(), "admin")
        response = upload(client, _zip_of(sample_copy, encoding), f"泰安-{encoding}.zip")
        assert response.status_code == 200, _text(response.get_data(as_text=True))[:2000]
        html = response.get_data(as_text=True)
        counts = re.search(r'id="preview".*?id="decide"', html, re.S)
        assert counts, html[:2000]
        # all but the upload's own token, name, expiry and file hash
        own = r'data-token="[^"]+"|泰安-[\w-]+\.zip|\d\d:\d\d:\d\d|<code>[0-9a-f]{16}</code>'
        return re.sub(own, "", counts.group(0))

    frame = pd.read_csv(sample_copy / "villages.csv", dtype=str, keep_default_na=False)
    frame.loc[0, "name"] = "新名村"  # one change the preview must show in both
    frame.to_csv(sample_copy / "villages.csv", index=False)
    utf8, gbk = preview("utf-8"), preview("gb18030")
    assert gbk == utf8
    assert "新名村" in utf8  # the renamed village is in the preview's villages table


# -- the letter's content (point 1) beyond test_officer_documents.py ---------------------------
def test_a_letter_names_the_lead_contact_the_approver_and_the_groups_own_activities(
    officer_client, app, tmp_path
):
    from graph_schema.clock import beijing_date
    from webapp.officer.letters import Member, activities_of
    from webapp.organization.operations import set_contact
    from webapp.sitedb import get_session

    from .test_officer_documents import _approve_two, _pdf_text

    village_id, lead, member = _approve_two(app)  # approved as officer:officer
    with app.test_request_context():
        set_contact(lead, "王会长", "0538-8210000", "test")
        get_session().commit()
    store = app.extensions["baotuan_store"]
    text = _pdf_text(
        officer_client.get(f"/officer/letters/{village_id}/{member}.pdf").data, tmp_path
    )
    needs = list(store.query("needs", {"village_id": village_id})["service"])

    def brings(org_id: str) -> tuple[str, ...]:
        offers = set(store.query("capabilities", {"org_id": org_id})["service"])
        return tuple(s for s in needs if s in offers)

    expected = activities_of(
        (Member(lead, "", "lead", brings(lead)), Member(member, "", "member", brings(member)))
    )
    assert expected != "协同帮扶" and f"开展{expected}等帮扶活动" in text
    assert "牵头组织联系人" in text and "王会长" in text and "0538-8210000" in text
    assert "批准人：泰安市民政局张干部" in text and "officer:officer" not in text
    approved_at = str(store.query("partnerships", {"village_id": village_id})["approved_at"][0])
    y, m, d = (int(x) for x in beijing_date(approved_at).split("-"))
    assert f"{y}年{m}月{d}日" in text  # the Beijing date of the approval


# -- Beijing time and names on every page (point 6) --------------------------------------------
_UTC_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\+00:00|\d\d:\d\d:\d\dZ|\bUTC\b")
_BLUEPRINT_OF = {
    "admin": "admin",
    "officer": "officer",
    "org": "organization",
    "reviewer": "review",
}


def test_no_page_without_an_id_shows_utc_times_or_account_ids(app):
    from .test_officer_documents import _approve_two

    village_id, _lead, _member = _approve_two(app)  # approved as officer:officer, at a UTC time
    app.extensions["baotuan_store"].append_audit("officer:officer", "test_event", "x", None, {})
    seen = []
    for user, blueprint in _BLUEPRINT_OF.items():
        client = login(app.test_client(), user)
        rules = [
            r.rule
            for r in app.url_map.iter_rules()
            if r.endpoint.startswith(blueprint + ".")
            and "GET" in r.methods
            and not r.arguments
            and not r.rule.endswith((".xlsx", ".csv", ".pdf", ".json", ".png", ".svg"))
        ]
        if user == "officer":
            rules.append(f"/officer/villages/{village_id}")
        for rule in rules:
            response = client.get(rule)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            text = _text(response.get_data(as_text=True))
            seen.append(rule)
            assert not _UTC_TIME.search(text), (rule, _UTC_TIME.search(text).group(0))
            assert "officer:officer" not in text, rule
    assert len(seen) >= 15 and f"/officer/villages/{village_id}" in seen, seen
