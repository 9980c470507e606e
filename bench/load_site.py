"""Load: 50 officers browsing and approving for 60 s on the city world, through a real server.

``python bench/load_site.py [--users 50] [--spawn-rate 5] [--seconds 60] [--workers 2]
[--threads 8] [--output bench/results/load.md]``

It makes the city demo world, imports it into a SQLite store, computes a matcher run with the real
matcher, creates one officer account per virtual user, starts ``baotuan serve`` in its own process
(gunicorn with ``--workers`` processes, or waitress with ``--workers 1``) and runs Locust headless
against it on 127.0.0.1 (``bench/locust_officers.py``). Officers arrive ``--spawn-rate`` a second
and each signs in once (that is in the table too). Prints p50, p95, p99 and the error rate per
endpoint and overall, with the machine's load average before and after, as a table and writes it
to the output file. Target: p95 ≤ 100 ms, no errors. Run it on a quiet machine: it warns when
another ``bench_*`` process is running.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

__all__ = ["main"]

PASSWORD = "Load-2020-officer"


def _prepare(folder: Path, users: int) -> dict[str, str]:
    """The world, the accounts and a finished matcher run; returns the Locust environment."""
    from graph_schema.demo import generate_world
    from graph_schema.operations import import_dataset
    from graph_schema.store import SqliteGraphStore
    from graph_schema.store.base import now_iso
    from matcher import recommend
    from webapp import create_app
    from webapp.accounts.operations import create_user
    from webapp.sitedb import get_session
    from webapp.sitedb.models import MatcherRun

    world = generate_world("city", seed=2020)
    store = SqliteGraphStore(folder / "baotuan.sqlite")
    import_dataset(store, world, actor="load-setup")
    store.close()
    result = recommend(world, max_group=4, seed=0).to_dict()
    app = create_app(
        {"INSTANCE": str(folder / "instance"), "STORE": str(folder / "baotuan.sqlite")}
    )
    with app.app_context():
        for n in range(1, users + 1):
            create_user(f"load{n:02d}", PASSWORD, "officer", actor="load-setup")
        db = get_session()
        run = MatcherRun(
            started_by="load-setup",
            started_at=now_iso(),
            finished_at=now_iso(),
            status="done",
            stage="done",
            done=1,
            total=1,
            max_group=4,
            result_json=json.dumps(result, ensure_ascii=False),
        )
        db.add(run)
        db.commit()
        run_id = int(run.id)
    app.extensions["baotuan_store"].close()
    return {
        "LOAD_RUN_ID": str(run_id),
        "LOAD_VILLAGES": ",".join(world["villages"]["village_id"]),
        "LOAD_ORGS": ",".join(world["organizations"]["org_id"].iloc[:500]),
        "LOAD_RECOMMENDED": ",".join(r["village_id"] for r in result["recommendations"]),
        "LOAD_PASSWORD": PASSWORD,
    }


def _table(stats_csv: Path) -> tuple[str, dict[str, float]]:
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    lines = [
        "| endpoint | requests | failures | error rate | p50 ms | p95 ms | p99 ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    total: dict[str, float] = {}
    for r in rows:
        count, failures = int(r["Request Count"]), int(r["Failure Count"])
        rate = failures / count if count else 0.0
        name = "**all**" if r["Name"] == "Aggregated" else f"{r['Type']} {r['Name']}"
        lines.append(
            f"| {name} | {count} | {failures} | {rate:.2%} | {r['50%']} | {r['95%']} | {r['99%']} |"
        )
        if r["Name"] == "Aggregated":
            total = {
                "requests": count,
                "failures": failures,
                "p50": float(r["50%"]),
                "p95": float(r["95%"]),
                "p99": float(r["99%"]),
            }
    return "\n".join(lines), total


def _other_benchmarks() -> list[str]:
    """Command lines of other benchmark processes (they would share the cores)."""
    ps = subprocess.run(["ps", "-eo", "pid=,args="], capture_output=True, text=True, check=False)
    me = os.getpid()
    return [
        line.strip()
        for line in ps.stdout.splitlines()
        if "bench_" in line and int(line.split()[0]) != me and "load_site" not in line
    ]


def _load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--spawn-rate", type=float, default=5, help="officers arriving per second")
    parser.add_argument("--workers", type=int, default=2, help="server processes (1: waitress)")
    parser.add_argument("--threads", type=int, default=8, help="threads per server process")
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "load.md"))
    args = parser.parse_args(argv)
    load_start = _load_average()  # before this script's own preparation (the world, the run)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print("preparing the city world, accounts and a matcher run...", file=sys.stderr)
        env = {**os.environ, **_prepare(folder, args.users)}
        from tests.support.serving import SiteServer

        server = SiteServer(
            folder / "instance",
            str(folder / "baotuan.sqlite"),
            threads=args.threads,
            env={"BAOTUAN_PROXY_COUNT": "1"},
            workers=args.workers,
        )
        others = _other_benchmarks()
        for line in others:
            print(f"warning: another benchmark is running: {line}", file=sys.stderr)
        load_before = _load_average()
        port = server.port
        try:
            print(
                f"locust: {args.users} officers for {args.seconds} s against 127.0.0.1:{port}",
                file=sys.stderr,
            )
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "locust",
                    "-f",
                    str(ROOT / "bench" / "locust_officers.py"),
                    "--headless",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.spawn_rate),
                    "-t",
                    f"{args.seconds}s",
                    "--host",
                    f"http://127.0.0.1:{port}",
                    "--csv",
                    str(folder / "load"),
                    "--only-summary",
                    "--stop-timeout",
                    "5",
                    "--loglevel",
                    "WARNING",
                ],
                env=env,
                check=False,
                cwd=ROOT,
            )
            load_after = _load_average()
        finally:
            server.stop()
        table, total = _table(folder / "load_stats.csv")
    verdict = (
        f"p95 {total['p95']:.0f} ms (target ≤ 100), errors {total['failures']:.0f} of {total['requests']:.0f} "
        f"(target 0): {'met' if total['p95'] <= 100 and total['failures'] == 0 else 'NOT met'}"
    )
    server_name = (
        f"gunicorn, {args.workers} worker processes × {args.threads} threads"
        if args.workers > 1
        else f"waitress, {args.threads} threads"
    )
    measured = (
        f"{args.users} officer users (Locust, `bench/locust_officers.py`) arrive {args.spawn_rate:g} a "
        f"second; each signs in once (GET and POST /login, scrypt password check, throttling on, "
        f"its own client address), then repeats with a 0.5–1.5 s pause: dashboard 4, villages list "
        f"4, village 4, organizations list 3, organization 3, a recommendation of the matcher run 2, "
        f"approve a recommended group 1 (a refusal because another officer took the village or an "
        f"organization is full is a correct 422, not an error). The run lasts {args.seconds} s "
        f"from the first arrival; every request is in the table. Server: `baotuan serve` "
        f"({server_name}), SQLite store, city world (300 villages, 2,000 organizations, 60,000 "
        f"volunteers), Locust on the same machine. {os.cpu_count()} cores, Python "
        f"{platform.python_version()}. Load average (1 / 5 / 15 min) when the script started: "
        f"{load_start}; after preparing the world, when Locust started: {load_before}; at the "
        f"end: {load_after}."
    )
    if others:
        measured += " Other benchmarks were running: " + "; ".join(others)
    report = (
        f"# Load: {args.users} officers browsing and approving for {args.seconds} s (city world, "
        f"{server_name}, SQLite)\n\n{measured}\n\n{table}\n\n{verdict}\n"
    )
    print(report)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
