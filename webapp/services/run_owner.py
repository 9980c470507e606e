"""Which process runs a matcher run, so that every worker process can tell a live run from a dead one.

A run is a thread of the worker that started it. With several workers (``baotuan serve
--workers``) another worker sees the run's row as ``running`` without a thread of its own; the
row's ``owner`` (host and process id) tells it whether the run's process is still there, instead
of marking a live run as interrupted. (A run on the Redis queue is owned by ``rq:<job id>``
instead, and its liveness is asked of Redis: :func:`webapp.jobs.job_alive`.)

Examples
--------
>>> process_alive(this_process())
True
>>> process_alive(f"{socket.gethostname()}:0x")
False
"""

from __future__ import annotations

import os
import socket

__all__ = ["this_process", "process_alive"]


def this_process() -> str:
    """``host:pid`` of the calling process (read at each call: workers are forked)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def process_alive(owner: str) -> bool:
    """Whether the process ``host:pid`` still runs (one on another host is taken to)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # that host marks its own dead runs
    try:
        os.kill(int(pid), 0)
    except (ProcessLookupError, ValueError):
        return False
    except PermissionError:  # there, but someone else's
        return True
    return True
