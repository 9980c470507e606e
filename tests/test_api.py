"""The JSON API: tokens and permissions as on the site, paging, JSON errors, and every write."""

from __future__ import annotations

import time

import pytest

from tests.webapp_fixtures import login


def token_for(app, username: str) -> str:
    with app.app_context():
        from webapp.accounts.models import User, find_by_username
        from webapp.accounts.operations import issue_api_token

        return issue_api_token(User.from_row(find_by_username(username)), "test")


@pytest.fixture
def api(app, client):
    """``api(username)`` returns a function ``call(method, path, **kw)`` with that account's token."""

    def for_user(username: str | None):
        headers = {"Authorization": f"Bearer {token_for(app, username)}"} if username else {}

        def call(method: str, path: str, **kw):
            return client.open(f"/api/v1{path}", method=method, headers=headers, **kw)

        return call

    return for_user


def org_id_of(app, username="org") -> str:
    with app.app_context():
        from webapp.accounts.models import find_by_username

        return find_by_username(username)["org_id"]


def assert_error(response, status: int):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()["error"]
    assert body["status"] == status and body["message"]
    return body


@pytest.mark.parametrize(
    "path", ["/villages", "/organizations", "/volunteers", "/reviews", "/partnerships", "/me"]
)
def test_anonymous_and_bad_tokens_get_401_json(api, client, path):
    assert_error(api(None)("GET", path), 401)
    bad = client.get(f"/api/v1{path}", headers={"Authorization": "Bearer not-a-token"})
    assert_error(bad, 401)
    assert bad.headers["WWW-Authenticate"].startswith("Bearer")


def test_the_session_cookie_is_not_an_api_credential(client):
    login(client, "officer")
    assert_error(client.get("/api/v1/villages"), 401)


def test_lists_are_paged(api):
    call = api("officer")
    first = call("GET", "/villages?limit=2").get_json()
    second = call("GET", "/villages?limit=2&offset=2").get_json()
    assert first["total"] == 300 and len(first["items"]) == 2
    assert first["items"][1]["village_id"] < second["items"][0]["village_id"]
    assert (first["limit"], second["offset"]) == (2, 2)


@pytest.mark.parametrize("query", ["limit=0", "limit=501", "limit=abc", "offset=-1", "service=x"])
def test_bad_query_values_are_422_with_details(api, query):
    body = assert_error(api("officer")("GET", f"/needs?{query}"), 422)
    assert body["details"]


def test_unknown_records_and_urls_are_404_json_and_wrong_methods_405(api):
    call = api("officer")
    assert_error(call("GET", "/villages/NOPE"), 404)
    assert_error(call("GET", "/no-such-thing"), 404)
    not_allowed = call("PUT", "/villages")
    assert_error(not_allowed, 405)
    assert "GET" in not_allowed.headers["Allow"]


def test_village_detail_has_its_needs(api, app):
    village = api("reviewer")("GET", "/villages/V000000").get_json()
    stored = app.extensions["baotuan_store"].query("needs", {"village_id": "V000000"})
    assert village["village_id"] == "V000000"
    assert sorted(n["service"] for n in village["needs"]) == sorted(stored["service"])


def test_an_organization_token_sees_only_its_own(api, app):
    call = api("org")
    mine = org_id_of(app)
    orgs = call("GET", "/organizations").get_json()
    assert [o["org_id"] for o in orgs["items"]] == [mine]
    assert call("GET", f"/organizations/{mine}").status_code == 200
    assert_error(call("GET", "/organizations/O000293"), 403)
    assert_error(call("GET", "/volunteers?org_id=O000293"), 403)
    assert_error(call("GET", "/capabilities?org_id=O000293"), 403)
    assert_error(call("PATCH", "/organizations/O000293", json={"max_villages": 9}), 403)
    volunteers = call("GET", "/volunteers?limit=500").get_json()["items"]
    assert all(v["org_id"] == mine for v in volunteers)
    projects = {p["project_id"] for p in call("GET", "/projects?limit=500").get_json()["items"]}
    with app.app_context():
        from webapp.api.world import project_ids_of

        assert projects and projects == set(project_ids_of(mine))
    groups = call("GET", "/partnerships").get_json()["items"]
    assert mine in {g["org_id"] for g in groups}
    assert_error(call("GET", "/integrity"), 403)
    assert_error(call("GET", "/recommendations"), 403)


def test_an_organization_keeps_its_profile_true(api, app):
    store = app.extensions["baotuan_store"]
    mine = org_id_of(app)
    call = api("org")
    response = call(
        "PATCH",
        f"/organizations/{mine}",
        json={
            "max_villages": 5,
            "phone": "0538-1112222",
            "capabilities": [{"service": "medical", "level": 4}],
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["max_villages"] == 5 and body["phone"] == "0538-1112222"
    assert body["capabilities"] == [{"org_id": mine, "service": "medical", "level": 4}]
    assert int(store.query("organizations", {"org_id": mine})["max_villages"][0]) == 5
    assert store.audit_log(action="update_profile")[0].actor == "organization:org"
    below = call("PATCH", f"/organizations/{mine}", json={"max_villages": 0})
    assert assert_error(below, 409)["details"] == {"max_villages": body["assigned"]}
    assert_error(call("PATCH", f"/organizations/{mine}", json={"max_villages": "many"}), 422)
    assert_error(call("PATCH", f"/organizations/{mine}", json={"phone": "call me"}), 422)


def test_volunteers_are_added_and_removed(api, app):
    call = api("org")
    mine = org_id_of(app)
    created = call("POST", "/volunteers", json={"name": "吴志愿", "skills": ["medical"]})
    assert created.status_code == 201, created.get_json()
    volunteer = created.get_json()
    assert volunteer["org_id"] == mine and volunteer["skills"] == ["medical"]
    assert call("DELETE", f"/volunteers/{volunteer['volunteer_id']}").status_code == 204
    assert_error(call("GET", f"/volunteers/{volunteer['volunteer_id']}"), 404)
    others = app.extensions["baotuan_store"].query("volunteers")
    foreign = others[others["org_id"].notna() & (others["org_id"] != mine)]["volunteer_id"].iloc[0]
    assert_error(call("DELETE", f"/volunteers/{foreign}"), 404)
    assert_error(call("POST", "/volunteers", json={"name": "x", "org_id": "O000293"}), 403)
    assert_error(call("POST", "/volunteers", json={"name": "x", "hours_per_month": 900}), 422)
    assert_error(api("officer")("POST", "/volunteers", json={"name": "x"}), 422)  # which org?


def finished_project(app) -> str:
    projects = app.extensions["baotuan_store"].query("projects")
    return str(projects[projects["end_date"].notna()]["project_id"].min())


RUBRIC = {"need_fit": 18, "execution": 17, "effect": 16, "sustainability": 14, "funds": 19}


def test_reviewers_score_projects(api, app):
    store = app.extensions["baotuan_store"]
    project_id = finished_project(app)
    call = api("reviewer")
    created = call("POST", "/reviews", json={"project_id": project_id, "rubric": RUBRIC})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["score"] == 84
    stored = store.query("reviews", {"project_id": project_id, "reviewer": "reviewer"})
    assert stored["score"].tolist() == [84]
    listed = call("GET", f"/reviews?project_id={project_id}").get_json()["items"]
    assert any(r["reviewer"] == "reviewer" and r["rubric"]["funds"] == 19 for r in listed)
    assert_error(
        api("org")("POST", "/reviews", json={"project_id": project_id, "rubric": RUBRIC}), 403
    )
    assert_error(call("POST", "/reviews", json={"project_id": "NOPE", "rubric": RUBRIC}), 404)
    bad = call(
        "POST", "/reviews", json={"project_id": project_id, "rubric": {**RUBRIC, "funds": 21}}
    )
    assert "funds" in str(assert_error(bad, 422)["details"])


def test_malformed_json_is_400(api):
    response = api("reviewer")(
        "POST", "/reviews", data="{not json", content_type="application/json"
    )
    assert_error(response, 400)


def free_villages(app, *org_ids: str) -> list[str]:
    """Villages without a group that each of ``org_ids`` may join (it provides one of the needs)."""
    store = app.extensions["baotuan_store"]
    taken = set(store.query("partnerships")["village_id"])
    needs = store.query("needs").groupby("village_id")["service"].agg(set)
    provides = [set(store.query("capabilities", {"org_id": o})["service"]) for o in org_ids]
    return sorted(
        str(v)
        for v, wanted in needs.items()
        if v not in taken and all(p & wanted for p in provides)
    )


def test_officers_approve_partnerships(api, app):
    store = app.extensions["baotuan_store"]
    village = free_villages(app, "O000293", "O000001")[0]
    call = api("officer")
    group = {
        "village_id": village,
        "members": [{"org_id": "O000293", "role": "lead"}, {"org_id": "O000001"}],
    }
    created = call("POST", "/partnerships", json=group)
    assert created.status_code == 201, created.get_json()
    assert {m["org_id"] for m in created.get_json()["members"]} == {"O000293", "O000001"}
    assert store.audit_log(action="approve_group")[0].actor == "officer:officer"
    assert_error(call("POST", "/partnerships", json=group), 409)
    assert_error(call("POST", "/partnerships", json={**group, "village_id": "NOPE"}), 404)
    two_leads = {
        "village_id": village,
        "members": [{"org_id": "O1", "role": "lead"}, {"org_id": "O2", "role": "lead"}],
    }
    assert_error(call("POST", "/partnerships", json=two_leads), 422)
    assert_error(api("reviewer")("POST", "/partnerships", json=group), 403)


def test_capacity_is_a_409_and_nothing_is_written(api, app):
    store = app.extensions["baotuan_store"]
    call = api("officer")
    org = "O000293"
    capacity = int(store.query("organizations", {"org_id": org})["max_villages"][0])
    assigned = len(store.query("partnerships", {"org_id": org}))
    free = free_villages(app, org)
    for village in free[: capacity - assigned]:
        assert (
            call(
                "POST", "/partnerships", json={"village_id": village, "members": [{"org_id": org}]}
            ).status_code
            == 201
        )
    over = free[capacity - assigned]
    body = assert_error(
        call("POST", "/partnerships", json={"village_id": over, "members": [{"org_id": org}]}), 409
    )
    assert body["details"]["reason"] == "capacity"
    assert [p["code"] for p in body["details"]["problems"]] == ["no_capacity"]
    assert store.query("partnerships", {"village_id": over}).empty


def test_integrity_items_are_listed_and_marked(api, app):
    call = api("reviewer")
    listed = call("GET", "/integrity?limit=5").get_json()
    assert listed["total"] > 0 and listed["items"][0]["reason"]
    key = listed["items"][0]["key"]
    marked = call("POST", "/integrity/marks", json={"key": key, "note": "已核实"})
    assert marked.status_code == 200 and marked.get_json()["checked_by"] == "reviewer:reviewer"
    checked = call("GET", "/integrity?status=checked").get_json()["items"]
    assert [i["key"] for i in checked] == [key]
    assert_error(call("POST", "/integrity/marks", json={"key": "nope"}), 404)


def test_recommendations_run_and_are_read(api, app, run_worker):
    call = api("officer")
    assert_error(call("GET", "/recommendations"), 404)
    started = call("POST", "/recommendations", json={"max_group": 3})
    assert started.status_code == 202, started.get_json()
    status_url = started.headers["Location"]
    deadline = time.monotonic() + 240
    status = started.get_json()
    while status["status"] == "running" and time.monotonic() < deadline:
        time.sleep(1)
        status = call("GET", status_url.removeprefix("/api/v1")).get_json()
    assert status["status"] == "done", status
    page = call("GET", "/recommendations?limit=3").get_json()
    assert page["total"] > 0 and len(page["items"]) == 3
    rec = page["items"][0]
    assert rec["organizations"] and {"org_id", "role", "covers"} <= set(rec["organizations"][0])
    assert len(rec["organizations"]) <= 3
    assert_error(call("GET", "/recommendations/runs/99999"), 404)


def test_token_page_issues_a_token_that_works_once_shown(client, app):
    login(client, "reviewer")
    html = client.post("/account/api-token").get_data(as_text=True)
    import re

    token = re.search(r'id="api-token">([^<]+)<', html).group(1)
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()
    assert me == {
        "username": "reviewer",
        "role": "reviewer",
        "org_id": None,
        "display_name": "评审专家 李老师",
    }
    page = client.get("/account/api-token").get_data(as_text=True)  # listed, then revoked
    token_id = re.search(r'data-token-id="(\d+)"', page).group(1)
    client.post(f"/account/api-token/{token_id}/revoke")
    assert_error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_api_is_exempt_from_csrf_but_the_site_is_not(live_app):
    token = token_for(live_app, "reviewer")
    client = live_app.test_client()
    response = client.post(
        "/api/v1/integrity/marks",
        json={"key": "nope"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert_error(response, 404)  # reached the handler: no CSRF refusal
    refused = client.post("/organization/register", data={})
    assert refused.status_code == 400 and "CSRF" in refused.get_data(as_text=True)


def test_openapi_document_and_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "error" in spec["components"]["schemas"]["Error"]["properties"]
    assert {
        "/api/v1/villages",
        "/api/v1/reviews",
        "/api/v1/partnerships",
        "/api/v1/recommendations",
    } <= set(spec["paths"])
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/api/v1/partnerships" in html and "openapi.json" in html
