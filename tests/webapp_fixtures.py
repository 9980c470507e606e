"""Fixtures for the site: an app on a copy of the sample world, signed-in clients, a live server
served by waitress, and Debian's Chromium driven by Playwright.

Use them from a test module with ``pytest_plugins`` is not allowed outside the root conftest, so
``tests/conftest.py`` imports this module's fixtures.
"""

from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path

import pytest

from graph_schema.operations import import_path
from graph_schema.store import SqliteGraphStore

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
SCREENSHOTS = ROOT / "docs" / "screenshots"


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


@pytest.fixture
def app(tmp_path, seeded_store_file):
    """The site on a private copy of the sample world, with the demo accounts; CSRF off."""
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    store_path = _copy_store(seeded_store_file, tmp_path / "baotuan.sqlite")
    application = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(tmp_path / "instance"),
            "STORE": str(store_path),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test",
        }
    )
    ensure_demo_accounts(application)
    yield application
    application.extensions["baotuan_store"].close()


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
        self._server.close()


@pytest.fixture
def live_app(tmp_path, seeded_store_file):
    """A site with CSRF and everything else as in production, for a live server."""
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    store_path = _copy_store(seeded_store_file, tmp_path / "baotuan.sqlite")
    application = create_app(
        {"INSTANCE": str(tmp_path / "instance"), "STORE": str(store_path), "SECRET_KEY": "live"}
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
    """Keep a full-page screenshot as ``docs/screenshots/<name>.png`` (the guides show them)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_-]', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def browser_login(page, base_url: str, username: str, password: str | None = None) -> None:
    from webapp.demo_setup import DEMO_PASSWORD

    page.goto(f"{base_url}/login")
    page.fill("#username", username)
    page.fill("#password", password or DEMO_PASSWORD)
    page.click("#login-submit")
    page.wait_for_load_state("networkidle")
