"""A reviewer's path in real Chromium: score a finished project with the roadshow rubric → the
score shows in the organization's track record; then the 疑点清单. Screenshots:
tests/artifacts/screenshots/reviewer-*.png."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.webapp_fixtures import SCREENSHOTS, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def logout(page) -> None:
    page.locator("header form button").click()
    page.wait_for_load_state("networkidle")


def add_suspicious_records(store) -> None:
    """Records as an import might bring them: one of each kind the 疑点清单 looks for."""
    orgs = store.query("organizations")
    over = orgs[orgs["org_id"] == "O000293"].copy()
    over["max_villages"] = 0  # it supports a village already
    twin = orgs[orgs["org_id"] == "O000001"].copy()
    twin["org_id"], twin["name"] = "O900001", str(twin["name"].iloc[0]) + "（筹）"
    store.upsert_rows("organizations", pd.concat([over, twin]), actor="test-import")
    volunteers = pd.DataFrame(
        {
            "volunteer_id": ["PX1", "PX2", "PX3", "PX4"],
            "name": ["张某某", "张某某", "张某某", "李某某"],
            "lat": [36.2001, 36.2001, 36.2001, 36.1],
            "lon": [117.1001, 117.1001, 117.1001, 117.0],
            "hours_per_month": [20, 20, 20, 420],
            "org_id": ["O000001", "O000002", "O000003", "O000004"],
        }
    )
    store.upsert_rows("volunteers", volunteers, actor="test-import")


def test_reviewer_scores_a_project_and_the_organization_sees_it(page, live_server, live_app):
    base = live_server.url
    store = live_app.extensions["baotuan_store"]
    with live_app.app_context():
        from webapp.accounts.models import find_by_username

        org_id = find_by_username("org")["org_id"]
    projects = store.query("projects", {"lead_org_id": org_id})
    project = projects[projects["end_date"].notna()].sort_values("end_date").iloc[-1]
    project_id = str(project["project_id"])

    browser_login(page, base, "reviewer")
    assert page.url.endswith("/review/")
    screenshot(page, "reviewer-projects")
    page.fill("#project-search", project_id)
    page.click("#filter-submit")
    page.wait_for_load_state("networkidle")
    page.click(f"#score-{project_id}")
    page.wait_for_load_state("networkidle")
    assert project["name"] in page.locator("h1").inner_text()
    for part, value in (
        ("need_fit", "18"),
        ("execution", "16.5"),
        ("effect", "17"),
        ("sustainability", "13"),
        ("funds", "19"),
    ):
        page.fill(f"#part-{part}", value)
    assert page.locator("#rubric-total").inner_text() == "83.5"  # the running total (static JS)
    page.fill("#comment", "需求调研扎实，走访记录完整；资金使用公开透明。")
    screenshot(page, "reviewer-score")
    page.click("#rubric-submit")
    page.wait_for_load_state("networkidle")
    assert "83.5" in page.locator(".flash").inner_text()
    assert "83.5" in page.locator("#review-table").inner_text()
    stored = store.query("reviews", {"project_id": project_id, "reviewer": "reviewer"})
    assert stored["score"].tolist() == [83.5]

    page.click("#lead-record")
    page.wait_for_load_state("networkidle")
    row = page.locator(f"#project-{project_id}")
    assert "83.5" in row.inner_text() and "需求调研扎实" in row.inner_text()
    screenshot(page, "reviewer-track-record")

    add_suspicious_records(store)
    page.click("nav.mainnav >> text=疑点清单")
    page.wait_for_load_state("networkidle")
    first = page.locator("tr.integrity-item").first
    key = first.get_attribute("data-key")
    first.locator("input[name=note]").fill("已与县民政局电话核实，数据无误")
    rules = page.locator(".rule-summary").inner_text()
    assert "超出承接能力" in rules and "疑似重复登记" in rules
    page.screenshot(path=str(SCREENSHOTS / "reviewer-integrity.png"))  # the top of a long list
    first.locator("button").click()
    page.wait_for_load_state("networkidle")
    assert "已标记为已核实" in page.locator(".flash").inner_text()
    page.select_option("select[name=status]", "checked")
    page.click("#integrity-filters button")
    page.wait_for_load_state("networkidle")
    checked = page.locator(f"tr[data-key='{key}']")
    assert "评审专家 李老师" in checked.inner_text()  # who checked it, by display name
    assert "数据无误" in checked.inner_text()
    logout(page)

    # the organization sees the new score in its own track record
    browser_login(page, base, "org")
    page.click("#record-link")
    page.wait_for_load_state("networkidle")
    assert "83.5" in page.locator(f"#project-{project_id}").inner_text()
