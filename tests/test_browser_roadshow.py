"""A roadshow in real Chromium (issue 15.4): an officer creates an event, enters three projects,
assigns three reviewers and records a tie (回避); the three reviewers score — the tied one sees
the project as 回避 and has no form for it —; the officer finishes and downloads the ranking,
checked with openpyxl. Screenshots: tests/artifacts/screenshots/roadshow-*.png."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from tests.test_roadshow import PASSWORD, make_reviewers, pick_projects
from tests.webapp_fixtures import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PARTS = ("need_fit", "execution", "effect", "sustainability", "funds")


def logout(page) -> None:
    page.locator("header form button").click()
    page.wait_for_load_state("networkidle")


def click(page, selector: str) -> None:
    page.click(selector)
    page.wait_for_load_state("networkidle")


def score(page, event_id: int, project_id: str, total: float) -> None:
    click(page, f"#score-{project_id}")
    for part in PARTS:
        page.fill(f"#part-{part}", f"{total / 5:g}")
    assert page.locator("#rubric-total").inner_text() == f"{total:g}"
    click(page, "#rubric-submit")
    assert f"{total:g} 分" in page.locator(".flash").inner_text()


def test_three_reviewers_score_one_is_barred_and_the_ranking_is_exported(
    page, live_server, live_app, tmp_path
):
    base = live_server.url
    picked = pick_projects(live_app, 3)
    a, b, c = (str(p) for p in picked["project_id"])
    tied_org = str(picked.loc[0, "lead_org_id"])
    make_reviewers(live_app, {"rs_wang": None, "rs_zhao": None})

    browser_login(page, base, "officer")
    click(page, "nav.mainnav >> text=公益路演")
    page.fill("#event-name", "2026年“泰山红帆”公益路演")
    page.fill("#event-date", "2026-11-20")
    page.fill("#event-place", "泰安市社会组织孵化基地")
    page.fill("#event-tiers", "一等奖 1\n二等奖 1\n三等奖 1")
    click(page, "#event-submit")
    event_id = int(page.url.rstrip("/").split("/")[-1])
    for project in (a, b, c):
        page.fill("#project-search", project)
        click(page, "#project-search-submit")
        page.check(f"#pick-{project}")
        click(page, "#entry-add")
    for username in ("reviewer", "rs_wang", "rs_zhao"):
        page.select_option("#reviewer-select", username)
        click(page, "#reviewer-add")
    page.select_option("#recusal-username", "rs_wang")
    page.fill("#recusal-org", tied_org)
    page.fill("#recusal-note", "曾任该组织理事")
    click(page, "#recusal-submit")
    assert "1 个项目该专家不能评分" in page.locator(".flash").inner_text()
    assert "回避" in page.locator(f"#entry-{a}").inner_text()
    screenshot(page, "roadshow-officer-event")
    logout(page)

    plan = {
        "reviewer": (None, {a: 90, b: 80, c: 70}),
        "rs_wang": (PASSWORD, {b: 85, c: 75}),
        "rs_zhao": (PASSWORD, {a: 95, b: 60, c: 72.5}),
    }
    for username, (password, totals) in plan.items():
        browser_login(page, base, username, password)
        click(page, "nav.mainnav >> text=公益路演")
        click(page, f"#my-event-{event_id}")
        if username == "rs_wang":
            row = page.locator(f"#entry-{a}")
            assert "回避" in row.inner_text() and "登记的回避关系" in row.inner_text()
            assert page.locator(f"#score-{a}").count() == 0
            screenshot(page, "roadshow-reviewer-barred")
        for project, total in totals.items():
            score(page, event_id, project, total)
        logout(page)

    browser_login(page, base, "officer")
    page.goto(f"{base}/roadshow/events/{event_id}")
    click(page, "#finish-event")
    assert "路演已结束" in page.locator(".flash").inner_text()
    # A: 90, 95 → 92.5 (two scores: none dropped); B: 80, 85, 60 → 80; C: 70, 75, 72.5 → 72.5
    ranking = page.locator("#ranking-table").inner_text()
    assert ranking.index(a) < ranking.index(b) < ranking.index(c)
    screenshot(page, "roadshow-ranking")
    with page.expect_download() as download:
        page.click("#export-xlsx")
    path = tmp_path / "ranking.xlsx"
    download.value.save_as(path)
    ws = load_workbook(path).active
    rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=3)]
    assert [(r[0], r[1], r[2], r[7], r[8]) for r in rows] == [
        (1, "一等奖", a, 92.5, "2/2"),
        (2, "二等奖", b, 80, "1/3"),
        (3, "三等奖", c, 72.5, "1/3"),
    ]
    assert ws.page_setup.orientation == "landscape" and ws.print_title_rows == "$1:$2"
    reviews = live_app.extensions["baotuan_store"].query("reviews")
    ours = reviews[reviews["reviewer"].str.startswith(f"路演#{event_id} ", na=False)]
    assert sorted(ours["score"]) == [72.5, 80.0, 92.5]
