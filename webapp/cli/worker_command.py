"""``baotuan worker``: execute the site's long jobs (matcher runs) from the Redis queue.

Start one (or more, on any machine) beside the web servers when ``BAOTUAN_REDIS_URL`` is set;
each needs what a web server needs to reach the shared data — ``BAOTUAN_DATABASE_URL``, the store
(``--store`` / ``BAOTUAN_STORE``, a Neo4j server when there are several machines) and its
credentials — but nothing on disk of its own. It runs jobs one after the other in its own process
(RQ's ``SimpleWorker``): the app, the store's driver and the matcher's imports are made once and
kept warm, instead of in a fresh fork for every job. ``SIGTERM`` lets the job in hand finish; a
worker that dies mid-job shows as interrupted on every page within
:data:`webapp.jobs.queue.HEARTBEAT_TTL` seconds. See docs/deploy.md.
"""

from __future__ import annotations

import os
import socket
import sys

from . import CliError

__all__ = ["register"]


def _work(args) -> int:
    from rq import SimpleWorker

    from webapp import create_app
    from webapp.cli import settings_from_args
    from webapp.jobs import job_queue, redis_url, set_worker_app

    app = create_app(settings_from_args(args))
    if args.queue:
        app.config["JOB_QUEUE"] = args.queue
    queue = job_queue(app)
    if queue is None:
        raise CliError(
            "no queue to work for: set BAOTUAN_REDIS_URL (e.g. redis://127.0.0.1:6379/0) "
            "here and on the web servers; without it the site runs jobs itself"
        )
    try:
        queue.connection.ping()
    except Exception as exc:  # redis.exceptions.ConnectionError and its kin
        raise CliError(f"Redis at {redis_url(app)} does not answer: {exc}") from exc
    set_worker_app(app)
    name = f"baotuan-{socket.gethostname()}-{os.getpid()}"
    worker = SimpleWorker([queue], connection=queue.connection, name=name)
    print(
        f"baotuan worker {name}: queue {queue.name!r} at {redis_url(app)} "
        f"(store: {app.config['STORE']})",
        file=sys.stderr,
    )
    worker.work(burst=args.burst, logging_level=args.log_level)
    return 0


def register(sub) -> None:
    p = sub.add_parser(
        "worker", help="execute matcher runs from the Redis queue (BAOTUAN_REDIS_URL)"
    )
    p.add_argument(
        "--queue", help="queue name (default: $BAOTUAN_QUEUE_NAME, else baotuan; one per site)"
    )
    p.add_argument(
        "--burst", action="store_true", help="stop when the queue is empty (for scripts)"
    )
    p.add_argument("--log-level", default="INFO", help="RQ's log level (default INFO)")
    p.set_defaults(func=_work)
