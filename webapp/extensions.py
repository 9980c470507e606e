"""Flask extensions, created once and bound to an application in :func:`webapp.create_app`."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from graph_schema.store import GraphStore, open_store

__all__ = ["babel", "csrf", "login_manager", "limiter", "get_store", "init_store", "LANGUAGES"]

LANGUAGES = ("zh", "en")

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
# The storage comes from RATELIMIT_STORAGE_URI (create_app: a SQLite file in the instance folder,
# shared by all worker processes).
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def select_locale() -> str:
    """Chinese first; English when the visitor chose it (``?lang=en`` sets it for the session)."""
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "zh")


def init_store(app: Flask) -> GraphStore:
    """Open the app's one store (one Neo4j Driver per app) and close it when the process exits."""
    settings = app.extensions["baotuan_settings"]
    store = open_store(settings.store, settings.credentials)
    app.extensions["baotuan_store"] = store
    return store


def get_store() -> GraphStore:
    """The :class:`GraphStore` of the current application."""
    return current_app.extensions["baotuan_store"]


def wants_json() -> bool:
    return request.path.startswith("/api/")
