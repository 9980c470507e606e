"""Matcher runs on the Redis queue (webapp/jobs/): a real Redis, real ``baotuan worker`` processes.

The site enqueues, a worker process executes, the pages follow the run's progress from the site
database and an officer can cancel a run whether it still waits on the queue or is running.
Without Redis configured the same job body runs in a thread of the site (the last tests).
"""

from __future__ import annotations

import os
import time

import pytest

from tests.support.queue_worker import REDIS_SKIP_REASON, JobWorker, fresh_redis_url
from tests.webapp_fixtures import _copy_store, login


@pytest.fixture
def redis_url():
    base = os.environ.get("BAOTUAN_TEST_REDIS_URL")
    if not base:
        pytest.skip(REDIS_SKIP_REASON)
    url = fresh_redis_url(base)
    yield url
    from redis import Redis

    Redis.from_url(url).flushdb()


def _site(tmp_path, seeded_store_file, redis_url: str | None, name: str = "site"):
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts
    from webapp.settings import Settings

    store = tmp_path / "baotuan.sqlite"
    if not store.exists():
        _copy_store(seeded_store_file, store)
    settings = Settings.from_env(
        {}, instance=tmp_path / name, store=str(store), redis_url=redis_url, secret_key="test"
    )
    app = create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": False})
    ensure_demo_accounts(app)
    return app


@pytest.fixture
def queued_app(tmp_path, seeded_store_file, redis_url):
    app = _site(tmp_path, seeded_store_file, redis_url)
    yield app
    app.extensions["baotuan_store"].close()


def _worker(app, redis_url: str, burst: bool = False) -> JobWorker:
    return JobWorker(app.instance_path, app.config["STORE"], redis_url, burst=burst)


def _start(client, max_group: int = 3) -> str:
    response = client.post("/officer/matching/runs", data={"max_group": str(max_group)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def _status(client, url: str) -> dict:
    return client.get(url + "/status").get_json()


def _wait_while(client, url: str, still, timeout: float = 300) -> tuple[dict, list[dict]]:
    """Poll the run's status while ``still(status)``; returns the last one and all seen."""
    seen = [_status(client, url)]
    deadline = time.monotonic() + timeout
    while still(seen[-1]) and time.monotonic() < deadline:
        time.sleep(0.2)
        seen.append(_status(client, url))
    return seen[-1], seen


def _job(app, run_id: int):
    from rq.job import Job

    from webapp.jobs import redis_connection
    from webapp.services.runs import QUEUED_OWNER, get_run

    with app.app_context():
        owner = get_run(run_id, with_result=False).owner or ""
    assert owner.startswith(QUEUED_OWNER), owner
    return Job.fetch(
        owner[len(QUEUED_OWNER) :], connection=redis_connection(app.config["REDIS_URL"])
    )


def _run_id(url: str) -> int:
    return int(url.rstrip("/").rsplit("/", 1)[1])


def test_a_run_waits_on_the_queue_and_a_worker_process_executes_it(queued_app, redis_url):
    client = login(queued_app.test_client(), "officer")
    url = _start(client)
    # No worker yet: the run waits, queued, and stays "running" on every page (not interrupted).
    time.sleep(1)
    status = _status(client, url)
    assert (status["status"], status["stage"]) == ("running", "queued")
    assert _job(queued_app, _run_id(url)).get_status() == "queued"

    worker = _worker(queued_app, redis_url)
    try:
        status, seen = _wait_while(client, url, lambda s: s["status"] == "running")
    finally:
        worker.stop()
    assert status["status"] == "done", (status, worker.output())
    assert status["percent"] == 100
    # The progress bar moved while the worker ran: stages past "queued", a partial percentage.
    stages = {s["stage"] for s in seen if s["status"] == "running"}
    assert stages - {"queued"}, seen
    html = client.get(url).get_data(as_text=True)
    assert 'id="recommendations"' in html
    assert _job(queued_app, _run_id(url)).return_value() == "done"


def test_an_officer_cancels_a_run_still_on_the_queue(queued_app, redis_url):
    client = login(queued_app.test_client(), "officer")
    url = _start(client)
    page = client.get(url).get_data(as_text=True)
    assert "取消这次匹配" in page
    response = client.post(url + "/cancel")
    assert response.status_code == 302
    status = _status(client, url)
    assert status["status"] == "cancelled"
    assert "officer:officer" in status["error"]
    assert _job(queued_app, _run_id(url)).get_status() == "canceled"  # off the queue
    # A worker started now finds nothing to do, and the run stays cancelled with no result.
    worker = _worker(queued_app, redis_url, burst=True)
    assert worker.wait(120) == 0, worker.output()
    assert _status(client, url)["status"] == "cancelled"
    assert "已取消" in client.get(url).get_data(as_text=True)
    # A new run may start at once: a cancelled run does not hold the site.
    _start(client)


def test_an_officer_cancels_a_running_run_and_the_worker_stops_at_its_next_progress(
    queued_app, redis_url
):
    client = login(queued_app.test_client(), "officer")
    worker = _worker(queued_app, redis_url)
    try:
        url = _start(client)
        status, _seen = _wait_while(client, url, lambda s: s["stage"] in ("queued", "load"))
        assert status["status"] == "running", (status, worker.output())
        client.post(url + "/cancel")
        job = _job(queued_app, _run_id(url))
        deadline = time.monotonic() + 120
        while job.get_status() != "finished" and time.monotonic() < deadline:
            time.sleep(0.2)
        # The body stopped at a progress write instead of finishing the run.
        assert job.return_value() == "cancelled", worker.output()
        status = _status(client, url)
        assert status["status"] == "cancelled" and status["summary"] == {}
        # The same worker takes the next run.
        second = _start(client)
        status, _seen = _wait_while(client, second, lambda s: s["status"] == "running")
        assert status["status"] == "done", worker.output()
    finally:
        worker.stop()


@pytest.mark.slow
def test_a_run_whose_worker_dies_shows_as_interrupted(queued_app, redis_url):
    from webapp.jobs.queue import HEARTBEAT_TTL

    client = login(queued_app.test_client(), "officer")
    worker = _worker(queued_app, redis_url)
    url = _start(client)
    status, _seen = _wait_while(client, url, lambda s: s["stage"] in ("queued", "load"))
    assert status["status"] == "running"
    worker.kill()
    # Alive while its last heartbeat lasts, then interrupted on every page.
    status, _seen = _wait_while(
        client, url, lambda s: s["status"] == "running", timeout=HEARTBEAT_TTL + 30
    )
    assert status["status"] == "interrupted"


def test_sign_in_throttling_counts_across_sites_sharing_a_redis(
    tmp_path, seeded_store_file, redis_url
):
    """Two sites with instance folders of their own: the counts are in Redis, not a file."""
    first = _site(tmp_path, seeded_store_file, redis_url, "first")
    second = _site(tmp_path, seeded_store_file, redis_url, "second")
    try:
        assert first.config["RATELIMIT_STORAGE_URI"] == redis_url
        wrong = {"username": "officer", "password": "Wrong-password-1"}
        for _ in range(5):
            assert first.test_client().post("/login", data=wrong).status_code == 401
        for _ in range(5):
            assert second.test_client().post("/login", data=wrong).status_code == 401
        assert second.test_client().post("/login", data=wrong).status_code == 429
        assert first.test_client().post("/login", data=wrong).status_code == 429
        assert not (tmp_path / "first" / "throttle.sqlite").exists()
    finally:
        first.extensions["baotuan_store"].close()
        second.extensions["baotuan_store"].close()


def test_sign_in_keeps_working_and_throttled_while_redis_is_down(tmp_path, seeded_store_file):
    """A served site whose Redis does not answer counts sign-ins in its own memory meanwhile."""
    import requests

    from tests.support.http_forms import sign_in
    from tests.support.serving import SiteServer
    from webapp.demo_setup import DEMO_PASSWORD

    app = _site(tmp_path, seeded_store_file, None)  # the accounts, in the site's own database
    app.extensions["baotuan_store"].close()
    nowhere = {"BAOTUAN_REDIS_URL": "redis://127.0.0.1:1/0", "BAOTUAN_SECRET_KEY": "test"}
    server = SiteServer(tmp_path / "site", app.config["STORE"], threads=2, env=nowhere)
    try:
        with requests.Session() as http:
            assert sign_in(http, server.url, "officer", DEMO_PASSWORD).status_code == 302
            wrong = [sign_in(http, server.url, "officer", "Wrong-1").status_code for _ in range(11)]
        # ten failed sign-ins a minute (webapp/accounts/throttle.py)
        assert wrong == [401] * 10 + [429]
    finally:
        server.stop()


# -- without a queue: the same body in a thread of the site ---------------------------------------
def test_without_redis_a_run_is_a_thread_of_the_site_and_can_be_cancelled(
    tmp_path, seeded_store_file
):
    app = _site(tmp_path, seeded_store_file, None)
    try:
        assert app.config["REDIS_URL"] is None
        client = login(app.test_client(), "officer")
        url = _start(client)
        status = _status(client, url)
        assert status["status"] == "running"
        client.post(url + "/cancel")
        from webapp.services import runs

        with app.app_context():
            thread = runs._threads[runs._key(_run_id(url))]
        thread.join(120)
        assert not thread.is_alive()
        status = _status(client, url)
        assert status["status"] == "cancelled" and status["summary"] == {}
        # ... and a run left alone finishes in the thread, as before the queue existed.
        url = _start(client)
        status, _seen = _wait_while(client, url, lambda s: s["status"] == "running")
        assert status["status"] == "done"
    finally:
        app.extensions["baotuan_store"].close()
