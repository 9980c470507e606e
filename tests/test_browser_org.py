"""An organization's path in real Chromium: register → approved by an officer → keep the profile
true → volunteers → see its villages and partners. Screenshots go to tests/artifacts/screenshots/org-*.png."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.test_api import token_for
from tests.webapp_fixtures import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NAME = "泰安市同心公益服务中心"
USERNAME = "tongxin"
PASSWORD = "Taishan-2021-ok"


def logout(page) -> None:
    page.locator("header form button").click()
    page.wait_for_load_state("networkidle")


def test_organization_registers_is_approved_and_keeps_its_profile(page, live_server, live_app):
    base = live_server.url
    page.goto(f"{base}/login")
    page.click("#register-link")
    expect(page.locator("h1")).to_have_text("社会组织注册")
    page.fill("#name", NAME)
    page.select_option("#kind", "service_agency")
    page.select_option("#county", "岱岳区")
    # ticking "use the county centre" fills the position from the chosen county
    assert page.input_value("#lat") and page.input_value("#lon")
    page.fill("#max_villages", "2")
    page.fill("#volunteers", "35")
    page.select_option("#level_elder_care", "4")
    page.select_option("#level_visiting", "3")
    page.fill("#contact_name", "刘主任")
    page.fill("#phone", "0538-8123456")
    page.fill("#reg-username", USERNAME)
    page.fill("#reg-password", PASSWORD)
    page.fill("#reg-password2", PASSWORD)
    screenshot(page, "org-register")
    page.click("#register-submit")
    page.wait_for_load_state("networkidle")
    assert "请等待民政部门审核" in page.locator(".flash").inner_text()

    # not yet: the account waits for 审核
    browser_login(page, base, USERNAME, PASSWORD, refused=True)
    assert "尚未通过审核" in page.locator(".flash").inner_text()

    browser_login(page, base, "officer")
    page.goto(f"{base}/organization/pending")
    registration = page.locator("section.registration", has_text=NAME)
    assert "0538-8123456" in registration.inner_text()
    screenshot(page, "org-approval")
    registration.locator("button.approve").click()
    page.wait_for_load_state("networkidle")
    assert "已通过" in page.locator(".flash").inner_text()
    logout(page)

    browser_login(page, base, USERNAME, PASSWORD)
    assert page.url.endswith("/organization/")
    assert NAME in page.locator("h1").inner_text()
    page.fill("#max_villages", "3")
    page.select_option("#level_medical", "2")
    page.fill("#phone", "0538-8123457")
    page.click("#profile-save")
    page.wait_for_load_state("networkidle")
    assert "资料已保存" in page.locator(".flash").inner_text()
    assert page.input_value("#phone") == "0538-8123457"
    screenshot(page, "org-profile")

    # a capacity below the villages already supported is refused with a clear message
    org_id = re.search(r"ORG[0-9A-F]{8}", page.locator("h1").inner_text()).group(0)
    store = live_app.extensions["baotuan_store"]
    taken = set(store.query("partnerships")["village_id"])
    caps, needs = store.query("capabilities"), store.query("needs")

    def provides(org: str, village: str) -> bool:  # the group rules: every member serves a need
        offered = set(caps.loc[caps["org_id"] == org, "service"])
        return bool(offered & set(needs.loc[needs["village_id"] == village, "service"]))

    officer = {"Authorization": f"Bearer {token_for(live_app, 'officer')}"}
    for partner in ("O000293", "O000001"):
        village = next(
            v
            for v in sorted(store.query("villages")["village_id"])
            if v not in taken and provides(org_id, v) and provides(partner, v)
        )
        taken.add(village)
        response = page.request.post(
            f"{base}/api/v1/partnerships",
            data={
                "village_id": village,
                "members": [{"org_id": org_id, "role": "lead"}, {"org_id": partner}],
            },
            headers=officer,
        )
        assert response.status == 201, response.text()
    page.request.patch(
        f"{base}/api/v1/organizations/O000293",
        data={"contact_name": "陈会长", "phone": "0538-6667777"},
        headers=officer,
    )
    page.goto(f"{base}/organization/")
    page.fill("#max_villages", "1")
    page.click("#profile-save")
    page.wait_for_load_state("networkidle")
    assert "可承接村数不能少于 2" in page.locator("#error-max_villages").inner_text()
    screenshot(page, "org-capacity")

    page.click("text=管理志愿者")
    page.fill("#v-name", "马志愿")
    page.fill("#v-hours", "16")
    page.check("#skill-elder_care")
    page.click("#volunteer-add")
    page.wait_for_load_state("networkidle")
    assert "马志愿" in page.locator("#volunteer-table").inner_text()
    page.set_input_files(
        "#upload-files",
        files=[
            {
                "name": "志愿者名单.csv",
                "mimeType": "text/csv",
                "buffer": "volunteer_id,name,lat,lon,hours_per_month\n"
                "TX1,牛一,36.1,117.0,10\nTX2,牛二,36.1,117.0,900\n".encode(),
            }
        ],
    )
    page.click("#upload-submit")
    page.wait_for_load_state("networkidle")
    assert (
        "志愿者名单.csv:3: hours_per_month: 900 超出范围 0–744"
        in page.locator("#upload-problems").inner_text()
    )
    screenshot(page, "org-volunteers")

    page.click("nav.mainnav >> text=帮扶村庄")
    page.wait_for_load_state("networkidle")
    villages = page.locator("section.village")
    assert villages.count() == 2
    text = page.locator("main").inner_text()
    assert "陈会长" in text and "0538-6667777" in text
    screenshot(page, "org-villages")
