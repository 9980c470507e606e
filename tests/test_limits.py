"""Limits before anything is written or audited (issue 13, point 4): every malformed value a
4xx that says what is wrong, nothing stored or audited for it."""

from __future__ import annotations

import pytest

from tests.webapp_fixtures import login

NESTED = "[" * 1000 + "]" * 1000


def _token(app, username: str) -> dict[str, str]:
    from webapp.accounts.models import User, find_by_username
    from webapp.accounts.operations import issue_api_token

    with app.app_context():
        token = issue_api_token(User.from_row(find_by_username(username)), "test")
    return {"Authorization": f"Bearer {token}"}


def _audit_size(app) -> int:
    return len(app.extensions["baotuan_store"].audit_log(limit=100_000))


def test_a_huge_username_is_refused_before_it_is_audited(app, client):
    before = _audit_size(app)
    for _ in range(3):
        response = client.post("/login", data={"username": "x" * 5_000_000, "password": "p"})
        assert response.status_code == 400
    assert _audit_size(app) == before


def test_a_long_username_within_the_body_limit_is_refused_without_a_trace(app, client):
    before = _audit_size(app)
    response = client.post("/login", data={"username": "u" * 65, "password": "Some-pass-2020"})
    assert response.status_code == 400 and "过长" in response.get_data(as_text=True)
    assert _audit_size(app) == before


@pytest.mark.parametrize(
    "method, path",
    [("PATCH", "/api/v1/organizations/{org}"), ("POST", "/api/v1/reviews")],
)
def test_deeply_nested_json_is_a_400_that_says_so(app, client, method, path):
    org = app.extensions["baotuan_store"].query("organizations")["org_id"].iloc[0]
    response = client.open(
        path.format(org=org),
        method=method,
        data=NESTED,
        content_type="application/json",
        headers=_token(app, "reviewer" if "reviews" in path else "admin"),
    )
    assert response.status_code == 400
    assert "nested deeper than 32" in response.get_json()["error"]["message"]


def test_huge_integers_and_long_strings_in_json_are_400s(app, client):
    headers = _token(app, "admin")
    org = app.extensions["baotuan_store"].query("organizations")["org_id"].iloc[0]
    huge = client.patch(
        f"/api/v1/organizations/{org}",
        data='{"max_villages": 1' + "0" * 40 + "}",
        content_type="application/json",
        headers=headers,
    )
    assert huge.status_code == 400 and "digits" in huge.get_json()["error"]["message"]
    long = client.patch(
        f"/api/v1/organizations/{org}", json={"name": "名" * 30_000}, headers=headers
    )
    assert long.status_code == 400 and "name" in long.get_json()["error"]["message"]
    assert (
        app.extensions["baotuan_store"].query("organizations", {"org_id": org})["name"].iloc[0]
        != "名" * 30_000
    )


def test_a_long_form_field_is_a_400_before_the_view(app, client):
    login(client, "reviewer")
    response = client.post("/account/api-token", data={"label": "x" * 30_000})
    assert response.status_code == 400 and "label" in response.get_data(as_text=True)


def test_a_next_with_a_control_character_is_ignored(client):
    response = client.get("/lang/en?next=/x%0aY")
    assert response.status_code == 302 and "\n" not in response.headers["Location"]


def test_malformed_officer_parameters_are_4xx(app):
    client = login(app.test_client(), "officer")
    assert client.post("/officer/matching/runs/1/accept-many?run_id=abc").status_code < 500
    for body in ({"run_id": "abc"}, [1, 2], {"run_id": 10**30}):
        response = client.post("/officer/matching/check", json=body)
        assert 400 <= response.status_code < 500, body
