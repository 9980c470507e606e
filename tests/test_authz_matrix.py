"""Authorization matrix (issue 7, item 1): every route of the application × every role and anonymous.

Routes come from ``app.url_map``, so a new route cannot slip through: a route without a row in
:data:`ACCESS` fails :func:`test_every_route_has_a_row`, and a row whose route is gone fails too.
How to add a row: docs/security.md ("The authorization matrix").

Expected outcomes
-----------------
- a role the row allows: neither 401 nor 403, no redirect to the sign-in page, no server error
  (a public route: anything but 403 and a server error; its form may refuse what is sent);
- a signed-in role the row does not allow: 403;
- anonymous: a redirect to the sign-in page for a page, 401 for ``/api/``;
- ``own``: the row's URL parameter names an organization's own record; an organization account
  gets its own ids (allowed) and then another organization's (``other``: 403, or 404 where the
  route hides that the record exists).

URL parameters are filled with real ids of the sample world: a village with a partnership, the
organization of the ``org`` demo account (and another one), its project and volunteer.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pytest

from tests.webapp_fixtures import _copy_store

PUBLIC = "public"
SIGNED_IN = "signed-in"
ROLES = ("officer", "organization", "reviewer", "admin")
USERNAMES = {"officer": "officer", "organization": "org", "reviewer": "reviewer", "admin": "admin"}
ALL = ROLES
STAFF = ("officer", "reviewer", "admin")
OFFICE = ("officer", "admin")
ORG_OFFICE = ("organization", "officer", "admin")
ADMIN = ("admin",)
ORG = ("organization",)
REVIEW = ("reviewer", "admin")


@dataclass(frozen=True)
class Rule:
    """Who may use one method of a route.

    ``who`` is :data:`PUBLIC`, :data:`SIGNED_IN` or the roles allowed. ``own`` names the URL
    parameter that identifies an organization's own record (see the module docstring), ``other``
    what an organization gets for another's. ``status`` is the one status everyone gets (a route
    that answers the same to all). ``form``/``json`` is the body sent: never anything that would
    do costly work (a matcher run is refused by its ``max_group``).
    """

    who: str | tuple[str, ...]
    own: str | None = None
    other: int = 403
    status: int | None = None
    form: dict[str, Any] | None = None
    json: dict[str, Any] | None = None

    def allows(self, role: str | None) -> bool:
        if self.who == PUBLIC:
            return True
        if role is None:
            return False
        return self.who == SIGNED_IN or role in self.who


def _every(rule: Rule, *methods: str) -> dict[str, Rule]:
    return dict.fromkeys(methods, rule)


#: endpoint → method → rule. Keep it sorted by endpoint; one row per endpoint.
ACCESS: dict[str, dict[str, Rule]] = {
    "accounts.change_password": _every(Rule(SIGNED_IN), "GET", "POST"),
    "accounts.index": _every(Rule(PUBLIC), "GET"),
    "accounts.login": _every(Rule(PUBLIC), "GET", "POST"),
    "accounts.logout": _every(Rule(SIGNED_IN), "POST"),
    "accounts.revoke_own_token": _every(Rule(SIGNED_IN), "POST"),
    "accounts.set_language": _every(Rule(PUBLIC), "GET"),
    "letter_check.check_letter": _every(Rule(PUBLIC), "GET"),  # a village checks a letter
    "accounts.welcome": _every(Rule(SIGNED_IN), "GET"),
    "admin.audit": _every(Rule(ADMIN), "GET"),
    "admin.audit_export": _every(Rule(ADMIN), "GET"),
    "admin.create_account": _every(Rule(ADMIN), "POST"),
    "admin.export_xlsx": _every(Rule(ADMIN), "GET"),
    "admin.data_template": _every(Rule(ADMIN), "GET"),
    "admin.home": _every(Rule(ADMIN), "GET"),
    "admin.imports": _every(Rule(ADMIN), "GET"),
    "admin.import_upload": _every(Rule(ADMIN), "GET"),  # an unknown token: 404 to the admin
    "admin.confirm_import": _every(Rule(ADMIN), "POST"),
    "admin.cancel_import": _every(Rule(ADMIN), "POST"),
    "admin.reset_password": _every(Rule(ADMIN), "POST"),
    "admin.revoke_account_tokens": _every(Rule(ADMIN), "POST"),
    "admin.set_account_county": _every(Rule(ADMIN), "POST"),
    "admin.set_account_status": _every(Rule(ADMIN), "POST"),
    "admin.static": _every(Rule(ADMIN), "GET"),
    "admin.upload_import": _every(Rule(ADMIN), "POST"),
    "api-docs.openapi_json": _every(Rule(PUBLIC), "GET"),
    "api.Capabilities": _every(Rule(ALL), "GET"),
    "api.Integrity": _every(Rule(STAFF), "GET"),
    "api.IntegrityMarks": _every(Rule(STAFF, json={}), "POST"),
    "api.Me": _every(Rule(ALL), "GET"),
    "api.Needs": _every(Rule(ALL), "GET"),
    "api.OrganizationById": {
        "GET": Rule(ALL, own="org_id"),
        "PATCH": Rule(ORG_OFFICE, own="org_id", json={}),
    },
    "api.Organizations": _every(Rule(ALL), "GET"),
    "api.Partnerships": {"GET": Rule(ALL), "POST": Rule(OFFICE, json={})},
    "api.ProjectById": _every(Rule(ALL, own="project_id", other=404), "GET"),
    "api.Projects": _every(Rule(ALL), "GET"),
    "api.RecommendationRun": _every(Rule(OFFICE), "GET"),
    "api.RecommendationRunCancel": _every(Rule(OFFICE), "POST"),
    "api.Recommendations": {"GET": Rule(OFFICE), "POST": Rule(OFFICE, json={"max_group": 99})},
    "api.Reviews": {"GET": Rule(ALL), "POST": Rule(REVIEW, json={})},
    "api.VillageById": _every(Rule(ALL), "GET"),
    "api.Villages": _every(Rule(ALL), "GET"),
    "api.VolunteerById": {
        "GET": Rule(ALL, own="volunteer_id", other=404),
        "DELETE": Rule(ORG_OFFICE, own="volunteer_id", other=404),
    },
    "api.Volunteers": {"GET": Rule(ALL), "POST": Rule(ORG_OFFICE, json={})},
    # unknown API paths: 404 (405 for a known path and another method) to everyone
    "api_fallback.unknown": _every(
        Rule(PUBLIC, status=404), "GET", "POST", "PUT", "PATCH", "DELETE"
    ),
    "api_pages.docs": _every(Rule(PUBLIC), "GET"),
    "api_pages.token": _every(Rule(SIGNED_IN), "GET", "POST"),
    "officer.accept": _every(Rule(OFFICE), "POST"),
    "officer.accept_many": _every(Rule(OFFICE), "POST"),
    "officer.cancel_run": _every(Rule(OFFICE), "POST"),
    "officer.change": _every(Rule(OFFICE), "POST"),
    "officer.check": _every(Rule(OFFICE), "POST"),
    "officer.dashboard": _every(Rule(OFFICE), "GET"),
    "officer.docking_list": _every(Rule(OFFICE), "GET"),
    "officer.end_group": _every(Rule(OFFICE), "POST"),
    "officer.letter": _every(Rule(OFFICE), "GET"),
    "officer.letter_pdf": _every(Rule(OFFICE), "GET"),
    "officer.matching": _every(Rule(OFFICE), "GET"),
    "officer.organization": _every(Rule(OFFICE), "GET"),
    "officer.organizations": _every(Rule(OFFICE), "GET"),
    "officer.partnerships": _every(Rule(OFFICE), "GET"),
    "officer.recommendation": _every(Rule(OFFICE), "GET"),
    "officer.reject": _every(Rule(OFFICE), "POST"),
    "officer.run_page": _every(Rule(OFFICE), "GET"),
    "officer.run_status": _every(Rule(OFFICE), "GET"),
    "officer.start": _every(Rule(OFFICE, form={"max_group": "99"}), "POST"),
    "officer.village": _every(Rule(OFFICE), "GET"),
    "officer.village_ledger_page": _every(Rule(OFFICE), "GET"),
    "officer.county_ledger": _every(Rule(OFFICE), "GET"),
    "officer.overdue_arrivals": _every(Rule(OFFICE), "GET"),
    "officer.overdue_arrivals_xlsx": _every(Rule(OFFICE), "GET"),
    "officer.village_arrival": _every(Rule(OFFICE, form={"action": "confirm"}), "POST"),
    "officer.villages": _every(Rule(OFFICE), "GET"),
    "organization.approve": _every(Rule(OFFICE), "POST"),
    "organization.home": _every(Rule(ORG), "GET"),
    "organization.pending": _every(Rule(OFFICE), "GET"),
    "organization.profile_update": _every(Rule(ORG), "POST"),
    "organization.record": _every(Rule(ALL, own="org_id"), "GET"),
    "organization.register": _every(Rule(PUBLIC), "GET", "POST"),
    "organization.reject": _every(Rule(OFFICE), "POST"),
    "organization.villages": _every(Rule(ORG), "GET"),
    "organization.volunteer_add": _every(Rule(ORG), "POST"),
    "organization.volunteer_delete": _every(Rule(ORG, own="volunteer_id", other=404), "POST"),
    "organization.volunteer_hours_certificate": _every(
        Rule(ORG, own="volunteer_id", other=404), "GET"
    ),
    "organization.volunteer_upload": _every(Rule(ORG), "POST"),
    "organization.volunteer_template": _every(Rule(ORG), "GET"),
    "organization.volunteers": _every(Rule(ORG), "GET"),
    "organization.activities": _every(Rule(ORG), "GET"),
    "organization.activity_add": _every(Rule(ORG), "POST"),
    "organization.activity_template": _every(Rule(ORG), "GET"),
    "organization.activity_upload": _every(Rule(ORG), "POST"),
    "organization.village_arrival": _every(Rule(ORG, form={"arrived_on": "2026-13-01"}), "POST"),
    "review.home": _every(Rule(REVIEW), "GET"),
    "review.integrity": _every(Rule(STAFF), "GET"),
    "review.integrity_mark": _every(Rule(STAFF), "POST"),
    "review.score": _every(Rule(REVIEW), "GET", "POST"),
    "roadshow.add_entries": _every(Rule(OFFICE), "POST"),
    "roadshow.add_reviewer": _every(Rule(OFFICE), "POST"),
    "roadshow.create_event": _every(Rule(OFFICE), "POST"),
    "roadshow.declare_recusal": _every(Rule(OFFICE), "POST"),
    "roadshow.event": _every(Rule(OFFICE), "GET"),
    "roadshow.events": _every(Rule(OFFICE), "GET"),
    "roadshow.export_pdf": _every(Rule(OFFICE), "GET"),
    "roadshow.export_xlsx": _every(Rule(OFFICE), "GET"),
    "roadshow.finish_event": _every(Rule(OFFICE), "POST"),
    "roadshow.my_events": _every(Rule(REVIEW), "GET"),
    "roadshow.print_ranking": _every(Rule(OFFICE), "GET"),
    "roadshow.remove_entry": _every(Rule(OFFICE), "POST"),
    "roadshow.remove_reviewer": _every(Rule(OFFICE), "POST"),
    "roadshow.review_event": _every(Rule(REVIEW), "GET"),
    "roadshow.score_entry": _every(Rule(REVIEW), "GET", "POST"),
    "static": _every(Rule(PUBLIC), "GET"),
}

#: URL parameters that are no record of the world
FIXED = {
    "code": "zh",
    "county": "泰山区",
    "event_id": 999_999,  # no such roadshow event: every allowed role gets 404
    "fmt": "csv",
    "rest": "no-such-resource",
    "run_id": 1,
    "reg_id": 1,
    "token": "no-such-import",  # an import preview's token: unknown, so nothing is confirmed
    "token_id": 999_999,  # no such token: revoking it must not end a token the matrix uses
    # an account of its own: a password reset ends that account's sessions, so it must not be one
    # the matrix signs in with
    "username": "matrix-target",
}
STATIC_FILES = {"static": "style.css", "admin.static": "admin.css"}
#: the scope dimension's account: an officer of one county (webapp/scope.py)
COUNTY_ROLE, COUNTY_OFFICER, COUNTY_PASSWORD = "county-officer", "matrix-county", "County-2027-x"


@dataclass
class World:
    """Real ids: ``own`` those of the organization account, ``other`` another organization's."""

    own: dict[str, str]
    other: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    #: the scope dimension: ids in the county officer's own county and in another one
    county: str = ""
    in_county: dict[str, str] = field(default_factory=dict)
    out_county: dict[str, str] = field(default_factory=dict)


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


@pytest.fixture(scope="module")
def matrix_app(tmp_path_factory, seeded_store_file):
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    tmp = tmp_path_factory.mktemp("authz")
    store = _copy_store(seeded_store_file, tmp / "baotuan.sqlite")
    application = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(tmp / "instance"),
            "STORE": str(store),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "matrix",
        }
    )
    ensure_demo_accounts(application)
    with application.app_context():
        from webapp.accounts.operations import create_user

        create_user("matrix-target", "Second-reviewer-2020", "reviewer", actor="test-setup")
    yield application
    application.extensions["baotuan_store"].close()


def _pick(frame: pd.DataFrame, column: str, value: str, wanted: str) -> str:
    return str(frame.loc[frame[column] == value, wanted].iloc[0])


@pytest.fixture(scope="module")
def world(matrix_app) -> World:
    from webapp.accounts.models import User, find_by_username
    from webapp.accounts.operations import issue_api_token
    from webapp.demo_setup import DEMO_PASSWORD

    store = matrix_app.extensions["baotuan_store"]
    with matrix_app.app_context():
        own_org = find_by_username("org")["org_id"]
        data = store.load_dataset()
        partners = data["partnerships"]
        other_org = str(partners.loc[partners["org_id"] != own_org, "org_id"].iloc[0])
        volunteers = pd.DataFrame(
            [
                {
                    "volunteer_id": f"AUTHZ-{org}",
                    "name": "测试志愿者",
                    "lat": 36.2,
                    "lon": 117.1,
                    "org_id": org,
                }
                for org in (own_org, other_org)
            ]
        )
        store.upsert_rows("volunteers", volunteers, actor="test-setup")
        projects = data["projects"]
        ids = {}
        for org in (own_org, other_org):
            ids[org] = {
                "org_id": org,
                "village_id": _pick(partners, "org_id", org, "village_id"),
                "project_id": _pick(projects, "lead_org_id", org, "project_id"),
                "volunteer_id": f"AUTHZ-{org}",
            }
        world = World(ids[own_org], ids[other_org])
        county_of = data["villages"].set_index("village_id")["county"]
        world.county = str(county_of[world.own["village_id"]])
        away = partners[partners["village_id"].map(county_of) != world.county].iloc[0]
        project_county = projects["village_id"].map(county_of)
        world.in_county = dict(
            world.own,
            county=world.county,
            project_id=str(projects.loc[project_county == world.county, "project_id"].iloc[0]),
        )
        away_county = str(county_of[away["village_id"]])
        world.out_county = dict(
            world.own,
            village_id=str(away["village_id"]),
            org_id=str(away["org_id"]),
            county=away_county,
            project_id=str(projects.loc[project_county == away_county, "project_id"].iloc[0]),
        )
        from webapp.accounts.operations import create_user

        create_user(COUNTY_OFFICER, COUNTY_PASSWORD, "officer", county=world.county)
        for role, username in (*USERNAMES.items(), (COUNTY_ROLE, COUNTY_OFFICER)):
            world.tokens[role] = issue_api_token(User.from_row(find_by_username(username)), "test")
    for role, username in (*USERNAMES.items(), (COUNTY_ROLE, COUNTY_OFFICER)):
        client = matrix_app.test_client()
        password = COUNTY_PASSWORD if role == COUNTY_ROLE else DEMO_PASSWORD
        response = client.post("/login", data={"username": username, "password": password})
        assert response.status_code == 302, f"cannot sign in as {username}"
        world.cookies[role] = client.get_cookie("session").value
    return world


# -- the checks --------------------------------------------------------------------------------
@dataclass
class Check:
    """One request and what it should get."""

    endpoint: str
    method: str
    url: str
    role: str | None
    rule: Rule
    expect: str  # allowed, denied, login, or a status code as text

    def __str__(self) -> str:
        return f"{self.method} {self.url} as {self.role or 'anonymous'}: expected {self.expect}"


def _url(rule, values: dict[str, Any]) -> str:
    built = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)
    assert built is not None, rule
    return built[1]


def _values(endpoint: str, rule, ids: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in rule.arguments:
        if name == "filename":
            values[name] = STATIC_FILES[endpoint]
        elif name in ids:
            values[name] = ids[name]
        else:
            values[name] = FIXED[name]
    return values


def checks(app, world: World) -> Iterator[Check]:
    """Every route × method × (anonymous and each role), with what each should get."""
    for url_rule in app.url_map.iter_rules():
        rows = ACCESS.get(url_rule.endpoint, {})
        for method in _methods(url_rule):
            rule = rows.get(method)
            if rule is None:
                continue
            url = _url(url_rule, _values(url_rule.endpoint, url_rule, world.own))
            for role in (None, *ROLES):
                if rule.status is not None:
                    expect = str(rule.status)
                elif rule.allows(role):
                    expect = "allowed"
                else:
                    expect = "login" if role is None else "denied"
                yield Check(url_rule.endpoint, method, url, role, rule, expect)
            if rule.own:
                ids = dict(world.own, **{rule.own: world.other[rule.own]})
                url = _url(url_rule, _values(url_rule.endpoint, url_rule, ids))
                yield Check(url_rule.endpoint, method, url, "organization", rule, str(rule.other))


#: writes that change what the other checks use (signing out ends the account's sessions)
LAST = ("api_pages.token", "accounts.logout")


def _order(check: Check) -> tuple:
    # Reads first, then the writes that must be refused, then those allowed to happen.
    writes = check.method != "GET"
    return (writes, writes and check.expect == "allowed", check.endpoint in LAST, check.url)


def _send(app, world: World, check: Check):
    client = app.test_client()
    headers = {}
    if check.url.startswith("/api/"):
        if check.role:
            headers["Authorization"] = f"Bearer {world.tokens[check.role]}"
    elif check.role:
        client.set_cookie("session", world.cookies[check.role])
    body: dict[str, Any] = {}
    if check.rule.json is not None:
        body["json"] = check.rule.json
    elif check.rule.form is not None:
        body["data"] = check.rule.form
    return client.open(check.url, method=check.method, headers=headers, **body)


def _fault(check: Check, response) -> str | None:
    status = response.status_code
    location = response.headers.get("Location", "")
    # Sign in first: the sign-in page with where to go next (signing out also lands there, plainly)
    to_login = status in (301, 302, 303) and "/login?next=" in location
    if status >= 500:
        return f"{check}; got {status} (server error)"
    if check.expect == "allowed" and check.rule.who == PUBLIC:
        ok = status != 403  # a public form may still refuse what was sent (a wrong password: 401)
    elif check.expect == "allowed":
        ok = status not in (401, 403) and not to_login
    elif check.expect == "denied":
        ok = status == 403
    elif check.expect == "login":
        ok = status == 401 if check.url.startswith("/api/") else to_login
    else:
        ok = status == int(check.expect) or (check.expect == "404" and status == 405)
    return None if ok else f"{check}; got {status} {location}".rstrip()


# -- tests -------------------------------------------------------------------------------------
def unlisted(app) -> tuple[list, list]:
    """``(endpoint, method)`` pairs with no row in ACCESS, and rows with no route."""
    routes = {(r.endpoint, m) for r in app.url_map.iter_rules() for m in _methods(r)}
    described = {(endpoint, m) for endpoint, rows in ACCESS.items() for m in rows}
    return sorted(routes - described), sorted(described - routes)


def test_every_route_has_a_row(matrix_app):
    """A route nobody described fails here: add its row to ACCESS (docs/security.md says how)."""
    missing, stale = unlisted(matrix_app)
    assert not missing, f"routes without a row in ACCESS (tests/test_authz_matrix.py): {missing}"
    assert not stale, f"rows in ACCESS for routes that no longer exist: {stale}"


def test_a_new_route_or_method_is_caught(app):
    app.add_url_rule("/officer/new-page", "officer.new_page", lambda: "new")
    app.add_url_rule("/welcome", "accounts.welcome", methods=["DELETE"])
    missing, _ = unlisted(app)
    assert missing == [("accounts.welcome", "DELETE"), ("officer.new_page", "GET")]


def test_a_wrong_answer_is_caught():
    class Answer:
        def __init__(self, status, location=""):
            self.status_code, self.headers = status, {"Location": location}

    leak = Check("admin.home", "GET", "/admin/", "officer", ACCESS["admin.home"]["GET"], "denied")
    assert _fault(leak, Answer(200))
    locked = Check("admin.home", "GET", "/admin/", "admin", ACCESS["admin.home"]["GET"], "allowed")
    assert _fault(locked, Answer(302, "/login?next=%2Fadmin%2F"))
    assert _fault(locked, Answer(500))
    api = Check("api.Me", "GET", "/api/v1/me", None, ACCESS["api.Me"]["GET"], "login")
    assert _fault(api, Answer(302, "/login?next=%2Fapi%2Fv1%2Fme"))
    assert _fault(api, Answer(401)) is None


def test_every_route_answers_every_role_as_the_matrix_says(matrix_app, world):
    faults = []
    done = 0
    for check in sorted(checks(matrix_app, world), key=_order):
        fault = _fault(check, _send(matrix_app, world, check))
        done += 1
        if fault:
            faults.append(fault)
    assert done > 5 * len(ACCESS), "too few requests: is the matrix being built?"
    assert not faults, f"{len(faults)} of {done} requests broke the matrix:\n" + "\n".join(faults)


def test_organization_ids_come_from_the_sample_world(world):
    assert world.own["org_id"] != world.other["org_id"]
    assert all(world.own.values()) and all(world.other.values())


# -- the scope dimension -----------------------------------------------------------------------
#: parameters that place a URL in a county (a project by its village)
PLACED = {"village_id", "county", "project_id"}


def scope_checks(app, world: World) -> Iterator[Check]:
    """Every officer route as a county officer: with ids of its own county (allowed), and, for
    a URL that names a village or a county, with another county's (403 or 404)."""
    for url_rule in app.url_map.iter_rules():
        rows = ACCESS.get(url_rule.endpoint, {})
        for method in _methods(url_rule):
            rule = rows.get(method)
            if rule is None or rule.status is not None or rule.who in (PUBLIC, SIGNED_IN):
                continue
            if not rule.allows("officer"):
                continue
            if url_rule.endpoint in LAST:
                continue
            own = _url(url_rule, _values(url_rule.endpoint, url_rule, world.in_county))
            yield Check(url_rule.endpoint, method, own, COUNTY_ROLE, rule, "allowed")
            if PLACED & set(url_rule.arguments):
                away = _url(url_rule, _values(url_rule.endpoint, url_rule, world.out_county))
                yield Check(url_rule.endpoint, method, away, COUNTY_ROLE, rule, "elsewhere")


def _scope_fault(check: Check, response) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"{check}; got {status} (server error)"
    if check.expect == "elsewhere":
        return None if status in (403, 404) else f"{check}; got {status}"
    location = response.headers.get("Location", "")
    if status in (401, 403) or "/login?next=" in location:
        return f"{check}; got {status} {location}".rstrip()
    return None


def test_a_county_officer_acts_in_its_county_and_nowhere_else(matrix_app, world):
    faults, done, elsewhere = [], 0, 0
    for check in sorted(scope_checks(matrix_app, world), key=_order):
        fault = _scope_fault(check, _send(matrix_app, world, check))
        done += 1
        elsewhere += check.expect == "elsewhere"
        if fault:
            faults.append(fault)
    assert elsewhere >= 8, "too few routes name a village or a county: is the scope built?"
    assert not faults, f"{len(faults)} of {done} requests broke the scope:\n" + "\n".join(faults)
    client = matrix_app.test_client()
    headers = {"Authorization": f"Bearer {world.tokens[COUNTY_ROLE]}"}
    other = world.out_county["county"]
    assert client.get(f"/api/v1/villages?county={other}", headers=headers).status_code == 403


def _api_lists(app) -> list[str]:
    """The API's list routes an officer may read (GET, no parameter in the path)."""
    out = []
    for url_rule in app.url_map.iter_rules():
        rule = ACCESS.get(url_rule.endpoint, {}).get("GET")
        if not url_rule.rule.startswith("/api/v1/") or url_rule.arguments or rule is None:
            continue
        if rule.status is None and rule.who not in (PUBLIC, SIGNED_IN) and rule.allows("officer"):
            out.append(url_rule.rule)
    return sorted(out)


def test_every_api_list_of_a_county_officer_is_its_county(matrix_app, world):
    """Every item of every API list that names a village (or a project) is in the county
    officer's county, and asking a list about another county's village is refused."""
    from webapp.scope import subjects_in_scope

    store = matrix_app.extensions["baotuan_store"]
    villages = store.query("villages")
    mine = set(villages.loc[villages["county"] == world.county, "village_id"])
    with matrix_app.test_request_context():
        from flask_login import login_user

        from webapp.accounts.models import User, find_by_username

        login_user(User.from_row(find_by_username(COUNTY_OFFICER)))
        subjects = subjects_in_scope() or set()  # the 疑点清单's records of the county
        projects = {s.split(":", 1)[1] for s in subjects if s[:9] == "projects:"}
    client = matrix_app.test_client()
    headers = {"Authorization": f"Bearer {world.tokens[COUNTY_ROLE]}"}
    lists = _api_lists(matrix_app)
    assert {"/api/v1/projects", "/api/v1/reviews", "/api/v1/partnerships"} <= set(lists)
    faults = []
    away = world.out_county
    asks = ("", f"&village_id={away['village_id']}", f"&project_id={away['project_id']}")
    for url, ask in ((url, ask) for url in lists for ask in asks):
        response = client.get(f"{url}?limit=500{ask}", headers=headers)
        if ask and response.status_code in (403, 404, 422):
            continue  # refused, or a parameter the list does not take
        if response.status_code == 404 and url == "/api/v1/recommendations":
            continue  # no finished run in this world (tests/test_scopes.py makes one)
        if response.status_code != 200:
            faults.append(f"GET {url}?{ask}: {response.status_code}")
            continue
        for item in response.get_json().get("items", ()):  # /me is no list
            if item.get("village_id") is not None and item["village_id"] not in mine:
                faults.append(f"GET {url}?{ask}: village {item['village_id']} of another county")
            if "project_id" in item and item["project_id"] not in projects:
                faults.append(f"GET {url}?{ask}: project {item['project_id']} of another county")
            if "subject" in item and item["subject"] not in subjects:
                faults.append(f"GET {url}?{ask}: 疑点 about {item['subject']} of another county")
    assert not faults, "\n".join(faults[:20])
