"""Marks on the 疑点清单: who checked an item and what they found, or a mark taken back.

The site's review pages and the API's ``/integrity/marks`` call these; the rules that find the
items stay pure (:mod:`webapp.integrity.rules`). Each write is also put on the store's audit trail.
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.orm import Session

from graph_schema.store import GraphStore
from graph_schema.store.base import now_iso

from ..integrity.marks import MAX_NOTE, Mark, load_marks
from ..sitedb.models import IntegrityMark
from ..sitedb.upsert import upsert

__all__ = ["mark_checked", "reopen"]


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
