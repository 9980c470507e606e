"""Writes of the organization folder (issue 14 point 1: views and forms call these).

An organization's contact (site database, audited in the store) and the rows of a
self-registration: the application, its decision, and on approval the organization and its
capabilities in the store. Checking what to write stays with the caller
(:mod:`webapp.organization.contacts`, :mod:`webapp.organization.registration`).
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
from sqlalchemy import insert, update

from graph_schema.store.base import now_iso

from ..extensions import get_store
from ..services.events import record_event
from ..sitedb import get_session
from ..sitedb.models import OrgContact, OrgRegistration
from ..sitedb.upsert import upsert
from .contacts import check_contact, get_contact

__all__ = [
    "set_contact",
    "insert_registration",
    "rename_registration",
    "decide_registration",
    "store_registered_organization",
    "audit_rejection",
]


def set_contact(org_id: str, contact_name: str, phone: str, actor: str) -> bool:
    """Store the contact of ``org_id`` (audited); returns whether anything changed."""
    contact_name, phone = check_contact(contact_name, phone)
    before = get_contact(org_id)
    if (before.contact_name, before.phone) == (contact_name, phone):
        return False
    db = get_session()
    upsert(
        db,
        OrgContact,
        org_id=org_id,
        contact_name=contact_name,
        phone=phone,
        updated_by=actor,
        updated_at=now_iso(),
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


def insert_registration(org_id: str, account: str, name: str, payload: dict[str, Any]) -> int:
    """Keep a checked application as *pending* under ``account``; returns its id."""
    db = get_session()
    reg_id = db.execute(
        insert(OrgRegistration)
        .values(
            org_id=org_id,
            username=account,
            name=name,
            payload=json.dumps(payload, ensure_ascii=False),
            status="pending",
            submitted_at=now_iso(),
        )
        .returning(OrgRegistration.id)
    ).scalar_one()
    db.commit()
    return int(reg_id)


def rename_registration(reg_id: int, username: str) -> None:
    """The registration's account was renamed by the reviewer (the account itself:
    :func:`webapp.accounts.operations.rename_user`)."""
    db = get_session()
    db.execute(
        update(OrgRegistration).where(OrgRegistration.id == reg_id).values(username=username)
    )
    db.commit()


def decide_registration(reg_id: int, status: str, actor: str, reason: str | None) -> None:
    """Record the decision on a registration (``approved`` or ``rejected``)."""
    db = get_session()
    db.execute(
        update(OrgRegistration)
        .where(OrgRegistration.id == reg_id)
        .values(status=status, decided_by=actor, decided_at=now_iso(), reason=reason)
    )
    db.commit()


def store_registered_organization(org: pd.DataFrame, caps: pd.DataFrame, actor: str) -> None:
    """An approved registration's organization and capabilities into the store (audited)."""
    store = get_store()
    store.upsert_rows("organizations", org, actor, action="approve_registration")
    store.upsert_rows("capabilities", caps, actor, action="approve_registration")


def audit_rejection(org_id: str, actor: str, reason: str) -> None:
    """A rejected registration on the audit trail (it changes nothing in the store)."""
    record_event(
        get_store(), actor, "reject_registration", f"registration:{org_id}", {"reason": reason}
    )
