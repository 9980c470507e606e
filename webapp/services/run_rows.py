"""The writes to a matcher run's row (``models.MatcherRun``), shared by the pages and the jobs.

Every write that ends a run or moves it on is made only ``WHERE status = 'running'``: whoever
comes second — a job finishing a run an officer has just cancelled, a page marking a run
interrupted that has just finished — changes nothing, and learns so from the return value.

Examples
--------
>>> import tempfile
>>> from webapp import create_app
>>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp(), "REDIS_URL": None})
>>> with app.app_context():
...     run_id = insert_run("officer:doc", max_group=3, owner="host:1")
...     moved = record_progress(run_id, "model", 1, 7)
...     cancelled = end_run(run_id, "cancelled", "by officer:doc")
...     moved_again = record_progress(run_id, "model", 2, 7)
>>> moved, cancelled, moved_again
(True, True, False)
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, update

from graph_schema.store.base import now_iso

from ..db import get_db
from ..sitedb import models

__all__ = ["insert_run", "record_progress", "record_result", "record_failure", "end_run"]


def insert_run(actor: str, max_group: int, owner: str, commit: bool = True) -> int:
    """Insert a ``running`` run owned by ``owner`` (``rq:<job id>`` or ``host:pid``); its id."""
    session = get_db()
    run = models.MatcherRun(
        started_by=actor,
        started_at=now_iso(),
        status="running",
        stage="queued",
        done=0,
        total=0,
        max_group=max_group,
        owner=owner,
    )
    session.add(run)
    session.flush()
    run_id = run.id
    if commit:
        session.commit()
    return run_id


def _update_running(run_id: int, commit: bool = True, **values: Any) -> bool:
    session = get_db()
    if commit:
        # A write of its own: end the read transaction the caller may have open first. SQLite
        # cannot turn a read into a write once another connection (a run's job) has written
        # since the read began ("database is locked" at once, whatever the busy timeout).
        session.commit()
    statement = (
        update(models.MatcherRun)
        .where(models.MatcherRun.id == run_id, models.MatcherRun.status == "running")
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    result = cast(CursorResult, session.execute(statement))
    if commit:
        session.commit()
    return result.rowcount == 1


def record_progress(run_id: int, stage: str, done: int, total: int) -> bool:
    """Write a running run's progress; ``False`` when it is no longer running (cancelled)."""
    return _update_running(run_id, stage=stage, done=done, total=total)


def record_result(run_id: int, result_json: str) -> bool:
    """Finish a running run with its result; ``False`` when it was cancelled meanwhile."""
    return _update_running(
        run_id,
        status="done",
        finished_at=now_iso(),
        result_json=result_json,
        done=models.MatcherRun.total,
    )


def record_failure(run_id: int, error: str) -> bool:
    """Finish a running run as failed with ``error`` (shown to the officer)."""
    return end_run(run_id, "failed", error)


def end_run(run_id: int, status: str, error: str, commit: bool = True) -> bool:
    """End a running run as ``status`` (failed, interrupted, cancelled) with ``error`` shown."""
    return _update_running(run_id, commit=commit, status=status, finished_at=now_iso(), error=error)
