"""An officer's walk in real Chromium: sign in, see coverage, run the matcher, approve a group,
open its letter, and take the county's docking list away as Excel. Each page is kept as a
screenshot for docs/guide-officer.md."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.webapp_fixtures import SCREENSHOTS, browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def letter_picture(pdf: bytes, name: str) -> None:
    """Keep the PDF's first page as a screenshot (``pdftoppm``: Chromium shows no PDF headless)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "letter.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "80",
                "-singlefile",
                "-f",
                "1",
                str(source),
                str(SCREENSHOTS / name),
            ],
            check=True,
        )


def test_officer_runs_the_matcher_approves_a_group_and_takes_the_documents(
    page, live_server, live_app, tmp_path
):
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    base = live_server.url
    browser_login(page, base, "officer")
    assert page.url.endswith("/officer/")
    assert page.locator("#chart-counties rect").count() >= 6
    assert page.locator("#map circle.v-unsupported").count() > 200
    screenshot(page, "officer-dashboard")

    page.click("#unsupported-link")
    page.select_option("#filter-county", "东平县")
    page.click("#filter-submit")
    # The click returns once the filtered page starts loading; wait for its rows, not the old ones.
    expect(page).to_have_url(re.compile(r"county=%E4%B8%9C%E5%B9%B3%E5%8E%BF"))
    expect(page.locator("#villages tbody tr")).not_to_have_count(0)
    expect(page.locator("#villages tbody tr").first).to_contain_text("东平县")
    screenshot(page, "officer-villages")

    page.goto(f"{base}/officer/organizations?service=medical")
    screenshot(page, "officer-organizations")

    # Run the matcher: the progress page follows it and shows the recommendations when done.
    page.goto(f"{base}/officer/matching")
    page.fill("#max-group", "3")
    page.click("#start-run")
    page.wait_for_selector("#run-progress")
    screenshot(page, "officer-run-progress")
    page.wait_for_selector("#recommendations", timeout=300_000)
    assert page.locator("#recommendations tbody tr").count() > 10
    screenshot(page, "officer-recommendations")

    # Review the first recommendation: try a change that breaks the rules, see why at once.
    page.locator("#recommendations a.review-link").first.click()
    page.wait_for_selector("#members")
    village_id = page.url.rstrip("/").split("/")[-1]
    lead = page.locator("#org-0").input_value()
    page.fill("#org-3", "O999999")
    expect(page.locator("#live-problems")).to_contain_text("O999999")  # checked at once
    screenshot(page, "officer-recommendation")
    page.fill("#org-3", "")
    expect(page.locator("#live-problems")).to_have_text("")

    # Approve it: the group is in force, with its letters.
    page.click("#accept")
    page.wait_for_selector("#group")
    assert "已批准" in page.locator(".flash-success").inner_text()
    screenshot(page, "officer-village")
    page.locator(f"a.letter-link[href$='/{village_id}/{lead}']").click()
    page.wait_for_selector("#letter-record")  # the letter issued at the approval, a record
    assert re.search(r"泰民社介〔\d{4}〕\d+号", page.locator("#letter-reference").inner_text())
    screenshot(page, "officer-letter")
    pdf = page.request.get(base + (page.locator("#letter-pdf").get_attribute("href") or ""))
    assert pdf.ok and pdf.body().startswith(b"%PDF")
    letter_picture(pdf.body(), "officer-letter-pdf")  # the letter as printed, first page

    # The county's docking list, downloaded and read back.
    county = (
        live_app.extensions["baotuan_store"]
        .load_dataset()["villages"]
        .set_index("village_id")
        .loc[village_id, "county"]
    )
    page.goto(f"{base}/officer/partnerships?county={county}")
    assert page.locator(f"#partnerships tr[data-village='{village_id}']").count() == 1
    screenshot(page, "officer-partnerships")
    with page.expect_download() as info:
        page.click(f"a.docking-link[data-county='{county}']")
    path = tmp_path / "docking.xlsx"
    info.value.save_as(path)
    sheet = load_workbook(path)["对接清单"]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    ours = [r for r in rows if r[4] == village_id]
    assert ours and lead in {r[7] for r in ours}
    assert {r[12] for r in ours} == {"泰安市民政局 张干部"}  # the approver by display name
    # No script errors, no CSP violations, no missing file (but the browser's own favicon).
    missing = [url for url in missing if not url.endswith("/favicon.ico")]
    assert not missing, missing
    assert all("status of 404" in e for e in errors) and len(errors) <= 1, errors
