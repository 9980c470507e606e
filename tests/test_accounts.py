"""Signing in and out, roles, the language switch, password rules."""

from __future__ import annotations

import pytest

from tests.webapp_fixtures import login


def test_login_page_is_chinese_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert "登录" in html and 'lang="zh-CN"' in html


def test_language_switch_gives_english(client):
    html = client.get("/lang/en?next=/login", follow_redirects=True).get_data(as_text=True)
    assert "Sign in" in html and 'lang="en"' in html


def test_wrong_password_is_refused_and_audited(client, app):
    response = client.post("/login", data={"username": "officer", "password": "not-the-password-1"})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    entries = app.extensions["baotuan_store"].audit_log(action="login_failed")
    assert entries and entries[0].target == "user:officer"


def test_login_lands_on_the_role_home_and_logout_ends_it(client):
    login(client, "officer")
    assert client.get("/").status_code == 302
    client.post("/logout")
    response = client.get("/welcome")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_login_never_redirects_off_site(client):
    from webapp.demo_setup import DEMO_PASSWORD

    response = client.post(
        "/login?next=https://evil.example/x",
        data={"username": "officer", "password": DEMO_PASSWORD},
    )
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short1", "至少"),
        ("onlyletterspassword", "字母和数字"),
        ("1234567890123", "字母和数字"),
        ("officer-2020-x", "用户名"),
    ],
)
def test_password_rules(app, password, reason):
    from webapp.accounts.operations import create_user
    from webapp.errors import PasswordRuleError

    with app.app_context(), pytest.raises(PasswordRuleError, match=reason):
        create_user("officer2" if "officer" not in password else "officer", password, "officer")


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
