"""Schemathesis against the served OpenAPI document, the long run: at least 10,000 requests.

``python bench/fuzz_api.py [--requests 10000] [--output bench/results/fuzz-api.md]``

Every operation of ``/api/v1/openapi.json`` (but starting a matcher run, which takes seconds per
call; ``tests/test_api.py`` runs one) gets valid and invalid generated requests with the token of
each role, through the WSGI app on a copy of the sample city, until the request budget is spent.
Counts requests and responses by status class; the target is zero server errors (5xx). The test
suite runs a smaller number (``tests/test_api_schemathesis.py``).
"""

from __future__ import annotations

import argparse
import collections
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT.parent / "shared" / "sample-data" / "taian-city"
ROLES = ("admin", "officer", "reviewer", "org")
EXCLUDED = {("POST", "/api/v1/recommendations")}

__all__ = ["main"]


def _app(folder: Path):
    from graph_schema.operations import import_path
    from graph_schema.store import SqliteGraphStore
    from webapp import create_app
    from webapp.demo_setup import ensure_demo_accounts

    store = SqliteGraphStore(folder / "baotuan.sqlite")
    import_path(store, SAMPLE, actor="fuzz-setup")
    store.close()
    app = create_app(
        {
            "TESTING": True,
            "INSTANCE": str(folder / "instance"),
            "STORE": str(folder / "baotuan.sqlite"),
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "fuzz",
        }
    )
    ensure_demo_accounts(app)
    return app


def _token(app, username: str) -> str:
    from webapp.accounts.models import User, find_by_username
    from webapp.accounts.operations import issue_api_token

    with app.app_context():
        return issue_api_token(User.from_row(find_by_username(username)), "fuzz-setup")


def _send(cases, examples: int, headers: dict, label: str, statuses, errors: list[str]) -> None:
    """Send ``examples`` generated requests of one operation; count them by status class."""
    from hypothesis import HealthCheck, given, settings

    @given(case=cases)
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def send(case):
        response = case.call(headers=headers)
        statuses[f"{response.status_code // 100}xx"] += 1
        if response.status_code >= 500:
            errors.append(f"{label}: {response.status_code} {response.text[:200]}")

    send()


def main(argv: list[str] | None = None) -> int:
    import schemathesis
    from hypothesis import strategies as st
    from schemathesis import GenerationMode

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--output", default=str(ROOT / "bench" / "results" / "fuzz-api.md"))
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        app = _app(Path(tmp))
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
        spec = app.test_client().get("/api/v1/openapi.json").get_json()
        operations = sorted(
            (method.upper(), path)
            for path, item in spec["paths"].items()
            for method in item
            if method in ("get", "post", "put", "patch", "delete")
            and (method.upper(), path) not in EXCLUDED
        )
        tokens = {role: _token(app, role) for role in ROLES}
        per_call = max(args.requests // (len(operations) * len(ROLES)) + 1, 1)
        statuses: collections.Counter = collections.Counter()
        errors: list[str] = []
        started = time.perf_counter()
        for role in ROLES:
            headers = {"Authorization": f"Bearer {tokens[role]}"}
            for method, path in operations:
                operation = schema[path][method]
                cases = st.one_of(
                    operation.as_strategy(GenerationMode.POSITIVE),
                    operation.as_strategy(GenerationMode.NEGATIVE),
                )

                _send(cases, per_call, headers, f"{role} {method} {path}", statuses, errors)
            print(f"  {role}: {sum(statuses.values())} requests so far", file=sys.stderr)
        seconds = time.perf_counter() - started
        app.extensions["baotuan_store"].close()

    total = sum(statuses.values())
    lines = [
        f"# Schemathesis against /api/v1/openapi.json ({len(operations)} operations × {len(ROLES)} roles)",
        "",
        "| requests | 2xx | 3xx | 4xx | 5xx (server errors) | seconds |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| {total} | {statuses['2xx']} | {statuses['3xx']} | {statuses['4xx']} | {statuses['5xx']} | {seconds:.0f} |",
    ]
    lines += ["", *(f"- {e}" for e in errors[:20])] if errors else []
    report = "\n".join(lines) + "\n"
    print(report)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(report, encoding="utf-8")
    return 1 if errors or total < args.requests else 0


if __name__ == "__main__":
    sys.exit(main())
