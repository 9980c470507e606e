"""Alembic's environment for the site database.

:mod:`webapp.sitedb.migrate` passes an open connection (``config.attributes["connection"]``) inside
the transaction that holds the migration lock; the ``alembic`` command line (with
``-x url=...`` or ``BAOTUAN_DATABASE_URL``) gets an engine of its own.
"""

from __future__ import annotations

import os

from alembic import context

from webapp.sitedb.engine import make_engine
from webapp.sitedb.models import Base

__all__: list[str] = []

config = context.config
target_metadata = Base.metadata


def _configure_and_run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying a table
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _configure_and_run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url") or os.environ.get(
        "BAOTUAN_DATABASE_URL", "sqlite:///instance/site.sqlite"
    )
    with make_engine(url).connect() as own_connection:
        _configure_and_run(own_connection)
        own_connection.commit()
