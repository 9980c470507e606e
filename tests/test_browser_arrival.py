"""报到 and the ledger in real Chromium (issue 15): an officer finds a group overdue; the group's
lead organization reports its arrival, records two activities with volunteers' hours (one by the
form, one by a spreadsheet upload) and prints a volunteer's hours certificate; the officer then
no longer finds the group overdue and reads the village's ledger and the county's chart.
Screenshots go to tests/artifacts/screenshots/arrival-*.png."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from tests.test_browser_ledger import _record_on_the_site
from tests.webapp_fixtures import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

__all__: list[str] = []

PASSWORD = "Walk-arrival-2026"


def _lead_with_volunteers(store) -> tuple[str, str, str]:
    """A village whose group's lead has volunteers: village, lead, one of its volunteers."""
    groups = store.query("partnerships")
    volunteers = store.query("volunteers")
    for village, lead in groups.loc[groups["role"] == "lead", ["village_id", "org_id"]].values:
        mine = volunteers.loc[volunteers["org_id"] == lead, "volunteer_id"]
        if len(mine):
            return str(village), str(lead), str(mine.iloc[0])
    pytest.skip("no lead organization with volunteers in the sample world")


def _pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode()


def test_a_group_reports_records_and_prints_and_the_officer_sees_it(
    page, live_server, live_app, tmp_path, monkeypatch
):
    import graph_schema.store.base as base
    from webapp.accounts.operations import create_user
    from webapp.services.letters import letter_in_force
    from webapp.sitedb import get_session

    base_url = live_server.url
    store = live_app.extensions["baotuan_store"]
    village, lead, volunteer = _lead_with_volunteers(store)
    today = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()
    issued = today - dt.timedelta(days=30)
    with live_app.app_context(), monkeypatch.context() as patch:
        # the lead's letter, issued 30 days ago (the store stamps letters with now_iso)
        patch.setattr(base, "now_iso", lambda: f"{issued}T02:00:00+00:00")
        letter = letter_in_force(store, get_session(), village, lead, live_app.config)
        create_user("walk-lead", PASSWORD, "organization", org_id=lead, actor="test-setup")

    # the officer finds the group on 逾期未报到
    browser_login(page, base_url, "officer")
    page.click("nav.mainnav >> text=逾期未报到")
    page.wait_for_load_state("networkidle")
    row = page.locator(f"#overdue-{village}")
    assert row.count() == 1 and letter.reference in row.inner_text()
    assert "15" in row.inner_text()  # 30 days since the letter: 15 beyond the set 15
    xlsx = page.request.get(base_url + (page.get_attribute("#overdue-xlsx", "href") or ""))
    assert xlsx.status == 200 and xlsx.body()[:2] == b"PK"
    screenshot(page, "arrival-overdue")

    # the lead organization reports its arrival on 帮扶村庄
    page.context.clear_cookies()
    browser_login(page, base_url, "walk-lead", PASSWORD)
    page.click("nav.mainnav >> text=帮扶村庄")
    page.wait_for_load_state("networkidle")
    # (the date field takes no day before the letter nor after today: min/max, and the server)
    page.fill(f"#arrived-on-{village}", str(issued + dt.timedelta(days=3)))
    page.fill(f"#received-name-{village}", "王建国")
    page.fill(f"#received-role-{village}", "村党支部书记")
    page.fill(f"#arrival-note-{village}", "入村对接，住村委会")
    page.click(f"#arrival-submit-{village}")
    page.wait_for_load_state("networkidle")
    assert "已登记报到" in page.locator(".flash").inner_text()
    card = page.locator(f"#arrival-{village}").inner_text()
    assert f"{issued + dt.timedelta(days=3)} 报到" in card and "王建国（村党支部书记）" in card
    screenshot(page, "arrival-org-report")

    # two activities: one by the form, one from a spreadsheet
    _record_on_the_site(page, village, volunteer, today, "medical", "60", "义诊（表单）", "5")
    acts = tmp_path / "activities.csv"
    acts.write_text(
        "activity_id,village_id,service,date,beneficiaries,value_yuan,note\n"
        f"WALK-1,{village},visiting,{today},12,,入户走访（表格）\n",
        encoding="utf-8",
    )
    hours = tmp_path / "activity_volunteers.csv"
    hours.write_text(f"activity_id,volunteer_id,hours\nWALK-1,{volunteer},3\n", encoding="utf-8")
    page.set_input_files("#activity-files", [str(acts), str(hours)])
    page.click("#activity-upload-submit")
    page.wait_for_load_state("networkidle")
    assert "已导入 1 次活动、1 条志愿服务记录" in page.locator(".flash").inner_text()
    assert "入户走访（表格）" in page.locator("#my-activities").inner_text()
    screenshot(page, "arrival-org-activities")

    # the volunteer's certificate counts both: 5 + 3 hours
    page.goto(f"{base_url}/organization/volunteers")
    link = page.locator(f"a[href$='/organization/volunteers/{volunteer}/hours.pdf']")
    response = page.request.get(base_url + (link.get_attribute("href") or ""))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    text = "".join(_pdf_text(response.body(), tmp_path).split())  # lines wrap anywhere
    assert "累计志愿服务8小时" in text and "合计28" in text  # 2 activities, 8 hours

    # the officer: off the overdue list; the village's ledger; the county's chart
    page.context.clear_cookies()
    browser_login(page, base_url, "officer")
    page.goto(f"{base_url}/officer/arrivals/overdue")
    assert page.locator(f"#overdue-{village}").count() == 0
    page.goto(f"{base_url}/officer/villages/{village}")
    page.click("#ledger-link")
    page.wait_for_load_state("networkidle")
    assert "王建国" in page.locator("#arrival").inner_text()
    page.click("#arrival-confirm")
    page.wait_for_load_state("networkidle")
    assert "已确认报到" in page.locator(".flash").inner_text()
    assert page.locator("tr.ledger-activity").count() >= 2
    assert page.locator("tr.ledger-month").count() >= 1
    screenshot(page, "arrival-village-ledger")
    county = store.query("villages", {"village_id": village})["county"].iloc[0]
    page.goto(f"{base_url}/officer/ledger?county={county}")
    assert page.locator("svg.activity-chart rect").count() >= 2
    assert page.locator(f"#city-hours tr[data-county='{county}']").count() == 1
    screenshot(page, "arrival-county-ledger")
