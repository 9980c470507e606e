"""Insert a row or, when its key is taken, update it — in one statement, on SQLite and PostgreSQL.

Both speak ``INSERT ... ON CONFLICT (key) DO UPDATE``; SQLAlchemy builds it per dialect. One
statement (not a read, then an insert) so two web servers writing the same key at once both
succeed and the last one stands.

Examples
--------
>>> from sqlalchemy.orm import Session
>>> from webapp.sitedb.engine import make_engine
>>> from webapp.sitedb.migrate import upgrade_to_head
>>> from webapp.sitedb.models import IntegrityMark
>>> engine = make_engine("sqlite://")
>>> upgrade_to_head(engine)
>>> with Session(engine) as session:
...     for note in ("first", "second"):
...         upsert(session, IntegrityMark, item_key="k", checked_by="a", checked_at="t", note=note)
...     session.get(IntegrityMark, "k").note
'second'
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

__all__ = ["upsert"]


def upsert(session: Session, model: type, **values: Any) -> None:
    """Insert ``values`` as a row of ``model``'s table, or update the row with the same primary key."""
    table: Table = model.__table__  # type: ignore[attr-defined]
    keys = [column.name for column in table.primary_key.columns]
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = dialect.insert(table).values(**values)
    changed = {k: statement.excluded[k] for k in values if k not in keys}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed))
