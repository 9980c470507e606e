"""The site opens in real Chromium, signs in and switches language."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.webapp_fixtures import browser_login, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_login_page_in_chromium(page, live_server):
    page.goto(f"{live_server.url}/login")
    assert page.locator("h1").inner_text() == "登录"
    screenshot(page, "login")
    browser_login(page, live_server.url, "officer")
    assert "/login" not in page.url
    page.click("#lang-switch")
    expect(page.locator("#lang-switch")).to_have_text("中文")  # once the English page replaced it
