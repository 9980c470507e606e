"""The 疑点清单 of the running site: the rules over the stored world, with the marks of who checked what.

The rules run over the whole dataset, so their result is kept until the store changes: every
write to the store adds an audit entry, and the newest entry's number is the cache key.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from flask import current_app

from ..db import get_db
from ..extensions import get_store
from .items import render_reason
from .marks import Mark, load_marks
from .rules import Item, find_items

__all__ = ["Listed", "current_items", "listed_items", "find_item", "localized_reason"]

_LOCK = threading.Lock()


@dataclass(frozen=True)
class Listed:
    """An item of the list with its mark (None while nobody has checked it)."""

    item: Item
    mark: Mark | None

    @property
    def checked(self) -> bool:
        return self.mark is not None

    def as_dict(self) -> dict:
        return {
            "key": self.item.key,
            "rule": self.item.rule,
            "subject": self.item.subject,
            "reason": self.item.reason,
            "params": self.item.params,
            "checked": self.checked,
            "checked_by": self.mark.checked_by if self.mark else None,
            "checked_at": self.mark.checked_at if self.mark else None,
            "note": self.mark.note if self.mark else None,
        }


def _store_version() -> int:
    entries = get_store().audit_log(limit=1)
    return entries[0].seq if entries else 0


def current_items(today: dt.date | None = None) -> list[Item]:
    """Every item the rules find in the stored world today (cached until the store changes)."""
    from ..organization.contacts import contacts_frame

    today = today or dt.date.today()
    key = (_store_version(), today.isoformat())
    cache = current_app.extensions.setdefault("baotuan_integrity", {})
    with _LOCK:
        if cache.get("key") == key:
            return cache["items"]
    items = find_items(get_store().load_dataset(), contacts_frame(), today=today)
    with _LOCK:
        cache.update(key=key, items=items)
    return items


def listed_items(rule: str = "", status: str = "open") -> list[Listed]:
    """Items with their marks; ``status`` is ``open`` (unchecked), ``checked`` or ``all``."""
    from ..scope import subjects_in_scope

    marks = load_marks(get_db())
    scope = subjects_in_scope()  # a county officer's list: that county's records
    out = []
    for item in current_items():
        if rule and item.rule != rule:
            continue
        if scope is not None and item.subject not in scope:
            continue
        listed = Listed(item, marks.get(item.key))
        if status == "open" and listed.checked or status == "checked" and not listed.checked:
            continue
        out.append(listed)
    return out


def find_item(key: str) -> Item | None:
    from ..scope import subjects_in_scope

    scope = subjects_in_scope()
    for item in current_items():
        if item.key == key:
            return item if scope is None or item.subject in scope else None
    return None


def localized_reason(item: Item) -> str:
    """The item's reason in the visitor's language (Chinese unless they chose English)."""
    from flask_babel import gettext

    if not item.message:
        return item.reason
    return render_reason(
        item.message, item.values, item.fragments, translate=gettext, separator=gettext("，")
    )
