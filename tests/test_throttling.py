"""Sign-in throttling per account, per address and per pair (issue 13, point 3)."""

from __future__ import annotations

import pytest

from tests.webapp_fixtures import site_backends
from webapp.demo_setup import DEMO_PASSWORD

WRONG = "Wrong-password-1"


@pytest.fixture
def throttled_app(request, tmp_path, seeded_store_file):
    """The site with throttling on (the shared fixtures turn it off), CSRF off; on the second
    CI pass its counts are in Redis and its accounts in PostgreSQL."""
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    application = create_app(
        {
            "INSTANCE": str(tmp_path / "instance"),
            **site_backends(request, tmp_path, seeded_store_file),
            "SECRET_KEY": "s",
            "WTF_CSRF_ENABLED": False,
        }
    )
    ensure_demo_accounts(application)
    yield application
    application.extensions["baotuan_store"].close()


def _from(app, address: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _sign_in(client, username: str, password: str) -> int:
    return client.post("/login", data={"username": username, "password": password}).status_code


def test_others_failing_at_a_shared_address_do_not_lock_out_the_right_password(throttled_app):
    bureau = "10.9.0.1"
    for n in range(12):  # colleagues mistyping, each on their own or unknown accounts
        assert _sign_in(_from(throttled_app, bureau), f"someone{n % 4}", WRONG) == 401
    for _ in range(12):
        _sign_in(_from(throttled_app, bureau), "reviewer", WRONG)
    assert _sign_in(_from(throttled_app, bureau), "reviewer", DEMO_PASSWORD) == 429
    assert _sign_in(_from(throttled_app, bureau), "officer", DEMO_PASSWORD) == 302


def test_an_attacker_rotating_addresses_is_slowed_on_the_account(throttled_app):
    for n in range(20):
        assert _sign_in(_from(throttled_app, f"198.51.100.{n}"), "admin", WRONG) == 401
    response = _from(throttled_app, "198.51.100.200").post(
        "/login", data={"username": "admin", "password": WRONG}
    )
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0
    # the attempt was refused before the password was checked: no audit entry for it
    failed = throttled_app.extensions["baotuan_store"].audit_log(action="login_failed")
    assert len([e for e in failed if e.target == "user:admin"]) == 20


def test_one_address_trying_many_accounts_is_slowed(throttled_app):
    scanner = "203.0.113.50"
    for n in range(100):
        _sign_in(_from(throttled_app, scanner), f"name{n}", WRONG)
    assert _sign_in(_from(throttled_app, scanner), "fresh-name", WRONG) == 429
    assert _sign_in(_from(throttled_app, "203.0.113.51"), "fresh-name", WRONG) == 401


def test_successful_sign_ins_are_not_counted(throttled_app):
    for _ in range(15):
        client = _from(throttled_app, "10.9.0.2")
        assert _sign_in(client, "officer", DEMO_PASSWORD) == 302


def test_unknown_and_known_usernames_get_the_same_answer(throttled_app):
    unknown = _from(throttled_app, "10.9.0.3").post(
        "/login", data={"username": "nobody-here", "password": WRONG}
    )
    known = _from(throttled_app, "10.9.0.4").post(
        "/login", data={"username": "officer", "password": WRONG}
    )
    assert unknown.status_code == known.status_code == 401
    assert "用户名或密码错误" in unknown.get_data(as_text=True)
    assert "用户名或密码错误" in known.get_data(as_text=True)


def test_unknown_names_check_a_fixed_dummy_hash(throttled_app, monkeypatch):
    """An unknown name costs one hash check, as a known one does (not a new hash and a check)."""
    import webapp.accounts.operations as operations

    made = []
    real = operations.generate_password_hash
    monkeypatch.setattr(
        operations, "generate_password_hash", lambda *a, **k: made.append(1) or real(*a, **k)
    )
    with throttled_app.test_request_context():
        assert operations.authenticate("nobody-here", WRONG) is None
    assert made == []
