"""The body of a matcher run: the same code in a worker process and in a thread of the site.

It writes the run's stage and progress to the run's row as the matcher reports them (at most
every :data:`PROGRESS_EVERY` seconds), then the result or the error. Each progress write is also
where a cancellation is noticed: an officer's cancel marks the row ``cancelled``, the next write
finds no running row, and the body stops there without writing anything more.

Examples
--------
>>> import tempfile
>>> from webapp import create_app
>>> from webapp.services.runs import get_run
>>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp(), "REDIS_URL": None})
>>> with app.app_context():  # a run row, then its body in this thread (an empty world)
...     run_id = insert_run_row("doc", max_group=3)
...     outcome = execute_run(app, run_id, 3, 0)
...     outcome, get_run(run_id).status
('done', 'done')
"""

from __future__ import annotations

import json
import time

from flask import Flask

__all__ = ["PROGRESS_EVERY", "RunCancelled", "execute_run", "insert_run_row"]

PROGRESS_EVERY = 0.25  # seconds between progress writes: enough for a bar, cheap for the database


class RunCancelled(Exception):  # noqa: N818  (a signal through the matcher, not an error)
    """Raised from the progress callback when the run's row is no longer ``running``."""


def insert_run_row(actor: str, max_group: int) -> int:
    """A ``running`` row owned by this process (for examples and tests of the body alone)."""
    from webapp.services.run_owner import this_process
    from webapp.services.run_rows import insert_run

    return insert_run(actor, max_group, this_process())


def execute_run(app: Flask, run_id: int, max_group: int, seed: int) -> str:
    """Run the matcher for run ``run_id`` on ``app``'s store, recording progress and the result.

    Parameters
    ----------
    app : Flask
        The site (in a thread) or the worker's app (on the queue): its store and site database.
    run_id : int
        The run's row, inserted by :func:`webapp.services.runs.start_run`.
    max_group, seed : int
        The matcher's settings for this run.

    Returns
    -------
    str
        How it ended: ``done``, ``failed`` or ``cancelled`` (kept by RQ as the job's result).
    """
    from webapp.services.run_rows import record_failure, record_progress, record_result

    with app.app_context():
        last = 0.0

        def progress(stage: str, done: int, total: int) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last < PROGRESS_EVERY and done < total:
                return
            last = now
            if not record_progress(run_id, str(stage), int(done), int(total)):
                raise RunCancelled(run_id)

        try:
            progress("load", 0, 1)
            from matcher import recommend  # the first import takes a moment (scikit-learn)

            dataset = app.extensions["baotuan_store"].load_dataset()
            from webapp.scope import run_county, scope_dataset

            # A county officer's run: that county's villages, the city's capacities (scope.py)
            dataset = scope_dataset(dataset, run_county(run_id))
            result = recommend(dataset, max_group=max_group, seed=seed, progress=progress)
            payload = json.dumps(result.to_dict(), ensure_ascii=False, default=str)
            if not record_result(run_id, payload):
                return "cancelled"
        except RunCancelled:
            return "cancelled"  # the row already says so, by whom and when
        except Exception as exc:  # a failed run is shown to the officer, never lost silently
            record_failure(run_id, f"{type(exc).__name__}: {exc}")
            return "failed"
    return "done"
