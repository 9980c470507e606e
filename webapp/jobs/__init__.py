"""Long jobs (matcher runs) on a Redis queue when one is configured, in a thread of the site otherwise.

With ``BAOTUAN_REDIS_URL`` set, :func:`submit` puts a job on an `RQ <https://python-rq.org>`_
queue and ``baotuan worker`` processes (on any machine) execute it; without it the job runs in a
thread of the web process that asked for it, as before. Either way the same job body runs
(:func:`webapp.jobs.matcher_run.execute_run`) and writes its progress where the pages read it.
See docs/deploy.md.
"""

from __future__ import annotations

from .queue import (
    DEFAULT_QUEUE,
    JobError,
    cancel_job,
    job_alive,
    job_queue,
    redis_connection,
    redis_url,
    submit,
)
from .worker_app import set_worker_app, worker_app

__all__ = [
    "DEFAULT_QUEUE",
    "JobError",
    "cancel_job",
    "job_alive",
    "job_queue",
    "redis_connection",
    "redis_url",
    "set_worker_app",
    "submit",
    "worker_app",
]
