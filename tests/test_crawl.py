"""A crawl with malformed, oversized and deeply nested values (issue 13, "What must show"):
every form of the site (Hypothesis) and every API operation (schemathesis, negative data), as
every role and as a county officer, with no server error.

The routes come from ``app.url_map`` and the sign-ins from the authorization matrix's fixtures
(``tests/test_authz_matrix.py``). Left out: starting a matcher run (each example would start a
real run) and signing out (it ends the sessions the crawl uses).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.test_api_schemathesis import OPERATIONS
from tests.test_authz_matrix import (  # noqa: F401  (fixtures)
    ACCESS,
    COUNTY_ROLE,
    PUBLIC,
    ROLES,
    _methods,
    _url,
    _values,
    matrix_app,
    world,
)

pytestmark = pytest.mark.slow

SKIPPED = {"officer.start", "accounts.logout", "static", "admin.static", "api_fallback.unknown"}
#: field names the site's forms use (a form ignores names it does not know)
FIELDS = (
    "username password password2 current label days county status reason q page service "
    "score comment org lead village_id max_group name kind lat lon phone contact_name "
    "hours_per_month volunteer_id note key display_name role org_id since"
).split()

VALUES = st.one_of(
    st.text(max_size=40),
    st.just("x" * 25_000),
    st.just("[" * 2000),
    st.sampled_from(["-1", "0", "1e309", "NaN", "9" * 40, "abc", "/x\nY", "\x00", "%0a", ""]),
)
FORMS = st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6)
QUERIES = st.dictionaries(
    st.sampled_from(["run_id", "page", "next", "county", "q"]), VALUES, max_size=3
)
BODIES = st.one_of(
    st.just("[" * 5000 + "]" * 5000),
    st.just('{"a":' * 200 + "1" + "}" * 200),
    st.just('{"name": "' + "名" * 30_000 + '"}'),
    st.just('{"max_villages": 1' + "0" * 400 + "}"),
    st.just("[1, 2, 3]"),
    st.just("not json"),
)


def _form_routes(app):
    for url_rule in app.url_map.iter_rules():
        if url_rule.endpoint in SKIPPED or url_rule.rule.startswith("/api/"):
            continue
        for method in _methods(url_rule):
            if method in ACCESS.get(url_rule.endpoint, {}):
                yield url_rule, method


@pytest.mark.parametrize("role", [None, *ROLES, COUNTY_ROLE])
def test_no_form_gives_a_server_error(matrix_app, world, role):  # noqa: F811
    faults: list[str] = []
    for url_rule, method in _form_routes(matrix_app):
        url = _url(url_rule, _values(url_rule.endpoint, url_rule, world.own))
        _crawl_form(matrix_app, world, role, url, method, faults)
    assert not faults, "\n".join(faults[:20])


def _crawl_form(app, site_world, role, url: str, method: str, faults: list[str]) -> None:
    if True:  # one Hypothesis test per route, built here so it binds this route

        @given(form=FORMS, query=QUERIES, body=BODIES)
        @settings(
            max_examples=4,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def send(form, query, body):
            client = app.test_client()
            if role:
                client.set_cookie("session", site_world.cookies[role])
            response = client.open(url, method=method, query_string=query, data=form)
            if response.status_code >= 500:
                faults.append(f"{method} {url} {query} {form!r:.200}: {response.status_code}")
            if method == "POST":  # the same route with a JSON body
                response = client.open(
                    url, method=method, data=body, content_type="application/json"
                )
                if response.status_code >= 500:
                    faults.append(f"{method} {url} JSON {body[:60]!r}: {response.status_code}")

        send()


@pytest.fixture(scope="module")
def crawl_schema(matrix_app):  # noqa: F811
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", matrix_app)


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_api_operation_gives_a_server_error_on_negative_data(
    matrix_app,  # noqa: F811
    world,  # noqa: F811
    crawl_schema,
    method,
    path,
):
    operation = crawl_schema[path][method]
    for role in ("admin", COUNTY_ROLE):
        headers = {"Authorization": f"Bearer {world.tokens[role]}"}
        _negative_cases(operation, headers)
        if method in ("POST", "PATCH", "PUT"):
            client = matrix_app.test_client()
            url = path.replace("{", "").replace("}", "")  # a path parameter by its own name
            for body in (
                "[" * 5000 + "]" * 5000,
                '{"x": "' + "y" * 30_000 + '"}',
                "[" * 20 + "1" * 500 + "]" * 20,
            ):
                response = client.open(
                    url, method=method, data=body, content_type="application/json", headers=headers
                )
                assert 400 <= response.status_code < 500, (method, url, body[:40])


def _negative_cases(operation, headers: dict[str, str]) -> None:
    @given(case=operation.as_strategy(GenerationMode.NEGATIVE))
    @settings(
        max_examples=10,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    check()
