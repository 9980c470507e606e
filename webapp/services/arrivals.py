"""报到 and 逾期未报到: a group reports its arrival at the village its letter sends it to.

The count starts at the lead organization's 介绍信 (the newest letter issued to the lead of the
village's group in force, not revoked): :func:`lead_letter`. The lead organization reports the
arrival (:func:`report_arrival`: date, who received the group on the village committee and their
role, a note); an officer may report it for the group or confirm the group's report
(:func:`confirm_arrival`). Each write is one row of the site database
(:class:`~webapp.sitedb.models_arrivals.Arrival`) and one audit entry on the store's trail.
:func:`overdue_groups` lists the groups whose letter is more than N days old and that have not
reported, for an explicit "today" (Beijing's date on the site).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from graph_schema.store import GraphStore
from graph_schema.store.base import IssuedLetter, now_iso

from ..organization.forms import FormError
from ..people_time import beijing_date
from ..sitedb.models import OrgContact
from ..sitedb.models_arrivals import Arrival

__all__ = [
    "ArrivalError",
    "ArrivalRefused",
    "Overdue",
    "lead_letter",
    "lead_letters",
    "arrival_for",
    "report_arrival",
    "confirm_arrival",
    "overdue_groups",
    "days_between",
]

#: the longest note, and the longest name or role of the person who received the group
NOTE_CHARS, NAME_CHARS = 500, 50


class ArrivalError(FormError):
    """A 报到 form was refused (``errors`` maps each field to what is wrong, in Chinese)."""


class ArrivalRefused(LookupError):
    """No 报到 is possible here: no group in force, not its lead, or no letter issued yet."""


@dataclass(frozen=True)
class Overdue:
    """A group not reported within the set days after its lead's letter."""

    village_id: str
    village_name: str
    county: str
    lead_org_id: str
    lead_name: str
    contact_name: str
    phone: str
    letter_reference: str
    issued_on: str
    days: int  # since the letter
    days_overdue: int  # beyond the set number of days


def days_between(first: str, last: str) -> int:
    """Whole days from one ``YYYY-MM-DD`` date to another.

    Examples
    --------
    >>> days_between("2026-11-01", "2026-12-02")
    31
    """
    return (dt.date.fromisoformat(last) - dt.date.fromisoformat(first)).days


def lead_letters(letters: list[IssuedLetter], leads: Mapping[str, str]) -> dict[str, IssuedLetter]:
    """Per village, the newest letter in force issued to its lead (``village_id -> org_id``).

    A letter with a 撤销 record is no longer in force.

    Examples
    --------
    >>> from graph_schema.store.base import IssuedLetter
    >>> def made(ref, org, kind="letter", revokes="", at="2026-11-01T01:00:00+00:00"):
    ...     return IssuedLetter(ref, ref, "p", 2026, 1, "V1", org, kind, revokes, at, "x", "")
    >>> found = lead_letters([made("L1", "O1"), made("R1", "O1", "revocation", "L1"),
    ...     made("L2", "O2"), made("L3", "O1")], {"V1": "O1"})
    >>> found["V1"].reference
    'L3'
    """
    revoked = {x.revokes for x in letters if x.kind == "revocation"}
    out: dict[str, IssuedLetter] = {}
    for letter in letters:  # oldest first, so the newest wins
        in_force = letter.kind == "letter" and letter.reference not in revoked
        if in_force and leads.get(letter.village_id) == letter.org_id:
            out[letter.village_id] = letter
    return out


def _leads(store: GraphStore, village_id: str | None = None) -> dict[str, str]:
    where = {"village_id": village_id} if village_id else None
    groups = store.query("partnerships", where)
    leads = groups[groups["role"] == "lead"]
    return dict(zip(leads["village_id"], leads["org_id"], strict=True))


def lead_letter(store: GraphStore, village_id: str) -> IssuedLetter | None:
    """The letter of the lead organization of the village's group in force (None: none yet)."""
    leads = _leads(store, village_id)
    if not leads:
        return None
    letters = store.issued_letters(village_id=village_id, org_id=leads[village_id])
    revocations = [x for x in store.issued_letters(village_id=village_id) if x.kind != "letter"]
    return lead_letters(letters + revocations, leads).get(village_id)


def arrival_for(session: Session, letter: IssuedLetter | None) -> Arrival | None:
    """The 报到 recorded for a letter, if any."""
    if letter is None:
        return None
    query = select(Arrival).where(Arrival.letter_reference == letter.reference)
    return session.scalars(query).first()


def _checked(form: Mapping[str, str], issued_on: str, today: str) -> dict[str, str]:
    values = {
        k: (form.get(k) or "").strip()
        for k in ("arrived_on", "received_by_name", "received_by_role", "note")
    }
    errors: dict[str, str] = {}
    try:
        day = dt.date.fromisoformat(values["arrived_on"])
    except ValueError:
        errors["arrived_on"] = _("报到日期应为 YYYY-MM-DD，例如 %(today)s", today=today)
    else:
        values["arrived_on"] = day.isoformat()
        if values["arrived_on"] < issued_on:
            errors["arrived_on"] = _(
                "报到日期 %(day)s 早于介绍信开具日期 %(issued)s",
                day=values["arrived_on"],
                issued=issued_on,
            )
        elif values["arrived_on"] > today:
            errors["arrived_on"] = _(
                "报到日期 %(day)s 晚于今天（%(today)s）", day=values["arrived_on"], today=today
            )
    for key, what in (("received_by_name", _("接待人姓名")), ("received_by_role", _("接待人职务"))):
        if not values[key]:
            errors[key] = _("请填写%(what)s", what=what)
        elif len(values[key]) > NAME_CHARS:
            errors[key] = _("%(what)s不能超过 %(n)s 个字", what=what, n=NAME_CHARS)
    if len(values["note"]) > NOTE_CHARS:
        errors["note"] = _("说明不能超过 %(n)s 个字", n=NOTE_CHARS)
    if errors:
        raise ArrivalError(errors)
    return values


def _as_dict(row: Arrival) -> dict:
    return {
        c: getattr(row, c)
        for c in ("village_id", "org_id", "letter_reference", "arrived_on", "received_by_name")
        + ("received_by_role", "note", "reported_by", "confirmed_by")
    }


def report_arrival(
    store: GraphStore,
    session: Session,
    village_id: str,
    form: Mapping[str, str],
    actor: str,
    *,
    org_id: str | None,
    today: str,
) -> Arrival:
    """Record (or correct, until an officer confirmed it) the 报到 of the village's group.

    ``org_id`` is the reporting organization (it must be the group's lead), or None for an
    officer, whose report counts as confirmed. ``today`` is Beijing's date (``YYYY-MM-DD``).

    Raises
    ------
    ArrivalRefused
        No group in force with a letter, or ``org_id`` is not its lead, or the 报到 was confirmed.
    ArrivalError
        A field is wrong (a date before the letter or after today, a missing name).
    """
    letter = lead_letter(store, village_id)
    if letter is None:
        raise ArrivalRefused(_("该村的抱团组还没有开具介绍信，开具后才能报到"))
    if org_id is not None and org_id != letter.org_id:
        raise ArrivalRefused(_("只有抱团组的牵头组织可以报到"))
    values = _checked(form, beijing_date(letter.issued_at), today)
    row = arrival_for(session, letter)
    before = None if row is None else _as_dict(row)
    if row is not None and row.confirmed_by and org_id is not None:
        raise ArrivalRefused(_("报到已由民政部门确认，不能再修改"))
    moment = now_iso()
    if row is None:
        row = Arrival(village_id=village_id, org_id=letter.org_id)
        row.letter_reference = letter.reference
        session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    row.reported_by, row.reported_at = actor, moment
    if org_id is None:
        row.confirmed_by, row.confirmed_at = actor, moment
    session.commit()
    store.append_audit(actor, "report_arrival", f"village:{village_id}", before, _as_dict(row))
    return row


def confirm_arrival(store: GraphStore, session: Session, village_id: str, actor: str) -> Arrival:
    """An officer confirms the group's own 报到 (audited); a second confirmation is a no-op.

    Raises
    ------
    ArrivalRefused
        The group has not reported yet.
    """
    row = arrival_for(session, lead_letter(store, village_id))
    if row is None:
        raise ArrivalRefused(_("该组还没有报到，可直接代为登记报到"))
    if row.confirmed_by:
        return row
    before = _as_dict(row)
    row.confirmed_by, row.confirmed_at = actor, now_iso()
    session.commit()
    store.append_audit(actor, "confirm_arrival", f"village:{village_id}", before, _as_dict(row))
    return row


def overdue_groups(
    store: GraphStore,
    session: Session,
    today: str,
    days: int,
    county: str | None = None,
) -> list[Overdue]:
    """Groups in force whose lead's letter was issued more than ``days`` days before ``today``
    and that have not reported, most overdue first; only ``county``'s villages when given."""
    villages = store.query("villages")
    if county is not None:
        villages = villages[villages["county"] == county]
    leads = {v: o for v, o in _leads(store).items() if v in set(villages["village_id"])}
    letters = lead_letters(store.issued_letters(), leads)
    reported = set(session.scalars(select(Arrival.letter_reference)))
    late = []
    for village_id, letter in letters.items():
        issued_on = beijing_date(letter.issued_at)
        age = days_between(issued_on, today)
        if age > days and letter.reference not in reported:
            late.append((village_id, letter, issued_on, age))
    if not late:
        return []
    names = villages.set_index("village_id")
    orgs = store.query("organizations").set_index("org_id")["name"]
    lead_ids = [x[1].org_id for x in late]
    contacts = {
        c.org_id: c
        for c in session.scalars(select(OrgContact).where(OrgContact.org_id.in_(lead_ids)))
    }
    out = []
    for village_id, letter, issued_on, age in late:
        contact = contacts.get(letter.org_id)
        out.append(
            Overdue(
                village_id,
                str(names.at[village_id, "name"]),
                str(names.at[village_id, "county"]),
                letter.org_id,
                str(orgs.get(letter.org_id, letter.org_id)),
                (contact.contact_name or "") if contact else "",
                (contact.phone or "") if contact else "",
                letter.reference,
                issued_on,
                age,
                age - days,
            )
        )
    return sorted(out, key=lambda o: (-o.days, o.village_id))
