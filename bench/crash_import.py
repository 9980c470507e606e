"""Kill ``baotuan import`` at random moments: the store is always exactly before or exactly after.

    python bench/crash_import.py [--kills 100] [--world sample|city] [--store PATH_OR_URI]
                                 [--seed 0] [--output bench/results/crash-import.md]
                                 [--staged-above ROWS] [--stale-after SECONDS]

The store first holds variant 0 of a world (the sample folder, or the generated city with
``--world city``). Trial ``i`` runs ``baotuan import`` of variant ``i`` in a subprocess and
sends it SIGKILL: variant ``i`` has the same ids as every other variant and a different value in
a column of nearly every row, so an import rewrites the whole store. After each kill another
process opens the store and compares ``load_dataset().as_text()`` (by digest) and the number of
``import`` entries in the audit trail with the two states allowed: as before the trial, or as
variant ``i`` with one more audit entry. Anything else is a torn import.

Kill moments: ``timed`` kills at a random time, mostly between the end of validation and the
end of a whole run (both measured first); ``in-transaction`` (SQLite only) waits until the
import holds the store's write lock, then kills within the measured length of its transaction.
For SQLite the table also says whether the process held the write lock when it died, i.e. was
killed inside its transaction.

Neo4j: ``--store bolt://...`` with ``NEO4J_USER`` / ``NEO4J_PASSWORD``; its database is emptied.
``--staged-above N`` makes imports of more than N rows staged (many transactions, one commit point;
docs/neo4j.md) in every process of the run, and adds two aimed kill moments: ``staging`` kills as
soon as the import's job is seen staging (before the commit point: the store must stay as before),
``applying`` at a random moment once it is applying (after: the store must become the variant).
The table says where each kill landed, from the job the killed import left. ``--stale-after`` is how
soon a dead import's job is taken over (the checking process waits that long for it).

``tests/test_crash_safety.py`` runs 20 kills per store kind and 12 staged kills on Neo4j.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script
    sys.path.insert(0, str(ROOT))

from graph_schema.store import open_store  # noqa: E402
from tests.support.crash_import import SAMPLE, CrashRun, summary  # noqa: E402
from webapp.settings import credentials_from_env  # noqa: E402

__all__ = ["main"]


def _world(name: str, workdir: Path) -> Path:
    if name == "sample":
        return SAMPLE
    from graph_schema.contract.interchange import write_folder
    from graph_schema.demo import generate_world

    return write_folder(generate_world(name, seed=0), workdir / f"world-{name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--world", default="sample", help="sample, or a demo scale such as city")
    parser.add_argument("--store", help="a SQLite path (default: a fresh one) or a bolt:// URI")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "crash-import.md"))
    parser.add_argument("--staged-above", type=int, help="Neo4j: stage imports of more rows")
    parser.add_argument("--stale-after", type=float, default=3.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="baotuan-crash-") as tmp:
        work = Path(tmp)
        location = args.store or str(work / "crash.sqlite")
        if location.startswith(("bolt", "neo4j")):
            with open_store(location, credentials_from_env()) as neo4j:
                neo4j.clear()
        world = _world(args.world, work)
        run = CrashRun(location, world, work, args.seed, args.staged_above, args.stale_after)
        started = time.perf_counter()
        run.setup()
        trials = run.run(args.kills, run.modes())
        run.close()
        seconds = time.perf_counter() - started
        rows = sum(len(f) for f in run.raw.values())
        kind = "SQLite" if run.sqlite else "Neo4j"
        if run.staged:
            kind += f" (imports of more than {args.staged_above} rows staged)"
    lines = [
        "# Killing imports with SIGKILL",
        "",
        f"`python bench/crash_import.py {' '.join(argv if argv is not None else sys.argv[1:])}`"
        f" on {dt.date.today().isoformat()}, {kind} store, {rows} rows per import; a whole import"
        f" took {run.total:.1f} s (its transaction {run.writing:.1f} s), a refused one"
        f" {run.refused:.1f} s; {seconds:.0f} s in all.",
        "",
        *summary(trials),
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text, encoding="utf-8")
    return 1 if any(t.state == "torn" for t in trials) else 0


if __name__ == "__main__":
    sys.exit(main())
