"""``baotuan serve --workers 2``: several gunicorn processes behave as one site.

Each worker keeps its own cached view of the store; these tests check through real HTTP, one new
connection per request so that both workers answer, that what one worker wrote is what every
worker shows next, and that login throttling counts a client once across workers.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.officer_helpers import (  # noqa: F401  (fixtures, by their names)
    add_finished_run,
    matcher_result_fixture,
    recommended_village,
)
from tests.webapp_fixtures import ROOT, _copy_store
from webapp.demo_setup import DEMO_PASSWORD

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
_PASSWORD = {"password": DEMO_PASSWORD}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_workers(tmp_path, seeded_store_file, matcher_result):
    """The sample city with the demo accounts and a finished run, served by two workers."""
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    store = _copy_store(seeded_store_file, tmp_path / "baotuan.sqlite")
    instance = tmp_path / "instance"
    app = create_app({"INSTANCE": str(instance), "STORE": str(store)})
    ensure_demo_accounts(app)
    run_id = add_finished_run(app, matcher_result)
    app.extensions["baotuan_store"].close()
    port = _free_port()
    command = ["serve", "--instance", str(instance), "--port", str(port), "--workers", "2"]
    server = subprocess.Popen(
        [sys.executable, "-c", f"from webapp.cli import main; main({command!r})"],
        env={**os.environ, "BAOTUAN_STORE": str(store)},
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/login", timeout=5).status_code == 200:
                break
        except requests.ConnectionError:
            assert server.poll() is None, "baotuan serve --workers 2 exited"
            assert time.monotonic() < deadline, "baotuan serve --workers 2 did not answer"
            time.sleep(0.2)
    yield url, run_id
    server.terminate()
    server.wait(20)


def _browser() -> requests.Session:
    # A new connection for each request: gunicorn hands it to whichever worker accepts it first.
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


def _get(browser: requests.Session, url: str) -> str:
    response = browser.get(url, timeout=30)
    assert response.status_code == 200, url
    return response.text


def _post(browser: requests.Session, url: str, form: dict, token_from: str) -> requests.Response:
    form = {**form, "csrf_token": CSRF.search(_get(browser, token_from)).group(1)}
    return browser.post(url, data=form, allow_redirects=False, timeout=30)


def test_an_approval_in_one_worker_shows_at_once_in_every_worker(two_workers, matcher_result):
    url, run_id = two_workers
    officer = _browser()
    signed_in = _post(officer, f"{url}/login", {"username": "officer"} | _PASSWORD, f"{url}/login")
    assert signed_in.status_code == 302
    rec = recommended_village(matcher_result, 2)
    village, page = rec["village_id"], f"{url}/officer/villages/{rec['village_id']}"
    for _ in range(6):  # both workers cache the village page and the dashboard as they are now
        assert "该村尚无帮扶的抱团" in _get(officer, page)
        before = int(re.search(r"已帮扶 (\d+)", _get(officer, f"{url}/officer/")).group(1))
    review = f"{url}/officer/matching/runs/{run_id}/villages/{village}"
    assert _post(officer, f"{review}/accept", {}, review).status_code == 302
    for _ in range(6):
        html = _get(officer, page)
        assert "该村尚无帮扶的抱团" not in html and 'id="end-group-form"' in html
        for member in rec["organizations"]:
            assert f"/officer/organizations/{member['org_id']}" in html
        assert f"已帮扶 {before + 1}" in _get(officer, f"{url}/officer/")


def test_login_throttling_counts_a_client_once_across_workers(two_workers):
    url, _run = two_workers
    visitor = _browser()
    wrong = {"username": "officer", "password": "Wrong-password-1"}
    for _ in range(10):
        assert _post(visitor, f"{url}/login", wrong, f"{url}/login").status_code == 401
    response = _post(visitor, f"{url}/login", {"username": "officer"} | _PASSWORD, f"{url}/login")
    assert response.status_code == 429  # the eleventh attempt waits, whichever worker it reaches
    assert "登录尝试过多" in response.text
