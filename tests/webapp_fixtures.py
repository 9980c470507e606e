"""Fixtures for the site: an app on a copy of the sample world, signed-in clients, a live server
served by waitress, and Debian's Chromium driven by Playwright.

Use them from a test module with ``pytest_plugins`` is not allowed outside the root conftest, so
``tests/conftest.py`` imports this module's fixtures.
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import expect

from graph_schema.operations import import_path
from graph_schema.store import SqliteGraphStore
from tests.support.site_backends import (
    TEST_DATABASE_VAR,
    TEST_REDIS_VAR,
    fresh_schema,
    seeded_neo4j,
    site_store_kind,
)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
#: where the browser tests keep their screenshots (ignored by git); ``python -m
#: tests.support.refresh_screenshots`` copies them to docs/screenshots for the guides
SCREENSHOTS = ROOT / "tests" / "artifacts" / "screenshots"


@pytest.fixture(scope="session")
def seeded_store_file(tmp_path_factory, sample_dir) -> Path:
    """A SQLite store holding the sample city, imported once per test session."""
    path = tmp_path_factory.mktemp("seed") / "baotuan.sqlite"
    store = SqliteGraphStore(path)
    import_path(store, sample_dir, actor="test-setup")
    store.close()
    return path


def _copy_store(src: Path, dest: Path) -> Path:
    shutil.copy(src, dest)
    for suffix in ("-wal", "-shm"):
        if Path(str(src) + suffix).exists():
            shutil.copy(str(src) + suffix, str(dest) + suffix)
    return dest


def site_backends(request, tmp_path, seeded_store_file) -> dict:
    """``STORE`` (and ``DATABASE_URL``, ``REDIS_URL``) for an app under test.

    By default a private SQLite copy of the sample world and the instance's SQLite site
    database; the environment switches to Neo4j, PostgreSQL and Redis for the second CI pass
    (:mod:`tests.support.site_backends`). What it opens is closed when the test ends.
    """
    stack = ExitStack()
    request.addfinalizer(stack.close)
    if site_store_kind() == "neo4j":
        uri = request.getfixturevalue("neo4j_uri")
        config = {
            "STORE": stack.enter_context(seeded_neo4j(uri, request.getfixturevalue("sample_dir")))
        }
    else:
        config = {"STORE": str(_copy_store(seeded_store_file, tmp_path / "baotuan.sqlite"))}
    if os.environ.get(TEST_DATABASE_VAR):
        config["DATABASE_URL"] = stack.enter_context(fresh_schema(os.environ[TEST_DATABASE_VAR]))
    if os.environ.get(TEST_REDIS_VAR):
        from tests.support.queue_worker import fresh_redis_url

        config["REDIS_URL"] = fresh_redis_url(os.environ[TEST_REDIS_VAR])
    return config


@pytest.fixture
def app(request, tmp_path, seeded_store_file):
    """The site on a private copy of the sample world, with the demo accounts; CSRF off."""
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    application = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(tmp_path / "instance"),
            **site_backends(request, tmp_path, seeded_store_file),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test",
        }
    )
    ensure_demo_accounts(application)
    yield application
    application.extensions["baotuan_store"].close()


@pytest.fixture
def run_worker(app):
    """A ``baotuan worker`` for ``app`` when it has a Redis queue (the second CI pass), so the
    matcher runs a test starts are executed; without Redis they run in the site and this is
    ``None``."""
    settings = app.extensions["baotuan_settings"]
    if not app.config.get("REDIS_URL"):
        yield None
        return
    from tests.support.queue_worker import JobWorker

    worker = JobWorker(
        settings.instance,
        settings.store,
        app.config["REDIS_URL"],
        env={
            "BAOTUAN_DATABASE_URL": settings.database_url,
            "BAOTUAN_SECRET_KEY": settings.ensure_secret_key(),
        },
    )
    yield worker
    worker.stop()


@pytest.fixture
def client(app):
    return app.test_client()


def login(client, username: str, password: str | None = None):
    """Sign ``client`` in as a demo account (all share the demo password)."""
    from webapp.demo_setup import DEMO_PASSWORD

    response = client.post(
        "/login", data={"username": username, "password": password or DEMO_PASSWORD}
    )
    assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
    return client


@pytest.fixture
def officer_client(client):
    return login(client, "officer")


class LiveServer:
    """The app served by waitress on a free loopback port, in a background thread."""

    def __init__(self, application):
        from waitress.server import create_server

        self.app = application
        self._server = create_server(application, host="127.0.0.1", port=0, threads=8)
        self.port = self._server.effective_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        # close the sockets from the serving thread itself (woken by waitress's trigger): closed
        # from here, under the thread's select(), they made it raise "Bad file descriptor"
        from waitress import wasyncore

        server = self._server
        server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
        self._thread.join(timeout=10)
        if self._thread.is_alive():  # the loop did not wake: close from here after all
            server.close()
        else:
            server.task_dispatcher.shutdown()


@pytest.fixture
def live_app(request, tmp_path, seeded_store_file):
    """A site with CSRF and everything else as in production, for a live server."""
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    application = create_app(
        {
            "INSTANCE": str(tmp_path / "instance"),
            "SECRET_KEY": "live",
            **site_backends(request, tmp_path, seeded_store_file),
        }
    )
    ensure_demo_accounts(application)
    yield application
    application.extensions["baotuan_store"].close()


@pytest.fixture
def live_server(live_app):
    server = LiveServer(live_app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by Playwright (never a downloaded browser)."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (bash .ci/setup does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    pg = context.new_page()
    yield pg
    context.close()


def screenshot(page, name: str) -> Path:
    """Keep a full-page screenshot as ``tests/artifacts/screenshots/<name>.png``.

    ``python -m tests.support.refresh_screenshots`` copies them to docs/screenshots (the guides).
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_-]', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_login(
    page, base_url: str, username: str, password: str | None = None, *, refused: bool = False
) -> None:
    from webapp.demo_setup import DEMO_PASSWORD

    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password or DEMO_PASSWORD)
    page.click("#login-submit")
    # Wait for the answer page, not the form just submitted: signed in means the site moved away
    # from the sign-in page, refused means it came back with a message. A loaded machine may take
    # longer than expect's default five seconds to hash the password.
    if refused:
        expect(page.locator(".flash")).to_be_visible(timeout=30_000)
    else:
        expect(page).not_to_have_url(re.compile(r"/login(\?|$)"), timeout=30_000)
    page.wait_for_load_state("networkidle")
