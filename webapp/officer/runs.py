"""Matcher runs started from the site: a background thread per run, its progress and its result.

A run is a row of the site database's ``matcher_runs`` table; the thread writes its stage and
progress there as the matcher reports them, then the result (``RecommendationResult.to_dict()``) as
JSON. The officer's decisions on each village's recommendation go to ``recommendation_decisions``.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from flask import Flask, current_app
from flask_babel import gettext as _

from graph_schema.store.base import now_iso

from ..db import get_db
from ..errors import WebappError
from .run_owner import process_alive, this_process

if TYPE_CHECKING:
    from matcher.result import Calibration, Recommendation, RecommendationResult, Unserved

__all__ = [
    "Run",
    "RunError",
    "start_run",
    "get_run",
    "list_runs",
    "latest_recommendation",
    "decisions_of",
    "record_decision",
    "DEFAULT_MAX_GROUP",
]

DEFAULT_MAX_GROUP = 4
_PROGRESS_EVERY = 0.25  # seconds between progress writes: enough for a bar, cheap for SQLite


class RunError(WebappError):
    """A matcher run cannot be started or found."""


@dataclass
class Run:
    """One matcher run as the pages show it."""

    id: int
    started_by: str
    started_at: str
    finished_at: str | None
    status: str  # running | done | failed | interrupted
    stage: str | None
    done: int
    total: int
    max_group: int
    error: str | None
    summary: dict[str, Any] = field(default_factory=dict)
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
_start_lock = threading.Lock()


def _key(run_id: int) -> tuple[str, int]:
    return (current_app.config["DATABASE"], run_id)


def _is_live(run_id: int, owner: str | None = None) -> bool:
    if owner and owner != this_process():  # another worker's run: alive while its process is
        return process_alive(owner)
    thread = _threads.get(_key(run_id))
    return thread is not None and thread.is_alive()


def _work(app: Flask, run_id: int, max_group: int, seed: int) -> None:
    with app.app_context():
        db = get_db()
        last = 0.0

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < _PROGRESS_EVERY and done < total:
                return
            last = now
            db.execute(
                "UPDATE matcher_runs SET stage = ?, done = ?, total = ? WHERE id = ?",
                (str(stage), int(done), int(total), run_id),
            )
            db.commit()

        try:
            progress("load", 0, 1)
            from matcher import recommend  # the first import takes a moment (scikit-learn)

            dataset = app.extensions["baotuan_store"].load_dataset()
            result = recommend(dataset, max_group=max_group, seed=seed, progress=progress)
            payload = json.dumps(result.to_dict(), ensure_ascii=False, default=str)
            db.execute(
                "UPDATE matcher_runs SET status = 'done', finished_at = ?, result_json = ?, "
                "done = total WHERE id = ?",
                (now_iso(), payload, run_id),
            )
        except Exception as exc:  # a failed run is shown to the officer, never lost silently
            db.execute(
                "UPDATE matcher_runs SET status = 'failed', finished_at = ?, error = ? WHERE id = ?",
                (now_iso(), f"{type(exc).__name__}: {exc}", run_id),
            )
        db.commit()


def start_run(actor: str, max_group: int = DEFAULT_MAX_GROUP, seed: int = 0) -> int:
    """Start a matcher run in a background thread; returns its id.

    Raises :class:`RunError` while another run of this site is still going.
    """
    if not 1 <= max_group <= 10:
        raise RunError(_("每个抱团的组织数须在 1 到 10 之间"))
    with _start_lock:
        db = get_db()
        db.execute("BEGIN IMMEDIATE")  # one check-and-start at a time across worker processes
        try:
            running = db.execute("SELECT id, owner FROM matcher_runs WHERE status = 'running'")
            for other, owner in running.fetchall():
                if _is_live(other, owner):
                    raise RunError(_("匹配运行 #%(id)s 尚未结束，请稍候", id=other))
                _mark_interrupted(other, commit=False)
            cur = db.execute(
                "INSERT INTO matcher_runs(started_by, started_at, status, stage, done, total, "
                "max_group, owner) VALUES (?, ?, 'running', 'queued', 0, 0, ?, ?)",
                (actor, now_iso(), max_group, this_process()),
            )
        except BaseException:
            db.rollback()
            raise
        db.commit()
        run_id = int(cur.lastrowid or 0)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        thread = threading.Thread(
            target=_work, args=(app, run_id, max_group, seed), name=f"matcher-run-{run_id}"
        )
        thread.daemon = True
        _threads[_key(run_id)] = thread
        thread.start()
    return run_id


def _mark_interrupted(run_id: int, commit: bool = True) -> None:
    db = get_db()
    db.execute(
        "UPDATE matcher_runs SET status = 'interrupted', finished_at = ?, "
        "error = 'the site stopped during the run' WHERE id = ? AND status = 'running'",
        (now_iso(), run_id),
    )
    if commit:
        db.commit()


_COLUMNS = (
    "id, started_by, started_at, finished_at, status, stage, done, total, max_group, error, owner"
)


def _parsed(run_id: int) -> RecommendationResult:
    """The typed result of a finished run, parsed once a process.

    A city's result is a few megabytes of JSON: reading and parsing it on every page cost more
    than the page itself.
    """
    key = _key(run_id)
    if key not in _results:
        row = get_db().execute("SELECT result_json FROM matcher_runs WHERE id = ?", (run_id,))
        data = json.loads(row.fetchone()["result_json"] or "{}")
        from matcher.result import RecommendationResult  # (scikit-learn loads with matcher)

        while len(_results) >= 8:
            _results.pop(next(iter(_results)))
        _results[key] = RecommendationResult.from_dict(data)
    return _results[key]


def _row_to_run(row, with_result: bool) -> Run:
    run = Run(
        id=row["id"],
        started_by=row["started_by"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        status=row["status"],
        stage=row["stage"],
        done=row["done"] or 0,
        total=row["total"] or 0,
        max_group=row["max_group"] or DEFAULT_MAX_GROUP,
        error=row["error"],
    )
    if run.status == "running" and not _is_live(run.id, row["owner"]):
        _mark_interrupted(run.id)
        run.status = "interrupted"
    if with_result and run.status == "done":
        result = _parsed(run.id)
        run.summary, run.recommendations = result.summary, result.by_village()
        run.unserved, run.calibration = result.unserved, result.calibration
    return run


def get_run(run_id: int, with_result: bool = True) -> Run:
    """A run by id (with its parsed result when ``with_result``); :class:`RunError` if unknown."""
    row = (
        get_db().execute(f"SELECT {_COLUMNS} FROM matcher_runs WHERE id = ?", (run_id,)).fetchone()
    )
    if row is None:
        raise RunError(_("没有编号为 %(id)s 的匹配运行", id=run_id))
    return _row_to_run(row, with_result)


def list_runs(limit: int = 20) -> list[Run]:
    """The newest runs first, without their results."""
    rows = get_db().execute(
        f"SELECT {_COLUMNS} FROM matcher_runs ORDER BY id DESC LIMIT ?", (limit,)
    )
    return [_row_to_run(r, False) for r in rows]


def latest_recommendation(village_id: str) -> dict | None:
    """The village's recommendation in the newest finished run, with the run id and any decision."""
    row = (
        get_db()
        .execute("SELECT id FROM matcher_runs WHERE status = 'done' ORDER BY id DESC LIMIT 1")
        .fetchone()
    )
    if row is None:
        return None
    run = get_run(row["id"])
    rec = run.recommendations.get(village_id)
    if rec is None:
        return None
    decision = (
        get_db()
        .execute(
            "SELECT village_id, decision, decided_by, decided_at, note FROM "
            "recommendation_decisions WHERE run_id = ? AND village_id = ?",
            (run.id, village_id),
        )
        .fetchone()
    )
    return {"run_id": run.id, "rec": rec, "decision": dict(decision) if decision else None}


def decisions_of(run_id: int) -> dict[str, dict]:
    """The officer's decisions in a run, by village id."""
    rows = get_db().execute(
        "SELECT village_id, decision, decided_by, decided_at, note FROM recommendation_decisions "
        "WHERE run_id = ?",
        (run_id,),
    )
    return {r["village_id"]: dict(r) for r in rows}


def record_decision(run_id: int, village_id: str, decision: str, actor: str, note: str) -> None:
    """Keep the decision on a village's recommendation (the last one stands)."""
    db = get_db()
    db.execute(
        "INSERT INTO recommendation_decisions(run_id, village_id, decision, decided_by, decided_at,"
        " note) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(run_id, village_id) DO UPDATE SET "
        "decision = excluded.decision, decided_by = excluded.decided_by, "
        "decided_at = excluded.decided_at, note = excluded.note",
        (run_id, village_id, decision, actor, now_iso(), note),
    )
    db.commit()
