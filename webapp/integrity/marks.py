"""Who checked which item of the 疑点清单, when, and what they found (the site's ``integrity_marks``).

The writes (a mark, a mark taken back) are :mod:`webapp.services.integrity`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..sitedb.models import IntegrityMark

__all__ = ["Mark", "load_marks", "MAX_NOTE"]

MAX_NOTE = 2000


@dataclass(frozen=True)
class Mark:
    """An item someone has checked (核实)."""

    item_key: str
    checked_by: str
    checked_at: str
    note: str


def load_marks(db: Session) -> dict[str, Mark]:
    """Every mark by item key."""
    rows = db.scalars(select(IntegrityMark))
    return {r.item_key: Mark(r.item_key, r.checked_by, r.checked_at, r.note or "") for r in rows}
