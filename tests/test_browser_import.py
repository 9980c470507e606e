"""The admin imports a changed Tai'an workbook in real Chromium: preview, confirm, result
(issue 12 point 5). Its preview screenshot is docs/screenshots/admin-import-preview.png."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from graph_schema.contract import read_data
from graph_schema.contract.dataset import Dataset
from graph_schema.contract.interchange import write_xlsx
from tests.webapp_fixtures import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

LETTER_VILLAGE, LETTER_ORG = "V000276", "O001474"  # a partnership of the sample (the lead)


def _changed_workbook(sample_dir, path):
    sample = read_data(sample_dir)
    tables = {name: sample[name].copy() for name in sample}
    villages = tables["villages"]
    villages.loc[villages["village_id"].isin(["V000000", "V000001"]), "name"] = ["甲村", "乙村"]
    links = tables["partnerships"]
    lead = (links["village_id"] == LETTER_VILLAGE) & (links["org_id"] == LETTER_ORG)
    links.loc[lead, "since"] = "2021-03-01"
    links.loc[lead, "role"] = "member"
    write_xlsx(Dataset(tables), path)
    return path


@pytest.mark.timeout(300)
def test_admin_previews_then_confirms_an_import(page, live_server, live_app, sample_dir, tmp_path):
    from webapp.services.letters import letter_in_force
    from webapp.sitedb import get_session

    store = live_app.extensions["baotuan_store"]
    with live_app.app_context():
        letter = letter_in_force(store, get_session(), LETTER_VILLAGE, LETTER_ORG, live_app.config)
    book = _changed_workbook(sample_dir, tmp_path / "泰安-修改.xlsx")
    before = store.counts()
    base = live_server.url
    browser_login(page, base, "admin")
    page.goto(f"{base}/admin/imports")
    page.set_input_files("#upload-file", str(book))
    page.click("#upload-submit")

    villages = page.locator("#preview-counts tr[data-table=villages]")
    expect(villages.locator(".changed")).to_have_text("2", timeout=60_000)
    expect(villages.locator(".removed")).to_have_text("0")
    expect(page.locator("#diff-villages")).to_contain_text("甲村")
    link = page.locator(f'tr[data-partnership="{LETTER_VILLAGE}/{LETTER_ORG}"]')
    expect(link).to_have_attribute("data-kind", "changed")
    expect(
        page.locator(f'#touched-letters tr[data-reference="{letter.reference}"]')
    ).to_be_visible()
    screenshot(page, "admin-import-preview")
    assert store.counts() == before  # nothing written by the preview

    page.click("#confirm-import")
    expect(page.locator("#import-status")).to_have_attribute("data-status", "applied")
    expect(page.locator("#report")).to_contain_text("villages")
    expect(page.locator("#revoked")).to_contain_text(letter.reference)
    screenshot(page, "admin-import-applied")
    names = store.query("villages", {"village_id": "V000000"})["name"]
    assert list(names) == ["甲村"]
    page.click("text=返回数据导入")
    expect(page.locator("#uploads tr[data-status=applied]")).to_contain_text("泰安-修改.xlsx")
