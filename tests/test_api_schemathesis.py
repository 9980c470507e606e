"""Schemathesis against the served OpenAPI document: no input, however odd, is a server error.

Each operation of ``/api/v1/openapi.json`` gets generated requests, valid and invalid (a bounded
number of examples), sent through the WSGI app with a valid token so they reach the handlers; the
check is schemathesis' ``not_a_server_error``. Starting a matcher run (``POST /recommendations``)
is left out: every example would start a real run of several seconds; ``tests/test_api.py`` runs
one. (Schemathesis' lazy pytest fixture integration does not run under pytest 9, so its Python
API is used with Hypothesis directly.)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from tests.test_api import token_for
from tests.webapp_fixtures import _copy_store

pytestmark = pytest.mark.slow  # generated requests against every operation

EXCLUDED = {("POST", "/api/v1/recommendations")}


def _operations() -> list[tuple[str, str]]:
    """Every operation of the OpenAPI document, read from a throwaway app."""
    from webapp import create_app

    instance = Path(tempfile.mkdtemp(prefix="baotuan-openapi-"))
    app = create_app(
        {"TESTING": True, "INSTANCE": str(instance), "STORE": str(instance / "empty.sqlite")}
    )
    spec = app.test_client().get("/api/v1/openapi.json").get_json()
    app.extensions["baotuan_store"].close()
    return sorted(
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
        and (method.upper(), path) not in EXCLUDED
    )


OPERATIONS = _operations()


@pytest.fixture(scope="module")
def api_app(tmp_path_factory, seeded_store_file):
    """One site on a copy of the sample city for all operations of this module."""
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    folder = tmp_path_factory.mktemp("schemathesis")
    store = _copy_store(seeded_store_file, folder / "baotuan.sqlite")
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(folder / "instance"),
            "STORE": str(store),
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "schemathesis",
        }
    )
    ensure_demo_accounts(app)
    yield app
    app.extensions["baotuan_store"].close()


@pytest.fixture(scope="module")
def api_schema(api_app):
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)


def run_operation(api_schema, method: str, path: str, token: str, examples: int) -> None:
    operation = api_schema[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    headers = {"Authorization": f"Bearer {token}"}

    @given(case=cases)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=[not_a_server_error])

    check()


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_errors_for_an_administrator(api_app, api_schema, method, path):
    run_operation(api_schema, method, path, token_for(api_app, "admin"), examples=20)


@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_server_errors_for_an_organization(api_app, api_schema, method, path):
    run_operation(api_schema, method, path, token_for(api_app, "org"), examples=8)


def test_every_operation_is_exercised():
    documented = {(m, p) for m, p in OPERATIONS} | EXCLUDED
    assert ("POST", "/api/v1/reviews") in documented and len(OPERATIONS) >= 20
