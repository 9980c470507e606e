"""Kill a process with SIGKILL between the writes of an approval, then check the repair.

``python -m tests.support.crash_approval INSTANCE STORE DATABASE_URL RUN_ID VILLAGE POINT`` builds
the site (``create_app``) on that instance folder, store and site database, and approves the
group :data:`GROUP` for ``VILLAGE`` through :func:`webapp.sitedb.approvals.approve_as_one_unit`
on the app's real store; the process kills itself with SIGKILL at ``POINT``:

``after-intent``    the intent is committed, the store not yet written
``after-store``     the store has the partnership, the decision is not written
``after-decision``  every write is done

:func:`state_after_restart` then builds the site again — its start-up repairs the intents — and
reads what the store and the site database hold. Shared by tests/test_site_db_approvals.py.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from graph_schema.store.base import GroupMember

__all__ = ["POINTS", "GROUP", "kill_at", "state_after_restart", "AfterRestart", "tiny_world"]

POINTS = ("after-intent", "after-store", "after-decision")
GROUP = (GroupMember("O1", "lead"), GroupMember("O2", "member"))
ROOT = Path(__file__).resolve().parents[2]


def tiny_world():
    """Two villages needing medical and education help, two organizations providing them."""
    from tests.support.worlds import tiny_dataset

    return tiny_dataset(
        [("V1", 36.0, 117.0, {"medical": 3, "education": 2}), ("V2", 36.1, 117.1, {"medical": 2})],
        [("O1", 36.0, 117.1, 2, {"medical": 4}), ("O2", 36.0, 117.2, 2, {"education": 3})],
    )


def _app(instance: str, store: str, database_url: str):
    from webapp import create_app
    from webapp.settings import Settings

    return create_app(
        Settings.from_env(instance=instance, store=store, database_url=database_url or None)
    )


class _KillingStore:
    """The app's real store, killing this process around its ``approve_group``."""

    def __init__(self, store, point: str):
        self._store, self._point = store, point

    def approve_group(self, *args, **kwargs):
        if self._point == "after-intent":
            os.kill(os.getpid(), signal.SIGKILL)
        self._store.approve_group(*args, **kwargs)
        if self._point == "after-store":
            os.kill(os.getpid(), signal.SIGKILL)

    def __getattr__(self, name):
        return getattr(self._store, name)


def _child(instance, store, database_url, run_id, village, point) -> None:
    from webapp.sitedb import get_session
    from webapp.sitedb.approvals import approve_as_one_unit

    app = _app(instance, store, database_url)
    with app.app_context():
        killing = _KillingStore(app.extensions["baotuan_store"], point)
        approve_as_one_unit(
            get_session(), killing, village, list(GROUP), "officer:crash", run_id=int(run_id)
        )
    os.kill(os.getpid(), signal.SIGKILL)  # after-decision: killed with every write done


def kill_at(point: str, instance: str, store: str, database_url: str, run_id: int, village: str):
    """Run the approval in a child process killed at ``point``; returns its exit code (-9)."""
    args = [instance, store, database_url, str(run_id), village, point]
    return subprocess.run(
        [sys.executable, "-m", "tests.support.crash_approval", *args], cwd=ROOT, timeout=300
    ).returncode


@dataclass(frozen=True)
class AfterRestart:
    """What the store and the site database hold once a restarted site repaired the intents."""

    partnership: set[tuple[str, str]]
    decision: str | None
    intents: list[str]  # states, oldest first


def state_after_restart(
    instance: str, store: str, database_url: str, run_id: int, village: str
) -> AfterRestart:
    from sqlalchemy import select

    from webapp.sitedb import get_session
    from webapp.sitedb.models import ApprovalIntent, RecommendationDecision

    app = _app(instance, store, database_url)  # the start-up repairs
    try:
        with app.app_context():
            rows = app.extensions["baotuan_store"].query("partnerships", {"village_id": village})
            session = get_session()
            decision = session.get(RecommendationDecision, (run_id, village))
            states = session.scalars(select(ApprovalIntent.state).order_by(ApprovalIntent.id))
            return AfterRestart(
                {(str(o), str(r)) for o, r in zip(rows["org_id"], rows["role"], strict=True)},
                decision.decision if decision else None,
                list(states),
            )
    finally:
        app.extensions["baotuan_store"].close()


if __name__ == "__main__":
    _child(*sys.argv[1:7])
