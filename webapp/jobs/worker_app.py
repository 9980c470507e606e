"""The application a ``baotuan worker`` process runs its jobs in.

A job on the queue carries only ids (a run id, its settings); the worker supplies the rest — the
site database, the store, the configuration — from the app it built at start
(:func:`set_worker_app`). A job executed by a worker that did not set one (``rq worker`` started
by hand) builds the app from the environment, as ``baotuan serve`` would.

Examples
--------
>>> import tempfile
>>> from webapp import create_app
>>> app = create_app({"TESTING": True, "INSTANCE": tempfile.mkdtemp()})
>>> set_worker_app(app)
>>> worker_app() is app
True
"""

from __future__ import annotations

from flask import Flask

__all__ = ["set_worker_app", "worker_app"]

_app: Flask | None = None


def set_worker_app(app: Flask | None) -> None:
    """Make ``app`` the one this process's jobs run in (``None`` forgets it)."""
    global _app
    _app = app


def worker_app() -> Flask:
    """The app set by :func:`set_worker_app`, else one built once from the environment."""
    global _app
    if _app is None:
        from webapp import create_app

        _app = create_app()
    return _app
