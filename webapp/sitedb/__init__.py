"""The site's own database: accounts, matcher runs and results, decisions, integrity marks,
registrations, contacts, rubric scores and approval intents (SQLAlchemy 2 and Alembic).

SQLite (``<instance>/site.sqlite``) unless the ``DATABASE_URL`` setting (``Settings.database_url``,
from ``$BAOTUAN_DATABASE_URL``) names another database, e.g. ``postgresql+psycopg://user:pw@host/db`` when several web
servers share it. :func:`init_app` upgrades the database to the newest migration and gives each
application context one :class:`~sqlalchemy.orm.Session` (:func:`get_session`), closed — and rolled
back unless committed — when the context ends. Every SQL statement of the site lives in this
package or is built with SQLAlchemy by the operations that use it. See docs/site-data.md.

Examples
--------
>>> import tempfile
>>> from flask import Flask
>>> from sqlalchemy import select
>>> app = Flask("example")
>>> app.config["DATABASE"] = tempfile.mkdtemp() + "/site.sqlite"
>>> init_app(app)
>>> with app.app_context():
...     get_session().scalars(select(models.User)).all()
[]
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ..errors import WebappError
from . import models
from .engine import cached_engine, sqlite_url, write_lock
from .migrate import upgrade_to_head

__all__ = [
    "SiteDbError",
    "init_app",
    "get_session",
    "get_engine",
    "database_url",
    "models",
    "write_lock",
    "EXTENSION",
]

EXTENSION = "baotuan_sitedb"


class SiteDbError(WebappError):
    """The site database cannot be opened or migrated."""


def database_url(config: dict) -> str:
    """Where the site's data lives: the ``DATABASE_URL`` setting, else the SQLite file
    ``DATABASE`` (``<instance>/site.sqlite``).

    Examples
    --------
    >>> database_url({"DATABASE": "/srv/site.sqlite", "DATABASE_URL": None})
    'sqlite:////srv/site.sqlite'
    """
    return config.get("DATABASE_URL") or sqlite_url(config["DATABASE"])


def init_app(app: Flask) -> None:
    """Open the app's site database, upgrade it to the newest schema, and close sessions at the
    end of each application context."""
    url = database_url(app.config)
    engine = cached_engine(url)
    try:
        upgrade_to_head(engine)
    except Exception as exc:  # say which database, then the driver's words
        shown = engine.url.render_as_string(hide_password=True)
        raise SiteDbError(f"site database {shown}: cannot upgrade: {exc}") from exc
    app.extensions[EXTENSION] = sessionmaker(engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def get_engine() -> Engine:
    """The engine of the current application's site database."""
    return current_app.extensions[EXTENSION].kw["bind"]


def get_session() -> Session:
    """The application context's session on the site database (one per request)."""
    if "sitedb_session" not in g:
        g.sitedb_session = current_app.extensions[EXTENSION]()
    return g.sitedb_session


def _close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("sitedb_session", None)
    if session is not None:
        session.close()  # a request that failed half-way writes nothing
