"""How fast each store imports a whole world all or nothing, and reads it back.

    python bench/bench_import.py [--scales city,province] [--stores sqlite,neo4j,neo4j-admin]
                                 [--output bench/results/import.md] [--seed 0] [--max-neo4j-rows N]
                                 [--update]

A scale may name its volunteer count: ``province:200000`` is the province with 200,000 volunteers.
Worlds come from :func:`graph_schema.demo.generate_world` (the sample folder for ``city`` when that
is not importable). The Neo4j column uses the server named by ``BAOTUAN_TEST_NEO4J_URI`` (with
``NEO4J_USER`` / ``NEO4J_PASSWORD``), e.g. one started by ``.ci/neo4j-server``; its database is
emptied first. Each import is timed from the Dataset to the commit, then the same world is
imported again (nothing changes) and read back with ``load_dataset``. Through the Neo4j driver a
world of more than ``Neo4jGraphStore.staged_above`` rows (50,000) is a staged import (many
transactions, one commit point; docs/neo4j.md): its row says ``neo4j staged`` and how many
transactions it took. ``neo4j-admin`` times the offline route: ``write_neo4j_admin_csv`` and then
``neo4j-admin database import full`` (run from the jars ``.ci/neo4j-server fetch`` resolved).
``--update`` keeps the rows of the existing output file and replaces (or adds) only those measured.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_schema.contract.dataset import Dataset  # noqa: E402
from graph_schema.errors import GraphSchemaError  # noqa: E402
from graph_schema.store import GraphStore, SqliteGraphStore, open_store  # noqa: E402
from webapp.settings import credentials_from_env  # noqa: E402

__all__ = ["main", "load_world", "open_bench_store"]

SAMPLE = ROOT.parent / "shared" / "sample-data" / "taian-city"


def load_world(scale: str, seed: int, volunteers: int | None = None) -> tuple[Dataset, str]:
    """The world of ``scale`` and where it came from."""
    try:
        from graph_schema.demo import generate_world
    except ImportError:
        if scale != "city":
            raise SystemExit(
                f"graph_schema.demo.generate_world is needed for --scales {scale}"
            ) from None
        from graph_schema.contract.interchange import read_data

        return read_data(SAMPLE), f"sample folder {SAMPLE.name}"
    world = generate_world(scale, seed=seed, volunteers=volunteers)
    extra = "" if volunteers is None else f", volunteers={volunteers}"
    return world, f"generate_world({scale!r}, seed={seed}{extra})"


def open_bench_store(kind: str, folder: Path) -> GraphStore:
    """An empty store of ``kind``."""
    if kind == "sqlite":
        return SqliteGraphStore(folder / "bench.sqlite")
    if kind == "neo4j":
        uri = os.environ.get("BAOTUAN_TEST_NEO4J_URI")
        if not uri:
            raise SystemExit(
                "BAOTUAN_TEST_NEO4J_URI is unset; start a server: bash .ci/neo4j-server start && "
                'eval "$(bash .ci/neo4j-server env)"'
            )
        store = open_store(uri, credentials_from_env())
        store.clear()
        return store
    raise SystemExit(f"unknown store {kind!r}: expected sqlite or neo4j")


class MemoryWatch(threading.Thread):
    """Polls the Neo4j server for the memory of the transactions that import rows; keeps the peak."""

    def __init__(self, store):
        super().__init__(daemon=True)
        self.store, self.peak, self.stop = store, 0, threading.Event()

    def run(self) -> None:
        from graph_schema import cypher

        with self.store.tx.session() as session:
            while not self.stop.wait(0.5):
                rec = session.run(cypher.TRANSACTION_MEMORY).single()
                if rec is not None:
                    self.peak = max(self.peak, (rec["heap"] or 0) + (rec["direct"] or 0))


def measure_admin(world: Dataset, folder: Path) -> dict[str, float]:
    """Write neo4j-admin CSV files and run the bulk import tool (from .ci/neo4j/lib) into an empty database."""
    from graph_schema.store.neo4j_admin import run_import_tool, write_neo4j_admin_csv

    lib = ROOT / ".ci" / "neo4j" / "lib"
    if not lib.is_dir():
        raise SystemExit("Neo4j is not fetched: bash .ci/neo4j-server fetch")
    started = time.perf_counter()
    out = write_neo4j_admin_csv(world, folder / "csv")
    written = time.perf_counter() - started
    done = run_import_tool(out, lib, folder / "home", heap=os.environ.get("NEO4J_HEAP", "1g"))
    if done.returncode:
        raise SystemExit(f"neo4j-admin import failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return {"seconds": time.perf_counter() - started, "csv": written}


def measure(kind: str, world: Dataset, folder: Path) -> dict[str, float]:
    if kind == "neo4j-admin":
        return measure_admin(world, folder)
    store = open_bench_store(kind, folder)
    watch = MemoryWatch(store) if kind == "neo4j" else None
    transactions = Counter()
    if kind == "neo4j":  # a staged import reports each transaction
        store.progress = lambda phase, done, total: transactions.update([phase])  # type: ignore[attr-defined]
    try:
        if watch:
            watch.start()
        started = time.perf_counter()
        report = store.import_dataset(world, actor="bench", source="bench")
        seconds = time.perf_counter() - started
        if watch:
            watch.stop.set()
            watch.join()
        print(f"  {kind}: imported in {seconds:.1f} s ({dict(transactions)})", flush=True)
        assert report.total_changed == sum(report.rows.values()), report.changed
        staged = dict(transactions)
        started = time.perf_counter()
        again = store.import_dataset(world, actor="bench", source="bench")
        reimport = time.perf_counter() - started
        print(f"  {kind}: imported again in {reimport:.1f} s", flush=True)
        assert again.total_changed == 0, again.changed
        started = time.perf_counter()
        back = store.load_dataset()
        load = time.perf_counter() - started
        print(f"  {kind}: load_dataset in {load:.1f} s", flush=True)
        assert back.counts() == world.counts()
        if kind == "neo4j":
            store.clear()  # leave the shared test server as empty as it was found
    finally:
        store.close()
    peak = watch.peak / 2**20 if watch else float("nan")
    return {
        "seconds": seconds,
        "reimport": reimport,
        "load": load,
        "peak": peak,
        "staging": staged.get("staging", 0),
        "applying": staged.get("applying", 0),
    }


def _row_key(line: str) -> tuple[str, str]:
    """A result row's store (``neo4j``, ``neo4j staged``...) and scale."""
    cells = [c.strip() for c in line.strip("|").split("|")]
    return cells[0].split(" (")[0], cells[1]


def merge_rows(old_text: str, new_lines: list[str]) -> list[str]:
    """The table rows of ``old_text`` with ``new_lines`` replacing the rows of the same store and scale."""
    old = [line for line in old_text.splitlines() if line.startswith("| ") and "---" not in line]
    rows = old[1:]  # without the header
    for line in new_lines:
        keys = [_row_key(r) for r in rows]
        if _row_key(line) in keys:
            rows[keys.index(_row_key(line))] = line
        else:
            rows.append(line)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="city,province")
    parser.add_argument("--stores", default="sqlite,neo4j")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "import.md"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--max-neo4j-rows",
        type=int,
        default=100_000_000,
        help="larger worlds are not imported through the driver",
    )
    parser.add_argument("--update", action="store_true", help="keep the other rows of --output")
    args = parser.parse_args(argv)

    header = (
        "| store | scale | rows | seconds | rows/s | re-import s | load_dataset s | tx memory MiB |"
    )
    lines = [header, "|---|---|---:|---:|---:|---:|---:|---:|"]
    print(header, flush=True)
    sources = []
    for scale in args.scales.split(","):
        name, _, volunteers = scale.partition(":")  # "province:200000": fewer volunteers
        world, source = load_world(name, args.seed, int(volunteers) if volunteers else None)
        sources.append(f"{scale}: {source}")
        rows = sum(world.counts().values())
        for kind in args.stores.split(","):
            if kind == "neo4j" and rows > args.max_neo4j_rows:
                line = (
                    f"| {kind} | {scale} | {rows:,} | not run: one transaction of this size needs "
                )
                line += "the bulk route (docs/neo4j.md) | | | | |"
                lines.append(line)
                print(line, flush=True)
                continue
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    m = measure(kind, world, Path(tmp))
            except GraphSchemaError as exc:  # e.g. the server ran out of memory: a result too
                line = f"| {kind} | {scale} | {rows:,} | failed: {exc} | | | | |"
                lines.append(line)
                print(line, flush=True)
                continue
            if kind == "neo4j-admin":  # offline: no re-import, the store reads it like any other
                tail = f"| — | — | — (CSV written in {m['csv']:.1f} s) |"
            elif m["applying"]:
                peak = f"{m['peak']:,.0f} per transaction"
                tail = f"| {m['reimport']:.1f} | {m['load']:.1f} | {peak} |"
                kind = f"neo4j staged ({m['staging']} + {m['applying']} transactions)"
            else:
                peak = "—" if m["peak"] != m["peak"] else f"{m['peak']:,.0f}"  # NaN: not Neo4j
                tail = f"| {m['reimport']:.1f} | {m['load']:.1f} | {peak} |"
            line = f"| {kind} | {scale} | {rows:,} | {m['seconds']:.1f} | {rows / m['seconds']:,.0f} {tail}"
            lines.append(line)
            print(line, flush=True)
            kind = kind.split()[0]
        del world

    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    command = f"`python bench/bench_import.py --scales {args.scales} --stores {args.stores}`"
    ran = f"on {platform.machine()} with {os.cpu_count()} cores, {time.strftime('%Y-%m-%d')}"
    if args.update and out.exists():
        old = out.read_text(encoding="utf-8")
        top, _, rest = old.partition(header)
        bottom = rest.split("\n\n", 1)[1] if "\n\n" in rest else ""
        rows = merge_rows(old, lines[2:])
        command = command[:-1] + " --update`"
        updated = f"Rows of {', '.join(sources)} updated by {command} {ran}."
        notes = [top.rstrip("\n"), updated, "", header, lines[1], *rows, "", bottom.rstrip("\n")]
    else:
        notes = [
            "# Import benchmark",
            "",
            f"{command} {ran}.",
            "Each import is all or nothing from the typed Dataset to the commit (one transaction, or "
            "a staged import: many transactions, one commit point); `re-import` imports the same "
            "world again (0 rows changed); `load_dataset` reads everything back; `tx memory` is the "
            "peak memory of the Neo4j transactions that write rows as `SHOW TRANSACTIONS` reports it.",
            "",
            *lines,
            "",
            "Worlds: " + "; ".join(sources) + ".",
        ]
    extra = os.environ.get("BENCH_NOTES")
    if extra:
        notes += ["", extra]
    out.write_text("\n".join(notes) + "\n", encoding="utf-8")
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
