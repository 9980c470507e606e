"""Fixtures shared by the whole suite."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "sample-data" / "taian-city"
if not SAMPLE.exists():  # CI lays shared/ beside the clone
    SAMPLE = ROOT / ".." / "shared" / "sample-data" / "taian-city"


def pytest_collection_modifyitems(config, items) -> None:
    """A browser test is a slow test too, so ``-m "not slow"`` never starts Chromium."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
    if getattr(config.option, "loadgroup", False):  # an xdist worker under --dist loadgroup
        for item in items:
            _name_xdist_group(item)


def _name_xdist_group(item: pytest.Item) -> None:
    """Give ``item`` the ``@group`` suffix by which ``--dist loadgroup`` sends a group to one worker.

    pytest-xdist 3.8 renames ``item._nodeid``, which pytest 9 no longer reads (the id lives in
    ``item._id``), so without this the Neo4j tests spread over both workers and one of them sat
    idle on the Neo4j server's file lock (tests/store_fixtures.py) while the other held it. A test
    marked ``neo4j`` joins the ``neo4j`` group even where its module forgot ``xdist_group``.
    """
    groups = {
        str(m.args[0] if m.args else m.kwargs.get("name", "default"))
        for m in item.iter_markers("xdist_group")
    }
    if item.get_closest_marker("neo4j"):  # the one server: a Neo4j test is in its group
        groups.add("neo4j")
    names = sorted(groups)
    nodeid = item.nodeid
    if not names or nodeid.rfind("@") > nodeid.rfind("]"):
        return  # no group, or xdist's own renaming worked
    renamed = f"{nodeid}@{'_'.join(names)}"
    if hasattr(item, "_id"):
        from _pytest.nodeid import NodeId  # pytest >= 9: private, hence the guard

        item._id = NodeId.parse(renamed)
    else:
        item._nodeid = renamed


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
