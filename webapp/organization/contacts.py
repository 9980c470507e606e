"""Contact person and phone of each organization, kept in the site database (see :mod:`.schema`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from graph_schema.store.base import now_iso

from ..db import get_db
from ..errors import WebappError
from ..extensions import get_store

__all__ = [
    "Contact",
    "ContactError",
    "get_contact",
    "contacts_for",
    "contacts_frame",
    "set_contact",
    "check_contact",
]

_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{5,24}$")


class ContactError(WebappError):
    """A contact field is not acceptable; ``field`` names which."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Contact:
    org_id: str
    contact_name: str = ""
    phone: str = ""


def check_contact(contact_name: str, phone: str) -> tuple[str, str]:
    """The stripped values, or :class:`ContactError` (messages in Chinese).

    Examples
    --------
    >>> check_contact(" 王女士 ", "0538-8210000")
    ('王女士', '0538-8210000')
    """
    contact_name, phone = (contact_name or "").strip(), (phone or "").strip()
    if len(contact_name) > 50:
        raise ContactError("contact_name", "联系人不能超过 50 个字")
    if phone and not _PHONE.match(phone):
        raise ContactError("phone", "联系电话只能包含数字、空格、括号、+ 和 -，至少 6 位")
    return contact_name, phone


def get_contact(org_id: str) -> Contact:
    row = (
        get_db()
        .execute("SELECT contact_name, phone FROM org_contacts WHERE org_id = ?", (org_id,))
        .fetchone()
    )
    return Contact(org_id, row[0] or "", row[1] or "") if row else Contact(org_id)


def contacts_for(org_ids: list[str]) -> dict[str, Contact]:
    ids = list(dict.fromkeys(org_ids))
    out = {i: Contact(i) for i in ids}
    db = get_db()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        marks = ",".join("?" for _ in chunk)
        for r in db.execute(
            f"SELECT org_id, contact_name, phone FROM org_contacts WHERE org_id IN ({marks})", chunk
        ):
            out[r[0]] = Contact(r[0], r[1] or "", r[2] or "")
    return out


def contacts_frame() -> pd.DataFrame:
    """Every stored contact as a frame (``org_id``, ``contact_name``, ``phone``)."""
    return pd.read_sql_query("SELECT org_id, contact_name, phone FROM org_contacts", get_db())


def set_contact(org_id: str, contact_name: str, phone: str, actor: str) -> bool:
    """Store the contact of ``org_id`` (audited); returns whether anything changed."""
    contact_name, phone = check_contact(contact_name, phone)
    before = get_contact(org_id)
    if (before.contact_name, before.phone) == (contact_name, phone):
        return False
    db = get_db()
    db.execute(
        "INSERT INTO org_contacts(org_id, contact_name, phone, updated_by, updated_at) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(org_id) DO UPDATE SET contact_name = excluded.contact_name, "
        "phone = excluded.phone, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
        (org_id, contact_name, phone, actor, now_iso()),
    )
    db.commit()
    get_store().append_audit(
        actor,
        "set_contact",
        f"organizations:{org_id}",
        {"contact_name": before.contact_name, "phone": before.phone},
        {"contact_name": contact_name, "phone": phone},
    )
    return True
