"""The admin pages: accounts, the audit trail and its exports, imports from the site, the export."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import uuid
import zipfile

import pytest
from openpyxl import load_workbook

from graph_schema.contract.interchange import read_data
from tests.support.import_steps import upload_and_confirm
from tests.webapp_fixtures import login
from webapp.demo_setup import DEMO_PASSWORD

ADMIN_PAGES = [
    "/admin/",
    "/admin/audit",
    "/admin/imports",
    "/admin/audit.csv",
    "/admin/export.xlsx",
]


@pytest.fixture
def admin(client):
    return login(client, "admin")


def _store(app):
    return app.extensions["baotuan_store"]


def _issued_password(response) -> str:
    found = re.search(r'id="issued-value">([^<]+)<', response.get_data(as_text=True))
    assert found, "no temporary password on the page"
    return found.group(1)


def _other_client(app, username, password=DEMO_PASSWORD):
    other = app.test_client()
    response = other.post("/login", data={"username": username, "password": password})
    return other, response


# -- access ------------------------------------------------------------------------------------
@pytest.mark.parametrize("username", ["officer", "org", "reviewer"])
def test_admin_pages_are_forbidden_to_other_roles(client, username):
    login(client, username)
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 403, url
    assert client.post("/admin/accounts", data={"username": "x1"}).status_code == 403


def test_admin_pages_send_strangers_to_login(client):
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


# -- accounts ----------------------------------------------------------------------------------
def test_account_list_shows_every_account_with_role_and_status(admin):
    html = admin.get("/admin/").get_data(as_text=True)
    for username in ("officer", "org", "reviewer", "admin"):
        assert f'data-username="{username}"' in html
    assert "民政干部" in html and "社会组织" in html and "正常" in html


def test_create_organization_account_that_can_sign_in(admin, app):
    response = admin.post(
        "/admin/accounts",
        data={
            "username": "chaoyang",
            "display_name": "朝阳基金会",
            "role": "organization",
            "org_id": "O000000",
            "password": "Zhaoyang-2020",
        },
    )
    assert response.status_code == 302
    other, signed_in = _other_client(app, "chaoyang", "Zhaoyang-2020")
    assert signed_in.status_code == 302
    entry = _store(app).audit_log(action="create_account")[0]
    assert (entry.actor, entry.target) == ("admin:admin", "user:chaoyang")
    assert entry.after == {"role": "organization", "org_id": "O000000", "status": "active"}


def test_created_account_without_password_gets_a_temporary_one_shown_once(admin, app):
    response = admin.post("/admin/accounts", data={"username": "zhang3", "role": "officer"})
    assert response.status_code == 201
    password = _issued_password(response)
    assert _other_client(app, "zhang3", password)[1].status_code == 302
    # shown in that response only: the list page does not repeat it, nor does the session cookie
    assert password not in admin.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize(
    "form, message",
    [
        ({"username": "o2", "role": "organization", "org_id": "O999999"}, "没有编号为 O999999"),
        ({"username": "org3", "role": "organization"}, "必须关联一个社会组织"),
        ({"username": "officer", "role": "officer"}, "已被使用"),
        ({"username": "a b", "role": "officer"}, "用户名须为"),
        ({"username": "weak1", "role": "officer", "password": "short1"}, "至少"),
    ],
)
def test_bad_account_forms_are_refused_with_a_reason(admin, app, form, message):
    before = len(_store(app).audit_log(action="create_account"))
    response = admin.post("/admin/accounts", data=form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert len(_store(app).audit_log(action="create_account")) == before


def test_disable_ends_sign_in_and_the_open_session_then_enable_restores(admin, app):
    officer, _ = _other_client(app, "officer")
    assert officer.get("/welcome").status_code == 200
    response = admin.post("/admin/accounts/officer/status", data={"status": "disabled"})
    assert response.status_code == 302
    # the session the officer already had stops working at once
    response = officer.get("/welcome")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    _, refused = _other_client(app, "officer")
    assert refused.status_code == 401 and "账号已停用" in refused.get_data(as_text=True)
    entry = _store(app).audit_log(action="set_account_status")[0]
    assert (entry.actor, entry.before, entry.after) == (
        "admin:admin",
        {"status": "active"},
        {"status": "disabled"},
    )
    admin.post("/admin/accounts/officer/status", data={"status": "active"})
    assert _other_client(app, "officer")[1].status_code == 302


def test_pending_accounts_are_listed_first_and_can_be_approved_or_rejected(admin, app):
    from webapp.accounts.operations import create_user

    with app.app_context():
        for name in ("pending1", "pending2"):
            create_user(name, "Pending-2020-x", "organization", org_id="O000001", status="pending")
    html = admin.get("/admin/?status=pending").get_data(as_text=True)
    assert "有 2 个账号等待审核" in html and 'data-username="pending1"' in html
    assert 'data-username="officer"' not in html
    admin.post("/admin/accounts/pending1/status", data={"status": "active"})
    admin.post("/admin/accounts/pending2/status", data={"status": "rejected"})
    assert _other_client(app, "pending1", "Pending-2020-x")[1].status_code == 302
    assert _other_client(app, "pending2", "Pending-2020-x")[1].status_code == 401


def test_admin_cannot_lock_out_the_last_administrator(admin, app):
    response = admin.post("/admin/accounts/admin/status", data={"status": "disabled"})
    assert response.status_code == 409 and "不能停用自己的账号" in response.get_data(as_text=True)
    from webapp.accounts.operations import create_user

    with app.app_context():
        create_user("admin2", "Second-admin-2020", "admin")
    second, _ = _other_client(app, "admin2", "Second-admin-2020")
    assert (
        second.post("/admin/accounts/admin/status", data={"status": "disabled"}).status_code == 302
    )
    # now admin2 is the only active administrator, and nobody can disable them
    response = admin.post("/admin/accounts/admin2/status", data={"status": "disabled"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_status_and_unknown_account_are_refused(admin):
    assert admin.post("/admin/accounts/officer/status", data={"status": "boss"}).status_code == 400
    assert admin.post("/admin/accounts/nobody/status", data={"status": "active"}).status_code == 404
    assert admin.post("/admin/accounts/nobody/password").status_code == 404


def test_reset_password_replaces_the_old_one_and_is_audited(admin, app):
    response = admin.post("/admin/accounts/reviewer/password")
    assert response.status_code == 200
    password = _issued_password(response)
    assert _other_client(app, "reviewer")[1].status_code == 401
    assert _other_client(app, "reviewer", password)[1].status_code == 302
    entry = _store(app).audit_log(action="change_password")[0]
    assert (entry.actor, entry.target) == ("admin:admin", "user:reviewer")
    response = admin.post("/admin/accounts/reviewer/password", data={"password": "reviewer-1234"})
    assert response.status_code == 400 and "用户名" in response.get_data(as_text=True)


def test_reset_password_signs_out_the_sessions_of_the_old_one(admin, app):
    reviewer, response = _other_client(app, "reviewer")
    assert response.status_code == 302 and reviewer.get("/welcome").status_code == 200
    admin.post("/admin/accounts/reviewer/password")
    response = reviewer.get("/welcome")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # the administrator's own session is untouched
    assert admin.get("/admin/").status_code == 200


# -- the audit trail -------------------------------------------------------------------------
def _seed_entries(app, n: int, action: str = "test_event", actor: str = "officer:officer"):
    store = _store(app)
    for i in range(n):
        store.append_audit(actor, action, f"thing:{i}", {"n": i}, {"n": i + 1})


def test_audit_page_shows_who_when_what_before_and_after(admin, app):
    admin.post("/admin/accounts/officer/status", data={"status": "disabled"})
    html = admin.get("/admin/audit?action=set_account_status").get_data(as_text=True)
    row = html[html.index('data-action="set_account_status"') :]
    row = row[: row.index("</tr>")]
    assert "admin:admin" in row and "user:officer" in row and "账号状态变更" in row
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row)
    assert "<del>active</del>" in row and "<ins>disabled</ins>" in row


@pytest.fixture
def event() -> str:
    """An audit action of this test's own: on Neo4j the audit trail is shared by the tests."""
    return f"test_event_{uuid.uuid4().hex[:8]}"


def test_audit_filters_by_action_actor_and_date(admin, app, event):
    _seed_entries(app, 3, action=event, actor="reviewer:li")
    html = admin.get("/admin/audit?actor=reviewer:li").get_data(as_text=True)
    assert html.count(f'data-action="{event}"') == 3
    assert 'data-action="login"' not in html
    html = admin.get("/admin/audit?action=import").get_data(as_text=True)
    assert 'data-action="import"' in html and 'data-action="login"' not in html
    html = admin.get("/admin/audit?to=2001-01-01").get_data(as_text=True)
    assert "没有符合条件的记录" in html
    html = admin.get("/admin/audit?from=2001-01-01&actor=li").get_data(as_text=True)
    assert html.count(f'data-action="{event}"') == 3


def test_audit_pages_through_everything_once(app, client, event):
    app.config["PAGE_SIZE"] = 7
    _seed_entries(app, 30, action=event)
    admin = login(client, "admin")
    seen: list[int] = []
    url = f"/admin/audit?action={event}"
    while url:
        html = admin.get(url).get_data(as_text=True)
        seen += [int(s) for s in re.findall(r'data-seq="(\d+)"', html)]
        nxt = re.search(r'id="page-next" href="([^"]+)"', html)
        url = nxt.group(1).replace("&amp;", "&") if nxt else None
    assert len(seen) == 30 and seen == sorted(set(seen), reverse=True)


def test_audit_trail_is_append_only(app):
    store = _store(app)
    if hasattr(store, "path"):  # SQLite refuses by trigger; Neo4j has none (docs/open-points.md)
        db = sqlite3.connect(store.path)
        try:
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute("UPDATE audit SET actor = 'someone else'")
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                db.execute("DELETE FROM audit")
        finally:
            db.close()
    # and the site offers no way to change it: every audit route only reads
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin.audit"):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


def test_audit_csv_export_matches_the_filter_and_defuses_formulas(admin, app, event):
    _store(app).append_audit("officer:officer", event, '=HYPERLINK("x")', None, {"a": 1})
    _seed_entries(app, 2, action=event)
    response = admin.get(f"/admin/audit.csv?action={event}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["序号", "时间（北京时间）", "时间（UTC）", "操作人", "账号"]
    assert len(rows) == 4 and {r[6] for r in rows[1:]} == {event}
    assert rows[3][7] == '\'=HYPERLINK("x")'
    assert rows[3][3:5] == ["泰安市民政局 张干部", "officer:officer"]  # name, then account
    assert rows[1][8] == '{"n": 1}' and rows[1][9] == '{"n": 2}'
    # taking the copy is itself on record
    entry = _store(app).audit_log(action="export_audit")[0]
    assert entry.actor == "admin:admin" and entry.after == {"action": event}


def test_audit_xlsx_export_opens_in_excel_form_with_text_cells(admin, app, tmp_path, event):
    _store(app).append_audit("officer:officer", event, "=1+1", None, {"a": "x" * 40000})
    response = admin.get(f"/admin/audit.xlsx?action={event}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    rows = list(book["审计记录"].iter_rows(values_only=True))
    assert rows[0][0] == "序号" and len(rows) == 2
    assert rows[1][7] == "=1+1"  # text, not a formula
    assert len(rows[1][9]) <= 32767


def test_unknown_export_format_is_404(admin):
    assert admin.get("/admin/audit.pdf").status_code == 404


# -- imports from the site -------------------------------------------------------------------
SMALL = {
    "villages": "village_id,name,county,lat,lon,population\nVX1,新村一,泰山区,36.2,117.1,300\nVX2,新村二,岱岳区,36.1,117.0,420\n",
    "needs": "village_id,service,severity\nVX1,elder_care,4\nVX2,education,3\nV000000,medical,2\n",
    "organizations": "org_id,name,kind,county,lat,lon,max_villages\nOX1,新组织,foundation,泰山区,36.2,117.1,2\n",
    "capabilities": "org_id,service,level\nOX1,elder_care,5\nO000000,livelihood,3\n",
}


def _zip(tables: dict[str, str], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in tables.items():
            zf.writestr(f"{prefix}{name}.csv", text)
    return buffer.getvalue()


def _xlsx(tables: dict[str, str]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, text in tables.items():
        sheet = book.create_sheet(name)
        for row in csv.reader(io.StringIO(text)):
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(client, data: bytes, name: str):
    return client.post(
        "/admin/imports",
        data={"data": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize("kind", ["zip", "zip-in-folder", "xlsx"])
def test_upload_imports_a_data_folder_whole(admin, app, run_worker, kind):
    data = _xlsx(SMALL) if kind == "xlsx" else _zip(SMALL, "泰安/" if "folder" in kind else "")
    name = "新增数据.xlsx" if kind == "xlsx" else "新增数据.zip"
    before = _store(app).counts()
    preview = _upload(admin, data, name)
    assert "确认导入" in preview.get_data(as_text=True)
    assert _store(app).counts() == before  # a preview stores nothing
    response = upload_and_confirm(admin, data, name)
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "已导入" in html and name in html
    after = _store(app).counts()
    assert after["villages"] == before["villages"] + 2 and after["needs"] == before["needs"] + 3
    entry = _store(app).audit_log(action="import")[0]
    assert entry.actor == "admin:admin" and entry.target == f"upload:{name}"


@pytest.mark.parametrize("kind", ["zip", "xlsx"])
def test_refused_upload_lists_every_problem_and_stores_nothing(admin, app, kind):
    bad = dict(SMALL)
    bad["needs"] = SMALL["needs"].replace("elder_care,4", "elder_care,7").replace("VX2,", "VX9,")
    name = "有错.xlsx" if kind == "xlsx" else "有错.zip"
    before = _store(app).load_dataset().as_text(extra=True)
    response = _upload(admin, _xlsx(bad) if kind == "xlsx" else _zip(bad), name)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    label = "有错.xlsx[needs]" if kind == "xlsx" else "needs.csv"
    assert f"{label}:2: severity: 7 超出范围 1–5" in html  # in the site's language, with the line
    assert f"{label}:3: village_id: 未知的村“VX9”" in html
    assert "没有写入任何数据" in html
    assert _store(app).load_dataset().as_text(extra=True) == before
    entry = _store(app).audit_log(action="import_refused")[0]
    assert entry.actor == "admin:admin" and entry.after["problems"] == 2


@pytest.mark.parametrize(
    "data, name, message",
    [
        (b"village_id\n", "villages.csv", "既不是 .xlsx 工作簿，也不是 CSV 文件的 .zip 压缩包"),
        (b"PK\x03\x04 not really", "broken.zip", "broken.zip: 无法读取"),
        (b"not a workbook", "broken.xlsx", "broken.xlsx: 无法读取"),
        (_zip({"readme": "hello"}), "empty.zip", "压缩包中没有数据文件"),
        (
            _zip({"villages": SMALL["villages"]}),
            "partial.zip",
            "capabilities.csv: 缺少必需的文件",
        ),
    ],
)
def test_uploads_that_are_no_data_folder_are_refused(admin, app, data, name, message):
    before = _store(app).counts()
    response = _upload(admin, data, name)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert _store(app).counts() == before


def test_zip_members_never_land_outside_the_upload_folder(admin, app, run_worker, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, text in SMALL.items():
            zf.writestr(f"../../../{name}.csv", text)
    response = upload_and_confirm(admin, buffer.getvalue(), "traversal.zip")
    assert response.status_code == 200  # taken by base name, inside the upload folder
    assert "已导入" in response.get_data(as_text=True)
    assert not any(tmp_path.parent.glob("villages.csv"))


def test_zip_bomb_is_refused(admin, app, monkeypatch):
    from graph_schema.contract.limits import ReadLimits

    settings = app.extensions["baotuan_settings"]  # the site's limits come from its settings
    small = settings.with_overrides(read_limits=ReadLimits(max_unpacked_bytes=1000))
    monkeypatch.setitem(app.extensions, "baotuan_settings", small)
    big = dict(SMALL, villages=SMALL["villages"] + "VX3,村,泰山区,36,117,1\n" * 200)
    response = _upload(admin, _zip(big), "bomb.zip")
    assert response.status_code == 422 and "解压后超过" in response.get_data(as_text=True)


def test_upload_without_a_file_is_refused(admin):
    response = admin.post("/admin/imports", data={}, content_type="multipart/form-data")
    assert response.status_code == 400 and "请选择要导入的文件" in response.get_data(as_text=True)


def test_imports_page_lists_recent_imports(admin, app, run_worker):
    upload_and_confirm(admin, _zip(SMALL), "第一批.zip")
    html = admin.get("/admin/imports").get_data(as_text=True)
    assert "upload:第一批.zip" in html and "已导入" in html


# -- the full export ---------------------------------------------------------------------------
def test_full_export_is_a_workbook_that_reads_back_as_what_is_stored(admin, app, tmp_path):
    response = admin.get("/admin/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    path = tmp_path / "export.xlsx"
    path.write_bytes(response.data)
    assert read_data(path).equals(_store(app).load_dataset())
    assert _store(app).audit_log(action="export")[0].actor == "admin:admin"


def test_admin_pages_in_english(admin):
    admin.get("/lang/en")
    html = admin.get("/admin/").get_data(as_text=True)
    assert "Accounts" in html and "Create account" in html
    assert "Audit trail" in admin.get("/admin/audit").get_data(as_text=True)
    assert "Check and preview" in admin.get("/admin/imports").get_data(as_text=True)


def test_a_registration_is_decided_on_its_own_page_not_here(admin, app):
    # A self-registered organization's account waits for the review of its registration, which
    # creates the organization; activating the account alone would leave it without one.
    from webapp.accounts.operations import create_user

    with app.app_context():
        create_user(
            "newcomer", "Fresh-org-2020", "organization", org_id="O-NEW-1", status="pending"
        )
    html = admin.get("/admin/?status=pending").get_data(as_text=True)
    row = html[html.index('data-username="newcomer"') :]
    row = row[: row.index("</tr>")]
    assert 'data-action="registration"' in row and 'data-action="active"' not in row
    response = admin.post("/admin/accounts/newcomer/status", data={"status": "active"})
    assert response.status_code == 409 and "注册审核" in response.get_data(as_text=True)
    assert _other_client(app, "newcomer", "Fresh-org-2020")[1].status_code == 401
