"""Who checked which item of the 疑点清单, when, and what they found (the site's ``integrity_marks``).

Each mark, and each mark taken back, is also written to the store's audit trail.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from graph_schema.store import GraphStore
from graph_schema.store.base import now_iso

__all__ = ["Mark", "load_marks", "mark_checked", "reopen", "MAX_NOTE"]

MAX_NOTE = 2000


@dataclass(frozen=True)
class Mark:
    """An item someone has checked (核实)."""

    item_key: str
    checked_by: str
    checked_at: str
    note: str


def load_marks(db: sqlite3.Connection) -> dict[str, Mark]:
    """Every mark by item key."""
    rows = db.execute("SELECT item_key, checked_by, checked_at, note FROM integrity_marks")
    return {r[0]: Mark(r[0], r[1], r[2], r[3] or "") for r in rows}


def mark_checked(
    db: sqlite3.Connection, store: GraphStore, item_key: str, actor: str, note: str
) -> Mark:
    """Record that ``actor`` checked the item (a second mark replaces the first, audited)."""
    note = (note or "").strip()[:MAX_NOTE]
    before = load_marks(db).get(item_key)
    mark = Mark(item_key, actor, now_iso(), note)
    db.execute(
        "INSERT INTO integrity_marks(item_key, checked_by, checked_at, note) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(item_key) DO UPDATE SET checked_by = excluded.checked_by, "
        "checked_at = excluded.checked_at, note = excluded.note",
        (mark.item_key, mark.checked_by, mark.checked_at, mark.note),
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


def reopen(db: sqlite3.Connection, store: GraphStore, item_key: str, actor: str) -> bool:
    """Take a mark back (the item shows as unchecked again); returns whether there was one."""
    before = load_marks(db).get(item_key)
    if before is None:
        return False
    db.execute("DELETE FROM integrity_marks WHERE item_key = ?", (item_key,))
    db.commit()
    store.append_audit(
        actor,
        "integrity_reopen",
        f"integrity:{item_key}",
        {"checked_by": before.checked_by, "note": before.note},
        None,
    )
    return True
