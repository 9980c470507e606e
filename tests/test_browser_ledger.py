"""The assistance ledger in real Chromium (issue 15): an organization prints a volunteer's hours
certificate; an officer opens the county's ledger (chart, 预警) and a village's ledger.
Screenshots go to tests/artifacts/screenshots/ledger-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.webapp_fixtures import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

__all__: list[str] = []


def _record_on_the_site(
    page,
    village: str,
    volunteer: str,
    day: dt.date,
    service: str,
    people: str,
    note: str,
    hours: str,
) -> None:
    page.click("nav.mainnav >> text=帮扶台账")
    page.wait_for_load_state("networkidle")
    page.select_option("#a-village", village)
    page.select_option("#a-service", service)
    page.fill("#a-date", str(day))
    page.fill("#a-beneficiaries", people)
    page.fill("#a-note", note)
    page.fill(f"#hours-{volunteer}", hours)
    page.click("#activity-add")
    page.wait_for_load_state("networkidle")
    assert "已记录活动" in page.locator(".flash").inner_text()


def test_a_volunteers_certificate_and_the_officers_ledgers(page, live_server, live_app):
    base = live_server.url
    store = live_app.extensions["baotuan_store"]
    with live_app.app_context():
        from webapp.accounts.models import find_by_username

        account = find_by_username("org")
    assert account is not None
    org_id = account["org_id"]
    if store.query("partnerships", {"org_id": org_id}).empty:
        pytest.skip("the demo organization account supports no village in this world")
    village = store.query("partnerships", {"org_id": org_id})["village_id"].iloc[0]
    volunteer = store.query("volunteers", {"org_id": org_id})["volunteer_id"].iloc[0]

    browser_login(page, base, "org")
    today = dt.date.today()
    _record_on_the_site(
        page, village, volunteer, today - dt.timedelta(days=2), "medical", "80", "义诊", "5"
    )
    _record_on_the_site(
        page, village, volunteer, today - dt.timedelta(days=1), "visiting", "12", "入户走访", "2.5"
    )
    assert page.locator("tr.my-activity").count() >= 2
    screenshot(page, "ledger-org-activities")
    page.goto(f"{base}/organization/volunteers")
    link = page.locator(f"a[href$='/organization/volunteers/{volunteer}/hours.pdf']")
    assert link.count() == 1
    response = page.request.get(base + (link.get_attribute("href") or ""))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body()[:5] == b"%PDF-"
    screenshot(page, "ledger-org-volunteers")

    page.context.clear_cookies()
    browser_login(page, base, "officer")
    page.click("nav.mainnav >> text=帮扶台账")
    page.wait_for_load_state("networkidle")
    county = store.query("villages", {"village_id": village})["county"].iloc[0]
    page.select_option("select[name=county]", county)
    page.click("#activity-chart >> xpath=preceding::button[1]")
    page.wait_for_load_state("networkidle")
    assert page.locator("svg.activity-chart rect").count() >= 2
    screenshot(page, "ledger-county")
    page.goto(f"{base}/officer/villages/{village}")
    page.click("#ledger-link")
    page.wait_for_load_state("networkidle")
    rows = page.locator("tr.ledger-activity")
    assert rows.count() >= 2
    assert "入户走访" in page.locator("#activities").inner_text()
    screenshot(page, "ledger-village")
