"""Fixtures shared by the whole suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "sample-data" / "taian-city"
if not SAMPLE.exists():  # CI lays shared/ beside the clone
    SAMPLE = ROOT / ".." / "shared" / "sample-data" / "taian-city"


def pytest_collection_modifyitems(items) -> None:
    """A browser test is a slow test too, so ``-m "not slow"`` never starts Chromium."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The city-sized data folder made outside the project (read-only)."""
    assert SAMPLE.exists(), f"sample data not found at {SAMPLE}"
    return SAMPLE


@pytest.fixture
def sample_copy(tmp_path, sample_dir) -> Path:
    """A writable copy of the sample data folder."""
    dest = tmp_path / "taian-city"
    shutil.copytree(sample_dir, dest)
    return dest


@pytest.fixture
def sqlite_store(tmp_path):
    from graph_schema.store import SqliteGraphStore

    store = SqliteGraphStore(tmp_path / "baotuan.sqlite")
    yield store
    store.close()


from tests.store_fixtures import each_store, neo4j_store, neo4j_uri, pytest_runtest_setup  # noqa: E402,F401
from tests.webapp_fixtures import (  # noqa: E402,F401  (fixtures for the site's tests)
    app,
    chromium,
    client,
    live_app,
    live_server,
    officer_client,
    page,
    run_worker,
    seeded_store_file,
)
