"""An administrator's walk in real Chromium: accounts, an approval, a password reset, an import
refused and one accepted, the audit trail and its export, the full export. Each page is kept as a
screenshot for docs/guide-admin.md."""

from __future__ import annotations

import zipfile

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.test_admin import SMALL
from tests.webapp_fixtures import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _zip(path, tables: dict[str, str]):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in tables.items():
            zf.writestr(f"{name}.csv", text)
    return path


def test_admin_manages_accounts_imports_and_reads_the_audit_trail(
    page, live_server, live_app, tmp_path
):
    # Script errors would show in the console; a refused import (422) and the final 403 are
    # intended answers, and the browser's own favicon request may 404.
    errors: list[str] = []
    page.on(
        "console",
        lambda m: (
            errors.append(m.text)
            if m.type == "error" and "Failed to load resource" not in m.text
            else None
        ),
    )
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    base = live_server.url
    with live_app.app_context():
        from webapp.accounts.operations import create_user

        create_user(
            "huimin-shegong",
            "Pending-2020-x",
            "organization",
            org_id="O000001",
            display_name="泰安长青教育基金会",
            status="pending",
        )

    browser_login(page, base, "admin")
    assert page.url.endswith("/admin/")
    expect(page.locator("#pending-notice")).to_contain_text("1 个账号等待审核")
    screenshot(page, "admin-accounts")

    # Approve the pending organization account.
    page.click("#pending-notice a")
    row = page.locator('tr[data-username="huimin-shegong"]')
    row.locator('button[data-action="active"]').click()
    expect(page.locator(".flash-success")).to_contain_text("huimin-shegong")
    expect(page.locator('tr[data-username="huimin-shegong"]')).to_have_count(0)  # none pending
    page.goto(f"{base}/admin/?q=huimin")
    expect(page.locator('tr[data-username="huimin-shegong"] .account-status')).to_have_text("正常")

    # Create a reviewer with a generated password, shown once.
    page.fill("#new-username", "wang-pingshen")
    page.fill("#new-display-name", "评审专家 王老师")
    page.select_option("#new-role", "reviewer")
    page.click("#create-submit")
    expect(page.locator("#issued-password")).to_contain_text("wang-pingshen")
    assert len(page.locator("#issued-value").inner_text()) >= 10
    screenshot(page, "admin-account-created")

    # Disable the officer account, then enable it again; reset a password.
    page.goto(f"{base}/admin/?role=officer")
    page.locator('tr[data-username="officer"] button[data-action="disabled"]').click()
    expect(page.locator('tr[data-username="officer"] .account-status')).to_have_text("已停用")
    page.locator('tr[data-username="officer"] button[data-action="active"]').click()
    expect(page.locator('tr[data-username="officer"] .account-status')).to_have_text("正常")
    page.goto(f"{base}/admin/?role=reviewer")
    page.locator('tr[data-username="reviewer"] button[data-action="reset-password"]').click()
    expect(page.locator("#issued-password")).to_contain_text("reviewer")

    # An import with mistakes is refused whole, every problem with its file, line and column.
    bad = dict(SMALL, needs=SMALL["needs"].replace("elder_care,4", "elder_care,7"))
    bad["villages"] = bad["villages"].replace("36.1,117.0", "136.1,117.0")
    page.goto(f"{base}/admin/imports")
    page.set_input_files("#upload-file", str(_zip(tmp_path / "第二批村庄.zip", bad)))
    page.click("#upload-submit")
    expect(page.locator("#problems")).to_contain_text("needs.csv:2: severity: 7 超出范围 1–5")
    expect(page.locator("#problems")).to_contain_text("villages.csv:3: lat: 136.1 超出范围")
    screenshot(page, "admin-import-refused")

    # The corrected folder is previewed, then goes in once confirmed.
    page.set_input_files("#upload-file", str(_zip(tmp_path / "第二批村庄.zip", SMALL)))
    page.click("#upload-submit")
    expect(page.locator("#preview-counts tr[data-table=villages] .added")).to_have_text("2")
    page.click("#confirm-import")
    expect(page.locator("#report")).to_contain_text("villages")
    screenshot(page, "admin-import-done")
    page.click("text=返回数据导入")
    expect(page.locator("#recent")).to_contain_text("upload:第二批村庄.zip")

    # Everything stored, as one workbook.
    with page.expect_download() as download:
        page.click("#export .button")
    path = tmp_path / "export.xlsx"
    download.value.save_as(path)
    book = load_workbook(path, read_only=True)
    assert {"villages", "needs", "organizations", "capabilities"} <= set(book.sheetnames)

    # The audit trail has all of it, with before and after; filter it and take it away.
    page.goto(f"{base}/admin/audit")
    for action in (
        "import",
        "import_refused",
        "set_account_status",
        "create_account",
        "change_password",
    ):
        assert page.locator(f'tr[data-action="{action}"]').count() >= 1, action
    expect(page.locator('tr[data-action="set_account_status"] .diff').first).to_contain_text("→")
    screenshot(page, "admin-audit")
    page.select_option("#filter-action", "set_account_status")
    page.click("#filter-submit")
    # approval, disable, enable; expect retries until the filtered page has replaced the full one
    expect(page.locator("#audit tbody tr")).to_have_count(3)
    with page.expect_download() as download:
        page.click("#export-xlsx")
    path = tmp_path / "audit.xlsx"
    download.value.save_as(path)
    rows = list(load_workbook(path)["审计记录"].iter_rows(values_only=True))
    assert len(rows) == 4 and {r[6] for r in rows[1:]} == {"set_account_status"}
    screenshot(page, "admin-audit-filtered")

    # Other roles cannot come here.
    page.click("button.link")  # sign out
    browser_login(page, base, "officer")
    response = page.goto(f"{base}/admin/")
    assert response is not None and response.status == 403
    assert not errors, errors
    assert [url for url in missing if not url.endswith("/favicon.ico")] == []
