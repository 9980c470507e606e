"""Submit a job: to the RQ queue in Redis when ``REDIS_URL`` is set, to a thread otherwise.

A job is a *body*, ``body(app, *args)`` named by its dotted path, which does the work and writes
its progress to the site database. On the queue, the worker calls :func:`run_in_worker`, which
gives the body the worker's app (:mod:`.worker_app`) and keeps a heartbeat key in Redis while the
body runs; without a queue, a thread of the calling process calls the same body with the
caller's app.

Whether a queued job is still alive is asked of Redis, not of a process id, so that a site on
several machines tells a live job from one whose worker died: a job waiting on the queue is
alive; a started one is alive while its heartbeat (refreshed every :data:`HEARTBEAT_EVERY`
seconds, kept :data:`HEARTBEAT_TTL` seconds) is there. A worker killed in the middle of a job
therefore shows as dead within :data:`HEARTBEAT_TTL` seconds on every machine.

Examples
--------
>>> import tempfile
>>> from webapp import create_app
>>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp(), "REDIS_URL": None})
>>> job_queue(app) is None  # no Redis configured: jobs run in threads of the site
True
>>> from webapp.jobs.worker_app import worker_app
>>> body = "webapp.jobs.worker_app.set_worker_app"  # body(app): makes app this process's
>>> thread = submit(app, body, (), job_id="doc-1", timeout=10)
>>> thread.join(); worker_app() is app
True
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from ..errors import WebappError

__all__ = [
    "DEFAULT_QUEUE",
    "HEARTBEAT_EVERY",
    "HEARTBEAT_TTL",
    "JobError",
    "cancel_job",
    "job_alive",
    "job_queue",
    "redis_connection",
    "redis_url",
    "run_in_worker",
    "submit",
]

#: the queue's name unless ``JOB_QUEUE`` says otherwise (two sites on one Redis: two names)
DEFAULT_QUEUE = "baotuan"
HEARTBEAT_EVERY = 5  # seconds between heartbeats of a job being executed by a worker
HEARTBEAT_TTL = 30  # seconds a heartbeat is kept: a dead worker's job is seen as dead after this

_log = logging.getLogger(__name__)
_connections: dict[str, Any] = {}
_connections_lock = threading.Lock()


class JobError(WebappError):
    """A job could not be put on the queue (Redis unreachable, or refused it)."""


def redis_connection(url: str):
    """The process's Redis client for ``url`` (one connection pool per URL and process)."""
    from redis import Redis

    with _connections_lock:
        if url not in _connections:
            _connections[url] = Redis.from_url(url, socket_connect_timeout=5, socket_timeout=30)
        return _connections[url]


def redis_url(app: Flask) -> str | None:
    """The app's Redis URL (``REDIS_URL``, else its settings' ``redis_url``), or ``None``."""
    if "REDIS_URL" in app.config:
        return app.config["REDIS_URL"] or None
    settings = app.extensions.get("baotuan_settings")
    return getattr(settings, "redis_url", None) or None


def job_queue(app: Flask):
    """The app's RQ :class:`~rq.Queue`, or ``None`` when no ``REDIS_URL`` is configured."""
    url = redis_url(app)
    if not url:
        return None
    from rq import Queue

    name = app.config.get("JOB_QUEUE") or DEFAULT_QUEUE
    return Queue(name, connection=redis_connection(url))


def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _heartbeat_key(job_id: str) -> str:
    return f"baotuan:job-heartbeat:{job_id}"


def submit(
    app: Flask, body: str, args: tuple, *, job_id: str, timeout: int
) -> threading.Thread | None:
    """Run ``body(app, *args)`` as a job; returns its thread when it runs in this process.

    Parameters
    ----------
    app : Flask
        The site asking; its ``REDIS_URL`` decides between the queue and a thread.
    body : str
        Dotted path of the job body, e.g. ``"webapp.jobs.matcher_run.execute_run"``.
    args : tuple
        The body's arguments after ``app`` (plain values: they travel through Redis).
    job_id : str
        The job's id on the queue (unique; the caller keeps it to ask about the job later).
    timeout : int
        Seconds a worker lets the job run before it stops it (queue only).

    Raises
    ------
    JobError
        When Redis cannot be reached or refuses the job.
    """
    queue = job_queue(app)
    if queue is None:
        thread = threading.Thread(
            target=_resolve(body), args=(app, *args), name=f"job-{job_id}", daemon=True
        )
        thread.start()
        return thread
    try:
        queue.enqueue(
            run_in_worker,
            args=(body, job_id, *args),
            job_id=job_id,
            job_timeout=timeout,
            result_ttl=24 * 3600,
            failure_ttl=7 * 24 * 3600,
            description=f"{body}{args!r}",
        )
    except Exception as exc:  # redis.exceptions.RedisError and its kin, named in the message
        raise JobError(f"the job queue at {redis_url(app)} refused the job: {exc}") from exc
    return None


def run_in_worker(body: str, job_id: str, *args: Any) -> Any:
    """What an RQ worker executes: ``body(worker_app(), *args)`` with a heartbeat kept meanwhile.

    The body's return value becomes the job's result on the queue.
    """
    from .worker_app import worker_app

    app = worker_app()
    connection = redis_connection(redis_url(app) or "")
    key = _heartbeat_key(job_id)
    stop = threading.Event()

    def beat() -> None:
        while True:
            try:
                connection.set(key, datetime.now(UTC).isoformat(), ex=HEARTBEAT_TTL)
            except Exception:  # Redis away for a moment: the next beat tries again
                _log.warning("job %s: heartbeat not written", job_id, exc_info=True)
            if stop.wait(HEARTBEAT_EVERY):
                return

    connection.set(key, datetime.now(UTC).isoformat(), ex=HEARTBEAT_TTL)
    beater = threading.Thread(target=beat, name=f"heartbeat-{job_id}", daemon=True)
    beater.start()
    try:
        return _resolve(body)(app, *args)
    finally:
        stop.set()
        beater.join()
        connection.delete(key)


def job_alive(app: Flask, job_id: str) -> bool:
    """Whether the queued job ``job_id`` waits on the queue or is being executed by a live worker.

    When Redis cannot be asked the job is taken to be alive: a run must never be marked
    interrupted because the queue was unreachable for a moment.
    """
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    url = redis_url(app)
    if not url:
        return False
    connection = redis_connection(url)
    try:
        if connection.exists(_heartbeat_key(job_id)):
            return True
        job = Job.fetch(job_id, connection=connection)
        status = job.get_status(refresh=False)
    except NoSuchJobError:
        return False
    except Exception:
        _log.warning("job %s: the queue cannot be asked; taken as alive", job_id, exc_info=True)
        return True
    if status in (JobStatus.QUEUED, JobStatus.DEFERRED, JobStatus.SCHEDULED, JobStatus.CREATED):
        return True
    if status == JobStatus.STARTED:  # between the worker taking it and the body's first beat
        started = job.started_at
        if started is not None and started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        return started is not None and (datetime.now(UTC) - started).total_seconds() < HEARTBEAT_TTL
    return False


def cancel_job(app: Flask, job_id: str) -> None:
    """Take ``job_id`` off the queue if it still waits there (a started job stops by itself:
    its body sees the cancellation at its next progress write)."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job, JobStatus

    url = redis_url(app)
    if not url:
        return
    try:
        job = Job.fetch(job_id, connection=redis_connection(url))
        if job.get_status(refresh=False) in (JobStatus.QUEUED, JobStatus.DEFERRED):
            job.cancel()
    except NoSuchJobError:
        return
    except Exception:  # the body checks the run's row before it starts: cancelled either way
        _log.warning("job %s: could not be taken off the queue", job_id, exc_info=True)
