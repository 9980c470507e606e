"""Alembic migrations of the site database (``env.py``, ``versions/``); run by :mod:`webapp.sitedb.migrate`."""

__all__: list[str] = []
