"""Matcher runs as operations: a job per run, its progress, its result, its cancellation.

The officer's pages (``webapp/officer/matching.py``, ``review.py``), the JSON API and the jobs
(:mod:`webapp.jobs.matcher_run`) all call these; none of them writes a run's rows itself.

A run is a row of the site database's ``matcher_runs`` table. Its job (:mod:`webapp.jobs`: on the
Redis queue when ``BAOTUAN_REDIS_URL`` is set, else a thread of this process) writes its stage
and progress there as the matcher reports them, then the result
(``RecommendationResult.to_dict()``) as JSON. The row's ``owner`` says who executes it:
``rq:<job id>`` (alive while the queue has it waiting or a worker's heartbeat for it) or
``host:pid`` (alive while that process is). The officer's decisions on each village's
recommendation go to ``recommendation_decisions``.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import defer

from graph_schema.rules import MAX_GROUP, max_group_problem
from graph_schema.store.base import now_iso

from ..db import get_db
from ..errors import WebappError
from ..jobs import JobError, cancel_job, job_alive, job_queue, submit
from ..sitedb import database_url, models, write_lock
from ..sitedb.upsert import upsert
from .run_owner import process_alive, this_process
from .run_rows import end_run, insert_run, record_failure, record_progress, record_result

if TYPE_CHECKING:
    from matcher.result import Calibration, Recommendation, RecommendationResult, Unserved

__all__ = [
    "Run",
    "RunError",
    "start_run",
    "cancel_run",
    "QUEUED_OWNER",
    "insert_run",
    "record_progress",
    "record_result",
    "record_failure",
    "get_run",
    "list_runs",
    "latest_recommendation",
    "decisions_of",
    "record_decision",
    "DEFAULT_MAX_GROUP",
]

DEFAULT_MAX_GROUP = MAX_GROUP  # graph_schema.rules is the one home of the group rules
#: a queued run's owner: this prefix and its job id on the queue
QUEUED_OWNER = "rq:"
#: seconds a worker lets one run go on before it stops it (a nation's run takes ~12 minutes)
RUN_TIMEOUT = 6 * 3600


class RunError(WebappError):
    """A matcher run cannot be started or found."""


@dataclass
class Run:
    """One matcher run as the pages show it."""

    id: int
    started_by: str
    started_at: str
    finished_at: str | None
    status: str  # running | done | failed | interrupted | cancelled
    stage: str | None
    done: int
    total: int
    max_group: int
    error: str | None
    summary: dict[str, Any] = field(default_factory=dict)
    owner: str | None = None  # rq:<job id> on the queue, host:pid in a thread
    recommendations: dict[str, Recommendation] = field(default_factory=dict)  # by village id
    unserved: list[Unserved] = field(default_factory=list)  # villages left out, with the reason
    calibration: Calibration | None = None  # the model's held-out calibration, when it had one

    @property
    def percent(self) -> int:
        if self.status == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    def status_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "stage": self.stage,
            "done": self.done,
            "total": self.total,
            "percent": self.percent,
            "error": self.error,
            "summary": self.summary,
        }


#: live threads by (site database, run id): a "running" row without one was cut short
_threads: dict[tuple[str, int], threading.Thread] = {}
#: parsed results of finished runs (they never change)
_results: dict[tuple[str, int], RecommendationResult] = {}
_start_lock = threading.RLock()  # held from a run's row to its thread's registration


def _key(run_id: int) -> tuple[str, int]:
    return (database_url(current_app.config), run_id)


def _is_live(run_id: int, owner: str | None = None) -> bool:
    if owner and owner.startswith(QUEUED_OWNER):  # on the queue: ask Redis, from any machine
        return job_alive(current_app, owner[len(QUEUED_OWNER) :])
    if owner and owner != this_process():  # another worker's run: alive while its process is
        return process_alive(owner)
    with _start_lock:  # a run being started has its row before its thread is registered
        thread = _threads.get(_key(run_id))
    return thread is not None and thread.is_alive()


def start_run(actor: str, max_group: int = DEFAULT_MAX_GROUP, seed: int = 0) -> int:
    """Start a matcher run as a job (on the queue, or a thread without one); returns its id.

    Raises :class:`RunError` while another run of this site is still going, or when the queue
    refuses the job (the run is then recorded as failed, with the reason).
    """
    too_many = max_group_problem(max_group)
    if too_many is not None:
        from .group_messages import problem_message

        raise RunError(problem_message(too_many))
    with _start_lock:
        db = get_db()
        write_lock(db, "matcher-run")  # one check-and-start at a time across servers
        try:
            running = db.execute(
                select(models.MatcherRun.id, models.MatcherRun.owner).where(
                    models.MatcherRun.status == "running"
                )
            ).all()
            for other, owner in running:
                if _is_live(other, owner):
                    raise RunError(_("匹配运行 #%(id)s 尚未结束，请稍候", id=other))
                _mark_interrupted(other, commit=False)
            app = current_app._get_current_object()  # type: ignore[attr-defined]
            job_id = f"matcher-run-{uuid.uuid4().hex}"
            queued = job_queue(app) is not None
            owner = QUEUED_OWNER + job_id if queued else this_process()
            run_id = insert_run(actor, max_group, owner, commit=False)
        except BaseException:
            db.rollback()
            raise
        db.commit()
        try:
            thread = submit(
                app,
                "webapp.jobs.matcher_run.execute_run",
                (run_id, max_group, seed),
                job_id=job_id,
                timeout=RUN_TIMEOUT,
            )
        except JobError as exc:
            record_failure(run_id, str(exc))
            raise RunError(_("匹配运行无法排队：%(error)s", error=str(exc))) from exc
        if thread is not None:
            _threads[_key(run_id)] = thread
    return run_id


def cancel_run(run_id: int, actor: str) -> None:
    """Cancel a queued or running run: it is marked ``cancelled`` now, and its job stops at its
    next progress write (or never starts, if it still waits on the queue).

    Raises :class:`RunError` when there is no such run or it has already ended.
    """
    cancelled = end_run(run_id, "cancelled", _("已由 %(actor)s 取消", actor=actor))
    run = get_run(run_id, with_result=False)  # RunError when there is no such run
    if not cancelled:
        raise RunError(_("匹配运行 #%(id)s 已结束，无需取消", id=run_id))
    owner = run.owner or ""
    if owner.startswith(QUEUED_OWNER):
        cancel_job(current_app, owner[len(QUEUED_OWNER) :])


def _mark_interrupted(run_id: int, commit: bool = True) -> None:
    end_run(run_id, "interrupted", "the site stopped during the run", commit=commit)


#: what a page needs of a run: everything but its result (megabytes, read once by _parsed)
_WITHOUT_RESULT = defer(models.MatcherRun.result_json)


def _parsed(run_id: int) -> RecommendationResult:
    """The typed result of a finished run, parsed once a process.

    A city's result is a few megabytes of JSON: reading and parsing it on every page cost more
    than the page itself.
    """
    key = _key(run_id)
    if key not in _results:
        text = get_db().scalar(
            select(models.MatcherRun.result_json).where(models.MatcherRun.id == run_id)
        )
        data = json.loads(text or "{}")
        from matcher.result import RecommendationResult  # (scikit-learn loads with matcher)

        while len(_results) >= 8:
            _results.pop(next(iter(_results)))
        _results[key] = RecommendationResult.from_dict(data)
    return _results[key]


def _row_to_run(row: models.MatcherRun, with_result: bool) -> Run:
    run = Run(
        id=row.id,
        started_by=row.started_by,
        started_at=row.started_at,
        finished_at=row.finished_at,
        status=row.status,
        stage=row.stage,
        done=row.done or 0,
        total=row.total or 0,
        max_group=row.max_group or DEFAULT_MAX_GROUP,
        error=row.error,
        owner=row.owner,
    )
    if run.status == "running" and not _is_live(run.id, row.owner):
        _mark_interrupted(run.id)
        run.status = "interrupted"
    if with_result and run.status == "done":
        result = _parsed(run.id)
        run.summary, run.recommendations = result.summary, result.by_village()
        run.unserved, run.calibration = result.unserved, result.calibration
    return run


def get_run(run_id: int, with_result: bool = True) -> Run:
    """A run by id (with its parsed result when ``with_result``); :class:`RunError` if unknown."""
    row = get_db().scalar(
        select(models.MatcherRun).options(_WITHOUT_RESULT).where(models.MatcherRun.id == run_id)
    )
    if row is None:
        raise RunError(_("没有编号为 %(id)s 的匹配运行", id=run_id))
    return _row_to_run(row, with_result)


def list_runs(limit: int = 20) -> list[Run]:
    """The newest runs first, without their results."""
    rows = get_db().scalars(
        select(models.MatcherRun)
        .options(_WITHOUT_RESULT)
        .order_by(models.MatcherRun.id.desc())
        .limit(limit)
    )
    return [_row_to_run(r, False) for r in rows.all()]


def latest_recommendation(village_id: str) -> dict | None:
    """The village's recommendation in the newest finished run, with the run id and any decision."""
    newest = get_db().scalar(
        select(models.MatcherRun.id)
        .where(models.MatcherRun.status == "done")
        .order_by(models.MatcherRun.id.desc())
        .limit(1)
    )
    if newest is None:
        return None
    run = get_run(newest)
    rec = run.recommendations.get(village_id)
    if rec is None:
        return None
    decision = get_db().get(models.RecommendationDecision, (run.id, village_id))
    return {"run_id": run.id, "rec": rec, "decision": _as_dict(decision) if decision else None}


def _as_dict(decision: models.RecommendationDecision) -> dict[str, Any]:
    return {
        "village_id": decision.village_id,
        "decision": decision.decision,
        "decided_by": decision.decided_by,
        "decided_at": decision.decided_at,
        "note": decision.note,
    }


def decisions_of(run_id: int) -> dict[str, dict]:
    """The officer's decisions in a run, by village id."""
    rows = get_db().scalars(
        select(models.RecommendationDecision).where(models.RecommendationDecision.run_id == run_id)
    )
    return {r.village_id: _as_dict(r) for r in rows.all()}


def record_decision(run_id: int, village_id: str, decision: str, actor: str, note: str) -> None:
    """Keep the decision on a village's recommendation (the last one stands)."""
    db = get_db()
    upsert(
        db,
        models.RecommendationDecision,
        run_id=run_id,
        village_id=village_id,
        decision=decision,
        decided_by=actor,
        decided_at=now_iso(),
        note=note,
    )
    db.commit()
