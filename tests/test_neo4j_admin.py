"""``baotuan export --format neo4j-admin``: files the Neo4j bulk importer accepts, and it does."""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import pytest

from graph_schema import read_data
from graph_schema.store.neo4j_admin import run_import_tool
from tests.store_fixtures import NEO4J_MARKS
from webapp.cli import main

ROOT = Path(__file__).resolve().parent.parent
NEO4J_LIB = ROOT / ".ci" / "neo4j" / "lib"


@pytest.fixture(scope="module")
def exported(sample_dir, tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("admin")
    store = str(work / "store.sqlite")
    assert main(["--store", store, "import", str(sample_dir)]) == 0
    assert main(["--store", store, "export", "--format", "neo4j-admin", str(work / "out")]) == 0
    return work / "out"


def _read(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def test_headers_and_row_counts(exported, sample_dir):
    data = read_data(sample_dir)
    header, rows = _read(exported / "villages.csv")
    assert header == [
        "village_id:ID(Village)",
        "name",
        "county",
        "town",
        "lat:double",
        "lon:double",
        "population:int",
        "poor_households:int",
        ":LABEL",
    ]
    assert len(rows) == len(data["villages"]) and {r[-1] for r in rows} == {"Village"}
    header, rows = _read(exported / "needs.csv")
    assert header == [":START_ID(Village)", ":END_ID(Service)", "severity:int", ":TYPE"]
    assert len(rows) == len(data["needs"]) and {r[-1] for r in rows} == {"NEEDS"}
    header, rows = _read(exported / "partnerships.csv")
    assert header[:2] == [":START_ID(Organization)", ":END_ID(Village)"]
    assert {"role", "since", "approved_by", "approved_at"} <= set(header)
    assert all(r[header.index("approved_by")] == "cli" for r in rows)  # the importer approved them
    header, rows = _read(exported / "organizations.csv")
    assert "has_party_branch:boolean" in header and "max_villages:int" in header
    assert len(rows) == len(data["organizations"])
    _, rows = _read(exported / "volunteers_member_of.csv")
    assert len(rows) == data["volunteers"]["org_id"].notna().sum()
    _, rows = _read(exported / "services.csv")
    assert len(rows) == 11
    readme = (exported / "README.txt").read_text(encoding="utf-8")
    assert "neo4j-admin database import full neo4j" in readme and "--nodes=villages.csv" in readme


@pytest.mark.slow
@pytest.mark.timeout(1200)  # the import tool alone may take its own 600 s
def test_the_import_tool_loads_the_files(exported, tmp_path, sample_dir):
    """Run ``neo4j-admin database import full`` from the jars that .ci/neo4j-server fetched."""
    if not NEO4J_LIB.is_dir():
        message = "Neo4j is not fetched: bash .ci/neo4j-server fetch"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    done = run_import_tool(exported, NEO4J_LIB, tmp_path / "home", heap="512m", timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    data = read_data(sample_dir)
    counts = data.counts()
    nodes = 11 + sum(
        counts[t] for t in ("villages", "organizations", "volunteers", "projects", "reviews")
    )
    relationships = (
        sum(
            counts[t]
            for t in ("needs", "capabilities", "volunteer_skills", "project_orgs", "partnerships")
        )
        + int(data["volunteers"]["org_id"].notna().sum())
        + counts["projects"]
        + int(data["projects"]["village_id"].notna().sum())
        + counts["reviews"]
    )
    assert re.search(rf"\b{nodes} nodes\b", done.stdout), done.stdout[-2000:]
    assert re.search(rf"\b{relationships} relationships\b", done.stdout), done.stdout[-2000:]


for _mark in NEO4J_MARKS:
    test_the_import_tool_loads_the_files = _mark(test_the_import_tool_loads_the_files)
