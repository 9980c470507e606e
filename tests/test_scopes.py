"""Officers act only where they serve (issue 13, point 2): a county officer's pages, API and
matcher runs cover its county; the rest answers 403 or 404."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from tests.webapp_fixtures import login

HOME = "泰山区"
OTHER = "东平县"
PASSWORD = "County-2027-work"


@pytest.fixture
def county_app(app):
    from webapp.accounts.operations import create_user

    with app.app_context():
        create_user("taishan", PASSWORD, "officer", county=HOME, display_name="泰山区民政局")
    return app


def _villages(app, county: str) -> list[str]:
    frame = app.extensions["baotuan_store"].query("villages")
    return sorted(frame.loc[frame["county"] == county, "village_id"])


def _county_officer(app):
    return login(app.test_client(), "taishan", PASSWORD)


def test_an_administrator_sets_the_county_and_the_header_shows_it(app):
    admin = login(app.test_client(), "admin")
    response = admin.post("/admin/accounts/officer/county", data={"county": OTHER})
    assert response.status_code == 302
    officer = login(app.test_client(), "officer")
    html = officer.get("/officer/villages").get_data(as_text=True)
    assert f'<span id="scope">{OTHER}</span>' in html
    bad = admin.post("/admin/accounts/officer/county", data={"county": "火星县"})
    assert bad.status_code == 400 and "没有这个区县" in bad.get_data(as_text=True)
    not_officer = admin.post("/admin/accounts/reviewer/county", data={"county": OTHER})
    assert not_officer.status_code == 400
    admin.post("/admin/accounts/officer/county", data={"county": ""})
    html = officer.get("/officer/villages").get_data(as_text=True)
    assert '<span id="scope">全市</span>' in html


def test_a_county_officer_sees_and_opens_only_its_villages(county_app):
    client = _county_officer(county_app)
    mine, theirs = _villages(county_app, HOME), _villages(county_app, OTHER)
    html = client.get("/officer/villages?per_page=500").get_data(as_text=True)
    assert mine[0] in html and theirs[0] not in html
    assert client.get(f"/officer/villages/{mine[0]}").status_code == 200
    assert client.get(f"/officer/villages/{theirs[0]}").status_code == 404
    end = client.post(f"/officer/villages/{theirs[0]}/end", data={"reason": "越权"})
    assert end.status_code == 404
    assert client.get("/officer/").status_code == 200  # dashboard figures of the county
    assert client.get(f"/officer/docking/{OTHER}.xlsx").status_code == 404
    assert client.get(f"/officer/docking/{HOME}.xlsx").status_code == 200


def test_a_city_officer_still_sees_the_whole_city(app):
    client = login(app.test_client(), "officer")
    theirs = _villages(app, OTHER)
    assert client.get(f"/officer/villages/{theirs[0]}").status_code == 200


def test_the_api_answers_a_county_officer_within_its_county(county_app):
    from webapp.accounts.models import User, find_by_username
    from webapp.accounts.operations import issue_api_token

    with county_app.app_context():
        token = issue_api_token(User.from_row(find_by_username("taishan")), "test")
    client, headers = county_app.test_client(), {"Authorization": f"Bearer {token}"}
    page = client.get("/api/v1/villages?per_page=500", headers=headers).get_json()
    assert {v["county"] for v in page["items"]} == {HOME}
    assert client.get(f"/api/v1/villages?county={OTHER}", headers=headers).status_code == 403
    needs = client.get("/api/v1/needs?per_page=500", headers=headers).get_json()["items"]
    assert needs and {n["village_id"] for n in needs} <= set(_villages(county_app, HOME))
    other = _villages(county_app, OTHER)[0]
    assert client.get(f"/api/v1/villages/{other}", headers=headers).status_code == 404
    refused = client.post(
        "/api/v1/partnerships",
        json={"village_id": other, "members": [{"org_id": "X", "role": "lead"}]},
        headers=headers,
    )
    assert refused.status_code == 403


def test_the_integrity_list_of_a_county_officer_is_its_county(county_app):
    from webapp.scope import subjects_in_scope

    with county_app.test_request_context():
        from flask_login import login_user

        from webapp.accounts.models import User, find_by_username

        login_user(User.from_row(find_by_username("taishan")))
        subjects = subjects_in_scope()
    store = county_app.extensions["baotuan_store"]
    assert {f"villages:{v}" for v in _villages(county_app, HOME)} <= subjects
    assert not {f"villages:{v}" for v in _villages(county_app, OTHER)} & subjects
    orgs = store.query("organizations")
    assert {f"organizations:{o}" for o in orgs.loc[orgs["county"] == OTHER, "org_id"]}.isdisjoint(
        subjects
    )


@pytest.mark.slow
def test_a_county_run_covers_its_county_with_the_citys_capacities(app):
    """Recommendations only for the county's villages; no organization is given more villages
    than it has room for once the groups approved in other counties are counted."""
    from matcher import recommend
    from webapp.scope import scope_dataset

    dataset = app.extensions["baotuan_store"].load_dataset()
    result = recommend(scope_dataset(dataset, HOME), evaluate=False)
    mine = set(_villages(app, HOME))
    assert result.recommendations and {r.village_id for r in result.recommendations} <= mine
    in_force = dataset["partnerships"]["org_id"].value_counts()
    new = pd.Series([m.org_id for r in result.recommendations for m in r.members]).value_counts()
    capacity = dataset["organizations"].set_index("org_id")["max_villages"]
    for org_id, count in new.items():
        assert in_force.get(org_id, 0) + count <= capacity[org_id], org_id
    # the whole city's groups are still there for the matcher to count
    assert len(scope_dataset(dataset, HOME)["partnerships"]) == len(dataset["partnerships"])


def _token(app, username: str) -> dict[str, str]:
    from webapp.accounts.models import User, find_by_username
    from webapp.accounts.operations import issue_api_token

    with app.app_context():
        token = issue_api_token(User.from_row(find_by_username(username)), "test")
    return {"Authorization": f"Bearer {token}"}


def _county_projects(app, county: str) -> set[str]:
    """Projects of ``county``, worked out here from the data: by the project's village, or by
    its lead organization's county when it has no village."""
    store = app.extensions["baotuan_store"]
    projects, orgs = store.query("projects"), store.query("organizations")
    villages = set(_villages(app, county))
    local = set(orgs.loc[orgs["county"] == county, "org_id"])
    keep = projects["village_id"].isin(villages) | (
        projects["village_id"].isna() & projects["lead_org_id"].isin(local)
    )
    return set(projects.loc[keep, "project_id"])


def _items(client, url: str, headers) -> list[dict]:
    """Every item of an API list, page after page."""
    items: list[dict] = []
    while True:
        sep = "&" if "?" in url else "?"
        response = client.get(f"{url}{sep}limit=500&offset={len(items)}", headers=headers)
        assert response.status_code == 200, (url, response.get_json())
        page = response.get_json()
        items += page["items"]
        if len(items) >= page["total"] or not page["items"]:
            return items


def test_the_api_lists_of_projects_reviews_and_groups_are_the_officers_county(county_app):
    client, headers = county_app.test_client(), _token(county_app, "taishan")
    mine, theirs = _county_projects(county_app, HOME), _county_projects(county_app, OTHER)
    assert mine and theirs
    projects = _items(client, "/api/v1/projects", headers)
    assert projects and {p["project_id"] for p in projects} == mine
    assert client.get(f"/api/v1/projects/{min(mine)}", headers=headers).status_code == 200
    assert client.get(f"/api/v1/projects/{min(theirs)}", headers=headers).status_code == 404
    other_village = _villages(county_app, OTHER)[0]
    away = client.get(f"/api/v1/projects?village_id={other_village}", headers=headers)
    assert away.status_code == 404
    reviews = _items(client, "/api/v1/reviews", headers)
    assert reviews and {r["project_id"] for r in reviews} <= mine
    away = client.get(f"/api/v1/reviews?project_id={min(theirs)}", headers=headers)
    assert away.status_code == 404
    groups = _items(client, "/api/v1/partnerships", headers)
    assert groups and {g["village_id"] for g in groups} <= set(_villages(county_app, HOME))
    away = client.get(f"/api/v1/partnerships?village_id={other_village}", headers=headers)
    assert away.status_code == 404
    # the city's officer still sees the whole city
    city = _token(county_app, "officer")
    assert client.get(f"/api/v1/projects/{min(theirs)}", headers=city).status_code == 200
    assert len(_items(client, "/api/v1/projects", city)) > len(projects)


def _finished_run(app, started_by: str, villages: list[str]) -> int:
    """A finished matcher run recommending a one-organization group for each village and
    leaving each village also listed as unserved (enough for the API's lists)."""
    import json

    from sqlalchemy import insert

    from webapp.sitedb import get_session
    from webapp.sitedb.models import MatcherRun

    result = {
        "recommendations": [
            {"village_id": v, "organizations": [{"org_id": "O000001", "role": "lead"}]}
            for v in villages
        ],
        "unserved": [{"village_id": v, "reason": "no_needs"} for v in villages],
        "summary": {},
    }
    with app.app_context():
        db = get_session()
        run_id = db.execute(
            insert(MatcherRun)
            .values(
                started_by=started_by,
                started_at="2026-12-01T00:00:00",
                finished_at="2026-12-01T00:01:00",
                status="done",
                result_json=json.dumps(result),
            )
            .returning(MatcherRun.id)
        ).scalar_one()
        db.commit()
    return int(run_id)


def test_the_api_recommendations_of_a_county_officer_are_its_county(county_app):
    from webapp.accounts.operations import create_user

    with county_app.app_context():
        create_user("dongping", PASSWORD, "officer", county=OTHER)
    mine, theirs = _villages(county_app, HOME)[0], _villages(county_app, OTHER)[0]
    city_run = _finished_run(county_app, "officer:officer", [mine, theirs])
    other_run = _finished_run(county_app, "officer:dongping", [theirs])  # newer, elsewhere
    client, headers = county_app.test_client(), _token(county_app, "taishan")
    page = client.get("/api/v1/recommendations", headers=headers).get_json()
    assert page["run"]["id"] == city_run  # the newest run that covers its county
    assert [r["village_id"] for r in page["items"]] == [mine]
    assert [u["village_id"] for u in page["unserved"]] == [mine]
    away = client.get(f"/api/v1/recommendations?village_id={theirs}", headers=headers)
    assert away.status_code == 404
    runs = "/api/v1/recommendations/runs/{}"
    assert client.get(runs.format(city_run), headers=headers).status_code == 200
    assert client.get(runs.format(other_run), headers=headers).status_code == 404
    # the other county's officer gets its own run; the city's officer gets the newest of all
    there = client.get("/api/v1/recommendations", headers=_token(county_app, "dongping"))
    assert there.get_json()["run"]["id"] == other_run
    city = client.get("/api/v1/recommendations", headers=_token(county_app, "officer"))
    assert city.get_json()["run"]["id"] == other_run


def test_the_dashboard_map_and_figures_of_a_county_officer_are_its_county(county_app):
    mine, theirs = _villages(county_app, HOME), _villages(county_app, OTHER)
    county = _county_officer(county_app).get("/officer/").get_data(as_text=True)
    city = login(county_app.test_client(), "officer").get("/officer/").get_data(as_text=True)
    linked = set(re.findall(r"/officer/villages/(V\d+)", county))
    assert linked and linked <= set(mine)  # the map's villages
    assert set(theirs) & set(re.findall(r"/officer/villages/(V\d+)", city))

    # the figures: the coverage table's first count per county (its villages)
    def villages_of(html: str, name: str) -> int:
        match = re.search(rf">{name}</a></td>\s*<td>(\d+)</td>", html)
        assert match, name
        return int(match.group(1))

    assert villages_of(county, OTHER) == 0 < villages_of(city, OTHER)
    assert villages_of(county, HOME) == villages_of(city, HOME) == len(mine)


@pytest.mark.slow
def test_a_county_officers_run_from_the_site_recommends_only_in_its_county(county_app, run_worker):
    """The run a county officer starts (site → queue or thread → webapp.jobs) works on its
    county's needs and counts the capacities the city's groups already take."""
    import time

    from webapp.services.runs import get_run

    client = _county_officer(county_app)
    response = client.post("/officer/matching/runs", data={"max_group": "3"})
    assert response.status_code == 302
    url = response.headers["Location"]
    deadline = time.monotonic() + 600
    status = client.get(url + "/status").get_json()
    while status["status"] == "running" and time.monotonic() < deadline:
        time.sleep(1)
        status = client.get(url + "/status").get_json()
    assert status["status"] == "done", status
    with county_app.app_context():
        run = get_run(int(url.rstrip("/").rsplit("/", 1)[1]))
    mine = set(_villages(county_app, HOME))
    assert run.recommendations and set(run.recommendations) <= mine
    dataset = county_app.extensions["baotuan_store"].load_dataset()
    in_force = dataset["partnerships"]["org_id"].value_counts()
    capacity = dataset["organizations"].set_index("org_id")["max_villages"]
    new = pd.Series(
        [m.org_id for r in run.recommendations.values() for m in r.members]
    ).value_counts()
    for org_id, count in new.items():
        assert in_force.get(org_id, 0) + count <= capacity[org_id], org_id


def test_approving_many_skips_the_villages_of_another_county(county_app):
    store = county_app.extensions["baotuan_store"]
    supported = set(store.query("partnerships")["village_id"])
    theirs = next(v for v in _villages(county_app, OTHER) if v not in supported)
    run_id = _finished_run(county_app, "officer:officer", [theirs])
    client = _county_officer(county_app)
    response = client.post(
        f"/officer/matching/runs/{run_id}/accept-many",
        data={"village_id": [theirs]},
        follow_redirects=True,
    )
    # neither approved nor refused: to this officer the village is not there to choose
    assert "请先勾选要批准的村" in response.get_data(as_text=True)
    assert store.query("partnerships", {"village_id": theirs}).empty


def test_a_county_officer_cannot_mark_an_integrity_item_of_another_county(county_app):
    from flask_login import login_user

    from webapp.accounts.models import User, find_by_username
    from webapp.scope import subjects_in_scope

    with county_app.test_request_context():
        login_user(User.from_row(find_by_username("taishan")))
        subjects = subjects_in_scope() or set()
    client = county_app.test_client()
    city_items = _items(client, "/api/v1/integrity?status=all", _token(county_app, "officer"))
    away = next(i for i in city_items if i["subject"] not in subjects)
    headers = _token(county_app, "taishan")
    mine = {i["key"] for i in _items(client, "/api/v1/integrity?status=all", headers)}
    assert mine and away["key"] not in mine
    mark = {"key": away["key"], "checked": True, "note": "越权核查"}
    assert client.post("/api/v1/integrity/marks", json=mark, headers=headers).status_code == 404
