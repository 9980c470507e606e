"""Time every officer page on the city world through Flask's test client.

Usage: ``python bench/bench_pages.py [-n 20] [--world demo|sample]``. Prints a table and writes it
to ``bench/results/pages.md``. The first request after a write rebuilds the cached view of the store
(``cold``); the others are served from it (``warm``: median and worst of N).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT.parent / "shared" / "sample-data" / "taian-city"
RESULTS = ROOT / "bench" / "results" / "pages.md"

__all__ = ["main"]


def _world(kind: str):
    from graph_schema.contract.interchange import read_data

    if kind == "demo":
        from graph_schema.demo import generate_world  # type: ignore[import-not-found]

        return generate_world("city", seed=2020), "demo generator, city scale"
    return read_data(SAMPLE), f"shared sample data ({SAMPLE.name})"


def _setup(kind: str, folder: Path):
    from graph_schema.operations import import_dataset
    from graph_schema.store import SqliteGraphStore
    from graph_schema.store.base import GroupMember
    from matcher import recommend
    from webapp import create_app
    from webapp.demo_setup import DEMO_PASSWORD, ensure_demo_accounts
    from webapp.sitedb import get_session
    from webapp.sitedb.models import MatcherRun

    dataset, label = _world(kind)
    store = SqliteGraphStore(folder / "baotuan.sqlite")
    import_dataset(store, dataset, actor="bench")
    store.close()
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(folder / "instance"),
            "STORE": str(folder / "baotuan.sqlite"),
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
        }
    )
    ensure_demo_accounts(app)
    result = recommend(dataset, max_group=4, seed=0)
    rec = next(r for r in result.recommendations if len(r.members) >= 2)
    with app.app_context():
        db = get_session()
        run = MatcherRun(
            started_by="bench",
            started_at="",
            finished_at="",
            status="done",
            done=7,
            total=7,
            max_group=4,
            result_json=json.dumps(result.to_dict(), ensure_ascii=False),
        )
        db.add(run)
        db.commit()
        run_id = run.id
    store = app.extensions["baotuan_store"]
    store.approve_group(
        rec.village_id, [GroupMember(m.org_id, m.role) for m in rec.members], actor="bench"
    )
    client = app.test_client()
    client.post("/login", data={"username": "officer", "password": DEMO_PASSWORD})
    counts = dataset.counts()
    village, org = rec.village_id, rec.members[0].org_id
    county = dataset["villages"].set_index("village_id").loc[village, "county"]
    pages = [
        ("dashboard", "/officer/"),
        ("villages", "/officer/villages"),
        ("villages, filtered", "/officer/villages?supported=no&service=medical"),
        ("village", f"/officer/villages/{village}"),
        ("organizations", "/officer/organizations"),
        ("organizations, filtered", "/officer/organizations?service=education&capacity=free"),
        ("organization", f"/officer/organizations/{org}"),
        ("matching", "/officer/matching"),
        ("run's recommendations", f"/officer/matching/runs/{run_id}"),
        (
            "recommendation",
            f"/officer/matching/runs/{run_id}/villages/{result.recommendations[0].village_id}",
        ),
        ("partnerships", "/officer/partnerships"),
        ("letter", f"/officer/letters/{village}/{org}"),
        ("letter PDF", f"/officer/letters/{village}/{org}.pdf"),
        ("docking list .xlsx", f"/officer/docking/{county}.xlsx"),
    ]
    return app, client, pages, label, counts


def _time(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url}: HTTP {response.status_code}")
    return elapsed * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=20, help="warm requests per page (default 20)")
    parser.add_argument(
        "--world",
        choices=("demo", "sample"),
        default="demo",
        help="demo: the generator's city world (default); sample: shared/sample-data",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    from webapp.officer.queries import _load, build_world

    with tempfile.TemporaryDirectory() as tmp:
        app, client, pages, label, counts = _setup(args.world, Path(tmp))
        with app.app_context():
            started = time.perf_counter()
            build_world(_load(app.extensions["baotuan_store"]))
            rebuild = (time.perf_counter() - started) * 1000
        rows = []
        for name, url in pages:
            cold = _time(client, url)
            warm = [_time(client, url) for _ in range(args.n)]
            rows.append((name, url, cold, statistics.median(warm), max(warm)))
            print(f"{name:26} cold {cold:8.1f} ms  warm median {rows[-1][3]:7.1f} ms", flush=True)
        app.extensions["baotuan_store"].close()
    lines = [
        "# Officer pages on the city world",
        "",
        f"World: {label}: {counts['villages']} villages, {counts['organizations']} organizations, "
        f"{counts['volunteers']} volunteers, {counts['projects']} projects. "
        f"Flask test client, SQLite store, {args.n} warm requests per page after one cold one; "
        f"Python {platform.python_version()} on {platform.machine()}, "
        f"{time.strftime('%Y-%m-%d')}. Reading the store and deriving the view data (the cache "
        f"rebuilt after each write): {rebuild:.0f} ms.",
        "",
        "| page | path | first (ms) | warm median (ms) | warm worst (ms) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for name, url, cold, median, worst in rows:
        lines.append(f"| {name} | `{url}` | {cold:.1f} | {median:.1f} | {worst:.1f} |")
    text = "\n".join(lines) + "\n"
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print()
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
