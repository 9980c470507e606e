"""What only the Neo4j store has: its errors, its graph model and its all-or-nothing batches."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pandas as pd
import pytest

from graph_schema import Dataset, read_data
from graph_schema.errors import NotFoundError, StoreUnavailableError
from graph_schema.store.neo4j import Neo4jGraphStore
from tests.store_fixtures import NEO4J_MARKS, open_neo4j
from tests.test_store_contract import small_world

neo4j = pytest.mark.neo4j
neo4j_group = NEO4J_MARKS[1]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, password: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if password is not None:
        env["NEO4J_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-c", "import sys; from webapp.cli import main; sys.exit(main())", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def assert_one_line_failure(done: subprocess.CompletedProcess, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0]


# -- a server that is not there: no server needed -------------------------------------------------
def test_a_closed_port_is_one_clear_error():
    uri = f"bolt://127.0.0.1:{closed_port()}"
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as failed:
        Neo4jGraphStore(uri, password="whatever")
    assert time.monotonic() - started < 20  # no retry loop for a server that is down
    message = str(failed.value)
    assert "\n" not in message and "cannot reach the Neo4j server" in message and uri in message


def test_the_cli_reports_a_closed_port_in_one_line(sample_dir):
    uri = f"bolt://127.0.0.1:{closed_port()}"
    done = run_cli("--store", uri, "import", str(sample_dir), password="whatever")
    assert_one_line_failure(done, "baotuan import:", "cannot reach the Neo4j server", uri)


# -- with the test server ------------------------------------------------------------------
@neo4j
@neo4j_group
def test_a_wrong_password_is_one_clear_error(neo4j_uri, sample_dir):
    with pytest.raises(StoreUnavailableError, match="wrong user name or password"):
        Neo4jGraphStore(neo4j_uri, user="neo4j", password="not-the-password")
    done = run_cli("--store", neo4j_uri, "export", "unused-folder", password="not-the-password")
    assert_one_line_failure(done, "baotuan export:", "NEO4J_PASSWORD")


@neo4j
@neo4j_group
def test_an_unknown_database_is_one_clear_error(neo4j_uri):
    with pytest.raises(StoreUnavailableError, match="has no database 'nosuchdb'"):
        Neo4jGraphStore(
            neo4j_uri, password=os.environ.get("NEO4J_PASSWORD", ""), database="nosuchdb"
        )


@neo4j
@neo4j_group
def test_the_cli_imports_and_exports_through_neo4j(neo4j_store, neo4j_uri, sample_dir, tmp_path):
    done = run_cli("--store", neo4j_uri, "import", str(sample_dir))
    assert done.returncode == 0, done.stderr
    done = run_cli("--store", neo4j_uri, "export", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert read_data(tmp_path / "out").equals(read_data(sample_dir))


@neo4j
@neo4j_group
def test_a_failed_batch_leaves_nothing_half_written(neo4j_store, neo4j_uri):
    """Many small batches, then a need for a village nobody stored: nothing at all is kept."""
    store = open_neo4j(neo4j_uri, batch_size=2)
    try:
        world = small_world()
        needs = pd.concat(
            [
                world["needs"],
                pd.DataFrame({"village_id": ["V404"], "service": ["medical"], "severity": [3]}),
            ]
        )
        with pytest.raises(
            NotFoundError, match="needs: village_id refers to villages that are not stored: V404"
        ):
            store.import_dataset(Dataset({**world, "needs": needs}))
        assert set(store.counts().values()) == {0}
        assert store.audit_log() == []
        store.import_dataset(world)  # the same store goes on working
        assert store.counts()["villages"] == 3
    finally:
        store.close()


@neo4j
@neo4j_group
def test_the_graph_model(neo4j_store, sample_dir):
    """Labels and relationship types of DESIGN.md; empty optional columns are absent properties."""
    from graph_schema.operations import import_path

    import_path(neo4j_store, sample_dir)
    with neo4j_store.tx.session() as session:
        types = {
            r["type"]: r["n"]
            for r in session.run("MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n")
        }
        towns = session.run(
            "MATCH (v:Village) WHERE v.town IS NOT NULL RETURN count(v) AS n"
        ).single()
        keys = session.run("MATCH (v:Village) RETURN collect(DISTINCT keys(v)) AS k").single()["k"]
    data = read_data(sample_dir)
    assert types["NEEDS"] == len(data["needs"]) and types["PROVIDES"] == len(data["capabilities"])
    assert types["SKILLED_IN"] == len(data["volunteer_skills"])
    assert types["MEMBER_OF"] == data["volunteers"]["org_id"].notna().sum()
    assert types["FOR"] == len(data["projects"])
    assert types["SERVED"] == data["projects"]["village_id"].notna().sum()
    assert types["TOOK_PART_IN"] == len(data["project_orgs"]) and types["OF"] == len(
        data["reviews"]
    )
    assert types["SUPPORTS"] == len(data["partnerships"]) and "NEXT" not in types  # one audit entry
    assert towns["n"] == data["villages"]["town"].notna().sum() == 0
    assert all("town" not in k for k in keys)
