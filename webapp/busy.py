"""What the site and the API answer while a large import is being applied to the store.

A staged Neo4j import (docs/neo4j.md) makes every write wait for it, up to the store's
``import_wait``; a province takes minutes, so a write may still find it running. That is not a
fault of the site: the answer is 503 with ``Retry-After`` and a page that says what is happening,
never a 500.
"""

from __future__ import annotations

from flask import Flask, render_template, request

from graph_schema.errors import ImportInProgressError

__all__ = ["init_app", "RETRY_AFTER_SECONDS"]

#: how long a client is asked to wait before it tries again
RETRY_AFTER_SECONDS = 30


def init_app(app: Flask) -> None:
    """Answer :class:`ImportInProgressError` with 503 on every page (the API has its own JSON)."""

    @app.errorhandler(ImportInProgressError)
    def import_in_progress(exc: ImportInProgressError):
        app.logger.warning("%s %s waited for an import: %s", request.method, request.path, exc)
        page = render_template("busy.html", detail=str(exc), retry_after=RETRY_AFTER_SECONDS)
        return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}
