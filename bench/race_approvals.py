"""Concurrent approvals: two officers race to give the last place of an organization to two villages.

A real server (``baotuan serve`` in its own process, waitress with 8 threads) runs on a race world:
for each race, one organization with ``max_villages = 1`` and two villages that need what it
provides. Two officers, each with their own API token, send ``POST /api/v1/partnerships`` for the two
villages at the same moment (a barrier releases both threads). Exactly one must get 201 and the other
409 with a message naming the organization's capacity; afterwards no organization supports more
villages than it may.

Run ``python bench/race_approvals.py --races 1000 --stores sqlite,neo4j`` (Neo4j from
``BAOTUAN_TEST_NEO4J_URI``, see docs/neo4j.md); it prints a table and writes it to
``bench/results/race-approvals.md``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from graph_schema.store import GraphStore, open_store  # noqa: E402
from tests.support.race_approvals import run_races  # noqa: E402
from webapp.settings import credentials_from_env  # noqa: E402

__all__ = ["main"]


def _open(kind: str, folder: Path) -> tuple[GraphStore, str]:
    if kind == "sqlite":
        location = str(folder / "race.sqlite")
        return open_store(location, credentials_from_env()), location
    location = os.environ.get("BAOTUAN_TEST_NEO4J_URI")
    if not location:
        raise SystemExit("set BAOTUAN_TEST_NEO4J_URI (see docs/neo4j.md) to race on Neo4j")
    store = open_store(location, credentials_from_env())
    store.clear()  # type: ignore[attr-defined]
    return store, location


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--races", type=int, default=1000)
    parser.add_argument("--stores", default="sqlite")
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "race-approvals.md"))
    args = parser.parse_args(argv)
    lines = [
        "| store | races | one winner | both won | none won | clear refusals | 5xx | capacity violations | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind in args.stores.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            store, location = _open(kind, Path(tmp))
            try:
                r = run_races(store, location, args.races, Path(tmp) / "instance", args.parallel)
            finally:
                store.close()
        lines.append(
            f"| {kind} | {r.races} | {r.one_winner} | {r.both_won} | {r.none_won} | {r.clear_refusals} "
            f"| {r.server_errors} | {r.violations} | {r.seconds:.1f} |"
        )
        for message in r.unexpected[:5]:
            print(f"  {kind}: {message}", file=sys.stderr)
    table = "\n".join(lines)
    print(table)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(f"# Concurrent approvals\n\n{table}\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
