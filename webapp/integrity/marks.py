"""Who checked which item of the 疑点清单, when, and what they found (the site's ``integrity_marks``).

Each mark, and each mark taken back, is also written to the store's audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from graph_schema.store import GraphStore
from graph_schema.store.base import now_iso

from ..sitedb.models import IntegrityMark
from ..sitedb.upsert import upsert

__all__ = ["Mark", "load_marks", "mark_checked", "reopen", "MAX_NOTE"]

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


def mark_checked(db: Session, store: GraphStore, item_key: str, actor: str, note: str) -> Mark:
    """Record that ``actor`` checked the item (a second mark replaces the first, audited)."""
    note = (note or "").strip()[:MAX_NOTE]
    before = load_marks(db).get(item_key)
    mark = Mark(item_key, actor, now_iso(), note)
    upsert(
        db,
        IntegrityMark,
        item_key=mark.item_key,
        checked_by=mark.checked_by,
        checked_at=mark.checked_at,
        note=mark.note,
    )
    db.commit()
    store.append_audit(
        actor,
        "integrity_mark",
        f"integrity:{item_key}",
        None if before is None else {"checked_by": before.checked_by, "note": before.note},
        {"note": note},
    )
    return mark


def reopen(db: Session, store: GraphStore, item_key: str, actor: str) -> bool:
    """Take a mark back (the item shows as unchecked again); returns whether there was one."""
    before = load_marks(db).get(item_key)
    if before is None:
        return False
    db.execute(delete(IntegrityMark).where(IntegrityMark.item_key == item_key))
    db.commit()
    store.append_audit(
        actor,
        "integrity_reopen",
        f"integrity:{item_key}",
        {"checked_by": before.checked_by, "note": before.note},
        None,
    )
    return True
