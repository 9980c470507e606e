"""The site database's session under its old name (the code before SQLAlchemy used ``get_db``).

Everything lives in :mod:`webapp.sitedb` now: models, engine, Alembic migrations. ``get_db()``
returns the application context's SQLAlchemy :class:`~sqlalchemy.orm.Session`.

Examples
--------
>>> get_db is get_session
True
"""

from __future__ import annotations

from .sitedb import get_session, init_app

__all__ = ["get_db", "get_session", "init_app"]

get_db = get_session
