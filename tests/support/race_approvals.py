"""Two officers racing for an organization's last place through a real server: shared by
``tests/test_concurrent_approvals.py`` and the long run ``bench/race_approvals.py``.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import requests

from graph_schema.contract.dataset import Dataset
from graph_schema.store import GraphStore
from tests.support.serving import SiteServer  # noqa: E402

__all__ = ["race_world", "RaceServer", "RaceReport", "run_races"]

ROOT = Path(__file__).resolve().parents[2]


def race_world(races: int) -> Dataset:
    """``races`` organizations with one place each, and two villages per organization."""
    villages = pd.DataFrame(
        {
            "village_id": [f"RV{i:06d}" for i in range(2 * races)],
            "name": [f"竞争村{i}" for i in range(2 * races)],
            "county": "泰山区",
            "lat": 36.2,
            "lon": 117.1,
        }
    )
    orgs = pd.DataFrame(
        {
            "org_id": [f"RO{i:06d}" for i in range(races)],
            "name": [f"抢位社工中心{i}" for i in range(races)],
            "kind": "service_agency",
            "county": "泰山区",
            "lat": 36.2,
            "lon": 117.1,
            "max_villages": 1,
        }
    )
    needs = pd.DataFrame(
        {"village_id": villages["village_id"], "service": "medical", "severity": 3}
    )
    caps = pd.DataFrame({"org_id": orgs["org_id"], "service": "medical", "level": 3})
    return Dataset(
        {"villages": villages, "organizations": orgs, "needs": needs, "capabilities": caps}
    )


class RaceServer:
    """``baotuan serve`` in a child process on a prepared instance, with two officer tokens."""

    def __init__(self, store_location: str, instance: Path):
        from webapp import create_app
        from webapp.accounts.models import User, find_by_username
        from webapp.accounts.operations import create_user, issue_api_token

        self.store_location = store_location
        app = create_app({"INSTANCE": str(instance), "STORE": store_location})
        self.tokens = []
        with app.app_context():
            for name in ("officer_a", "officer_b"):
                if find_by_username(name) is None:
                    create_user(name, "Race-2020-officer", "officer", actor="race-setup")
                self.tokens.append(
                    issue_api_token(User.from_row(find_by_username(name)), "race-setup")
                )
        app.extensions["baotuan_store"].close()
        self._server = SiteServer(instance, store_location, threads=8)
        self.url = self._server.url

    def stop(self) -> None:
        self._server.stop()


@dataclass
class RaceReport:
    races: int = 0
    one_winner: int = 0
    both_won: int = 0
    none_won: int = 0
    clear_refusals: int = 0
    server_errors: int = 0
    violations: int = 0
    seconds: float = 0.0
    unexpected: list[str] = field(default_factory=list)


def _race(
    sessions: list[requests.Session], url: str, tokens: list[str], i: int
) -> list[requests.Response]:
    barrier = threading.Barrier(2)
    out: list[requests.Response | None] = [None, None]

    def officer(k: int) -> None:
        body = {
            "village_id": f"RV{2 * i + k:06d}",
            "members": [{"org_id": f"RO{i:06d}", "role": "lead"}],
        }
        barrier.wait()
        out[k] = sessions[k].post(
            f"{url}/api/v1/partnerships",
            json=body,
            headers={"Authorization": f"Bearer {tokens[k]}"},
            timeout=60,
        )

    threads = [threading.Thread(target=officer, args=(k,)) for k in (0, 1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [r for r in out if r is not None]


def run_races(
    store: GraphStore, store_location: str, races: int, instance: Path, parallel: int = 4
) -> RaceReport:
    """Import the race world into ``store``, start a server on it and run ``races`` races.

    ``parallel`` races run at once (so up to ``2 * parallel`` approvals are in flight).
    """
    store.import_dataset(race_world(races), actor="race-setup", source="race world")
    server = RaceServer(store_location, instance)
    report = RaceReport(races=races)
    started = time.perf_counter()
    try:
        local = threading.local()

        def one(i: int) -> list[requests.Response]:
            if not hasattr(local, "sessions"):
                local.sessions = [requests.Session(), requests.Session()]
            return _race(local.sessions, server.url, server.tokens, i)

        with ThreadPoolExecutor(parallel) as pool:
            for i, responses in enumerate(pool.map(one, range(races))):
                codes = sorted(r.status_code for r in responses)
                report.server_errors += sum(c >= 500 for c in codes)
                if codes == [201, 409]:
                    report.one_winner += 1
                    refusal = next(r for r in responses if r.status_code == 409).json()["error"][
                        "message"
                    ]
                    if f"RO{i:06d}" in refusal and "at most 1" in refusal:
                        report.clear_refusals += 1
                    else:
                        report.unexpected.append(f"race {i}: {refusal}")
                elif codes == [201, 201]:
                    report.both_won += 1
                else:
                    report.none_won += 1
                    report.unexpected.append(
                        f"race {i}: {codes} {[r.text[:200] for r in responses]}"
                    )
    finally:
        report.seconds = time.perf_counter() - started
        server.stop()
    partners = store.load_dataset()["partnerships"]
    per_org = partners.groupby("org_id").size()
    report.violations = int((per_org > 1).sum())
    return report
