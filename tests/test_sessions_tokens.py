"""Sessions and API tokens that end when they should (issue 13, points 1, 5 and 6)."""

from __future__ import annotations

import re

from sqlalchemy import update

from tests.webapp_fixtures import login
from webapp.demo_setup import DEMO_PASSWORD

NEW_PASSWORD = "Fresh-password-2027"


def _token(app, username: str = "officer", **options) -> str:
    from webapp.accounts.models import User, find_by_username
    from webapp.accounts.operations import issue_api_token

    with app.app_context():
        return issue_api_token(User.from_row(find_by_username(username)), "test", **options)


def _me(client, token: str) -> int:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code


def _signed_in(client) -> bool:
    return client.get("/welcome").status_code == 200


def _stolen_copy(app, client):
    """A second browser holding the same session cookie (as copied before sign-out)."""
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    return thief


def test_the_cookie_from_before_sign_out_opens_nothing(app, client):
    login(client, "reviewer")
    thief = _stolen_copy(app, client)
    assert _signed_in(thief)
    client.post("/logout")
    assert not _signed_in(thief)
    assert thief.get("/review/").status_code == 302


def test_sign_out_ends_the_other_sessions_of_the_account(app):
    laptop, phone = login(app.test_client(), "officer"), login(app.test_client(), "officer")
    laptop.post("/logout")
    assert not _signed_in(phone)


def test_an_administrators_reset_ends_sessions_and_revokes_the_api_token(app):
    token = _token(app)
    officer = login(app.test_client(), "officer")
    admin = login(app.test_client(), "admin")
    assert _me(admin, token) == 200
    response = admin.post("/admin/accounts/officer/password")
    assert response.status_code == 200 and 'id="issued-value"' in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"  # the page shows a password
    assert not _signed_in(officer)
    assert _me(admin, token) == 401


def test_disabling_an_account_ends_its_sessions_and_tokens(app):
    token = _token(app, "reviewer")
    reviewer = login(app.test_client(), "reviewer")
    admin = login(app.test_client(), "admin")
    admin.post("/admin/accounts/reviewer/status", data={"status": "disabled"})
    assert not _signed_in(reviewer)
    assert _me(admin, token) == 401
    admin.post("/admin/accounts/reviewer/status", data={"status": "active"})
    assert _me(admin, token) == 401  # enabling again does not bring a revoked token back


def test_own_password_change_needs_the_current_password_and_the_rules(app):
    client = login(app.test_client(), "org")
    page = client.get("/account/password")
    assert page.status_code == 200 and "当前密码" in page.get_data(as_text=True)
    wrong = client.post(
        "/account/password",
        data={"current": "Not-it-2020", "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert wrong.status_code == 400 and "当前密码不正确" in wrong.get_data(as_text=True)
    weak = client.post(
        "/account/password",
        data={"current": DEMO_PASSWORD, "password": "short1", "password2": "short1"},
    )
    assert weak.status_code == 400 and "至少 10 个字符" in weak.get_data(as_text=True)
    differ = client.post(
        "/account/password",
        data={"current": DEMO_PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"},
    )
    assert differ.status_code == 400 and "不一致" in differ.get_data(as_text=True)
    assert login(app.test_client(), "org")  # nothing changed so far


def test_own_password_change_ends_other_sessions_and_tokens_but_not_this_one(app):
    token = _token(app, "org")
    here = login(app.test_client(), "org")
    elsewhere = login(app.test_client(), "org")
    response = here.post(
        "/account/password",
        data={"current": DEMO_PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert _signed_in(here) and not _signed_in(elsewhere)
    assert _me(here, token) == 401
    fresh = app.test_client()
    old = fresh.post("/login", data={"username": "org", "password": DEMO_PASSWORD})
    assert old.status_code == 401
    assert login(fresh, "org", NEW_PASSWORD)


def test_header_links_to_the_own_password_page(client):
    login(client, "reviewer")
    html = client.get("/review/", follow_redirects=True).get_data(as_text=True)
    assert 'id="password-link"' in html


def test_tokens_are_listed_revoked_by_their_owner_and_not_by_others(app):
    owner = login(app.test_client(), "reviewer")
    page = owner.post("/account/api-token", data={"label": "对接系统", "days": "30"})
    assert page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    token = re.search(r'id="api-token">([^<]+)<', html).group(1)
    token_id = re.search(r'data-token-id="(\d+)"', html).group(1)
    assert "对接系统" in html and "有效" in html
    second = _token(app, "reviewer")
    assert _me(owner, token) == 200 and _me(owner, second) == 200  # several tokens at once
    other = login(app.test_client(), "officer")
    other.post(f"/account/api-token/{token_id}/revoke")  # not the officer's token
    assert _me(owner, token) == 200
    owner.post(f"/account/api-token/{token_id}/revoke")
    assert _me(owner, token) == 401 and _me(owner, second) == 200
    assert "已撤销" in owner.get("/account/api-token").get_data(as_text=True)


def test_an_administrator_revokes_an_accounts_tokens(app):
    token = _token(app, "reviewer")
    admin = login(app.test_client(), "admin")
    assert 'data-action="revoke-tokens"' in admin.get("/admin/").get_data(as_text=True)
    admin.post("/admin/accounts/reviewer/tokens/revoke")
    assert _me(admin, token) == 401
    entries = app.extensions["baotuan_store"].audit_log(action="revoke_api_token")
    assert entries and entries[0].target == "user:reviewer"


def test_a_token_stops_at_its_expiry(app, client):
    from webapp.sitedb import get_session
    from webapp.sitedb.models import ApiToken

    token = _token(app, "reviewer", days=1)
    assert _me(client, token) == 200
    with app.app_context():
        db = get_session()
        db.execute(update(ApiToken).values(expires_at="2020-01-01T00:00:00+00:00"))
        db.commit()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and "expired" in response.get_json()["error"]["message"]


def test_an_expiry_out_of_range_is_refused_with_the_reason(client):
    login(client, "reviewer")
    response = client.post("/account/api-token", data={"days": "99999"})
    assert response.status_code == 400 and "有效天数" in response.get_data(as_text=True)
    assert 'id="api-token"' not in response.get_data(as_text=True)


def test_enabling_a_rejected_registration_without_its_organization_is_refused(app):
    from webapp.accounts.operations import create_user

    with app.app_context():
        create_user(
            "ghost-org", "Phantom-2027-x", "organization", org_id="ORG-NOPE", status="rejected"
        )
    admin = login(app.test_client(), "admin")
    response = admin.post("/admin/accounts/ghost-org/status", data={"status": "active"})
    assert response.status_code == 409
    assert "ORG-NOPE 不存在" in response.get_data(as_text=True)
    refused = app.test_client().post(
        "/login", data={"username": "ghost-org", "password": "Phantom-2027-x"}
    )
    assert refused.status_code == 401  # still not an account that can sign in


def test_sessions_and_tokens_end_on_every_worker(app):
    """Two site processes on the same databases (two workers, or two machines): what one of
    them ends is ended in the other, which keeps no copy of its own."""
    from webapp import create_app

    settings = app.extensions["baotuan_settings"]
    other = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(settings.instance),
            "STORE": app.config.get("STORE", settings.store),
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test",
        }
    )
    try:
        token = _token(app)
        laptop = login(app.test_client(), "officer")
        there = other.test_client()
        there.set_cookie("session", laptop.get_cookie("session").value)
        assert _signed_in(there) and _me(other.test_client(), token) == 200
        laptop.post("/logout")  # signing out on the first worker
        assert not _signed_in(there)
        again = login(app.test_client(), "officer")
        admin_there = login(other.test_client(), "admin")
        admin_there.post("/admin/accounts/officer/password")  # a reset on the second one
        assert not _signed_in(again)
        assert _me(app.test_client(), token) == 401
    finally:
        other.extensions["baotuan_store"].close()
