"""The site on several machines: two ``baotuan serve`` processes and one ``baotuan worker``.

Each server has an instance folder of its own (nothing shared on disk) and the same secret key;
the world is in Neo4j, the site's data in PostgreSQL, the job queue and the sign-in throttling
counts in Redis (docs/deploy.md). Through real HTTP, as two officers on two servers would:

- a matcher run started on server A is executed by the worker and reviewed on server B;
- the approval made on B is seen on A (the group on the village page, the decision on the run);
- sign-in throttling counts attempts on both servers together.

It skips, naming what is missing, unless the three test servers are configured:
``BAOTUAN_TEST_DATABASE_URL`` (``.ci/postgres``), ``BAOTUAN_TEST_REDIS_URL`` (``.ci/redis``) and
``BAOTUAN_TEST_NEO4J_URI`` (``.ci/neo4j-server``); CI starts all three.
"""

from __future__ import annotations

import html
import os
import re
import secrets
import time
from contextlib import ExitStack

import pytest

from tests.support.http_forms import csrf_token, sign_in
from tests.support.queue_worker import JobWorker, fresh_redis_url
from tests.support.serving import SiteServer
from tests.support.site_backends import fresh_schema, seeded_neo4j

pytestmark = [pytest.mark.slow, pytest.mark.neo4j, pytest.mark.timeout(900)]

NEEDED = {
    "BAOTUAN_TEST_DATABASE_URL": "PostgreSQL (bash .ci/postgres start; eval the env it prints)",
    "BAOTUAN_TEST_REDIS_URL": "Redis (bash .ci/redis start; eval the env it prints)",
    "BAOTUAN_TEST_NEO4J_URI": "Neo4j (bash .ci/neo4j-server start; eval the env it prints)",
}
OTHER_CLIENT = "198.51.100.20"  # the officer's address, as the proxy reports it
GUESSER = "203.0.113.9"  # someone guessing passwords, on both servers


def _sign_in(http, server: SiteServer, username: str, password: str, client: str):
    return sign_in(http, server.url, username, password, client)


def _group_section(page: str) -> str:
    start = page.index('id="group"')
    return page[start : page.index("</section>", start)]


def _group_members(page: str) -> list[str]:
    return re.findall(r'</a> <span class="muted small">([^<]+)</span></td>', _group_section(page))


@pytest.fixture(scope="module")
def machines(tmp_path_factory, sample_dir):
    """Servers A and B and a worker on PostgreSQL + Redis + Neo4j; the officer's session."""
    missing = [f"{name} ({what})" for name, what in NEEDED.items() if not os.environ.get(name)]
    if missing:
        pytest.skip("a site on several machines needs " + "; ".join(missing))
    import requests

    from webapp import create_app
    from webapp.demo_setup import DEMO_PASSWORD, ensure_demo_accounts
    from webapp.settings import Settings

    tmp_path = tmp_path_factory.mktemp("machines")
    with ExitStack() as stack:
        database_url = stack.enter_context(fresh_schema(os.environ["BAOTUAN_TEST_DATABASE_URL"]))
        store = stack.enter_context(seeded_neo4j(os.environ["BAOTUAN_TEST_NEO4J_URI"], sample_dir))
        redis_url = fresh_redis_url(os.environ["BAOTUAN_TEST_REDIS_URL"])
        env = {
            "BAOTUAN_DATABASE_URL": database_url,
            "BAOTUAN_REDIS_URL": redis_url,
            "BAOTUAN_SECRET_KEY": secrets.token_hex(32),
            "BAOTUAN_PROXY_COUNT": "1",  # the tests say which client they are (X-Forwarded-For)
        }
        # The demo accounts, written once to the shared site database (as an admin would).
        setup = create_app(
            Settings.from_env({**os.environ, **env}, instance=tmp_path / "setup", store=store),
            {"TESTING": True},
        )
        ensure_demo_accounts(setup)
        setup.extensions["baotuan_store"].close()

        servers = []
        for name in ("a", "b"):
            server = SiteServer(tmp_path / name, store, threads=4, env=env)
            stack.callback(server.stop)
            servers.append(server)
        worker = JobWorker(tmp_path / "worker", store, redis_url, env=env)
        stack.callback(worker.stop)

        officer = requests.Session()
        stack.callback(officer.close)
        response = _sign_in(officer, servers[0], "officer", DEMO_PASSWORD, OTHER_CLIENT)
        assert response.status_code == 302, response.text
        yield servers[0], servers[1], worker, officer, tmp_path


def test_a_run_started_on_one_server_is_executed_by_the_worker_and_approved_on_the_other(
    machines,
):
    a, b, worker, officer, tmp_path = machines
    headers = {"X-Forwarded-For": OTHER_CLIENT}
    # The session made on A is good on B: one secret key, one accounts table.
    assert officer.get(f"{b.url}/officer/matching", headers=headers).status_code == 200

    page = officer.get(f"{a.url}/officer/matching", headers=headers).text
    started = officer.post(
        f"{a.url}/officer/matching/runs",
        data={"max_group": "3", "csrf_token": csrf_token(page)},
        headers=headers,
        allow_redirects=False,
    )
    assert started.status_code == 302, started.text
    run_path = started.headers["Location"].split("://", 1)[-1]
    run_path = run_path[run_path.index("/officer/") :]

    # B follows the run the worker executes: the same progress, then the result.
    deadline = time.monotonic() + 600
    status = officer.get(f"{b.url}{run_path}/status", headers=headers).json()
    while status["status"] == "running" and time.monotonic() < deadline:
        time.sleep(0.5)
        status = officer.get(f"{b.url}{run_path}/status", headers=headers).json()
    assert status["status"] == "done", (status, worker.output())
    assert not (tmp_path / "a" / "site.sqlite").exists()  # nothing of the site on A's disk
    assert not (tmp_path / "a" / "throttle.sqlite").exists()

    run_page = officer.get(f"{b.url}{run_path}?status=pending", headers=headers).text
    pending = re.findall(r'name="village_id" value="([^"]+)"', run_page)
    assert pending, "the run recommends no group"

    # Reviewed and approved on B (the first pending recommendation the group rules accept) ...
    for village_id in pending[:10]:
        village_path = f"/officer/villages/{village_id}"
        assert _group_members(officer.get(f"{a.url}{village_path}", headers=headers).text) == []
        review = officer.get(f"{b.url}{run_path}/villages/{village_id}", headers=headers)
        assert review.status_code == 200
        accepted = officer.post(
            f"{b.url}{run_path}/villages/{village_id}/accept",
            data={"csrf_token": csrf_token(review.text)},
            headers=headers,
            allow_redirects=False,
        )
        if accepted.status_code == 302:
            break
        assert accepted.status_code == 422, html.unescape(accepted.text)[:2000]
    assert accepted.status_code == 302, "no recommendation of the run could be approved"
    members_on_b = _group_members(officer.get(f"{b.url}{village_path}", headers=headers).text)
    assert members_on_b

    # ... and seen on A: the group in force (Neo4j) and the decision on the run (PostgreSQL).
    assert _group_members(officer.get(f"{a.url}{village_path}", headers=headers).text) == (
        members_on_b
    )
    accepted_on_a = officer.get(f"{a.url}{run_path}?status=accepted", headers=headers).text
    assert f"/villages/{village_id}" in accepted_on_a


def test_sign_in_throttling_counts_across_both_servers(machines):
    import requests

    a, b, _worker, _officer, _tmp_path = machines
    guesser = requests.Session()
    wrong = ("officer", "Wrong-password-1")
    # Ten wrong passwords a minute is the limit: five on each server use it up.
    for server in (a, b) * 5:
        assert _sign_in(guesser, server, *wrong, GUESSER).status_code == 401
    assert _sign_in(guesser, a, *wrong, GUESSER).status_code == 429
    assert _sign_in(guesser, b, *wrong, GUESSER).status_code == 429
    # The officer, elsewhere, still signs in on either server.
    from webapp.demo_setup import DEMO_PASSWORD

    fresh = requests.Session()
    assert _sign_in(fresh, b, "officer", DEMO_PASSWORD, OTHER_CLIENT).status_code == 302
