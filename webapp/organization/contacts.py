"""Contact person and phone of each organization, kept in the site database.

Contacts are not part of the data contract, so they live in the site's ``org_contacts`` table
(:class:`webapp.sitedb.models.OrgContact`), keyed by ``org_id``, rather than in the store: exports
of the data folder stay exactly the contract. Every write to them is audited in the store; the
write is :func:`webapp.organization.operations.set_contact`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import select

from ..errors import WebappError
from ..sitedb import get_session
from ..sitedb.models import OrgContact

__all__ = [
    "Contact",
    "ContactError",
    "get_contact",
    "contacts_for",
    "contacts_frame",
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
    row = get_session().get(OrgContact, org_id)
    return Contact(org_id, row.contact_name or "", row.phone or "") if row else Contact(org_id)


def contacts_for(org_ids: list[str]) -> dict[str, Contact]:
    ids = list(dict.fromkeys(org_ids))
    out = {i: Contact(i) for i in ids}
    db = get_session()
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for r in db.scalars(select(OrgContact).where(OrgContact.org_id.in_(chunk))):
            out[r.org_id] = Contact(r.org_id, r.contact_name or "", r.phone or "")
    return out


def contacts_frame() -> pd.DataFrame:
    """Every stored contact as a frame (``org_id``, ``contact_name``, ``phone``)."""
    query = select(OrgContact.org_id, OrgContact.contact_name, OrgContact.phone)
    rows = get_session().execute(query).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=["org_id", "contact_name", "phone"])
