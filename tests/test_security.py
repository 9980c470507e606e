"""Sessions and headers (issue 7, item 6): cookie flags, CSRF, login throttling, session fixation,
password rules and storage, security headers on every kind of response, no inline code."""

from __future__ import annotations

import re

import pytest

from tests.webapp_fixtures import _copy_store, login
from webapp.demo_setup import DEMO_PASSWORD

THROTTLE_MESSAGE = "登录尝试过多，请稍后再试"


def _site(tmp_path, seeded_store_file, **config):
    """A site as in production (CSRF and throttling on) unless ``config`` says otherwise."""
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    store = _copy_store(seeded_store_file, tmp_path / "baotuan.sqlite")
    settings = {"INSTANCE": str(tmp_path / "instance"), "STORE": str(store), "SECRET_KEY": "s"}
    application = create_app({**settings, **config})
    ensure_demo_accounts(application)
    return application


@pytest.fixture
def secure_app(tmp_path, seeded_store_file, monkeypatch):
    monkeypatch.setenv("BAOTUAN_SECURE_COOKIES", "1")
    application = _site(tmp_path, seeded_store_file, WTF_CSRF_ENABLED=False)
    yield application
    application.extensions["baotuan_store"].close()


def _csrf_token(client, url: str = "/login") -> str:
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no CSRF token in the form of {url}"
    return found.group(1)


def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie was set"
    return cookies[-1]


# -- cookies -----------------------------------------------------------------------------------
def test_session_cookie_is_httponly_and_samesite_lax(client):
    response = client.post("/login", data={"username": "officer", "password": DEMO_PASSWORD})
    cookie = _session_cookie(response)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on a test machine: a Secure cookie would be lost
    assert "Strict-Transport-Security" not in response.headers


def test_secure_cookies_and_hsts_when_configured(secure_app):
    client = secure_app.test_client()
    response = client.post(
        "/login",
        data={"username": "officer", "password": DEMO_PASSWORD},
        base_url="https://localhost",
    )
    assert response.status_code == 302
    cookie = _session_cookie(response)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert secure_app.config["REMEMBER_COOKIE_SECURE"] is True


# -- CSRF --------------------------------------------------------------------------------------
def test_post_without_csrf_token_is_refused_on_a_live_site(live_app):
    client = live_app.test_client()
    response = client.post("/login", data={"username": "officer", "password": DEMO_PASSWORD})
    assert response.status_code == 400
    token = _csrf_token(client)
    response = client.post(
        "/login", data={"username": "officer", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    # signed in, a forged form (no token, or another session's token) still cannot sign out
    assert client.post("/logout").status_code == 400
    assert client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/welcome").status_code == 200


def test_admin_writes_need_the_csrf_token(live_app):
    client = live_app.test_client()
    token = _csrf_token(client)
    client.post(
        "/login", data={"username": "admin", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    token = _csrf_token(client, "/admin/")
    form = {"username": "forged1", "role": "admin", "password": "Forged-admin-1"}
    assert client.post("/admin/accounts", data=form).status_code == 400
    assert (
        client.post("/admin/accounts/officer/status", data={"status": "disabled"}).status_code
        == 400
    )
    assert client.post("/admin/accounts", data={**form, "csrf_token": token}).status_code == 302
    with live_app.app_context():
        from webapp.accounts.models import find_by_username

        assert find_by_username("forged1") is not None
        assert find_by_username("officer")["status"] == "active"


def test_csrf_holds_over_real_http(live_server):
    import requests

    response = requests.post(
        f"{live_server.url}/login",
        data={"username": "officer", "password": DEMO_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 400


# -- throttling --------------------------------------------------------------------------------
def test_eleventh_login_attempt_within_a_minute_gets_429_in_chinese(live_app):
    client = live_app.test_client()
    token = _csrf_token(client)
    attempt = {"username": "officer", "password": "Wrong-password-1", "csrf_token": token}
    for _ in range(10):
        assert client.post("/login", data=attempt).status_code == 401
    response = client.post("/login", data={**attempt, "password": DEMO_PASSWORD})
    assert response.status_code == 429  # even the right password waits
    html = response.get_data(as_text=True)
    assert THROTTLE_MESSAGE in html and 'lang="zh-CN"' in html
    assert int(response.headers["Retry-After"]) > 0
    # the limit is per client address: someone else can still sign in
    other = live_app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.1.2.3"
    token = _csrf_token(other)
    response = other.post(
        "/login", data={"username": "officer", "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_throttling_counts_the_client_behind_a_configured_proxy(
    tmp_path, seeded_store_file, monkeypatch
):
    monkeypatch.setenv("BAOTUAN_PROXY_COUNT", "1")
    application = _site(tmp_path, seeded_store_file, WTF_CSRF_ENABLED=False)
    try:
        client = application.test_client()
        attempt = {"username": "officer", "password": "Wrong-password-1"}
        for _ in range(10):
            client.post("/login", data=attempt, headers={"X-Forwarded-For": "203.0.113.7"})
        throttled = client.post("/login", data=attempt, headers={"X-Forwarded-For": "203.0.113.7"})
        assert throttled.status_code == 429
        # another person behind the same proxy is not locked out
        other = client.post("/login", data=attempt, headers={"X-Forwarded-For": "203.0.113.8"})
        assert other.status_code == 401
    finally:
        application.extensions["baotuan_store"].close()


def test_throttle_in_english_too(live_app):
    client = live_app.test_client()
    client.get("/lang/en")
    token = _csrf_token(client)
    for _ in range(11):
        response = client.post(
            "/login", data={"username": "x", "password": "y", "csrf_token": token}
        )
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.get_data(as_text=True)


# -- sessions ----------------------------------------------------------------------------------
def test_signing_in_starts_a_fresh_session(client):
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        session["_user_id"] = "999"
    login(client, "officer")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] != "999"


def test_signing_out_forgets_the_session(client):
    login(client, "officer")
    client.post("/logout")
    with client.session_transaction() as session:
        assert "_user_id" not in session
    assert client.get("/welcome").status_code == 302


def test_a_sign_in_lasts_at_most_eight_hours(client, monkeypatch):
    import itsdangerous.timed

    login(client, "officer")
    assert client.get("/welcome").status_code == 200
    later = itsdangerous.timed.TimestampSigner.get_timestamp(None) + 8 * 3600 + 60  # type: ignore[arg-type]
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: later)
    response = client.get("/welcome")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_session_cookie_cannot_be_forged_without_the_secret(client, app):
    from flask.sessions import SecureCookieSessionInterface

    other = app.test_client()
    forged_app = type(app)("forger")
    forged_app.secret_key = "not-the-secret"
    value = (
        SecureCookieSessionInterface().get_signing_serializer(forged_app).dumps({"_user_id": "1"})
    )
    other.set_cookie("session", value)
    assert other.get("/welcome").status_code == 302


def test_locked_out_accounts_get_a_clear_message(client, app):
    from webapp.accounts.operations import create_user, set_status

    with app.app_context():
        create_user("waiting1", "Waiting-2020-x", "reviewer", status="pending")
        create_user("gone1", "Gone-2020-xyz", "reviewer")
        set_status("gone1", "disabled", actor="test")
    response = client.post("/login", data={"username": "waiting1", "password": "Waiting-2020-x"})
    assert response.status_code == 401 and "尚未通过审核" in response.get_data(as_text=True)
    response = client.post("/login", data={"username": "gone1", "password": "Gone-2020-xyz"})
    assert response.status_code == 401 and "账号已停用" in response.get_data(as_text=True)
    # a wrong password says nothing about the account's state
    response = client.post("/login", data={"username": "gone1", "password": "Wrong-2020-xyz"})
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert "停用" not in response.get_data(as_text=True)


# -- passwords ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "password, reason",
    [
        ("Abc-12345", "至少"),
        ("abcdefghijkl", "字母和数字"),
        ("12345678901", "字母和数字"),
        ("my-Zhang3-2020", "用户名"),
    ],
)
def test_password_rules_hold_for_every_way_to_set_one(app, password, reason):
    from webapp.accounts.models import User, find_by_username
    from webapp.accounts.operations import set_password
    from webapp.errors import PasswordRuleError

    with app.app_context():
        officer = User.from_row(find_by_username("officer"))
        officer.username = "zhang3"
        with pytest.raises(PasswordRuleError, match=reason):
            set_password(officer, password, actor="test")


def test_passwords_are_stored_only_as_salted_hashes(app):
    from sqlalchemy import select

    from webapp.sitedb import get_session
    from webapp.sitedb.models import User

    with app.app_context():
        hashes = list(get_session().scalars(select(User.password_hash)))
    assert hashes and all(DEMO_PASSWORD not in h for h in hashes)
    assert all(h.startswith(("scrypt:", "pbkdf2:")) for h in hashes)
    assert len(set(hashes)) == len(hashes)  # one password, different salts


# -- headers -----------------------------------------------------------------------------------
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def _responses(client):
    login(client, "admin")
    yield "page", client.get("/admin/")
    yield "redirect", client.get("/")
    yield "not found", client.get("/no-such-page")
    yield "static", client.get("/static/style.css")
    yield "download", client.get("/admin/audit.csv")
    client.post("/logout")
    login(client, "officer")
    yield "forbidden", client.get("/admin/")


def test_security_headers_on_every_kind_of_response(client):
    for kind, response in _responses(client):
        for header, value in HEADERS.items():
            assert response.headers.get(header) == value, (kind, header)
        csp = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, kind
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, kind


def test_hsts_on_every_response_when_secure(secure_app):
    client = secure_app.test_client()
    for url in ("/login", "/no-such-page", "/static/style.css"):
        response = client.get(url, base_url="https://localhost")
        assert "max-age=" in response.headers.get("Strict-Transport-Security", ""), url


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle=|\son[a-z]+=", re.I)


@pytest.mark.parametrize("url", ["/login", "/admin/", "/admin/audit", "/admin/imports"])
def test_pages_carry_no_inline_script_or_style(client, url):
    login(client, "admin")
    html = client.get(url).get_data(as_text=True)
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html)
    assert not INLINE_STYLE.search(html), INLINE_STYLE.search(html)
